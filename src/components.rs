mod app;
mod badge;
mod comment_box;
mod end_prompt;
mod feedback_prompt;
mod greeting;
mod icons;
mod member_standing;
mod panel;
mod rewards;
mod surprise;
mod tier_progress;
mod widget_view;

pub use app::{App, AppProps};
pub use feedback_prompt::FeedbackHandlers;
pub use widget_view::{WidgetView, WidgetViewProps};
