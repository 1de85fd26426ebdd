use web_sys::{AbortController, AbortSignal};
use yew::prelude::*;

/// A signal aborted when the component goes (the element was removed): requests started
/// with it are abandoned instead of finishing for no one.
#[hook]
pub fn use_stop() -> AbortSignal {
    let controller = use_memo((), |_| AbortController::new().ok());
    {
        let controller = controller.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(controller) = controller.as_ref() {
                    controller.abort();
                }
            }
        });
    }
    controller.as_ref().as_ref().map_or_else(AbortSignal::abort, AbortController::signal)
}
