//! Loyalty insights: what the program holds and what it moved, per site and date range.
//! The queries are here; `dashboard/pages/loyalty.rs` draws them.
//!
//! Over 500 lines: every figure of the Loyalty page, each query beside the ones its totals must
//! agree with.

pub mod reports;

use moments_protocol::Locale;
use sqlx::AnyPool;

use crate::features::experiments::stats::{self, Comparison};
use crate::features::rollups::{self, figures};
use crate::features::sites::Site;
pub use crate::platform::clock::WEEK_MS;

/// One week of the range: its first millisecond and the points it moved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Week {
    pub start: i64,
    /// Points credited (every positive ledger entry).
    pub issued: i64,
    /// Points spent on rewards.
    pub redeemed: i64,
    /// Every member's balance added up at the week's end: what the program owes.
    pub outstanding: i64,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
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
    /// CSAT and NPS of the range's answers: visitors who are not members first, then each
    /// tier (members by their tier today).
    pub satisfaction: Vec<Satisfaction>,
    /// Members who changed tier in the range: (tier at the start, tier at the end, members),
    /// in tier order; "" is below the first tier. Tiers follow lifetime points, which never
    /// fall: every move is up.
    pub tier_moves: Vec<(String, String, i64)>,
    /// Members with a verified purchase in the range, and those with two or more.
    pub purchasers: i64,
    pub repeat_purchasers: i64,
    /// Members with a page view in the previous period of the same length, and those of them
    /// with none in the range.
    pub previously_active: i64,
    pub churned: i64,
    /// New members per week of the range, and how many were still visiting later.
    pub cohorts: Vec<Cohort>,
    /// Detractors whose recovery case was resolved, and whose case is still open.
    pub recovery_resolved: Cases,
    pub recovery_open: Cases,
    /// Visitors who are not members, all members, then each tier.
    pub returns_not_members: Returns,
    pub returns_members: Returns,
    pub returns_by_tier: Vec<(String, Returns)>,
    /// Per tier (today's; "" below the first): members given a gift in a week of the range
    /// against members active that week without one, and how many came back within 30 days.
    pub gift_effect: Vec<GiftStratum>,
    /// Surprise rules and goodwill with a holdout: the treated against the held out, randomized.
    #[serde(default)]
    pub holdouts: Vec<crate::features::holdouts::HoldoutComparison>,
}

/// Members who came back (a page view 30 minutes to 30 days after the gift, or after their
/// first page view of the week), counted once per member and week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CameBack {
    pub members: i64,
    pub returned: i64,
}

impl CameBack {
    fn add(&mut self, returned: bool) {
        self.members += 1;
        self.returned += i64::from(returned);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct GiftStratum {
    pub tier: String,
    pub gifted: CameBack,
    pub others: CameBack,
}

/// Fewer than this on either side, and a comparison says nothing yet.
pub const MIN_GROUP: i64 = 30;

impl Loyalty {
    /// Resolved detractors' return rate against open ones'; `None` until each side has
    /// `MIN_GROUP` cases.
    pub fn recovery_comparison(&self) -> Option<Comparison> {
        self.open_against_resolved(|c| (c.returned, c.cases))
    }

    /// Resolved detractors' next answers against open ones': the share not low, among those
    /// who answered again; `None` until each side has `MIN_GROUP` such answers.
    pub fn next_answer_comparison(&self) -> Option<Comparison> {
        self.open_against_resolved(|c| (c.next_not_low, c.answered_again))
    }

    /// `rate`'s (successes, trials) of resolved cases against open ones', once each side has
    /// `MIN_GROUP` trials.
    fn open_against_resolved(&self, rate: fn(Cases) -> (i64, i64)) -> Option<Comparison> {
        let (open, resolved) = (rate(self.recovery_open), rate(self.recovery_resolved));
        if open.1 < MIN_GROUP || resolved.1 < MIN_GROUP {
            return None;
        }
        let counts = |(successes, trials): (i64, i64)| (successes as u64, trials as u64);
        stats::two_proportions(counts(open), counts(resolved))
    }

    /// Gifted members' return rate against other active members', within tiers; `None` until
    /// each side has `MIN_GROUP` members.
    pub fn gift_comparison(&self) -> Option<Comparison> {
        let total =
            |side: fn(&GiftStratum) -> CameBack| self.gift_effect.iter().map(side).map(|c| c.members).sum::<i64>();
        if total(|g| g.gifted) < MIN_GROUP || total(|g| g.others) < MIN_GROUP {
            return None;
        }
        let counts = |c: CameBack| (c.returned as u64, c.members as u64);
        let strata: Vec<_> = self
            .gift_effect
            .iter()
            .map(|g| (counts(g.others), counts(g.gifted)))
            .collect();
        stats::stratified_proportions(&strata)
    }
}

/// A group's answers on the five faces and on NPS.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Satisfaction {
    /// `None`: visitors who are not members.
    pub tier: Option<String>,
    pub csat_answers: i64,
    csat_sum: i64,
    pub nps_answers: i64,
    /// Promoters minus detractors.
    nps_net: i64,
}

impl Satisfaction {
    fn add(&mut self, scale: &str, answers: i64, sum: i64, promoters: i64, detractors: i64) {
        if scale == "csat5" {
            self.csat_answers += answers;
            self.csat_sum += sum;
        } else {
            self.nps_answers += answers;
            self.nps_net += promoters - detractors;
        }
    }

