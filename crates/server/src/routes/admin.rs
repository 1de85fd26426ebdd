//! Server-to-server admin API: the host's backend changes and reads members' points.
//! Every route takes the admin key (see `admin_auth`).

pub mod members;
pub mod points;

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use moments_protocol::domain::{MemberId, SiteKey};

use crate::error::ApiError;
use crate::sites::Site;
use crate::state::AppState;

/// The site and member a path names, both checked.
fn site_and_member(
    state: &AppState,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(&Site, MemberId), ApiError> {
    let Path((site, member)) =
        path.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", e.body_text()))?;
    let key = SiteKey::parse(&site).map_err(ApiError::invalid)?;
    let site = state.sites.get(key.as_str()).ok_or_else(|| ApiError::unknown_site(key.as_str()))?;
    Ok((site, MemberId::parse(&member).map_err(ApiError::invalid)?))
}
