//! The themes' SQL: the answers to count, the terms and counts written, an erasure's terms
//! taken back out, and what the Themes section reads.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, AnyPool};

use crate::platform::clock::DAY_MS;

/// Rows per multi-row INSERT (5 values each: far below either database's limit).
const BATCH: usize = 400;

/// An answer with a comment, as the fold reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Answer {
    pub id: String,
    pub scale: String,
    pub score: i64,
    pub comment: String,
    pub received_at: i64,
}

/// The answers with a comment received in `[from, to)`.
pub async fn answers(
    db: impl sqlx::AnyExecutor<'_>,
    site: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Answer>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, scale, score, comment, received_at FROM events
         WHERE site = $1 AND type = 'feedback' AND received_at >= $2 AND received_at < $3 AND comment IS NOT NULL",
    )
    .bind(site)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// One answer's, with a comment, if it has one.
pub async fn answer(tx: &mut AnyConnection, site: &str, id: &str) -> Result<Option<Answer>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, scale, score, comment, received_at FROM events
         WHERE site = $1 AND id = $2 AND type = 'feedback' AND comment IS NOT NULL",
    )
    .bind(site)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
}

/// Where the site's fold stands; the first time, the first UTC day with an answer (or
/// `start`), set in a write transaction: on SQLite it waits for a history being written, whose
/// answers it then sees (or whose `start_over` then moves it back), as the rollups' does.
pub async fn watermark(db: &AnyPool, site: &str, start: i64) -> Result<i64, sqlx::Error> {
    if let Some(at) = counted_to(db, site).await? {
        return Ok(at);
    }
    let mut tx = crate::platform::db::begin_write_read_committed(db).await?;
    let first: Option<i64> =
        sqlx::query_scalar("SELECT MIN(received_at) FROM events WHERE site = $1 AND type = 'feedback'")
            .bind(site)
            .fetch_one(&mut *tx)
            .await?;
    let first = first.map_or(start, |at| at - at.rem_euclid(DAY_MS)).min(start);
    sqlx::query("INSERT INTO theme_watermarks (site, folded_to) VALUES ($1, $2) ON CONFLICT (site) DO NOTHING")
        .bind(site)
        .bind(first)
        .execute(&mut *tx)
        .await?;
    let at = sqlx::query_scalar("SELECT folded_to FROM theme_watermarks WHERE site = $1")
        .bind(site)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(at)
}

/// Moves the watermark from `from` to `to` if it still is at `from` (else another server
/// counted these answers: `false`).
pub async fn move_watermark(tx: &mut AnyConnection, site: &str, from: i64, to: i64) -> Result<bool, sqlx::Error> {
    let moved = sqlx::query("UPDATE theme_watermarks SET folded_to = $3 WHERE site = $1 AND folded_to = $2")
        .bind(site)
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    Ok(moved.rows_affected() == 1)
}

/// The watermark, which no fold moves until `tx` ends: a fold cannot count (or miss) the
/// answers this transaction changes meanwhile. On PostgreSQL a shared lock (requests adding
/// comments do not wait for each other, only a fold waits for them); SQLite's write
/// transaction already excludes the fold's. None before the site's first fold.
pub async fn hold_watermark(tx: &mut AnyConnection, site: &str) -> Result<Option<i64>, sqlx::Error> {
    let sql = match crate::platform::db::Backend::of_connection(tx) {
        crate::platform::db::Backend::Postgres => "SELECT folded_to FROM theme_watermarks WHERE site = $1 FOR SHARE",
        crate::platform::db::Backend::Sqlite => "SELECT folded_to FROM theme_watermarks WHERE site = $1",
    };
    sqlx::query_scalar(sql).bind(site).fetch_optional(&mut *tx).await
}

