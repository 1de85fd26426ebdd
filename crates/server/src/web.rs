//! Everything that knows HTTP: the shared state, the error shape, extractors, middleware, the
//! JSON routes, the dashboard and the OpenAPI document.

pub mod admin_auth;
pub mod audit_export;
pub mod conflict_retry;
pub mod csv_download;
pub mod dashboard;
pub mod error;
pub mod extract;
pub mod feedback_export;
pub mod observe;
pub mod routes;
pub mod state;
