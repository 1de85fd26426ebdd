//! When a visit ends: the host says so (`element.endSession()`), the pointer leaves through
//! the top of the window, or the visitor is idle. A prompt that could not show before the
//! visitor navigated away is owed, and shown on their next page view within 30 minutes.

use crate::browser;

/// How long an owed prompt waits for the visitor's next page view.
pub const OWED_FOR_MS: f64 = 30.0 * 60_000.0;
/// A prompt on screen this long has been seen: it is no longer owed.
pub const SEEN_AFTER_MS: u32 = 2_000;

/// The element's `endSession()`.
pub type EndSignal = crate::host_signal::HostSignal<()>;

fn owed_key(site: &str) -> String {
    format!("moments:owed:{site}")
}

/// Records that the visitor is owed the prompt, until it has been shown.
pub fn owe(site: &str) {
    // Whole milliseconds: formatting and parsing floats would cost the download ~10 KiB.
    browser::storage_set(&owed_key(site), &(browser::now_ms() as i64).to_string());
}

/// Whether a prompt is owed from a recent page view.
pub fn owed(site: &str) -> bool {
    let since = browser::storage_get(&owed_key(site)).and_then(|at| at.parse::<i64>().ok());
    since.is_some_and(|at| (0.0..OWED_FOR_MS).contains(&(browser::now_ms() - at as f64)))
}

pub fn settle(site: &str) {
    if let Some(storage) = browser::local_storage() {
        let _ = storage.remove_item(&owed_key(site));
    }
}
