//! Member tokens: JWTs the host's own backend signs with HS256 and a per-site secret.
//! The browser only carries them; it can neither make nor alter one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use moments_protocol::domain::{Birthday, MemberId};
use moments_protocol::limits::MAX_MEMBER_NAME_LEN;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::configuration::TokenSecret;
use crate::sites::Site;

/// Tokens may live at most this long (`exp` no later than `now` plus this).
pub const MAX_LIFETIME_SECS: i64 = 3_600;
/// Clock differences between the host's backend and ours that we forgive.
pub const LEEWAY_SECS: i64 = 60;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the member token is not a well-formed JWT")]
    Malformed,
    #[error("the member token must be signed with HS256")]
    UnsupportedAlgorithm,
    #[error("the member token names a key id this site does not have")]
    UnknownKeyId,
    #[error("the member token's signature does not match")]
    BadSignature,
    #[error("the member token has expired")]
    Expired,
    #[error("the member token is not valid yet")]
    NotYetValid,
    #[error("the member token lives longer than one hour")]
    LifetimeTooLong,
    #[error("the member token was made for another site (aud)")]
    WrongSite,
    #[error("the member token lacks sub, aud, exp or iat")]
    MissingClaim,
    #[error("the member token's sub, name or birthday is not valid")]
    InvalidClaim,
}

impl TokenError {
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

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(Deserialize)]
struct RegisteredClaims {
    aud: Option<Audience>,
    exp: Option<i64>,
    iat: Option<i64>,
    nbf: Option<i64>,
    #[serde(flatten)]
    member: MemberClaims,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

fn decode_part<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

fn mac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length")
}

/// Checks signature, algorithm, audience and times; returns who the member is.
/// The member a request's optional token names on `site`, checked at `now_ms`.
pub fn member_of(token: Option<&str>, site: &Site, now_ms: i64) -> Result<Option<MemberClaims>, TokenError> {
    token.map(|t| verify(t, &site.settings.key, &site.settings.member_token_secrets, now_ms / 1000)).transpose()
}

impl From<TokenError> for crate::error::ApiError {
    /// The widget carries on as an anonymous visitor after this.
    fn from(error: TokenError) -> Self {
        Self::new(axum::http::StatusCode::UNAUTHORIZED, error.code(), error.to_string())
    }
}

pub fn verify(token: &str, site: &str, secrets: &[TokenSecret], now: i64) -> Result<MemberClaims, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header: Header = decode_part(header)?;
    if header.alg != "HS256" {
        return Err(TokenError::UnsupportedAlgorithm);
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    let candidates: Vec<&TokenSecret> = match &header.kid {
        Some(kid) => secrets.iter().filter(|s| &s.kid == kid).collect(),
        None => secrets.iter().collect(),
    };
    if candidates.is_empty() {
        return Err(if header.kid.is_some() { TokenError::UnknownKeyId } else { TokenError::BadSignature });
    }
    let signed = &token[..token.len() - token.rsplit('.').next().map_or(0, str::len) - 1];
    let genuine = candidates.iter().any(|secret| {
        let mut mac = mac(&secret.secret);
        mac.update(signed.as_bytes());
        mac.verify_slice(&signature).is_ok()
    });
    if !genuine {
        return Err(TokenError::BadSignature);
    }
    let claims: RegisteredClaims = decode_part(payload)?;
    let (Some(aud), Some(exp), Some(iat)) = (claims.aud, claims.exp, claims.iat) else {
        return Err(TokenError::MissingClaim);
    };
    MemberId::parse(&claims.member.sub).map_err(|_| TokenError::InvalidClaim)?;
    let bad_name = |n: &String| n.chars().count() > MAX_MEMBER_NAME_LEN || n.chars().any(char::is_control);
    if claims.member.birthday.as_deref().is_some_and(|b| Birthday::parse(b).is_err()) || claims.member.name.as_ref().is_some_and(bad_name) {
        return Err(TokenError::InvalidClaim);
    }
    let for_site = match aud {
        Audience::One(a) => a == site,
        Audience::Many(all) => all.iter().any(|a| a == site),
    };
    if !for_site {
        return Err(TokenError::WrongSite);
    }
    if exp <= now - LEEWAY_SECS {
        return Err(TokenError::Expired);
    }
    if iat > now + LEEWAY_SECS || claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return Err(TokenError::NotYetValid);
    }
    if exp - iat > MAX_LIFETIME_SECS || exp > now + MAX_LIFETIME_SECS + LEEWAY_SECS {
        return Err(TokenError::LifetimeTooLong);
    }
    Ok(claims.member)
}

/// Signs a token as a host's backend would. The server uses it only for the demo pages;
/// tests use it to make good and bad tokens.
pub fn mint(member: &MemberClaims, site: &str, secret: &TokenSecret, iat: i64, exp: i64) -> String {
    let header = serde_json::json!({ "alg": "HS256", "typ": "JWT", "kid": secret.kid });
    let mut claims = serde_json::to_value(member).expect("claims are plain data");
    claims["aud"] = site.into();
    claims["iat"] = iat.into();
    claims["exp"] = exp.into();
    sign(&header, &claims, &secret.secret)
}

/// Signs any header and claims; for tests that need tokens `mint` would never make.
pub fn sign(header: &serde_json::Value, claims: &serde_json::Value, secret: &str) -> String {
    let signed = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut mac = mac(secret);
    mac.update(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}
