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
/// An event proof is a signed token like a member token.
pub const MAX_PROOF_LEN: usize = 4_096;
/// Session ids are the server's (`<uuid>.<tag>`); anything longer is not one of them.
pub const MAX_SESSION_ID_LEN: usize = 128;
pub const MAX_PAGE_URL_LEN: usize = 2_048;
pub const MAX_TRACK_NAME_LEN: usize = 64;
pub const MAX_LOCALE_TAG_LEN: usize = 35;
pub const MAX_LANGUAGES: usize = 16;
/// Member ids (the token's `sub`, the admin API's path): 1 to this many characters.
pub const MAX_MEMBER_ID_LEN: usize = 128;
/// Largest size of one points change, either way.
pub const MAX_POINTS_DELTA: i64 = 1_000_000;
/// Longest reason of a points change (characters); the panel shows it.
pub const MAX_POINTS_REASON_LEN: usize = 200;
/// Longest idempotency key of a points change.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;
/// Ledger entries a session answer carries (the panel's "recent activity").
pub const RECENT_LEDGER_ENTRIES: usize = 5;
/// Most rows one page of an admin list holds (ledger entries, answers, recovery cases).
pub const MAX_ADMIN_PAGE: u32 = 100;
/// Longest member name a token may carry (characters); greetings show it.
pub const MAX_MEMBER_NAME_LEN: usize = 100;
/// What a host may say a visit was about (`setContext`): at most this many keys,
pub const MAX_CONTEXT_KEYS: usize = 10;
/// each of 1 to this many characters (letters, digits, `_`, `-`, `.`),
pub const MAX_CONTEXT_KEY_LEN: usize = 32;
/// with a text value of 1 to this many characters.
pub const MAX_CONTEXT_VALUE_LEN: usize = 128;
