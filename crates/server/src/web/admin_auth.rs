//! The admin API's authentication: `Authorization: Bearer <key>`, either the operator's admin
//! key (every site, every scope) or a site key (`mk_…`: one site, the scopes it was given).
//! Each handler names the scope it needs in its type, `Admin<needs::PointsWrite>`, and
//! `/openapi.json` names the same scope for the operation (a test holds the two together).
//! A site key on another site's path is answered exactly as a site that does not exist.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};

use crate::features::audit::{Actor, Origin};
pub use crate::features::site_keys::needs;
use crate::features::site_keys::{self, NeedsScope, Refused, Scopes};
use crate::platform::clock::now_ms;
use crate::web::error::ApiError;
use crate::web::observe::RequestId;
use crate::web::state::{AppState, ClientAddress};

/// Proof that the request carried a key allowed this operation on this site.
pub struct Admin<S> {
    /// Who is calling, from where, for the audit trail.
    pub origin: Origin,
    /// What the caller may do (everything for the operator).
    pub scopes: Scopes,
    needs: PhantomData<S>,
}

impl<S: NeedsScope + Send + Sync> FromRequestParts<AppState> for Admin<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = bearer(&parts.headers).map(str::to_owned) else {
            return Err(unauthorized(
                "admin_key_missing",
                "send the admin key or a site key as Authorization: Bearer <key>",
            ));
        };
        let (actor, scopes) = if site_keys::looks_like_site_key(&token) {
            site_key(parts, state, &token).await?
        } else {
            (operator(state, &token)?, Scopes::all())
        };
        if !scopes.contains(S::SCOPE) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "missing_scope",
                format!("this key lacks the scope {}", S::SCOPE.name()),
            ));
        }
        let client = ClientAddress::of(&parts.headers, &parts.extensions, &state.limits);
        Ok(Admin {
            origin: Origin {
                actor,
                request_id: parts.extensions.get::<RequestId>().map(|id| id.0.clone()),
                client_address: Some(client.0.to_string()),
            },
            scopes,
            needs: PhantomData,
        })
    }
}

fn operator(state: &AppState, token: &str) -> Result<Actor, ApiError> {
    match &state.admin_key {
        Some(key) if key.accepts(token) => Ok(Actor::Operator),
        Some(_) => Err(unauthorized("admin_key_invalid", "the key is wrong")),
        None => Err(unauthorized(
            "admin_api_disabled",
            "this server has no admin key (set MOMENTS_ADMIN_KEY) and this is not a site key",
        )),
    }
}

/// A site key: known, live, and for the site the path names (else that site is unknown to it).
async fn site_key(parts: &mut Parts, state: &AppState, token: &str) -> Result<(Actor, Scopes), ApiError> {
    let now = now_ms();
    let key = site_keys::store::by_secret(&state.db, token)
        .await?
        .ok_or_else(|| unauthorized("admin_key_invalid", "the key is wrong"))?;
    key.usable_at(now).map_err(|refused| match refused {
        Refused::Revoked => unauthorized("key_revoked", "this key was revoked"),
        Refused::Expired => unauthorized("key_expired", "this key has expired"),
    })?;
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::unknown_site(""))?;
    let site = params.iter().find(|(name, _)| *name == "site").map(|(_, value)| value);
    if site != Some(key.site.as_str()) {
        return Err(ApiError::unknown_site(site.unwrap_or("")));
    }
    // Bookkeeping only (one write a minute per key at most): a failure must not fail the request.
    if let Err(error) = site_keys::store::touch(&state.db, key.id, now).await {
        tracing::warn!(%error, "could not note a site key's use");
    }
    Ok((
        Actor::Key {
            id: key.id,
            name: key.name,
        },
        key.scopes,
    ))
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
