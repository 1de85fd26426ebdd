//! `POST /v1/rewards/{key}/redeem`: a member spends points on a reward from the site's
//! catalog, exactly once per idempotency key.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use moments_protocol::Locale;
use moments_protocol::domain::{self, MemberId};
use moments_protocol::wire::{ErrorBody, RedeemRequest, Redeemed};

use crate::features::members;
use crate::features::rewards::{self, store::Outcome};
use crate::platform::clock::now_ms;
use crate::web::error::{ApiError, bad_path};
use crate::web::extract::ApiJson;
use crate::web::state::{AppState, ClientAddress, InSession};

#[utoipa::path(
    post, path = "/v1/rewards/{key}/redeem", request_body = RedeemRequest,
    params(("key" = String, Path, description = "The reward's key, from the session answer's `rewards`")),
    responses(
        (status = 201, body = Redeemed, description = "Redeemed: the code, and the member's points after it"),
        (status = 200, body = Redeemed, description = "This idempotency key redeemed it before: the same code, nothing debited again (`Idempotent-Replayed: true`)"),
        (status = 400, body = ErrorBody, description = "invalid_path, malformed_json"),
        (status = 401, body = ErrorBody, description = "member_required (anonymous visitors cannot redeem), unknown_session, or the member token is bad; the code says how"),
        (status = 403, body = ErrorBody, description = "origin_not_allowed"),
        (status = 404, body = ErrorBody, description = "unknown_reward, unknown_site"),
        (status = 409, body = ErrorBody, description = "insufficient_points, sold_out, tier_too_low, limit_reached: nothing was debited"),
        (status = 413, body = ErrorBody, description = "body_too_large"),
        (status = 422, body = ErrorBody, description = "A field is invalid, or idempotency_key_reused (the key redeemed another reward)"),
        (status = 429, body = ErrorBody, description = "rate_limited"),
    )
)]
pub async fn redeem_reward(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    ApiJson(request): ApiJson<RedeemRequest>,
) -> Result<Response, ApiError> {
    let Path(key) = path.map_err(bad_path)?;
    let InSession { site, .. } = state.in_session(
        &headers,
        client,
        (&request.site, &request.visitor_id, &request.session_id),
    )?;
    let site_key = site.settings.key.as_str();
    let idempotency_key = domain::idempotency_key(&request.idempotency_key).map_err(ApiError::invalid)?;
    let now = now_ms();
    let member =
        crate::features::member_token::member_of(request.member_token.as_deref(), site, now)?.ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "member_required",
                "only members redeem rewards; sign in first",
            )
        })?;
    let member_id = MemberId::parse(&member.sub).map_err(ApiError::invalid)?;
    let reward = site.catalog.get(&key).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_reward",
            format!("site {site_key:?} has no reward {key:?}"),
        )
    })?;
    let locale = request
        .locale
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or(site.settings.default_locale);
    let default = site.settings.default_locale;
    let reason = format!("Redeemed: {}", reward.title(default, default));

    let mut tx = state.writer.begin().await?;
    let outcome = rewards::store::redeem(&mut tx, site, reward, &member_id, &idempotency_key, reason, now).await?;
    let (stored, replayed) = match outcome {
        Outcome::Redeemed(stored) => {
            tx.commit().await?;
            (stored, false)
        }
        // Nothing was written: the writer goes on to the next request.
        Outcome::Replayed(stored) => {
            drop(tx);
            (stored, true)
        }
        refused => {
            drop(tx);
            return Err(refusal(refused, reward.cost));
        }
    };
    let mut conn = state.db.acquire().await?;
    let summary = members::summary(&mut conn, site, member_id.as_str(), member.name.clone(), locale, false).await?;
    let body = Redeemed {
        redemption: rewards::shown(site, &stored, locale),
        member: summary,
    };
    Ok(super::idempotent_answer(
        if replayed { StatusCode::OK } else { StatusCode::CREATED },
        body,
        replayed,
    ))
}

fn refusal(outcome: Outcome, cost: i64) -> ApiError {
    let conflict = |code, message: String| ApiError::new(StatusCode::CONFLICT, code, message);
    match outcome {
        Outcome::InsufficientPoints { balance } => conflict(
            "insufficient_points",
            format!(
                "it costs {cost} points and the balance is {balance}: {} more are needed",
                cost - balance
            ),
        ),
        Outcome::SoldOut => conflict("sold_out", "this reward has run out".into()),
        Outcome::TierTooLow => conflict("tier_too_low", "this reward is for a higher tier".into()),
        Outcome::LimitReached => conflict(
            "limit_reached",
            "this member has redeemed it as often as its limit allows for now".into(),
        ),
        Outcome::KeyReused(earlier) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            format!(
                "this idempotency_key redeemed {:?}; use a new key for another redemption",
                earlier.reward
            ),
        ),
        Outcome::Redeemed(_) | Outcome::Replayed(_) => ApiError::internal("a redemption was taken for a refusal"),
    }
}
