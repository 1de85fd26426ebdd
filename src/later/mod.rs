//! What the first badge does not need, as a Yew app drawn beside the launcher's badge: the
//! panel (standing, history, codes, rewards, ways to earn), the end of the visit and its
//! question with the comment box, gifts (the button, the claim, the reveal), sending the
//! outbox, and their styles. The release build (`--features split`) makes this a chunk of its
//! own, which `crate::chunks` fetches after the first badge; every other build keeps it in the
//! one module. Nothing outside this module may call into it but [`load`]: whatever the first
//! download reaches is in the first download.

mod comment_box;
mod end_prompt;
mod feedback_handlers;
mod feedback_prompt;
mod gift_handlers;
mod gifts;
mod icons;
mod member_standing;
mod panel;
mod referral_arrival;
mod referral_texts;
mod reward_handlers;
mod rewards;
pub mod sending;
mod share_link;
pub mod state;
mod style;
mod use_earned;
mod use_exposures;
mod use_focus;
mod use_session_end;

use std::rc::Rc;

use end_prompt::EndPrompt;
use gifts::{Gifts, gift_problem};
use moments_protocol::wire::{Event, Slot};
use panel::{Ahead, Panel};
use state::{Action, LaterState};
use use_earned::use_earned;
use use_exposures::use_exposures;
use use_session_end::use_session_end;
use web_sys::Element;
use yew::AppHandle;
use yew::prelude::*;

use crate::chunks::{Draw, Drawn, LaterView};
use crate::{browser, outbox, session_end};

/// At most this long after the later parts arrive (and after each stage), the panel is drawn
/// further ahead of a tap.
const IDLE_TIMEOUT_MS: u32 = 1_000;
/// Where the browser cannot say when it is idle (Safari), this long after they arrive.
const NO_IDLE_CALLBACK_MS: u32 = 200;

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
fn later_draw() -> Result<Draw, LoadFailed> {
    Ok(draw)
}

/// Fetches and instantiates the chunk (once it has succeeded, at no cost) and hands back what
/// draws the later parts.
pub async fn load() -> Result<Draw, LoadFailed> {
    #[cfg(feature = "split")]
    return later_draw().await;
    #[cfg(not(feature = "split"))]
    later_draw()
}

/// The Yew app of one widget's later parts, taken away when dropped.
struct App(Option<AppHandle<Later>>);

