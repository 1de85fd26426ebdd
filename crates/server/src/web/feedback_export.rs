//! Every answer of a site as CSV, streamed: the admin API's `?format=csv` and the dashboard's
//! Feedback page both download this.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sqlx::AnyPool;

use crate::features::visitor_events::{self, FeedbackItem, FeedbackQuery};
use crate::platform::csv;

/// Rows per database read while a CSV export streams.
const CSV_CHUNK: u32 = 500;

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
