//! Icons as inline SVG in the text's colour: an emoji needs an emoji font, which some
//! systems lack (they show an empty box), and a page's fonts are not ours to rely on.

use yew::prelude::*;

fn icon(class: &'static str, path: &'static str) -> Html {
    html! {
        <svg {class} viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" focusable="false">
            <path d={path} fill="currentColor" />
        </svg>
    }
}

/// A wrapped present.
pub fn gift(class: &'static str) -> Html {
    icon(class, "M3 8h18v4H3zM4 13h16v8H4zM11 8h2v13h-2zM12 8C10 4 6 3 6 6c0 2 4 2 6 2zm0 0c2-4 6-5 6-2 0 2-4 2-6 2z")
}

/// A burst of celebration.
pub fn sparkle(class: &'static str) -> Html {
    icon(class, "M12 1l2.6 7.4L22 11l-7.4 2.6L12 21l-2.6-7.4L2 11l7.4-2.6zM19 1l.9 2.1L22 4l-2.1.9L19 7l-.9-2.1L16 4l2.1-.9z")
}

/// A star: the member's standing.
pub fn star(class: &'static str) -> Html {
    icon(class, "M12 2l2.9 6.9 7.1.6-5.4 4.7 1.7 7-6.3-3.9-6.3 3.9 1.7-7L2 9.5l7.1-.6z")
}

/// The × that closes a bubble, a prompt, a panel or a gift; `label` is its accessible name.
pub fn close_button(label: &'static str, onclick: Callback<MouseEvent>) -> Html {
    html! { <button type="button" class="icon-button" aria-label={label} {onclick}>{"×"}</button> }
}
