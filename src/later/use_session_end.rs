use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use web_sys::MouseEvent;
use yew::prelude::*;

use crate::browser;
use crate::listener::Listener;
use crate::session_end::{self, EndSignal};

const ACTIVITY: [&str; 6] = ["pointermove", "pointerdown", "keydown", "scroll", "touchstart", "wheel"];

/// Calls `on_end` when the visit ends, whichever way comes first: the host's `endSession()`,
/// exit intent, idleness (`idle_timeout_secs`, 0 for never), or a prompt owed by the
/// previous page view. Owes the prompt (when `ask`) from the moment the session ends.
#[hook]
pub fn use_session_end(signal: Rc<EndSignal>, site: String, ask: bool, idle_timeout_secs: u32, on_end: Callback<()>) {
    use_effect_with((), move |_| {
        // Once per page view, however many triggers fire.
        let ended = Rc::new(Cell::new(false));
        let end = {
            let (site, on_end) = (site.clone(), on_end.clone());
            Callback::from(move |_: ()| {
                if ended.replace(true) {
                    return;
                }
                if ask {
                    session_end::owe(&site);
                }
                on_end.emit(());
            })
        };
        if session_end::owed(&site) {
            if ask { end.emit(()) } else { session_end::settle(&site) }
        }
        {
            let end = end.clone();
            signal.listen(Rc::new(move |()| end.emit(())));
        }
        let mut listeners = Vec::new();
        let mut idle = None;
        if let Some(document) = browser::window().and_then(|w| w.document()) {
            // Exit intent: the pointer leaves the page through its top edge (towards the tabs
            // and the address bar). Chromium and Firefox both report it this way.
            let exit = end.clone();
            listeners.extend(Listener::new(&document, "mouseout", false, move |e| {
                if let Some(e) = wasm_bindgen::JsCast::dyn_ref::<MouseEvent>(&e)
                    && e.related_target().is_none()
                    && e.client_y() <= 0
                {
                    exit.emit(());
                }
            }));
            if idle_timeout_secs > 0 {
                idle = Some(IdleWatch::start(&document, idle_timeout_secs, end));
            }
        }
        move || {
            signal.stop();
            drop((listeners, idle));
        }
    });
}

/// Activity only stamps the time; a slow interval compares, so input never churns timers.
struct IdleWatch {
    _listeners: Vec<Listener>,
    _check: Interval,
}

impl IdleWatch {
    fn start(document: &web_sys::Document, timeout_secs: u32, end: Callback<()>) -> Self {
        let timeout_ms = f64::from(timeout_secs) * 1_000.0;
        let last = Rc::new(Cell::new(browser::now_ms()));
        let listeners = ACTIVITY
            .iter()
            .filter_map(|kind| {
                let last = last.clone();
                Listener::new(document, kind, true, move |_| last.set(browser::now_ms()))
            })
            .collect();
        let every_ms = (timeout_ms / 4.0).clamp(250.0, 5_000.0) as u32;
        let check = Interval::new(every_ms, move || {
            if browser::now_ms() - last.get() >= timeout_ms {
                end.emit(());
            }
        });
        Self {
            _listeners: listeners,
            _check: check,
        }
    }
}
