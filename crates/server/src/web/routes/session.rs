use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use moments_protocol::domain::{SessionStart, VisitorId};
use moments_protocol::sampling;
use moments_protocol::wire::{ErrorBody, FeedbackSettings, SessionRequest, SessionResponse, Slot};
use moments_protocol::{InvalidInput, Locale};
use sqlx::AnyConnection;

use crate::config::AnonymousBadge;
use crate::features::experiments::{self, Placeholders};
use crate::features::member_token::{self, MemberClaims, TokenError};
use crate::features::members::{self, Profile};
use crate::features::sites::Site;
use crate::features::{recovery, referrals, rewards, sessions, surprises};
use crate::platform::clock::{DAY_MS, now_ms};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::{AppState, ClientAddress};

pub enum SessionError {
    Invalid(InvalidInput),
    Refused(ApiError),
    MemberToken(TokenError),
}

impl From<ApiError> for SessionError {
    fn from(error: ApiError) -> Self {
        Self::Refused(error)
    }
}

impl From<sqlx::Error> for SessionError {
    fn from(error: sqlx::Error) -> Self {
        Self::Refused(error.into())
    }
}

impl axum::response::IntoResponse for SessionError {
    fn into_response(self) -> axum::response::Response {
        match self {
            Self::Invalid(input) => ApiError::invalid(input),
            Self::Refused(error) => error,
            Self::MemberToken(e) => e.into(),
        }
        .into_response()
    }
}

