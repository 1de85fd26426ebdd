//! What unhappy (and delighted) customers talk about: each comment's terms (`terms`), counted
//! per UTC day and band of answer (low, middle, high) as answers arrive, ranked by how well
//! they separate one band from the rest (`ranking`), followed week by week with a note and a
//! `theme.rising` event when one rises sharply among the low answers (`rising`). Everything
//! stays on the server: no comment leaves it, and nothing but the shop's own comments is read.
//!
//! Counted by a background task on every server, like the rollups: from a watermark per site,
//! a UTC day per transaction, for answers received before `now - LAG_MS`. The comments are read
//! and cut into terms before the write transaction (on SQLite it holds the write lock) and read
//! again inside it after the watermark moved, so a comment added or erased meanwhile counts
//! as it is at commit. A comment added to an answer already counted is counted in the request
//! that adds it (`late_comment`); an erasure takes its answers' terms back out (`forget`).

pub mod ranking;
pub mod report;
pub mod rising;
pub mod store;
pub mod terms;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use moments_protocol::domain::Score;
use moments_protocol::wire::Scale;
use sqlx::{AnyConnection, AnyPool};

use crate::features::rollups::LAG_MS;
use crate::platform::clock::{DAY_MS, now_ms};

const EVERY: Duration = Duration::from_secs(10);

/// Which band an answer is in: `low` (a detractor's: it opens a recovery case), `high` (a
/// promoter's: five faces, NPS 9 or 10, thumbs up) or `mid`.
pub fn band(scale: &str, score: i64) -> Option<&'static str> {
    let score = Score::parse(Scale::from_name(scale)?, score).ok()?;
    Some(if score.is_low() {
        "low"
    } else if score.is_promoter() {
        "high"
    } else {
        "mid"
    })
}

/// A term that rose sharply among a week's low answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Rise {
    /// The week's Monday (a UTC day number).
    pub week: i64,
    pub term: String,
    pub label: String,
    /// The week's low answers with the term, and with a comment.
    pub answers: i64,
    pub low_answers: i64,
    /// The term's share of the low answers in the four weeks before.
    pub share_before: f64,
}

impl Rise {
    pub fn share(&self) -> f64 {
        if self.low_answers > 0 {
            self.answers as f64 / self.low_answers as f64
        } else {
            0.0
        }
    }
}

/// Counts every site's new answers every few seconds, until the server stops.
pub async fn run(db: AnyPool, sites: std::sync::Arc<crate::features::sites::Sites>) {
    tokio::task::spawn_blocking(terms::warm_up).await.ok();
    crate::features::sites::every_site(sites, EVERY, "counting new comments' terms", |site| {
        let db = db.clone();
        async move { catch_up(&db, &site, now_ms()).await }
    })
    .await
}

/// Counts the site's answers received before `now - LAG_MS`, a UTC day per transaction; how
/// many transactions this server committed.
pub async fn catch_up(db: &AnyPool, site: &str, now: i64) -> Result<u32, sqlx::Error> {
    let target = now - LAG_MS;
    let mut folded = 0;
    loop {
        match fold_one_day(db, site, target, now).await {
            Ok(Some(true)) => folded += 1,
            Ok(Some(false)) => {}
            Ok(None) => return Ok(folded),
            Err(error) if crate::platform::db::is_conflict(&error) => return Ok(folded),
            Err(error) => return Err(error),
        }
        tokio::task::yield_now().await;
    }
}

