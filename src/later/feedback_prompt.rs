use moments_protocol::text::{cat, decimal};
use moments_protocol::wire::{FeedbackSettings, Scale};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use super::PartsProps;
use super::comment_box::CommentBox;
use super::feedback_handlers::{FeedbackHandlers, feedback_handlers};
use super::state::{Answered, LaterState};
use super::use_focus::use_focus_on_change;
use crate::i18n::{Messages, fill};

/// A face for `score` (1 to 5), drawn rather than an emoji so it looks the same on every
/// system and takes the theme's colour. Only the mouth's curve changes.
fn face_icon(score: u8) -> Html {
    let smile = (i32::from(score) - 3) * 3;
    let mouth = cat(&["M8 16.5 Q12 ", &decimal(i64::from(16 + smile)), " 16 16.5"]);
    html! {
        <svg class="face-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="1.6" />
            <circle cx="8.8" cy="9.5" r="1.3" fill="currentColor" />
            <circle cx="15.2" cy="9.5" r="1.3" fill="currentColor" />
            <path d={mouth} fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />
        </svg>
    }
}

/// A thumb, pointing up or (turned over) down.
fn thumb_icon(up: bool) -> Html {
    html! {
        <svg class={classes!("face-icon", (!up).then_some("thumb-down"))} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M7 10v10H4V10h3zm2 10h8.2a2 2 0 0 0 2-1.6l1.3-6.4A2 2 0 0 0 18.5 9.6H14l.8-4a1.6 1.6 0 0 0-2.9-1.2L9 9.5V20z"
                fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" />
        </svg>
    }
}

/// How one score looks and is named on the site's scale.
fn choice(m: &'static Messages, scale: Scale, score: u8) -> (Html, String) {
    match scale {
        Scale::Csat5 => (face_icon(score), m.faces[usize::from(score.clamp(1, 5) - 1)].to_owned()),
        Scale::Nps => {
            let name = match score {
                0 => cat(&["0, ", m.nps_low]),
                10 => cat(&["10, ", m.nps_high]),
                n => decimal(i64::from(n)),
            };
            (
                html! { <span class="nps-number" aria-hidden="true">{score}</span> },
                name,
            )
        }
        Scale::Thumbs => {
            let name = if score == 1 { m.thumbs_up } else { m.thumbs_down };
            (
                html! { <>{thumb_icon(score == 1)}<span class="thumb-label" aria-hidden="true">{name}</span></> },
                name.to_owned(),
            )
        }
    }
}

/// One tap answers, on the site's scale (five faces, 0 to 10, or thumbs), as a labelled
/// radio group: one tab stop; arrow keys, Home and End move without answering; Enter,
/// Space or a tap answers. After the answer: thanks (which takes the focus from the face that
/// had it), an apology after a low one, and an optional comment.
#[component]
pub fn FeedbackQuestion(props: &PartsProps) -> Html {
    let parts = &props.parts;
    let thanks_ref = use_node_ref();
    use_focus_on_change(parts.state.answered.as_ref().map(|_| ()), thanks_ref.clone());
    let m = crate::i18n::messages(parts.view.response.locale);
    let (on, settings) = (feedback_handlers(parts), &parts.view.response.feedback);
    match &parts.state.answered {
        Some(answer) => {
            let ask = parts.view.response.referral.as_ref().and_then(|r| r.ask.as_ref());
            let share = if promoter(settings.scale, answer.score) {
                super::panel::share_section(parts, ask)
            } else {
                Html::default()
            };
            after_answer(m, settings, answer, &on, thanks_ref, share)
        }
        None => question(m, settings, &parts.state, &on),
    }
}

fn question(m: &'static Messages, settings: &FeedbackSettings, ui: &LaterState, on: &FeedbackHandlers) -> Html {
    let (low, high) = ui.scores;
    let scale = settings.scale;
    let buttons = (low..=high).map(|score| {
        let (look, label) = choice(m, scale, score);
        let onclick = on.on_answer.reform(move |_: MouseEvent| score);
        let tabindex = if score == ui.focused_score { "0" } else { "-1" };
        html! {
            <button type="button" class="face" part="face" role="radio" aria-checked="false" {tabindex}
                aria-label={label.clone()} title={label} data-score={decimal(i64::from(score))} {onclick}>
                {look}
            </button>
        }
    });
    let default_question = match scale {
        Scale::Csat5 => m.question,
        Scale::Nps => m.question_nps,
        Scale::Thumbs => m.question_thumbs,
    };
    html! {
        <section class="feedback" part="feedback">
            <p id="moments-question" class="question">{settings.question.as_deref().unwrap_or(default_question).to_owned()}</p>
            <div class={classes!("faces", scale.name())} role="radiogroup" aria-labelledby="moments-question"
                onkeydown={arrow_keys(ui.focused_score, ui.scores, on.on_focus.clone())}>{for buttons}</div>
            if scale == Scale::Nps {
                <p class="nps-ends" aria-hidden="true"><span>{m.nps_low}</span><span>{m.nps_high}</span></p>
            }
        </section>
    }
}

fn after_answer(
    m: &'static Messages,
    settings: &FeedbackSettings,
    answer: &Answered,
    on: &FeedbackHandlers,
    thanks_ref: NodeRef,
    share: Html,
) -> Html {
    html! {
        <section class="feedback" part="feedback">
            // Focusable, because it replaces the button that had the focus.
            <p ref={thanks_ref} class="thanks" part="thanks" role="status" tabindex="-1">{m.thanks}</p>
            if answer.low {
                <div class="recovery" part="recovery">
                    <p class="apology">{settings.apology.as_deref().unwrap_or(m.apology).to_owned()}</p>
                    <p class="follow-up">{settings.follow_up.as_deref().unwrap_or(m.follow_up).to_owned()}</p>
                    if let Some(points) = settings.recovery_points {
                        <p class="goodwill">{fill(m.goodwill, &[("n", &crate::i18n::number(points, m.locale))])}</p>
                    }
                </div>
            }
            {share}
            if answer.comment_sent {
                <p class="comment-sent" role="status">{m.comment_sent}</p>
            } else {
                <CommentBox messages={m} on_send={on.on_comment.clone()} />
            }
        </section>
    }
}

/// A promoter's answer: the moment to ask them to tell a friend (CSAT 5, NPS 9 or 10).
fn promoter(scale: Scale, score: u8) -> bool {
    match scale {
        Scale::Csat5 => score == 5,
        Scale::Nps => score >= 9,
        Scale::Thumbs => false,
    }
}

/// Moves the tab stop and the focus along the scale.
fn arrow_keys(current: u8, (low, high): (u8, u8), on_focus: Callback<u8>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        let next = match e.key().as_str() {
            "ArrowRight" | "ArrowDown" => {
                if current >= high {
                    low
                } else {
                    current + 1
                }
            }
            "ArrowLeft" | "ArrowUp" => {
                if current <= low {
                    high
                } else {
                    current - 1
                }
            }
            "Home" => low,
            "End" => high,
            _ => return,
        };
        e.prevent_default();
        on_focus.emit(next);
        // Yew delegates listeners to its root, so `current_target` is not the group: the
        // focused button's parent is.
        let group = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            .and_then(|b| b.parent_element());
        let button = group
            .and_then(|g| g.children().item(u32::from(next - low)))
            .and_then(|b| b.dyn_into::<HtmlElement>().ok());
        if let Some(button) = button {
            let _ = button.focus();
        }
    })
}
