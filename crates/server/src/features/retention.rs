//! Housekeeping in the background: what visitors did is kept only as long as configured
//! (`[server.retention]`), and spent sign-in records go. Deletes run in small batches, so the
//! write lock is never held for long; every process may run it, the deletes are idempotent.

use std::time::Duration;

use sqlx::AnyPool;

use crate::config::RetentionSettings;
use crate::platform::clock::{DAY_MS, now_ms};

const EVERY: Duration = Duration::from_secs(3_600);
const BATCH: i64 = 1_000;
/// Failed sign-ins matter for the guessing window only.
pub const LOGIN_FAILURE_WINDOW_MS: i64 = 15 * 60_000;

/// Runs now and then every hour, until the server stops.
pub async fn run(db: AnyPool, settings: RetentionSettings) {
    let mut ticks = tokio::time::interval(EVERY);
    loop {
        ticks.tick().await;
        if let Err(error) = run_once(&db, settings, now_ms()).await {
            tracing::warn!(%error, "retention job failed; it runs again within the hour");
        }
    }
}

/// What was deleted: (sessions, events).
pub async fn run_once(db: &AnyPool, settings: RetentionSettings, now: i64) -> Result<(u64, u64), sqlx::Error> {
    let cutoff = |days: u32| now - i64::from(days) * DAY_MS;
    let sessions = match settings.sessions_days {
        0 => 0,
        days => delete_in_batches(db, "sessions", "started_at", cutoff(days)).await?,
    };
    let events = match settings.events_days {
        0 => 0,
        days => {
            delete_in_batches(db, "answer_context", "received_at", cutoff(days)).await?;
            // A comment's terms go with it; the counts (numbers only) stay, as the rollups do.
            delete_in_batches(db, "answer_terms", "received_at", cutoff(days)).await?;
            delete_in_batches(db, "events", "received_at", cutoff(days)).await?
        }
    };
    delete_in_batches(db, "login_failures", "at", now - LOGIN_FAILURE_WINDOW_MS).await?;
    // Snapshots of reports: yesterday's ranges are not asked for again (a new one is made if so).
    delete_in_batches(db, "report_snapshots", "computed_at", now - 2 * DAY_MS).await?;
    delete_in_batches(db, "staff_sessions", "expires_at", now).await?;
    delete_in_batches(
        db,
        "sso_attempts",
        "created_at",
        now - crate::features::sso::store::ATTEMPT_MS,
    )
    .await?;
    if settings.audit_days > 0 {
        delete_in_batches(db, "audit_log", "at", cutoff(settings.audit_days)).await?;
    }
    if settings.webhooks_days > 0 {
        crate::features::webhooks::store::purge(db, cutoff(settings.webhooks_days)).await?;
    }
    if sessions + events > 0 {
        tracing::info!(sessions, events, "retention: deleted what is older than configured");
    }
    Ok((sessions, events))
}

/// Deletes the rows of `table` whose `time` column is before `before`, a batch at a time so
/// no transaction holds the database long.
async fn delete_in_batches(
    db: &AnyPool,
    table: &'static str,
    time: &'static str,
    before: i64,
) -> Result<u64, sqlx::Error> {
    let row = crate::platform::db::Backend::of_pool(db).row_locator();
    let statement =
        format!("DELETE FROM {table} WHERE {row} IN (SELECT {row} FROM {table} WHERE {time} < $1 LIMIT $2)");
    let mut total = 0;
    loop {
        let deleted = sqlx::query(sqlx::AssertSqlSafe(statement.as_str()))
            .bind(before)
            .bind(BATCH)
            .execute(db)
            .await?
            .rows_affected();
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}
