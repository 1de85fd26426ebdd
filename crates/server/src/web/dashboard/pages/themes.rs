//! The Themes section (in the Feedback page, and the low themes in the Loyalty page's recovery
//! part), and its CSV: `/dashboard/{site}/themes.csv?from&to`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

use super::overview::Range;
use crate::features::themes::report::{self, GroupThemes, Theme, Themes};
use crate::features::themes::store::Grouping;
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::html::{escape, number, table, time, urlencode};
use crate::web::dashboard::i18n::Texts;
use crate::web::dashboard::{PageContext, here};
use crate::web::state::AppState;

/// How the section is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Low and promoters' themes, the weekly shares and the rises.
    Whole,
    /// The low themes and the rises only (beside recovery's figures).
    LowOnly,
}

/// The section for the site's days `[first_day, last_day)`, with each group's low themes when
/// `grouping` is given.
pub async fn section(
    state: &AppState,
    t: &Texts,
    site: &str,
    (first_day, last_day): (i64, i64),
    shape: Shape,
    grouping: Option<&Grouping>,
) -> Result<String, sqlx::Error> {
    let themes = report::themes(&state.db, site, first_day, last_day, grouping).await?;
    let mut html = render(t, site, &themes, shape);
    if let (Some(grouping), Some(groups)) = (grouping, &themes.groups) {
        let at = html.rfind(r#"<p class="note">"#).unwrap_or(html.len());
        html.insert_str(at, &group_table(t, site, &themes, grouping, groups));
    }
    Ok(html)
}

/// How a grouping reads in the page (`context: agent`).
pub fn grouping_label(t: &Texts, grouping: &Grouping) -> String {
    match grouping {
        Grouping::Context(key) => t.themes_by_context.replace("{key}", key),
        Grouping::Experiment(key) => t.themes_by_experiment.replace("{key}", key),
    }
}

/// A row per group value: its answers, its low answers and its low themes, each a link to
/// those comments (of that context value, for a context).
fn group_table(t: &Texts, site: &str, themes: &Themes, grouping: &Grouping, groups: &[GroupThemes]) -> String {
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|group| {
            let narrowed = match grouping {
                Grouping::Context(key) => {
                    format!("&amp;context_key={}&amp;context_value={}", escape(&urlencode(key)), escape(&urlencode(&group.value)))
                }
                Grouping::Experiment(_) => String::new(),
            };
            let links: Vec<String> = group
                .low
                .iter()
                .map(|theme| {
                    format!(
                        r#"<a href="/dashboard/{}/feedback?term={}&amp;band=low&amp;from={}&amp;to={}{narrowed}">{}</a>"#,
                        escape(site),
                        escape(&urlencode(&theme.term)),
                        themes.from,
                        last_date(&themes.to),
                        escape(&theme.label)
                    )
                })
                .collect();
            vec![
                escape(&group.value),
                group.answers.to_string(),
                group.low_answers.to_string(),
                if links.is_empty() { "–".to_owned() } else { links.join(" · ") },
            ]
        })
        .collect();
    let caption = t.themes_groups.replace("{group}", &grouping_label(t, grouping));
    if rows.is_empty() {
        return format!("<p>{}</p>", escape(t.themes_none));
    }
    table(
        &caption,
        &[t.themes_value, t.themes_answers, t.themes_low_answers, t.themes_low],
        &rows,
    )
}

