mod use_messages;
mod use_session;

pub use use_messages::use_messages;
pub use use_session::{use_session, visitor_id};
