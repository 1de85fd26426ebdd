//! The one error shape every route answers with: `{"error": {"code", "message"}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moments_protocol::InvalidInput;
use moments_protocol::wire::{ErrorBody, ErrorDetail};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait before trying again (`Retry-After`), for 429s.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    pub fn invalid(input: InvalidInput) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, input.code, input.message)
    }

    /// A fault on our side: logged in full, answered without details.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not complete this request",
        )
    }

    pub fn unknown_site(site: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_site",
            format!("no site {site:?} is configured on this server"),
        )
    }

    /// A session id this server did not issue to this visitor on this site (made up, borrowed,
    /// or from another deployment): the widget starts a new session and sends again.
    pub fn unknown_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unknown_session",
            "this session was not issued to this visitor here; start a new one",
        )
    }

    pub fn origin_not_allowed(origin: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!("origin {origin} is not allowed for this site"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.code == CONFLICT_CODE {
            response.extensions_mut().insert(Conflict);
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        if crate::platform::db::is_conflict(&error) {
            return conflict_error();
        }
        Self::internal(error)
    }
}

/// A path segment that does not parse (`/v1/surprises/%FF/claim`).
pub fn bad_path(rejection: axum::extract::rejection::PathRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", rejection.body_text())
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}

impl From<crate::platform::rate_limit::Limited> for ApiError {
    fn from(limited: crate::platform::rate_limit::Limited) -> Self {
        let secs = limited.retry_after.as_secs_f64().ceil().max(1.0) as u64;
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests; try again in {secs} s"),
        )
        .retry_after(secs)
    }
}

impl From<crate::platform::signed_token::TokenError> for ApiError {
    /// The widget carries on as an anonymous visitor after this.
    fn from(error: crate::platform::signed_token::TokenError) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            error.code(),
            format!("the member token {error}"),
        )
    }
}

/// Marks an answer whose transaction lost a serialization conflict.
#[derive(Debug, Clone, Copy)]
pub struct Conflict;

/// The error code of a conflict that outlasted every attempt of `conflict_retry`.
pub const CONFLICT_CODE: &str = "database_busy";

/// What a request that lost to a concurrent one answers (and the marker this layer looks for).
pub fn conflict_error() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        CONFLICT_CODE,
        "other requests changed the same data at the same moment; try again",
    )
    .retry_after(1)
}
