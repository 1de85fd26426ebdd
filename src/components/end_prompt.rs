use moments_protocol::wire::FeedbackSettings;
use yew::prelude::*;

use super::feedback_prompt::{FeedbackHandlers, feedback_prompt};
use crate::i18n::Messages;
use crate::state::UiState;

/// The last moment of the visit: the site's farewell and its one question, floating by the
/// badge. It appears without taking focus; Escape or × closes it.
pub fn end_prompt(
    m: &'static Messages,
    settings: &FeedbackSettings,
    ui: &UiState,
    on: &FeedbackHandlers,
    on_close: Callback<MouseEvent>,
    thanks_ref: NodeRef,
) -> Html {
    html! {
        <section class="prompt" part="prompt" aria-label={m.panel_title}>
            <div class="panel-header">
                <p class="farewell">{settings.farewell.clone().unwrap_or_default()}</p>
                {super::icons::close_button(m.prompt_close, on_close)}
            </div>
            {feedback_prompt(m, settings, ui, on, thanks_ref)}
        </section>
    }
}
