pub mod admin;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod referrals;
pub mod rewards;
pub mod session;
pub mod surprises;
pub mod visitor_events;

/// An idempotent write's answer: the body with `status`, and `Idempotent-Replayed: true` when
/// the request's key was used before (nothing changed this time).
fn idempotent_answer(
    status: axum::http::StatusCode,
    body: impl serde::Serialize,
    replayed: bool,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = (status, axum::Json(body)).into_response();
    if replayed {
        let header = axum::http::HeaderName::from_static("idempotent-replayed");
        response
            .headers_mut()
            .insert(header, axum::http::HeaderValue::from_static("true"));
    }
    response
}
