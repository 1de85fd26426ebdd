use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use moments_protocol::domain;
use moments_protocol::wire::{ErrorBody, SurpriseOffer};
use serde::{Deserialize, Serialize};

use crate::features::audit::{self, Change};
use crate::features::members::{self, Profile};
use crate::features::referrals;
use crate::features::surprises::store::{self, Recipient};
use crate::features::surprises::{self as gifts, Grounds};
use crate::features::verified_events::{self, Fact, Source};
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;

/// `POST /v1/admin/sites/{site}/members/{member}/events`: something a member did, as the
/// host's backend knows it (an order paid, an account opened).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReportedEvent {
    /// The event's name, as surprise rules name it (`purchase`): 1 to 64 characters.
    pub name: String,
    /// What it is worth, for rules with a `min_value`; any finite number.
    #[serde(default)]
    pub value: Option<f64>,
    /// The host's own id for it (the order number), 1 to 128 characters. The same key is one
    /// fact however often, and however (here or in a proof's `jti`), it is reported.
    pub idempotency_key: String,
}

/// A fact as the server recorded it, with the gifts it brought (they wait for the member's
/// next page view).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VouchedEvent {
    pub idempotency_key: String,
    pub member_id: String,
    pub name: String,
    pub value: Option<f64>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub surprises: Vec<SurpriseOffer>,
}

/// Records an event the host's backend vouches for: rules of any reward may answer it. 201
/// with the gifts it gave; the same key again answers 200 with the same body and
/// `Idempotent-Replayed: true`, giving nothing more.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/members/{member}/events", request_body = ReportedEvent,
    params(("site" = String, Path), ("member" = String, Path)),
    security(("admin_key" = ["events:write"])),
    responses(
        (status = 200, body = VouchedEvent, description = "Reported before with this key: the same answer, nothing given again"),
        (status = 201, body = VouchedEvent),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_event_name, invalid_value, idempotency_key_empty, idempotency_key_too_long, \
            idempotency_key_reserved, idempotency_key_reused, invalid_member_id"),
    )
)]
pub async fn report_event(
    admin: Admin<needs::EventsWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(request): ApiJson<ReportedEvent>,
) -> Result<Response, ApiError> {
    let (site, member) = super::site_and_member(&state, path)?;
    let name = domain::track_name(&request.name).map_err(ApiError::invalid)?;
    let value = domain::track_value(request.value).map_err(ApiError::invalid)?;
    let key = domain::idempotency_key(&request.idempotency_key).map_err(ApiError::invalid)?;
    let site_key = site.settings.key.as_str();
    let now = now_ms();
    let fact = Fact {
        key: &key,
        member_id: member.as_str(),
        name: &name,
        value,
        source: Source::Admin,
        event_id: None,
    };
    let mut tx = state.writer.begin().await?;
    members::upsert(&mut *tx, site_key, member.as_str(), Profile::default(), now).await?;
    let (created_at, surprises, replayed) = match verified_events::record(&mut tx, site_key, &fact, now).await? {
        None => {
            let to = Recipient {
                member_id: Some(member.as_str()),
                visitor_id: None,
            };
            let given =
                gifts::after_event(&mut tx, site, to, Grounds::HostVouches { key: &key }, &name, value, now).await?;
            let order = referrals::Order {
                member: member.as_str(),
                visitor: None,
                key: &key,
                name: &name,
                value,
            };
            referrals::after_vouched(&mut tx, site, &order, now).await?;
            let summary = match value {
                Some(value) => format!("{name} {value}, key {key:?}"),
                None => format!("{name}, key {key:?}"),
            };
            let change = Change::new("event.report", "member", member.as_str()).summary(summary);
            audit::record(&mut tx, site_key, &admin.origin, change, now).await?;
            (now, given, false)
        }
        Some(earlier) if fact.same_as(&earlier) => {
            let given = store::given_at(&mut *tx, site_key, &verified_events::occasion(&key)).await?;
            (earlier.created_at, given, true)
        }
        Some(earlier) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                format!(
                    "idempotency_key {key:?} was reported for {:?} of member {:?}; use a new key for another event",
                    earlier.name, earlier.member_id
                ),
            ));
        }
    };
    tx.commit().await?;
    let body = VouchedEvent {
        idempotency_key: key,
        member_id: member.as_str().to_owned(),
        name,
        value,
        created_at,
        surprises,
    };
    Ok(super::idempotent_answer(
        if replayed { StatusCode::OK } else { StatusCode::CREATED },
        body,
        replayed,
    ))
}
