//! Dashboard sign-ins in the database: sessions (only a hash of their token), and failed
//! attempts, counted per address and per name so guessing stops after ten in fifteen minutes
//! for every server process at once.

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use sqlx::AnyPool;

use crate::features::retention::LOGIN_FAILURE_WINDOW_MS;

/// Failures within the window that stop further attempts.
pub const MAX_FAILURES: i64 = 10;

#[derive(sqlx::FromRow)]
pub struct StoredSession {
    pub token_hash: String,
    pub staff: String,
    pub csrf: String,
    pub credential: String,
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub staff: &'a str,
    pub csrf: &'a str,
    pub credential: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn session(db: &AnyPool, token_hash: &str, now: i64) -> Result<Option<StoredSession>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token_hash, staff, csrf, credential FROM staff_sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn start_session(db: &AnyPool, session: &NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO staff_sessions (token_hash, staff, csrf, credential, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(session.token_hash)
        .bind(session.staff)
        .bind(session.csrf)
        .bind(session.credential)
        .bind(session.now)
        .bind(session.expires_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn end_session(db: &AnyPool, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// How long until any of `keys` may try again, if one is at the limit: until its tenth most
/// recent failure leaves the window.
pub async fn blocked_for(db: &AnyPool, keys: &[String], now: i64) -> Result<Option<i64>, sqlx::Error> {
    let mut wait = None;
    for key in keys {
        let tenth: Option<i64> = sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE key = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3",
        )
        .bind(key)
        .bind(now - LOGIN_FAILURE_WINDOW_MS)
        .bind(MAX_FAILURES - 1)
        .fetch_optional(db)
        .await?;
        if let Some(at) = tenth {
            wait = wait.max(Some(at + LOGIN_FAILURE_WINDOW_MS - now));
        }
    }
    Ok(wait)
}

pub async fn record_failure(db: &AnyPool, keys: &[String], now: i64) -> Result<(), sqlx::Error> {
    for key in keys {
        sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// Every hashing thread stayed busy for ten seconds: the web answers 503 `overloaded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManySignIns;

/// Sign-ins hash passwords on a few threads at most (argon2 is slow by design, and a flood
/// of sign-ins must not starve the server), and an unknown name is checked against a hash of
/// nothing, so it costs what a known one costs.
pub struct SignInGuard {
    hashing: tokio::sync::Semaphore,
    nobody: std::sync::OnceLock<String>,
}

impl Default for SignInGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl SignInGuard {
    pub fn new() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            hashing: tokio::sync::Semaphore::new(threads),
            nobody: std::sync::OnceLock::new(),
        }
    }

    /// Whether `password` matches `hash` (`None`: no such account, checked all the same).
    pub async fn verify(&self, hash: Option<&str>, password: &str) -> Result<bool, TooManySignIns> {
        let permit = tokio::time::timeout(std::time::Duration::from_secs(10), self.hashing.acquire()).await;
        let Ok(Ok(_permit)) = permit else {
            return Err(TooManySignIns);
        };
        let known = hash.is_some();
        let hash = match hash {
            Some(hash) => hash.to_owned(),
            None => self.nobody.get_or_init(hash_of_nobody).clone(),
        };
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || verify(&hash, &password))
            .await
            .unwrap_or(false);
        Ok(known && matches)
    }
}

/// A hash with the default parameters (those `--hash-password` uses) of a password no account has.
fn hash_of_nobody() -> String {
    use argon2::PasswordHasher;
    Argon2::default()
        .hash_password_with_salt(
            crate::platform::random::token().as_bytes(),
            &crate::platform::random::token().as_bytes()[..16],
        )
        .map(|h| h.to_string())
        .unwrap_or_default()
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}
