//! A CSV download streamed a page at a time (newest first, each page before the last row of
//! the one before), so a large site's history never sits in memory.

use std::future::Future;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::platform::csv;

/// Rows per database read while a download streams.
pub const CHUNK: u32 = 500;

/// `page(before)` reads up to `CHUNK` rows older than `before` (none: the newest); `key` is a
/// row's position, `line` its CSV line.
pub fn stream<T, P, F>(
    filename: &str,
    columns: &[&str],
    page: P,
    key: fn(&T) -> i64,
    line: fn(&T) -> String,
) -> Response
where
    T: Send + 'static,
    P: Fn(Option<i64>) -> F + Clone + Send + 'static,
    F: Future<Output = Result<Vec<T>, sqlx::Error>> + Send,
{
    let header = csv::row(columns);
    let first = futures_util::stream::once(async move { Ok::<_, sqlx::Error>(header) });
    let rows = futures_util::stream::unfold(Some(None::<i64>), move |cursor| {
        let page = page.clone();
        async move {
            let before = cursor?;
            match page(before).await {
                Ok(items) if items.is_empty() => None,
                Ok(items) => {
                    let next = (items.len() == CHUNK as usize).then(|| items.last().map(key));
                    let text: String = items.iter().map(line).collect();
                    Some((Ok(text), next))
                }
                Err(error) => {
                    tracing::error!(%error, "a CSV download failed midway");
                    Some((Err(error), None))
                }
            }
        }
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(first, rows));
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// A CSV made whole in memory (a report's small table), as a download named `filename`.
pub fn attachment(filename: &str, body: String) -> Response {
    let disposition = format!(r#"attachment; filename="{filename}""#);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}
