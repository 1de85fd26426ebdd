use std::rc::Rc;

use moments_protocol::wire::{ClaimedSurprise, Reward, SessionResponse};
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

use super::badge::badge;
use super::end_prompt::end_prompt;
use super::greeting::greeting;
use super::panel::{RewardsPart, panel};
use super::surprise::{gift_button, gift_problem, reveal};
use crate::browser;
use crate::config::WidgetConfig;
use crate::hooks::{use_exposures, use_feedback, use_rewards, use_session_end, use_surprises, use_track};
use crate::i18n::{self, Messages};
use crate::session_end::{self, EndSignal};
use crate::track::TrackSignal;
use crate::context::HostContext;
use crate::state::{Action, GreetingState, Session, UiState};

/// How long the greeting bubble stays before it steps aside by itself.
const GREETING_VISIBLE_MS: u32 = 8_000;

#[derive(Properties, PartialEq)]
pub struct WidgetViewProps {
    pub session: Rc<Session>,
    pub config: Rc<WidgetConfig>,
    pub host: Element,
    /// The element's `endSession()`.
    #[prop_or_default]
    pub end: Rc<EndSignal>,
    /// The element's `track()`.
    #[prop_or_default]
    pub track: Rc<TrackSignal>,
    /// What the host says the visit is about; answers carry it.
    #[prop_or_default]
    pub context: Rc<HostContext>,
    /// The visitor tapped the badge before the session had answered: the panel opens at once.
    #[prop_or_default]
    pub open_panel: bool,
}