fn render(t: &Texts, site: &str, themes: &Themes, shape: Shape) -> String {
    let mut out = format!(r#"<section class="themes" id="themes"><h2>{}</h2>"#, t.themes);
    for rise in &themes.rising {
        out.push_str(&format!(
            r#"<p class="notice rising">{}</p>"#,
            escape(
                &t.themes_rising
                    .replace("{label}", &rise.label)
                    .replace("{share}", &number(100.0 * rise.share, 0))
                    .replace("{before}", &number(100.0 * rise.share_before, 0))
                    .replace("{week}", &rise.week)
            )
        ));
    }
    let link = |theme: &Theme, band: &str| {
        format!(
            r#"<a href="/dashboard/{}/feedback?term={}&amp;band={band}&amp;from={}&amp;to={}">{}</a>"#,
            escape(site),
            escape(&urlencode(&theme.term)),
            themes.from,
            last_date(&themes.to),
            escape(&theme.label)
        )
    };
    let rows = |list: &[Theme], band: &str| -> Vec<Vec<String>> {
        list.iter()
            .map(|theme| {
                vec![
                    link(theme, band),
                    theme.answers.to_string(),
                    format!("{}%", number(100.0 * theme.share, 1)),
                    number(theme.z, 1),
                ]
            })
            .collect()
    };
    let headers = [t.themes_term, t.themes_answers, t.themes_share, "z"];
    let mut lists = vec![(t.themes_low, rows(&themes.low, "low"))];
    if shape == Shape::Whole {
        lists.push((t.themes_promoters, rows(&themes.promoters, "high")));
    }
    if lists.iter().all(|(_, rows)| rows.is_empty()) {
        out.push_str(&format!("<p>{}</p>", escape(t.themes_none)));
    }
    for (caption, rows) in lists.iter().filter(|(_, rows)| !rows.is_empty()) {
        out.push_str(&table(caption, &headers, rows));
    }
    if shape == Shape::Whole && !themes.trends.is_empty() {
        out.push_str(&trend_table(t, themes));
    }
    out.push_str(&format!(r#"<p class="note">{}</p>"#, escape(t.themes_how)));
    if let Some(counted_to) = themes.counted_to {
        out.push_str(&format!(
            r#"<p class="as-of">{}</p>"#,
            escape(&t.themes_counted_to.replace("{time}", &time(counted_to)))
        ));
    }
    out.push_str(&format!(
        r#"<p class="csv"><a href="/dashboard/{}/themes.csv?from={}&amp;to={}">{}</a></p></section>"#,
        escape(site),
        themes.from,
        last_date(&themes.to),
        escape(t.download_csv)
    ));
    out
}

/// The top low terms' share of each week's low answers.
fn trend_table(t: &Texts, themes: &Themes) -> String {
    let Some(first) = themes.trends.first() else {
        return String::new();
    };
    let weeks: Vec<String> = first.weeks.iter().map(|w| w.week.clone()).collect();
    let mut headers = vec![t.themes_term.to_owned()];
    headers.extend(weeks.iter().map(|w| t.themes_week.replace("{week}", w)));
    let rows: Vec<Vec<String>> = themes
        .trends
        .iter()
        .map(|trend| {
            std::iter::once(escape(&trend.label))
                .chain(trend.weeks.iter().map(|w| {
                    if w.low_answers == 0 {
                        "–".to_owned()
                    } else {
                        format!("{}%", number(100.0 * w.answers as f64 / w.low_answers as f64, 0))
                    }
                }))
                .collect()
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    table(t.themes_weekly, &headers, &rows)
}

/// The period's last day (the report's `to` is the day after it), for a date field.
fn last_date(to: &str) -> String {
    crate::platform::clock::parse_day(Some(to))
        .and_then(|d| d.previous_day())
        .map_or_else(|| to.to_owned(), |d| d.to_string())
}

/// The section's lists as CSV (the Feedback page's period; default the last 56 days).
pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(range): Query<Range>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, None, "feedback", &here)?;
    let Some((_, _, start, end)) = super::report_range(
        range.from.as_deref(),
        range.to.as_deref(),
        crate::web::routes::admin::themes::DEFAULT_DAYS,
    ) else {
        return Err(page.bad_range());
    };
    let (first, last) = crate::web::routes::admin::themes::days(start, end);
    let key = page.site.settings.key.as_str();
    let themes = report::themes(&state.db, key, first, last, None)
        .await
        .map_err(|e| axum::response::IntoResponse::into_response(crate::web::error::ApiError::from(e)))?;
    let name = format!("themes-{key}-{}-{}.csv", themes.from, themes.to);
    Ok(crate::web::csv_download::attachment(
        &name,
        crate::web::routes::admin::themes::csv_text(&themes),
    ))
}
