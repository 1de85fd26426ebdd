//! Sign-in attempts between the redirect to the identity provider and its callback.

use sqlx::AnyConnection;

/// How long a person may take at the provider.
pub const ATTEMPT_MS: i64 = 10 * 60_000;

#[derive(Debug, sqlx::FromRow)]
pub struct Attempt {
    pub pkce_verifier: String,
    pub nonce: String,
    pub next: String,
}

pub async fn insert(
    db: &sqlx::AnyPool,
    state_hash: &str,
    pkce_verifier: &str,
    nonce: &str,
    next: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sso_attempts (state_hash, pkce_verifier, nonce, next, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(state_hash)
    .bind(pkce_verifier)
    .bind(nonce)
    .bind(next)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes the attempt a callback's `state` names, once: a second callback with it finds none.
pub async fn take(tx: &mut AnyConnection, state_hash: &str, now: i64) -> Result<Option<Attempt>, sqlx::Error> {
    let found: Option<Attempt> =
        sqlx::query_as("SELECT pkce_verifier, nonce, next FROM sso_attempts WHERE state_hash = $1 AND created_at > $2")
            .bind(state_hash)
            .bind(now - ATTEMPT_MS)
            .fetch_optional(&mut *tx)
            .await?;
    let taken = sqlx::query("DELETE FROM sso_attempts WHERE state_hash = $1")
        .bind(state_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // Two callbacks racing with one state: only the one whose DELETE removed the row goes on.
    Ok(found.filter(|_| taken == 1))
}
