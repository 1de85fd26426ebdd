//! A member's invite link with one button: Share (the Web Share API, where the browser has it:
//! phones) or Copy. Each tap is counted (a `referral_shared` track event: the browser's word,
//! in reports; it earns nothing).

use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use moments_protocol::wire::Event;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use super::Parts;
use super::referral_texts::texts;
use super::state::{Action, LaterState};
use crate::config::WidgetConfig;
use crate::state::Session;
use crate::{browser, outbox};

/// The track event a share or copy tap records.
pub const SHARED_EVENT: &str = "referral_shared";

/// `navigator.share` and the navigator, when the browser has the Web Share API.
fn web_share() -> Option<(Function, JsValue)> {
    let navigator: JsValue = browser::window()?.navigator().into();
    let share = Reflect::get(&navigator, &"share".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((share, navigator))
}

/// What a tap needs: where to count it, and the state that says "Copied!".
struct Tap {
    config: Rc<WidgetConfig>,
    session: Rc<Session>,
    state: UseReducerHandle<LaterState>,
}

fn shared(tap: &Tap, link: &str, promise: &str) {
    let tapped = Event::Track {
        id: browser::new_uuid(),
        at: browser::now_ms(),
        name: SHARED_EVENT.to_owned(),
        value: None,
        proof: None,
    };
    outbox::record(&tap.config, &tap.session, &tapped);
    let Some((share, navigator)) = web_share() else {
        let state = tap.state.clone();
        browser::copy_text(link, move || state.dispatch(Action::LinkCopied));
        return;
    };
    let data = Object::new();
    let _ = Reflect::set(&data, &"text".into(), &promise.into());
    let _ = Reflect::set(&data, &"url".into(), &link.into());
    if let Ok(shown) = share
        .call1(&navigator, &data)
        .and_then(|p| p.dyn_into::<js_sys::Promise>())
    {
        // Closing the share sheet rejects: nothing to tell the page about.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(shown).await;
        });
    }
}

/// The link and its button, under what it brings (`promise`).
pub fn share_link(parts: &Parts, link: String, promise: String) -> Html {
    let t = texts(parts.view.response.locale);
    let shares = web_share().is_some();
    let label = match (shares, parts.state.link_copied) {
        (true, _) => t.share,
        (false, true) => t.copied,
        (false, false) => t.copy,
    };
    let onclick = {
        let tap = Tap {
            config: parts.view.config.clone(),
            session: parts.view.session.clone(),
            state: parts.state.clone(),
        };
        let (link, promise) = (link.clone(), promise.clone());
        Callback::from(move |_: MouseEvent| shared(&tap, &link, &promise))
    };
    html! {
        <section class="share" part="share" aria-label={t.title}>
            <p class="share-promise">{promise}</p>
            <code class="share-link">{link}</code>
            <button type="button" class="copy share-button" {onclick}>{label}</button>
        </section>
    }
}
