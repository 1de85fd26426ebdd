use moments_protocol::wire::{ClaimedSurprise, Reward};
use yew::prelude::*;

use super::PartsProps;
use super::gift_handlers::gift_handlers;
use super::icons;
use super::state::{GiftState, LaterState};
use super::use_focus::use_focus_on_change;
use crate::i18n::{Messages, fill};

/// Gifts: the button by the badge while one is waiting, and the opened gift, which takes the
/// focus from the button it replaces.
#[component]
pub fn Gifts(props: &PartsProps) -> Html {
    let parts = &props.parts;
    let reveal_ref = use_node_ref();
    use_focus_on_change(parts.state.revealed.as_ref().map(|r| r.id.clone()), reveal_ref.clone());
    let (ui, m) = (&parts.state, crate::i18n::messages(parts.view.response.locale));
    let (open, copy) = gift_handlers(parts);
    html! {
        <>
            if let Some(claimed) = &ui.revealed {
                {reveal(m, claimed, ui.copied, copy_code(claimed, copy), parts.close_reveal.reform(|_: MouseEvent| ()), reveal_ref)}
            }
            {gift_button(m, ui, open.reform(|_: MouseEvent| ()))}
        </>
    }
}

fn copy_code(claimed: &ClaimedSurprise, copy: Callback<String>) -> Callback<MouseEvent> {
    let code = match &claimed.reward {
        Reward::Coupon { code } => code.clone(),
        _ => String::new(),
    };
    Callback::from(move |_: MouseEvent| copy.emit(code.clone()))
}

/// The gift by the badge, while one is waiting. Opening it asks the server what is inside.
fn gift_button(m: &'static Messages, ui: &LaterState, on_open: Callback<MouseEvent>) -> Html {
    if ui.surprises.is_empty() {
        return Html::default();
    }
    let opening = ui.gift == GiftState::Opening;
    html! {
        <button type="button" class="gift" part="gift" onclick={on_open} aria-disabled={opening.then_some("true")}>
            {icons::gift("gift-icon")}
            {if opening { m.surprise_opening } else { m.surprise_gift }}
        </button>
    }
}

/// What a failed opening says, in the live region.
pub fn gift_problem(m: &'static Messages, ui: &LaterState) -> Option<&'static str> {
    match ui.gift {
        GiftState::Failed { gone: true } => Some(m.surprise_gone),
        GiftState::Failed { gone: false } => Some(m.surprise_failed),
        _ => None,
    }
}

/// The opened gift: the site's words, then the reward. Focus moves here from the gift button
/// it replaces.
fn reveal(
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
                <h2 id="moments-reveal-title" class="panel-title">{icons::sparkle("title-icon")}{m.surprise_title}</h2>
                {icons::close_button(m.close, on_close)}
            </header>
            <p>{claimed.message.as_deref().unwrap_or(m.surprise_thanks)}</p>
            {reward}
        </section>
    }
}
