//! When a visit ends: the host says so (`element.endSession()`), the pointer leaves through
//! the top of the window, or the visitor is idle. A prompt that could not show before the
//! visitor navigated away is owed, and shown on their next page view within 30 minutes.

use std::cell::{Cell, RefCell};

use yew::Callback;

use crate::browser;

/// How long an owed prompt waits for the visitor's next page view.
pub const OWED_FOR_MS: f64 = 30.0 * 60_000.0;
/// A prompt on screen this long has been seen: it is no longer owed.
pub const SEEN_AFTER_MS: u32 = 2_000;

/// The element's `endSession()`, carried from the host glue to the rendered widget, which may
/// not exist yet when the host calls it (the session is still starting).
#[derive(Default)]
pub struct EndSignal {
    listener: RefCell<Option<Callback<()>>>,
    pending: Cell<bool>,
}

impl PartialEq for EndSignal {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl EndSignal {
    pub fn end(&self) {
        let listener = self.listener.borrow().clone();
        match listener {
            Some(listener) => listener.emit(()),
            None => self.pending.set(true),
        }
    }

    pub fn listen(&self, listener: Callback<()>) {
        *self.listener.borrow_mut() = Some(listener.clone());
        if self.pending.take() {
            listener.emit(());
        }
    }

    pub fn stop(&self) {
        self.listener.borrow_mut().take();
    }
}

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
