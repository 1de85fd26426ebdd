use yew::prelude::*;

use crate::hooks::use_messages;

#[derive(Properties, PartialEq)]
pub struct GreetingProps {
    pub text: AttrValue,
    pub on_dismiss: Callback<()>,
}

/// How long the greeting bubble stays before it steps aside by itself.
const VISIBLE_MS: u32 = 8_000;

/// The first moment of the visit: a short bubble by the badge that never takes focus.
#[component]
pub fn Greeting(props: &GreetingProps) -> Html {
    let m = use_messages();
    {
        let on_dismiss = props.on_dismiss.clone();
        use_effect_with((), move |_| {
            let timer = gloo_timers::callback::Timeout::new(VISIBLE_MS, move || on_dismiss.emit(()));
            move || drop(timer)
        });
    }
    let onclick = props.on_dismiss.reform(|_: MouseEvent| ());
    html! {
        <div class="greeting" part="greeting">
            <p class="greeting-text">{&props.text}</p>
            <button type="button" class="icon-button" aria-label={m.dismiss_greeting} {onclick}>{"×"}</button>
        </div>
    }
}
