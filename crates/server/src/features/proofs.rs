//! Event proofs: what the host's backend vouches for when the browser tracks an event
//! (`element.track("purchase", { value, proof })`). A JWT signed with the site's member-token
//! secret that names the member, the event, its value and the host's own id for it (`jti`).
//! Only proven events (or events the host reports through the admin API) may bring gifts of
//! value; the browser alone can bring a thank-you at most.

use moments_protocol::InvalidInput;
use moments_protocol::limits::MAX_IDEMPOTENCY_KEY_LEN;
use serde::Deserialize;

use crate::features::sites::Site;
use crate::platform::signed_token::{self, Rules, TokenError};

/// The claims a proof carries besides `aud` and `exp`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventProof {
    /// The member the event belongs to (the member token's `sub`).
    pub sub: String,
    /// The tracked event's name.
    pub event: String,
    #[serde(default)]
    pub value: Option<f64>,
    /// The host's own id for what happened (an order number): vouched for once per site.
    pub jti: String,
}

fn code(error: TokenError) -> &'static str {
    match error {
        TokenError::Malformed => "proof_malformed",
        TokenError::UnsupportedAlgorithm => "proof_unsupported_algorithm",
        TokenError::UnknownKeyId => "proof_unknown_key",
        TokenError::BadSignature => "proof_bad_signature",
        TokenError::Expired => "proof_expired",
        TokenError::NotYetValid => "proof_not_yet_valid",
        TokenError::LifetimeTooLong => "proof_lifetime_too_long",
        TokenError::WrongSite => "proof_wrong_site",
        TokenError::MissingClaim => "proof_missing_claim",
        TokenError::InvalidClaim => "proof_invalid_claim",
    }
}

/// Checks the proof's signature and times, then that it vouches for exactly this event of
/// this member. `member`: the session's member, as the server knows it.
pub fn verify(
    proof: &str,
    site: &Site,
    member: Option<&str>,
    name: &str,
    value: Option<f64>,
    now_ms: i64,
) -> Result<EventProof, InvalidInput> {
    let settings = &site.settings;
    let claims: EventProof = signed_token::verify(
        proof,
        &settings.key,
        &settings.member_token_secrets,
        now_ms / 1000,
        Rules { require_iat: false },
    )
    .map_err(|e| InvalidInput::new(code(e), format!("the proof {e}")))?;
    if claims.jti.trim().is_empty() || claims.jti.chars().count() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(InvalidInput::new(
            "proof_invalid_claim",
            format!("the proof's jti must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters"),
        ));
    }
    let mismatch = |what: &str| {
        Err(InvalidInput::new(
            "proof_mismatch",
            format!("the proof vouches for another {what}"),
        ))
    };
    if member != Some(claims.sub.as_str()) {
        return mismatch("member (sub) than this session's");
    }
    if claims.event != name {
        return mismatch("event name");
    }
    if claims.value != value {
        return mismatch("value");
    }
    Ok(claims)
}