    /// Mean of the faces, 1 to 5.
    pub fn csat(&self) -> Option<f64> {
        (self.csat_answers > 0).then(|| self.csat_sum as f64 / self.csat_answers as f64)
    }

    /// Promoters' share minus detractors', −100 to 100.
    pub fn nps(&self) -> Option<f64> {
        (self.nps_answers > 0).then(|| 100.0 * self.nps_net as f64 / self.nps_answers as f64)
    }
}

/// The rows of `sql`, whose `$1`, `$2` and `$3` are the site and the range's start and end.
async fn in_range<T>(db: &AnyPool, sql: &'static str, site: &str, start: i64, end: i64) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as(sql).bind(site).bind(start).bind(end).fetch_all(db).await
}

/// Like `in_range`, with `$4` and `$5` the window of a return: 30 minutes to 30 days later.
async fn with_return_window<T>(
    db: &AnyPool,
    sql: &'static str,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .bind(site)
        .bind(start)
        .bind(end)
        .bind(NEW_VISIT_MS)
        .bind(RETURN_WITHIN_MS)
        .fetch_all(db)
        .await
}

/// Lifetime points of every member of `site` (members without an entry have 0), as
/// `member_points` keeps them: a row per member, not the whole ledger.
async fn lifetime_points(db: &AnyPool, site: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.member_id, CAST(COALESCE(p.earned, 0) AS BIGINT)
         FROM members m LEFT JOIN member_points p ON p.site = m.site AND p.member_id = m.member_id
         WHERE m.site = $1",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// Answers in the range per member (`None`: visitors who are not members) and scale: count,
/// sum of scores, promoters (9 or 10) and detractors (0 to 6).
async fn answers_by_member(
    db: &AnyPool,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(Option<String>, String, i64, i64, i64, i64)>, sqlx::Error> {
    in_range(
        db,
        "SELECT member_id, scale, COUNT(*), CAST(SUM(score) AS BIGINT), COUNT(CASE WHEN score >= 9 THEN 1 END), COUNT(CASE WHEN score <= 6 THEN 1 END)
         FROM events WHERE site = $1 AND type = 'feedback' AND scale IN ('csat5', 'nps') AND received_at >= $2 AND received_at < $3
         GROUP BY member_id, scale",
        site,
        start,
        end,
    )
    .await
}

/// Every balance added up before `at`.
async fn outstanding_before(db: &AnyPool, site: &str, at: i64) -> Result<i64, sqlx::Error> {
    let (_, total) = rollups::sums(&rollups::read(db, &figures::POINTS, site, 0, at).await?);
    Ok(total)
}

/// Per week of the range (week 0 starts at `start`): points credited, and all changes added up.
async fn ledger_by_week(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    let mut weeks: Vec<(i64, i64, i64)> = Vec::new();
    for (week, row) in rollups::read_by_week(db, &figures::POINTS, site, start, end).await? {
        let credited = if row.dim1 == "credit" { row.total } else { 0 };
        match weeks.iter_mut().find(|(w, ..)| *w == week) {
            Some(found) => {
                found.1 += credited;
                found.2 += row.total;
            }
            None => weeks.push((week, credited, row.total)),
        }
    }
    Ok(weeks)
}

/// A visit starts 30 minutes or more after the visitor's previous page view (or with their
/// first); a return is a visit 30 minutes to 30 days after the previous page view.
const NEW_VISIT_MS: i64 = 30 * 60 * 1000;
const RETURN_WITHIN_MS: i64 = 30 * crate::platform::clock::DAY_MS;

/// Per visitor with a page view in the range: their member id (if any), their visits in the
/// range, and how many of those were returns. A previous page view more than 30 days before
/// the range's start makes no return, so the views before that are not read: the cost follows
/// the range, not the history.
async fn visits_by_visitor(
    db: &AnyPool,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(Option<String>, i64, i64)>, sqlx::Error> {
    with_return_window(
        db,
        "SELECT MAX(member_id), COUNT(CASE WHEN gap IS NULL OR gap >= $4 THEN 1 END), COUNT(CASE WHEN gap >= $4 AND gap <= $5 THEN 1 END)
         FROM (SELECT visitor_id, member_id, started_at, started_at - LAG(started_at) OVER (PARTITION BY visitor_id ORDER BY started_at) AS gap
               FROM sessions WHERE site = $1 AND started_at >= $2 - $5 AND started_at < $3) AS views
         WHERE started_at >= $2 GROUP BY visitor_id",
        site,
        start,
        end,
    )
    .await
}

/// Per member: lifetime points before `start` and before `end`: their lifetime points now
/// less what they earned since, so only the ledger from `start` on is read, not its history.
async fn lifetime_at_both_ends(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT CAST(p.earned - COALESCE(since.from_start, 0) AS BIGINT), CAST(p.earned - COALESCE(since.from_end, 0) AS BIGINT)
         FROM member_points p LEFT JOIN (
             SELECT member_id, SUM(delta) AS from_start, SUM(CASE WHEN created_at >= $3 THEN delta ELSE 0 END) AS from_end
             FROM points_ledger WHERE site = $1 AND created_at >= $2 AND delta > 0 GROUP BY member_id
         ) AS since ON since.member_id = p.member_id
         WHERE p.site = $1",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}

/// Members with a verified purchase in the range (one the host vouched for, by proof or admin
/// call), and those with two or more.
async fn purchasers(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN n >= 2 THEN 1 END)
         FROM (SELECT COUNT(*) AS n FROM verified_events WHERE site = $1 AND name = 'purchase' AND created_at >= $2 AND created_at < $3 GROUP BY member_id) AS bought",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_one(db)
    .await
}

/// Members with a page view in `[before, start)`, and those of them with none in `[start, end)`.
async fn churned(db: &AnyPool, site: &str, before: i64, start: i64, end: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN NOT EXISTS (
                    SELECT 1 FROM sessions later WHERE later.site = $1 AND later.member_id = active.member_id AND later.started_at >= $3 AND later.started_at < $4
                ) THEN 1 END)
         FROM (SELECT DISTINCT member_id FROM sessions WHERE site = $1 AND member_id IS NOT NULL AND started_at >= $2 AND started_at < $3) AS active",
    )
    .bind(site)
    .bind(before)
    .bind(start)
    .bind(end)
    .fetch_one(db)
    .await
}

/// Recovery cases opened in the range by status, and how many of their detractors came back
/// (a page view 30 minutes to 30 days after the answer).
async fn recovery_returns(
    db: &AnyPool,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    with_return_window(
        db,
        "SELECT c.status, COUNT(*), COUNT(CASE WHEN EXISTS (
                    SELECT 1 FROM sessions s WHERE s.site = c.site AND s.visitor_id = c.visitor_id AND s.started_at >= c.created_at + $4 AND s.started_at <= c.created_at + $5
                ) THEN 1 END)
         FROM recovery_cases c WHERE c.site = $1 AND c.created_at >= $2 AND c.created_at < $3 GROUP BY c.status",
        site,
        start,
        end,
    )
    .await
}

