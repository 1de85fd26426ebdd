use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use moments_protocol::wire::{ErrorBody, PointsExpiring, TierStatus};
use serde::{Deserialize, Serialize};

use crate::features::ledger::{self, StoredEntry};
use crate::features::members;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Entries per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// Continue below this entry id (a previous page's `next_before`).
    pub before: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberAccount {
    pub member_id: String,
    pub name: Option<String>,
    pub balance: i64,
    pub lifetime_points: i64,
    /// Named in the site's default locale.
    pub tier: Option<TierStatus>,
    /// When the balance lapses unless the member earns or spends before (sites whose points expire).
    pub expiring: Option<PointsExpiring>,
    /// Newest first.
    pub entries: Vec<StoredEntry>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// A member's balance, lifetime points, tier and a page of their ledger, newest first.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/members/{member}",
    params(("site" = String, Path), ("member" = String, Path), PageQuery),
    security(("admin_key" = ["members:read"])),
    responses(
        (status = 200, body = MemberAccount),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, member_not_found"),
        (status = 422, body = ErrorBody, description = "invalid_member_id, invalid_limit, invalid_query"),
    )
)]
pub async fn get_member(
    _: Admin<needs::MembersRead>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<MemberAccount>, ApiError> {
    let (site, member) = super::site_and_member(&state, path)?;
    let Query(page) = query.map_err(super::bad_query)?;
    let limit = super::page_limit(page.limit)?;
    let key = site.settings.key.as_str();
    let Some(name) = members::find(&state.db, key, member.as_str()).await? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "member_not_found",
            format!("site {key} has no member {:?}", member.as_str()),
        ));
    };
    let standing = ledger::standing(&state.db, key, member.as_str()).await?;
    let rows = ledger::entries(&state.db, key, member.as_str(), limit + 1, page.before).await?;
    let (entries, next_before) = super::split_page(rows, limit, |e| e.id);
    Ok(Json(MemberAccount {
        member_id: member.as_str().to_owned(),
        name,
        balance: standing.balance,
        lifetime_points: standing.lifetime,
        tier: site.tier_status(standing.lifetime, site.settings.default_locale),
        expiring: crate::features::expiry::member_due(&state.db, site, member.as_str(), standing.balance).await?,
        entries,
        next_before,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Points lapsing within this many days (default 30, at most 3650).
    pub within_days: Option<u32>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuePage {
    /// Soonest first.
    pub items: Vec<crate::features::expiry::Due>,
}

/// Members whose points lapse soon (on sites whose points expire), soonest first.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/expiring",
    params(("site" = String, Path), DueQuery),
    security(("admin_key" = ["members:read"])),
    responses(
        (status = 200, body = DuePage),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_within_days, invalid_site"),
    )
)]
pub async fn list_expiring(
    _: Admin<needs::MembersRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<DueQuery>, QueryRejection>,
) -> Result<Json<DuePage>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let Query(query) = query.map_err(super::bad_query)?;
    let limit = super::page_limit(query.limit)?;
    let days = query.within_days.unwrap_or(30);
    if days > 3_650 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_within_days",
            "within_days is 0 to 3650",
        ));
    }
    let before = crate::platform::clock::now_ms() + i64::from(days) * crate::platform::clock::DAY_MS;
    Ok(Json(DuePage {
        items: crate::features::expiry::due_before(&state.db, site, before, limit).await?,
    }))
}
