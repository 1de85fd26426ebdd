mod app;
mod badge;
mod feedback_prompt;
mod greeting;
mod member_standing;
mod panel;
mod tier_progress;
mod widget_view;

pub use app::{App, AppProps};
pub use widget_view::{WidgetView, WidgetViewProps};