/// Starts a page view: who the visitor is, in which language, and what to show them.
#[utoipa::path(
    post, path = "/v1/session", request_body = SessionRequest,
    responses(
        (status = 200, body = SessionResponse),
        (status = 401, body = ErrorBody, description = "The member token is bad; the code says how"),
        (status = 403, body = ErrorBody, description = "origin_not_allowed"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "A field is invalid; the code names it"),
        (status = 429, body = ErrorBody, description = "rate_limited: wait for Retry-After seconds"),
    )
)]
pub async fn start_session(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SessionRequest>,
) -> Result<Json<SessionResponse>, SessionError> {
    let start = SessionStart::try_from(request).map_err(SessionError::Invalid)?;
    let site = state.site_for(&start.site, &headers)?;
    state.admit(site, client, &start.visitor)?;
    let now = now_ms();
    let member =
        member_token::member_of(start.member_token.as_deref(), site, now).map_err(SessionError::MemberToken)?;
    let preferences = start
        .locale
        .iter()
        .chain(member.as_ref().and_then(|m| m.locale.as_ref()))
        .chain(&start.languages);
    let locale = Locale::negotiate(preferences.map(String::as_str), site.settings.default_locale);

    let session_id = state.session_key.issue(start.site.as_str(), start.visitor.as_str());
    // What only needs reading is read first, on a connection of the pool, so the writer (one
    // at a time on SQLite) does only the writing.
    let member_id = member.as_ref().map(|m| m.sub.as_str());
    let mut reader = state.db.acquire().await?;
    let ask = should_ask(&mut reader, site, &start.visitor, now).await?;
    let recovery_points = match member_id {
        Some(m) => recovery::goodwill_available(&mut *reader, site, m, now).await?,
        None => None,
    };
    let greeting_experiment = experiments::deciding(&mut reader, site, Slot::Greeting).await?;
    let farewell_experiment = experiments::deciding(&mut reader, site, Slot::Farewell).await?;
    drop(reader);

    // Everything a session start writes (the row, a tier-up claimed, gifts given, variants
    // assigned) commits together: a request run again after a conflict writes it once.
    let mut tx = state.writer.begin().await?;
    if let Some(m) = &member {
        let profile = Profile {
            name: m.name.as_deref(),
            birthday: m.birthday.as_deref(),
        };
        members::upsert(&mut *tx, start.site.as_str(), &m.sub, profile, now).await?;
    }
    let row = sessions::NewSession {
        id: &session_id,
        site: start.site.as_str(),
        visitor_id: start.visitor.as_str(),
        member_id,
        locale: locale.tag(),
        page_url: start.page_url.as_deref(),
        device_id: start.device.as_ref().map(|d| d.as_str()),
        started_at: now,
    };
    sessions::insert(&mut *tx, &row).await?;
    if let Some(member) = member_id {
        referrals::member_signed_in(&mut tx, site, start.visitor.as_str(), member).await?;
    }
    let summary = match &member {
        Some(m) => Some(members::summary(&mut tx, site, &m.sub, m.name.clone(), locale, true).await?),
        None => None,
    };
    surprises::give_at_session_start(
        &mut tx,
        &state.chance,
        site,
        start.visitor.as_str(),
        member.as_ref(),
        &session_id,
        now,
    )
    .await?;
    let placeholders = Placeholders {
        name: member.as_ref().and_then(|m| m.name.as_deref()),
        tier: summary.as_ref().and_then(|s| s.tier.as_ref()).map(|t| t.name.as_str()),
        points: summary
            .as_ref()
            .map(|s| crate::platform::numbers::group_thousands(s.points)),
    };
    let mut experiments = Vec::new();
    let mut decide = async |tx: &mut AnyConnection,
                            stored,
                            slot: Slot,
                            default: Option<String>|
           -> Result<(Option<String>, Option<bool>), sqlx::Error> {
        match experiments::message(
            tx,
            site,
            stored,
            slot,
            start.visitor.as_str(),
            member_id,
            locale,
            &placeholders,
            now,
        )
        .await?
        {
            Some(decided) => {
                experiments.extend(decided.assignment);
                Ok((Some(decided.text), decided.share))
            }
            None => Ok((default, None)),
        }
    };
    let (greeting, _) = decide(
        &mut tx,
        greeting_experiment,
        Slot::Greeting,
        greeting(site, locale, member.as_ref()),
    )
    .await?;
    let (farewell, share) = decide(
        &mut tx,
        farewell_experiment,
        Slot::Farewell,
        site.text(locale, |t| t.farewell.as_ref()),
    )
    .await?;
    let referral = referrals::for_session(&mut tx, site, member_id, share, locale, now).await?;
    tx.commit().await?;
    let mut reader = state.db.acquire().await?;
    let surprises = surprises::waiting(&mut *reader, site, start.visitor.as_str(), member.as_ref(), now).await?;
    let rewards = match (member_id, &summary) {
        (Some(m), Some(s)) => rewards::offers(&mut reader, site, m, s.points, s.lifetime_points, locale, now).await?,
        _ => Vec::new(),
    };
    let anonymous = if member.is_none() {
        site.settings.loyalty.anonymous
    } else {
        AnonymousBadge::Feedback
    };
    Ok(Json(SessionResponse {
        session_id,
        locale,
        greeting,
        member: summary,
        join_url: (anonymous == AnonymousBadge::Join)
            .then(|| site.settings.loyalty.join_url.clone())
            .flatten(),
        hide_badge: anonymous == AnonymousBadge::Hidden,
        feedback: FeedbackSettings {
            enabled: site.settings.feedback.enabled,
            scale: site.settings.feedback.scale,
            ask,
            question: site.text(locale, |t| t.question.as_ref()),
            farewell,
            apology: site.text(locale, |t| t.apology.as_ref()),
            follow_up: site.text(locale, |t| t.follow_up.as_ref()),
            recovery_points,
        },
        surprises,
        experiments,
        ways_to_earn: site.catalog.ways_to_earn(locale, site.settings.default_locale),
        rewards,
        referral,
    }))
}

/// Ask at the end of this session? Only visitors in the site's sample (sticky: decided by
/// hashing the visitor id) who have not answered within the cooldown.
async fn should_ask(conn: &mut AnyConnection, site: &Site, visitor: &VisitorId, now: i64) -> Result<bool, sqlx::Error> {
    let feedback = &site.settings.feedback;
    if !feedback.enabled || !sampling::in_sample(&site.settings.key, visitor.as_str(), feedback.sample_rate) {
        return Ok(false);
    }
    let since = now - i64::from(feedback.cooldown_days) * DAY_MS;
    Ok(!crate::features::visitor_events::answered_since(conn, &site.settings.key, visitor.as_str(), since).await?)
}

fn greeting(site: &Site, locale: Locale, member: Option<&MemberClaims>) -> Option<String> {
    let anonymous = || site.text(locale, |t| t.greeting.as_ref());
    match member.and_then(|m| m.name.as_deref()) {
        Some(name) => site
            .text(locale, |t| t.greeting_member.as_ref())
            .map(|g| g.replace("{name}", name))
            .or_else(anonymous),
        None => anonymous(),
    }
}
