//! An experiment's message counts as seen when it is really on screen, not when it is
//! assigned: the greeting in its bubble or the panel (the launcher reports it), the farewell in
//! the prompt or the panel (the later parts do). Reported once per page view and widget; the
//! server counts each visitor once.

use moments_protocol::wire::{Event, Slot};

use crate::config::WidgetConfig;
use crate::state::Session;
use crate::{browser, outbox};

/// Writes an exposure to the outbox for each experiment in `slot` not in `reported` yet.
pub fn report(session: &Session, config: &WidgetConfig, slot: Slot, reported: &mut Vec<String>) {
    for assignment in session.response.experiments.iter().filter(|a| a.slot == slot) {
        if !reported.contains(&assignment.experiment) {
            reported.push(assignment.experiment.clone());
            let event = Event::Exposure {
                id: browser::new_uuid(),
                at: browser::now_ms(),
                experiment: assignment.experiment.clone(),
                variant: assignment.variant.clone(),
            };
            outbox::record(config, session, &event);
        }
    }
}
