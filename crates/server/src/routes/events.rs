use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use moments_protocol::domain::{SiteKey, Uuid, ValidEvent, ValidEventKind, VisitorId};
use moments_protocol::limits::MAX_BATCH_EVENTS;
use moments_protocol::wire::{ErrorBody, ErrorDetail, Event, EventBatch, EventsResponse, RejectedEvent, SurpriseOffer};
use moments_protocol::InvalidInput;
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::db::now_ms;
use crate::{experiments, recovery};
use crate::surprises::store::Recipient;
use crate::sites::Site;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// Stores a batch of events, each once however often it is sent. One bad event is refused
/// on its own; the rest of the batch is still stored. Answers only after the commit.
#[utoipa::path(
    post, path = "/v1/events", request_body = EventBatch,
    responses(
        (status = 200, body = EventsResponse, description = "Every event is accepted, a duplicate, or refused with a reason"),
        (status = 403, body = ErrorBody, description = "origin_not_allowed, session_mismatch"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 413, body = ErrorBody, description = "body_too_large, batch_too_large"),
        (status = 422, body = ErrorBody, description = "A batch field is invalid; the code names it"),
    )
)]
pub async fn record_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(batch): ApiJson<EventBatch<Value>>,
) -> Result<Json<EventsResponse>, ApiError> {
    let site = SiteKey::parse(&batch.site).map_err(ApiError::invalid)?;
    let site_settings = state.site_for(&site, &headers)?;
    let visitor = VisitorId::parse(&batch.visitor_id).map_err(ApiError::invalid)?;
    let session = Uuid::parse(&batch.session_id, "invalid_session_id", "session_id").map_err(ApiError::invalid)?;
    if batch.events.len() > MAX_BATCH_EVENTS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("a batch holds at most {MAX_BATCH_EVENTS} events; send the rest in another"),
        ));
    }

    // Identity comes from the session the server made, never from the batch.
    let owner: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT visitor_id, member_id FROM sessions WHERE site = ? AND id = ?")
            .bind(site.as_str())
            .bind(session.as_str())
            .fetch_optional(&state.db)
            .await?;
    let member_id = match owner {
        Some((owner_visitor, _)) if owner_visitor != visitor.as_str() => {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "session_mismatch", "that session belongs to another visitor"));
        }
        Some((_, member_id)) => member_id,
        // Unknown to us (a restored database, another deployment): keep the feedback, anonymously.
        None => None,
    };

    let mut response = EventsResponse { accepted: 0, duplicates: 0, rejected: Vec::new(), surprises: Vec::new() };
    let received_at = now_ms();
    let mut tx = state.db.begin().await?;
    let from = Context { session: &session, visitor: &visitor, member_id: member_id.as_deref() };
    for (index, raw) in batch.events.into_iter().enumerate() {
        let claimed_id = raw.get("id").and_then(Value::as_str).map(str::to_owned);
        let outcome = match parse_event(raw) {
            Ok(event) => record(&mut tx, site_settings, &event, &from, received_at, &mut response.surprises).await?,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(true) => response.accepted += 1,
            Ok(false) => response.duplicates += 1,
            Err(error) => response.rejected.push(RejectedEvent {
                index: index as u32,
                id: claimed_id,
                error: ErrorDetail { code: error.code.into(), message: error.message },
            }),
        }
    }
    tx.commit().await?;
    Ok(Json(response))
}

/// Who sent a batch, as the server knows it.
struct Context<'a> {
    session: &'a Uuid,
    visitor: &'a VisitorId,
    member_id: Option<&'a str>,
}

/// Stores an event once (a comment joins its answer's row); a new low answer also opens its
/// recovery case, a new tracked event gives the surprises it earns. `Ok(Ok(false))`: a duplicate.
async fn record(
    tx: &mut SqliteConnection,
    site: &Site,
    event: &ValidEvent,
    from: &Context<'_>,
    received_at: i64,
    surprises: &mut Vec<SurpriseOffer>,
) -> Result<Result<bool, InvalidInput>, sqlx::Error> {
    let (kind, score, comment, name, value) = match &event.kind {
        ValidEventKind::Comment { feedback_id, comment } => {
            return add_comment(tx, &site.settings.key, from.visitor.as_str(), feedback_id.as_str(), comment.as_str()).await;
        }
        ValidEventKind::Feedback { score, comment } => ("feedback", Some(*score), comment.as_ref().map(|c| c.as_str()), None, None),
        ValidEventKind::Dismiss => ("dismiss", None, None, None, None),
        ValidEventKind::Track { name, value } => ("track", None, None, Some(name.as_str()), *value),
        ValidEventKind::Exposure { experiment, variant } => {
            let (visitor, session) = (from.visitor.as_str(), from.session.as_str());
            return experiments::assignment::expose(tx, &site.settings.key, experiment, variant, visitor, from.member_id, session, received_at).await;
        }
    };
    let inserted = sqlx::query(
        "INSERT INTO events (site, id, session_id, visitor_id, member_id, type, scale, score, comment, name, value, occurred_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, id) DO NOTHING",
    )
    .bind(&site.settings.key)
    .bind(event.id.as_str())
    .bind(from.session.as_str())
    .bind(from.visitor.as_str())
    .bind(from.member_id)
    .bind(kind)
    .bind(score.map(|s| s.scale().name()))
    .bind(score.map(|s| s.value()))
    .bind(comment)
    .bind(name)
    .bind(value)
    .bind(event.at_ms)
    .bind(received_at)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if let (true, Some(score)) = (inserted, score) {
        let answer = recovery::Answer { event_id: event.id.as_str(), visitor_id: from.visitor.as_str(), member_id: from.member_id, score };
        recovery::open_case(tx, site, &answer, received_at).await?;
    }
    if let (true, Some(name)) = (inserted, name) {
        let to = Recipient { member_id: from.member_id, visitor_id: Some(from.visitor.as_str()) };
        surprises.extend(crate::surprises::after_event(tx, site, to, event.id.as_str(), name, value, received_at).await?);
    }
    Ok(Ok(inserted))
}

/// A comment joins the answer it follows (one row per answer). Sending it again changes
/// nothing; a different comment for an answer that has one is refused.
async fn add_comment(
    tx: &mut SqliteConnection,
    site: &str,
    visitor: &str,
    feedback_id: &str,
    comment: &str,
) -> Result<Result<bool, InvalidInput>, sqlx::Error> {
    let existing: Option<Option<String>> = sqlx::query_scalar(
        "SELECT comment FROM events WHERE site = ? AND id = ? AND visitor_id = ? AND type = 'feedback'",
    )
    .bind(site)
    .bind(feedback_id)
    .bind(visitor)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(match existing {
        None => Err(InvalidInput::new("unknown_feedback", "feedback_id names no answer of this visitor; send the answer first")),
        Some(Some(stored)) if stored == comment => Ok(false),
        Some(Some(_)) => Err(InvalidInput::new("comment_exists", "this answer has a comment already")),
        Some(None) => {
            sqlx::query("UPDATE events SET comment = ? WHERE site = ? AND id = ? AND comment IS NULL")
                .bind(comment)
                .bind(site)
                .bind(feedback_id)
                .execute(&mut *tx)
                .await?;
            Ok(true)
        }
    })
}

fn parse_event(raw: Value) -> Result<ValidEvent, InvalidInput> {
    let event: Event = serde_json::from_value(raw).map_err(|e| InvalidInput::new("invalid_event", e.to_string()))?;
    ValidEvent::try_from(event)
}
