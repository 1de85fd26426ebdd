//! Yew installs `console_error_panic_hook::hook` as its panic hook. The widget's must be
//! silent (the loader reports a crash, `src/crash.rs`), and its release build aborts on a panic
//! before any hook runs; the real crate only brought `core::fmt` and its panic formatting into
//! the download.

pub fn hook(_info: &std::panic::PanicHookInfo<'_>) {}

pub fn set_once() {}
