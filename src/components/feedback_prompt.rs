use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::i18n::Messages;
use crate::state::UiState;

/// A face for `score` (1 to 5), drawn rather than an emoji so it looks the same on every
/// system and takes the theme's colour. Only the mouth's curve changes.
fn face_icon(score: u8) -> Html {
    let smile = (i32::from(score) - 3) * 3;
    let mouth = format!("M8 16.5 Q12 {} 16 16.5", 16 + smile);
    html! {
        <svg class="face-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="1.6" />
            <circle cx="8.8" cy="9.5" r="1.3" fill="currentColor" />
            <circle cx="15.2" cy="9.5" r="1.3" fill="currentColor" />
            <path d={mouth} fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />
        </svg>
    }
}

/// One tap answers: five faces, a labelled radio group, worst to best (scores 1 to 5).
/// The group is one tab stop; arrow keys, Home and End move between faces without
/// answering; Enter, Space or a tap answers. `question` is the site's; the catalog's when `None`.
pub fn feedback_prompt(
    m: &'static Messages,
    question: Option<&str>,
    ui: &UiState,
    on_answer: &Callback<u8>,
    on_focus_face: &Callback<u8>,
    thanks_ref: NodeRef,
) -> Html {
    if ui.answered.is_some() {
        // Focusable, because it replaces the face that had the focus.
        return html! { <p ref={thanks_ref} class="thanks" part="thanks" role="status" tabindex="-1">{m.thanks}</p> };
    }
    let faces = m.faces.iter().enumerate().map(|(i, label)| {
        let score = i as u8 + 1;
        let onclick = on_answer.reform(move |_: MouseEvent| score);
        let tabindex = if score == ui.focused_face { "0" } else { "-1" };
        html! {
            <button type="button" class="face" part="face" role="radio" aria-checked="false" {tabindex}
                aria-label={*label} title={*label} data-score={score.to_string()} {onclick}>
                {face_icon(score)}
            </button>
        }
    });
    html! {
        <section class="feedback" part="feedback">
            <p id="moments-question" class="question">{question.unwrap_or(m.question).to_owned()}</p>
            <div class="faces" role="radiogroup" aria-labelledby="moments-question"
                onkeydown={arrow_keys(ui.focused_face, on_focus_face.clone())}>{for faces}</div>
        </section>
    }
}

/// Moves the tab stop and the focus along the faces.
fn arrow_keys(current: u8, on_focus_face: Callback<u8>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        let next = match e.key().as_str() {
            "ArrowRight" | "ArrowDown" => current % 5 + 1,
            "ArrowLeft" | "ArrowUp" => (current + 3) % 5 + 1,
            "Home" => 1,
            "End" => 5,
            _ => return,
        };
        e.prevent_default();
        on_focus_face.emit(next);
        // Yew delegates listeners to its root, so `current_target` is not the group: the
        // focused face's parent is.
        let group = e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok()).and_then(|face| face.parent_element());
        if let Some(face) = group.and_then(|g| g.children().item(u32::from(next) - 1)).and_then(|f| f.dyn_into::<HtmlElement>().ok()) {
            let _ = face.focus();
        }
    })
}
