use moments_protocol::wire::{MemberSummary, SessionResponse};
use yew::prelude::*;

use super::feedback_prompt::feedback_prompt;
use crate::browser::format_number;
use crate::i18n::{Messages, fill};
use crate::state::UiState;

/// What the badge opens: the greeting, the member's standing, and the feedback question.
/// A labelled region the badge discloses (not a dialog: it does not trap focus).
/// `on_close` is `None` for inline widgets, which stay open.
pub fn panel(
    m: &'static Messages,
    response: &SessionResponse,
    ui: &UiState,
    on_answer: &Callback<u8>,
    on_focus_face: &Callback<u8>,
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
                {standing(m, member)}
            }
            if response.feedback.enabled {
                {feedback_prompt(m, response.feedback.question.as_deref(), ui, on_answer, on_focus_face, thanks_ref)}
            }
        </section>
    }
}

fn standing(m: &'static Messages, member: &MemberSummary) -> Html {
    let locale = m.locale.tag();
    let progress = member.tier.as_ref().map(|tier| match &tier.next {
        Some(next) => fill(m.to_next_tier, &[("n", &format_number(next.points_needed, locale)), ("tier", &next.name)]),
        None => m.top_tier.to_owned(),
    });
    html! {
        <section class="member" part="member">
            <p class="member-points">
                <span class="member-points-value">{format_number(member.points, locale)}</span>
                {" "}<span class="member-points-label">{m.points_label}</span>
            </p>
            if let Some(tier) = &member.tier {
                <p class="member-tier">{fill(m.tier_label, &[("tier", &tier.name)])}</p>
            }
            if let Some(progress) = progress {
                <p class="member-progress">{progress}</p>
            }
        </section>
    }
}
