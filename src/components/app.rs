use std::rc::Rc;

use web_sys::Element;
use yew::prelude::*;

use super::WidgetView;
use crate::config::WidgetConfig;
use crate::hooks::use_session;
use crate::session_end::EndSignal;
use crate::track::TrackSignal;

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub config: Rc<WidgetConfig>,
    /// The `<moments-widget>` element, where events for the host are fired.
    pub host: Element,
    /// The element's `endSession()`.
    pub end: Rc<EndSignal>,
    /// The element's `track()`.
    pub track: Rc<TrackSignal>,
}

/// Renders nothing until the session has started, so a slow or absent backend leaves no trace.
#[component]
pub fn App(props: &AppProps) -> Html {
    let session = use_session(props.config.clone(), props.host.clone());
    use_effect_with((), |_| crate::outbox::flush());
    match session {
        Some(session) => html! { <WidgetView {session} config={props.config.clone()} host={props.host.clone()} end={props.end.clone()} track={props.track.clone()} /> },
        None => html! {},
    }
}
