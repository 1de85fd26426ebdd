//! Yew installs `console_error_panic_hook::hook` unless a custom hook was set first. The widget
//! always sets its own (`src/crash.rs`, silent: the loader reports the crash), and its release
//! build aborts on a panic before any hook runs; the real crate only brought `core::fmt` and its
//! panic formatting into the download.

pub fn hook(_info: &std::panic::PanicHookInfo<'_>) {}

pub fn set_once() {}
