use moments_protocol::wire::SessionResponse;
use yew::prelude::*;

use super::feedback_prompt::{FeedbackHandlers, feedback_prompt};
use super::member_standing::member_standing;
use super::rewards::{rewards, ways_to_earn};
use crate::hooks::RewardHandlers;
use crate::i18n::Messages;
use crate::state::UiState;

/// The rewards list's callbacks and where its focus goes.
pub struct RewardsPart<'a> {
    pub on: &'a RewardHandlers,
    pub focus: NodeRef,
}

/// What the badge opens: the greeting, the member's standing and rewards, the ways to earn,
/// and the feedback question.
/// A labelled region the badge discloses (not a dialog: it does not trap focus).
/// `on_close` is `None` for inline widgets, which stay open.
pub fn panel(
    m: &'static Messages,
    response: &SessionResponse,
    ui: &UiState,
    on: &FeedbackHandlers,
    on_close: Option<Callback<MouseEvent>>,
    thanks_ref: NodeRef,
    catalog: RewardsPart<'_>,
) -> Html {
    html! {
        <section id="moments-panel" class="panel" part="panel" aria-labelledby="moments-panel-title">
            <header class="panel-header">
                <h2 id="moments-panel-title" class="panel-title">{m.panel_title}</h2>
                if let Some(onclick) = on_close {
                    {super::icons::close_button(m.close, onclick)}
                }
            </header>
            if let Some(greeting) = &response.greeting {
                <p class="panel-greeting">{greeting}</p>
            }
            if let Some(member) = &response.member {
                {member_standing(m, member)}
                {rewards(m, &response.rewards, member, ui, catalog.on, catalog.focus)}
            } else if let Some(url) = join_url(response) {
                <section class="join" part="join">
                    <p>{m.join_prompt}</p>
                    <a class="join-link" part="join-link" href={url.to_owned()}>{m.join_link}</a>
                </section>
            }
            {ways_to_earn(m, &response.ways_to_earn)}
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

/// The site's join page, only when it is an http(s) address: whatever the backend says, a
/// `javascript:` link never reaches the host's page.
pub fn join_url(response: &SessionResponse) -> Option<&str> {
    response.join_url.as_deref().filter(|url| {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase());
        matches!(scheme.as_deref(), Some("https" | "http"))
    })
}
