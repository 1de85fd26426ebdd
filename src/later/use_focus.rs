use web_sys::HtmlElement;
use yew::prelude::*;

/// Moves the focus to `node` when `step` changes to `Some` after the first render: what a step
/// puts in place of the button that had the focus takes it. A part drawn with a step already
/// under way (the panel opened again) leaves the focus where it is.
#[hook]
pub fn use_focus_on_change<K: PartialEq + 'static>(step: Option<K>, node: NodeRef) {
    let drawn = use_mut_ref(|| false);
    use_effect_with(step, move |step| {
        let first = !std::mem::replace(&mut *drawn.borrow_mut(), true);
        if !first
            && step.is_some()
            && let Some(target) = node.cast::<HtmlElement>()
        {
            let _ = target.focus();
        }
    });
}
