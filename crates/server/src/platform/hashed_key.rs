//! Keys the server checks requests against, kept hashed.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// SHA-256 as 64 hex characters: how tokens and secrets are kept (the token itself is random
/// enough that no salt or stretching is needed).
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A key as the server keeps it (the admin key, the metrics token): hashed, so comparing takes
/// the same time whatever the presented key's length or content.
#[derive(Clone)]
pub struct HashedKey([u8; 32]);

impl HashedKey {
    pub fn new(key: &str) -> Self {
        Self(Sha256::digest(key.as_bytes()).into())
    }

    /// Tells one admin key from another without revealing it (dashboard sessions remember the admin key's).
    pub fn fingerprint(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn accepts(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.0.ct_eq(&presented).into()
    }
}
