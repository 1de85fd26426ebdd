//! Figures too heavy to compute on every page view of a big shop (the Loyalty page, an
//! experiment's results), kept in the database: served from there, and recomputed in the
//! background once older than `FRESH_MS` by the one server that claims the refresh (the
//! others, and that one meanwhile, serve what is there). A range or an experiment seen for
//! the first time is computed in the background; the page waits a few seconds for it, then
//! says it is under way and reloads itself.

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::AnyPool;

use crate::platform::clock::now_ms;

/// How old a snapshot may be before a page view starts its refresh.
pub const FRESH_MS: i64 = 5 * 60_000;
/// A claim on a computation lasts this long unless renewed: the computing task renews it every
/// `HEARTBEAT` however long it takes, so a claim left by a server that died (killed in the
/// middle of a computation) lapses within seconds, not after the longest computation.
const REFRESH_LEASE_MS: i64 = 20_000;
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);

/// A report's figures and when they were computed.
pub struct Snapshot<T> {
    pub value: T,
    pub computed_at: i64,
}

async fn load(db: &AnyPool, site: &str, report: &str, key: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT computed_at, body FROM report_snapshots WHERE site = $1 AND report = $2 AND range_key = $3")
        .bind(site)
        .bind(report)
        .bind(key)
        .fetch_optional(db)
        .await
}

/// Keeps `body` unless a newer one was kept meanwhile (a placeholder is dated when its
/// computation started); ends any claim on the refresh.
async fn save(
    db: &AnyPool,
    site: &str,
    report: &str,
    key: &str,
    computed_at: i64,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO report_snapshots (site, report, range_key, computed_at, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (site, report, range_key) DO UPDATE SET computed_at = excluded.computed_at, body = excluded.body, refreshing_until = NULL
         WHERE excluded.computed_at >= report_snapshots.computed_at",
    )
    .bind(site)
    .bind(report)
    .bind(key)
    .bind(computed_at)
    .bind(body)
    .execute(db)
    .await?;
    Ok(())
}

/// True for the one caller (of every server) that gets to refresh the snapshot now.
async fn claim_refresh(db: &AnyPool, site: &str, report: &str, key: &str, now: i64) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE report_snapshots SET refreshing_until = $4
         WHERE site = $1 AND report = $2 AND range_key = $3 AND (refreshing_until IS NULL OR refreshing_until < $5)",
    )
    .bind(site)
    .bind(report)
    .bind(key)
    .bind(now + REFRESH_LEASE_MS)
    .bind(now)
    .execute(db)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Claims the first computation of a snapshot no one has made: a placeholder row, so the
/// other servers wait for this one.
async fn claim_new(db: &AnyPool, site: &str, report: &str, key: &str, now: i64) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "INSERT INTO report_snapshots (site, report, range_key, computed_at, body, refreshing_until) VALUES ($1, $2, $3, $4, '', $5)
         ON CONFLICT (site, report, range_key) DO NOTHING",
    )
    .bind(site)
    .bind(report)
    .bind(key)
    // Dated now, so the retention job does not take it for an old snapshot.
    .bind(now)
    .bind(now + REFRESH_LEASE_MS)
    .execute(db)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// The computing task is alive: its claim runs another lease from now.
async fn renew(db: &AnyPool, site: &str, report: &str, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE report_snapshots SET refreshing_until = $4
         WHERE site = $1 AND report = $2 AND range_key = $3 AND refreshing_until IS NOT NULL",
    )
    .bind(site)
    .bind(report)
    .bind(key)
    .bind(now_ms() + REFRESH_LEASE_MS)
    .execute(db)
    .await?;
    Ok(())
}

/// A computation that failed lets the next page view try again at once.
async fn release(db: &AnyPool, site: &str, report: &str, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE report_snapshots SET refreshing_until = NULL WHERE site = $1 AND report = $2 AND range_key = $3",
    )
    .bind(site)
    .bind(report)
    .bind(key)
    .execute(db)
    .await?;
    Ok(())
}

/// How long a page waits for a first computation before it says it is under way (a page
/// with figures of its own to show meanwhile may wait less: `cached_within`).
pub const WAIT_FOR_FIRST: std::time::Duration = std::time::Duration::from_secs(3);

/// A report's snapshot, or word that it is being computed.
pub enum Lookup<T> {
    Ready(Snapshot<T>),
    /// Its first computation is under way (on a big shop, seconds): ask again shortly.
    Computing,
}

