use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::Scale;
use serde::Deserialize;

use super::{date_range, day_start_ms};
use crate::features::themes::store::Grouping;
use crate::features::visitor_events::FeedbackQuery;
use crate::platform::clock::DAY_MS;
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::html::{escape, table, time, urlencode};
use crate::web::dashboard::{PageContext, here};
use crate::web::feedback_export::csv_export;
use crate::web::state::AppState;

const PAGE: i64 = 50;

/// The inbox's filter, as its form sends it (empty fields: no filter).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub scale: String,
    #[serde(default)]
    pub min_score: String,
    #[serde(default)]
    pub max_score: String,
    /// `yes`, `no` or empty.
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Answers whose context has this key (and this value, when given).
    #[serde(default)]
    pub context_key: String,
    #[serde(default)]
    pub context_value: String,
    /// Answers whose comment has this term (a Themes link), in this band.
    #[serde(default)]
    pub term: String,
    #[serde(default)]
    pub band: String,
    /// The Themes section's grouping: `context:<key>` or `experiment:<key>` (empty: none).
    #[serde(default)]
    pub themes_by: String,
    pub cursor: Option<i64>,
    pub lang: Option<String>,
}

impl Filter {
    /// `Err`: the dates are out of range (`date_range`).
    fn query(&self) -> Result<FeedbackQuery, crate::platform::clock::BadRange> {
        let (from, to) = date_range(Some(&self.from), Some(&self.to))?;
        Ok(FeedbackQuery {
            from: from.map(day_start_ms),
            to: to.map(|day| day_start_ms(day) + DAY_MS),
            min_score: self.min_score.trim().parse().ok(),
            max_score: self.max_score.trim().parse().ok(),
            has_comment: match self.comment.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            scale: Scale::from_name(&self.scale).map(|s| s.name().to_owned()),
            context_key: Some(self.context_key.trim().to_owned()).filter(|k| !k.is_empty()),
            context_value: Some(self.context_value.trim().to_owned())
                .filter(|v| !v.is_empty() && !self.context_key.trim().is_empty()),
            term: Some(self.term.clone()).filter(|t| !t.is_empty()),
            band: Some(self.band.clone())
                .filter(|b| ["low", "mid", "high"].contains(&b.as_str()) && !self.term.is_empty()),
            ..FeedbackQuery::default()
        })
    }