/// Moves the site's watermark back to day `day` (from day 0: to its first answer) and drops
/// what was counted from then on, so the fold counts those days again. The rises recorded
/// stay: each was announced once, and counting again does not announce it again.
pub async fn start_over(tx: &mut AnyConnection, site: &str, day: i64) -> Result<(), sqlx::Error> {
    if day <= 0 {
        sqlx::query("DELETE FROM theme_watermarks WHERE site = $1")
            .bind(site)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("UPDATE theme_watermarks SET folded_to = $2 WHERE site = $1 AND folded_to > $2")
            .bind(site)
            .bind(day * DAY_MS)
            .execute(&mut *tx)
            .await?;
    }
    for statement in [
        "DELETE FROM theme_counts WHERE site = $1 AND day >= $2",
        "DELETE FROM theme_group_counts WHERE site = $1 AND day >= $2",
        "DELETE FROM answer_terms WHERE site = $1 AND received_at >= $2 * 86400000",
    ] {
        sqlx::query(statement).bind(site).bind(day).execute(&mut *tx).await?;
    }
    Ok(())
}

/// One answer's term, to write.
pub struct AnswerTerm<'a> {
    pub event_id: &'a str,
    pub term: &'a str,
    pub band: &'static str,
    pub received_at: i64,
}