/// Computes and keeps the snapshot, in a task of its own, so a request that stops waiting
/// (its timeout, a closed tab) does not stop it.
fn compute_in_background<T, F, Fut>(
    db: &AnyPool,
    site: &str,
    report: &str,
    key: &str,
    now: i64,
    compute: F,
) -> tokio::sync::oneshot::Receiver<Result<T, sqlx::Error>>
where
    T: Serialize + Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, sqlx::Error>> + Send,
{
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let (db, site, report, key) = (db.clone(), site.to_owned(), report.to_owned(), key.to_owned());
    tokio::spawn(async move {
        let work = async {
            let value = compute().await?;
            let body = serde_json::to_string(&value).map_err(|e| sqlx::Error::Encode(e.into()))?;
            save(&db, &site, &report, &key, now, &body).await?;
            Ok(value)
        };
        tokio::pin!(work);
        let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        let computed = loop {
            tokio::select! {
                done = &mut work => break done,
                _ = heartbeat.tick() => {
                    if let Err(error) = renew(&db, &site, &report, &key).await {
                        tracing::warn!(%error, site, report, "renewing the claim on a report snapshot failed");
                    }
                }
            }
        };
        if let Err(error) = &computed {
            tracing::warn!(%error, site, report, "computing a report snapshot failed; the next page view tries again");
            let _ = release(&db, &site, &report, &key).await;
        }
        let _ = sender.send(computed);
    });
    receiver
}

/// The snapshot of `report` for `key`: as kept, while `fresh(computed_at)` says so; as kept
/// with a refresh started when it does not; and when there is none yet, computed by the one
/// server that claims it, waited for a few seconds at most.
pub async fn cached<T, F, Fut>(
    db: &AnyPool,
    site: &str,
    report: &str,
    key: &str,
    fresh: impl Fn(i64) -> bool,
    compute: F,
) -> Result<Lookup<T>, sqlx::Error>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, sqlx::Error>> + Send,
{
    cached_within(db, site, report, key, fresh, WAIT_FOR_FIRST, compute).await
}

/// `cached`, waiting at most `wait` for a first computation.
pub async fn cached_within<T, F, Fut>(
    db: &AnyPool,
    site: &str,
    report: &str,
    key: &str,
    fresh: impl Fn(i64) -> bool,
    wait: std::time::Duration,
    compute: F,
) -> Result<Lookup<T>, sqlx::Error>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, sqlx::Error>> + Send,
{
    let now = now_ms();
    let kept = load(db, site, report, key).await?;
    if let Some(snapshot) = figures(&kept) {
        if !fresh(snapshot.computed_at) && claim_refresh(db, site, report, key, now).await? {
            // Served as it is; the next page view gets the new one.
            drop(compute_in_background(db, site, report, key, now, compute));
        }
        return Ok(Lookup::Ready(snapshot));
    }
    let claimed = match kept {
        None => claim_new(db, site, report, key, now).await?,
        // A placeholder: its computation is under way, unless its server gave up or died.
        Some(_) => claim_refresh(db, site, report, key, now).await?,
    };
    if !claimed {
        // Another task or server is computing it: wait for it as long as for our own.
        let until = tokio::time::Instant::now() + wait;
        while tokio::time::Instant::now() < until {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if let Some(snapshot) = figures(&load(db, site, report, key).await?) {
                return Ok(Lookup::Ready(snapshot));
            }
        }
        return Ok(Lookup::Computing);
    }
    match tokio::time::timeout(wait, compute_in_background(db, site, report, key, now, compute)).await {
        Ok(Ok(Ok(value))) => Ok(Lookup::Ready(Snapshot {
            value,
            computed_at: now,
        })),
        Ok(Ok(Err(error))) => Err(error),
        _ => Ok(Lookup::Computing),
    }
}

/// The kept row's figures; none for a placeholder (its first computation is under way).
fn figures<T: DeserializeOwned>(kept: &Option<(i64, String)>) -> Option<Snapshot<T>> {
    let (computed_at, body) = kept.as_ref()?;
    Some(Snapshot {
        value: serde_json::from_str(body).ok()?,
        computed_at: *computed_at,
    })
}

/// Fresh while younger than `FRESH_MS`.
pub fn recent(computed_at: i64) -> bool {
    now_ms() - computed_at < FRESH_MS
}
