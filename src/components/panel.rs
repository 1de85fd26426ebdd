use std::rc::Rc;

use yew::prelude::*;

use super::feedback_prompt::FeedbackPrompt;
use crate::browser::format_number;
use crate::hooks::use_messages;
use crate::i18n::fill;
use crate::state::Session;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub session: Rc<Session>,
    pub answered: Option<u8>,
    pub on_answer: Callback<u8>,
    pub on_close: Callback<()>,
}

/// What the badge opens: the greeting, the member's standing, and the feedback question.
#[component]
pub fn Panel(props: &PanelProps) -> Html {
    let m = use_messages();
    let response = &props.session.response;
    let onclick = props.on_close.reform(|_: MouseEvent| ());
    let member = response.member.as_ref().map(|member| {
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
    });
    html! {
        <div id="moments-panel" class="panel" part="panel" role="dialog" aria-labelledby="moments-panel-title">
            <header class="panel-header">
                <h2 id="moments-panel-title" class="panel-title">{m.panel_title}</h2>
                <button type="button" class="icon-button" aria-label={m.close} {onclick}>{"×"}</button>
            </header>
            if let Some(greeting) = &response.greeting {
                <p class="panel-greeting">{greeting}</p>
            }
            {member}
            if response.feedback.enabled {
                <FeedbackPrompt question={response.feedback.question.clone().map(AttrValue::from)}
                    answered={props.answered} on_answer={props.on_answer.clone()} />
            }
        </div>
    }
}
