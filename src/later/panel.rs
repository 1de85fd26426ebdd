use yew::prelude::*;

use super::Parts;
use super::feedback_prompt::FeedbackQuestion;
use super::member_standing::member_standing;
use super::reward_handlers::reward_handlers;
use super::rewards::{rewards, ways_to_earn};
use super::use_focus::use_focus_on_change;

/// How much of the panel is drawn while it is hidden, ahead of a tap: a stage more in each idle
/// moment, so that none of them is a long task. An open panel is drawn whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ahead {
    /// The title and the greeting.
    Frame,
    /// And the member's standing and history, or the invitation to join.
    Standing,
    /// And the rewards, the ways to earn and the question.
    Whole,
}

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// Shown, or drawn ahead of a tap and hidden (out of sight, of the tab order and of what
    /// assistive technology reads).
    pub open: bool,
    /// How much of it is drawn (all of it when open).
    pub ahead: Ahead,
    /// Whether it asks the feedback question.
    pub question: bool,
    pub parts: Parts,
}

/// What the badge opens: the greeting, the member's standing and rewards, the ways to earn,
/// and the feedback question. A labelled region the badge discloses (not a dialog: it does
/// not trap focus); inline widgets keep it open, with no close button.
#[component]
pub fn Panel(props: &PanelProps) -> Html {
    let parts = &props.parts;
    // Each step of a redemption replaces the button that had the focus: the focus moves on.
    let redeem_focus = use_node_ref();
    let step = parts
        .state
        .redeeming
        .as_ref()
        .map(|r| (std::mem::discriminant(r), r.reward().to_owned()));
    use_focus_on_change(step, redeem_focus.clone());
    let (response, ui) = (&parts.view.response, &parts.state);
    let m = crate::i18n::messages(response.locale);
    let on_reward = reward_handlers(parts);
    let drawn = props.ahead;
    html! {
        <section id="moments-panel" class="panel" part="panel" aria-labelledby="moments-panel-title" hidden={!props.open}>
            <header class="panel-header">
                <h2 id="moments-panel-title" class="panel-title">{m.panel_title}</h2>
                if let Some(close) = &parts.close_panel {
                    {super::icons::close_button(m.close, close.reform(|_: MouseEvent| ()))}
                }
            </header>
            if let Some(greeting) = &response.greeting {
                <p class="panel-greeting">{greeting}</p>
            }
            if drawn >= Ahead::Standing {
                if let Some(member) = &response.member {
                    {member_standing(m, member)}
                } else if let Some(url) = crate::launcher::join_url(response) {
                    <section class="join" part="join">
                        <p>{m.join_prompt}</p>
                        <a class="join-link" part="join-link" href={url.to_owned()}>{m.join_link}</a>
                    </section>
                }
            }
            if drawn == Ahead::Whole {
                if let Some(member) = &response.member {
                    {rewards(m, &response.rewards, member, ui, &on_reward, redeem_focus)}
                }
                {share_section(parts, response.referral.as_ref().and_then(|r| r.promise.as_ref()))}
                {ways_to_earn(m, &response.ways_to_earn)}
                if ui.ended && ui.answered.is_none() {
                    if let Some(farewell) = &response.feedback.farewell {
                        <p class="farewell">{farewell}</p>
                    }
                }
                if response.feedback.enabled && props.question {
                    <FeedbackQuestion parts={parts.clone()} />
                }
            }
        </section>
    }
}

/// The member's invite link with `words` (what it brings); nothing where the site has no
/// referrals or the visitor is not a member. A link given as a path is on this page's origin.
pub fn share_section(parts: &super::Parts, words: Option<&String>) -> Html {
    let referral = parts.view.response.referral.as_ref();
    let (Some(link), Some(words)) = (referral.and_then(|r| r.link.as_ref()), words) else {
        return Html::default();
    };
    let link = match crate::browser::window().and_then(|w| w.location().origin().ok()) {
        Some(origin) if link.starts_with('/') => moments_protocol::text::cat(&[&origin, link]),
        _ => link.clone(),
    };
    super::share_link::share_link(parts, link, words.clone())
}