/// Per recovery case opened in the range: its status, and the scale and score of the
/// detractor's next answer (from the same browser), if they answered again.
async fn recovery_next_answers(
    db: &AnyPool,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(String, Option<String>, Option<i64>)>, sqlx::Error> {
    in_range(
        db,
        "SELECT c.status,
                (SELECT e.scale FROM events e WHERE e.site = c.site AND e.visitor_id = c.visitor_id AND e.type = 'feedback' AND e.received_at > c.created_at ORDER BY e.received_at LIMIT 1),
                (SELECT e.score FROM events e WHERE e.site = c.site AND e.visitor_id = c.visitor_id AND e.type = 'feedback' AND e.received_at > c.created_at ORDER BY e.received_at LIMIT 1)
         FROM recovery_cases c WHERE c.site = $1 AND c.created_at >= $2 AND c.created_at < $3",
        site,
        start,
        end,
    )
    .await
}

/// Recovery cases of one kind, how many of their detractors came back, how many answered
/// again, and how many of those next answers were not low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Cases {
    pub cases: i64,
    pub returned: i64,
    #[serde(default)]
    pub answered_again: i64,
    #[serde(default)]
    pub next_not_low: i64,
}

/// How many weeks after joining the retention table looks.
pub const WEEKS_LATER: [i64; 4] = [1, 2, 4, 8];

