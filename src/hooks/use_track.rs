use std::rc::Rc;

use moments_protocol::wire::Event;
use yew::prelude::*;

use crate::config::WidgetConfig;
use crate::outbox;
use crate::state::Session;
use crate::track::TrackSignal;

/// The host's `element.track(...)` calls, made before the session started too, go through
/// the outbox like every event; gifts they earn come back in its answer.
#[hook]
pub fn use_track(signal: Rc<TrackSignal>, session: Rc<Session>, config: Rc<WidgetConfig>) {
    use_effect_with(signal, move |signal| {
        signal.listen(Callback::from(move |event: Event| {
            outbox::record(&config, &session, &event)
        }));
        let signal = signal.clone();
        move || signal.stop()
    });
}
