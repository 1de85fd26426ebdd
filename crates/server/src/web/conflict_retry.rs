//! PostgreSQL runs every transaction SERIALIZABLE: when two servers' transactions would break
//! a guarantee (a budget, a balance, a cooldown), one is rolled back with a serialization
//! failure and nothing of it is written. This layer runs such a request again, from its
//! buffered body, a few times with a short random pause; the caller sees one answer.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use moments_protocol::limits::MAX_BODY_BYTES;

use crate::web::error::ApiError;

/// Marks an answer whose transaction lost a serialization conflict.
#[derive(Debug, Clone, Copy)]
pub struct Conflict;

/// The error code of a conflict that outlasted every attempt.
pub const CODE: &str = "database_busy";

/// How many times a request runs at most.
pub const ATTEMPTS: u32 = 8;

/// What a request that lost to a concurrent one answers (and the marker this layer looks for).
pub fn conflict_error() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        CODE,
        "other requests changed the same data at the same moment; try again",
    )
    .retry_after(1)
}

pub async fn layer(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return crate::web::extract::body_too_large().into_response();
    };
    let mut attempt = 1;
    loop {
        let mut again = Request::new(Body::from(bytes.clone()));
        *again.method_mut() = parts.method.clone();
        *again.uri_mut() = parts.uri.clone();
        *again.version_mut() = parts.version;
        *again.headers_mut() = parts.headers.clone();
        *again.extensions_mut() = parts.extensions.clone();
        let response = next.clone().run(again).await;
        if response.extensions().get::<Conflict>().is_none() || attempt == ATTEMPTS {
            return response;
        }
        crate::web::observe::CONFLICT_RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // 1, 2, 4 … ms and a random part, so the losers do not collide again in step.
        let base = 1u64 << attempt.min(6);
        tokio::time::sleep(Duration::from_micros(base * 1000 + u64::from(rand_below(1000)) * base)).await;
        attempt += 1;
    }
}

fn rand_below(n: u32) -> u32 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(n)) as u32
}
