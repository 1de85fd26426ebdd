//! Members as the server knows them: who they are on a site, and when we saw them.

use moments_protocol::Locale;
use moments_protocol::limits::RECENT_LEDGER_ENTRIES;
use moments_protocol::wire::{MemberSummary, PointsExpiring};
use sqlx::{AnyConnection, AnyExecutor};

use crate::features::ledger;
use crate::features::sites::Site;

/// What a member's token told us, or nothing when the host's backend named them (admin API).
#[derive(Debug, Default, Clone, Copy)]
pub struct Profile<'a> {
    pub name: Option<&'a str>,
    pub birthday: Option<&'a str>,
}

/// Records that `member` exists (first sight) or was seen again; keeps known details the
/// profile does not repeat.
pub async fn upsert(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
    profile: Profile<'_>,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO members (site, member_id, name, birthday, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (site, member_id) DO UPDATE SET
            name = COALESCE(excluded.name, members.name),
            birthday = COALESCE(excluded.birthday, members.birthday),
            last_seen_at = CASE WHEN excluded.last_seen_at > members.last_seen_at THEN excluded.last_seen_at ELSE members.last_seen_at END",
    )
    .bind(site)
    .bind(member)
    .bind(profile.name)
    .bind(profile.birthday)
    .bind(now_ms)
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// How many members the site has.
pub async fn count(db: impl AnyExecutor<'_>, site: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE site = $1")
        .bind(site)
        .fetch_one(db)
        .await
}

/// The member's display name, if they exist on the site.
pub async fn find(db: impl AnyExecutor<'_>, site: &str, member: &str) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM members WHERE site = $1 AND member_id = $2")
        .bind(site)
        .bind(member)
        .fetch_optional(db)
        .await
}

/// Marks the member as congratulated on the tier starting at `threshold`. True for exactly one
/// caller per tier-up, however many sessions start at once.
pub async fn claim_tier_up(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
    threshold: i64,
    base_threshold: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE members SET celebrated_threshold = $1
         WHERE site = $2 AND member_id = $3 AND COALESCE(celebrated_threshold, $4) < $5",
    )
    .bind(threshold)
    .bind(site)
    .bind(member)
    .bind(base_threshold)
    .bind(threshold)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Marks the member as congratulated on the tier at `threshold` unless they were on one
/// already (demo data that opens on a greeting, not a tier-up).
pub async fn mark_celebrated(
    db: impl AnyExecutor<'_>,
    site: &str,
    member: &str,
    threshold: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE members SET celebrated_threshold = $1 WHERE site = $2 AND member_id = $3 AND celebrated_threshold IS NULL")
        .bind(threshold)
        .bind(site)
        .bind(member)
        .execute(db)
        .await?;
    Ok(())
}

/// A member's points, tier and recent history as the widget shows them. With `celebrate`,
/// claims the tier-up celebration when there is one to give (a session start does; a claim
/// leaves it for the next page view's greeting).
pub async fn summary(
    conn: &mut AnyConnection,
    site: &Site,
    member: &str,
    name: Option<String>,
    locale: Locale,
    celebrate: bool,
) -> Result<MemberSummary, sqlx::Error> {
    let key = site.settings.key.as_str();
    let standing = ledger::standing(&mut *conn, key, member).await?;
    let tier = site.tier_status(standing.lifetime, locale);
    let tier_up = match (&tier, site.base_threshold()) {
        (Some(tier), Some(base)) if celebrate && tier.threshold > base => {
            claim_tier_up(&mut *conn, key, member, tier.threshold, base).await?
        }
        _ => false,
    };
    let recent = ledger::entries(&mut *conn, key, member, RECENT_LEDGER_ENTRIES as u32, None).await?;
    let redeemed = if site.catalog.rewards.is_empty() {
        Vec::new()
    } else {
        crate::features::rewards::store::list(&mut *conn, key, Some(member), None, None, RECENT_LEDGER_ENTRIES as u32)
            .await?
    };
    // Entries come newest first: the first is the last activity.
    let expiring = match (recent.first(), standing.balance) {
        (Some(last), points) if points > 0 => crate::features::expiry::due_on(site, last.created_at)
            .filter(|on| on - crate::platform::clock::now_ms() <= crate::features::expiry::NOTICE_MS)
            .map(|on| PointsExpiring { points, on }),
        _ => None,
    };
    Ok(MemberSummary {
        name,
        points: standing.balance,
        lifetime_points: standing.lifetime,
        tier,
        tier_up,
        recent: recent.into_iter().map(Into::into).collect(),
        redeemed: redeemed
            .iter()
            .map(|r| crate::features::rewards::shown(site, r, locale))
            .collect(),
        expiring,
    })
}
