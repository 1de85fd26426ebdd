//! The later parts' icons (`crate::icons` holds their shapes) and close button.

use yew::prelude::*;

fn icon(class: &'static str, path: &'static str) -> Html {
    html! {
        <svg {class} viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" focusable="false">
            <path d={path} fill="currentColor" />
        </svg>
    }
}

pub fn gift(class: &'static str) -> Html {
    icon(class, crate::icons::GIFT)
}

pub fn sparkle(class: &'static str) -> Html {
    icon(class, crate::icons::SPARKLE)
}

/// The × that closes a prompt, a panel or a gift; `label` is its accessible name.
pub fn close_button(label: &'static str, onclick: Callback<MouseEvent>) -> Html {
    html! { <button type="button" class="icon-button" aria-label={label} {onclick}>{crate::icons::CLOSE}</button> }
}
