//! PostgreSQL runs every transaction SERIALIZABLE: when two servers' transactions would break
//! a guarantee (a budget, a balance, a cooldown), one is rolled back with a serialization
//! failure and nothing of it is written. This layer runs such a request again, from its
//! buffered body, a few times with a short random pause; the caller sees one answer.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use moments_protocol::limits::MAX_BODY_BYTES;

use crate::platform::retry;
use crate::web::error::Conflict;

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
        if response.extensions().get::<Conflict>().is_none() || attempt == retry::ATTEMPTS {
            return response;
        }
        crate::platform::metrics::CONFLICT_RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(retry::pause(attempt)).await;
        attempt += 1;
    }
}
