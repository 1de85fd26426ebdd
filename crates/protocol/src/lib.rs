//! The Moments wire protocol: what the widget and any backend exchange, and every
//! rule both sides must agree on. Wire types (`wire`) are plain serde shapes;
//! `domain` parses them into values that cannot be wrong.

pub mod context;
pub mod domain;
pub mod error;
pub mod experiments;
pub mod limits;
pub mod locale;
pub mod sampling;
pub mod text;
pub mod uuid;
pub mod wire;

pub use error::InvalidInput;
pub use locale::Locale;
