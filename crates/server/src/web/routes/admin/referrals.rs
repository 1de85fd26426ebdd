//! Refer a friend for the host's backend and the dashboard: every referral with its status
//! and reason (JSON pages or CSV), the period's figures, and staff's decision on held ones.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::audit::{self, Change};
use crate::features::referrals::report::{self, ReferralFigures};
use crate::features::referrals::{self, DecideError, Decision, store};
use crate::features::webhooks::event_types::Referral;
use crate::platform::clock::now_ms;
use crate::platform::csv;
use crate::web::admin_auth::{Admin, needs};
use crate::web::csv_download::{self, CHUNK};
use crate::web::error::ApiError;
use crate::web::state::AppState;

const STATUSES: [&str; 4] = ["pending", "held", "completed", "refused"];

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    /// `pending`, `held`, `completed` or `refused`; all when absent.
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<i64>,
    /// `csv` streams every matching referral as CSV.
    pub format: Option<String>,
}

/// A referral as staff see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReferralItem {
    #[serde(flatten)]
    pub referral: Referral,
    /// The first order's key (the host's order number), once there is one.
    pub order_key: Option<String>,
    /// Who decided a held referral.
    pub decided_by: Option<String>,
    pub expires_at: i64,
}

impl From<store::Stored> for ReferralItem {
    fn from(s: store::Stored) -> Self {
        Self {
            referral: s.referral,
            order_key: s.order_key,
            decided_by: s.decided_by,
            expires_at: s.expires_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReferralPage {
    /// Newest first.
    pub items: Vec<ReferralItem>,
    pub next_cursor: Option<i64>,
}

/// The site's referrals, newest click first: a JSON page, or with `?format=csv` all of them.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/referrals",
    params(("site" = String, Path), ReferralQuery),
    security(("admin_key" = ["insights:read"])),
    responses(
        (status = 200, description = "A JSON page, or with ?format=csv every matching referral as CSV", content(
            (ReferralPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_status, invalid_format"),
    )
)]
pub async fn list_referrals(
    _: Admin<needs::InsightsRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ReferralQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.clone();
    let Query(query) = query.map_err(super::bad_query)?;
    if let Some(status) = query.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_status",
            format!("status {status:?} is not pending, held, completed or refused"),
        ));
    }
    if super::wants_csv(query.format.as_deref())? {
        return Ok(csv_export(state.db.clone(), site, query.status));
    }
    let limit = super::page_limit(query.limit)?;
    let rows = store::list(&state.db, &site, query.status.as_deref(), query.cursor, limit + 1).await?;
    let (rows, next_cursor) = super::split_page(rows, limit, |r| r.seq);
    let items = rows.into_iter().map(ReferralItem::from).collect();
    Ok(Json(ReferralPage { items, next_cursor }).into_response())
}

/// Every referral of the site as CSV, streamed (the API's `?format=csv` and the dashboard's).
pub fn csv_export(db: sqlx::AnyPool, site: String, status: Option<String>) -> Response {
    let columns = [
        "id",
        "clicked_at",
        "referrer_id",
        "friend_id",
        "status",
        "reason",
        "order_key",
        "order_value",
        "referrer_points",
        "friend_points",
        "decided_at",
        "decided_by",
    ];
    let page = move |before| {
        let (db, site, status) = (db.clone(), site.clone(), status.clone());
        async move { store::list(&db, &site, status.as_deref(), before, CHUNK).await }
    };
    csv_download::stream("referrals.csv", &columns, page, |r: &store::Stored| r.seq, csv_line)
}

fn csv_line(s: &store::Stored) -> String {
    let r = &s.referral;
    let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    csv::row(&[
        &r.id,
        &r.clicked_at.to_string(),
        &r.referrer_id,
        r.friend_id.as_deref().unwrap_or(""),
        &r.status,
        r.reason.as_deref().unwrap_or(""),
        s.order_key.as_deref().unwrap_or(""),
        &r.order_value.map(|v| v.to_string()).unwrap_or_default(),
        &number(r.referrer_points),
        &number(r.friend_points),
        &number(r.decided_at),
        s.decided_by.as_deref().unwrap_or(""),
    ])
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The period's start (ms since the Unix epoch; default: 30 days before `to`).
    pub from: Option<i64>,
    /// The period's end, not included (default: now).
    pub to: Option<i64>,
    /// `csv`: the referrers' table as CSV.
    pub format: Option<String>,
}

/// The clicks of a period and what became of them: members, first orders, completions,
/// refusals by reason, points and coupons paid, and the referrers who brought the most.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/insights/referrals",
    params(("site" = String, Path), FiguresQuery),
    security(("admin_key" = ["insights:read"])),
    responses(
        (status = 200, description = "The figures, or with ?format=csv the referrers as CSV", content(
            (ReferralFigures = "application/json"),
            (String = "text/csv"),
        )),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_range, invalid_format"),
    )
)]
pub async fn referral_figures(
    _: Admin<needs::InsightsRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<FiguresQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.as_str();
    let Query(query) = query.map_err(super::bad_query)?;
    let (from, to) = super::insights::checked_range(query.from, query.to, 30)?;
    let csv = super::wants_csv(query.format.as_deref())?;
    let figures = report::figures(&mut *state.db.acquire().await?, site, from, to).await?;
    if !csv {
        return Ok(Json(figures).into_response());
    }
    Ok(crate::web::csv_download::attachment(
        &format!("referrers-{site}-{from}-{to}.csv"),
        referrers_csv(&figures),
    ))
}

