use yew::prelude::*;

use crate::i18n::Messages;

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
/// `question` is the site's; the catalog's when `None`.
pub fn feedback_prompt(m: &'static Messages, question: Option<&str>, answered: bool, on_answer: &Callback<u8>) -> Html {
    if answered {
        return html! { <p class="thanks" part="thanks" role="status">{m.thanks}</p> };
    }
    let faces = m.faces.iter().enumerate().map(|(i, label)| {
        let score = i as u8 + 1;
        let onclick = on_answer.reform(move |_: MouseEvent| score);
        html! {
            <button type="button" class="face" part="face" role="radio" aria-checked="false"
                aria-label={*label} title={*label} data-score={score.to_string()} {onclick}>
                {face_icon(score)}
            </button>
        }
    });
    html! {
        <section class="feedback" part="feedback">
            <p id="moments-question" class="question">{question.unwrap_or(m.question).to_owned()}</p>
            <div class="faces" role="radiogroup" aria-labelledby="moments-question">{for faces}</div>
        </section>
    }
}
