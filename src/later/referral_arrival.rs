//! The friend's side: a page opened through a referral link. The code is taken from the
//! address once per page, removed from it with `history.replaceState` (so copying the address
//! does not pass the link on), told to the server, and the friend's offer is shown.

use std::cell::Cell;
use std::rc::Rc;

use moments_protocol::wire::ReferralClick;
use yew::prelude::*;

use super::Parts;
use super::referral_texts::texts;
use super::state::{Action, Arrival, LaterState};
use crate::config::WidgetConfig;
use crate::state::Session;
use crate::{backend, browser, decode, encode};

thread_local! {
    /// The page's code was taken (by this widget or another on the page).
    static TAKEN: Cell<bool> = const { Cell::new(false) };
}

/// Takes the page's referral code (once per page) and reports it; what the server said goes
/// into the state. Nothing is shown when the server could not be reached: the code left the
/// address, and a later visit through the link tries again.
pub fn take(session: &Rc<Session>, config: &Rc<WidgetConfig>, state: UseReducerHandle<LaterState>) {
    let Some(param) = session.response.referral.as_ref().map(|r| r.param.as_str()) else {
        return;
    };
    let Some(window) = browser::window() else { return };
    let (location, Ok(history)) = (window.location(), window.history()) else {
        return;
    };
    let (Ok(search), Ok(path), Ok(hash)) = (location.search(), location.pathname(), location.hash()) else {
        return;
    };
    let Ok(query) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    let Some(code) = query.get(param).filter(|c| !c.is_empty() && !TAKEN.replace(true)) else {
        return;
    };
    // Out of the address bar (the rest of the address and the history state stay), so copying
    // the address does not pass the link on.
    query.delete(param);
    let rest: String = query.to_string().into();
    let rest = if rest.is_empty() {
        rest
    } else {
        moments_protocol::text::cat(&["?", &rest])
    };
    let state_now = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
    let _ = history.replace_state_with_url(
        &state_now,
        "",
        Some(&moments_protocol::text::cat(&[&path, &rest, &hash])),
    );
    let click = ReferralClick {
        site: config.site.clone(),
        visitor_id: session.visitor_id.clone(),
        session_id: session.response.session_id.clone(),
        code,
        device_id: crate::launcher::device_id(),
        locale: Some(session.response.locale.tag().to_owned()),
    };
    let url = moments_protocol::text::cat(&[&config.backend, "/v1/referrals/click"]);
    let locale = session.response.locale;
    wasm_bindgen_futures::spawn_local(async move {
        let arrival = match backend::post_json(&url, &encode::referral_click(&click)).await {
            Ok(answer) => Arrival {
                welcome: decode::string(&answer, "status").as_deref() == Some("attributed"),
                text: match decode::string(&answer, "message") {
                    Some(text) => text,
                    None => return,
                },
            },
            Err(backend::BackendError::Status { status: 404, .. }) => Arrival {
                text: texts(locale).unknown_link.to_owned(),
                welcome: false,
            },
            Err(_) => return,
        };
        state.dispatch(Action::Arrived(arrival));
    });
}

/// The friend's welcome card, while it is open.
pub fn card(parts: &Parts) -> Html {
    let Some(arrival) = &parts.state.arrival else {
        return Html::default();
    };
    let response = &parts.view.response;
    let (m, t) = (crate::i18n::messages(response.locale), texts(response.locale));
    let state = parts.state.clone();
    let close = Callback::from(move |_: MouseEvent| state.dispatch(Action::CloseArrival));
    let join = crate::launcher::join_url(response).filter(|_| arrival.welcome);
    html! {
        <section class="reveal referral-welcome" part="referral-welcome" role="status" aria-labelledby="moments-welcome-title">
            <header class="panel-header">
                <h2 id="moments-welcome-title" class="panel-title">{super::icons::sparkle("title-icon")}{t.welcome_title}</h2>
                {super::icons::close_button(m.close, close)}
            </header>
            <p class={if arrival.welcome { "reveal-reward" } else { "" }}>{arrival.text.clone()}</p>
            if let Some(url) = join {
                <a class="join-link" part="join-link" href={url.to_owned()}>{m.join_link}</a>
            }
        </section>
    }
}
