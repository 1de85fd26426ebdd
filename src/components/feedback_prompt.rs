use yew::prelude::*;

use crate::hooks::use_messages;

#[derive(Properties, PartialEq)]
pub struct FeedbackPromptProps {
    /// The site's question; the catalog's when `None`.
    pub question: Option<AttrValue>,
    pub answered: Option<u8>,
    pub on_answer: Callback<u8>,
}

const FACES: [&str; 5] = ["😞", "🙁", "😐", "🙂", "😄"];

/// One tap answers: five faces, a labelled radio group, worst to best (scores 1 to 5).
#[component]
pub fn FeedbackPrompt(props: &FeedbackPromptProps) -> Html {
    let m = use_messages();
    if props.answered.is_some() {
        return html! { <p class="thanks" part="thanks" role="status">{m.thanks}</p> };
    }
    let question = props.question.clone().unwrap_or(AttrValue::Static(m.question));
    let faces = FACES.iter().zip(m.faces).enumerate().map(|(i, (face, label))| {
        let score = i as u8 + 1;
        let onclick = props.on_answer.reform(move |_: MouseEvent| score);
        html! {
            <button type="button" class="face" part="face" role="radio" aria-checked="false"
                aria-label={label} title={label} data-score={score.to_string()} {onclick}>
                <span aria-hidden="true">{*face}</span>
            </button>
        }
    });
    html! {
        <section class="feedback" part="feedback">
            <p id="moments-question" class="question">{question}</p>
            <div class="faces" role="radiogroup" aria-labelledby="moments-question">{for faces}</div>
        </section>
    }
}