impl Drawn for App {
    fn update(&mut self, view: LaterView) {
        if let Some(app) = &mut self.0 {
            app.update(LaterProps { view });
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(app) = self.0.take() {
            app.destroy();
        }
    }
}

fn draw(slot: Element, view: LaterView) -> Box<dyn Drawn> {
    Box::new(App(Some(
        yew::Renderer::<Later>::with_root_and_props(slot, LaterProps { view }).render(),
    )))
}

/// What every later part is given: what the launcher hands them, their own state, and the
/// ways to close what they draw. (Passed as props: a context cost the chunk 2.2 KiB brotli.)
#[derive(Clone, PartialEq)]
pub struct Parts {
    pub view: LaterView,
    pub state: UseReducerHandle<LaterState>,
    /// `None` for inline widgets, whose panel stays open.
    pub close_panel: Option<Callback<()>>,
    /// Closing the question unanswered is an answer too ("not now").
    pub close_prompt: Callback<()>,
    pub close_reveal: Callback<()>,
}

/// The props of a later part that needs nothing else.
#[derive(Properties, PartialEq)]
pub struct PartsProps {
    pub parts: Parts,
}

#[derive(Properties, PartialEq)]
struct LaterProps {
    view: LaterView,
}

/// The later parts of one widget, after its badge: a live region of their own, the question
/// at the end of the visit, gifts, and the panel when it is open.
#[component]
fn Later(props: &LaterProps) -> Html {
    let view = &props.view;
    let (session, config, first, response) = (&view.session, &view.config, &view.first, &view.response);
    let state = {
        let (inline, scale) = (config.inline, session.response.feedback.scale);
        let (waiting, question) = (session.response.surprises.clone(), session_end::question(&config.site));
        use_reducer(move || {
            LaterState::new(inline, scale)
                .with_surprises(waiting)
                .with_question(question)
        })
    };
    style::use_style(&view.host);
    use_effect_with((), |_| outbox::send_with(sending::send));
    {
        // Another session (the host changed the member token): the new member's gifts replace
        // the old one's; an open question and a draft comment stay.
        let (state, session, config) = (state.clone(), session.clone(), config.clone());
        let waiting = session.response.surprises.clone();
        use_effect_with(session.response.session_id.clone(), move |_| {
            state.dispatch(Action::SessionChanged(waiting));
            // A page opened through a referral link: the first widget drawn takes the code.
            referral_arrival::take(&session, &config, state);
        });
    }
    // The panel is drawn, hidden, while the browser is idle after the later parts arrive, a
    // stage at a time: a tap then only shows it (drawing it on the tap took about 110 ms on a
    // throttled phone, drawing it at once while idle 57 ms).
    let ahead = use_state(|| None::<Ahead>);
    {
        let ahead = ahead.clone();
        use_effect_with(*ahead, move |&drawn| {
            let next = match drawn {
                None => Some(Ahead::Frame),
                Some(Ahead::Frame) => Some(Ahead::Standing),
                Some(Ahead::Standing) => Some(Ahead::Whole),
                Some(Ahead::Whole) => None,
            };
            let idle = next.and_then(|next| {
                browser::when_idle(IDLE_TIMEOUT_MS, NO_IDLE_CALLBACK_MS, move || ahead.set(Some(next)))
            });
            move || drop(idle)
        });
    }
    {
        // One question on screen: the panel asks it too, so the prompt goes when the panel
        // opens, and the panel and the bubble go when the prompt opens.
        let (later, ahead) = (state.clone(), ahead.clone());
        use_effect_with(view.panel_open, move |&open| {
            if open {
                later.dispatch(Action::PanelOpened);
                // Drawn whole now, and kept when it closes: once on the page, the panel stays
                // (hidden), so it is never taken out in the same render as the prompt comes in.
                ahead.set(Some(Ahead::Whole));
            }
        });
        let first = first.clone();
        use_effect_with(state.prompt_open, move |&open| {
            if open {
                first.close_panel(false);
                first.dismiss_greeting();
            }
        });
    }
    use_earned(session.response.session_id.clone(), view.host.clone(), state.clone());
    let prompt_on_screen = state.prompt_open && !view.panel_open;
    let unanswered = state.answered.is_none();
    let farewell_seen =
        response.feedback.farewell.is_some() && unanswered && (prompt_on_screen || (view.panel_open && state.ended));
    use_exposures(session.clone(), config.clone(), Slot::Farewell, farewell_seen);
    let ask = response.feedback.enabled && response.feedback.ask;
    let on_end = {
        let state = state.clone();
        Callback::from(move |_: ()| state.dispatch(Action::EndSession { ask }))
    };
    use_session_end(
        view.end.clone(),
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

    // Closing puts focus back on the badge, so keyboard users are not dropped to the page top.
    let close_panel = (!config.inline).then(|| {
        let first = first.clone();
        Callback::from(move |_: ()| first.close_panel(true))
    });
    let close_reveal = {
        let (state, first) = (state.clone(), first.clone());
        Callback::from(move |_: ()| {
            state.dispatch(Action::CloseReveal);
            first.focus_badge();
        })
    };
    let close_prompt = {
        let (state, session, config) = (state.clone(), session.clone(), config.clone());
        Callback::from(move |_: ()| {
            if state.prompt_open && state.answered.is_none() {
                outbox::record(
                    &config,
                    &session,
                    &Event::Dismiss {
                        id: browser::new_uuid(),
                        at: browser::now_ms(),
                    },
                );
            }
            state.dispatch(Action::ClosePrompt);
        })
    };
    {
        // Escape closes what is on top: the opened gift, then the question (the launcher
        // closes the panel when nothing here was open).
        let (first, state, close_reveal, close_prompt) =
            (first.clone(), state.clone(), close_reveal.clone(), close_prompt.clone());
        use_effect(move || {
            let on_escape = move || {
                if state.revealed.is_some() {
                    close_reveal.emit(());
                } else if state.prompt_open {
                    close_prompt.emit(());
                } else {
                    return false;
                }
                true
            };
            first.on_escape(Some(Rc::new(on_escape)));
            move || first.on_escape(None)
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

    // Open, or drawn ahead while hidden.
    let panel = if view.panel_open { Some(Ahead::Whole) } else { *ahead };
    let m = crate::i18n::messages(response.locale);
    let parts = Parts {
        view: view.clone(),
        state: state.clone(),
        close_panel,
        close_prompt,
        close_reveal,
    };
    html! {
        <>
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
                <EndPrompt parts={parts.clone()} />
            }
            <Gifts parts={parts.clone()} />
            {referral_arrival::card(&parts)}
            if let Some(ahead) = panel {
                // Its question is left out while the prompt asks it (the same question, with the
                // same ids).
                <Panel open={view.panel_open} {ahead} question={!prompt_on_screen} parts={parts.clone()} />
            }
        </>
    }
}
