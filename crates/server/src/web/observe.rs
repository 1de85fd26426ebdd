//! What an operator sees of each request: an id (the caller's `x-request-id`, or one made
//! here) echoed in the answer and carried by every log line of the request, one access-log
//! line at INFO when it is answered, and its count and latency in the Prometheus metrics.
//! Routes are logged and counted by their template (`/v1/admin/sites/{site}/members/{member}`),
//! never by the path itself, which may name a member.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::web::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The caller's request id when it is one a log can hold (1 to 128 visible ASCII), else a new one.
fn request_id(request: &Request) -> HeaderValue {
    request
        .headers()
        .get(&REQUEST_ID)
        .filter(|v| (1..=128).contains(&v.len()) && v.as_bytes().iter().all(|b| b.is_ascii_graphic()))
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap_or(HeaderValue::from_static("-"))
        })
}

/// The request's id, for handlers that record it (the audit trail).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let id = request_id(&request);
    request
        .extensions_mut()
        .insert(RequestId(id.to_str().unwrap_or("-").to_owned()));
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let span = tracing::info_span!("request", request_id = %id.to_str().unwrap_or("-"));
    let metrics = &state.metrics;
    metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            method,
            route,
            status,
            ms = (seconds * 1000.0 * 10.0).round() / 10.0,
            "answered"
        )
    });
    metrics.record(route, method, status, seconds);
    response.headers_mut().insert(REQUEST_ID, id);
    response
}
