use std::rc::Rc;

use web_sys::Element;
use yew::prelude::*;

use super::WidgetView;
use super::badge::kept_badge;
use crate::config::WidgetConfig;
use crate::context::HostContext;
use crate::hooks::{PendingSession, use_session};
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
    /// The element's `setContext()` and `context` attribute.
    pub context: Rc<HostContext>,
    /// The session request the loader sent before the wasm was ready.
    #[prop_or_default]
    pub pending: PendingSession,
}

/// Until the session has started, renders the member's badge as their last page view left it,
/// or nothing at all, so a slow or absent backend leaves no trace.
#[component]
pub fn App(props: &AppProps) -> Html {
    let session = use_session(props.config.clone(), props.host.clone(), props.pending.clone());
    let kept = use_memo(props.config.clone(), |c| crate::standing::load(&c.site, c.member_token.as_deref()));
    // A tap on the kept badge opens the panel as soon as there is one to open.
    let tapped = use_state(|| false);
    use_effect_with((), |_| crate::outbox::flush());
    match (session, kept.as_ref()) {
        (Some(session), _) => html! {
            <WidgetView {session} config={props.config.clone()} host={props.host.clone()} end={props.end.clone()}
                track={props.track.clone()} context={props.context.clone()} open_panel={*tapped} />
        },
        (None, Some(kept)) => {
            let m = crate::i18n::messages(kept.locale);
            let class = if props.config.inline { "moments inline" } else { "moments" };
            let tap = Callback::from(move |_: MouseEvent| {
                // The panel it opens is fetched now, while the session answers.
                crate::chunks::want(true);
                tapped.set(true);
            });
            // Busy: what it shows is about to be replaced by the backend's answer.
            html! { <div {class} part="root" lang={kept.locale.tag()} aria-busy="true">{kept_badge(m, &kept.member, tap)}</div> }
        }
        (None, None) => html! {},
    }
}
