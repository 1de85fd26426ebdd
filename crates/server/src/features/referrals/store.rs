//! Referrals in the database: codes, clicks, and the one conditional UPDATE that settles a
//! referral, so two servers settling the same one at once settle it once.

use sqlx::{AnyConnection, AnyExecutor};

use crate::features::webhooks::event_types::Referral;

const COLUMNS: &str = "id, site, referrer_id, friend_id, status, reason, order_value, referrer_points, friend_points, clicked_at, decided_at";

/// A referral as stored, with what its rules compare.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stored {
    pub seq: i64,
    #[sqlx(flatten)]
    pub referral: Referral,
    pub code: String,
    pub visitor_id: String,
    pub device_id: Option<String>,
    pub address: Option<String>,
    pub expires_at: i64,
    pub order_key: Option<String>,
    pub decided_by: Option<String>,
}

fn select(filter: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "SELECT seq, {COLUMNS}, code, visitor_id, device_id, address, expires_at, order_key, decided_by FROM referrals WHERE {filter}"
    ))
}

/// The member's code, made on first use. `fresh`: the code to keep if they have none yet.
pub async fn code_of(
    conn: &mut AnyConnection,
    site: &str,
    member: &str,
    fresh: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    let kept: Option<String> = sqlx::query_scalar("SELECT code FROM referral_codes WHERE site = $1 AND member_id = $2")
        .bind(site)
        .bind(member)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(code) = kept {
        return Ok(code);
    }
    sqlx::query(
        "INSERT INTO referral_codes (site, member_id, code, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(site)
    .bind(member)
    .bind(fresh)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("SELECT code FROM referral_codes WHERE site = $1 AND member_id = $2")
        .bind(site)
        .bind(member)
        .fetch_one(&mut *conn)
        .await
}

pub async fn referrer_of(db: impl AnyExecutor<'_>, site: &str, code: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT member_id FROM referral_codes WHERE site = $1 AND code = $2")
        .bind(site)
        .bind(code)
        .fetch_optional(db)
        .await
}

pub async fn get(db: impl AnyExecutor<'_>, site: &str, id: &str) -> Result<Option<Stored>, sqlx::Error> {
    sqlx::query_as(select("site = $1 AND id = $2"))
        .bind(site)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// This browser's click on this code, if it clicked before.
pub async fn click_of(
    db: impl AnyExecutor<'_>,
    site: &str,
    visitor: &str,
    code: &str,
) -> Result<Option<Stored>, sqlx::Error> {
    sqlx::query_as(select("site = $1 AND visitor_id = $2 AND code = $3"))
        .bind(site)
        .bind(visitor)
        .bind(code)
        .fetch_optional(db)
        .await
}

/// The referral this browser counts for (pending, held or completed), if any.
pub async fn open_for_visitor(
    db: impl AnyExecutor<'_>,
    site: &str,
    visitor: &str,
) -> Result<Option<Stored>, sqlx::Error> {
    sqlx::query_as(select(
        "site = $1 AND visitor_id = $2 AND status IN ('pending', 'held', 'completed')",
    ))
    .bind(site)
    .bind(visitor)
    .fetch_optional(db)
    .await
}

/// The referral waiting for this member's first order.
pub async fn pending_for_friend(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
) -> Result<Option<Stored>, sqlx::Error> {
    sqlx::query_as(select(
        "site = $1 AND friend_id = $2 AND status = 'pending' ORDER BY clicked_at LIMIT 1",
    ))
    .bind(site)
    .bind(member)
    .fetch_optional(db)
    .await
}

pub struct NewClick<'a> {
    pub id: &'a str,
    pub site: &'a str,
    pub code: &'a str,
    pub referrer: &'a str,
    pub visitor: &'a str,
    pub device: Option<&'a str>,
    pub address: Option<&'a str>,
    /// `None`: pending; else refused for this reason.
    pub refused: Option<&'a str>,
    pub now: i64,
    pub expires_at: i64,
}

/// Stores a click; false when the database refused it (this browser clicked this code
/// before, or counts for another referral already).
pub async fn insert(conn: &mut AnyConnection, c: &NewClick<'_>) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO referrals (id, site, code, referrer_id, visitor_id, device_id, address, status, reason, clicked_at, expires_at, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
    )
    .bind(c.id)
    .bind(c.site)
    .bind(c.code)
    .bind(c.referrer)
    .bind(c.visitor)
    .bind(c.device)
    .bind(c.address)
    .bind(if c.refused.is_some() { "refused" } else { "pending" })
    .bind(c.refused)
    .bind(c.now)
    .bind(c.expires_at)
    .bind(c.refused.map(|_| c.now))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Whether `visitor` or `device` is one of the referrer's own browsers (a page view of theirs).
pub async fn own_browser(
    db: impl AnyExecutor<'_>,
    site: &str,
    referrer: &str,
    visitor: &str,
    device: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let own: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sessions WHERE site = $1 AND member_id = $2 AND (visitor_id = $3 OR ($4 IS NOT NULL AND device_id = $4)) LIMIT 1",
    )
    .bind(site)
    .bind(referrer)
    .bind(visitor)
    .bind(device)
    .fetch_optional(db)
    .await?;
    Ok(own.is_some())
}

