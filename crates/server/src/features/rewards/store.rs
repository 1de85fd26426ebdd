//! Redemptions in the database, and the one transaction that makes one: the member's tier,
//! the stock, the member's limit, a free code and the ledger debit are checked and written
//! together (the write path's transaction: SQLite's writer, or SERIALIZABLE on PostgreSQL).

use std::collections::HashMap;

use moments_protocol::domain::{MemberId, PointsChange, SERVER_KEY_PREFIX};
use serde::Serialize;
use sqlx::{AnyConnection, AnyExecutor};

use super::catalog::{Gives, Reward};
use crate::features::ledger::{self, AppendError};
use crate::features::sites::Site;

/// A redemption as stored, as the admin API lists it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StoredRedemption {
    pub id: i64,
    pub member_id: String,
    pub reward: String,
    pub points: i64,
    pub code: String,
    pub idempotency_key: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

const COLUMNS: &str = "id, member_id, reward, points, code, idempotency_key, created_at";

pub enum Outcome {
    Redeemed(StoredRedemption),
    /// This idempotency key redeemed this reward before: the same code, nothing debited again.
    Replayed(StoredRedemption),
    /// The key was used for another reward.
    KeyReused(StoredRedemption),
    TierTooLow,
    SoldOut,
    LimitReached,
    InsufficientPoints {
        balance: i64,
    },
}

/// Redeems `reward` for `member` in `tx`. Anything but `Redeemed` wrote nothing the caller
/// must keep; `InsufficientPoints` leaves the transaction to be dropped.
pub async fn redeem(
    tx: &mut AnyConnection,
    site_settings: &Site,
    reward: &Reward,
    member: &MemberId,
    idempotency_key: &str,
    reason: String,
    now: i64,
) -> Result<Outcome, sqlx::Error> {
    let site = site_settings.settings.key.as_str();
    if let Some(earlier) = find(&mut *tx, site, member.as_str(), idempotency_key).await? {
        return Ok(if earlier.reward == reward.key {
            Outcome::Replayed(earlier)
        } else {
            Outcome::KeyReused(earlier)
        });
    }
    if let Some((_, threshold)) = &reward.min_tier
        && ledger::standing(&mut *tx, site, member.as_str()).await?.lifetime < *threshold
    {
        return Ok(Outcome::TierTooLow);
    }
    if reward.stock.is_some_and(|stock| stock <= 0) || !in_stock(&mut *tx, site, reward).await? {
        return Ok(Outcome::SoldOut);
    }
    if let Some(limit) = reward.limit {
        let since = now - i64::from(limit.days) * crate::platform::clock::DAY_MS;
        if redeemed_by_since(&mut *tx, site, member.as_str(), &reward.key, since).await? >= i64::from(limit.count) {
            return Ok(Outcome::LimitReached);
        }
    }
    let code = match &reward.gives {
        Gives::Code(code) => code.clone(),
        Gives::Pool(pool) => match free_code(&mut *tx, site, pool).await? {
            Some(code) => code,
            None => return Ok(Outcome::SoldOut),
        },
    };
    let change = PointsChange {
        delta: -reward.cost,
        reason,
        idempotency_key: format!("{SERVER_KEY_PREFIX}redeem:{idempotency_key}"),
    };
    match ledger::append(&mut *tx, site_settings, member, &change, now).await {
        Ok(_) => {}
        Err(AppendError::InsufficientPoints { balance, .. }) => return Ok(Outcome::InsufficientPoints { balance }),
        Err(AppendError::Database(e)) => return Err(e),
        Err(other @ AppendError::KeyReused(_)) => return Err(sqlx::Error::Protocol(other.to_string())),
    }
    let stored = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO redemptions (site, member_id, reward, points, coupon_pool, code, idempotency_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    )))
    .bind(site)
    .bind(member.as_str())
    .bind(&reward.key)
    .bind(reward.cost)
    .bind(reward.pool())
    .bind(&code)
    .bind(idempotency_key)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Outcome::Redeemed(stored))
}

async fn find(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
    idempotency_key: &str,
) -> Result<Option<StoredRedemption>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM redemptions WHERE site = $1 AND member_id = $2 AND idempotency_key = $3"
    )))
    .bind(site)
    .bind(member)
    .bind(idempotency_key)
    .fetch_optional(db)
    .await
}

async fn in_stock(db: impl AnyExecutor<'_>, site: &str, reward: &Reward) -> Result<bool, sqlx::Error> {
    let Some(stock) = reward.stock else { return Ok(true) };
    let redeemed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM redemptions WHERE site = $1 AND reward = $2")
        .bind(site)
        .bind(&reward.key)
        .fetch_one(db)
        .await?;
    Ok(redeemed < stock)
}

async fn redeemed_by_since(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
    reward: &str,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM redemptions WHERE site = $1 AND member_id = $2 AND reward = $3 AND created_at > $4",
    )
    .bind(site)
    .bind(member)
    .bind(reward)
    .bind(since)
    .fetch_one(db)
    .await
}

/// The oldest code of the pool that no surprise and no redemption has given out.
async fn free_code(db: impl AnyExecutor<'_>, site: &str, pool: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.code FROM coupon_codes AS c WHERE c.site = $1 AND c.pool = $2
           AND NOT EXISTS (SELECT 1 FROM surprises AS s WHERE s.site = $1 AND s.coupon_pool = $2 AND s.coupon_code = c.code)
           AND NOT EXISTS (SELECT 1 FROM redemptions AS r WHERE r.site = $1 AND r.coupon_pool = $2 AND r.code = c.code)
         ORDER BY c.seq LIMIT 1",
    )
    .bind(site)
    .bind(pool)
    .fetch_optional(db)
    .await
}

/// Redemptions per reward on the site (for the stock left).
pub async fn counts_by_reward(db: impl AnyExecutor<'_>, site: &str) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT reward, COUNT(*) FROM redemptions WHERE site = $1 GROUP BY reward")
            .bind(site)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().collect())
}

/// The member's redemptions since `since`, per reward (for per-member limits).
pub async fn member_counts_since(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
    since: i64,
) -> Result<HashMap<String, Vec<i64>>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT reward, created_at FROM redemptions WHERE site = $1 AND member_id = $2 AND created_at > $3",
    )
    .bind(site)
    .bind(member)
    .bind(since)
    .fetch_all(db)
    .await?;
    let mut by_reward: HashMap<String, Vec<i64>> = HashMap::new();
    for (reward, at) in rows {
        by_reward.entry(reward).or_default().push(at);
    }
    Ok(by_reward)
}

/// Newest first, at most `limit`, below `before` (an id); narrowed to a member or a reward.
pub async fn list(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: Option<&str>,
    reward: Option<&str>,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<StoredRedemption>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM redemptions WHERE site = $1 AND id < $2 AND ($3 IS NULL OR member_id = $3) AND ($4 IS NULL OR reward = $4)
         ORDER BY id DESC LIMIT $5"
    )))
    .bind(site)
    .bind(before.unwrap_or(i64::MAX))
    .bind(member)
    .bind(reward)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}
