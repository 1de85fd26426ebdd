//! When a visit ends: the host says so (`element.endSession()`), the pointer leaves through
//! the top of the window, or the visitor is idle. A prompt that could not show before the
//! visitor navigated away is owed, and shown on their next page view within 30 minutes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::browser;

thread_local! {
    /// Per site, whether this page may still ask the end-of-visit question: the widgets of one
    /// site on a page share one, so the visitor is asked once, by whichever asks first.
    static QUESTIONS: RefCell<Vec<(String, Rc<Cell<bool>>)>> = const { RefCell::new(Vec::new()) };
}

/// The page's one end-of-visit question for `site`, shared by its widgets: taking it
/// (`Cell::replace(false)`) is asking it.
pub fn question(site: &str) -> Rc<Cell<bool>> {
    QUESTIONS.with_borrow_mut(|all| match all.iter().find(|(s, _)| s == site) {
        Some((_, question)) => question.clone(),
        None => {
            let question = Rc::new(Cell::new(true));
            all.push((site.to_owned(), question.clone()));
            question
        }
    })
}

/// A new page view, as far as the question is concerned (tests render many on one page).
#[doc(hidden)]
pub fn forget_questions() {
    QUESTIONS.with_borrow_mut(Vec::clear);
}

/// How long an owed prompt waits for the visitor's next page view.
pub const OWED_FOR_MS: f64 = 30.0 * 60_000.0;
/// A prompt on screen this long has been seen: it is no longer owed.
pub const SEEN_AFTER_MS: u32 = 2_000;

/// The element's `endSession()`.
pub type EndSignal = crate::host_signal::HostSignal<()>;

fn owed_key(site: &str) -> String {
    moments_protocol::text::cat(&["moments:owed:", site])
}

/// Records that the visitor is owed the prompt, until it has been shown.
pub fn owe(site: &str) {
    // Whole milliseconds: formatting and parsing floats would cost the download ~10 KiB.
    browser::storage_set(
        &owed_key(site),
        &moments_protocol::text::decimal(browser::now_ms() as i64),
    );
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
