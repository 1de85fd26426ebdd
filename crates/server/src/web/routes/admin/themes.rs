//! What the comments talk about: `GET /v1/admin/sites/{site}/themes`, as JSON or CSV.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::ErrorBody;
use serde::Deserialize;

use crate::features::themes::report::{self, Themes};
use crate::features::themes::store::Grouping;
use crate::platform::clock::DAY_MS;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Eight weeks: enough to see a term rise.
pub const DEFAULT_DAYS: i64 = 56;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThemesQuery {
    /// The period's start (ms since the Unix epoch; default: 56 days before `to`), from the
    /// start of its UTC day.
    pub from: Option<i64>,
    /// The period's end (ms; default: now), to the end of its UTC day.
    pub to: Option<i64>,
    /// `context:<key>` (each value of that context key, such as `context:agent`) or
    /// `experiment:<key>` (each variant seen before answering): the low themes per group.
    pub group: Option<String>,
    /// `csv`: every list as rows of one CSV.
    pub format: Option<String>,
}

/// The group asked for, or `invalid_group`.
pub fn parse_group(group: &str) -> Result<Grouping, ApiError> {
    let parsed = match group.split_once(':') {
        Some(("context", key)) if moments_protocol::context::is_valid_key(key) => {
            Some(Grouping::Context(key.to_owned()))
        }
        Some(("experiment", key)) if moments_protocol::domain::is_valid_key(key) => {
            Some(Grouping::Experiment(key.to_owned()))
        }
        _ => None,
    };
    parsed.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_group",
            format!("group {group:?} is not context:<key> or experiment:<key>"),
        )
    })
}

/// The whole UTC days `[from, to)` covers, as day numbers.
pub fn days(from: i64, to: i64) -> (i64, i64) {
    (from.div_euclid(DAY_MS), (to + DAY_MS - 1).div_euclid(DAY_MS))
}

/// The terms that separate low answers (and promoters' answers) from the others in a period,
/// ranked by the weighted log-odds ratio with an informative Dirichlet prior, with their
/// weekly share of the low answers and the sharp rises seen; per group on request.
/// Observational: a term that goes with low answers does not show what caused them.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/themes",
    params(("site" = String, Path), ThemesQuery),
    security(("admin_key" = ["feedback:read"])),
    responses(
        (status = 200, description = "The period's themes, or with ?format=csv every list as CSV", content(
            (Themes = "application/json"),
            (String = "text/csv"),
        )),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_range (from before to, both in the years 2000 to 2199, at most 366 days apart), invalid_group, invalid_format"),
    )
)]
pub async fn themes(
    _: Admin<needs::FeedbackRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ThemesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.clone();
    let Query(query) = query.map_err(super::bad_query)?;
    let (from, to) = super::insights::checked_range(query.from, query.to, DEFAULT_DAYS)?;
    let grouping = query.group.as_deref().map(parse_group).transpose()?;
    let csv = super::wants_csv(query.format.as_deref())?;
    let (first, last) = days(from, to);
    let themes = report::themes(&state.db, &site, first, last, grouping.as_ref()).await?;
    if csv {
        let name = format!("themes-{site}-{}-{}.csv", themes.from, themes.to);
        return Ok(crate::web::csv_download::attachment(&name, csv_text(&themes)));
    }
    Ok(Json(themes).into_response())
}

/// Every list of the report as rows: list (`low`, `promoters`, `group:<value>`), term, label,
/// answers, others, share, log-odds, z.
pub fn csv_text(themes: &Themes) -> String {
    use crate::platform::csv::row;
    let mut out = row(&["list", "term", "label", "answers", "others", "share", "log_odds", "z"]);
    let mut lists: Vec<(String, &Vec<report::Theme>)> = vec![
        ("low".to_owned(), &themes.low),
        ("promoters".to_owned(), &themes.promoters),
    ];
    for group in themes.groups.iter().flatten() {
        lists.push((format!("group:{}", group.value), &group.low));
    }
    for (list, rows) in lists {
        for t in rows {
            out.push_str(&row(&[
                &list,
                &t.term,
                &t.label,
                &t.answers.to_string(),
                &t.others.to_string(),
                &format!("{:.4}", t.share),
                &format!("{:.4}", t.log_odds),
                &format!("{:.3}", t.z),
            ]));
        }
    }
    out
}
