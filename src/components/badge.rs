use moments_protocol::wire::MemberSummary;
use yew::prelude::*;

use crate::browser::format_number;
use crate::hooks::use_messages;
use crate::i18n::fill;

#[derive(Properties, PartialEq)]
pub struct BadgeProps {
    pub member: Option<MemberSummary>,
    pub open: bool,
    pub on_toggle: Callback<()>,
}

/// The floating button: a member's points and tier, or an invitation to give feedback.
#[component]
pub fn Badge(props: &BadgeProps) -> Html {
    let m = use_messages();
    let onclick = props.on_toggle.reform(|_: MouseEvent| ());
    let content = match &props.member {
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
        <button type="button" class="badge" part="badge" aria-label={m.badge_label}
            aria-expanded={props.open.to_string()} aria-controls="moments-panel" {onclick}>
            <span class="badge-icon" aria-hidden="true">{"★"}</span>
            {content}
        </button>
    }
}