pub async fn insert_answer_terms(
    tx: &mut AnyConnection,
    site: &str,
    rows: &[AnswerTerm<'_>],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(BATCH) {
        let sql = values_statement(
            "INSERT INTO answer_terms (site, event_id, term, band, received_at) VALUES",
            chunk.len(),
            5,
            " ON CONFLICT (site, event_id, term) DO NOTHING",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            query = query
                .bind(site)
                .bind(row.event_id)
                .bind(row.term)
                .bind(row.band)
                .bind(row.received_at);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Adds `delta` (answers, possibly negative) to each (day, band, term)'s count.
pub async fn add_counts(
    tx: &mut AnyConnection,
    site: &str,
    delta: &BTreeMap<(i64, &str, String), i64>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<_> = delta.iter().filter(|(_, n)| **n != 0).collect();
    for chunk in rows.chunks(BATCH) {
        let sql = values_statement(
            "INSERT INTO theme_counts (site, day, band, term, answers) VALUES",
            chunk.len(),
            5,
            " ON CONFLICT (site, day, band, term) DO UPDATE SET answers = theme_counts.answers + excluded.answers",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((day, band, term), n) in chunk {
            query = query.bind(site).bind(*day).bind(*band).bind(term.as_str()).bind(**n);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Each term's first label; later ones leave it.
pub async fn insert_labels(
    tx: &mut AnyConnection,
    site: &str,
    labels: &BTreeMap<&str, &str>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<_> = labels.iter().collect();
    for chunk in rows.chunks(BATCH) {
        let sql = values_statement(
            "INSERT INTO theme_labels (site, term, label) VALUES",
            chunk.len(),
            3,
            " ON CONFLICT (site, term) DO NOTHING",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (term, label) in chunk {
            query = query.bind(site).bind(**term).bind(**label);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// `INSERT … VALUES ($1, $2, …), (…)…` for `rows` rows of `columns` values.
fn values_statement(head: &str, rows: usize, columns: usize, tail: &str) -> String {
    let mut sql = String::from(head);
    for row in 0..rows {
        sql.push_str(if row == 0 { " (" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * columns + column + 1));
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

/// Whose answers an erasure takes out: `$2` of the condition on events `e`.
pub const MEMBERS_ANSWERS: &str = "e.member_id = $2";
pub const VISITORS_ANSWERS: &str = "e.visitor_id = $2";

/// The counted terms of the erased answers (`whose`, on events `e`), per day, band and term.
pub async fn erased_counts(
    tx: &mut AnyConnection,
    site: &str,
    whose: &str,
    id: &str,
) -> Result<Vec<(i64, String, String, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT t.received_at / 86400000 AS day, t.band, t.term, COUNT(*) AS n FROM answer_terms AS t
         JOIN events AS e ON e.site = t.site AND e.id = t.event_id
         WHERE t.site = $1 AND {whose} GROUP BY t.received_at / 86400000, t.band, t.term"
    );
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
    Ok(rows)
}

/// Deletes the erased answers' terms, the counts that fell to nothing, and the labels no
/// count uses any more (a label is words a comment wrote).
pub async fn delete_erased(tx: &mut AnyConnection, site: &str, whose: &str, id: &str) -> Result<(), sqlx::Error> {
    let sql = format!(
        "DELETE FROM answer_terms WHERE site = $1 AND event_id IN (SELECT e.id FROM events AS e WHERE e.site = $1 AND {whose})"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM theme_counts WHERE site = $1 AND answers <= 0")
        .bind(site)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM theme_labels WHERE site = $1 AND NOT EXISTS
         (SELECT 1 FROM theme_counts AS c WHERE c.site = theme_labels.site AND c.term = theme_labels.term)",
    )
    .bind(site)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Each term's answers of `band` over the days `[first, last)` ('': the band's answers).
pub async fn band_totals(
    db: impl sqlx::AnyExecutor<'_>,
    site: &str,
    band: &str,
    first: i64,
    last: i64,
) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT term, CAST(SUM(answers) AS BIGINT) FROM theme_counts
         WHERE site = $1 AND band = $2 AND day >= $3 AND day < $4 GROUP BY term",
    )
    .bind(site)
    .bind(band)
    .bind(first)
    .bind(last)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Every answer received before this time (ms) is counted; None before the first fold.
pub async fn counted_to(db: &AnyPool, site: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT folded_to FROM theme_watermarks WHERE site = $1")
        .bind(site)
        .fetch_optional(db)
        .await
}

/// (answer, term) for the answers of `band` received in `[start, end)` that have any of `terms`.
pub async fn answers_with_terms(
    tx: &mut AnyConnection,
    site: &str,
    band: &str,
    start: i64,
    end: i64,
    terms: &[&str],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..terms.len()).map(|i| format!("${}", i + 5)).collect();
    let sql = format!(
        "SELECT event_id, term FROM answer_terms WHERE site = $1 AND band = $2 AND received_at >= $3 AND received_at < $4
         AND term IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(band)
        .bind(start)
        .bind(end);
    for term in terms {
        query = query.bind(*term);
    }
    query.fetch_all(&mut *tx).await
}

/// Each (band, term)'s answers over the days `[first, last)`.
pub async fn period_counts(
    db: &AnyPool,
    site: &str,
    first: i64,
    last: i64,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT band, term, CAST(SUM(answers) AS BIGINT) FROM theme_counts
         WHERE site = $1 AND day >= $2 AND day < $3 GROUP BY band, term",
    )
    .bind(site)
    .bind(first)
    .bind(last)
    .fetch_all(db)
    .await
}

/// A band's counts per day of `terms` (and of '', its answers) over `[first, last)`.
pub async fn daily_counts(
    db: impl sqlx::AnyExecutor<'_>,
    site: &str,
    band: &str,
    terms: &[&str],
    first: i64,
    last: i64,
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    let placeholders: Vec<String> = (0..terms.len()).map(|i| format!("${}", i + 5)).collect();
    let sql = format!(
        "SELECT day, term, answers FROM theme_counts WHERE site = $1 AND band = $2 AND day >= $3 AND day < $4
         AND term IN ('', {})",
        if placeholders.is_empty() {
            "''".to_owned()
        } else {
            placeholders.join(", ")
        }
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(band)
        .bind(first)
        .bind(last);
    for term in terms {
        query = query.bind(*term);
    }
    query.fetch_all(db).await
}

/// The labels of `terms`.
pub async fn labels(
    db: impl sqlx::AnyExecutor<'_>,
    site: &str,
    terms: &[&str],
) -> Result<BTreeMap<String, String>, sqlx::Error> {
    if terms.is_empty() {
        return Ok(BTreeMap::new());
    }
    let placeholders: Vec<String> = (0..terms.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT term, label FROM theme_labels WHERE site = $1 AND term IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(site);
    for term in terms {
        query = query.bind(*term);
    }
    let rows: Vec<(String, String)> = query.fetch_all(db).await?;
    Ok(rows.into_iter().collect())
}

/// How answers are grouped: by a context key's value, or by an experiment's variant seen
/// before answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grouping {
    Context(String),
    Experiment(String),
}

impl Grouping {
    /// As `theme_group_counts.dimension` has it.
    pub fn dimension(&self) -> String {
        match self {
            Grouping::Context(key) => format!("context:{key}"),
            Grouping::Experiment(key) => format!("experiment:{key}"),
        }
    }
}

/// (group value, band, term, answers) over the days `[first, last)`.
pub async fn group_counts(
    db: &AnyPool,
    site: &str,
    grouping: &Grouping,
    first: i64,
    last: i64,
) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT value, band, term, CAST(SUM(answers) AS BIGINT) FROM theme_group_counts
         WHERE site = $1 AND dimension = $2 AND day >= $3 AND day < $4 GROUP BY value, band, term",
    )
    .bind(site)
    .bind(grouping.dimension())
    .bind(first)
    .bind(last)
    .fetch_all(db)
    .await
}

/// The groups of the answers with a comment received in `[start, end)`: (answer, dimension,
/// value) for each context key and value an answer carries (`context:agent`, `may`) and each
/// experiment and variant its browser saw before answering (`experiment:farewell`, `warm`).
/// Each read walks the range's rows by time and looks the rest up by key.
pub async fn answer_groups(
    tx: &mut AnyConnection,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let mut groups: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT event_id, 'context:' || key, value FROM answer_context
         WHERE site = $1 AND received_at >= $2 AND received_at < $3",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_all(&mut *tx)
    .await?;
    let seen: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT e.id, 'experiment:' || x.experiment, x.variant FROM events AS e
         JOIN exposures AS x ON x.site = e.site AND x.visitor_id = e.visitor_id AND x.exposed_at <= e.received_at
         WHERE e.site = $1 AND e.type = 'feedback' AND e.received_at >= $2 AND e.received_at < $3 AND e.comment IS NOT NULL",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_all(&mut *tx)
    .await?;
    groups.extend(seen);
    Ok(groups)
}

/// The counted terms of the answers received in `[start, end)`: (answer, term, band, time).
pub async fn counted_terms(
    tx: &mut AnyConnection,
    site: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT event_id, term, band, received_at FROM answer_terms WHERE site = $1 AND received_at >= $2 AND received_at < $3",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_all(&mut *tx)
    .await
}

/// One group count's key: dimension, day, value, band, term.
pub type GroupKey = (String, i64, String, String, String);

/// Adds `delta` (answers) to each group count.
pub async fn add_group_counts(
    tx: &mut AnyConnection,
    site: &str,
    delta: &BTreeMap<GroupKey, i64>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<_> = delta.iter().filter(|(_, n)| **n != 0).collect();
    for chunk in rows.chunks(BATCH * 5 / 7) {
        let sql = values_statement(
            "INSERT INTO theme_group_counts (site, dimension, day, value, band, term, answers) VALUES",
            chunk.len(),
            7,
            " ON CONFLICT (site, dimension, day, value, band, term) DO UPDATE SET answers = theme_group_counts.answers + excluded.answers",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((dimension, day, value, band, term), n) in chunk {
            query = query
                .bind(site)
                .bind(dimension.as_str())
                .bind(*day)
                .bind(value.as_str())
                .bind(band.as_str())
                .bind(term.as_str())
                .bind(**n);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Drops the site's group counts of day `day` (to count them again).
pub async fn delete_group_day(tx: &mut AnyConnection, site: &str, day: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM theme_group_counts WHERE site = $1 AND day = $2")
        .bind(site)
        .bind(day)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A rise seen, once per site, week and term: whether this call recorded it (and so sends it).
pub async fn record_alert(
    tx: &mut AnyConnection,
    site: &str,
    alert: &super::Rise,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO theme_alerts (site, week, term, label, answers, low_answers, share_before, raised_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (site, week, term) DO NOTHING",
    )
    .bind(site)
    .bind(alert.week)
    .bind(alert.term.as_str())
    .bind(alert.label.as_str())
    .bind(alert.answers)
    .bind(alert.low_answers)
    .bind(alert.share_before)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The rises recorded for weeks starting in `[first, last)` (day numbers), newest first.
pub async fn alerts(db: &AnyPool, site: &str, first: i64, last: i64) -> Result<Vec<super::Rise>, sqlx::Error> {
    let rows: Vec<(i64, String, String, i64, i64, f64)> = sqlx::query_as(
        "SELECT week, term, label, answers, low_answers, share_before FROM theme_alerts
         WHERE site = $1 AND week >= $2 AND week < $3 ORDER BY week DESC, answers DESC",
    )
    .bind(site)
    .bind(first)
    .bind(last)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(week, term, label, answers, low_answers, share_before)| super::Rise {
            week,
            term,
            label,
            answers,
            low_answers,
            share_before,
        })
        .collect())
}
