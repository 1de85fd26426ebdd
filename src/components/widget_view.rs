use std::rc::Rc;

use moments_protocol::wire::{SessionResponse, Slot};
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

use super::badge::badge;
use super::greeting::greeting;
use super::panel_shell::panel_shell;
use crate::chunks::{self, Escape, Later, Shared};
use crate::config::WidgetConfig;
use crate::context::HostContext;
use crate::hooks::{Need, use_exposures, use_prefetch, use_track};
use crate::i18n::{self, Messages};
use crate::session_end::EndSignal;
use crate::state::{Action, GreetingState, Session, UiState, current_response};
use crate::track::TrackSignal;

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

/// The widget for a started session: the greeting bubble and the badge at once, then the later
/// parts (`crate::later`: the panel, the question at the end of the visit, gifts) once they
/// have loaded (`crate::chunks`), after the badge in reading and Tab order; CSS places them.
#[component]
pub fn WidgetView(props: &WidgetViewProps) -> Html {
    let inline = props.config.inline;
    let open_panel = props.open_panel;
    let ui = use_reducer(move || UiState::new(inline, open_panel));
    let later = chunks::use_later();
    let drawn = matches!(later, Later::Ready(_));
    let badge_ref = use_node_ref();
    let stop = crate::hooks::use_stop();
    let escape = use_memo((), |_| Escape::default());
    {
        // Another session (the host changed the member token): its standing replaces the old one's.
        let ui = ui.clone();
        use_effect_with(props.session.response.session_id.clone(), move |_| {
            ui.dispatch(Action::SessionChanged)
        });
    }
    {
        // A claim or a redemption changed the standing: the next page view starts from it.
        let (config, locale) = (props.config.clone(), props.session.response.locale);
        use_effect_with(ui.member.clone(), move |member| {
            if let Some(member) = member {
                crate::standing::save(
                    &config.site,
                    config.member_token.as_deref(),
                    locale,
                    Some(member),
                );
            }
        });
    }
    let response = Rc::new(current_response(&props.session, &ui));
    let messages: &'static Messages = i18n::messages(response.locale);
    use_track(
        props.track.clone(),
        props.session.clone(),
        props.config.clone(),
    );
    let tier_up_in_bubble = response
        .member
        .as_ref()
        .is_some_and(|m| m.tier_up && m.tier.is_some());
    let greeting_seen =
        (ui.greeting == GreetingState::Shown && !tier_up_in_bubble) || (ui.panel_open && drawn);
    use_exposures(
        props.session.clone(),
        props.config.clone(),
        Slot::Greeting,
        response.greeting.is_some() && greeting_seen,
    );
    // A gift waiting, or a question owed since the last page view, wants the later parts soon.
    let waiting = !props.session.response.surprises.is_empty()
        || crate::session_end::owed(&props.config.site);
    use_prefetch(
        later,
        if ui.panel_open {
            Need::Now
        } else if waiting {
            Need::Soon
        } else {
            Need::Idle
        },
    );

    let close_panel = {
        let (ui, badge_ref) = (ui.clone(), badge_ref.clone());
        Callback::from(move |_: ()| {
            ui.dispatch(Action::ClosePanel);
            // Focus goes back to the badge, so keyboard users are not dropped to the page top.
            if let Some(badge) = badge_ref.cast::<HtmlElement>() {
                let _ = badge.focus();
            }
        })
    };
    let onkeydown = {
        let (ui, escape, close_panel) = (ui.clone(), escape.clone(), close_panel.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                ui.dispatch(Action::DismissGreeting);
                if !escape.press() && ui.panel_open && !inline {
                    close_panel.emit(());
                }
            }
        })
    };
    let toggle = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| {
            if !ui.panel_open {
                chunks::want(true);
            }
            ui.dispatch(Action::TogglePanel);
        })
    };
    // The first sign that the visitor may open the panel: it is fetched now.
    let intent = Callback::from(|_: ()| chunks::want(false));
    let dismiss_greeting = {
        let ui = ui.clone();
        Callback::from(move |_: MouseEvent| ui.dispatch(Action::DismissGreeting))
    };
    {
        // Shown just after the empty live region is on the page, gone after a while.
        let ui = ui.clone();
        let tier_up = response
            .member
            .as_ref()
            .filter(|m| m.tier_up)
            .and_then(|m| m.tier.clone());
        let host = props.host.clone();
        use_effect_with((), move |_| {
            if let Some(tier) = tier_up {
                crate::browser::emit(
                    &host,
                    "moments:tier-up",
                    &crate::browser::detail(&[("tier", &tier.name)]),
                );
            }
            let show = {
                let ui = ui.clone();
                gloo_timers::callback::Timeout::new(50, move || ui.dispatch(Action::ShowGreeting))
            };
            let hide = gloo_timers::callback::Timeout::new(GREETING_VISIBLE_MS, move || {
                ui.dispatch(Action::DismissGreeting)
            });
            move || drop((show, hide))
        });
    }

    // An inline panel is part of the host's page: it is drawn whole, once, so nothing below
    // it moves when the later parts arrive (unless they fail: then the badge, and a way to
    // try again).
    if inline && matches!(later, Later::Waiting) {
        return Html::default();
    }
    let later = match later {
        Later::Ready(view) => view(&Shared {
            session: props.session.clone(),
            response: response.clone(),
            config: props.config.clone(),
            host: props.host.clone(),
            context: props.context.clone(),
            stop,
            first: ui.clone(),
            badge: badge_ref.clone(),
            end: props.end.clone(),
            escape,
        }),
        _ if ui.panel_open => {
            let retry = Callback::from(|_: MouseEvent| chunks::want(true));
            panel_shell(
                messages,
                matches!(later, Later::Failed),
                retry,
                (!inline).then(|| close_panel.reform(|_: MouseEvent| ())),
            )
        }
        _ => Html::default(),
    };
    let class = if inline { "moments inline" } else { "moments" };
    html! {
        <div {class} part="root" lang={response.locale.tag()} {onkeydown}>
            <div class="live" role="status" aria-live="polite">
                if ui.greeting == GreetingState::Shown {
                    if let Some(text) = bubble_text(messages, &response) {
                        {greeting(messages, &text, dismiss_greeting)}
                    }
                }
            </div>
            {badge(messages, &response, ui.panel_open, toggle, intent, badge_ref)}
            {later}
        </div>
    }
}

/// A tier-up is celebrated in the bubble, in place of the greeting (which the panel still shows).
fn bubble_text(m: &'static Messages, response: &SessionResponse) -> Option<String> {
    let celebrated = response
        .member
        .as_ref()
        .filter(|member| member.tier_up)
        .and_then(|member| member.tier.as_ref());
    match celebrated {
        Some(tier) => Some(i18n::fill(m.tier_up, &[("tier", &tier.name)])),
        None => response.greeting.clone(),
    }
}