/// The widget for a started session: greeting bubble, badge, the panel the badge opens, and
/// the prompt at the end of the visit. DOM order is reading and Tab order; CSS places them.
#[component]
pub fn WidgetView(props: &WidgetViewProps) -> Html {
    let inline = props.config.inline;
    let scale = props.session.response.feedback.scale;
    let waiting = props.session.response.surprises.clone();
    let question = crate::session_end::question(&props.config.site);
    let open_panel = props.open_panel;
    let ui = use_reducer(move || UiState::new(inline, scale).with_panel_open(open_panel).with_surprises(waiting).with_question(question));
    {
        // Another session (the host changed the member token): the new member's standing and
        // gifts replace the old one's; an open panel or question and a draft comment stay.
        let ui = ui.clone();
        let waiting = props.session.response.surprises.clone();
        use_effect_with(props.session.response.session_id.clone(), move |_| ui.dispatch(Action::SessionChanged(waiting)));
    }
    {
        // A claim or a redemption changed the standing: the next page view starts from it.
        let (config, locale) = (props.config.clone(), props.session.response.locale);
        use_effect_with(ui.member.clone(), move |member| {
            if let Some(member) = member {
                crate::standing::save(&config.site, config.member_token.as_deref(), locale, Some(member));
            }
        });
    }
    // After a claim credited points, the badge and panel show the new standing.
    let updated = ui.member.as_ref().map(|m| SessionResponse { member: Some(m.clone()), ..props.session.response.clone() });
    let response = updated.as_ref().unwrap_or(&props.session.response);
    let reveal_ref = use_node_ref();
    let badge_ref = use_node_ref();
    let thanks_ref = use_node_ref();
    let messages: &'static Messages = i18n::messages(response.locale);
    let (handlers, close_prompt) = use_feedback(props.session.clone(), props.config.clone(), props.host.clone(), props.context.clone(), ui.clone());
    use_track(props.track.clone(), props.session.clone(), props.config.clone());
    use_exposures(props.session.clone(), props.config.clone(), &ui);
    let (open_gift, copy_code) = use_surprises(props.session.clone(), props.config.clone(), props.host.clone(), ui.clone());
    let reward_handlers = use_rewards(props.session.clone(), props.config.clone(), props.host.clone(), ui.clone());
    let redeem_focus = use_node_ref();
    let close_reveal = {
        let (ui, badge_ref) = (ui.clone(), badge_ref.clone());
        Callback::from(move |_: ()| {
            ui.dispatch(Action::CloseReveal);
            if let Some(badge) = badge_ref.cast::<HtmlElement>() {
                let _ = badge.focus();
            }
        })
    };

    let ask = response.feedback.enabled && response.feedback.ask;
    let on_end = {
        let ui = ui.clone();
        Callback::from(move |_: ()| ui.dispatch(Action::EndSession { ask }))
    };
    use_session_end(props.end.clone(), props.config.site.clone(), ask, props.config.idle_timeout_secs, on_end);
    {
        // No longer owed to the next page view once answered, closed, or seen for a moment;
        // a page left sooner owes it still.
        let site = props.config.site.clone();
        let answered = ui.answered.is_some();
        use_effect_with((ui.prompt_open, answered, ui.ended), move |&(open, answered, ended)| {
            let timer = if ended && (answered || !open) {
                session_end::settle(&site);
                None
            } else if open {
                Some(gloo_timers::callback::Timeout::new(session_end::SEEN_AFTER_MS, move || session_end::settle(&site)))
            } else {
                None
            };
            move || drop(timer)
        });
    }

    // Closing puts focus back on the badge, so keyboard users are not dropped to the page top.
    let close = {
        let (ui, badge_ref) = (ui.clone(), badge_ref.clone());
        Callback::from(move |_: ()| {
            ui.dispatch(Action::ClosePanel);
            if let Some(badge) = badge_ref.cast::<HtmlElement>() {
                let _ = badge.focus();
            }
        })
    };
    let onkeydown = {
        let (ui, close, close_prompt, close_reveal) = (ui.clone(), close.clone(), close_prompt.clone(), close_reveal.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                ui.dispatch(Action::DismissGreeting);
                if ui.revealed.is_some() {
                    close_reveal.emit(());
                } else if ui.prompt_open {
                    close_prompt.emit(());
                } else if ui.panel_open && !inline {
                    close.emit(());
                }
            }
        })
    };
    let toggle = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| ui.dispatch(Action::TogglePanel))
    };
    let dismiss_greeting = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| ui.dispatch(Action::DismissGreeting))
    };
    {
        // Shown just after the empty live region is on the page, gone after a while.
        let ui = ui.clone();
        let tier_up = response.member.as_ref().filter(|m| m.tier_up).and_then(|m| m.tier.clone());
        let host = props.host.clone();
        use_effect_with((), move |_| {
            if let Some(tier) = tier_up {
                browser::emit(&host, "moments:tier-up", &browser::detail(&[("tier", &tier.name)]));
            }
            let show = {
                let ui = ui.clone();
                gloo_timers::callback::Timeout::new(50, move || ui.dispatch(Action::ShowGreeting))
            };
            let hide = gloo_timers::callback::Timeout::new(GREETING_VISIBLE_MS, move || ui.dispatch(Action::DismissGreeting));
            move || drop((show, hide))
        });
    }
    {
        // The thank-you replaces the button that had the focus: the focus moves to it.
        let thanks_ref = thanks_ref.clone();
        use_effect_with(ui.answered.is_some(), move |answered| {
            if *answered && let Some(thanks) = thanks_ref.cast::<HtmlElement>() {
                let _ = thanks.focus();
            }
        });
    }

    {
        // Each step of a redemption replaces the button that had the focus: the focus moves on.
        let redeem_focus = redeem_focus.clone();
        let step = ui.redeeming.as_ref().map(|r| (std::mem::discriminant(r), r.reward().to_owned()));
        use_effect_with(step, move |step| {
            if step.is_some() && let Some(target) = redeem_focus.cast::<HtmlElement>() {
                let _ = target.focus();
            }
        });
    }
    {
        // The opened gift replaces the button that had the focus: the focus moves to it.
        let reveal_ref = reveal_ref.clone();
        use_effect_with(ui.revealed.as_ref().map(|r| r.id.clone()), move |revealed| {
            if revealed.is_some() && let Some(card) = reveal_ref.cast::<HtmlElement>() {
                let _ = card.focus();
            }
        });
    }

    let class = if inline { "moments inline" } else { "moments" };
    html! {
        <div {class} part="root" lang={response.locale.tag()} {onkeydown}>
            <div class="live" role="status" aria-live="polite">
                if ui.greeting == GreetingState::Shown {
                    if let Some(text) = bubble_text(messages, response) {
                        {greeting(messages, &text, dismiss_greeting)}
                    }
                }
                if ui.prompt_open && ui.answered.is_none() {
                    // The prompt appears without taking focus; this says it is there.
                    <p class="visually-hidden">{response.feedback.farewell.clone().unwrap_or_default()}</p>
                }
                if let Some(problem) = gift_problem(messages, &ui) {
                    <p class="gift-problem">{problem}</p>
                } else if !ui.surprises.is_empty() && ui.revealed.is_none() {
                    // The gift appears without taking focus; this says it is there.
                    <p class="visually-hidden">{messages.surprise_gift}</p>
                }
            </div>
            if let Some(claimed) = &ui.revealed {
                {reveal(messages, claimed, ui.copied, copy_reveal_code(claimed, copy_code), close_reveal.reform(|_: MouseEvent| ()), reveal_ref)}
            }
            if ui.prompt_open {
                {end_prompt(messages, &response.feedback, &ui, &handlers, close_prompt.reform(|_: MouseEvent| ()), thanks_ref.clone())}
            }
            {gift_button(messages, &ui, open_gift.reform(|_: MouseEvent| ()))}
            {badge(messages, response, ui.panel_open, toggle, badge_ref)}
            if ui.panel_open {
                {panel(messages, response, &ui, &handlers, (!inline).then(|| close.reform(|_: MouseEvent| ())), thanks_ref,
                    RewardsPart { on: &reward_handlers, focus: redeem_focus })}
            }
        </div>
    }
}

fn copy_reveal_code(claimed: &ClaimedSurprise, copy: Callback<String>) -> Callback<MouseEvent> {
    let code = match &claimed.reward {
        Reward::Coupon { code } => code.clone(),
        _ => String::new(),
    };
    Callback::from(move |_: MouseEvent| copy.emit(code.clone()))
}

/// A tier-up is celebrated in the bubble, in place of the greeting (which the panel still shows).
fn bubble_text(m: &'static Messages, response: &SessionResponse) -> Option<String> {
    let celebrated = response.member.as_ref().filter(|member| member.tier_up).and_then(|member| member.tier.as_ref());
    match celebrated {
        Some(tier) => Some(i18n::fill(m.tier_up, &[("tier", &tier.name)])),
        None => response.greeting.clone(),
    }
}
