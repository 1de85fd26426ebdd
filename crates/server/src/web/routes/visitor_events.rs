use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use moments_protocol::InvalidInput;
use moments_protocol::domain::{SessionId, ValidEvent, ValidEventKind, VisitorId};
use moments_protocol::limits::MAX_BATCH_EVENTS;
use moments_protocol::wire::{ErrorBody, ErrorDetail, Event, EventBatch, EventsResponse, RejectedEvent, SurpriseOffer};
use serde_json::Value;
use sqlx::AnyConnection;

use crate::features::sites::Site;
use crate::features::surprises::Grounds;
use crate::features::surprises::store::Recipient;
use crate::features::verified_events::{self, Fact, Source};
use crate::features::visitor_events::{self, NewEvent};
use crate::features::webhooks::emit::NewAnswer;
use crate::features::{experiments, proofs, recovery, referrals, sessions};
use crate::platform::clock::now_ms;
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::{AppState, ClientAddress, InSession};

/// Stores a batch of events, each once however often it is sent. One bad event is refused
/// on its own; the rest of the batch is still stored. Answers only after the commit.
#[utoipa::path(
    post, path = "/v1/events", request_body = EventBatch,
    responses(
        (status = 200, body = EventsResponse, description = "Every event is accepted, a duplicate, or refused with a reason"),
        (status = 401, body = ErrorBody, description = "unknown_session: start a new session and send the events again"),
        (status = 403, body = ErrorBody, description = "origin_not_allowed"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 413, body = ErrorBody, description = "body_too_large, batch_too_large"),
        (status = 422, body = ErrorBody, description = "A batch field is invalid; the code names it"),
    )
)]
pub async fn record_events(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    ApiJson(batch): ApiJson<EventBatch<Value>>,
) -> Result<Json<EventsResponse>, ApiError> {
    let InSession {
        key: site,
        site: site_settings,
        visitor,
        session,
    } = state.in_session(&headers, client, (&batch.site, &batch.visitor_id, &batch.session_id))?;
    if batch.events.len() > MAX_BATCH_EVENTS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("a batch holds at most {MAX_BATCH_EVENTS} events; send the rest in another"),
        ));
    }

    // Identity comes from the session the server made, never from the batch.
    let member_id = sessions::member_of(&state.db, site.as_str(), session.as_str()).await?;
    let mut response = EventsResponse {
        accepted: 0,
        duplicates: 0,
        rejected: Vec::new(),
        surprises: Vec::new(),
    };
    let received_at = now_ms();
    let mut tx = state.writer.begin().await?;
    let from = Context {
        session: &session,
        visitor: &visitor,
        member_id: member_id.as_deref(),
    };
    for (index, raw) in batch.events.into_iter().enumerate() {
        let claimed_id = raw.get("id").and_then(Value::as_str).map(str::to_owned);
        let outcome = match parse_event(raw) {
            Ok(event) => {
                record(
                    &mut tx,
                    site_settings,
                    &event,
                    &from,
                    received_at,
                    &mut response.surprises,
                )
                .await?
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(true) => response.accepted += 1,
            Ok(false) => response.duplicates += 1,
            Err(error) => response.rejected.push(RejectedEvent {
                index: index as u32,
                id: claimed_id,
                error: ErrorDetail {
                    code: error.code.into(),
                    message: error.message,
                },
            }),
        }
    }
    tx.commit().await?;
    Ok(Json(response))
}

/// Who sent a batch, as the server knows it.
struct Context<'a> {
    session: &'a SessionId,
    visitor: &'a VisitorId,
    member_id: Option<&'a str>,
}

