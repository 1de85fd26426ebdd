use moments_protocol::wire::SessionResponse;
use yew::prelude::*;

use super::feedback_prompt::{FeedbackHandlers, feedback_prompt};
use super::member_standing::member_standing;
use crate::i18n::Messages;
use crate::state::UiState;

/// What the badge opens: the greeting, the member's standing, and the feedback question.
/// A labelled region the badge discloses (not a dialog: it does not trap focus).
/// `on_close` is `None` for inline widgets, which stay open.
pub fn panel(
    m: &'static Messages,
    response: &SessionResponse,
    ui: &UiState,
    on: &FeedbackHandlers,
    on_close: Option<Callback<MouseEvent>>,
    thanks_ref: NodeRef,
) -> Html {
    html! {
        <section id="moments-panel" class="panel" part="panel" aria-labelledby="moments-panel-title">
            <header class="panel-header">
                <h2 id="moments-panel-title" class="panel-title">{m.panel_title}</h2>
                if let Some(onclick) = on_close {
                    <button type="button" class="icon-button" aria-label={m.close} {onclick}>{"×"}</button>
                }
            </header>
            if let Some(greeting) = &response.greeting {
                <p class="panel-greeting">{greeting}</p>
            }
            if let Some(member) = &response.member {
                {member_standing(m, member)}
            } else if let Some(url) = &response.join_url {
                <section class="join" part="join">
                    <p>{m.join_prompt}</p>
                    <a class="join-link" part="join-link" href={url.clone()}>{m.join_link}</a>
                </section>
            }
            if ui.ended && ui.answered.is_none() {
                if let Some(farewell) = &response.feedback.farewell {
                    <p class="farewell">{farewell}</p>
                }
            }
            if response.feedback.enabled {
                {feedback_prompt(m, &response.feedback, ui, on, thanks_ref)}
            }
        </section>
    }
}
