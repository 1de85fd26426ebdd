mod use_exposures;
mod use_prefetch;
mod use_session;
mod use_stop;
mod use_track;

pub use use_exposures::use_exposures;
pub use use_prefetch::{Need, use_prefetch};
pub use use_session::{PendingSession, use_session, visitor_id};
pub use use_stop::use_stop;
pub use use_track::use_track;
