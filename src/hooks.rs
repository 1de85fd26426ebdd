mod use_feedback;
mod use_session;
mod use_session_end;

pub use use_session::{use_session, visitor_id};
pub use use_session_end::use_session_end;
pub use use_feedback::use_feedback;
