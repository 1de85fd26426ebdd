use std::rc::Rc;

use moments_protocol::wire::Event;
use web_sys::{Element, KeyboardEvent};
use yew::prelude::*;

use super::badge::badge;
use super::greeting::greeting;
use super::panel::panel;
use crate::config::WidgetConfig;
use crate::i18n::{self, Messages};
use crate::outbox::{self, Envelope};
use crate::state::{Action, Session, UiState};
use crate::browser;

/// How long the greeting bubble stays before it steps aside by itself.
const GREETING_VISIBLE_MS: u32 = 8_000;

#[derive(Properties, PartialEq)]
pub struct WidgetViewProps {
    pub session: Rc<Session>,
    pub config: Rc<WidgetConfig>,
    pub host: Element,
}

/// The widget for a started session: greeting bubble, badge, and the panel the badge opens.
#[component]
pub fn WidgetView(props: &WidgetViewProps) -> Html {
    let ui = use_reducer(UiState::default);
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
    let onkeydown = {
        let ui = ui.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                ui.dispatch(Action::ClosePanel);
                ui.dispatch(Action::DismissGreeting);
            }
        })
    };
    let toggle = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| ui.dispatch(Action::TogglePanel))
    };
    let close = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| ui.dispatch(Action::ClosePanel))
    };
    let dismiss_greeting = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| ui.dispatch(Action::DismissGreeting))
    };
    {
        // The greeting steps aside by itself after a while.
        let ui = ui.clone();
        use_effect_with((), move |_| {
            let timer = gloo_timers::callback::Timeout::new(GREETING_VISIBLE_MS, move || ui.dispatch(Action::DismissGreeting));
            move || drop(timer)
        });
    }

    let response = &props.session.response;
    html! {
        <div class="moments" part="root" lang={response.locale.tag()} {onkeydown}>
            <div class="live" role="status" aria-live="polite">
                if ui.greeting_visible {
                    if let Some(text) = &response.greeting {
                        {greeting(messages, text, dismiss_greeting)}
                    }
                }
            </div>
            if ui.panel_open {
                {panel(messages, response, ui.answered.is_some(), &on_answer, close)}
            }
            {badge(messages, response.member.as_ref(), ui.panel_open, toggle)}
        </div>
    }
}
