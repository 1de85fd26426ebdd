use yew::prelude::*;

use crate::i18n::Messages;

/// The first moment of the visit: a short bubble by the badge that never takes focus.
pub fn greeting(m: &'static Messages, text: &str, on_dismiss: Callback<MouseEvent>) -> Html {
    html! {
        <div class="greeting" part="greeting">
            <p class="greeting-text">{text.to_owned()}</p>
            <button type="button" class="icon-button" aria-label={m.dismiss_greeting} onclick={on_dismiss}>{"×"}</button>
        </div>
    }
}
