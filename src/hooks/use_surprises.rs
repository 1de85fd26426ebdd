use std::rc::Rc;

use moments_protocol::wire::{ClaimRequest, ClaimedSurprise, Reward};
use wasm_bindgen::JsValue;
use web_sys::Element;
use yew::prelude::*;

use crate::backend::{self, BackendError};
use crate::config::WidgetConfig;
use crate::state::{Action, GiftState, Session, UiState};
use crate::{browser, earned};

/// Gifts: those earned mid-session join the waiting ones (and events the server refused are
/// reported to the host as `moments:error`); opening one claims it on the
/// server (which alone decides what is inside) and tells the host with `moments:surprise`.
/// Returns the callbacks that open the next gift and copy a revealed code.
#[hook]
pub fn use_surprises(session: Rc<Session>, config: Rc<WidgetConfig>, host: Element, ui: UseReducerHandle<UiState>) -> (Callback<()>, Callback<String>) {
    let stop = crate::hooks::use_stop();
    {
        let (ui, host) = (ui.clone(), host.clone());
        use_effect_with(session.response.session_id.clone(), move |session_id| {
            let listening = earned::listen(
                session_id,
                Callback::from(move |answered: earned::Answered| {
                    // Refused one by one (a proof that does not check out, say): the host hears each.
                    for refusal in &answered.refused {
                        browser::emit(&host, "moments:error", &browser::error_detail(&refusal.code, &refusal.message));
                    }
                    if !answered.offers.is_empty() {
                        ui.dispatch(Action::Earned(answered.offers));
                    }
                }),
            );
            move || drop(listening)
        });
    }
    let open = {
        let ui = ui.clone();
        Callback::from(move |_: ()| {
            let Some(offer) = ui.surprises.first().cloned() else { return };
            if ui.gift == GiftState::Opening {
                return;
            }
            ui.dispatch(Action::OpenGift);
            let response = &session.response;
            let request = ClaimRequest {
                site: config.site.clone(),
                visitor_id: session.visitor_id.clone(),
                session_id: response.session_id.clone(),
                // A token the server refused at the start is not sent again.
                member_token: config.member_token.clone().filter(|_| response.member.is_some()),
                locale: Some(response.locale.tag().into()),
            };
            let (ui, config, host, stop) = (ui.clone(), config.clone(), host.clone(), stop.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = backend::claim_surprise(&config, &offer.id, &request, &stop).await;
                if stop.aborted() {
                    return;
                }
                match answer {
                    Ok(claimed) => {
                        browser::emit(&host, "moments:surprise", &detail(&claimed));
                        ui.dispatch(Action::Opened(claimed));
                    }
                    Err(error) => {
                        let gone = matches!(error, BackendError::Status { status: 404 | 410, .. });
                        ui.dispatch(Action::OpenFailed { id: offer.id, gone });
                    }
                }
            });
        })
    };
    let copy = Callback::from(move |code: String| {
        let ui = ui.clone();
        browser::copy_text(&code, move || ui.dispatch(Action::CodeCopied));
    });
    (open, copy)
}

/// `{ id, kind, points? }` for the host's analytics; a coupon code stays between us and the visitor.
fn detail(claimed: &ClaimedSurprise) -> JsValue {
    let (kind, points) = match &claimed.reward {
        Reward::Points { points } => ("points", Some(*points)),
        Reward::Coupon { .. } => ("coupon", None),
        Reward::Message => ("message", None),
    };
    let detail = browser::detail(&[("id", &claimed.id), ("kind", kind)]);
    if let Some(points) = points {
        let _ = js_sys::Reflect::set(&detail, &"points".into(), &JsValue::from_f64(points as f64));
    }
    detail
}
