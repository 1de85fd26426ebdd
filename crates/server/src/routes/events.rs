use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use moments_protocol::domain::{SiteKey, Uuid, ValidEvent, ValidEventKind, VisitorId};
use moments_protocol::limits::MAX_BATCH_EVENTS;
use moments_protocol::wire::{ErrorBody, ErrorDetail, Event, EventBatch, EventsResponse, RejectedEvent};
use moments_protocol::InvalidInput;
use serde_json::Value;

use crate::db::now_ms;
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
    state.site_for(&site, &headers)?;
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

    let mut response = EventsResponse { accepted: 0, duplicates: 0, rejected: Vec::new() };
    let received_at = now_ms();
    let mut tx = state.db.begin().await?;
    for (index, raw) in batch.events.into_iter().enumerate() {
        let claimed_id = raw.get("id").and_then(Value::as_str).map(str::to_owned);
        let event = match parse_event(raw) {
            Ok(event) => event,
            Err(error) => {
                response.rejected.push(RejectedEvent {
                    index: index as u32,
                    id: claimed_id,
                    error: ErrorDetail { code: error.code.into(), message: error.message },
                });
                continue;
            }
        };
        let (kind, scale, score, comment, name, value) = match &event.kind {
            ValidEventKind::Feedback { score, comment } => (
                "feedback",
                Some(score.scale().name()),
                Some(score.value()),
                comment.as_ref().map(|c| c.as_str()),
                None,
                None,
            ),
            ValidEventKind::Dismiss => ("dismiss", None, None, None, None, None),
            ValidEventKind::Track { name, value } => ("track", None, None, None, Some(name.as_str()), *value),
        };
        let inserted = sqlx::query(
            "INSERT INTO events (site, id, session_id, visitor_id, member_id, type, scale, score, comment, name, value, occurred_at, received_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, id) DO NOTHING",
        )
        .bind(site.as_str())
        .bind(event.id.as_str())
        .bind(session.as_str())
        .bind(visitor.as_str())
        .bind(&member_id)
        .bind(kind)
        .bind(scale)
        .bind(score)
        .bind(comment)
        .bind(name)
        .bind(value)
        .bind(event.at_ms)
        .bind(received_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            response.accepted += 1;
        } else {
            response.duplicates += 1;
        }
    }
    tx.commit().await?;
    Ok(Json(response))
}

fn parse_event(raw: Value) -> Result<ValidEvent, InvalidInput> {
    let event: Event = serde_json::from_value(raw).map_err(|e| InvalidInput::new("invalid_event", e.to_string()))?;
    ValidEvent::try_from(event)
}
