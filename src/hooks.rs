mod use_session;

pub use use_session::{use_session, visitor_id};
