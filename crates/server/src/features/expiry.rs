//! Points that expire: on a site that sets `loyalty.points_expire_after_months`, a member's
//! balance lapses that many calendar months after their last ledger entry. The lapse is a
//! ledger entry like any other, made by a background job in every process, exactly once: its
//! idempotency key names the member's last entry, so two processes racing make one entry,
//! and any new entry (earned or spent) starts the wait again.

use moments_protocol::domain::{MemberId, PointsChange, SERVER_KEY_PREFIX};
use moments_protocol::wire::PointsExpiring;
use serde::Serialize;
use sqlx::{AnyExecutor, AnyPool};
use time::{Date, OffsetDateTime};

use crate::features::ledger::{self, AppendError};
use crate::features::sites::{Site, Sites};
use crate::platform::clock::DAY_MS;

/// The panel warns this long before points expire.
pub const NOTICE_MS: i64 = 30 * DAY_MS;

/// The reason the member reads in their history.
pub const REASON: &str = "Points expired";

/// `ms` moved by `months` calendar months (UTC), the day kept or, past the month's end, the last.
pub fn add_months(ms: i64, months: i32) -> i64 {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return ms;
    };
    let index = t.year() * 12 + i32::from(u8::from(t.month())) - 1 + months;
    let (year, month) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8);
    let Ok(month) = time::Month::try_from(month) else {
        return ms;
    };
    let day = t.day().min(month.length(year));
    match Date::from_calendar_date(year, month, day) {
        Ok(date) => (t.replace_date(date).unix_timestamp_nanos() / 1_000_000) as i64,
        Err(_) => ms,
    }
}

/// A member's points due to expire, and when.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Due {
    pub member_id: String,
    pub points: i64,
    /// Milliseconds since the Unix epoch.
    pub on: i64,
}

/// When `balance` points lapse for a member whose last ledger entry was at `last_entry_at`.
pub fn due_on(site: &Site, last_entry_at: i64) -> Option<i64> {
    site.settings
        .loyalty
        .points_expire_after_months
        .map(|months| add_months(last_entry_at, months as i32))
}

/// When a member's balance lapses, if the site lets points expire and they have any.
pub async fn member_due(
    db: impl AnyExecutor<'_>,
    site: &Site,
    member: &str,
    balance: i64,
) -> Result<Option<PointsExpiring>, sqlx::Error> {
    if balance <= 0 || site.settings.loyalty.points_expire_after_months.is_none() {
        return Ok(None);
    }
    let last: Option<i64> =
        sqlx::query_scalar("SELECT last_entry_at FROM member_points WHERE site = $1 AND member_id = $2")
            .bind(&site.settings.key)
            .bind(member)
            .fetch_optional(db)
            .await?;
    Ok(last
        .and_then(|at| due_on(site, at))
        .map(|on| PointsExpiring { points: balance, on }))
}

/// Members with points whose expiry falls before `before`, soonest first.
pub async fn due_before(
    db: impl AnyExecutor<'_>,
    site: &Site,
    before: i64,
    limit: u32,
) -> Result<Vec<Due>, sqlx::Error> {
    let Some(months) = site.settings.loyalty.points_expire_after_months else {
        return Ok(Vec::new());
    };
    // Last entries before this lapse by `before`.
    let cutoff = add_months(before, -(months as i32));
    // `member_points` is the ledger's sum and last time per member, kept by the database's
    // triggers (migration 0020): down its index of positive balances, not the whole ledger.
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT member_id, balance, last_entry_at FROM member_points
         WHERE site = $1 AND balance > 0 AND last_entry_at < $2
         ORDER BY last_entry_at, member_id LIMIT $3",
    )
    .bind(&site.settings.key)
    .bind(cutoff)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(member_id, points, last)| Due {
            member_id,
            points,
            on: add_months(last, months as i32),
        })
        .collect())
}

/// Runs now and then every hour, until the server stops (every process does; see above).
pub async fn run(db: AnyPool, sites: std::sync::Arc<Sites>) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(3_600));
    loop {
        ticks.tick().await;
        if let Err(error) =
            crate::platform::db::retrying(async || Ok(run_once(&db, &sites, crate::platform::clock::now_ms()).await?))
                .await
        {
            tracing::warn!(%error, "points expiry failed; it runs again within the hour");
        }
    }
}

/// Expires what is due on every site that sets an expiry; how many members' points lapsed.
pub async fn run_once(db: &AnyPool, sites: &Sites, now: i64) -> Result<u64, sqlx::Error> {
    let mut lapsed = 0;
    for key in sites.keys() {
        let Some(site) = sites.get(key) else { continue };
        for due in due_before(db, site, now + 1, 500).await? {
            lapsed += u64::from(expire(db, site, &due.member_id, now).await?);
        }
    }
    if lapsed > 0 {
        tracing::info!(lapsed, "points expired");
    }
    Ok(lapsed)
}

/// Checks again in a write transaction and appends the lapse. False: nothing was due any more
/// (an entry came meanwhile), or another process made the same lapse first.
async fn expire(db: &AnyPool, site: &Site, member: &str, now: i64) -> Result<bool, sqlx::Error> {
    let Ok(member) = MemberId::parse(member) else {
        return Ok(false);
    };
    let key = site.settings.key.as_str();
    let mut tx = crate::platform::db::begin_write(db).await?;
    let last: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, created_at FROM points_ledger WHERE site = $1 AND member_id = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(key)
    .bind(member.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let balance = ledger::standing(&mut *tx, key, member.as_str()).await?.balance;
    let Some((last_id, last_at)) = last else {
        return Ok(false);
    };
    if balance <= 0 || due_on(site, last_at).is_none_or(|on| on > now) {
        return Ok(false);
    }
    let change = PointsChange {
        delta: -balance,
        reason: REASON.into(),
        idempotency_key: format!("{SERVER_KEY_PREFIX}expiry:{last_id}"),
    };
    let appended = match ledger::append(&mut tx, site, &member, &change, now).await {
        Ok(ledger::Appended::New(_)) => true,
        Ok(ledger::Appended::Replayed(_)) | Err(AppendError::KeyReused(_) | AppendError::InsufficientPoints { .. }) => {
            false
        }
        Err(AppendError::Database(e)) => return Err(e),
    };
    tx.commit().await?;
    Ok(appended)
}

#[cfg(test)]
mod tests {
    use super::add_months;

    fn ms(date: &str) -> i64 {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(date, &format).unwrap();
        date.midnight().assume_utc().unix_timestamp() * 1000
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(add_months(ms("2026-01-31"), 1), ms("2026-02-28"));
        assert_eq!(add_months(ms("2024-01-31"), 1), ms("2024-02-29"));
        assert_eq!(add_months(ms("2026-11-30"), 12), ms("2027-11-30"));
        assert_eq!(add_months(ms("2026-03-15"), -3), ms("2025-12-15"));
        assert_eq!(add_months(ms("2026-03-31"), -1), ms("2026-02-28"));
    }
}
