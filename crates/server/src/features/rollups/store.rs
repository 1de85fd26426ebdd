//! The rollups' SQL: folding a stretch of time in, taking an erased person's rows back out,
//! starting over from a day, and reading a range of days exactly.

use sqlx::{AnyConnection, AnyPool};

use super::figures::{ALL, Figure};
use crate::platform::clock::DAY_MS;

/// The watermark of `$1`'s site, 0 before its first fold.
const WATERMARK: &str = "(SELECT COALESCE(MAX(folded_to), 0) FROM rollup_watermarks WHERE site = $1)";

/// One figure's grouped rows, added to (`sign` 1) or taken from (−1) the rollups.
fn add_sql(figure: &Figure, condition: &str, sign: i64) -> String {
    format!(
        "INSERT INTO daily_rollups (site, figure, day, dim1, dim2, scale, score, n, total)
         SELECT $1, '{name}', day, dim1, dim2, scale, score, n * {sign}, total * {sign} FROM ({grouped}) AS f WHERE true
         ON CONFLICT (site, figure, day, dim1, dim2, scale, score)
         DO UPDATE SET n = daily_rollups.n + excluded.n, total = daily_rollups.total + excluded.total",
        name = figure.name,
        grouped = figure.grouped(condition),
    )
}

/// Where the site's fold stands, inside a write transaction; the first time, from the first
/// UTC day any source has a row on (or `start` when there is none).
pub async fn watermark(tx: &mut AnyConnection, site: &str, start: i64) -> Result<i64, sqlx::Error> {
    if let Some(at) = sqlx::query_scalar("SELECT folded_to FROM rollup_watermarks WHERE site = $1")
        .bind(site)
        .fetch_optional(&mut *tx)
        .await?
    {
        return Ok(at);
    }
    let mut first = start;
    for figure in ALL {
        let at: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(figure.first()))
            .bind(site)
            .fetch_one(&mut *tx)
            .await?;
        first = first.min(at.map_or(start, |at| at - at.rem_euclid(DAY_MS)));
    }
    sqlx::query(
        "INSERT INTO rollup_watermarks (site, folded_to, folded_at) VALUES ($1, $2, $3) ON CONFLICT (site) DO NOTHING",
    )
    .bind(site)
    .bind(first)
    .bind(start)
    .execute(&mut *tx)
    .await?;
    Ok(first)
}

/// Folds every figure's rows stamped in `[from, to)` in and moves the watermark from `from` to
/// `to`, if it still is at `from` (another server may have folded them meanwhile: then nothing
/// is written and `false` comes back).
pub async fn fold(tx: &mut AnyConnection, site: &str, from: i64, to: i64, now: i64) -> Result<bool, sqlx::Error> {
    let moved =
        sqlx::query("UPDATE rollup_watermarks SET folded_to = $3, folded_at = $4 WHERE site = $1 AND folded_to = $2")
            .bind(site)
            .bind(from)
            .bind(to)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if moved != 1 {
        return Ok(false);
    }
    for figure in ALL {
        let sql = add_sql(figure, &figure.between("$2", "$3"), 1);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(site)
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
    }
    Ok(true)
}

