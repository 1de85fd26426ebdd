//! Surprises in the database: giving one (every cap and budget in the one INSERT), the gifts
//! waiting for someone, and claiming one (points credited in the same transaction).

use moments_protocol::domain::{MemberId, PointsChange, SERVER_KEY_PREFIX};
use moments_protocol::wire::{Reward, SurpriseOffer};
use serde::Serialize;
use sqlx::{AnyConnection, AnyExecutor};

use super::rules::{RewardSpec, SurpriseRule};
use crate::features::ledger;
use crate::features::sites::Site;
use crate::features::webhooks::event_types::Surprise;
use crate::platform::clock::DAY_MS;

/// Whom a gift is for: a member, or an anonymous visitor (thank-you gifts only).
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub member_id: Option<&'a str>,
    pub visitor_id: Option<&'a str>,
}

impl Recipient<'_> {
    /// What the per-recipient cap counts: the member when known, else the browser.
    pub fn key(&self) -> String {
        match (self.member_id, self.visitor_id) {
            (Some(member), _) => format!("m:{member}"),
            (None, visitor) => format!("v:{}", visitor.unwrap_or_default()),
        }
    }
}

/// A gift as stored, as the admin API lists it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StoredSurprise {
    #[serde(skip)]
    pub seq: i64,
    pub id: String,
    pub rule: String,
    pub member_id: Option<String>,
    pub visitor_id: Option<String>,
    /// `points`, `coupon` or `message`.
    pub kind: String,
    pub points: Option<i64>,
    pub coupon_code: Option<String>,
    /// `pending`, `claimed` or `expired`.
    #[sqlx(skip)]
    pub status: &'static str,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub expires_at: i64,
    pub claimed_at: Option<i64>,
}

const COLUMNS: &str =
    "seq, id, rule, member_id, visitor_id, kind, points, coupon_code, created_at, expires_at, claimed_at";

impl StoredSurprise {
    fn with_status(mut self, now: i64) -> Self {
        self.status = match self.claimed_at {
            Some(_) => "claimed",
            None if self.expires_at <= now => "expired",
            None => "pending",
        };
        self
    }

    /// As `surprise.given` and `surprise.claimed` tell it.
    pub fn for_webhook(&self, site: &str) -> Surprise {
        Surprise {
            id: self.id.clone(),
            site: site.to_owned(),
            rule: self.rule.clone(),
            kind: self.kind.clone(),
            points: self.points,
            coupon_code: self.coupon_code.clone(),
            member_id: self.member_id.clone(),
            visitor_id: self.visitor_id.clone().filter(|_| self.member_id.is_none()),
            given_at: self.created_at,
            expires_at: self.expires_at,
            claimed_at: self.claimed_at,
        }
    }

    pub fn reward(&self) -> Reward {
        match (self.kind.as_str(), self.points, &self.coupon_code) {
            ("points", Some(points), _) => Reward::Points { points },
            ("coupon", _, Some(code)) => Reward::Coupon { code: code.clone() },
            _ => Reward::Message,
        }
    }
}

