//! The dashboard's reads that belong to no one feature: the overview's sums over a range of
//! days (`start` inclusive, `end` exclusive, in ms since the Unix epoch).

use sqlx::AnyPool;

/// Per UTC day and scale: answers, their mean, promoters and detractors (NPS).
#[derive(sqlx::FromRow)]
pub struct Daily {
    pub day: i64,
    pub scale: String,
    pub answers: i64,
    pub mean: f64,
    pub promoters: i64,
    pub detractors: i64,
}

pub async fn daily_answers(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<Daily>, sqlx::Error> {
    sqlx::query_as(
        "SELECT received_at / 86400000 AS day, scale, COUNT(*) AS answers, CAST(AVG(score) AS DOUBLE PRECISION) AS mean,
                COUNT(CASE WHEN score >= 9 THEN 1 END) AS promoters, COUNT(CASE WHEN score <= 6 THEN 1 END) AS detractors
         FROM events WHERE site = $1 AND type = 'feedback' AND received_at >= $2 AND received_at < $3 GROUP BY day, scale",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}

/// Whether the site has had any answer at all (an empty overview says which kind of empty).
pub async fn any_answers(db: &AnyPool, site: &str) -> Result<bool, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE site = $1 AND type = 'feedback' LIMIT 1) AS one",
    )
    .bind(site)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// What the program gave in the range.
#[derive(sqlx::FromRow)]
pub struct Given {
    /// Surprises given.
    pub given: i64,
    /// Surprises opened.
    pub claimed: i64,
    /// Points credited (every positive ledger entry).
    pub points: i64,
}

pub async fn given(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Given, sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM surprises WHERE site = $1 AND created_at >= $2 AND created_at < $3) AS given,
                (SELECT COUNT(*) FROM surprises WHERE site = $1 AND claimed_at >= $2 AND claimed_at < $3) AS claimed,
                (SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM points_ledger WHERE site = $1 AND delta > 0 AND created_at >= $2 AND created_at < $3) AS points",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_one(db)
    .await
}

/// Redemptions per reward per week of the range (week 0 starts at `start`), with their points.
pub async fn redemptions_by_week(
    db: &AnyPool,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(i64, String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT (created_at - $2) / 604800000 AS week, reward, COUNT(*), CAST(SUM(points) AS BIGINT)
         FROM redemptions WHERE site = $1 AND created_at >= $2 AND created_at < $3 GROUP BY week, reward",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}
