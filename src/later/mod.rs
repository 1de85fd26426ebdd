//! What the first badge does not need: the panel (standing, history, codes, rewards, ways to
//! earn), the end of the visit and its question with the comment box, gifts (the button, the
//! claim, the reveal), sending the outbox, and their styles. The release build (`--features
//! split`) makes this a chunk of its own, which `crate::chunks` fetches after the first badge;
//! every other build keeps it in the one module. Nothing outside this module may call into it
//! but [`load`]: whatever the first module reaches is in the first download.

mod comment_box;
mod end_prompt;
mod feedback_handlers;
mod feedback_prompt;
mod gift_handlers;
mod gifts;
mod member_standing;
mod panel;
mod reward_handlers;
mod rewards;
pub mod sending;
pub mod state;
mod style;
mod use_earned;
mod use_focus;
mod use_session_end;

use moments_protocol::wire::Slot;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::chunks::{Shared, View};
use crate::hooks::use_exposures;
use crate::outbox;
use crate::session_end;
use crate::state::Action as FirstAction;
use end_prompt::EndPrompt;
use gifts::{Gifts, gift_problem};
use panel::Panel;
use state::{Action, LaterState};
use use_earned::use_earned;
use use_session_end::use_session_end;

/// The chunk did not arrive (offline, a CDN hiccup, a 503); the next try fetches it again.
#[derive(Debug)]
pub struct LoadFailed;

#[cfg(feature = "split")]
impl From<wasm_split_helpers::SplitLoaderError> for LoadFailed {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        LoadFailed
    }
}

/// The split point: what only this function reaches is the chunk. `fallible`: a chunk that
/// fails to arrive is an `Err`, where it would otherwise abort the whole widget.
#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(later, fallible))]
fn later_view() -> Result<View, LoadFailed> {
    Ok(view)
}

/// Fetches and instantiates the chunk (once it has succeeded, at no cost) and hands back what
/// draws the later parts.
pub async fn load() -> Result<View, LoadFailed> {
    #[cfg(feature = "split")]
    return later_view().await;
    #[cfg(not(feature = "split"))]
    later_view()
}

fn view(shared: &Shared) -> Html {
    html! { <Later shared={shared.clone()} /> }
}

/// What every later part reads from its context: what the first module shares, the later
/// parts' own state, and the ways to close what they draw.
#[derive(Clone, PartialEq)]
pub struct Parts {
    pub shared: Shared,
    pub state: UseReducerHandle<LaterState>,
    /// `None` for inline widgets, whose panel stays open.
    pub close_panel: Option<Callback<()>>,
    /// Closing the question unanswered is an answer too ("not now").
    pub close_prompt: Callback<()>,
    pub close_reveal: Callback<()>,
}

#[derive(Properties, PartialEq)]
struct LaterProps {
    shared: Shared,
}

