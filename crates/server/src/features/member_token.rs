//! Member tokens: JWTs the host's own backend signs with HS256 and a per-site secret.
//! The browser only carries them; it can neither make nor alter one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use moments_protocol::domain::{Birthday, MemberId};
use moments_protocol::limits::MAX_MEMBER_NAME_LEN;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::features::sites::Site;
use crate::platform::signed_token::TokenSecret;
use crate::platform::signed_token::{self, Rules};
pub use crate::platform::signed_token::{LEEWAY_SECS, MAX_LIFETIME_SECS, TokenError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberClaims {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
}

impl TokenError {
    /// The member token's own code for each failure (the proofs' are in `proofs`).
    pub fn code(self) -> &'static str {
        match self {
            TokenError::Malformed => "member_token_malformed",
            TokenError::UnsupportedAlgorithm => "member_token_unsupported_algorithm",
            TokenError::UnknownKeyId => "member_token_unknown_key",
            TokenError::BadSignature => "member_token_bad_signature",
            TokenError::Expired => "member_token_expired",
            TokenError::NotYetValid => "member_token_not_yet_valid",
            TokenError::LifetimeTooLong => "member_token_lifetime_too_long",
            TokenError::WrongSite => "member_token_wrong_site",
            TokenError::MissingClaim => "member_token_missing_claim",
            TokenError::InvalidClaim => "member_token_invalid_claim",
        }
    }
}

fn mac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length")
}

/// The member a request's optional token names on `site`, checked at `now_ms`.
pub fn member_of(token: Option<&str>, site: &Site, now_ms: i64) -> Result<Option<MemberClaims>, TokenError> {
    token
        .map(|t| {
            verify(
                t,
                &site.settings.key,
                &site.settings.member_token_secrets,
                now_ms / 1000,
            )
        })
        .transpose()
}

/// Checks signature, algorithm, audience and times; returns who the member is.
pub fn verify(token: &str, site: &str, secrets: &[TokenSecret], now: i64) -> Result<MemberClaims, TokenError> {
    let member: MemberClaims = signed_token::verify(token, site, secrets, now, Rules { require_iat: true })?;
    MemberId::parse(&member.sub).map_err(|_| TokenError::InvalidClaim)?;
    let bad_name = |n: &String| n.chars().count() > MAX_MEMBER_NAME_LEN || n.chars().any(char::is_control);
    if member.birthday.as_deref().is_some_and(|b| Birthday::parse(b).is_err())
        || member.name.as_ref().is_some_and(bad_name)
    {
        return Err(TokenError::InvalidClaim);
    }
    Ok(member)
}

/// Signs a token as a host's backend would. The server uses it only for the demo pages;
/// tests use it to make good and bad tokens.
pub fn mint(member: &MemberClaims, site: &str, secret: &TokenSecret, iat: i64, exp: i64) -> String {
    let mut claims = serde_json::to_value(member).expect("claims are plain data");
    claims["aud"] = site.into();
    claims["iat"] = iat.into();
    claims["exp"] = exp.into();
    signed_token::sign(&claims, secret)
}

/// Signs any header and claims; for tests that need tokens `mint` would never make.
pub fn sign(header: &serde_json::Value, claims: &serde_json::Value, secret: &str) -> String {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = mac(secret);
    mac.update(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}