/// Whether the friend member ever used one of the referrer's browsers or devices.
pub async fn shares_a_browser(
    db: impl AnyExecutor<'_>,
    site: &str,
    referrer: &str,
    friend: &str,
) -> Result<bool, sqlx::Error> {
    let shared: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sessions AS f WHERE f.site = $1 AND f.member_id = $3 AND (
             EXISTS (SELECT 1 FROM sessions AS r WHERE r.site = $1 AND r.visitor_id = f.visitor_id AND r.member_id = $2)
             OR (f.device_id IS NOT NULL AND EXISTS (SELECT 1 FROM sessions AS r WHERE r.site = $1 AND r.device_id = f.device_id AND r.member_id = $2)))
         LIMIT 1",
    )
    .bind(site)
    .bind(referrer)
    .bind(friend)
    .fetch_optional(db)
    .await?;
    Ok(shared.is_some())
}

/// The friend signed in on the browser that clicked: their first order will find the referral.
pub async fn link_friend(conn: &mut AnyConnection, site: &str, visitor: &str, member: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE referrals SET friend_id = $3 WHERE site = $1 AND visitor_id = $2 AND status = 'pending' AND friend_id IS NULL")
        .bind(site)
        .bind(visitor)
        .bind(member)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the member has a pending referral to link (a cheap read before the write).
pub async fn pending_for_visitor(db: impl AnyExecutor<'_>, site: &str, visitor: &str) -> Result<bool, sqlx::Error> {
    let pending: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM referrals WHERE site = $1 AND visitor_id = $2 AND status = 'pending' AND friend_id IS NULL LIMIT 1",
    )
    .bind(site)
    .bind(visitor)
    .fetch_optional(db)
    .await?;
    Ok(pending.is_some())
}

/// When the member was first seen (their account came to us).
pub async fn member_since(db: impl AnyExecutor<'_>, site: &str, member: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT first_seen_at FROM members WHERE site = $1 AND member_id = $2")
        .bind(site)
        .bind(member)
        .fetch_optional(db)
        .await
}

/// Orders of the member vouched for under another key than `key`.
pub async fn other_orders(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
    order_event: &str,
    key: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM verified_events WHERE site = $1 AND member_id = $2 AND name = $3 AND key <> $4",
    )
    .bind(site)
    .bind(member)
    .bind(order_event)
    .bind(key)
    .fetch_one(db)
    .await
}

/// The referrer's completed and held referrals decided after `since`; only those of
/// `address` when given.
pub async fn paid_since(
    db: impl AnyExecutor<'_>,
    site: &str,
    referrer: &str,
    since: i64,
    address: Option<&str>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM referrals WHERE site = $1 AND referrer_id = $2 AND status IN ('completed', 'held')
         AND decided_at > $3 AND ($4 IS NULL OR address = $4)",
    )
    .bind(site)
    .bind(referrer)
    .bind(since)
    .bind(address)
    .fetch_one(db)
    .await
}

/// What settling a referral writes.
pub struct Settle<'a> {
    /// `completed`, `held` or `refused`.
    pub status: &'static str,
    pub reason: Option<&'a str>,
    pub order_key: Option<&'a str>,
    pub order_value: Option<f64>,
    pub referrer_points: Option<i64>,
    pub friend_points: Option<i64>,
    pub decided_by: Option<&'a str>,
}

/// Moves the referral from `from` to the settled state; false when it was not in `from`
/// any more (another server settled it first).
pub async fn settle(
    conn: &mut AnyConnection,
    site: &str,
    id: &str,
    from: &str,
    s: &Settle<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE referrals SET status = $4, reason = $5, order_key = COALESCE($6, order_key), order_value = COALESCE($7, order_value),
             referrer_points = $8, friend_points = $9, decided_by = $10, decided_at = $11
         WHERE site = $1 AND id = $2 AND status = $3",
    )
    .bind(site)
    .bind(id)
    .bind(from)
    .bind(s.status)
    .bind(s.reason)
    .bind(s.order_key)
    .bind(s.order_value)
    .bind(s.referrer_points)
    .bind(s.friend_points)
    .bind(s.decided_by)
    .bind(now)
    .persistent(crate::platform::db::may_keep_prepared(conn, &[s.order_value]))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

pub async fn set_friend_coupon(conn: &mut AnyConnection, site: &str, id: &str, gift: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE referrals SET friend_coupon = $3 WHERE site = $1 AND id = $2")
        .bind(site)
        .bind(id)
        .bind(gift)
        .execute(conn)
        .await?;
    Ok(())
}

/// Referrals newest first, below `before` (a `seq`), optionally of one status.
pub async fn list(
    db: impl AnyExecutor<'_>,
    site: &str,
    status: Option<&str>,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Stored>, sqlx::Error> {
    sqlx::query_as(select(
        "site = $1 AND ($2 IS NULL OR status = $2) AND seq < $3 ORDER BY seq DESC LIMIT $4",
    ))
    .bind(site)
    .bind(status)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}
