use moments_protocol::wire::{MemberSummary, SessionResponse};
use yew::prelude::*;

use super::tier_progress::percent;
use crate::i18n::{Messages, fill};

/// The floating button: a member's points, tier and way to the next tier; for anyone else an
/// invitation to join, or to give feedback; nothing where the site hides it from them.
pub fn badge(m: &'static Messages, response: &SessionResponse, open: bool, on_toggle: Callback<MouseEvent>, node: NodeRef) -> Html {
    let content = match &response.member {
        Some(member) => standing(m, member),
        None if response.hide_badge => return Html::default(),
        None if super::panel::join_url(response).is_some() => html! { <span class="badge-points">{m.badge_join}</span> },
        None => html! { <span class="badge-points">{m.badge_anonymous}</span> },
    };
    button(m, content, open, on_toggle, node)
}

/// The badge as the member's last page view left it, drawn before the session answers.
pub fn kept_badge(m: &'static Messages, member: &MemberSummary, on_click: Callback<MouseEvent>) -> Html {
    button(m, standing(m, member), false, on_click, NodeRef::default())
}

fn standing(m: &'static Messages, member: &MemberSummary) -> Html {
    let points = fill(m.badge_points, &[("points", &crate::i18n::number(member.points, m.locale))]);
    let tier = member.tier.as_ref();
    html! {
        <>
            <span class="badge-points">{points}</span>
            if let Some(tier) = tier {
                <span class="badge-tier">{&tier.name}</span>
                if tier.next.is_some() {
                    // Decoration: the panel's progress bar says the same in words.
                    <progress class="badge-progress" part="badge-progress" aria-hidden="true" max="100"
                        value={percent(tier, member.lifetime_points)} />
                }
            }
        </>
    }
}

fn button(m: &'static Messages, content: Html, open: bool, on_toggle: Callback<MouseEvent>, node: NodeRef) -> Html {
    html! {
        // The visible text is the button's name (WCAG 2.5.3); its purpose follows, unseen.
        <button ref={node} type="button" class="badge" part="badge"
            aria-expanded={if open { "true" } else { "false" }} aria-controls="moments-panel" onclick={on_toggle}>
            {super::icons::star("badge-icon")}
            {content}
            <span class="visually-hidden">{m.badge_label}</span>
        </button>
    }
}
