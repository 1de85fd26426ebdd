//! The Support page: CSAT and NPS per value of each context key the host set (`agent`,
//! `topic`...), with answer counts and 95% intervals, each value linked to its answers.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

use super::overview::Range;
use crate::dashboard::auth::Staff;
use crate::dashboard::html::{escape, number, table, urlencode};
use crate::dashboard::i18n::Texts;
use crate::dashboard::{PageContext, here};
use crate::state::AppState;
use crate::support::{ContextGroup, ContextKey, MIN_ANSWERS};

pub async fn support(State(state): State<AppState>, staff: Staff, Path(site): Path<String>, Query(range): Query<Range>, headers: HeaderMap, uri: Uri) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, range.lang.as_deref(), "support", &here)?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    let Some((from, to, start, end)) = super::report_range(range.from.as_deref(), range.to.as_deref(), 29) else {
        return Err(page.bad_range());
    };
    let db = |e: sqlx::Error| axum::response::IntoResponse::into_response(crate::error::ApiError::from(e));
    let report = crate::support::report(&state.db, key, start, end).await.map_err(db)?;
    let answered = crate::support::answers_with_context(&state.db, key, start, end).await.map_err(db)?;
    let mut body = super::range_and_cards(t, (from, to), t.support_title, &[(t.answers_with_context, answered.to_string()), (t.context_keys, report.len().to_string())]);
    if report.is_empty() {
        let any = !crate::events::context_keys(&state.db, key).await.map_err(db)?.is_empty();
        body.push_str(&format!(r#"<p class="notice">{}</p>"#, escape(if any { t.no_context_in_period } else { t.no_context_yet })));
    }
    for context_key in &report {
        body.push_str(&key_section(t, key, context_key));
    }
    Ok(page.render(t.support, &body))
}

/// One key: a table of its values, or, for a key with too many (ticket numbers), a link to
/// the inbox filtered by it.
fn key_section(t: &Texts, site: &str, k: &ContextKey) -> String {
    let title = t.by_key.replace("{key}", &k.key);
    let inbox = |value: Option<&str>| {
        let value = value.map(|v| format!("&amp;context_value={}", escape(&urlencode(v)))).unwrap_or_default();
        format!("/dashboard/{}/feedback?context_key={}{value}", escape(site), escape(&urlencode(&k.key)))
    };
    if k.values.is_empty() {
        let text = escape(&t.many_values.replace("{n}", &k.distinct.to_string()));
        return format!(r#"<h2>{}</h2><p><a href="{}">{text}</a></p>"#, escape(&title), inbox(None));
    }
    let interval = |low: Option<f64>, high: Option<f64>, decimals| match (low, high) {
        (Some(low), Some(high)) => format!("{} – {}", number(low, decimals), number(high, decimals)),
        _ => "–".to_owned(),
    };
    let read = |value: Option<f64>, decimals| value.map_or_else(|| "–".to_owned(), |v| number(v, decimals));
    let rows: Vec<Vec<String>> = k
        .values
        .iter()
        .map(|g| {
            let name = format!(r#"<a href="{}">{}</a>"#, inbox(Some(&g.value)), escape(&g.value));
            let name = if g.too_few() { format!("{name} <small>({})</small>", escape(t.too_few_mark)) } else { name };
            vec![
                name,
                g.csat_answers.to_string(),
                read(g.csat, 2),
                interval(g.csat_low, g.csat_high, 2),
                g.csat_low_answers.to_string(),
                g.nps_answers.to_string(),
                read(g.nps, 0),
                interval(g.nps_low, g.nps_high, 0),
            ]
        })
        .collect();
    let headers = [&*k.key, t.answers, t.csat, t.interval_95, t.low_faces, t.answers, t.nps, t.interval_95];
    let mut section = format!("<h2>{}</h2>{}", escape(&title), table(&title, &headers, &rows));
    if k.values.iter().any(ContextGroup::too_few) {
        section.push_str(&format!("<p>{}</p>", escape(&t.too_few_answers_note.replace("{n}", &MIN_ANSWERS.to_string()))));
    }
    section
}
