//! What the first badge needs: drawn from the first download. The rest is in `crate::later`.

mod app;
mod badge;
mod greeting;
pub(crate) mod icons;
mod panel_shell;
pub(crate) mod tier_progress;
mod widget_view;

pub use app::{App, AppProps};
pub use badge::join_url;
pub use widget_view::{WidgetView, WidgetViewProps};
