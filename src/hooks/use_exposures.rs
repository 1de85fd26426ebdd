use std::rc::Rc;

use moments_protocol::wire::{Event, Slot};
use yew::prelude::*;

use crate::browser;
use crate::config::WidgetConfig;
use crate::outbox;
use crate::state::Session;

/// An experiment's message in `slot` counts as seen when it is really on screen (`shown`), not
/// when it is assigned: the greeting in its bubble or the panel (the first module reports
/// it), the farewell in the prompt or the panel (the later parts do). Reported once per page
/// view; the server counts each visitor once.
#[hook]
pub fn use_exposures(session: Rc<Session>, config: Rc<WidgetConfig>, slot: Slot, shown: bool) {
    let reported = use_mut_ref(Vec::<String>::new);
    use_effect_with(shown, move |&shown| {
        if !shown {
            return;
        }
        for assignment in session
            .response
            .experiments
            .iter()
            .filter(|a| a.slot == slot)
        {
            if !reported.borrow().contains(&assignment.experiment) {
                reported.borrow_mut().push(assignment.experiment.clone());
                let event = Event::Exposure {
                    id: browser::new_uuid(),
                    at: browser::now_ms(),
                    experiment: assignment.experiment.clone(),
                    variant: assignment.variant.clone(),
                };
                outbox::record(&config, &session, &event);
            }
        }
    });
}
