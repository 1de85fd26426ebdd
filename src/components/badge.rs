use moments_protocol::wire::{MemberSummary, SessionResponse};
use yew::prelude::*;

use super::tier_progress::percent;
use crate::i18n::{Messages, fill};

/// The floating button: a member's points, tier and way to the next tier; for anyone else an
/// invitation to join, or to give feedback; nothing where the site hides it from them.
/// `on_intent` hears the pointer coming over it and the focus reaching it.
pub fn badge(m: &'static Messages, response: &SessionResponse, open: bool, on_toggle: Callback<MouseEvent>, on_intent: Callback<()>, node: NodeRef) -> Html {
    let content = match &response.member {
        Some(member) => standing(m, member),
        None if response.hide_badge => return Html::default(),
        None if join_url(response).is_some() => html! { <span class="badge-points">{m.badge_join}</span> },
        None => html! { <span class="badge-points">{m.badge_anonymous}</span> },
    };
    button(m, content, open, on_toggle, Some(on_intent), node)
}

/// The badge as the member's last page view left it, drawn before the session answers.
pub fn kept_badge(m: &'static Messages, member: &MemberSummary, on_click: Callback<MouseEvent>) -> Html {
    button(m, standing(m, member), false, on_click, None, NodeRef::default())
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

fn button(m: &'static Messages, content: Html, open: bool, on_toggle: Callback<MouseEvent>, on_intent: Option<Callback<()>>, node: NodeRef) -> Html {
    let onpointerenter = on_intent.as_ref().map(|intent| intent.reform(|_: PointerEvent| ()));
    let onfocus = on_intent.map(|intent| intent.reform(|_: FocusEvent| ()));
    html! {
        // The visible text is the button's name (WCAG 2.5.3); its purpose follows, unseen.
        <button ref={node} type="button" class="badge" part="badge"
            aria-expanded={if open { "true" } else { "false" }} aria-controls="moments-panel" onclick={on_toggle}
            {onpointerenter} {onfocus}>
            {super::icons::star("badge-icon")}
            {content}
            <span class="visually-hidden">{m.badge_label}</span>
        </button>
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
