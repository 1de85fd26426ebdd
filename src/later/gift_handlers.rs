use moments_protocol::wire::{ClaimRequest, ClaimedSurprise, Reward};
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::Parts;
use super::state::{Action, GiftState};
use crate::backend::{self, BackendError};
use crate::browser;
use crate::chunks::LaterView;

/// Opening gifts: a claim on the server (which alone decides what is inside), told to the host
/// with `moments:surprise`; a gift of points changes the standing the badge shows. Returns
/// the callbacks that open the next gift and copy a revealed code.
pub fn gift_handlers(parts: &Parts) -> (Callback<()>, Callback<String>) {
    let LaterView {
        session,
        config,
        host,
        stop,
        first,
        ..
    } = parts.view.clone();
    let ui = parts.state.clone();
    let open = {
        let ui = ui.clone();
        Callback::from(move |_: ()| {
            let Some(offer) = ui.surprises.first().cloned() else {
                return;
            };
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
            let (ui, first, config, host, stop) =
                (ui.clone(), first.clone(), config.clone(), host.clone(), stop.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = backend::claim_surprise(&config, &offer.id, &request, &stop).await;
                if stop.aborted() {
                    return;
                }
                match answer {
                    Ok(claimed) => {
                        browser::emit(&host, "moments:surprise", &detail(&claimed));
                        if let Some(member) = claimed.member.clone() {
                            first.set_standing(member);
                        }
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