/// The members who joined in one week of the range, and how many of them had a page view
/// 1, 2, 4 and 8 weeks later (`None`: that week has not come yet).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cohort {
    pub start: i64,
    pub members: i64,
    pub still_visiting: Vec<Option<i64>>,
}

/// Per week of joining (week 0 starts at `start`): new members.
async fn cohort_sizes(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    in_range(
        db,
        "SELECT (first_seen_at - $2) / 604800000 AS cohort, COUNT(*) FROM members
         WHERE site = $1 AND first_seen_at >= $2 AND first_seen_at < $3 GROUP BY cohort",
        site,
        start,
        end,
    )
    .await
}

/// Per week of joining and week since `start`: how many of those members had a page view.
async fn cohort_visits(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    in_range(
        db,
        "SELECT (m.first_seen_at - $2) / 604800000 AS cohort, (s.started_at - $2) / 604800000 AS week, COUNT(DISTINCT m.member_id)
         FROM members m JOIN sessions s ON s.site = m.site AND s.member_id = m.member_id
         WHERE m.site = $1 AND m.first_seen_at >= $2 AND m.first_seen_at < $3 AND s.started_at >= $2
         GROUP BY cohort, week",
        site,
        start,
        end,
    )
    .await
}

/// Per member and week of the range in which they were given a gift (week 0 starts at `start`):
/// whether they had a page view 30 minutes to 30 days after their first gift of that week.
async fn gifted_came_back(
    db: &AnyPool,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    with_return_window(
        db,
        "SELECT g.member_id, g.week, CASE WHEN EXISTS (
                    SELECT 1 FROM sessions s WHERE s.site = $1 AND s.member_id = g.member_id AND s.started_at >= g.at + $4 AND s.started_at <= g.at + $5
                ) THEN 1 ELSE 0 END
         FROM (SELECT member_id, (created_at - $2) / 604800000 AS week, MIN(created_at) AS at FROM surprises
               WHERE site = $1 AND member_id IS NOT NULL AND created_at >= $2 AND created_at < $3 GROUP BY member_id, week) AS g",
        site,
        start,
        end,
    )
    .await
}

/// Per member and week of the range with a page view but no gift: whether they had a page
/// view 30 minutes to 30 days after their first of that week.
async fn others_came_back(
    db: &AnyPool,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    with_return_window(
        db,
        "SELECT a.member_id, a.week, CASE WHEN EXISTS (
                    SELECT 1 FROM sessions s WHERE s.site = $1 AND s.member_id = a.member_id AND s.started_at >= a.at + $4 AND s.started_at <= a.at + $5
                ) THEN 1 ELSE 0 END
         FROM (SELECT member_id, (started_at - $2) / 604800000 AS week, MIN(started_at) AS at FROM sessions
               WHERE site = $1 AND member_id IS NOT NULL AND started_at >= $2 AND started_at < $3 GROUP BY member_id, week) AS a
         WHERE NOT EXISTS (SELECT 1 FROM surprises g WHERE g.site = $1 AND g.member_id = a.member_id
                             AND g.created_at >= $2 + a.week * 604800000 AND g.created_at < $2 + (a.week + 1) * 604800000)",
        site,
        start,
        end,
    )
    .await
}

