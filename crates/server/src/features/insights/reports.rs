//! The dashboard's reads that belong to no one feature: the overview's sums over a range of
//! days (`start` inclusive, `end` exclusive, in ms since the Unix epoch), read from the daily
//! rollups.

use std::collections::{BTreeMap, HashMap};

use sqlx::AnyPool;

use crate::features::rollups::{self, figures};

/// Per UTC day and scale: answers, their mean, promoters and detractors (NPS).
pub struct Daily {
    pub day: i64,
    pub scale: String,
    pub answers: i64,
    pub mean: f64,
    pub promoters: i64,
    pub detractors: i64,
}

pub async fn daily_answers(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<Daily>, sqlx::Error> {
    // Per day and scale: the day's figures and the sum of its scores.
    let mut days: BTreeMap<(i64, String), (Daily, i64)> = BTreeMap::new();
    for row in rollups::read(db, &figures::ANSWERS, site, start, end).await? {
        let (day, sum) = days.entry((row.day, row.scale.clone())).or_insert_with(|| {
            let day = Daily {
                day: row.day,
                scale: row.scale.clone(),
                answers: 0,
                mean: 0.0,
                promoters: 0,
                detractors: 0,
            };
            (day, 0)
        });
        day.answers += row.n;
        *sum += row.score * row.n;
        day.promoters += if row.score >= 9 { row.n } else { 0 };
        day.detractors += if row.score <= 6 { row.n } else { 0 };
    }
    Ok(days
        .into_values()
        .map(|(day, sum)| Daily {
            mean: sum as f64 / day.answers as f64,
            ..day
        })
        .collect())
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
pub struct Given {
    /// Surprises given.
    pub given: i64,
    /// Surprises opened.
    pub claimed: i64,
    /// Points credited (every positive ledger entry).
    pub points: i64,
}

pub async fn given(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Given, sqlx::Error> {
    let (given, _) = rollups::sums(&rollups::read(db, &figures::GIFTS_GIVEN, site, start, end).await?);
    let (claimed, _) = rollups::sums(&rollups::read(db, &figures::GIFTS_OPENED, site, start, end).await?);
    let points = rollups::read(db, &figures::POINTS, site, start, end).await?;
    let (_, points) = rollups::sums(points.iter().filter(|r| r.dim1 == "credit"));
    Ok(Given { given, claimed, points })
}

/// Every redemption so far, per reward (what the stock has given).
pub async fn redeemed_per_reward(db: &AnyPool, site: &str) -> Result<HashMap<String, i64>, sqlx::Error> {
    rollups::counts_so_far(db, &figures::REDEMPTIONS, site, rollups::Per::Range, |row| {
        Some(row.dim1)
    })
    .await
}

/// Redemptions per reward per week of the range (week 0 starts at `start`), with their points.
pub async fn redemptions_by_week(
    db: &AnyPool,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(i64, String, i64, i64)>, sqlx::Error> {
    let mut weeks: Vec<(i64, String, i64, i64)> = Vec::new();
    for (week, row) in rollups::read_by_week(db, &figures::REDEMPTIONS, site, start, end).await? {
        match weeks
            .iter_mut()
            .find(|(w, reward, ..)| *w == week && *reward == row.dim1)
        {
            Some(found) => {
                found.2 += row.n;
                found.3 += row.total;
            }
            None => weeks.push((week, row.dim1, row.n, row.total)),
        }
    }
    Ok(weeks)
}