/// Counts from the watermark to the next midnight or `target`: `Some(true)` if this server
/// did, `Some(false)` if another server moved the watermark first, `None` when caught up.
async fn fold_one_day(db: &AnyPool, site: &str, target: i64, now: i64) -> Result<Option<bool>, sqlx::Error> {
    let from = store::watermark(db, site, target).await?;
    if from >= target {
        return Ok(None);
    }
    let to = target.min(from - from.rem_euclid(DAY_MS) + DAY_MS);
    let read = store::answers(db, site, from, to).await?;
    let cut: HashMap<String, (String, Vec<terms::Term>)> = tokio::task::spawn_blocking(move || {
        read.into_iter()
            .map(|a| {
                let terms = terms::terms(&a.comment);
                (a.id, (a.comment, terms))
            })
            .collect()
    })
    .await
    .unwrap_or_default();
    let mut tx = crate::platform::db::begin_write_read_committed(db).await?;
    if !store::move_watermark(&mut tx, site, from, to).await? {
        tx.rollback().await?;
        return Ok(Some(false));
    }
    let mut counted = Counted::default();
    for answer in store::answers(&mut *tx, site, from, to).await? {
        match cut.get(&answer.id) {
            Some((comment, terms)) if *comment == answer.comment => counted.add(&answer, terms.clone()),
            _ => {
                let terms = terms::terms(&answer.comment);
                counted.add(&answer, terms);
            }
        }
    }
    counted.write(&mut tx, site).await?;
    let groups = store::answer_groups(&mut tx, site, from, to).await?;
    store::add_group_counts(&mut tx, site, &group_delta(counted.rows_owned(), &groups)).await?;
    for week in counted.low_weeks() {
        raise_rises(&mut tx, site, week, now).await?;
    }
    tx.commit().await?;
    Ok(Some(true))
}

