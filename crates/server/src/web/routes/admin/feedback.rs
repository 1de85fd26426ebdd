use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::{ErrorBody, Scale};
use serde::Serialize;

use crate::features::visitor_events;
pub use crate::features::visitor_events::{FeedbackItem, FeedbackQuery};
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
pub use crate::web::feedback_export::csv_export;
use crate::web::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedbackPage {
    /// Newest first.
    pub items: Vec<FeedbackItem>,
    pub next_cursor: Option<i64>,
}

/// The site's feedback answers, newest first, filtered; a JSON page or a CSV export.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/feedback",
    params(("site" = String, Path), FeedbackQuery),
    security(("admin_key" = ["feedback:read"])),
    responses(
        (status = 200, description = "A JSON page, or with ?format=csv every matching answer as CSV", content(
            (FeedbackPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_scale, invalid_band, invalid_format"),
    )
)]
pub async fn list_feedback(
    _: Admin<needs::FeedbackRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<FeedbackQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.clone();
    let Query(filter) = query.map_err(super::bad_query)?;
    if let Some(scale) = filter.scale.as_deref().filter(|s| Scale::from_name(s).is_none()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_scale",
            format!("scale {scale:?} is not csat5, nps or thumbs"),
        ));
    }
    if let Some(band) = filter.band.as_deref().filter(|b| !["low", "mid", "high"].contains(b)) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_band",
            format!("band {band:?} is not low, mid or high"),
        ));
    }
    if super::wants_csv(filter.format.as_deref())? {
        return Ok(csv_export(state.db.clone(), site, filter));
    }
    let limit = super::page_limit(filter.limit)?;
    let rows = visitor_events::feedback_page(&state.db, &site, &filter, filter.cursor, limit + 1).await?;
    let (items, next_cursor) = super::split_page(rows, limit, |i| i.rowid);
    Ok(Json(FeedbackPage { items, next_cursor }).into_response())
}
