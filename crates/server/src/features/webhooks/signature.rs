//! Standard Webhooks signing (https://www.standardwebhooks.com): secrets in the spec's
//! `whsec_<base64>` form, and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`,
//! one signature per live secret so receivers can rotate without a gap.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// Bytes of a secret we make: 32, as long as the HMAC's output.
const NEW_SECRET_BYTES: usize = 32;
/// The spec asks for 24 to 64 bytes.
const MIN_SECRET_BYTES: usize = 24;
const MAX_SECRET_BYTES: usize = 64;

/// A signing secret: the key bytes, and the `whsec_` text receivers are given.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("a webhook secret starts with whsec_ followed by base64")]
    NotWhsec,
    #[error("a webhook secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")]
    WrongLength,
}

impl Secret {
    pub fn generate() -> Self {
        let bytes: Vec<u8> = uuid::Uuid::new_v4()
            .as_bytes()
            .iter()
            .chain(uuid::Uuid::new_v4().as_bytes())
            .copied()
            .collect();
        Self(bytes[..NEW_SECRET_BYTES].to_vec())
    }

    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text.strip_prefix(PREFIX).ok_or(SecretError::NotWhsec)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| SecretError::NotWhsec)?;
        if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&bytes.len()) {
            return Err(SecretError::WrongLength);
        }
        Ok(Self(bytes))
    }

    pub fn to_whsec(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// `v1,<signature>` of one message.
    fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: a signature per secret, separated by spaces.
pub fn header(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's own example, as its reference libraries test it.
    #[test]
    fn signs_the_specs_example() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signed = header(
            &[secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn signs_with_every_live_secret() {
        let (old, new) = (Secret::generate(), Secret::generate());
        let both = header(&[old.clone(), new.clone()], "msg_1", 1, b"{}");
        assert_eq!(
            both,
            format!(
                "{} {}",
                header(&[old], "msg_1", 1, b"{}"),
                header(&[new], "msg_1", 1, b"{}")
            )
        );
    }

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let secret = Secret::generate();
        assert!(secret.to_whsec().starts_with("whsec_"));
        assert_eq!(Secret::parse(&secret.to_whsec()).unwrap(), secret);
        assert_ne!(Secret::generate(), secret);
    }

    #[test]
    fn refuses_what_is_not_a_secret() {
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::NotWhsec)
        );
        assert_eq!(Secret::parse("whsec_not base64!"), Err(SecretError::NotWhsec));
        assert_eq!(Secret::parse("whsec_c2hvcnQ="), Err(SecretError::WrongLength));
    }
}
