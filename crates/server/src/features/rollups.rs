//! Daily rollups: each site's figures per UTC day (answers by scale and score and context,
//! page views, points, redemptions, gifts, recovery cases), so a dashboard page costs the same
//! on a shop's first day and after five years.
//!
//! Not kept in the requests' transactions (that would make a hot row per site and day): a
//! background task on every server folds the rows stamped before `now - LAG_MS` in, a day per
//! transaction, from a watermark per site. Whichever server's transaction finds the watermark
//! where it read it moves it; the others change nothing, so each row is folded exactly once,
//! and a server killed mid-fold leaves its transaction rolled back. A page reads the rollups
//! up to the watermark and the few raw rows after it in one statement: exact to the second.
//!
//! Rows written with a time already folded (a generated history, a test's backdated entry) are
//! counted by `rebuild`, which starts the site's fold over from a day; an erasure takes what it
//! deletes back out (`forget`), in its own transaction.

pub mod figures;
pub mod store;

use std::time::Duration;

use sqlx::{AnyConnection, AnyPool};
pub use store::{Erased, Per, Row};

use crate::platform::clock::{DAY_MS, WEEK_MS, now_ms};

/// How far behind now the fold stays: a request's transaction stamps its rows before it
/// commits, and none takes anywhere near this long.
pub const LAG_MS: i64 = 60_000;
const EVERY: Duration = Duration::from_secs(10);

/// Folds every site's new rows every few seconds, until the server stops.
pub async fn run(db: AnyPool, sites: std::sync::Arc<crate::features::sites::Sites>) {
    crate::features::sites::every_site(sites, EVERY, "folding new rows into the rollups", |site| {
        let db = db.clone();
        async move { catch_up(&db, &site, now_ms()).await }
    })
    .await
}

/// Folds the site's rows stamped before `now - LAG_MS`, a UTC day per transaction; how many
/// transactions this server committed (another server may be folding the same site).
pub async fn catch_up(db: &AnyPool, site: &str, now: i64) -> Result<u32, sqlx::Error> {
    let target = now - LAG_MS;
    let mut folded = 0;
    loop {
        match fold_one_day(db, site, target, now).await {
            Ok(Fold::Folded) => folded += 1,
            // No transaction just to find nothing left: on SQLite each one takes the write lock.
            Ok(Fold::FoldedTheLast) => return Ok(folded + 1),
            Ok(Fold::CaughtUp) => return Ok(folded),
            // Another server moved the watermark first: carry on from where it got to, so the
            // rows up to `target` are folded when this returns.
            Ok(Fold::Lost) => {}
            // Another server folded the same stretch at the same moment (PostgreSQL).
            Err(error) if crate::platform::db::is_conflict(&error) => return Ok(folded),
            Err(error) => return Err(error),
        }
        tokio::task::yield_now().await;
    }
}

/// What one day's fold came to.
enum Fold {
    Folded,
    /// Folded up to the target.
    FoldedTheLast,
    CaughtUp,
    Lost,
}

/// Folds from the watermark to the next midnight or `target`, whichever comes first.
async fn fold_one_day(db: &AnyPool, site: &str, target: i64, now: i64) -> Result<Fold, sqlx::Error> {
    let mut tx = crate::platform::db::begin_write_read_committed(db).await?;
    let from = store::watermark(&mut tx, site, target).await?;
    if from >= target {
        tx.commit().await?;
        return Ok(Fold::CaughtUp);
    }
    let to = target.min(from - from.rem_euclid(DAY_MS) + DAY_MS);
    if !store::fold(&mut tx, site, from, to, now).await? {
        tx.rollback().await?;
        return Ok(Fold::Lost);
    }
    tx.commit().await?;
    Ok(if to == target {
        Fold::FoldedTheLast
    } else {
        Fold::Folded
    })
}

/// Counts the site's days from `from_day` (a UTC day number; 0: all of them) again from the
/// raw rows and folds up to now; the transactions it took. Days before `from_day` keep their
/// rollups: retention may have deleted their raw rows, which the rollups outlive.
pub async fn rebuild(db: &AnyPool, site: &str, from_day: i64) -> Result<u32, sqlx::Error> {
    start_over(db, site, from_day).await?;
    catch_up(db, site, now_ms()).await
}

