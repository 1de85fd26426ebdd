//! Site keys: create (the secret is in this answer and nowhere else), list, revoke, rotate.
//! A key manages only keys whose scopes it holds itself, so `keys:write` cannot mint or take
//! over a stronger key.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::site_keys::store;
use crate::features::site_keys::{self, KeyRecord, Scope, Scopes};
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// What the key is for, e.g. "orders backend".
    pub name: String,
    /// e.g. `["points:write", "events:write"]`.
    pub scopes: Vec<String>,
    /// Milliseconds since the Unix epoch; none: until revoked.
    pub expires_at: Option<i64>,
}

/// A new key and, this once, its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    pub key: KeyRecord,
    /// `mk_…`: send it as `Authorization: Bearer <secret>`. It is not shown again.
    pub secret: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    pub keys: Vec<KeyRecord>,
}

fn unknown_key(id: i64) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_key",
        format!("no key {id} on this site"),
    )
}

/// The first scope of `wanted` the caller does not hold.
fn must_cover(held: Scopes, wanted: Scopes) -> Result<(), ApiError> {
    match Scope::ALL
        .into_iter()
        .find(|s| wanted.contains(*s) && !held.contains(*s))
    {
        None => Ok(()),
        Some(scope) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "missing_scope",
            format!(
                "a key manages only keys whose scopes it holds; this one lacks {}",
                scope.name()
            ),
        )),
    }
}

/// Creates a key for the site. The answer holds the secret; the server keeps only its hash.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/keys", request_body = KeyRequest,
    params(("site" = String, Path)), security(("admin_key" = ["keys:write"])),
    responses(
        (status = 201, body = CreatedKey),
        (status = 403, body = ErrorBody, description = "missing_scope: the caller lacks keys:write or a scope it asked to give"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "name_empty, invalid_name, scopes_empty, unknown_scope, expires_in_past"),
    )
)]
pub async fn create_key(
    admin: Admin<needs::KeysWrite>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiJson(request): ApiJson<KeyRequest>,
) -> Result<Response, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.as_str();
    let name = site_keys::parse_name(&request.name).map_err(ApiError::invalid)?;
    let scopes = Scopes::parse(&request.scopes).map_err(ApiError::invalid)?;
    let now = now_ms();
    if request.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "expires_in_past",
            "expires_at is in the past",
        ));
    }
    must_cover(admin.scopes, scopes)?;
    let created = issue(&state, site, &admin, &name, scopes, request.expires_at, None).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// A new key (or a rotation) through the feature, answered with its secret.
async fn issue(
    state: &AppState,
    site: &str,
    admin: &Admin<needs::KeysWrite>,
    name: &str,
    scopes: Scopes,
    expires_at: Option<i64>,
    replacing: Option<i64>,
) -> Result<CreatedKey, ApiError> {
    let new = site_keys::Issue {
        name,
        scopes,
        expires_at,
        replacing,
    };
    match site_keys::issue(&state.writer, site, &admin.origin, &new, now_ms()).await? {
        Some((key, secret)) => Ok(CreatedKey {
            key,
            secret: secret.expose().to_owned(),
        }),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "key_revoked",
            "this key is already revoked",
        )),
    }
}

/// The site's keys, newest first, revoked ones included. Never their secrets.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/keys",
    params(("site" = String, Path)), security(("admin_key" = ["keys:write"])),
    responses(
        (status = 200, body = KeyList),
        (status = 404, body = ErrorBody, description = "unknown_site"),
    )
)]
pub async fn list_keys(
    _: Admin<needs::KeysWrite>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<KeyList>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.as_str();
    Ok(Json(KeyList {
        keys: store::list(&state.db, site).await?,
    }))
}

async fn managed_key(
    state: &AppState,
    admin: &Admin<needs::KeysWrite>,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> Result<(String, KeyRecord), ApiError> {
    let Path((site, id)) = path.map_err(super::bad_path)?;
    let site = super::configured_site(state, &site)?.settings.key.clone();
    let key = store::find(&state.db, &site, id)
        .await?
        .ok_or_else(|| unknown_key(id))?;
    must_cover(admin.scopes, key.scopes)?;
    Ok((site, key))
}

/// Revokes a key: refused from the next request on, on every server. Revoking a revoked key
/// changes nothing and answers the same.
#[utoipa::path(
    delete, path = "/v1/admin/sites/{site}/keys/{id}",
    params(("site" = String, Path), ("id" = i64, Path)), security(("admin_key" = ["keys:write"])),
    responses(
        (status = 200, body = KeyRecord),
        (status = 403, body = ErrorBody, description = "missing_scope: the key holds scopes the caller lacks"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_key"),
    )
)]
pub async fn revoke_key(
    admin: Admin<needs::KeysWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> Result<Json<KeyRecord>, ApiError> {
    let (site, key) = managed_key(&state, &admin, path).await?;
    site_keys::revoke(&state.writer, &site, &key, &admin.origin, now_ms()).await?;
    let key = store::find(&state.db, &site, key.id)
        .await?
        .ok_or_else(|| unknown_key(key.id))?;
    Ok(Json(key))
}

/// Replaces a key with a new secret, same name, scopes and expiry; the old one is revoked at once.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/keys/{id}/rotate",
    params(("site" = String, Path), ("id" = i64, Path)), security(("admin_key" = ["keys:write"])),
    responses(
        (status = 201, body = CreatedKey),
        (status = 403, body = ErrorBody, description = "missing_scope: the key holds scopes the caller lacks"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_key"),
        (status = 409, body = ErrorBody, description = "key_revoked: a revoked key is not rotated"),
    )
)]
pub async fn rotate_key(
    admin: Admin<needs::KeysWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (site, key) = managed_key(&state, &admin, path).await?;
    let created = issue(
        &state,
        &site,
        &admin,
        &key.name,
        key.scopes,
        key.expires_at,
        Some(key.id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}