/// Stores an event once (a comment joins its answer's row); a new low answer also opens its
/// recovery case, a new tracked event gives the surprises it earns. `Ok(Ok(false))`: a duplicate.
async fn record(
    tx: &mut AnyConnection,
    site: &Site,
    event: &ValidEvent,
    from: &Context<'_>,
    received_at: i64,
    surprises: &mut Vec<SurpriseOffer>,
) -> Result<Result<bool, InvalidInput>, sqlx::Error> {
    let (kind, score, comment, context) = match &event.kind {
        ValidEventKind::Comment { feedback_id, comment } => {
            let key = &site.settings.key;
            let added =
                visitor_events::add_comment(tx, key, from.visitor.as_str(), feedback_id.as_str(), comment.as_str())
                    .await?;
            if let Ok(true) = added {
                crate::features::webhooks::emit::comment_added(tx, key, feedback_id.as_str(), received_at).await?;
                crate::features::themes::late_comment(tx, key, feedback_id.as_str()).await?;
            }
            return Ok(added);
        }
        ValidEventKind::Track { name, value, proof } => {
            let vouched = match proof {
                Some(proof) => match proofs::verify(proof, site, from.member_id, name, *value, received_at) {
                    Ok(proof) => Some(proof.jti),
                    Err(refused) => return Ok(Err(refused)),
                },
                None => None,
            };
            return track(
                tx,
                site,
                event,
                from,
                (name, *value),
                vouched.as_deref(),
                received_at,
                surprises,
            )
            .await;
        }
        ValidEventKind::Exposure { experiment, variant } => {
            let (visitor, session) = (from.visitor.as_str(), from.session.as_str());
            return experiments::assignment::expose(
                tx,
                &site.settings.key,
                experiment,
                variant,
                visitor,
                from.member_id,
                session,
                received_at,
            )
            .await;
        }
        ValidEventKind::Feedback {
            score,
            comment,
            context,
        } => (
            "feedback",
            Some(*score),
            comment.as_ref().map(|c| c.as_str()),
            context.as_ref(),
        ),
        ValidEventKind::Dismiss => ("dismiss", None, None, None),
    };
    let inserted = visitor_events::insert(
        tx,
        &NewEvent {
            kind,
            score,
            comment,
            context,
            ..row(site, event, from, received_at)
        },
    )
    .await?;
    if let (true, Some(score)) = (inserted, score) {
        let answer = recovery::Answer {
            event_id: event.id.as_str(),
            visitor_id: from.visitor.as_str(),
            member_id: from.member_id,
            score,
        };
        let case = recovery::open_case(tx, site, &answer, received_at).await?;
        let answer = NewAnswer {
            id: event.id.as_str(),
            score,
            comment,
            context: context.and_then(|c| serde_json::to_value(c.entries()).ok()),
            session_id: from.session.as_str(),
            visitor_id: from.visitor.as_str(),
            member_id: from.member_id,
            received_at,
            case,
        };
        crate::features::webhooks::emit::answer(tx, &site.settings.key, &answer, received_at).await?;
    }
    Ok(Ok(inserted))
}

/// A tracked event: counted once; a vouched-for one (`key`, its proof's jti) also recorded as
/// a fact, once per site, and only then may it bring gifts of value.
#[allow(clippy::too_many_arguments)]
async fn track(
    tx: &mut AnyConnection,
    site: &Site,
    event: &ValidEvent,
    from: &Context<'_>,
    (name, value): (&str, Option<f64>),
    vouched: Option<&str>,
    received_at: i64,
    surprises: &mut Vec<SurpriseOffer>,
) -> Result<Result<bool, InvalidInput>, sqlx::Error> {
    let key = &site.settings.key;
    if let (Some(fact_key), Some(member_id)) = (vouched, from.member_id) {
        let fact = Fact {
            key: fact_key,
            member_id,
            name,
            value,
            source: Source::Proof,
            event_id: Some(event.id.as_str()),
        };
        if let Some(earlier) = verified_events::record(tx, key, &fact, received_at).await? {
            return Ok(if earlier.event_id.as_deref() == Some(event.id.as_str()) {
                Ok(false)
            } else {
                Err(InvalidInput::new(
                    "proof_replayed",
                    "this proof (its jti) was used before; it earns nothing again",
                ))
            });
        }
    }
    let stored = NewEvent {
        kind: "track",
        name: Some(name),
        value,
        verified_key: vouched,
        ..row(site, event, from, received_at)
    };
    if !visitor_events::insert(tx, &stored).await? {
        return Ok(Ok(false));
    }
    if let (Some(key), Some(member)) = (vouched, from.member_id) {
        let order = referrals::Order {
            member,
            visitor: Some(from.visitor.as_str()),
            key,
            name,
            value,
        };
        referrals::after_vouched(tx, site, &order, received_at).await?;
    }
    let grounds = match vouched {
        Some(key) => Grounds::HostVouches { key },
        None => Grounds::BrowserSays {
            event_id: event.id.as_str(),
        },
    };
    let to = Recipient {
        member_id: from.member_id,
        visitor_id: Some(from.visitor.as_str()),
    };
    surprises.extend(crate::features::surprises::after_event(tx, site, to, grounds, name, value, received_at).await?);
    Ok(Ok(true))
}

/// The row of `event` as `from` sent it; the caller fills in what kind of event it is.
fn row<'a>(site: &'a Site, event: &'a ValidEvent, from: &Context<'a>, received_at: i64) -> NewEvent<'a> {
    NewEvent::new(
        &site.settings.key,
        event.id.as_str(),
        from.session.as_str(),
        from.visitor.as_str(),
        from.member_id,
        event.at_ms,
        received_at,
    )
}

fn parse_event(raw: Value) -> Result<ValidEvent, InvalidInput> {
    let event: Event = serde_json::from_value(raw).map_err(|e| InvalidInput::new("invalid_event", e.to_string()))?;
    ValidEvent::try_from(event)
}
