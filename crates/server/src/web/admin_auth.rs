//! The admin API's one authentication scheme: `Authorization: Bearer <admin key>`, the key
//! from `MOMENTS_ADMIN_KEY` or the config. Server-to-server only; browsers never hold it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};

use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Proof that the request carried the admin key.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(key) = &state.admin_key else {
            return Err(unauthorized(
                "admin_api_disabled",
                "this server has no admin key; set MOMENTS_ADMIN_KEY",
            ));
        };
        match bearer(&parts.headers) {
            None => Err(unauthorized(
                "admin_key_missing",
                "send the admin key as Authorization: Bearer <key>",
            )),
            Some(k) if key.accepts(k) => Ok(Admin),
            Some(_) => Err(unauthorized("admin_key_invalid", "the admin key is wrong")),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}
