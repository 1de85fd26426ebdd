use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use moments_protocol::Locale;
use moments_protocol::domain;
use moments_protocol::wire::{ErrorBody, ReferralClick, ReferralClicked};

use crate::features::referrals::{self, Click, ClickError};
use crate::features::sessions;
use crate::platform::clock::now_ms;
use crate::platform::hashed_key::sha256_hex;
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::{AppState, ClientAddress, InSession};

/// A visitor arrived through a member's referral link (the widget took `?ref=` from the
/// address). Attributes the friend's browser to the link for the site's window, or refuses
/// it with the reason; a click pays nothing by itself. The same browser and code again
/// answer as the first time.
#[utoipa::path(
    post, path = "/v1/referrals/click", request_body = ReferralClick,
    responses(
        (status = 200, body = ReferralClicked),
        (status = 401, body = ErrorBody, description = "unknown_session"),
        (status = 404, body = ErrorBody, description = "unknown_referral_code, referrals_off, unknown_site"),
        (status = 422, body = ErrorBody, description = "A field is invalid; the code names it"),
        (status = 429, body = ErrorBody, description = "rate_limited: wait for Retry-After seconds"),
    )
)]
pub async fn click(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ReferralClick>,
) -> Result<Json<ReferralClicked>, ApiError> {
    let InSession {
        site, visitor, session, ..
    } = state.in_session(
        &headers,
        client,
        (&request.site, &request.visitor_id, &request.session_id),
    )?;
    let device = request
        .device_id
        .as_deref()
        .map(domain::device_id)
        .transpose()
        .map_err(ApiError::invalid)?;
    let key = site.settings.key.as_str();
    let address = sha256_hex(&format!("{key}:{}", client.0));
    let now = now_ms();
    let mut tx = state.writer.begin().await?;
    let member = sessions::member_of(&mut *tx, key, session.as_str()).await?;
    let click = Click {
        code: request.code.trim(),
        visitor: visitor.as_str(),
        device: device.as_ref().map(|d| d.as_str()),
        member: member.as_deref(),
        address: Some(&address),
    };
    let stored = match referrals::click(&mut tx, site, &click, now).await? {
        Ok(stored) => stored,
        Err(ClickError::Off) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "referrals_off",
                "this site has no refer-a-friend program",
            ));
        }
        Err(ClickError::UnknownCode) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_referral_code",
                "no member of this site has this referral code",
            ));
        }
    };
    tx.commit().await?;
    let refused = stored.referral.status == "refused";
    let reason = stored.referral.reason.filter(|_| refused);
    let offer = referrals::offer(&site.settings.referrals);
    let locale = request
        .locale
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or(site.settings.default_locale);
    Ok(Json(ReferralClicked {
        status: if refused { "refused" } else { "attributed" }.to_owned(),
        message: referrals::texts::arrival(&offer, reason.as_deref(), locale),
        reason,
        offer,
        expires_at: stored.expires_at,
    }))
}