/// `--rebuild-rollups`: every configured site's rollups counted again from the first day whose
/// raw rows retention keeps whole, with a line per site.
pub async fn rebuild_all(settings: &crate::config::Settings) -> anyhow::Result<()> {
    let db = crate::platform::db::connect(&settings.server.database_url).await?;
    let retention = settings.server.retention;
    let kept_days = [retention.sessions_days, retention.events_days]
        .into_iter()
        .filter(|&days| days > 0)
        .min();
    let today = now_ms().div_euclid(DAY_MS);
    let from_day = kept_days.map_or(0, |days| today - i64::from(days) + 1);
    for site in &settings.sites {
        let started = std::time::Instant::now();
        let folded = rebuild(&db, &site.key, from_day).await?;
        println!(
            "{}: rollups rebuilt from {} in {} transactions, {} ms",
            site.key,
            if from_day == 0 {
                "the first day".to_owned()
            } else {
                crate::platform::clock::date_of_ms(from_day * DAY_MS).to_string()
            },
            folded,
            started.elapsed().as_millis()
        );
    }
    db.close().await;
    Ok(())
}

/// Drops the site's rollups from `from_day` on and moves its watermark back there: the fold
/// (this server's or another's) counts those days again. Pages stay exact meanwhile.
pub async fn start_over(db: &AnyPool, site: &str, from_day: i64) -> Result<(), sqlx::Error> {
    let mut tx = crate::platform::db::begin_write_read_committed(db).await?;
    store::start_over(&mut tx, site, from_day).await?;
    tx.commit().await
}

/// The first statement of an erasure's transaction: folds wait for it (see
/// `platform::db::hold_off_writers`).
pub async fn hold_folds(tx: &mut AnyConnection) -> Result<(), sqlx::Error> {
    crate::platform::db::hold_off_writers(tx, "rollup_watermarks").await
}

/// Takes what an erasure is about to delete out of the rollups, in the erasure's transaction.
pub async fn forget(tx: &mut AnyConnection, site: &str, whose: Erased<'_>) -> Result<(), sqlx::Error> {
    store::forget(tx, site, whose).await
}

/// `figure` on the site's rows stamped in `[start, end)` (ms), per UTC day, exact to the row.
pub async fn read(
    db: &AnyPool,
    figure: &figures::Figure,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    store::read(db, figure, site, start, end, Per::Day).await
}

/// `figure`'s count `n` over every row of the site so far, summed per `key` of a row (rows
/// whose key is `None` are left out): what the stock has given, the keys in use. `per`: what
/// the key may read of a row (`Per::Range`: not its day, and the database adds up the days,
/// so the history's length costs little).
pub async fn counts_so_far<K: Eq + std::hash::Hash>(
    db: &AnyPool,
    figure: &figures::Figure,
    site: &str,
    per: Per,
    key: impl Fn(Row) -> Option<K>,
) -> Result<std::collections::HashMap<K, i64>, sqlx::Error> {
    let mut counts = std::collections::HashMap::new();
    for row in store::read(db, figure, site, 0, now_ms() + DAY_MS, per).await? {
        let n = row.n;
        if let Some(k) = key(row) {
            *counts.entry(k).or_default() += n;
        }
    }
    Ok(counts)
}

/// Like `read`, per week of the range (week 0 starts at `start`): `(week, row)`. A range that
/// starts at a midnight has its weeks' bounds at midnights, so one read; any other is read a
/// week at a time, so each row falls in its own week.
pub async fn read_by_week(
    db: &AnyPool,
    figure: &figures::Figure,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(i64, Row)>, sqlx::Error> {
    if start.rem_euclid(DAY_MS) == 0 {
        let rows = store::read(db, figure, site, start, end, Per::Day).await?;
        return Ok(rows
            .into_iter()
            .map(|r| ((r.day * DAY_MS - start).div_euclid(WEEK_MS), r))
            .collect());
    }
    let mut weeks = Vec::new();
    for week in 0..(end - start + WEEK_MS - 1).div_euclid(WEEK_MS) {
        let from = start + week * WEEK_MS;
        for row in store::read(db, figure, site, from, end.min(from + WEEK_MS), Per::Day).await? {
            weeks.push((week, row));
        }
    }
    Ok(weeks)
}

/// The figures whose rollups disagree with the raw rows stamped before the site's watermark
/// (empty: every figure agrees). Read while nothing folds the site.
pub async fn disagreements(db: &AnyPool, site: &str) -> Result<Vec<&'static str>, sqlx::Error> {
    let mut differ = Vec::new();
    for figure in figures::ALL {
        let (folded, raw) = store::folded_and_raw(db, figure, site).await?;
        if folded != raw {
            differ.push(figure.name);
        }
    }
    Ok(differ)
}

/// The sum of `n` and of `total` over `rows`.
pub fn sums<'a>(rows: impl IntoIterator<Item = &'a Row>) -> (i64, i64) {
    rows.into_iter()
        .fold((0, 0), |(n, total), r| (n + r.n, total + r.total))
}
