//! The points ledger: append-only, one row per change. Balances and lifetime points are
//! sums over it; the database alone decides whether a change may happen, so any number of
//! server processes agree.

use moments_protocol::domain::{MemberId, PointsChange};
use moments_protocol::wire::LedgerEntry;
use serde::Serialize;
use sqlx::{AnyConnection, AnyExecutor};

use crate::features::sites::Site;
use crate::features::webhooks::emit;
use crate::features::webhooks::event_types::{PointsChanged, TierChanged};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub balance: i64,
    /// Every point ever earned; redemptions do not lower it.
    pub lifetime: i64,
}

/// A stored change, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StoredEntry {
    pub id: i64,
    pub delta: i64,
    pub reason: String,
    pub idempotency_key: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// The balance right after this entry.
    pub balance_after: Option<i64>,
}

impl From<StoredEntry> for LedgerEntry {
    fn from(e: StoredEntry) -> Self {
        LedgerEntry {
            delta: e.delta,
            reason: e.reason,
            at: e.created_at,
        }
    }
}

pub enum Appended {
    /// Stored now.
    New(StoredEntry),
    /// The same change was stored before under this key; nothing changed.
    Replayed(StoredEntry),
}

#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("this idempotency key was used before with a different delta or reason")]
    KeyReused(StoredEntry),
    #[error("the balance is {balance}: a change of {delta} would make it negative")]
    InsufficientPoints { balance: i64, delta: i64 },
    /// Its own error wraps the database's, so `db::retrying` sees a lost conflict through it.
    #[error("the database refused the change: {0}")]
    Database(#[from] sqlx::Error),
}

pub async fn standing(db: impl AnyExecutor<'_>, site: &str, member: &str) -> Result<Standing, sqlx::Error> {
    let (balance, lifetime): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN delta > 0 THEN delta END), 0) AS BIGINT)
         FROM points_ledger WHERE site = $1 AND member_id = $2",
    )
    .bind(site)
    .bind(member)
    .fetch_one(db)
    .await?;
    Ok(Standing { balance, lifetime })
}

/// Newest first; `before` (an entry id) continues a previous page.
pub async fn entries(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<StoredEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, delta, reason, idempotency_key, created_at, balance_after FROM points_ledger
         WHERE site = $1 AND member_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4",
    )
    .bind(site)
    .bind(member)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}

/// Appends `change` unless its idempotency key is already in the member's ledger or it would
/// take the balance below zero. One statement, so SQLite's write lock makes the balance check
/// and the insert one step: two racing redemptions cannot both pass. A new entry is queued
/// for the site's webhooks in the same transaction.
pub async fn append(
    db: &mut AnyConnection,
    site_settings: &Site,
    member: &MemberId,
    change: &PointsChange,
    now_ms: i64,
) -> Result<Appended, AppendError> {
    let site = site_settings.settings.key.as_str();
    let inserted: Option<StoredEntry> = sqlx::query_as(
        "INSERT INTO points_ledger (site, member_id, delta, reason, idempotency_key, created_at, balance_after)
         SELECT $1, $2, $3, $4, $5, $6, COALESCE(SUM(delta), 0) + $3
         FROM points_ledger WHERE site = $1 AND member_id = $2
         HAVING COALESCE(SUM(delta), 0) + $3 >= 0
         ON CONFLICT (site, member_id, idempotency_key) DO NOTHING
         RETURNING id, delta, reason, idempotency_key, created_at, balance_after",
    )
    .bind(site)
    .bind(member.as_str())
    .bind(change.delta)
    .bind(&change.reason)
    .bind(&change.idempotency_key)
    .bind(now_ms)
    .fetch_optional(&mut *db)
    .await?;
    if let Some(entry) = inserted {
        announce(db, site_settings, member.as_str(), &entry, now_ms).await?;
        return Ok(Appended::New(entry));
    }
    let earlier: Option<StoredEntry> = sqlx::query_as(
        "SELECT id, delta, reason, idempotency_key, created_at, balance_after FROM points_ledger
         WHERE site = $1 AND member_id = $2 AND idempotency_key = $3",
    )
    .bind(site)
    .bind(member.as_str())
    .bind(&change.idempotency_key)
    .fetch_optional(&mut *db)
    .await?;
    match earlier {
        Some(entry) if entry.delta == change.delta && entry.reason == change.reason => Ok(Appended::Replayed(entry)),
        Some(entry) => Err(AppendError::KeyReused(entry)),
        None => {
            let balance = standing(db, site, member.as_str()).await?.balance;
            Err(AppendError::InsufficientPoints {
                balance,
                delta: change.delta,
            })
        }
    }
}

/// Queues the webhooks of a new entry: `points.changed`, and `member.tier_changed` when it
/// lifts the member into another tier (spending never lowers one).
pub async fn announce(
    tx: &mut AnyConnection,
    site: &Site,
    member: &str,
    entry: &StoredEntry,
    now: i64,
) -> Result<(), sqlx::Error> {
    let key = site.settings.key.as_str();
    let points = PointsChanged {
        site: key.to_owned(),
        member_id: member.to_owned(),
        entry_id: entry.id,
        delta: entry.delta,
        reason: entry.reason.clone(),
        balance: entry.balance_after,
        at: entry.created_at,
    };
    emit::points_changed(tx, points, now).await?;
    if entry.delta <= 0 || site.settings.tiers.is_empty() {
        return Ok(());
    }
    let lifetime = standing(&mut *tx, key, member).await?.lifetime;
    let (before, after) = (site.tier_at(lifetime - entry.delta), site.tier_at(lifetime));
    let Some(to) = after.filter(|_| after != before) else {
        return Ok(());
    };
    let tiers = &site.settings.tiers;
    let tier = TierChanged {
        site: key.to_owned(),
        member_id: member.to_owned(),
        from: before.map(|i| tiers[i].name.clone()),
        to: tiers[to].name.clone(),
        lifetime_points: lifetime,
        at: entry.created_at,
    };
    emit::tier_changed(tx, tier, now).await
}
