use yew::prelude::*;

use crate::i18n::Messages;

/// The first moment of the visit: a short bubble by the badge that never takes focus.
pub fn greeting(m: &'static Messages, text: &str, on_dismiss: Callback<MouseEvent>) -> Html {
    html! {
        <div class="greeting" part="greeting">
            <p class="greeting-text">{text.to_owned()}</p>
            {super::icons::close_button(m.dismiss_greeting, on_dismiss)}
        </div>
    }
}
