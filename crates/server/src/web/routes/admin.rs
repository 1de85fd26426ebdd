//! Server-to-server admin API: the host's backend changes and reads members' points.
//! Every route takes the admin key (see `admin_auth`).

pub mod audit;
pub mod coupons;
pub mod experiments;
pub mod feedback;
pub mod insights;
pub mod keys;
pub mod members;
pub mod points;
pub mod privacy;
pub mod recovery;
pub mod referrals;
pub mod rewards;
pub mod surprises;
pub mod themes;
pub mod verified_events;
pub mod webhooks;

use axum::extract::Path;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::StatusCode;
use moments_protocol::domain::{MemberId, SiteKey};
use moments_protocol::limits::MAX_ADMIN_PAGE;

use crate::features::sites::Site;
use crate::web::error::{ApiError, bad_path};
use crate::web::state::AppState;

/// The site and member a path names, both checked.
fn site_and_member(
    state: &AppState,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(&Site, MemberId), ApiError> {
    let Path((site, member)) = path.map_err(bad_path)?;
    Ok((
        configured_site(state, &site)?,
        MemberId::parse(&member).map_err(ApiError::invalid)?,
    ))
}

fn configured_site<'a>(state: &'a AppState, key: &str) -> Result<&'a Site, ApiError> {
    let key = SiteKey::parse(key).map_err(ApiError::invalid)?;
    state
        .sites
        .get(key.as_str())
        .ok_or_else(|| ApiError::unknown_site(key.as_str()))
}

fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", rejection.body_text())
}

use super::idempotent_answer;

/// A page size from `?limit=`: 1 to `MAX_ADMIN_PAGE`, 20 when absent.
/// Whether `?format=` asks for CSV (`csv`) rather than JSON (`json`, or none), or `invalid_format`.
fn wants_csv(format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_format",
            format!("format {other:?} is not json or csv"),
        )),
    }
}

fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(20);
    if (1..=MAX_ADMIN_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_limit",
            format!("limit is 1 to {MAX_ADMIN_PAGE}"),
        ))
    }
}

/// Pages are read one row longer than asked: the extra row, dropped here, says another page
/// follows, and the last kept row's key is where it starts.
fn split_page<T>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(key) } else { None };
    (rows, next)
}