/// Gives `rule`'s gift for `occasion` unless that would break a limit: the rule's budget for
/// today (gifts and points), the recipient's cap, a coupon pool run dry, or the same occasion
/// given before. One statement, so SQLite's write lock makes check and insert one step for
/// every server process on the file. A rule without a budget (or a cap) does not read the
/// day's gifts (or the recipient's) at all, the `OR` stopping first: on PostgreSQL, concurrent
/// gifts of such a rule then share no read and do not fail each other's serializable
/// transactions. `None`: not given.
pub async fn give(
    conn: &mut AnyConnection,
    site: &str,
    rule: &SurpriseRule,
    to: Recipient<'_>,
    occasion: &str,
    now: i64,
) -> Result<Option<SurpriseOffer>, sqlx::Error> {
    let pool = rule.coupon_pool();
    let id = uuid::Uuid::new_v4().to_string();
    let expires_at = now + rule.expires_ms;
    let given: Option<(i64, Option<String>)> = sqlx::query_as(
        "INSERT INTO surprises (id, site, rule, recipient, member_id, visitor_id, occasion, kind, points,
                               coupon_pool, coupon_code, day, created_at, expires_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, free.code, $11, $12, $13
         FROM (SELECT (SELECT c.code FROM coupon_codes AS c WHERE c.site = $2 AND c.pool = $10
                 AND NOT EXISTS (SELECT 1 FROM surprises AS s WHERE s.site = $2 AND s.coupon_pool = $10 AND s.coupon_code = c.code)
                 AND NOT EXISTS (SELECT 1 FROM redemptions AS r WHERE r.site = $2 AND r.coupon_pool = $10 AND r.code = c.code)
                 ORDER BY c.seq LIMIT 1) AS code) AS free
         WHERE ($10 IS NULL OR free.code IS NOT NULL)
           AND ($14 = 9223372036854775807 OR (SELECT COUNT(*) FROM surprises WHERE site = $2 AND rule = $3 AND day = $11) < $14)
           AND ($15 = 9223372036854775807
                OR (SELECT COALESCE(SUM(points), 0) FROM surprises WHERE site = $2 AND rule = $3 AND day = $11) + COALESCE($9, 0) <= $15)
           AND ($16 = 9223372036854775807
                OR NOT EXISTS (SELECT 1 FROM surprises WHERE site = $2 AND rule = $3 AND recipient = $4 AND created_at > $16))
         ON CONFLICT DO NOTHING
         RETURNING expires_at, coupon_code",
    )
    .bind(&id)
    .bind(site)
    .bind(&rule.key)
    .bind(to.key())
    .bind(to.member_id)
    .bind(to.visitor_id)
    .bind(occasion)
    .bind(rule.reward.kind())
    .bind(rule.points())
    .bind(pool)
    .bind(now.div_euclid(DAY_MS))
    .bind(now)
    .bind(expires_at)
    .bind(rule.daily_limit)
    .bind(rule.daily_points)
    .bind(if rule.cap_ms > 0 { now - rule.cap_ms } else { i64::MAX })
    .fetch_optional(&mut *conn)
    .await?;
    let Some((expires_at, coupon_code)) = given else {
        return Ok(None);
    };
    let gift = Surprise {
        id: id.clone(),
        site: site.to_owned(),
        rule: rule.key.clone(),
        kind: rule.reward.kind().to_owned(),
        points: rule.points(),
        coupon_code,
        member_id: to.member_id.map(str::to_owned),
        visitor_id: to.visitor_id.filter(|_| to.member_id.is_none()).map(str::to_owned),
        given_at: now,
        expires_at,
        claimed_at: None,
    };
    crate::features::webhooks::emit::surprise(conn, site, gift, false, now).await?;
    Ok(Some(SurpriseOffer { id, expires_at }))
}

/// Records that `rule` would have given its gift for `occasion` but the recipient is held out:
/// only when `give` would have given it (today's budget and the coupon pool allow it, the
/// occasion is new, and the recipient was not held out within the cap), spending nothing.
/// Returns whether it was recorded.
pub async fn hold_out(
    conn: &mut AnyConnection,
    site: &str,
    rule: &SurpriseRule,
    to: Recipient<'_>,
    occasion: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let pool = rule.coupon_pool();
    let held = sqlx::query(
        "INSERT INTO surprise_holdouts (site, rule, recipient, member_id, visitor_id, occasion, points, created_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8
         WHERE ($9 IS NULL OR EXISTS (SELECT 1 FROM coupon_codes AS c WHERE c.site = $1 AND c.pool = $9
                 AND NOT EXISTS (SELECT 1 FROM surprises AS s WHERE s.site = $1 AND s.coupon_pool = $9 AND s.coupon_code = c.code)
                 AND NOT EXISTS (SELECT 1 FROM redemptions AS r WHERE r.site = $1 AND r.coupon_pool = $9 AND r.code = c.code)))
           AND ($11 = 9223372036854775807 OR (SELECT COUNT(*) FROM surprises WHERE site = $1 AND rule = $2 AND day = $10) < $11)
           AND ($12 = 9223372036854775807
                OR (SELECT COALESCE(SUM(points), 0) FROM surprises WHERE site = $1 AND rule = $2 AND day = $10) + COALESCE($7, 0) <= $12)
           AND ($13 = 9223372036854775807
                OR NOT EXISTS (SELECT 1 FROM surprise_holdouts WHERE site = $1 AND rule = $2 AND recipient = $3 AND created_at > $13))
         ON CONFLICT DO NOTHING",
    )
    .bind(site)
    .bind(&rule.key)
    .bind(to.key())
    .bind(to.member_id)
    .bind(to.visitor_id)
    .bind(occasion)
    .bind(rule.points())
    .bind(now)
    .bind(pool)
    .bind(now.div_euclid(DAY_MS))
    .bind(rule.daily_limit)
    .bind(rule.daily_points)
    .bind(if rule.cap_ms > 0 { now - rule.cap_ms } else { i64::MAX })
    .execute(conn)
    .await?;
    Ok(held.rows_affected() == 1)
}

