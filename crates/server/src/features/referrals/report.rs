//! The Referrals page's figures: the clicks of a period and what became of them (members,
//! first orders, completions, refusals by reason, what was paid), and the referrers who
//! brought the most. Read from the referrals table, which holds one row per click.

use serde::Serialize;
use sqlx::AnyExecutor;

/// The widget's track event when a member taps Copy or Share: the browser's word, counted.
pub const SHARED_EVENT: &str = "referral_shared";

#[derive(Debug, Default, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Funnel {
    /// Copy and Share taps in the widget (the browser's word: a count, nothing is paid for it).
    #[sqlx(skip)]
    pub links_shared: i64,
    /// Friends' browsers that arrived through a link in the period.
    pub clicks: i64,
    /// Of those, friends who then signed in as members.
    pub became_members: i64,
    /// Of those, friends whose first order was vouched for.
    pub first_orders: i64,
    pub completed: i64,
    /// Waiting for staff review.
    pub held: i64,
    pub refused: i64,
    /// Completed per click; absent without clicks.
    #[sqlx(skip)]
    pub completion_rate: Option<f64>,
    /// Points credited to both sides for these referrals.
    pub points_paid: i64,
    /// Friends' coupons given.
    pub coupons_given: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Refusals {
    pub reason: String,
    pub referrals: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Referrer {
    pub member_id: String,
    pub clicks: i64,
    pub completed: i64,
    pub refused: i64,
    pub points_earned: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReferralFigures {
    pub from: i64,
    pub to: i64,
    pub funnel: Funnel,
    /// Refused referrals by reason, most first.
    pub refusals: Vec<Refusals>,
    /// The 20 referrers with the most completions.
    pub referrers: Vec<Referrer>,
}

const IN_PERIOD: &str = "site = $1 AND clicked_at >= $2 AND clicked_at < $3";

pub async fn figures(
    db: &mut sqlx::AnyConnection,
    site: &str,
    from: i64,
    to: i64,
) -> Result<ReferralFigures, sqlx::Error> {
    let mut funnel: Funnel = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS clicks,
            CAST(COALESCE(SUM(CASE WHEN friend_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS became_members,
            CAST(COALESCE(SUM(CASE WHEN order_key IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS first_orders,
            CAST(COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed,
            CAST(COALESCE(SUM(CASE WHEN status = 'held' THEN 1 ELSE 0 END), 0) AS BIGINT) AS held,
            CAST(COALESCE(SUM(CASE WHEN status = 'refused' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refused,
            CAST(COALESCE(SUM(CASE WHEN status = 'completed' THEN COALESCE(referrer_points, 0) + COALESCE(friend_points, 0) ELSE 0 END), 0) AS BIGINT) AS points_paid,
            CAST(COALESCE(SUM(CASE WHEN status = 'completed' AND friend_coupon IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS coupons_given
         FROM referrals WHERE {IN_PERIOD}"
    )))
    .bind(site)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *db)
    .await?;
    funnel.links_shared = shared(&mut *db, site, from, to).await?;
    funnel.completion_rate = (funnel.clicks > 0).then(|| funnel.completed as f64 / funnel.clicks as f64);
    let refusals = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT reason, COUNT(*) AS referrals FROM referrals WHERE {IN_PERIOD} AND status = 'refused'
         GROUP BY reason ORDER BY COUNT(*) DESC, reason"
    )))
    .bind(site)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *db)
    .await?;
    let referrers = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT referrer_id AS member_id, COUNT(*) AS clicks,
            CAST(COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed,
            CAST(COALESCE(SUM(CASE WHEN status = 'refused' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refused,
            CAST(COALESCE(SUM(CASE WHEN status = 'completed' THEN COALESCE(referrer_points, 0) ELSE 0 END), 0) AS BIGINT) AS points_earned
         FROM referrals WHERE {IN_PERIOD} GROUP BY referrer_id
         ORDER BY completed DESC, clicks DESC, referrer_id LIMIT 20"
    )))
    .bind(site)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *db)
    .await?;
    Ok(ReferralFigures {
        from,
        to,
        funnel,
        refusals,
        referrers,
    })
}

async fn shared(db: impl AnyExecutor<'_>, site: &str, from: i64, to: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE site = $1 AND type = 'track' AND name = $4 AND received_at >= $2 AND received_at < $3",
    )
    .bind(site)
    .bind(from)
    .bind(to)
    .bind(SHARED_EVENT)
    .fetch_one(db)
    .await
}
