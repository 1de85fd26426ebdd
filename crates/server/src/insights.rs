//! Loyalty insights: what the program holds and what it moved, per site and date range.
//! The queries are here; `dashboard/pages/loyalty.rs` draws them.

use moments_protocol::Locale;
use sqlx::AnyPool;

use crate::sites::Site;

pub const WEEK_MS: i64 = 7 * crate::db::DAY_MS;

/// One week of the range: its first millisecond and the points it moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    pub start: i64,
    /// Points credited (every positive ledger entry).
    pub issued: i64,
    /// Points spent on rewards.
    pub redeemed: i64,
    /// Every member's balance added up at the week's end: what the program owes.
    pub outstanding: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Loyalty {
    /// Members per tier today, in the site's tier order, named in the page's language. Members
    /// below the lowest tier's threshold are in `untiered`.
    pub tiers: Vec<(String, i64)>,
    pub untiered: i64,
    pub members: i64,
    pub weeks: Vec<Week>,
    pub issued: i64,
    pub redeemed: i64,
    /// At the end of the range.
    pub outstanding: i64,
    /// Redeemed over issued in the range; `None` when nothing was issued.
    pub redemption_rate: Option<f64>,
}

/// Lifetime points of every member of `site` (members without an entry have 0).
async fn lifetime_points(db: &AnyPool, site: &str) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN l.delta > 0 THEN l.delta END), 0) AS BIGINT)
         FROM members m LEFT JOIN points_ledger l ON l.site = m.site AND l.member_id = m.member_id
         WHERE m.site = $1 GROUP BY m.member_id",
    )
    .bind(site)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Every balance added up before `at`.
async fn outstanding_before(db: &AnyPool, site: &str, at: i64) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM points_ledger WHERE site = $1 AND created_at < $2")
        .bind(site)
        .bind(at)
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// Per week of the range (week 0 starts at `start`): points credited, and all changes added up.
async fn ledger_by_week(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT (created_at - $2) / 604800000 AS week, CAST(COALESCE(SUM(CASE WHEN delta > 0 THEN delta END), 0) AS BIGINT), CAST(SUM(delta) AS BIGINT)
         FROM points_ledger WHERE site = $1 AND created_at >= $2 AND created_at < $3 GROUP BY week",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}

/// The program's figures for `[start, end)`, tiers named in `locale`.
pub async fn loyalty(db: &AnyPool, site: &Site, locale: Locale, start: i64, end: i64) -> Result<Loyalty, sqlx::Error> {
    let key = site.settings.key.as_str();
    let lifetimes = lifetime_points(db, key).await?;
    let thresholds: Vec<i64> = site.settings.tiers.iter().map(|t| t.threshold).collect();
    let mut counts = vec![0_i64; thresholds.len()];
    let mut untiered = 0;
    for lifetime in &lifetimes {
        match thresholds.iter().rposition(|&t| *lifetime >= t) {
            Some(i) => counts[i] += 1,
            None => untiered += 1,
        }
    }
    let tiers = site.settings.tiers.iter().zip(counts).map(|(t, n)| (site.tier_display_name(&t.name, locale), n)).collect();

    let weeks_in_range = ((end - start) + WEEK_MS - 1) / WEEK_MS;
    let ledger = ledger_by_week(db, key, start, end).await?;
    let spent = crate::reports::redemptions_by_week(db, key, start, end).await?;
    let mut outstanding = outstanding_before(db, key, start).await?;
    let mut weeks = Vec::new();
    for w in 0..weeks_in_range.max(0) {
        let (issued, net) = ledger.iter().find(|(week, ..)| *week == w).map_or((0, 0), |&(_, issued, net)| (issued, net));
        outstanding += net;
        let redeemed = spent.iter().filter(|(week, ..)| *week == w).map(|(.., points)| points).sum();
        weeks.push(Week { start: start + w * WEEK_MS, issued, redeemed, outstanding });
    }
    let issued: i64 = weeks.iter().map(|w| w.issued).sum();
    let redeemed: i64 = weeks.iter().map(|w| w.redeemed).sum();
    Ok(Loyalty {
        tiers,
        untiered,
        members: lifetimes.len() as i64,
        weeks,
        issued,
        redeemed,
        outstanding,
        redemption_rate: (issued > 0).then(|| redeemed as f64 / issued as f64),
    })
}
