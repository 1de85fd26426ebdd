use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::web::admin_auth::bearer;
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Prometheus metrics of this process: requests and latency per route and status, requests
/// in flight, the database pool, panics. Scraped with the metrics token (`server.metrics_token`)
/// or the admin key as a bearer token.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let presented = bearer(&headers);
    let keys = [state.metrics_token.as_ref(), state.admin_key.as_ref()];
    if !presented.is_some_and(|p| keys.iter().flatten().any(|k| k.accepts(p))) {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "metrics_token_invalid",
            "send the metrics token or the admin key as Authorization: Bearer <token>",
        )
        .into_response();
    }
    let mut body = state
        .metrics
        .render(&state.db, &state.writer, crate::platform::db::MAX_CONNECTIONS);
    match crate::features::webhooks::store::gauges(&state.db).await {
        Ok(outbox) => body.push_str(&crate::features::webhooks::worker::render_metrics(
            &outbox,
            crate::platform::clock::now_ms(),
        )),
        Err(error) => tracing::warn!(%error, "could not read the webhook outbox for /metrics"),
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
