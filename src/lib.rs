//! Moments: the embeddable customer-experience widget.
//!
//! `dist/moments.js` (from `src/loader.js`) defines `<moments-widget>` and calls [`mount`]
//! for each element. Nothing in here may panic: a panic would break the host's page.

pub mod backend;
pub mod browser;
pub mod chunks;
pub mod config;
pub mod context;
pub mod crash;
pub mod decode;
pub mod earned;
pub mod encode;
pub mod exposures;
pub mod host;
pub mod host_signal;
pub mod i18n;
pub mod icons;
pub mod later;
pub mod launcher;
pub mod listener;
pub mod outbox;
pub mod retry;
pub mod session_end;
pub mod standing;
pub mod state;
pub mod tier_progress;
pub mod track;

pub use host::{MountedWidget, mount};
