use moments_protocol::text::cat;
use moments_protocol::wire::RedeemRequest;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::Parts;
use super::state::{Action, Redeeming};
use crate::backend;
use crate::browser;
use crate::chunks::LaterView;

/// What the rewards list can do: ask to redeem a reward (by key), confirm, cancel, and copy
/// the code it gave.
#[derive(Clone, PartialEq)]
pub struct RewardHandlers {
    pub ask: Callback<String>,
    pub confirm: Callback<()>,
    pub cancel: Callback<()>,
    pub copy: Callback<String>,
}

/// Redemptions: a confirmed one is sent with an idempotency key kept in the browser until it
/// succeeds, so a retry, a double tap or a second tab redeems once; the server alone decides.
/// The host hears `moments:redeem` with `{ reward, points }` (never the code), and the badge
/// shows the new balance at once.
pub fn reward_handlers(parts: &Parts) -> RewardHandlers {
    let LaterView {
        session,
        config,
        host,
        stop,
        first,
        ..
    } = parts.view.clone();
    let ui = parts.state.clone();
    let ask = {
        let ui = ui.clone();
        Callback::from(move |key: String| ui.dispatch(Action::AskRedeem(key)))
    };
    let cancel = {
        let ui = ui.clone();
        Callback::from(move |_: ()| ui.dispatch(Action::CancelRedeem))
    };
    let confirm = {
        let ui = ui.clone();
        Callback::from(move |_: ()| {
            let Some(Redeeming::Confirm { key }) = ui.redeeming.clone() else {
                return;
            };
            ui.dispatch(Action::SendRedeem);
            let stored = cat(&["moments:redeem:", &config.site, ":", &key]);
            let idempotency_key = browser::storage_get(&stored).unwrap_or_else(|| {
                let fresh = browser::new_uuid();
                browser::storage_set(&stored, &fresh);
                fresh
            });
            let response = &session.response;
            let request = RedeemRequest {
                site: config.site.clone(),
                visitor_id: session.visitor_id.clone(),
                session_id: response.session_id.clone(),
                member_token: config.member_token.clone(),
                idempotency_key,
                locale: Some(response.locale.tag().into()),
            };
            let (ui, first, config, host, stop) =
                (ui.clone(), first.clone(), config.clone(), host.clone(), stop.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = backend::redeem(&config, &key, &request, &stop).await;
                if stop.aborted() {
                    return;
                }
                match answer {
                    Ok(redeemed) => {
                        browser::storage_remove(&stored);
                        let detail = browser::detail(&[("reward", &redeemed.redemption.reward)]);
                        let _ = js_sys::Reflect::set(
                            &detail,
                            &"points".into(),
                            &JsValue::from_f64(redeemed.redemption.points as f64),
                        );
                        browser::emit(&host, "moments:redeem", &detail);
                        first.set_standing(redeemed.member.clone());
                        ui.dispatch(Action::Redeemed(redeemed));
                    }
                    Err(error) => {
                        // A refusal is final for this key; an unanswered request keeps it for the retry.
                        if !error.is_transient() {
                            browser::storage_remove(&stored);
                        }
                        ui.dispatch(Action::RedeemFailed {
                            key,
                            code: error.code().to_owned(),
                        });
                    }
                }
            });
        })
    };
    let copy = Callback::from(move |code: String| {
        let ui = ui.clone();
        browser::copy_text(&code, move || ui.dispatch(Action::RedeemedCodeCopied));
    });
    RewardHandlers {
        ask,
        confirm,
        cancel,
        copy,
    }
}
