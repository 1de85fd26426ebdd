use std::rc::Rc;

use moments_protocol::wire::Event;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

use super::badge::badge;
use super::greeting::greeting;
use super::panel::panel;
use crate::browser;
use crate::config::WidgetConfig;
use crate::i18n::{self, Messages};
use crate::outbox::{self, Envelope};
use crate::state::{Action, GreetingState, Session, UiState};

/// How long the greeting bubble stays before it steps aside by itself.
const GREETING_VISIBLE_MS: u32 = 8_000;

#[derive(Properties, PartialEq)]
pub struct WidgetViewProps {
    pub session: Rc<Session>,
    pub config: Rc<WidgetConfig>,
    pub host: Element,
}

/// The widget for a started session: greeting bubble, badge, and the panel the badge opens.
/// DOM order is reading and Tab order (greeting, badge, panel); CSS places them.
#[component]
pub fn WidgetView(props: &WidgetViewProps) -> Html {
    let inline = props.config.inline;
    let ui = use_reducer(move || UiState::new(inline));
    let badge_ref = use_node_ref();
    let thanks_ref = use_node_ref();
    let messages: &'static Messages = i18n::messages(props.session.response.locale);

    let on_answer = {
        let (ui, session, config, host) = (ui.clone(), props.session.clone(), props.config.clone(), props.host.clone());
        Callback::from(move |score: u8| {
            let event = Event::Feedback {
                id: browser::new_uuid(),
                at: browser::now_ms(),
                scale: session.response.feedback.scale,
                score: i64::from(score),
                comment: None,
            };
            let response = &session.response;
            outbox::enqueue(Envelope::new(&config.backend, &config.site, &session.visitor_id, &response.session_id, &event));
            browser::emit(&host, "moments:feedback", &score.into());
            ui.dispatch(Action::Answer(score));
        })
    };
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
        let (ui, close, open) = (ui.clone(), close.clone(), ui.panel_open);
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                ui.dispatch(Action::DismissGreeting);
                if open && !inline {
                    close.emit(());
                }
            }
        })
    };
    let toggle = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| ui.dispatch(Action::TogglePanel))
    };
    let on_focus_face = {
        let ui = ui.clone();
        Callback::from(move |face: u8| ui.dispatch(Action::FocusFace(face)))
    };
    let dismiss_greeting = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| ui.dispatch(Action::DismissGreeting))
    };
    {
        // Shown just after the empty live region is on the page, gone after a while.
        let ui = ui.clone();
        let tier_up = props.session.response.member.as_ref().filter(|m| m.tier_up).and_then(|m| m.tier.clone());
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
        // The thank-you replaces the face that had the focus: the focus moves to it.
        let thanks_ref = thanks_ref.clone();
        use_effect_with(ui.answered, move |answered| {
            if answered.is_some()
                && let Some(thanks) = thanks_ref.cast::<HtmlElement>()
            {
                let _ = thanks.focus();
            }
        });
    }

    let response = &props.session.response;
    let class = if inline { "moments inline" } else { "moments" };
    html! {
        <div {class} part="root" lang={response.locale.tag()} {onkeydown}>
            <div class="live" role="status" aria-live="polite">
                if ui.greeting == GreetingState::Shown {
                    if let Some(text) = bubble_text(messages, response) {
                        {greeting(messages, &text, dismiss_greeting)}
                    }
                }
            </div>
            {badge(messages, response, ui.panel_open, toggle, badge_ref)}
            if ui.panel_open {
                {panel(messages, response, &ui, &on_answer, &on_focus_face, (!inline).then(|| close.reform(|_: MouseEvent| ())), thanks_ref)}
            }
        </div>
    }
}

/// A tier-up is celebrated in the bubble, in place of the greeting (which the panel still shows).
fn bubble_text(m: &'static Messages, response: &moments_protocol::wire::SessionResponse) -> Option<String> {
    let celebrated = response.member.as_ref().filter(|member| member.tier_up).and_then(|member| member.tier.as_ref());
    match celebrated {
        Some(tier) => Some(i18n::fill(m.tier_up, &[("tier", &tier.name)])),
        None => response.greeting.clone(),
    }
}
