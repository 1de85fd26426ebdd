//! The rewards catalog and its redemptions, for the host's backend.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use moments_protocol::domain::MemberId;
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::rewards::catalog::Gives;
use crate::features::rewards::store::{self, StoredRedemption};
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// A reward of the catalog, with how many were redeemed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CatalogReward {
    pub key: String,
    /// In the site's default locale.
    pub title: String,
    pub cost: i64,
    /// The fixed code, when every redemption gets the same one.
    pub code: Option<String>,
    /// The pool each redemption draws its own code from.
    pub coupon_pool: Option<String>,
    pub min_tier: Option<String>,
    pub stock: Option<i64>,
    /// Left of `stock`; absent without a stock.
    pub stock_left: Option<i64>,
    pub redeemed: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CatalogPage {
    pub items: Vec<CatalogReward>,
}

/// The site's rewards catalog, in the widget's order.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/rewards",
    params(("site" = String, Path)),
    security(("admin_key" = ["insights:read"])),
    responses(
        (status = 200, body = CatalogPage),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_site"),
    )
)]
pub async fn list_rewards(
    _: Admin<needs::InsightsRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<CatalogPage>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let redeemed = store::counts_by_reward(&state.db, &site.settings.key).await?;
    let default = site.settings.default_locale;
    let items = site
        .catalog
        .rewards
        .iter()
        .map(|r| {
            let redeemed = redeemed.get(&r.key).copied().unwrap_or(0);
            let (code, coupon_pool) = match &r.gives {
                Gives::Code(code) => (Some(code.clone()), None),
                Gives::Pool(pool) => (None, Some(pool.clone())),
            };
            CatalogReward {
                key: r.key.clone(),
                title: r.title(default, default),
                cost: r.cost,
                code,
                coupon_pool,
                min_tier: r.min_tier.as_ref().map(|(name, _)| name.clone()),
                stock: r.stock,
                stock_left: r.stock.map(|s| (s - redeemed).max(0)),
                redeemed,
            }
        })
        .collect();
    Ok(Json(CatalogPage { items }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RedemptionQuery {
    /// Only this member's.
    pub member: Option<String>,
    /// Only this reward's.
    pub reward: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RedemptionPage {
    pub items: Vec<StoredRedemption>,
    pub next_cursor: Option<i64>,
}

/// Redemptions, newest first, of the site, a member or a reward.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/redemptions",
    params(("site" = String, Path), RedemptionQuery),
    security(("admin_key" = ["members:read"])),
    responses(
        (status = 200, body = RedemptionPage),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_site, or the member id is invalid"),
    )
)]
pub async fn list_redemptions(
    _: Admin<needs::MembersRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<RedemptionQuery>, QueryRejection>,
) -> Result<Json<RedemptionPage>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let Query(query) = query.map_err(super::bad_query)?;
    let limit = super::page_limit(query.limit)?;
    let member = query
        .member
        .as_deref()
        .map(MemberId::parse)
        .transpose()
        .map_err(ApiError::invalid)?;
    let rows = store::list(
        &state.db,
        &site.settings.key,
        member.as_ref().map(MemberId::as_str),
        query.reward.as_deref(),
        query.cursor,
        limit + 1,
    )
    .await?;
    let (items, next_cursor) = super::split_page(rows, limit, |r| r.id);
    Ok(Json(RedemptionPage { items, next_cursor }))
}
