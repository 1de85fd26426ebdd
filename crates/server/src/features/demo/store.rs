//! The one row that says a site's demo history was generated, so it is generated once.

use sqlx::{AnyConnection, AnyExecutor};

/// Records that `site`'s history is being generated from `seed`; `false` when it was before.
/// Called in the transaction that writes the history: the history exists exactly when the row
/// does, however many servers start together.
pub async fn begin_history(tx: &mut AnyConnection, site: &str, seed: i64, now: i64) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO demo_history (site, seed, generated_at) VALUES ($1, $2, $3) ON CONFLICT (site) DO NOTHING",
    )
    .bind(site)
    .bind(seed)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// When `site`'s demo history was generated, if it was.
pub async fn history_generated_at(db: impl AnyExecutor<'_>, site: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT generated_at FROM demo_history WHERE site = $1")
        .bind(site)
        .fetch_optional(db)
        .await
}