/// The referrers' table as CSV (the dashboard's download too).
pub fn referrers_csv(figures: &ReferralFigures) -> String {
    let mut text = csv::row(&["member_id", "clicks", "completed", "refused", "points_earned"]);
    for r in &figures.referrers {
        text.push_str(&csv::row(&[
            &r.member_id,
            &r.clicks.to_string(),
            &r.completed.to_string(),
            &r.refused.to_string(),
            &r.points_earned.to_string(),
        ]));
    }
    text
}

/// Approves (pays both sides) or refuses a referral held for review. Audited.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/referrals/{id}/{decision}",
    params(("site" = String, Path), ("id" = String, Path), ("decision" = String, Path, description = "approve or refuse")),
    security(("admin_key" = ["points:write"])),
    responses(
        (status = 200, body = ReferralItem),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_referral, unknown_decision"),
        (status = 409, body = ErrorBody, description = "referral_not_held: it was decided before, or never waited for review"),
    )
)]
pub async fn decide_referral(
    admin: Admin<needs::PointsWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Json<ReferralItem>, ApiError> {
    let Path((site, id, decision)) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let decision = match decision.as_str() {
        "approve" => Decision::Approve,
        "refuse" => Decision::Refuse,
        _ => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_decision",
                "a held referral is approved or refused",
            ));
        }
    };
    let key = site.settings.key.as_str();
    let now = now_ms();
    let mut tx = state.writer.begin().await?;
    let by = admin.origin.actor.label();
    match referrals::decide(&mut tx, site, &id, decision, &by, now).await? {
        Ok(referral) => {
            let action = if decision == Decision::Approve {
                "referral.approve"
            } else {
                "referral.refuse"
            };
            let summary = format!(
                "referrer {}, friend {}, points {}",
                referral.referrer_id,
                referral.friend_id.as_deref().unwrap_or("-"),
                referral.referrer_points.unwrap_or(0) + referral.friend_points.unwrap_or(0)
            );
            audit::record(
                &mut tx,
                key,
                &admin.origin,
                Change::new(action, "referral", id.as_str()).summary(summary),
                now,
            )
            .await?;
        }
        Err(DecideError::Unknown) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_referral",
                format!("site {key} has no referral {id:?}"),
            ));
        }
        Err(DecideError::NotHeld(status)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "referral_not_held",
                format!("this referral is {status}; only held referrals wait for a decision"),
            ));
        }
    }
    tx.commit().await?;
    let stored = store::get(&state.db, key, &id)
        .await?
        .ok_or_else(|| ApiError::internal("referral vanished"))?;
    Ok(Json(stored.into()))
}
