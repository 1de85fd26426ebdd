use moments_protocol::limits::MAX_COMMENT_GRAPHEMES;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::browser::grapheme_count;
use crate::i18n::{Messages, fill};

#[derive(Properties, PartialEq)]
pub struct CommentBoxProps {
    pub messages: &'static Messages,
    pub on_send: Callback<String>,
}

/// The optional comment after a one-tap answer. The limit counts characters as the visitor
/// sees them (an emoji with its modifiers is one), as the server does.
#[component]
pub fn CommentBox(props: &CommentBoxProps) -> Html {
    let m = props.messages;
    // The text and its length, counted once per keystroke rather than on every render.
    let draft = use_state(|| (String::new(), 0usize));
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(area) = e.target_dyn_into::<HtmlTextAreaElement>() {
                let text = area.value();
                let used = grapheme_count(&text);
                draft.set((text, used));
            }
        })
    };
    let (text, used) = (&draft.0, draft.1);
    let over = used > MAX_COMMENT_GRAPHEMES;
    let empty = text.trim().is_empty();
    let onsubmit = {
        let (draft, on_send) = (draft.clone(), props.on_send.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (text, used) = &*draft;
            if !text.trim().is_empty() && *used <= MAX_COMMENT_GRAPHEMES {
                on_send.emit(text.trim().to_owned());
            }
        })
    };
    let counter = if over {
        fill(
            m.comment_over,
            &[(
                "n",
                &crate::i18n::number((used - MAX_COMMENT_GRAPHEMES) as i64, m.locale),
            )],
        )
    } else {
        fill(
            m.comment_left,
            &[(
                "n",
                &crate::i18n::number((MAX_COMMENT_GRAPHEMES - used) as i64, m.locale),
            )],
        )
    };
    html! {
        <form class="comment" part="comment" {onsubmit}>
            <label for="moments-comment" class="comment-label">{m.comment_label}</label>
            <textarea id="moments-comment" class="comment-input" rows="3" aria-describedby="moments-comment-count"
                aria-invalid={if over { "true" } else { "false" }} value={text.clone()} {oninput} />
            <div class="comment-row">
                <span id="moments-comment-count" class={classes!("comment-count", over.then_some("over"))} aria-live="polite">{counter}</span>
                <button type="submit" class="comment-send" disabled={empty || over}>{m.comment_send}</button>
            </div>
        </form>
    }
}
