//! Service recovery ("a complaint is a gift"): a low answer opens a case for the site's staff
//! and, where the site gives them, grants an identified member goodwill points, at most once
//! per member per cooldown and exactly once per answer. The database enforces both.

use moments_protocol::domain::{SERVER_KEY_PREFIX, Score};
use serde::Serialize;
use sqlx::{AnyConnection, AnyExecutor, AnyPool};

use crate::features::ledger::StoredEntry;
use crate::features::sites::Site;
use crate::platform::clock::DAY_MS;

/// Ledger keys of goodwill grants: `moments:recovery:<event id>`.
fn goodwill_key(event_id: &str) -> String {
    format!("{SERVER_KEY_PREFIX}recovery:{event_id}")
}

/// Goodwill a staff member gives when resolving case `case_id`: at most once per case (the
/// ledger key says which), with the site's goodwill reason.
pub async fn staff_goodwill(
    tx: &mut AnyConnection,
    site: &Site,
    member: &moments_protocol::domain::MemberId,
    case_id: i64,
    points: i64,
    now: i64,
) -> Result<crate::features::ledger::Appended, crate::features::ledger::AppendError> {
    let change = moments_protocol::domain::PointsChange {
        delta: points,
        reason: site.settings.recovery.reason.clone(),
        idempotency_key: format!("{SERVER_KEY_PREFIX}goodwill:case:{case_id}"),
    };
    crate::features::ledger::append(tx, site, member, &change, now).await
}

fn key_pattern() -> String {
    format!("{SERVER_KEY_PREFIX}recovery:%")
}

/// A grant to member $2 of site $1 since $4 ($3: `key_pattern()`): the cooldown, in one place
/// for the check that offers points and the statement that grants them.
const GRANTED_SINCE: &str = "EXISTS (SELECT 1 FROM points_ledger
    WHERE site = $1 AND member_id = $2 AND idempotency_key LIKE $3 AND created_at > $4)";

fn cooldown_start(site: &Site, now: i64) -> i64 {
    now - i64::from(site.settings.recovery.cooldown_days) * DAY_MS
}

/// The goodwill points the member would get after a low answer now, if any (none for a member
/// in the goodwill holdout: the widget promises nothing it will not give).
pub async fn goodwill_available(
    db: impl AnyExecutor<'_>,
    site: &Site,
    member: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let points = site.settings.recovery.goodwill_points;
    if points <= 0 || goodwill_held_out(site, member) {
        return Ok(None);
    }
    Ok(outside_cooldown(db, site, member, now).await?.then_some(points))
}

/// Whether the member had no goodwill credit within the cooldown.
async fn outside_cooldown(db: impl AnyExecutor<'_>, site: &Site, member: &str, now: i64) -> Result<bool, sqlx::Error> {
    let granted_lately: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT CASE WHEN {GRANTED_SINCE} THEN 1 ELSE 0 END"
    )))
    .bind(&site.settings.key)
    .bind(member)
    .bind(key_pattern())
    .bind(cooldown_start(site, now))
    .fetch_one(db)
    .await?;
    Ok(granted_lately == 0)
}

pub struct Answer<'a> {
    pub event_id: &'a str,
    pub visitor_id: &'a str,
    pub member_id: Option<&'a str>,
    pub score: Score,
}

/// Called in the transaction that stores a new answer, so a case and its points exist
/// exactly when the answer does. A visitor's answers open at most the site's
/// `max_cases_per_visitor_per_day` cases a UTC day: one browser cannot bury the real cases
/// (the answers themselves are all kept). Returns the case opened, if any, with the goodwill
/// points given.
pub async fn open_case(
    tx: &mut AnyConnection,
    site: &Site,
    answer: &Answer<'_>,
    now: i64,
) -> Result<Option<(i64, Option<i64>)>, sqlx::Error> {
    if !answer.score.is_low() {
        return Ok(None);
    }
    let key = site.settings.key.as_str();
    let opened: Option<i64> = sqlx::query_scalar(
        "INSERT INTO recovery_cases (site, event_id, visitor_id, member_id, scale, score, created_at)
         SELECT $1, $2, $3, $4, $5, $6, $7
         WHERE (SELECT COUNT(*) FROM recovery_cases WHERE site = $1 AND visitor_id = $3 AND created_at >= $8) < $9
         ON CONFLICT (site, event_id) DO NOTHING
         RETURNING id",
    )
    .bind(key)
    .bind(answer.event_id)
    .bind(answer.visitor_id)
    .bind(answer.member_id)
    .bind(answer.score.scale().name())
    .bind(i64::from(answer.score.value()))
    .bind(now)
    .bind(now - now.rem_euclid(DAY_MS))
    .bind(i64::from(site.settings.recovery.max_cases_per_visitor_per_day))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(case) = opened else { return Ok(None) };
    let mut points = None;
    let member = answer.member_id.filter(|_| site.settings.recovery.goodwill_points > 0);
    if let Some(member) = member
        && goodwill_held_out(site, member)
    {
        // Recorded only where the credit would have been given (outside the cooldown of a
        // credit the member got before joining the holdout), so both sides are alike.
        if outside_cooldown(&mut *tx, site, member, now).await? {
            sqlx::query("UPDATE recovery_cases SET goodwill_held_out = 1 WHERE id = $1")
                .bind(case)
                .execute(&mut *tx)
                .await?;
        }
    } else if let Some(member) = member
        && let Some(entry) = grant_goodwill(tx, site, member, answer.event_id, now).await?
    {
        sqlx::query("UPDATE recovery_cases SET points = $1 WHERE id = $2")
            .bind(entry.delta)
            .bind(case)
            .execute(&mut *tx)
            .await?;
        crate::features::ledger::announce(tx, site, member, &entry, now).await?;
        points = Some(entry.delta);
    }
    Ok(Some((case, points)))
}

