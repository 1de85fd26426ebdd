mod use_exposures;
mod use_feedback;
mod use_rewards;
mod use_session;
mod use_session_end;
mod use_stop;
mod use_surprises;
mod use_track;

pub use use_session::{PendingSession, use_session, visitor_id};
pub use use_stop::use_stop;
pub use use_session_end::use_session_end;
pub use use_feedback::use_feedback;
pub use use_rewards::{RewardHandlers, use_rewards};
pub use use_surprises::use_surprises;
pub use use_track::use_track;
pub use use_exposures::use_exposures;
