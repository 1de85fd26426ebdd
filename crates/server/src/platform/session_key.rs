//! Session ids the server signs: `<uuid>.<tag>`, the tag an HMAC of site, visitor and uuid
//! under a secret the server keeps in its database. Events and claims naming a session this
//! server never issued are refused before any database read; a session issued before the
//! database was restored from a backup still verifies, because the backup holds the secret.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use sqlx::AnyPool;

use crate::platform::clock::now_ms;

/// 128 bits of tag: guessing one is hopeless; the id stays short.
const TAG_BYTES: usize = 16;

#[derive(Clone)]
pub struct SessionKey(Hmac<Sha256>);

impl SessionKey {
    /// The database's session secret, made by whichever server process starts first.
    pub async fn load(db: &AnyPool) -> Result<Self, sqlx::Error> {
        let fresh = crate::platform::random::secret_bytes();
        sqlx::query("INSERT INTO server_secrets (name, secret, created_at) VALUES ('session', $1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(&fresh)
            .bind(now_ms())
            .execute(db)
            .await?;
        let secret: Vec<u8> = sqlx::query_scalar("SELECT secret FROM server_secrets WHERE name = 'session'")
            .fetch_one(db)
            .await?;
        Ok(Self::from_secret(&secret))
    }

    pub fn from_secret(secret: &[u8]) -> Self {
        Self(Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length"))
    }

    fn mac(&self, site: &str, visitor: &str, id: &str) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        // Length-prefixed, so no two (site, visitor, id) triples sign the same bytes.
        for part in [site, visitor, id] {
            mac.update(&(part.len() as u32).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    /// A new session id for this visitor on this site.
    pub fn issue(&self, site: &str, visitor: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let tag = self.mac(site, visitor, &id).finalize().into_bytes();
        format!("{id}.{}", URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES]))
    }

    /// Whether this server issued `session_id` to this visitor on this site.
    pub fn verify(&self, site: &str, visitor: &str, session_id: &str) -> bool {
        let Some((id, tag)) = session_id.split_once('.') else {
            return false;
        };
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        tag.len() == TAG_BYTES
            && moments_protocol::uuid::is_canonical(id)
            && self.mac(site, visitor, id).verify_truncated_left(&tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_verifies_only_for_its_site_and_visitor_under_its_key() {
        let key = SessionKey::from_secret(b"0123456789abcdef0123456789abcdef");
        let id = key.issue("shop", "visitor-1");
        assert_eq!(id.len(), 36 + 1 + 22);
        assert!(key.verify("shop", "visitor-1", &id));
        assert!(!key.verify("shop", "visitor-2", &id));
        assert!(!key.verify("shop2", "visitor-1", &id));
        assert!(!SessionKey::from_secret(b"another key entirely, 32 bytes!!").verify("shop", "visitor-1", &id));
        let mut forged = id.clone();
        forged.replace_range(0..1, if id.starts_with('a') { "b" } else { "a" });
        assert!(!key.verify("shop", "visitor-1", &forged));
        for garbage in [
            "",
            ".",
            "not-a-session",
            &id[..36],
            &format!("{}.", &id[..36]),
            &format!("{id}A"),
        ] {
            assert!(!key.verify("shop", "visitor-1", garbage), "{garbage:?}");
        }
    }
}
