use moments_protocol::wire::MemberSummary;
use yew::prelude::*;

use crate::browser::format_number;
use crate::i18n::{Messages, fill};

/// The floating button: a member's points and tier, or an invitation to give feedback.
pub fn badge(m: &'static Messages, member: Option<&MemberSummary>, open: bool, on_toggle: Callback<MouseEvent>, node: NodeRef) -> Html {
    let content = match member {
        Some(member) => {
            let points = fill(m.badge_points, &[("points", &format_number(member.points, m.locale.tag()))]);
            html! {
                <>
                    <span class="badge-points">{points}</span>
                    if let Some(tier) = &member.tier {
                        <span class="badge-tier">{&tier.name}</span>
                    }
                </>
            }
        }
        None => html! { <span class="badge-points">{m.badge_anonymous}</span> },
    };
    html! {
        // The visible text is the button's name (WCAG 2.5.3); its purpose follows, unseen.
        <button ref={node} type="button" class="badge" part="badge"
            aria-expanded={if open { "true" } else { "false" }} aria-controls="moments-panel" onclick={on_toggle}>
            <span class="badge-icon" aria-hidden="true">{"★"}</span>
            {content}
            <span class="visually-hidden">{m.badge_label}</span>
        </button>
    }
}
