use yew::prelude::*;

use crate::i18n::Messages;

/// What the badge opens while the panel is on its way (only when it was not fetched before
/// the tap), or after it failed to arrive: its title, and a way to try again. Its id is the
/// panel's, which the badge names in `aria-controls`.
pub fn panel_shell(
    m: &'static Messages,
    failed: bool,
    on_retry: Callback<MouseEvent>,
    on_close: Option<Callback<MouseEvent>>,
) -> Html {
    html! {
        <section id="moments-panel" class="panel" part="panel" aria-labelledby="moments-panel-title" aria-busy={(!failed).then_some("true")}>
            <header class="panel-header">
                <h2 id="moments-panel-title" class="panel-title">{m.panel_title}</h2>
                if let Some(onclick) = on_close {
                    {super::icons::close_button(m.close, onclick)}
                }
            </header>
            if failed {
                <p class="panel-problem" role="alert">{m.panel_failed}</p>
                <button type="button" class="retry" onclick={on_retry}>{m.try_again}</button>
            } else {
                <p class="panel-loading">{m.panel_loading}</p>
            }
        </section>
    }
}
