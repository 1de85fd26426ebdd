use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::audit::{self, Change};
use crate::features::recovery;
pub use crate::features::recovery::RecoveryCase;
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;

/// Longest resolution note, in characters.
pub const MAX_NOTE_LEN: usize = 2_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// `open` or `resolved`; both when absent.
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryPage {
    pub items: Vec<RecoveryCase>,
    pub next_cursor: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Resolution {
    /// What was done; staff read it later.
    pub note: String,
}

/// The site's recovery cases, newest first.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/recovery",
    params(("site" = String, Path), CaseQuery),
    security(("admin_key" = ["feedback:read"])),
    responses(
        (status = 200, body = RecoveryPage),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_status"),
    )
)]
pub async fn list_cases(
    _: Admin<needs::FeedbackRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<CaseQuery>, QueryRejection>,
) -> Result<Json<RecoveryPage>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let Query(query) = query.map_err(super::bad_query)?;
    let limit = super::page_limit(query.limit)?;
    if let Some(status) = query.status.as_deref().filter(|s| !matches!(*s, "open" | "resolved")) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_status",
            format!("status {status:?} is not open or resolved"),
        ));
    }
    let rows = recovery::cases(
        &state.db,
        &site.settings.key,
        query.status.as_deref(),
        query.cursor,
        limit + 1,
    )
    .await?;
    let (items, next_cursor) = super::split_page(rows, limit, |c| c.id);
    Ok(Json(RecoveryPage { items, next_cursor }))
}

/// Closes a case with a note. Resolving again with the same note answers the same; with
/// another note it is refused, so one staff member cannot silently overwrite another.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/recovery/{id}/resolve", request_body = Resolution,
    params(("site" = String, Path), ("id" = i64, Path)),
    security(("admin_key" = ["recovery:write"])),
    responses(
        (status = 200, body = RecoveryCase),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, case_not_found"),
        (status = 409, body = ErrorBody, description = "case_already_resolved (with another note)"),
        (status = 422, body = ErrorBody, description = "note_empty, note_too_long"),
    )
)]
pub async fn resolve_case(
    admin: Admin<needs::RecoveryWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, i64)>, PathRejection>,
    ApiJson(resolution): ApiJson<Resolution>,
) -> Result<Json<RecoveryCase>, ApiError> {
    let Path((site, id)) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.as_str();
    let note = resolution.note.trim();
    if note.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "note_empty",
            "say in the note what was done",
        ));
    }
    if note.chars().count() > MAX_NOTE_LEN {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "note_too_long",
            format!("a note is at most {MAX_NOTE_LEN} characters"),
        ));
    }
    let now = now_ms();
    let mut tx = state.writer.begin().await?;
    if recovery::resolve(&mut tx, site, id, note, now).await? {
        let change = Change::new("recovery.resolve", "case", id.to_string());
        audit::record(&mut tx, site, &admin.origin, change, now).await?;
    }
    tx.commit().await?;
    let case = recovery::find(&state.db, site, id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "case_not_found",
            format!("site {site} has no recovery case {id}"),
        )
    })?;
    if case.note.as_deref() != Some(note) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "case_already_resolved",
            "this case was resolved before, with another note",
        ));
    }
    Ok(Json(case))
}
