//! Every answer of a site as CSV, streamed: the admin API's `?format=csv` and the dashboard's
//! Feedback page both download this.

use axum::response::Response;
use sqlx::AnyPool;

use crate::features::visitor_events::{self, FeedbackItem, FeedbackQuery};
use crate::platform::csv;
use crate::web::csv_download::{self, CHUNK};

/// Streams the export a chunk at a time, so a large site's history never sits in memory.
pub fn csv_export(db: AnyPool, site: String, filter: FeedbackQuery) -> Response {
    // The context column holds the host's keys and values as a JSON object: values may hold any character.
    let columns = [
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
    ];
    let page = move |before| {
        let (db, site, filter) = (db.clone(), site.clone(), filter.clone());
        async move { visitor_events::feedback_page(&db, &site, &filter, before, CHUNK).await }
    };
    csv_download::stream("feedback.csv", &columns, page, |i: &FeedbackItem| i.rowid, csv_line)
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
