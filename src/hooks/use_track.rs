use std::rc::Rc;

use moments_protocol::wire::Event;
use yew::prelude::*;

use crate::config::WidgetConfig;
use crate::outbox::{self, Envelope};
use crate::state::Session;
use crate::track::TrackSignal;

/// The host's `element.track(...)` calls, made before the session started too, go through
/// the outbox like every event; gifts they earn come back in its answer.
#[hook]
pub fn use_track(signal: Rc<TrackSignal>, session: Rc<Session>, config: Rc<WidgetConfig>) {
    use_effect_with(signal, move |signal| {
        signal.listen(Callback::from(move |event: Event| {
            let r = &session.response;
            outbox::enqueue(Envelope::new(&config.backend, &config.site, &session.visitor_id, &r.session_id, &event));
        }));
        let signal = signal.clone();
        move || signal.stop()
    });
}
