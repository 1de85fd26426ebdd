use yew::prelude::*;

use crate::i18n::Messages;

const FACES: [&str; 5] = ["😞", "🙁", "😐", "🙂", "😄"];

/// One tap answers: five faces, a labelled radio group, worst to best (scores 1 to 5).
/// `question` is the site's; the catalog's when `None`.
pub fn feedback_prompt(m: &'static Messages, question: Option<&str>, answered: bool, on_answer: &Callback<u8>) -> Html {
    if answered {
        return html! { <p class="thanks" part="thanks" role="status">{m.thanks}</p> };
    }
    let faces = FACES.iter().zip(m.faces).enumerate().map(|(i, (face, label))| {
        let score = i as u8 + 1;
        let onclick = on_answer.reform(move |_: MouseEvent| score);
        html! {
            <button type="button" class="face" part="face" role="radio" aria-checked="false"
                aria-label={label} title={label} data-score={score.to_string()} {onclick}>
                <span aria-hidden="true">{*face}</span>
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
