//! When the widget panics, the host page must not notice beyond a `moments:error` event.
//! The release build aborts on a panic, which traps the wasm instance; the loader
//! (src/loader.js) sees the trap, takes every widget off the page, fires `moments:error`
//! (`widget_crashed`), stops calling into wasm and keeps the trap out of the page's console.
//! Nothing reaches the console first: Yew's default panic hook is the no-op of
//! `crates/no-panic-hook`.

#[cfg(feature = "crash-for-testing")]
use wasm_bindgen::prelude::wasm_bindgen;

/// Panics on purpose, so the end-to-end tests can check that a crash leaves the host page
/// working. Only in the test build (`dist-crash/`), never in the release download.
#[cfg(feature = "crash-for-testing")]
#[wasm_bindgen(js_name = crashForTesting)]
pub fn crash_for_testing() {
    panic!("crash requested by a test");
}
