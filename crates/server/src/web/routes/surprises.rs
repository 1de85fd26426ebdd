use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use moments_protocol::domain::Uuid;
use moments_protocol::wire::{AlreadyClaimed, ClaimRequest, ClaimedSurprise, ErrorBody, ErrorDetail};
use moments_protocol::{InvalidInput, Locale};

use crate::features::member_token::{self, MemberClaims, TokenError};
use crate::features::members;
use crate::features::sites::Site;
use crate::features::surprises::rules::DEFAULT_REASON;
use crate::features::surprises::store::{self, Claim, Claimer, StoredSurprise};
use crate::platform::clock::now_ms;
use crate::web::error::{ApiError, bad_path};
use crate::web::extract::ApiJson;
use crate::web::state::{AppState, ClientAddress, InSession};

pub enum ClaimError {
    Invalid(InvalidInput),
    Refused(ApiError),
    MemberToken(TokenError),
    AlreadyClaimed(Box<ClaimedSurprise>),
}

impl From<ApiError> for ClaimError {
    fn from(error: ApiError) -> Self {
        Self::Refused(error)
    }
}

impl From<sqlx::Error> for ClaimError {
    fn from(error: sqlx::Error) -> Self {
        Self::Refused(error.into())
    }
}

impl IntoResponse for ClaimError {
    fn into_response(self) -> Response {
        match self {
            Self::Invalid(input) => ApiError::invalid(input).into_response(),
            Self::Refused(error) => error.into_response(),
            Self::MemberToken(e) => ApiError::from(e).into_response(),
            Self::AlreadyClaimed(claimed) => {
                let error = ErrorDetail {
                    code: "already_claimed".into(),
                    message: "this surprise was opened before; nothing more was credited".into(),
                };
                (
                    StatusCode::CONFLICT,
                    Json(AlreadyClaimed {
                        error,
                        claimed: *claimed,
                    }),
                )
                    .into_response()
            }
        }
    }
}

/// Opens a gift: marks it claimed and credits its points, once. Only its member (by token)
/// or, for an anonymous visitor's gift, its browser may open it; anyone else gets 404.
#[utoipa::path(
    post, path = "/v1/surprises/{id}/claim", request_body = ClaimRequest,
    params(("id" = String, Path, description = "The surprise's id, from a session or events answer")),
    responses(
        (status = 200, body = ClaimedSurprise),
        (status = 401, body = ErrorBody, description = "unknown_session, or the member token is bad; the code says how"),
        (status = 404, body = ErrorBody, description = "unknown_surprise (or it is someone else's), unknown_site"),
        (status = 409, body = AlreadyClaimed, description = "already_claimed: the same reward, nothing credited again"),
        (status = 410, body = ErrorBody, description = "surprise_expired"),
        (status = 422, body = ErrorBody, description = "A field is invalid; the code names it"),
    )
)]
pub async fn claim_surprise(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    ApiJson(request): ApiJson<ClaimRequest>,
) -> Result<Json<ClaimedSurprise>, ClaimError> {
    let Path(id) = path.map_err(bad_path)?;
    let id = Uuid::parse(&id, "invalid_surprise_id", "surprise id").map_err(ClaimError::Invalid)?;
    let InSession { site, visitor, .. } = state.in_session(
        &headers,
        client,
        (&request.site, &request.visitor_id, &request.session_id),
    )?;
    let now = now_ms();
    let member =
        member_token::member_of(request.member_token.as_deref(), site, now).map_err(ClaimError::MemberToken)?;
    let locale = request
        .locale
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or(site.settings.default_locale);
    let claimer = Claimer {
        member_id: member.as_ref().map(|m| m.sub.as_str()),
        visitor_id: visitor.as_str(),
    };
    let reason = |rule: &str| {
        site.surprise_rule(rule)
            .map_or_else(|| DEFAULT_REASON.to_owned(), |r| r.reason.clone())
    };
    let mut conn = state.db.acquire().await?;
    match store::claim(&mut conn, site, id.as_str(), &claimer, reason, now).await? {
        Claim::Claimed(surprise) => Ok(Json(answer(&state, site, &surprise, member.as_ref(), locale).await?)),
        Claim::AlreadyClaimed(surprise) => Err(ClaimError::AlreadyClaimed(Box::new(
            answer(&state, site, &surprise, member.as_ref(), locale).await?,
        ))),
        Claim::Expired => Err(ApiError::new(
            StatusCode::GONE,
            "surprise_expired",
            "this surprise expired before it was opened",
        )
        .into()),
        Claim::Unknown => {
            Err(ApiError::new(StatusCode::NOT_FOUND, "unknown_surprise", "no such surprise for you").into())
        }
    }
}

async fn answer(
    state: &AppState,
    site: &Site,
    surprise: &StoredSurprise,
    member: Option<&MemberClaims>,
    locale: Locale,
) -> Result<ClaimedSurprise, sqlx::Error> {
    let summary = match member {
        Some(m) => Some(
            members::summary(
                &mut *state.db.acquire().await?,
                site,
                &m.sub,
                m.name.clone(),
                locale,
                false,
            )
            .await?,
        ),
        None => None,
    };
    Ok(ClaimedSurprise {
        id: surprise.id.clone(),
        reward: surprise.reward(),
        message: site
            .surprise_rule(&surprise.rule)
            .and_then(|r| r.message_in(locale, site.settings.default_locale)),
        member: summary,
    })
}
