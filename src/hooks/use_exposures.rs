use std::cell::RefCell;
use std::rc::Rc;

use moments_protocol::wire::{Event, Slot};
use yew::prelude::*;

use crate::browser;
use crate::config::WidgetConfig;
use crate::outbox::{self, Envelope};
use crate::state::{GreetingState, Session, UiState};

/// An experiment's message counts as seen when it is really on screen (the greeting in its
/// bubble or the panel, the farewell in the prompt or the panel), not when it is assigned.
/// Reported once per page view; the server counts each visitor once.
#[hook]
pub fn use_exposures(session: Rc<Session>, config: Rc<WidgetConfig>, ui: &UiState) {
    let reported = use_mut_ref(Vec::<String>::new);
    let response = &session.response;
    let tier_up_in_bubble = response.member.as_ref().is_some_and(|m| m.tier_up && m.tier.is_some());
    let greeting = response.greeting.is_some() && ((ui.greeting == GreetingState::Shown && !tier_up_in_bubble) || ui.panel_open);
    let unanswered = ui.answered.is_none();
    let farewell = response.feedback.farewell.is_some() && unanswered && (ui.prompt_open || (ui.panel_open && ui.ended));
    use_effect_with((greeting, farewell), move |&(greeting, farewell)| {
        report(&session, &config, &reported, Slot::Greeting, greeting);
        report(&session, &config, &reported, Slot::Farewell, farewell);
    });
}

fn report(session: &Session, config: &WidgetConfig, reported: &RefCell<Vec<String>>, slot: Slot, shown: bool) {
    if !shown {
        return;
    }
    let r = &session.response;
    for assignment in r.experiments.iter().filter(|a| a.slot == slot) {
        if !reported.borrow().contains(&assignment.experiment) {
            reported.borrow_mut().push(assignment.experiment.clone());
            let event = Event::Exposure {
                id: browser::new_uuid(),
                at: browser::now_ms(),
                experiment: assignment.experiment.clone(),
                variant: assignment.variant.clone(),
            };
            outbox::enqueue(Envelope::new(&config.backend, &config.site, &session.visitor_id, &r.session_id, &event));
        }
    }
}
