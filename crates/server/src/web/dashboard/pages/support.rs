//! The Support page: CSAT and NPS per value of each context key the host set (`agent`,
//! `topic`...), with answer counts and 95% intervals, each value linked to its answers.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::overview::Range;
use crate::features::support::{ContextGroup, ContextKey, MIN_ANSWERS};
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::html::{escape, number, table, urlencode};
use crate::web::dashboard::i18n::Texts;
use crate::web::dashboard::{PageContext, here};
use crate::web::state::AppState;

pub async fn support(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(range): Query<Range>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, range.lang.as_deref(), "support", &here)?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    let Some((from, to, start, end)) = super::report_range(range.from.as_deref(), range.to.as_deref(), 29) else {
        return Err(page.bad_range());
    };
    let db = |e: sqlx::Error| axum::response::IntoResponse::into_response(crate::web::error::ApiError::from(e));
    let report = crate::features::support::report(&state.db, key, start, end)
        .await
        .map_err(db)?;
    let answered = crate::features::support::answers_with_context(&state.db, key, start, end)
        .await
        .map_err(db)?;
    let mut body = super::range_and_cards(
        t,
        (from, to),
        t.support_title,
        &[
            (t.answers_with_context, answered.to_string()),
            (t.context_keys, report.len().to_string()),
        ],
    );
    if report.is_empty() {
        let any = !crate::features::visitor_events::context_keys(&state.db, key)
            .await
            .map_err(db)?
            .is_empty();
        body.push_str(&format!(
            r#"<p class="notice">{}</p>"#,
            escape(if any { t.no_context_in_period } else { t.no_context_yet })
        ));
    }
    for context_key in &report {
        body.push_str(&key_section(t, key, context_key, (from, to)));
    }
    Ok(page.render(t.support, &body))
}

#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    pub key: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
}

/// One key's table as CSV (`?key=agent`, with the page's range).
pub async fn support_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(query): Query<CsvQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, query.lang.as_deref(), "support", &here)?;
    let Some((from, to, start, end)) = super::report_range(query.from.as_deref(), query.to.as_deref(), 29) else {
        return Err(page.bad_range());
    };
    let db = |e: sqlx::Error| axum::response::IntoResponse::into_response(crate::web::error::ApiError::from(e));
    let report = crate::features::support::report(&state.db, &page.site.settings.key, start, end)
        .await
        .map_err(db)?;
    let Some(found) = report.iter().find(|k| Some(&k.key) == query.key.as_ref()) else {
        return Err(StatusCode::NOT_FOUND.into_response());
    };
    let t = page.frame.t;
    let mut body = crate::platform::csv::row(&headers_of(t, &found.key));
    for g in &found.values {
        // A missing figure is an empty cell in a spreadsheet.
        let cells: Vec<String> = std::iter::once(g.value.clone())
            .chain(figures(g))
            .map(|c| if c == "–" { String::new() } else { c })
            .collect();
        body.push_str(&crate::platform::csv::row(
            &cells.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
    }
    let disposition = format!(
        r#"attachment; filename="support-{}-{}-{}.csv""#,
        found.key,
        super::day_text(from),
        super::day_text(to)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

fn headers_of<'a>(t: &'a Texts, key: &'a str) -> [&'a str; 8] {
    [
        key,
        t.answers,
        t.csat,
        t.interval_95,
        t.low_faces,
        t.answers,
        t.nps,
        t.interval_95,
    ]
}

/// A value's figures as text, after its name: CSAT answers, CSAT, its interval, 1- or
/// 2-face answers, NPS answers, NPS, its interval.
fn figures(g: &ContextGroup) -> Vec<String> {
    let interval = |low: Option<f64>, high: Option<f64>, decimals| match (low, high) {
        (Some(low), Some(high)) => format!("{} – {}", number(low, decimals), number(high, decimals)),
        _ => "–".to_owned(),
    };
    let read = |value: Option<f64>, decimals| value.map_or_else(|| "–".to_owned(), |v| number(v, decimals));
    vec![
        g.csat_answers.to_string(),
        read(g.csat, 2),
        interval(g.csat_low, g.csat_high, 2),
        g.csat_low_answers.to_string(),
        g.nps_answers.to_string(),
        read(g.nps, 0),
        interval(g.nps_low, g.nps_high, 0),
    ]
}

/// One key: a table of its values, or, for a key with too many (ticket numbers), a link to
/// the inbox filtered by it.
fn key_section(t: &Texts, site: &str, k: &ContextKey, (from, to): (time::Date, time::Date)) -> String {
    let title = t.by_key.replace("{key}", &k.key);
    let inbox = |value: Option<&str>| {
        let value = value
            .map(|v| format!("&amp;context_value={}", escape(&urlencode(v))))
            .unwrap_or_default();
        format!(
            "/dashboard/{}/feedback?context_key={}{value}",
            escape(site),
            escape(&urlencode(&k.key))
        )
    };
    if k.values.is_empty() {
        let text = escape(&t.many_values.replace("{n}", &k.distinct.to_string()));
        return format!(
            r#"<p><strong>{}</strong>: <a href="{}">{text}</a></p>"#,
            escape(&title),
            inbox(None)
        );
    }
    let rows: Vec<Vec<String>> = k
        .values
        .iter()
        .map(|g| {
            let name = format!(r#"<a href="{}">{}</a>"#, inbox(Some(&g.value)), escape(&g.value));
            let name = if g.too_few() {
                format!("{name} <small>({})</small>", escape(t.too_few_mark))
            } else {
                name
            };
            std::iter::once(name)
                .chain(figures(g).iter().map(|c| escape(c)))
                .collect()
        })
        .collect();
    let csv = format!(
        "/dashboard/{}/support.csv?key={}&amp;from={}&amp;to={}",
        escape(site),
        escape(&urlencode(&k.key)),
        super::day_text(from),
        super::day_text(to)
    );
    // The table's caption is its title, as on the Loyalty page.
    let mut section = format!(
        r#"{}<p class="csv"><a href="{csv}">{}</a></p>"#,
        table(&title, &headers_of(t, &k.key), &rows),
        escape(t.download_csv)
    );
    if k.values.iter().any(ContextGroup::too_few) {
        section.push_str(&format!(
            "<p>{}</p>",
            escape(&t.too_few_answers_note.replace("{n}", &MIN_ANSWERS.to_string()))
        ));
    }
    section
}
