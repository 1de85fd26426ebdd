//! When the widget panics, the host page must not notice beyond a `moments:error` event.
//! With `panic = "abort"` the wasm instance traps right after this hook: the hook takes every
//! widget off the page first, and the loader (src/loader.js) stops calling into wasm and keeps
//! the trap's error out of the page's console.

use std::panic::PanicHookInfo;

use wasm_bindgen::JsCast;
#[cfg(feature = "crash-for-testing")]
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::Element;

use crate::browser;

pub const CODE: &str = "widget_crashed";

pub fn install() {
    yew::set_custom_panic_hook(Box::new(on_panic));
}

fn on_panic(info: &PanicHookInfo<'_>) {
    let message = info.payload_as_str().unwrap_or("the widget stopped");
    let Some(document) = browser::window().and_then(|w| w.document()) else { return };
    let Ok(widgets) = document.query_selector_all("moments-widget") else { return };
    for i in 0..widgets.length() {
        let Some(widget) = widgets.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
        if let Some(root) = widget.shadow_root() {
            root.set_inner_html("");
        }
        browser::emit(&widget, "moments:error", &browser::error_detail(CODE, message));
    }
}

/// Panics on purpose, so the end-to-end tests can check that a crash leaves the host page
/// working. Only in the test build (`dist-crash/`), never in the release download.
#[cfg(feature = "crash-for-testing")]
#[wasm_bindgen(js_name = crashForTesting)]
pub fn crash_for_testing() {
    panic!("crash requested by a test");
}
