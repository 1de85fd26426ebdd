use yew::prelude::*;

use crate::browser;
use crate::chunks::{self, Later};

/// At most this long after the first badge, the later parts are fetched even if the browser
/// never goes idle.
const IDLE_TIMEOUT_MS: u32 = 2_000;
/// Where the browser cannot say when it is idle (Safari), this long after the first badge.
const NO_IDLE_CALLBACK_MS: u32 = 300;

/// How much this widget needs its later parts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Only some day: fetched when the browser is idle.
    Idle,
    /// Something waits for them (a gift to show): now, and again after a failure's backoff.
    Soon,
    /// The visitor is waiting (an open panel, the end-of-visit question, an inline panel):
    /// now, and again after a failure's backoff. A tap also asks at once itself
    /// (`chunks::want(true)`), even right after a failure.
    Now,
}

/// Fetches the later parts once the first badge is on screen: when the browser is idle, or at
/// once when they are needed. While they are needed and the last try failed, tries again
/// after the backoff. Everything it scheduled is cancelled when the widget goes.
#[hook]
pub fn use_prefetch(later: Later, need: Need) {
    use_effect_with((), |_| {
        let idle = browser::when_idle(IDLE_TIMEOUT_MS, NO_IDLE_CALLBACK_MS, || chunks::want(false));
        move || drop(idle)
    });
    use_effect_with((later, need), |&(later, need)| {
        let retry = match (later, need) {
            (Later::Ready(_), _) | (_, Need::Idle) => None,
            (Later::Waiting, need) => {
                chunks::want(need == Need::Now);
                None
            }
            (Later::Failed, _) => Some(gloo_timers::callback::Timeout::new(
                chunks::backoff_left_ms(),
                || chunks::want(false),
            )),
        };
        move || drop(retry)
    });
}
