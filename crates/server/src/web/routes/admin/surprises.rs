use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::audit::{self, Change};
use crate::features::members::{self, Profile};
use crate::features::surprises::rules::Trigger;
use crate::features::surprises::store::{self, Recipient, StoredSurprise};
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;

/// `POST /v1/admin/sites/{site}/members/{member}/surprises`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct GrantRequest {
    /// A rule of the site with `trigger = "manual"`: it says what the gift is and its limits.
    pub rule: String,
    /// The caller's id for this grant: the same key gives nothing more and answers the same.
    pub idempotency_key: String,
}

/// Gives a member a surprise from a manual rule, within the rule's cap and budget. 201 with
/// the gift; a replay answers 200 with the same gift and `Idempotent-Replayed: true`.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/members/{member}/surprises", request_body = GrantRequest,
    params(("site" = String, Path), ("member" = String, Path)),
    security(("admin_key" = ["surprises:write"])),
    responses(
        (status = 200, body = StoredSurprise, description = "Granted before with this key: the same gift, with Idempotent-Replayed: true"),
        (status = 201, body = StoredSurprise),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_rule"),
        (status = 409, body = ErrorBody, description = "budget_exhausted, coupon_pool_empty, recipient_capped"),
        (status = 422, body = ErrorBody, description = "rule_not_manual, idempotency_key_empty, idempotency_key_too_long, idempotency_key_reserved, invalid_member_id"),
    )
)]
pub async fn grant_surprise(
    admin: Admin<needs::SurprisesWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(request): ApiJson<GrantRequest>,
) -> Result<Response, ApiError> {
    let (site, member) = super::site_and_member(&state, path)?;
    let rule = site.surprise_rule(&request.rule).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_rule",
            format!("site has no surprise rule {:?}", request.rule),
        )
    })?;
    if rule.trigger != Trigger::Manual {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule_not_manual",
            "staff grant only rules with trigger = \"manual\"",
        ));
    }
    let key = moments_protocol::domain::idempotency_key(&request.idempotency_key).map_err(ApiError::invalid)?;
    let (site_key, now, occasion) = (site.settings.key.as_str(), now_ms(), format!("manual:{key}"));
    members::upsert(&state.db, site_key, member.as_str(), Profile::default(), now).await?;
    let to = Recipient {
        member_id: Some(member.as_str()),
        visitor_id: None,
    };
    let mut tx = state.writer.begin().await?;
    let given = store::give(&mut tx, site_key, rule, to, &occasion, now).await?;
    if given.is_some() {
        let change = Change::new("surprise.grant", "member", member.as_str())
            .summary(format!("rule {}, occasion {occasion:?}", rule.key));
        audit::record(&mut tx, site_key, &admin.origin, change, now).await?;
    }
    tx.commit().await?;
    let stored = store::given_for(&state.db, site_key, &rule.key, member.as_str(), &occasion, now).await?;
    match (given, stored) {
        (Some(_), Some(stored)) => Ok(super::idempotent_answer(StatusCode::CREATED, stored, false)),
        (None, Some(stored)) => Ok(super::idempotent_answer(StatusCode::OK, stored, true)),
        (_, None) => {
            let code = store::why_not_given(&state.db, site_key, rule, now).await?;
            Err(ApiError::new(
                StatusCode::CONFLICT,
                code,
                match code {
                    "budget_exhausted" => "the rule's budget for today is spent",
                    "coupon_pool_empty" => "the rule's coupon pool has no codes left; upload more",
                    _ => "the member had this rule's gift within its cap",
                },
            ))
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurpriseQuery {
    /// `pending`, `claimed` or `expired`; all when absent.
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurprisePage {
    pub items: Vec<StoredSurprise>,
    pub next_cursor: Option<i64>,
}

/// The site's surprises, newest first.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/surprises",
    params(("site" = String, Path), SurpriseQuery),
    security(("admin_key" = ["members:read"])),
    responses(
        (status = 200, body = SurprisePage),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_status"),
    )
)]
pub async fn list_surprises(
    _: Admin<needs::MembersRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<SurpriseQuery>, QueryRejection>,
) -> Result<Json<SurprisePage>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let Query(query) = query.map_err(super::bad_query)?;
    let limit = super::page_limit(query.limit)?;
    if let Some(status) = query
        .status
        .as_deref()
        .filter(|s| !matches!(*s, "pending" | "claimed" | "expired"))
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_status",
            format!("status {status:?} is not pending, claimed or expired"),
        ));
    }
    let rows = store::list(
        &state.db,
        &site.settings.key,
        query.status.as_deref(),
        limit,
        query.cursor,
        now_ms(),
    )
    .await?;
    let (items, next_cursor) = super::split_page(rows, limit, |s| s.seq);
    Ok(Json(SurprisePage { items, next_cursor }))
}