/// The later parts of one widget, after its badge: a live region of their own, the question
/// at the end of the visit, gifts, and the panel when it is open.
#[component]
fn Later(props: &LaterProps) -> Html {
    let shared = &props.shared;
    let (session, config, first, response) = (
        &shared.session,
        &shared.config,
        &shared.first,
        &shared.response,
    );
    let state = {
        let (inline, scale) = (config.inline, session.response.feedback.scale);
        let (waiting, question) = (
            session.response.surprises.clone(),
            session_end::question(&config.site),
        );
        use_reducer(move || {
            LaterState::new(inline, scale)
                .with_surprises(waiting)
                .with_question(question)
        })
    };
    style::use_style(&shared.host);
    use_effect_with((), |_| outbox::send_with(sending::send));
    {
        // Another session (the host changed the member token): the new member's gifts replace
        // the old one's; an open question and a draft comment stay.
        let state = state.clone();
        let waiting = session.response.surprises.clone();
        use_effect_with(session.response.session_id.clone(), move |_| {
            state.dispatch(Action::SessionChanged(waiting))
        });
    }
    {
        // One question on screen: the panel asks it too, so the prompt goes when the panel
        // opens, and the panel and the bubble go when the prompt opens.
        let later = state.clone();
        use_effect_with(first.panel_open, move |&open| {
            if open {
                later.dispatch(Action::PanelOpened);
            }
        });
        let first = first.clone();
        use_effect_with(state.prompt_open, move |&open| {
            if open {
                first.dispatch(FirstAction::ClosePanel);
                first.dispatch(FirstAction::DismissGreeting);
            }
        });
    }
    use_earned(
        session.response.session_id.clone(),
        shared.host.clone(),
        state.clone(),
    );
    let prompt_on_screen = state.prompt_open && !first.panel_open;
    let unanswered = state.answered.is_none();
    let farewell_seen = response.feedback.farewell.is_some()
        && unanswered
        && (prompt_on_screen || (first.panel_open && state.ended));
    use_exposures(
        session.clone(),
        config.clone(),
        Slot::Farewell,
        farewell_seen,
    );
    let ask = response.feedback.enabled && response.feedback.ask;
    let on_end = {
        let state = state.clone();
        Callback::from(move |_: ()| state.dispatch(Action::EndSession { ask }))
    };
    use_session_end(
        shared.end.clone(),
        config.site.clone(),
        ask,
        config.idle_timeout_secs,
        on_end,
    );
    {
        // No longer owed to the next page view once answered, closed, or on screen for a
        // moment; a page left sooner owes it still.
        let site = config.site.clone();
        use_effect_with(
            (prompt_on_screen, !unanswered, state.ended),
            move |&(open, answered, ended)| {
                let timer = if ended && (answered || !open) {
                    session_end::settle(&site);
                    None
                } else if open {
                    Some(gloo_timers::callback::Timeout::new(
                        session_end::SEEN_AFTER_MS,
                        move || session_end::settle(&site),
                    ))
                } else {
                    None
                };
                move || drop(timer)
            },
        );
    }

    let focus_badge = {
        let badge = shared.badge.clone();
        move || {
            if let Some(badge) = badge.cast::<HtmlElement>() {
                let _ = badge.focus();
            }
        }
    };
    // Closing puts focus back on the badge, so keyboard users are not dropped to the page top.
    let close_panel = (!config.inline).then(|| {
        let (first, focus_badge) = (first.clone(), focus_badge.clone());
        Callback::from(move |_: ()| {
            first.dispatch(FirstAction::ClosePanel);
            focus_badge();
        })
    });
    let close_reveal = {
        let state = state.clone();
        Callback::from(move |_: ()| {
            state.dispatch(Action::CloseReveal);
            focus_badge();
        })
    };
    let close_prompt = {
        let (state, session, config) = (state.clone(), session.clone(), config.clone());
        Callback::from(move |_: ()| {
            if state.prompt_open && state.answered.is_none() {
                let event = moments_protocol::wire::Event::Dismiss {
                    id: crate::browser::new_uuid(),
                    at: crate::browser::now_ms(),
                };
                outbox::record(&config, &session, &event);
            }
            state.dispatch(Action::ClosePrompt);
        })
    };
    {
        // Escape closes what is on top: the opened gift, then the question (the first module
        // closes the panel when nothing here was open).
        let (escape, state, close_reveal, close_prompt) = (
            shared.escape.clone(),
            state.clone(),
            close_reveal.clone(),
            close_prompt.clone(),
        );
        use_effect(move || {
            let on_escape = Callback::from(move |_: ()| {
                if state.revealed.is_some() {
                    close_reveal.emit(());
                } else if state.prompt_open {
                    close_prompt.emit(());
                } else {
                    return false;
                }
                true
            });
            escape.handle(Some(on_escape));
            move || escape.handle(None)
        });
    }
    // What this live region says is put in a moment after it is on the page: screen readers
    // announce changes, not arrivals.
    let announce = use_state(|| false);
    {
        let announce = announce.clone();
        use_effect_with((), move |_| {
            let timer = gloo_timers::callback::Timeout::new(50, move || announce.set(true));
            move || drop(timer)
        });
    }

    let m = crate::i18n::messages(response.locale);
    let parts = Parts {
        shared: shared.clone(),
        state: state.clone(),
        close_panel,
        close_prompt,
        close_reveal,
    };
    html! {
        <ContextProvider<Parts> context={parts}>
            <div class="live" role="status" aria-live="polite">
                if *announce && prompt_on_screen && unanswered {
                    // The prompt appears without taking focus; this says it is there.
                    <p class="visually-hidden">{response.feedback.farewell.clone().unwrap_or_default()}</p>
                }
                if let Some(problem) = gift_problem(m, &state) {
                    <p class="gift-problem">{problem}</p>
                } else if *announce && !state.surprises.is_empty() && state.revealed.is_none() {
                    // The gift appears without taking focus; this says it is there.
                    <p class="visually-hidden">{m.surprise_gift}</p>
                }
            </div>
            if prompt_on_screen {
                <EndPrompt />
            }
            <Gifts />
            if first.panel_open {
                <Panel />
            }
        </ContextProvider<Parts>>
    }
}
