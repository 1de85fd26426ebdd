use std::rc::Rc;

use web_sys::Element;
use yew::prelude::*;

use super::state::{Action, LaterState};
use crate::{browser, earned};

/// What events answers bring back for this session: gifts earned mid-session join the waiting
/// ones, and events the server refused one by one (a proof that does not check out, say) are
/// reported to the host as `moments:error`.
#[hook]
pub fn use_earned(session_id: String, host: Element, ui: UseReducerHandle<LaterState>) {
    use_effect_with(session_id, move |session_id| {
        let listening = earned::listen(
            session_id,
            Rc::new(move |answered: earned::Answered| {
                for refusal in &answered.refused {
                    browser::emit(
                        &host,
                        "moments:error",
                        &browser::error_detail(&refusal.code, &refusal.message),
                    );
                }
                if !answered.offers.is_empty() {
                    ui.dispatch(Action::Earned(answered.offers));
                }
            }),
        );
        move || drop(listening)
    });
}