/// Whether a group's visitors come back.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Returns {
    pub visitors: i64,
    pub visits: i64,
    /// Visitors who came back at least once.
    pub returned: i64,
}

impl Returns {
    fn add(&mut self, visits: i64, returns: i64) {
        self.visitors += 1;
        self.visits += visits;
        self.returned += i64::from(returns > 0);
    }

    pub fn visits_per_visitor(&self) -> Option<f64> {
        (self.visitors > 0).then(|| self.visits as f64 / self.visitors as f64)
    }

    pub fn return_rate(&self) -> Option<f64> {
        (self.visitors > 0).then(|| self.returned as f64 / self.visitors as f64)
    }
}

impl Loyalty {
    /// The figures with each tier called by its name in `locale` (they are computed with the
    /// names of the site's config, so one snapshot serves every language).
    pub fn localized(mut self, site: &Site, locale: Locale) -> Self {
        let name = |n: &mut String| {
            if !n.is_empty() {
                *n = site.tier_display_name(n, locale);
            }
        };
        self.tiers.iter_mut().for_each(|(n, _)| name(n));
        self.satisfaction
            .iter_mut()
            .filter_map(|g| g.tier.as_mut())
            .for_each(name);
        self.tier_moves.iter_mut().for_each(|(from, to, _)| {
            name(from);
            name(to);
        });
        self.returns_by_tier.iter_mut().for_each(|(n, _)| name(n));
        self.gift_effect.iter_mut().for_each(|g| name(&mut g.tier));
        self
    }
}

/// The Loyalty page's figures for the range as a snapshot (see `snapshots`): a big shop's take
/// seconds to compute.
pub async fn loyalty_snapshot(
    db: &AnyPool,
    sites: std::sync::Arc<crate::features::sites::Sites>,
    site: &str,
    start: i64,
    end: i64,
) -> Result<crate::features::snapshots::Lookup<Loyalty>, sqlx::Error> {
    let (pool, key) = (db.clone(), site.to_owned());
    let compute = move || async move {
        let site = sites
            .get(&key)
            .ok_or_else(|| sqlx::Error::Protocol("no such site".into()))?;
        loyalty(&pool, site, start, end).await
    };
    // The page shows `loyalty_at_once` meanwhile: it waits less than pages with nothing to show.
    crate::features::snapshots::cached_within(
        db,
        site,
        "loyalty",
        &format!("{start}-{end}"),
        crate::features::snapshots::recent,
        WAIT_FOR_TABLES,
        compute,
    )
    .await
}

/// How long the Loyalty page waits for a range's tables before it shows what it has at once.
const WAIT_FOR_TABLES: std::time::Duration = std::time::Duration::from_millis(700);

/// The figures of `[start, end)` that come from the daily rollups, in milliseconds whatever
/// the shop's size: the members, and the points issued, redeemed and owed per week. Every
/// other field is empty: those need individual rows (`loyalty`, kept as a snapshot).
pub async fn loyalty_at_once(db: &AnyPool, site: &Site, start: i64, end: i64) -> Result<Loyalty, sqlx::Error> {
    let key = site.settings.key.as_str();
    let members = crate::features::members::count(db, key).await?;
    Ok(Loyalty {
        members,
        ..points_by_week(db, key, start, end).await?
    })
}

