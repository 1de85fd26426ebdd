use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moments_protocol::domain::PointsChange;
use moments_protocol::wire::ErrorBody;
use serde::Deserialize;
use serde_json::Value;

use crate::features::audit::{self, Change};
use crate::features::ledger::{self, AppendError, Appended, StoredEntry};
use crate::features::members::{self, Profile};
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;

/// `POST /v1/admin/sites/{site}/members/{member}/points`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PointsRequest {
    /// Whole points: positive to award, negative to redeem; never 0, at most 1,000,000 either way.
    #[schema(value_type = i64)]
    pub delta: Value,
    /// Shown to the member in their history.
    pub reason: String,
    /// The caller's id for this change (an order number, a refund id): the same key with the
    /// same body changes nothing more; with another body it is refused.
    pub idempotency_key: String,
}

pub enum PointsError {
    Refused(ApiError),
    KeyReused(StoredEntry),
    Insufficient { balance: i64, delta: i64 },
}

impl From<ApiError> for PointsError {
    fn from(error: ApiError) -> Self {
        Self::Refused(error)
    }
}

impl From<AppendError> for PointsError {
    fn from(error: AppendError) -> Self {
        match error {
            AppendError::KeyReused(entry) => Self::KeyReused(entry),
            AppendError::InsufficientPoints { balance, delta } => Self::Insufficient { balance, delta },
            AppendError::Database(e) => Self::Refused(e.into()),
        }
    }
}

impl IntoResponse for PointsError {
    fn into_response(self) -> Response {
        match self {
            Self::Refused(error) => error,
            Self::KeyReused(entry) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                format!(
                    "idempotency_key {:?} was used for a change of {} ({:?}); use a new key for a different change",
                    entry.idempotency_key, entry.delta, entry.reason
                ),
            ),
            Self::Insufficient { balance, delta } => ApiError::new(
                StatusCode::CONFLICT,
                "insufficient_points",
                format!("the balance is {balance}: a change of {delta} would make it negative"),
            ),
        }
        .into_response()
    }
}

/// `delta` as a whole number: `15` or, as JSON Schema's integers allow, `15.0`.
fn whole_number(delta: &Value) -> Option<i64> {
    delta.as_i64().or_else(|| {
        delta
            .as_f64()
            .filter(|d| d.fract() == 0.0 && d.abs() < 9.0e15)
            .map(|d| d as i64)
    })
}

/// Adds an entry to a member's points ledger (creating the member if the site has not seen
/// them yet). Answers 201 with the entry and the balance after it; a replay of the same
/// request answers the same, with `Idempotent-Replayed: true`.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/members/{member}/points", request_body = PointsRequest,
    params(("site" = String, Path), ("member" = String, Path)),
    security(("admin_key" = ["points:write"])),
    responses(
        (status = 201, body = StoredEntry),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 409, body = ErrorBody, description = "insufficient_points: the balance would go negative"),
        (status = 422, body = ErrorBody, description = "delta_not_integer, delta_zero, delta_too_large, reason_empty, \
            reason_too_long, idempotency_key_empty, idempotency_key_too_long, idempotency_key_reused, invalid_member_id"),
    )
)]
pub async fn add_points(
    admin: Admin<needs::PointsWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(request): ApiJson<PointsRequest>,
) -> Result<Response, PointsError> {
    let (site, member) = super::site_and_member(&state, path)?;
    let change = PointsChange::parse(whole_number(&request.delta), &request.reason, &request.idempotency_key)
        .map_err(ApiError::invalid)?;
    let now = now_ms();
    let key = site.settings.key.as_str();
    members::upsert(&state.db, key, member.as_str(), Profile::default(), now)
        .await
        .map_err(ApiError::from)?;
    let mut tx = state.writer.begin().await.map_err(ApiError::from)?;
    let (entry, replayed) = match ledger::append(&mut tx, site, &member, &change, now).await? {
        Appended::New(entry) => {
            let change = Change::new("points.add", "member", member.as_str())
                .summary(format!("delta {:+}, entry {}", entry.delta, entry.id));
            audit::record(&mut tx, key, &admin.origin, change, now)
                .await
                .map_err(ApiError::from)?;
            (entry, false)
        }
        Appended::Replayed(entry) => (entry, true),
    };
    tx.commit().await.map_err(ApiError::from)?;
    Ok(super::idempotent_answer(StatusCode::CREATED, entry, replayed))
}
