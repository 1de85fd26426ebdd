use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::{ErrorBody, Scale};
use serde::Serialize;
use sqlx::AnyPool;

use crate::features::visitor_events;
pub use crate::features::visitor_events::{FeedbackItem, FeedbackQuery};
use crate::platform::csv;
use crate::web::admin_auth::Admin;
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Rows per database read while a CSV export streams.
const CSV_CHUNK: u32 = 500;

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
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "A JSON page, or with ?format=csv every matching answer as CSV", content(
            (FeedbackPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_scale, invalid_format"),
    )
)]
pub async fn list_feedback(
    _: Admin,
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
    match filter.format.as_deref() {
        None | Some("json") => {
            let limit = super::page_limit(filter.limit)?;
            let rows = visitor_events::feedback_page(&state.db, &site, &filter, filter.cursor, limit + 1).await?;
            let (items, next_cursor) = super::split_page(rows, limit, |i| i.rowid);
            Ok(Json(FeedbackPage { items, next_cursor }).into_response())
        }
        Some("csv") => Ok(csv_export(state.db.clone(), site, filter)),
        Some(other) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_format",
            format!("format {other:?} is not json or csv"),
        )),
    }
}

/// Streams the export a chunk at a time, so a large site's history never sits in memory.
pub fn csv_export(db: AnyPool, site: String, filter: FeedbackQuery) -> Response {
    // The context column holds the host's keys and values as a JSON object: values may hold any character.
    let header = csv::row(&[
        "id",
        "received_at",
        "occurred_at",
        "scale",
        "score",
        "comment",
        "member_id",
        "visitor_id",
        "session_id",
        "context",
    ]);
    let first = futures_util::stream::once(async move { Ok::<_, sqlx::Error>(header) });
    let rows = futures_util::stream::unfold(Some(None::<i64>), move |cursor| {
        let (db, site, filter) = (db.clone(), site.clone(), filter.clone());
        async move {
            let before = cursor?;
            match visitor_events::feedback_page(&db, &site, &filter, before, CSV_CHUNK).await {
                Ok(items) if items.is_empty() => None,
                Ok(items) => {
                    let next = (items.len() == CSV_CHUNK as usize).then(|| items.last().map(|i| i.rowid));
                    let text: String = items.iter().map(csv_line).collect();
                    Some((Ok(text), next))
                }
                Err(error) => {
                    tracing::error!(%error, "feedback export failed midway");
                    Some((Err(error), None))
                }
            }
        }
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(first, rows));
    let disposition = "attachment; filename=\"feedback.csv\"";
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

fn csv_line(i: &FeedbackItem) -> String {
    csv::row(&[
        &i.id,
        &i.received_at.to_string(),
        &i.occurred_at.to_string(),
        &i.scale,
        &i.score.to_string(),
        i.comment.as_deref().unwrap_or(""),
        i.member_id.as_deref().unwrap_or(""),
        &i.visitor_id,
        &i.session_id,
        i.context.as_deref().unwrap_or(""),
    ])
}
