use moments_protocol::wire::{ClaimedSurprise, Reward};
use yew::prelude::*;

use crate::i18n::{Messages, fill};
use crate::state::{GiftState, UiState};

/// The gift by the badge, while one is waiting. Opening it asks the server what is inside.
pub fn gift_button(m: &'static Messages, ui: &UiState, on_open: Callback<MouseEvent>) -> Html {
    if ui.surprises.is_empty() {
        return Html::default();
    }
    let opening = ui.gift == GiftState::Opening;
    html! {
        <button type="button" class="gift" part="gift" onclick={on_open} aria-disabled={opening.then_some("true")}>
            {super::icons::gift("gift-icon")}
            {if opening { m.surprise_opening } else { m.surprise_gift }}
        </button>
    }
}

/// What a failed opening says, in the live region.
pub fn gift_problem(m: &'static Messages, ui: &UiState) -> Option<&'static str> {
    match ui.gift {
        GiftState::Failed { gone: true } => Some(m.surprise_gone),
        GiftState::Failed { gone: false } => Some(m.surprise_failed),
        _ => None,
    }
}

/// The opened gift: the site's words, then the reward. Focus moves here from the gift button
/// it replaces.
pub fn reveal(
    m: &'static Messages,
    claimed: &ClaimedSurprise,
    copied: bool,
    on_copy: Callback<MouseEvent>,
    on_close: Callback<MouseEvent>,
    node: NodeRef,
) -> Html {
    let reward = match &claimed.reward {
        Reward::Points { points } => {
            html! { <p class="reveal-reward">{fill(m.surprise_points, &[("n", &crate::i18n::number(*points, m.locale))])}</p> }
        }
        Reward::Coupon { code } => html! {
            <div class="reveal-coupon">
                <p>{m.surprise_coupon}</p>
                <code class="coupon-code" part="coupon-code">{code}</code>
                <button type="button" class="copy" onclick={on_copy}>{if copied { m.surprise_copied } else { m.surprise_copy }}</button>
            </div>
        },
        Reward::Message => Html::default(),
    };
    html! {
        <section ref={node} class="reveal" part="reveal" tabindex="-1" aria-labelledby="moments-reveal-title">
            <header class="panel-header">
                <h2 id="moments-reveal-title" class="panel-title">{super::icons::sparkle("title-icon")}{m.surprise_title}</h2>
                {super::icons::close_button(m.close, on_close)}
            </header>
            <p>{claimed.message.as_deref().unwrap_or(m.surprise_thanks)}</p>
            {reward}
        </section>
    }
}