    /// The filter as a query string (for the export link and the next page).
    fn encoded(&self) -> String {
        let pairs = [
            ("scale", &self.scale),
            ("min_score", &self.min_score),
            ("max_score", &self.max_score),
            ("comment", &self.comment),
            ("from", &self.from),
            ("to", &self.to),
            ("context_key", &self.context_key),
            ("context_value", &self.context_value),
            ("term", &self.term),
            ("band", &self.band),
            ("themes_by", &self.themes_by),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub async fn inbox(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(filter): Query<Filter>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(
        &state,
        &site,
        &staff,
        &headers,
        filter.lang.as_deref(),
        "feedback",
        &here,
    )?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    let Ok(q) = filter.query() else {
        return Err(page.bad_range());
    };
    let answers = crate::features::visitor_events::inbox(&state.db, key, &q, filter.cursor, PAGE as u32 + 1)
        .await
        .map_err(|e| crate::web::error::ApiError::from(e).into_response())?;

    let selected = |value: &str, current: &str| if value == current { " selected" } else { "" };
    let scales: String = [
        ("", t.any),
        ("csat5", "CSAT (1–5)"),
        ("nps", "NPS (0–10)"),
        ("thumbs", "👍/👎"),
    ]
    .iter()
    .map(|(v, label)| format!(r#"<option value="{v}"{}>{label}</option>"#, selected(v, &filter.scale)))
    .collect();
    let comments: String = [("", t.any), ("yes", t.with_comment), ("no", t.without_comment)]
        .iter()
        .map(|(v, label)| {
            format!(
                r#"<option value="{v}"{}>{label}</option>"#,
                selected(v, &filter.comment)
            )
        })
        .collect();
    // The keys answers carry, and the one asked for even if none carries it (yet).
    let mut known = crate::features::visitor_events::context_keys(&state.db, key)
        .await
        .map_err(|e| crate::web::error::ApiError::from(e).into_response())?;
    if !filter.context_key.is_empty() && !known.contains(&filter.context_key) {
        known.push(filter.context_key.clone());
    }
    let context_keys: String = std::iter::once(String::new())
        .chain(known.iter().cloned())
        .map(|k| {
            format!(
                r#"<option value="{0}"{1}>{2}</option>"#,
                escape(&k),
                selected(&k, &filter.context_key),
                if k.is_empty() { t.any.to_owned() } else { escape(&k) }
            )
        })
        .collect();
    // Group the themes by a context key the answers carry, or by an experiment's variants.
    let experiments = crate::features::experiments::store::list(&state.db, key)
        .await
        .map_err(|e| crate::web::error::ApiError::from(e).into_response())?;
    let groupings: Vec<Grouping> = known
        .iter()
        .filter(|k| !k.is_empty())
        .map(|k| Grouping::Context(k.clone()))
        .chain(
            experiments
                .iter()
                .map(|e| Grouping::Experiment(e.definition.key.clone())),
        )
        .collect();
    let grouping = crate::web::routes::admin::themes::parse_group(&filter.themes_by).ok();
    let themes_by: String = std::iter::once(format!(r#"<option value="">{}</option>"#, t.any))
        .chain(groupings.iter().map(|g| {
            let value = match g {
                Grouping::Context(k) => format!("context:{k}"),
                Grouping::Experiment(k) => format!("experiment:{k}"),
            };
            format!(
                r#"<option value="{0}"{1}>{2}</option>"#,
                escape(&value),
                selected(&value, &filter.themes_by),
                escape(&super::themes::grouping_label(t, g))
            )
        }))
        .collect();
    let mut body = format!(
        r#"<form method="get" class="filters">
<label>{scale_label} <select name="scale">{scales}</select></label>
<label>{min_label} <input name="min_score" inputmode="numeric" size="3" value="{min}"></label>
<label>{max_label} <input name="max_score" inputmode="numeric" size="3" value="{max}"></label>
<label>{comment_label} <select name="comment">{comments}</select></label>
<label>{from_label} <input type="date" name="from" value="{from}"></label>
<label>{to_label} <input type="date" name="to" value="{to}"></label>
<label>{context_key_label} <select name="context_key">{context_keys}</select></label>
<label>{context_value_label} <input name="context_value" size="12" value="{context_value}"></label>
<label>{themes_by_label} <select name="themes_by">{themes_by}</select></label>
{kept}<button type="submit">{filter_label}</button></form>
<p><a class="button" href="/dashboard/{site}/feedback.csv?{query}" download>{export}</a></p>"#,
        scale_label = t.scale,
        min_label = t.min_score,
        max_label = t.max_score,
        comment_label = t.comment,
        from_label = t.from,
        to_label = t.to,
        context_key_label = t.context_key,
        context_value_label = t.context_value,
        context_value = escape(&filter.context_value),
        themes_by_label = t.themes_by,
        filter_label = t.filter,
        export = t.export_csv,
        min = escape(&filter.min_score),
        max = escape(&filter.max_score),
        from = escape(&filter.from),
        to = escape(&filter.to),
        site = escape(key),
        query = escape(&filter.encoded()),
        kept = ["term", "band"]
            .iter()
            .zip([&filter.term, &filter.band])
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!(r#"<input type="hidden" name="{k}" value="{}">"#, escape(v)))
            .collect::<String>(),
    );
    if filter.term.is_empty() {
        // The filter's dates, or the last eight weeks.
        let (from, to) = (q.from, q.to);
        let end = to.unwrap_or_else(crate::platform::clock::now_ms);
        let start = from.unwrap_or(end - crate::web::routes::admin::themes::DEFAULT_DAYS * DAY_MS);
        let days = crate::web::routes::admin::themes::days(start, end);
        let section = super::themes::section(&state, t, key, days, super::themes::Shape::Whole, grouping.as_ref())
            .await
            .map_err(|e| crate::web::error::ApiError::from(e).into_response())?;
        body.push_str(&section);
    } else {
        let all = Filter {
            term: String::new(),
            band: String::new(),
            cursor: None,
            lang: None,
            ..filter.clone()
        };
        let _ = write!(
            body,
            r#"<p class="notice">{} <a href="/dashboard/{}/feedback?{}">{}</a></p>"#,
            escape(&t.themes_term_filter.replace("{term}", &filter.term)),
            escape(key),
            escape(&all.encoded()),
            t.show_all
        );
    }
    let more = answers.len() as i64 > PAGE;
    let shown = &answers[..answers.len().min(PAGE as usize)];
    if shown.is_empty() {
        let _ = write!(body, "<p>{}</p>", t.no_feedback);
    } else {
        let rows: Vec<Vec<String>> = shown
            .iter()
            .map(|a| {
                let page_cell = a
                    .page_url
                    .as_deref()
                    .map(|u| format!(r#"<span class="url">{}</span>"#, escape(u)))
                    .unwrap_or_default();
                vec![
                    time(a.received_at),
                    format!("{} <small>{}</small>", a.score, escape(&a.scale)),
                    a.comment.as_deref().map(escape).unwrap_or_default(),
                    page_cell,
                    a.variants.as_deref().map(escape).unwrap_or_default(),
                    escape(&crate::features::visitor_events::context_text(a.context.as_deref())),
                    a.member_id
                        .as_deref()
                        .map_or_else(|| format!("<small>{}</small>", t.anonymous), escape),
                ]
            })
            .collect();
        body.push_str(&table(
            t.feedback,
            &[t.time, t.score, t.comment, t.page, t.variant_seen, t.context, t.member],
            &rows,
        ));
    }
    if more && let Some(last) = shown.last() {
        let separator = if filter.encoded().is_empty() { "" } else { "&" };
        let _ = write!(
            body,
            r#"<p><a href="/dashboard/{}/feedback?{}{separator}cursor={}">{}</a></p>"#,
            escape(key),
            escape(&filter.encoded()),
            last.rowid,
            t.older
        );
    }
    Ok(page.render(t.feedback, &body))
}

/// The inbox's current filter as CSV (every matching answer, streamed).
pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(filter): Query<Filter>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, None, "feedback", &here)?;
    match filter.query() {
        Ok(query) => Ok(csv_export(state.db.clone(), page.site.settings.key.clone(), query)),
        Err(_) => Err(StatusCode::BAD_REQUEST.into_response()),
    }
}
