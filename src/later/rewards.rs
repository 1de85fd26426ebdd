use moments_protocol::text::cat;
use moments_protocol::wire::{MemberSummary, Redemption, RewardOffer};
use yew::prelude::*;

use super::reward_handlers::RewardHandlers;
use super::state::{LaterState, Redeeming};
use crate::i18n::{Messages, fill};

/// The site's ways to earn, a line each (surprises are never among them).
pub fn ways_to_earn(m: &'static Messages, lines: &[String]) -> Html {
    if lines.is_empty() {
        return Html::default();
    }
    html! {
        <section class="earn" part="earn" aria-labelledby="moments-earn">
            <h3 id="moments-earn" class="section-title">{m.ways_to_earn}</h3>
            <ul class="earn-list">{for lines.iter().map(|line| html! { <li>{line}</li> })}</ul>
        </section>
    }
}

/// The rewards catalog: each reward's cost and whether the member can redeem it now, and
/// the one redemption under way (confirm, then its code). `focus` goes to whatever a step
/// puts in place of the button that had the focus.
pub fn rewards(
    m: &'static Messages,
    offers: &[RewardOffer],
    member: &MemberSummary,
    ui: &LaterState,
    on: &RewardHandlers,
    focus: NodeRef,
) -> Html {
    if offers.is_empty() {
        return Html::default();
    }
    html! {
        <section class="rewards" part="rewards" aria-labelledby="moments-rewards">
            <h3 id="moments-rewards" class="section-title">{m.rewards_title}</h3>
            <ul class="reward-list">
                {for offers.iter().map(|offer| {
                    let step = ui.redeeming.as_ref().filter(|r| r.reward() == offer.key);
                    reward(m, offer, member.points, step, on, focus.clone())
                })}
            </ul>
        </section>
    }
}

fn reward(
    m: &'static Messages,
    offer: &RewardOffer,
    balance: i64,
    step: Option<&Redeeming>,
    on: &RewardHandlers,
    focus: NodeRef,
) -> Html {
    let key = &offer.key;
    let title_id = cat(&["moments-reward-", key]);
    let note_id = cat(&["moments-reward-note-", key]);
    // The server decides; this is what to show until it has.
    let needed = (offer.cost - balance).max(0);
    let note = match offer.unavailable.as_deref() {
        Some("tier_too_low") => Some(fill(
            m.reward_tier,
            &[("tier", offer.min_tier.as_deref().unwrap_or_default())],
        )),
        Some("sold_out") => Some(m.reward_sold_out.to_owned()),
        Some(_) => Some(m.reward_limit.to_owned()),
        None if needed > 0 => Some(fill(m.reward_more, &[("n", &crate::i18n::number(needed, m.locale))])),
        None => None,
    };
    let class = classes!("reward", note.is_some().then_some("unavailable"));
    let ask = {
        let (ask, key) = (on.ask.clone(), key.clone());
        Callback::from(move |_: MouseEvent| ask.emit(key.clone()))
    };
    let action = match step {
        Some(Redeeming::Confirm { .. }) => html! {
            <div class="redeem-confirm" role="group" aria-labelledby={cat(&["moments-confirm-", key])}>
                <p id={cat(&["moments-confirm-", key])}>
                    {fill(m.redeem_confirm, &[("n", &crate::i18n::number(offer.cost, m.locale)), ("reward", &offer.title)])}
                </p>
                <button type="button" class="redeem-yes" ref={focus} onclick={on.confirm.reform(|_: MouseEvent| ())}>{m.redeem_yes}</button>
                <button type="button" class="redeem-no" onclick={on.cancel.reform(|_: MouseEvent| ())}>{m.redeem_cancel}</button>
            </div>
        },
        Some(Redeeming::Sending { .. }) => html! {
            <button type="button" class="redeem" ref={focus} aria-disabled="true">{m.redeem_sending}</button>
        },
        Some(Redeeming::Done { redemption, copied }) => code(m, redemption, *copied, on, focus),
        Some(Redeeming::Failed { code, .. }) => html! {
            <>
                <p class="reward-problem" role="alert">{refusal(m, code)}</p>
                {redeem_button(m, offer, note.is_some().then_some(&note_id), ask, focus)}
            </>
        },
        Some(Redeeming::Cancelled { .. }) => redeem_button(m, offer, note.is_some().then_some(&note_id), ask, focus),
        None => redeem_button(m, offer, note.is_some().then_some(&note_id), ask, NodeRef::default()),
    };
    html! {
        <li {class} part="reward">
            <p class="reward-head">
                <span id={title_id} class="reward-title">{&offer.title}</span>
                <span class="reward-cost">{fill(m.reward_cost, &[("n", &crate::i18n::number(offer.cost, m.locale))])}</span>
            </p>
            if let Some(description) = &offer.description {
                <p class="reward-description">{description}</p>
            }
            if let Some(note) = &note {
                <p id={note_id.clone()} class="reward-note">{note}</p>
            }
            {action}
        </li>
    }
}

/// Redeem, named with the reward's title; disabled and described by `blocked_by` (the note
/// saying why) when it cannot be redeemed now.
fn redeem_button(
    m: &'static Messages,
    offer: &RewardOffer,
    blocked_by: Option<&String>,
    onclick: Callback<MouseEvent>,
    focus: NodeRef,
) -> Html {
    html! {
        <button type="button" class="redeem" ref={focus} disabled={blocked_by.is_some()} aria-describedby={blocked_by.cloned()} {onclick}>
            {m.reward_redeem}<span class="visually-hidden">{cat(&[" ", &offer.title])}</span>
        </button>
    }
}

/// The code a redemption gave, to copy, and how to use it.
fn code(m: &'static Messages, redemption: &Redemption, copied: bool, on: &RewardHandlers, focus: NodeRef) -> Html {
    let copy = {
        let (copy, code) = (on.copy.clone(), redemption.code.clone());
        Callback::from(move |_: MouseEvent| copy.emit(code.clone()))
    };
    html! {
        <div class="redeemed" part="redeemed" ref={focus} tabindex="-1">
            <p>{fill(m.redeem_code, &[("reward", &redemption.title)])}</p>
            <code class="coupon-code" part="coupon-code">{&redemption.code}</code>
            <button type="button" class="copy" onclick={copy}>{if copied { m.surprise_copied } else { m.surprise_copy }}</button>
            if let Some(how) = &redemption.how_to_use {
                <p class="redeemed-how">{how}</p>
            }
        </div>
    }
}

fn refusal(m: &'static Messages, code: &str) -> &'static str {
    match code {
        "insufficient_points" => m.redeem_short,
        "sold_out" => m.redeem_gone,
        "tier_too_low" => m.redeem_tier,
        "limit_reached" => m.reward_limit,
        _ => m.redeem_failed,
    }
}