/// What a fold (or a late comment) counts: each answer's terms, and the counts they add.
#[derive(Default)]
struct Counted {
    rows: Vec<(String, String, &'static str, i64)>,
    labels: BTreeMap<String, String>,
    days: BTreeSet<(i64, &'static str)>,
}

impl Counted {
    fn add(&mut self, answer: &store::Answer, terms: Vec<terms::Term>) {
        let Some(band) = band(&answer.scale, answer.score) else {
            return;
        };
        // '': the answer itself, counted once however many terms it has.
        self.rows
            .push((answer.id.clone(), String::new(), band, answer.received_at));
        for term in terms {
            self.labels.entry(term.key.clone()).or_insert(term.label);
            self.rows.push((answer.id.clone(), term.key, band, answer.received_at));
        }
        self.days.insert((answer.received_at.div_euclid(DAY_MS), band));
    }

    /// (answer, term, band, time) of every row.
    fn rows_owned(&self) -> impl Iterator<Item = (String, String, String, i64)> + '_ {
        self.rows
            .iter()
            .map(|(id, term, band, at)| (id.clone(), term.clone(), (*band).to_owned(), *at))
    }

    /// The weeks with low answers counted.
    fn low_weeks(&self) -> BTreeSet<i64> {
        self.days
            .iter()
            .filter(|(_, band)| *band == "low")
            .map(|(day, _)| rising::week_of_day(*day))
            .collect()
    }

    async fn write(&self, tx: &mut AnyConnection, site: &str) -> Result<(), sqlx::Error> {
        let rows: Vec<store::AnswerTerm<'_>> = self
            .rows
            .iter()
            .map(|(event_id, term, band, received_at)| store::AnswerTerm {
                event_id,
                term,
                band,
                received_at: *received_at,
            })
            .collect();
        store::insert_answer_terms(tx, site, &rows).await?;
        let mut delta: BTreeMap<(i64, &str, String), i64> = BTreeMap::new();
        for (_, term, band, received_at) in &self.rows {
            *delta
                .entry((received_at.div_euclid(DAY_MS), *band, term.clone()))
                .or_default() += 1;
        }
        store::add_counts(tx, site, &delta).await?;
        let labels: BTreeMap<&str, &str> = self.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        store::insert_labels(tx, site, &labels).await
    }
}

/// Records (and sends, once) the terms that rose sharply among `week`'s low answers.
async fn raise_rises(tx: &mut AnyConnection, site: &str, week: i64, now: i64) -> Result<(), sqlx::Error> {
    let this_week = store::band_totals(&mut *tx, site, "low", week, week + 7).await?;
    let before = store::band_totals(&mut *tx, site, "low", week - 7 * rising::WEEKS_BEFORE, week).await?;
    let answers = |counts: &HashMap<String, i64>, term: &str| counts.get(term).copied().unwrap_or(0);
    let (low_answers, low_answers_before) = (answers(&this_week, ""), answers(&before, ""));
    let mut risen: Vec<(String, rising::Shares)> = this_week
        .iter()
        .filter(|(term, _)| !term.is_empty())
        .map(|(term, &n)| {
            let shares = rising::Shares {
                answers: n,
                low_answers,
                answers_before: answers(&before, term),
                low_answers_before,
            };
            (term.clone(), shares)
        })
        .filter(|(_, shares)| shares.rose_sharply())
        .collect();
    if risen.is_empty() {
        return Ok(());
    }
    // The largest rise first (what the week added beyond its share before), the longer
    // phrase first of two that rose as much.
    risen.sort_by(|a, b| {
        excess(&b.1)
            .total_cmp(&excess(&a.1))
            .then_with(|| b.0.split(' ').count().cmp(&a.0.split(' ').count()))
            .then_with(|| a.0.cmp(&b.0))
    });
    let risen = one_per_problem(tx, site, week, risen).await?;
    let keys: Vec<&str> = risen.iter().map(|(term, _)| term.as_str()).collect();
    let labels = store::labels(&mut *tx, site, &keys).await?;
    for (term, shares) in &risen {
        let rise = Rise {
            week,
            label: labels.get(term).cloned().unwrap_or_else(|| term.clone()),
            term: term.clone(),
            answers: shares.answers,
            low_answers: shares.low_answers,
            share_before: shares.share_before(),
        };
        if store::record_alert(tx, site, &rise, now).await? {
            crate::features::webhooks::emit::theme_rising(tx, site, &rise, now).await?;
        }
    }
    Ok(())
}

/// A rise's answers beyond what its share before would give.
fn excess(shares: &rising::Shares) -> f64 {
    shares.answers as f64 - shares.share_before() * shares.low_answers as f64
}

/// The rises that are not the same problem as a larger one: a term whose added answers are
/// mostly (80%) answers that have a term kept before it ("物流" beside "物流 慢", or another
/// phrase the same comments share) goes with it, so one problem is announced once.
async fn one_per_problem(
    tx: &mut AnyConnection,
    site: &str,
    week: i64,
    risen: Vec<(String, rising::Shares)>,
) -> Result<Vec<(String, rising::Shares)>, sqlx::Error> {
    let terms: Vec<&str> = risen.iter().map(|(term, _)| term.as_str()).collect();
    let rows = store::answers_with_terms(tx, site, "low", week * DAY_MS, (week + 7) * DAY_MS, &terms).await?;
    let mut answers_of: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (event_id, term) in &rows {
        answers_of.entry(term.as_str()).or_default().insert(event_id.as_str());
    }
    let empty = BTreeSet::new();
    let mut kept: Vec<(String, rising::Shares)> = Vec::new();
    for (term, shares) in risen {
        let mine = answers_of.get(term.as_str()).unwrap_or(&empty);
        let same_problem = kept.iter().any(|(other, _)| {
            let theirs = answers_of.get(other.as_str()).unwrap_or(&empty);
            5.0 * mine.intersection(theirs).count() as f64 >= 4.0 * excess(&shares)
        });
        if !same_problem {
            kept.push((term, shares));
        }
    }
    Ok(kept)
}

/// A comment added to an answer the fold already counted: counted now, in the transaction
/// that adds it. One the fold has yet to reach is left to it.
pub async fn late_comment(tx: &mut AnyConnection, site: &str, event_id: &str) -> Result<(), sqlx::Error> {
    let Some(watermark) = store::hold_watermark(tx, site).await? else {
        return Ok(());
    };
    let Some(answer) = store::answer(tx, site, event_id).await? else {
        return Ok(());
    };
    if answer.received_at >= watermark {
        return Ok(());
    }
    let mut counted = Counted::default();
    counted.add(&answer, terms::terms(&answer.comment));
    counted.write(tx, site).await?;
    let groups: Vec<_> = store::answer_groups(tx, site, answer.received_at, answer.received_at + 1)
        .await?
        .into_iter()
        .filter(|(id, ..)| id == event_id)
        .collect();
    store::add_group_counts(tx, site, &group_delta(counted.rows_owned(), &groups)).await
}

/// Each answer's terms counted once per group it is in: (dimension, day, value, band, term).
fn group_delta(
    rows: impl IntoIterator<Item = (String, String, String, i64)>,
    groups: &[(String, String, String)],
) -> BTreeMap<store::GroupKey, i64> {
    let mut of_answer: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for (id, dimension, value) in groups {
        of_answer.entry(id.as_str()).or_default().push((dimension, value));
    }
    let mut delta = BTreeMap::new();
    for (id, term, band, received_at) in rows {
        for (dimension, value) in of_answer.get(id.as_str()).into_iter().flatten() {
            let key = (
                (*dimension).to_owned(),
                received_at.div_euclid(DAY_MS),
                (*value).to_owned(),
                band.clone(),
                term.clone(),
            );
            *delta.entry(key).or_default() += 1;
        }
    }
    delta
}

/// Counts the groups of the site's days `days` again from the answers' terms (after an
/// erasure deleted some).
async fn recount_group_days(tx: &mut AnyConnection, site: &str, days: BTreeSet<i64>) -> Result<(), sqlx::Error> {
    for day in days {
        let (start, end) = (day * DAY_MS, (day + 1) * DAY_MS);
        store::delete_group_day(tx, site, day).await?;
        let rows = store::counted_terms(tx, site, start, end).await?;
        let groups = store::answer_groups(tx, site, start, end).await?;
        store::add_group_counts(tx, site, &group_delta(rows, &groups)).await?;
    }
    Ok(())
}

/// Whose answers an erasure takes out.
#[derive(Debug, Clone, Copy)]
pub enum Erased<'a> {
    Member(&'a str),
    Visitor(&'a str),
}

/// The first statement of an erasure's transaction, beside `rollups::hold_folds`: on
/// PostgreSQL a fold in flight commits first and new ones wait for the erasure.
pub async fn hold_folds(tx: &mut AnyConnection) -> Result<(), sqlx::Error> {
    crate::platform::db::hold_off_writers(tx, "theme_watermarks").await
}

/// Takes the erased answers' terms out of the counts and deletes them, in the erasure's
/// transaction (before their comments go).
pub async fn forget(tx: &mut AnyConnection, site: &str, whose: Erased<'_>) -> Result<(), sqlx::Error> {
    if store::hold_watermark(tx, site).await?.is_none() {
        return Ok(());
    }
    let (condition, id) = match whose {
        Erased::Member(id) => (store::MEMBERS_ANSWERS, id),
        Erased::Visitor(id) => (store::VISITORS_ANSWERS, id),
    };
    let counted = store::erased_counts(tx, site, condition, id).await?;
    let days: BTreeSet<i64> = counted.iter().map(|(day, ..)| *day).collect();
    let delta: BTreeMap<(i64, &str, String), i64> = counted
        .into_iter()
        .filter_map(|(day, band, term, n)| {
            let band = ["low", "mid", "high"].into_iter().find(|b| *b == band)?;
            Some(((day, band, term), -n))
        })
        .collect();
    store::add_counts(tx, site, &delta).await?;
    store::delete_erased(tx, site, condition, id).await?;
    recount_group_days(tx, site, days).await
}

/// Counts the site's days from `from_day` on again (generated or backdated answers).
pub async fn start_over(tx: &mut AnyConnection, site: &str, from_day: i64) -> Result<(), sqlx::Error> {
    store::start_over(tx, site, from_day).await
}