/// Why `give` gave nothing, for the admin API's answer (read after the fact, so only advice).
pub async fn why_not_given(
    db: impl AnyExecutor<'_> + Copy,
    site: &str,
    rule: &SurpriseRule,
    now: i64,
) -> Result<&'static str, sqlx::Error> {
    let (count, points): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM surprises WHERE site = $1 AND rule = $2 AND day = $3",
    )
    .bind(site)
    .bind(&rule.key)
    .bind(now.div_euclid(DAY_MS))
    .fetch_one(db)
    .await?;
    if count >= rule.daily_limit || points + rule.points().unwrap_or(0) > rule.daily_points {
        return Ok("budget_exhausted");
    }
    if let RewardSpec::Coupon { pool } = &rule.reward
        && available_codes(db, site, pool).await? == 0
    {
        return Ok("coupon_pool_empty");
    }
    Ok("recipient_capped")
}

/// The gift this occasion gave before, if any (a replayed admin request).
pub async fn given_for(
    db: impl AnyExecutor<'_>,
    site: &str,
    rule: &str,
    member: &str,
    occasion: &str,
    now: i64,
) -> Result<Option<StoredSurprise>, sqlx::Error> {
    let row: Option<StoredSurprise> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM surprises WHERE site = $1 AND rule = $2 AND recipient = $3 AND occasion = $4"
    )))
    .bind(site)
    .bind(rule)
    .bind(
        Recipient {
            member_id: Some(member),
            visitor_id: None,
        }
        .key(),
    )
    .bind(occasion)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|s| s.with_status(now)))
}

/// The gifts an occasion gave (a vouched-for fact reported again gets the same answer).
pub async fn given_at(db: impl AnyExecutor<'_>, site: &str, occasion: &str) -> Result<Vec<SurpriseOffer>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, expires_at FROM surprises WHERE site = $1 AND occasion = $2 ORDER BY seq")
            .bind(site)
            .bind(occasion)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, expires_at)| SurpriseOffer { id, expires_at })
        .collect())
}

pub async fn available_codes(db: impl AnyExecutor<'_>, site: &str, pool: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM coupon_codes AS c WHERE c.site = $1 AND c.pool = $2
         AND NOT EXISTS (SELECT 1 FROM surprises AS s WHERE s.site = $1 AND s.coupon_pool = $2 AND s.coupon_code = c.code)
         AND NOT EXISTS (SELECT 1 FROM redemptions AS r WHERE r.site = $1 AND r.coupon_pool = $2 AND r.code = c.code)",
    )
    .bind(site)
    .bind(pool)
    .fetch_one(db)
    .await
}

/// Unclaimed, unexpired gifts for a member (and for the browser they use), oldest first.
pub async fn waiting(
    db: impl AnyExecutor<'_>,
    site: &str,
    to: Recipient<'_>,
    now: i64,
) -> Result<Vec<SurpriseOffer>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT id, expires_at FROM surprises
         WHERE site = $1 AND claimed_at IS NULL AND expires_at > $4
           AND (member_id = $2 OR (member_id IS NULL AND visitor_id = $3))
         ORDER BY seq LIMIT 10",
    )
    .bind(site)
    .bind(to.member_id)
    .bind(to.visitor_id)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, expires_at)| SurpriseOffer { id, expires_at })
        .collect())
}

pub enum Claim {
    /// Claimed now; points, if any, are credited.
    Claimed(StoredSurprise),
    /// Claimed before: the same gift, nothing credited again.
    AlreadyClaimed(StoredSurprise),
    Expired,
    /// No such gift for this claimer.
    Unknown,
}

/// Who is opening a gift, as the server verified it.
pub struct Claimer<'a> {
    pub member_id: Option<&'a str>,
    pub visitor_id: &'a str,
}