/// The weeks of the range with their points, and the range's totals; the rest left empty.
async fn points_by_week(db: &AnyPool, key: &str, start: i64, end: i64) -> Result<Loyalty, sqlx::Error> {
    let weeks_in_range = ((end - start) + WEEK_MS - 1) / WEEK_MS;
    let ledger = ledger_by_week(db, key, start, end).await?;
    let spent = crate::features::insights::reports::redemptions_by_week(db, key, start, end).await?;
    let mut outstanding = outstanding_before(db, key, start).await?;
    let mut weeks = Vec::new();
    for w in 0..weeks_in_range.max(0) {
        let (issued, net) = ledger
            .iter()
            .find(|(week, ..)| *week == w)
            .map_or((0, 0), |&(_, issued, net)| (issued, net));
        outstanding += net;
        let redeemed = spent
            .iter()
            .filter(|(week, ..)| *week == w)
            .map(|(.., points)| points)
            .sum();
        weeks.push(Week {
            start: start + w * WEEK_MS,
            issued,
            redeemed,
            outstanding,
        });
    }
    let issued: i64 = weeks.iter().map(|w| w.issued).sum();
    let redeemed: i64 = weeks.iter().map(|w| w.redeemed).sum();
    Ok(Loyalty {
        weeks,
        issued,
        redeemed,
        outstanding,
        redemption_rate: (issued > 0).then(|| redeemed as f64 / issued as f64),
        ..Loyalty::default()
    })
}

/// Keeps every site's default Loyalty page (twelve weeks to today) computed, so it opens from
/// its snapshot even on the day's first view: at start, then every few minutes (a snapshot
/// still fresh is left alone; a stale one is refreshed by the one server that claims it).
pub async fn keep_fresh(db: AnyPool, sites: std::sync::Arc<crate::features::sites::Sites>) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_millis(
        crate::features::snapshots::FRESH_MS as u64 / 2,
    ));
    loop {
        ticks.tick().await;
        let Some((.., start, end)) = crate::platform::clock::report_range(None, None, DEFAULT_RANGE_DAYS) else {
            continue;
        };
        let keys: Vec<String> = sites.keys().into_iter().map(str::to_owned).collect();
        for key in keys {
            if let Err(error) = loyalty_snapshot(&db, sites.clone(), &key, start, end).await {
                tracing::warn!(%error, site = key, "computing the Loyalty page failed; it is tried again in a few minutes");
            }
        }
    }
}

/// Without a range the Loyalty page shows twelve weeks to today (today is the 84th day).
pub const DEFAULT_RANGE_DAYS: i64 = 83;