/// Whether the member's automatic goodwill is held out (`recovery.goodwill_holdout`): the
/// experiments' hashing, once per member, the same on every server and every answer.
pub fn goodwill_held_out(site: &Site, member: &str) -> bool {
    crate::features::experiments::assignment::in_holdout(
        "recovery:goodwill",
        &format!("m:{member}"),
        site.settings.recovery.goodwill_holdout,
    )
}

/// One statement: appends the grant unless the member had one within the cooldown (or this
/// answer's grant exists already). Returns the entry made.
async fn grant_goodwill(
    tx: &mut AnyConnection,
    site: &Site,
    member: &str,
    event_id: &str,
    now: i64,
) -> Result<Option<StoredEntry>, sqlx::Error> {
    let recovery = &site.settings.recovery;
    let granted: Option<StoredEntry> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO points_ledger (site, member_id, delta, reason, idempotency_key, created_at, balance_after)
         SELECT $1, $2, $5, $6, $7, $8, COALESCE(SUM(delta), 0) + $5
         FROM points_ledger WHERE site = $1 AND member_id = $2
         HAVING NOT {GRANTED_SINCE}
         ON CONFLICT (site, member_id, idempotency_key) DO NOTHING
         RETURNING id, delta, reason, idempotency_key, created_at, balance_after"
    )))
    .bind(&site.settings.key)
    .bind(member)
    .bind(key_pattern())
    .bind(cooldown_start(site, now))
    .bind(recovery.goodwill_points)
    .bind(&recovery.reason)
    .bind(goodwill_key(event_id))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(granted)
}

/// Closes an open case with staff's note (and queues `recovery.resolved`, in the caller's
/// transaction); a resolved case keeps its first note.
pub async fn resolve(tx: &mut AnyConnection, site: &str, id: i64, note: &str, now: i64) -> Result<bool, sqlx::Error> {
    let resolved: Option<String> =
        sqlx::query_scalar("UPDATE recovery_cases SET status = 'resolved', note = $1, resolved_at = $2 WHERE site = $3 AND id = $4 AND status = 'open' RETURNING event_id")
            .bind(note)
            .bind(now)
            .bind(site)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(feedback_id) = resolved else { return Ok(false) };
    crate::features::webhooks::emit::recovery_resolved(tx, site, id, feedback_id, note, now).await?;
    Ok(true)
}

/// `resolve` in a transaction of its own.
pub async fn resolve_now(db: &AnyPool, site: &str, id: i64, note: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = crate::platform::db::begin_write(db).await?;
    let resolved = resolve(&mut tx, site, id, note, now).await?;
    tx.commit().await?;
    Ok(resolved)
}

/// A case as staff read it, with the comment of the answer that opened it.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RecoveryCase {
    pub id: i64,
    /// The feedback answer that opened it.
    pub event_id: String,
    pub visitor_id: String,
    pub member_id: Option<String>,
    pub scale: String,
    pub score: i64,
    /// The answer's comment, if the visitor left one.
    pub comment: Option<String>,
    /// Goodwill points granted with it.
    pub points: Option<i64>,
    pub status: String,
    pub note: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

const SELECT_CASE: &str = "SELECT c.id, c.event_id, c.visitor_id, c.member_id, c.scale, c.score, e.comment, c.points,
        c.status, c.note, c.created_at, c.resolved_at
     FROM recovery_cases c LEFT JOIN events e ON e.site = c.site AND e.id = c.event_id";

/// Newest first below `before` (a case id), `status` `open`, `resolved` or both.
pub async fn cases(
    db: &AnyPool,
    site: &str,
    status: Option<&str>,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<RecoveryCase>, sqlx::Error> {
    let sql = format!(
        "{SELECT_CASE} WHERE c.site = $1 AND c.id < $2 AND ($3 IS NULL OR c.status = $3) ORDER BY c.id DESC LIMIT $4"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(before.unwrap_or(i64::MAX))
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(db)
        .await
}

/// Open cases first, then the rest, newest first within each: two reads down the index by
/// status, so the page costs the same however many cases the site has closed.
pub async fn cases_open_first(db: &AnyPool, site: &str, limit: u32) -> Result<Vec<RecoveryCase>, sqlx::Error> {
    let mut cases = newest_with_status(db, site, "open", limit).await?;
    let left = limit.saturating_sub(cases.len() as u32);
    if left > 0 {
        cases.extend(newest_with_status(db, site, "resolved", left).await?);
    }
    Ok(cases)
}

async fn newest_with_status(
    db: &AnyPool,
    site: &str,
    status: &str,
    limit: u32,
) -> Result<Vec<RecoveryCase>, sqlx::Error> {
    let sql = format!("{SELECT_CASE} WHERE c.site = $1 AND c.status = $2 ORDER BY c.id DESC LIMIT $3");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(db)
        .await
}

pub async fn find(db: &AnyPool, site: &str, id: i64) -> Result<Option<RecoveryCase>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT_CASE} WHERE c.site = $1 AND c.id = $2"
    )))
    .bind(site)
    .bind(id)
    .fetch_optional(db)
    .await
}