/// Whose rows an erasure removes.
#[derive(Debug, Clone, Copy)]
pub enum Erased<'a> {
    Member(&'a str),
    Visitor(&'a str),
}

/// Takes the rows an erasure is about to delete out of the rollups (those already folded), in
/// the erasure's transaction, so the rollups keep agreeing with the raw rows. The transaction
/// begins with `rollups::hold_folds`.
pub async fn forget(tx: &mut AnyConnection, site: &str, whose: Erased<'_>) -> Result<(), sqlx::Error> {
    // The watermark's row first: a fold that read it before `rollups::hold_folds` waits for this
    // transaction (when a caller did not hold folds off, one that wins makes this one retry).
    sqlx::query("UPDATE rollup_watermarks SET folded_to = folded_to WHERE site = $1")
        .bind(site)
        .execute(&mut *tx)
        .await?;
    for figure in ALL {
        let (condition, id) = match whose {
            Erased::Member(id) => (figure.erased_with_member, id),
            Erased::Visitor(id) => (figure.erased_with_visitor, id),
        };
        let Some(condition) = condition else { continue };
        let condition = format!("{condition} AND {}", figure.between("0", WATERMARK));
        sqlx::query(sqlx::AssertSqlSafe(add_sql(figure, &condition, -1)))
            .bind(site)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM daily_rollups WHERE site = $1 AND n = 0 AND total = 0")
        .bind(site)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Drops the site's rollups from day `day` on and moves its watermark back there (if it was
/// later; from day 0, to the site's first row), so the fold counts those days again from the raw rows; pages stay exact meanwhile.
pub async fn start_over(tx: &mut AnyConnection, site: &str, day: i64) -> Result<(), sqlx::Error> {
    // From the first day: the watermark goes, and the fold starts again at the first row.
    if day <= 0 {
        sqlx::query("DELETE FROM rollup_watermarks WHERE site = $1")
            .bind(site)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("UPDATE rollup_watermarks SET folded_to = $2 WHERE site = $1 AND folded_to > $2")
            .bind(site)
            .bind(day * DAY_MS)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM daily_rollups WHERE site = $1 AND day >= $2")
        .bind(site)
        .bind(day)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// One figure's value for one day and set of dimensions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct Row {
    pub day: i64,
    pub dim1: String,
    pub dim2: String,
    pub scale: String,
    pub score: i64,
    pub n: i64,
    pub total: i64,
}

/// How `read` adds up its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// A row per UTC day and set of dimensions.
    Day,
    /// A row per set of dimensions over the whole range (`day` 0), added up by the database:
    /// a long range sends as few rows as a short one.
    Range,
}

/// `figure` on the site's rows stamped in `[start, end)` (ms), exact to the row: the rollups
/// of the whole days up to the watermark, the raw rows of the whole days after it and of the
/// partial days at either end, in one statement (one snapshot).
pub async fn read(
    db: &AnyPool,
    figure: &Figure,
    site: &str,
    start: i64,
    end: i64,
    per: Per,
) -> Result<Vec<Row>, sqlx::Error> {
    // The whole days: [$3, $4) (day numbers), empty when the range has none.
    let first = (start + DAY_MS - 1).div_euclid(DAY_MS);
    let last = end.div_euclid(DAY_MS).max(first);
    let after_watermark = figure.between(
        "(SELECT MAX(x) FROM (SELECT $3 * 86400000 AS x UNION ALL SELECT folded_to FROM rollup_watermarks WHERE site = $1) AS bounds)",
        "$4 * 86400000",
    );
    let (day, by_day) = match per {
        Per::Day => ("day", "day, "),
        Per::Range => ("CAST(0 AS BIGINT) AS day", ""),
    };
    let sql = format!(
        "SELECT {day}, dim1, dim2, scale, score, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(total) AS BIGINT) AS total FROM (
             SELECT day, dim1, dim2, scale, score, n, total FROM daily_rollups WHERE site = $1 AND figure = $2 AND day >= $3 AND day < $4
             UNION ALL {whole_days}
             UNION ALL {before}
             UNION ALL {after}
         ) AS f GROUP BY {by_day}dim1, dim2, scale, score HAVING SUM(n) <> 0 OR SUM(total) <> 0",
        whole_days = figure.grouped(&after_watermark),
        before = figure.grouped(&figure.between("$5", "(CASE WHEN $3 * 86400000 < $6 THEN $3 * 86400000 ELSE $6 END)")),
        after = figure.grouped(&figure.between("$4 * 86400000", "$6")),
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(figure.name)
        .bind(first)
        .bind(last)
        .bind(start)
        .bind(end)
        .fetch_all(db)
        .await
}

/// `figure` on the site's rows stamped in `[start, end)` (ms) as the raw rows alone say (what
/// `read` must agree with).
pub async fn read_raw(
    db: &AnyPool,
    figure: &Figure,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(figure.grouped(&figure.between("$2", "$3"))))
        .bind(site)
        .bind(start)
        .bind(end)
        .fetch_all(db)
        .await
}

/// What the rollups hold of `figure` for the site, and what the raw rows stamped before the
/// watermark say, each sorted: the two must be equal.
pub async fn folded_and_raw(db: &AnyPool, figure: &Figure, site: &str) -> Result<(Vec<Row>, Vec<Row>), sqlx::Error> {
    let mut folded: Vec<Row> = sqlx::query_as(
        "SELECT day, dim1, dim2, scale, score, n, total FROM daily_rollups WHERE site = $1 AND figure = $2",
    )
    .bind(site)
    .bind(figure.name)
    .fetch_all(db)
    .await?;
    let mut raw: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(figure.grouped(&figure.between("0", WATERMARK))))
        .bind(site)
        .fetch_all(db)
        .await?;
    folded.sort();
    raw.sort();
    Ok((folded, raw))
}