/// The program's figures for `[start, end)`, tiers by their names in the site's config.
pub async fn loyalty(db: &AnyPool, site: &Site, start: i64, end: i64) -> Result<Loyalty, sqlx::Error> {
    let key = site.settings.key.as_str();
    let lifetimes = lifetime_points(db, key).await?;
    let tier_of = |lifetime: i64| site.tier_at(lifetime);
    let mut counts = vec![0_i64; site.settings.tiers.len()];
    let mut untiered = 0;
    for (_, lifetime) in &lifetimes {
        match tier_of(*lifetime) {
            Some(i) => counts[i] += 1,
            None => untiered += 1,
        }
    }
    let names: Vec<String> = site.settings.tiers.iter().map(|t| t.name.clone()).collect();
    let tiers = names.iter().cloned().zip(counts).collect();

    // Slot 0: visitors who are not members (and members below the first tier); then the tiers.
    let mut satisfaction: Vec<Satisfaction> = std::iter::once(None)
        .chain(names.into_iter().map(Some))
        .map(|tier| Satisfaction {
            tier,
            ..Default::default()
        })
        .collect();
    let member_tier: std::collections::HashMap<&str, usize> = lifetimes
        .iter()
        .filter_map(|(id, l)| Some((id.as_str(), tier_of(*l)? + 1)))
        .collect();
    for (member, scale, answers, sum, promoters, detractors) in answers_by_member(db, key, start, end).await? {
        let slot = member.as_deref().and_then(|m| member_tier.get(m).copied()).unwrap_or(0);
        satisfaction[slot].add(&scale, answers, sum, promoters, detractors);
    }

    let mut tier_moves: Vec<(String, String, i64)> = Vec::new();
    for (before, after) in lifetime_at_both_ends(db, key, start, end).await? {
        let name = |lifetime| {
            tier_of(lifetime).map_or_else(String::new, |i| satisfaction[i + 1].tier.clone().unwrap_or_default())
        };
        let (from, to) = (tier_of(before), tier_of(after));
        if from != to {
            let (from, to) = (name(before), name(after));
            match tier_moves.iter_mut().find(|(f, t, _)| *f == from && *t == to) {
                Some(found) => found.2 += 1,
                None => tier_moves.push((from, to, 1)),
            }
        }
    }
    let order = |name: &str| satisfaction.iter().position(|g| g.tier.as_deref() == Some(name));
    tier_moves.sort_by_key(|(from, to, _)| (order(from), order(to)));

    let (purchasers, repeat_purchasers) = purchasers(db, key, start, end).await?;
    let (previously_active, churned) = churned(db, key, start - (end - start), start, end).await?;

    let visits = cohort_visits(db, key, start, end).await?;
    let now = crate::platform::clock::now_ms();
    let mut cohorts: Vec<Cohort> = cohort_sizes(db, key, start, end)
        .await?
        .into_iter()
        .map(|(cohort, members)| Cohort {
            start: start + cohort * WEEK_MS,
            members,
            still_visiting: WEEKS_LATER
                .iter()
                .map(|k| {
                    let week = cohort + k;
                    (start + week * WEEK_MS <= now).then(|| {
                        visits
                            .iter()
                            .filter(|(c, w, _)| *c == cohort && *w == week)
                            .map(|(.., n)| n)
                            .sum()
                    })
                })
                .collect(),
        })
        .collect();
    cohorts.sort_by_key(|c| c.start);

    let (mut recovery_resolved, mut recovery_open) = (Cases::default(), Cases::default());
    for (status, cases, returned) in recovery_returns(db, key, start, end).await? {
        let group = if status == "resolved" {
            &mut recovery_resolved
        } else {
            &mut recovery_open
        };
        *group = Cases {
            cases,
            returned,
            ..Cases::default()
        };
    }
    for (status, scale, score) in recovery_next_answers(db, key, start, end).await? {
        let group = if status == "resolved" {
            &mut recovery_resolved
        } else {
            &mut recovery_open
        };
        let Some((scale, score)) = scale
            .as_deref()
            .and_then(moments_protocol::wire::Scale::from_name)
            .zip(score)
        else {
            continue;
        };
        group.answered_again += 1;
        group.next_not_low +=
            i64::from(moments_protocol::domain::Score::parse(scale, score).is_ok_and(|s| !s.is_low()));
    }

    let (mut returns_not_members, mut returns_members) = (Returns::default(), Returns::default());
    let mut returns_by_tier: Vec<(String, Returns)> = satisfaction
        .iter()
        .skip(1)
        .filter_map(|g| Some((g.tier.clone()?, Returns::default())))
        .collect();
    for (member, visits, returns) in visits_by_visitor(db, key, start, end).await? {
        let Some(member) = member else {
            returns_not_members.add(visits, returns);
            continue;
        };
        returns_members.add(visits, returns);
        if let Some(slot) = member_tier.get(member.as_str()) {
            returns_by_tier[slot - 1].1.add(visits, returns);
        }
    }

    // Strata by today's tier, in tier order ("" below the first tier, first).
    let stratum_names: Vec<String> = std::iter::once(String::new())
        .chain(satisfaction.iter().skip(1).filter_map(|g| g.tier.clone()))
        .collect();
    let mut gift_effect: Vec<GiftStratum> = stratum_names
        .into_iter()
        .map(|tier| GiftStratum {
            tier,
            ..Default::default()
        })
        .collect();
    let stratum = |member: &str| member_tier.get(member).copied().unwrap_or(0);
    for (member, _, returned) in gifted_came_back(db, key, start, end).await? {
        gift_effect[stratum(&member)].gifted.add(returned == 1);
    }
    for (member, _, returned) in others_came_back(db, key, start, end).await? {
        gift_effect[stratum(&member)].others.add(returned == 1);
    }
    gift_effect.retain(|g| g.gifted.members + g.others.members > 0);

    let points = points_by_week(db, key, start, end).await?;
    Ok(Loyalty {
        tiers,
        untiered,
        members: lifetimes.len() as i64,
        satisfaction,
        tier_moves,
        purchasers,
        repeat_purchasers,
        previously_active,
        churned,
        cohorts,
        recovery_resolved,
        recovery_open,
        returns_not_members,
        returns_members,
        returns_by_tier,
        gift_effect,
        holdouts: crate::features::holdouts::compare_all(db, site, start, end).await?,
        ..points
    })
}
