//! Tokens the host's own backend signs with a site secret (HS256, with the secret's `kid`):
//! member tokens say who is signed in, event proofs say what happened. `jsonwebtoken` checks
//! the form and the signature; the rules on audience and times are ours, against the clock
//! the caller passes, and each failure keeps its own reason.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSecret {
    /// Matched against the token header's `kid`; tokens without one are tried against every secret.
    pub kid: String,
    pub secret: String,
}

/// Tokens may live at most this long (`exp` no later than `now` plus this).
pub const MAX_LIFETIME_SECS: i64 = 3_600;
/// Clock differences between the host's backend and ours that we forgive.
pub const LEEWAY_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a well-formed JWT")]
    Malformed,
    #[error("must be signed with HS256")]
    UnsupportedAlgorithm,
    #[error("names a key id this site does not have")]
    UnknownKeyId,
    #[error("the signature does not match")]
    BadSignature,
    #[error("has expired")]
    Expired,
    #[error("is not valid yet")]
    NotYetValid,
    #[error("lives longer than one hour")]
    LifetimeTooLong,
    #[error("was made for another site (aud)")]
    WrongSite,
    #[error("lacks a required claim")]
    MissingClaim,
    #[error("has a claim that is not valid")]
    InvalidClaim,
}

/// What the token must carry besides its own claims.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Member tokens must say when they were issued; proofs need only expire.
    pub require_iat: bool,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Registered<C> {
    aud: Option<Audience>,
    exp: Option<i64>,
    iat: Option<i64>,
    nbf: Option<i64>,
    #[serde(flatten)]
    claims: C,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The header, read before any key is chosen: which algorithm, which key.
fn header(token: &str) -> Result<Header, TokenError> {
    let part = token.split('.').next().ok_or(TokenError::Malformed)?;
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

/// Checks form, algorithm, key, signature, audience and times at `now` (seconds); returns the
/// token's own claims (`C`: whatever besides `aud`, `exp`, `iat` and `nbf` it must carry).
pub fn verify<C: DeserializeOwned>(
    token: &str,
    site: &str,
    secrets: &[TokenSecret],
    now: i64,
    rules: Rules,
) -> Result<C, TokenError> {
    if token.split('.').count() != 3 {
        return Err(TokenError::Malformed);
    }
    let header = header(token)?;
    if header.alg != "HS256" {
        return Err(TokenError::UnsupportedAlgorithm);
    }
    let candidates: Vec<&TokenSecret> = match &header.kid {
        Some(kid) => secrets.iter().filter(|s| &s.kid == kid).collect(),
        None => secrets.iter().collect(),
    };
    if candidates.is_empty() {
        return Err(if header.kid.is_some() {
            TokenError::UnknownKeyId
        } else {
            TokenError::BadSignature
        });
    }
    // Times and audience are checked below, with the caller's clock and our own codes.
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let mut outcome = Err(TokenError::BadSignature);
    for secret in candidates {
        let key = DecodingKey::from_secret(secret.secret.as_bytes()).map_err(|_| TokenError::BadSignature)?;
        outcome = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => TokenError::BadSignature,
                ErrorKind::InvalidAlgorithm | ErrorKind::UnsupportedAlgorithm => TokenError::UnsupportedAlgorithm,
                _ => TokenError::Malformed,
            });
        if outcome != Err(TokenError::BadSignature) {
            break;
        }
    }
    let claims: Registered<serde_json::Value> = serde_json::from_value(outcome?).map_err(|_| TokenError::Malformed)?;
    let (Some(aud), Some(exp)) = (claims.aud, claims.exp) else {
        return Err(TokenError::MissingClaim);
    };
    if rules.require_iat && claims.iat.is_none() {
        return Err(TokenError::MissingClaim);
    }
    let own: C = serde_json::from_value(claims.claims).map_err(|e| {
        if e.to_string().starts_with("missing field") {
            TokenError::MissingClaim
        } else {
            TokenError::InvalidClaim
        }
    })?;
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
    if claims.iat.is_some_and(|iat| iat > now + LEEWAY_SECS) || claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return Err(TokenError::NotYetValid);
    }
    if claims
        .iat
        .is_some_and(|iat| exp.saturating_sub(iat) > MAX_LIFETIME_SECS)
        || exp > now + MAX_LIFETIME_SECS + LEEWAY_SECS
    {
        return Err(TokenError::LifetimeTooLong);
    }
    Ok(own)
}

/// Signs claims as a host's backend does: HS256 with the secret's `kid`.
pub fn sign(claims: &serde_json::Value, secret: &TokenSecret) -> String {
    let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
    header.kid = Some(secret.kid.clone());
    let key = jsonwebtoken::EncodingKey::from_secret(secret.secret.as_bytes());
    // HS256 over JSON values cannot fail to sign; an empty token would be refused anyway.
    key.and_then(|key| jsonwebtoken::encode(&header, claims, &key))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    fn secret() -> TokenSecret {
        TokenSecret {
            kid: "k".into(),
            secret: "a-secret-of-thirty-two-bytes-0123".into(),
        }
    }

    #[test]
    fn times_at_the_ends_of_the_number_line_are_refused_without_overflow() {
        for (iat, exp) in [
            (i64::MIN, i64::MAX),
            (NOW, i64::MAX),
            (i64::MIN, NOW + 10),
            (i64::MAX, i64::MIN),
            (-1, i64::MAX),
        ] {
            let token = sign(
                &serde_json::json!({ "aud": "s", "sub": "m", "iat": iat, "exp": exp }),
                &secret(),
            );
            let verified = verify::<serde_json::Value>(&token, "s", &[secret()], NOW, Rules { require_iat: true });
            assert!(verified.is_err(), "iat {iat}, exp {exp}: {verified:?}");
        }
    }

    #[test]
    fn a_token_verifies_under_its_own_rules() {
        let token = sign(
            &serde_json::json!({ "aud": "s", "sub": "m", "exp": NOW + 600 }),
            &secret(),
        );
        assert!(verify::<serde_json::Value>(&token, "s", &[secret()], NOW, Rules { require_iat: false }).is_ok());
        assert_eq!(
            verify::<serde_json::Value>(&token, "s", &[secret()], NOW, Rules { require_iat: true }),
            Err(TokenError::MissingClaim)
        );
        assert_eq!(
            verify::<serde_json::Value>(&token, "other", &[secret()], NOW, Rules { require_iat: false }),
            Err(TokenError::WrongSite)
        );
        assert_eq!(
            verify::<serde_json::Value>(&token, "s", &[secret()], NOW + 700, Rules { require_iat: false }),
            Err(TokenError::Expired)
        );
    }
}
