//! Limits enforced by the server and respected by the widget. One definition.

/// Longest feedback comment, counted in grapheme clusters (characters as the user sees them).
pub const MAX_COMMENT_GRAPHEMES: usize = 1_000;
/// Most events in one `POST /v1/events` batch.
pub const MAX_BATCH_EVENTS: usize = 100;
/// Largest request body any route accepts. Below the 64 KiB a `sendBeacon` may carry.
pub const MAX_BODY_BYTES: usize = 60 * 1024;
pub const MAX_SITE_KEY_LEN: usize = 64;
pub const MIN_VISITOR_ID_LEN: usize = 8;
pub const MAX_VISITOR_ID_LEN: usize = 64;
pub const MAX_MEMBER_TOKEN_LEN: usize = 4_096;
pub const MAX_PAGE_URL_LEN: usize = 2_048;
pub const MAX_TRACK_NAME_LEN: usize = 64;
pub const MAX_LOCALE_TAG_LEN: usize = 35;
pub const MAX_LANGUAGES: usize = 16;