/// Marks the gift claimed and credits its points in one transaction: the points exist
/// exactly when the claim does, and a second claim finds it claimed.
pub async fn claim(
    conn: &mut AnyConnection,
    site_settings: &Site,
    id: &str,
    claimer: &Claimer<'_>,
    reason: impl Fn(&str) -> String,
    now: i64,
) -> Result<Claim, sqlx::Error> {
    let site = site_settings.settings.key.as_str();
    let mut tx = crate::platform::db::begin_write_on(&mut *conn).await?;
    if let Some(surprise) = claim_in(&mut tx, site_settings, id, claimer, reason, now).await? {
        tx.commit().await?;
        return Ok(Claim::Claimed(surprise.with_status(now)));
    }
    tx.rollback().await?;
    let found: Option<StoredSurprise> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM surprises WHERE site = $1 AND id = $2
           AND (member_id = $3 OR (member_id IS NULL AND visitor_id = $4))"
    )))
    .bind(site)
    .bind(id)
    .bind(claimer.member_id)
    .bind(claimer.visitor_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match found {
        Some(s) if s.claimed_at.is_some() => Claim::AlreadyClaimed(s.with_status(now)),
        Some(_) => Claim::Expired,
        None => Claim::Unknown,
    })
}

/// `claim`'s writes, in the caller's transaction: the gift claimed (`None`: not claimable
/// now) and its points credited.
pub async fn claim_in(
    tx: &mut AnyConnection,
    site_settings: &Site,
    id: &str,
    claimer: &Claimer<'_>,
    reason: impl Fn(&str) -> String,
    now: i64,
) -> Result<Option<StoredSurprise>, sqlx::Error> {
    let site = site_settings.settings.key.as_str();
    let claimed: Option<StoredSurprise> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE surprises SET claimed_at = $4
         WHERE site = $1 AND id = $2 AND claimed_at IS NULL AND expires_at > $4
           AND (member_id = $3 OR (member_id IS NULL AND visitor_id = $5))
         RETURNING {COLUMNS}"
    )))
    .bind(site)
    .bind(id)
    .bind(claimer.member_id)
    .bind(now)
    .bind(claimer.visitor_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(surprise) = claimed else { return Ok(None) };
    if let (Some(points), Some(member)) = (surprise.points, &surprise.member_id) {
        let change = PointsChange {
            delta: points,
            reason: reason(&surprise.rule),
            idempotency_key: format!("{SERVER_KEY_PREFIX}surprise:{}", surprise.id),
        };
        let member = MemberId::parse(member).map_err(|e| sqlx::Error::Protocol(e.message))?;
        ledger::append(&mut *tx, site_settings, &member, &change, now)
            .await
            .map_err(|e| match e {
                ledger::AppendError::Database(e) => e,
                other => sqlx::Error::Protocol(other.to_string()),
            })?;
    }
    crate::features::webhooks::emit::surprise(&mut *tx, site, surprise.for_webhook(site), true, now).await?;
    Ok(Some(surprise))
}

/// `status`: `pending`, `claimed`, `expired` or all; newest first, `before` a `seq`.
pub async fn list(
    db: impl AnyExecutor<'_>,
    site: &str,
    status: Option<&str>,
    limit: u32,
    before: Option<i64>,
    now: i64,
) -> Result<Vec<StoredSurprise>, sqlx::Error> {
    let filter = match status {
        Some("pending") => "AND claimed_at IS NULL AND expires_at > $4",
        Some("claimed") => "AND claimed_at IS NOT NULL",
        Some("expired") => "AND claimed_at IS NULL AND expires_at <= $4",
        _ => "AND $4 IS NOT NULL",
    };
    let rows: Vec<StoredSurprise> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM surprises WHERE site = $1 AND seq < $2 {filter} ORDER BY seq DESC LIMIT $3"
    )))
    .bind(site)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit) + 1)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|s| s.with_status(now)).collect())
}

/// Adds codes to a pool; codes it has already are skipped. Returns how many were new.
pub async fn add_codes(
    conn: &mut AnyConnection,
    site: &str,
    pool: &str,
    codes: &[String],
    now: i64,
) -> Result<u64, sqlx::Error> {
    let mut tx = crate::platform::db::begin_write_on(&mut *conn).await?;
    let added = add_codes_in(&mut tx, site, pool, codes, now).await?;
    tx.commit().await?;
    Ok(added)
}

/// `add_codes` in the caller's transaction.
pub async fn add_codes_in(
    tx: &mut AnyConnection,
    site: &str,
    pool: &str,
    codes: &[String],
    now: i64,
) -> Result<u64, sqlx::Error> {
    let mut added = 0;
    for code in codes {
        added += sqlx::query(
            "INSERT INTO coupon_codes (site, pool, code, uploaded_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(site)
        .bind(pool)
        .bind(code)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    Ok(added)
}
