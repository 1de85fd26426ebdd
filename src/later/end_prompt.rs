use yew::prelude::*;

use super::PartsProps;
use super::feedback_prompt::FeedbackQuestion;

/// The last moment of the visit: the site's farewell and its one question, floating by the
/// badge. It appears without taking focus; Escape or × closes it.
#[component]
pub fn EndPrompt(props: &PartsProps) -> Html {
    let parts = &props.parts;
    let response = &parts.view.response;
    let m = crate::i18n::messages(response.locale);
    html! {
        <section class="prompt" part="prompt" aria-label={m.panel_title}>
            <div class="panel-header">
                <p class="farewell">{response.feedback.farewell.clone().unwrap_or_default()}</p>
                {super::icons::close_button(m.prompt_close, parts.close_prompt.reform(|_: MouseEvent| ()))}
            </div>
            <FeedbackQuestion parts={parts.clone()} />
        </section>
    }
}
