//! The Themes section's figures for a site and a period of whole UTC days: the terms that
//! separate low answers from the others, and promoters' from the others; the low terms' share
//! week by week; the rises recorded; and, on request, the low terms per group (a context
//! key's values, an experiment's variants). Read from the counts, so a long period on a big
//! shop costs about what a short one does; groups read each answer's terms of the period.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sqlx::AnyPool;

use super::ranking::{self, Ranked, TermCounts};
use super::store::{self, Grouping};
use crate::platform::clock::{DAY_MS, date_of_ms};

/// Terms shown per list.
const TOP: usize = 15;
/// A term must be in this many answers of the band to be shown: one angry essay is not a theme.
pub const MIN_ANSWERS: i64 = 3;
/// And separate the band from the rest at 95%: |z| ≥ 1.96.
pub const MIN_Z: f64 = 1.96;
/// Low terms followed week by week.
const TRENDS: usize = 6;
/// Groups shown (most low answers first), and terms per group.
const GROUPS: usize = 12;
const GROUP_TOP: usize = 5;

/// A term that separates the band (`answers` of its answers have it) from the other answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Theme {
    /// The term as counted: stemmed words joined by a space; the inbox filters on it.
    pub term: String,
    /// The words as a comment wrote them.
    pub label: String,
    /// The band's answers with the term, and the other answers with it.
    pub answers: i64,
    pub others: i64,
    /// `answers` as a share of the band's answers with a comment.
    pub share: f64,
    /// The weighted log-odds ratio (informative Dirichlet prior) and its z-score.
    pub log_odds: f64,
    pub z: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeekShare {
    /// The week's Monday (its days inside the period only).
    pub week: String,
    /// The week's low answers with the term, and with a comment.
    pub answers: i64,
    pub low_answers: i64,
}

/// A low term's share of the low answers, week by week.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trend {
    pub term: String,
    pub label: String,
    pub weeks: Vec<WeekShare>,
}

/// A term that rose sharply among a week's low answers (`theme.rising` was sent).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiseNote {
    pub week: String,
    pub term: String,
    pub label: String,
    pub answers: i64,
    pub low_answers: i64,
    pub share: f64,
    pub share_before: f64,
}

/// One group's low themes (low answers of the group against its other answers).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupThemes {
    /// The context value or the variant.
    pub value: String,
    /// Answers with a comment in the group, and the low ones among them.
    pub answers: i64,
    pub low_answers: i64,
    pub low: Vec<Theme>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Themes {
    /// The period's first day and the day after its last (UTC dates).
    pub from: String,
    pub to: String,
    /// Answers with a comment in the period, and of them the low and the promoters' answers.
    pub answers: i64,
    pub low_answers: i64,
    pub promoter_answers: i64,
    /// What separates the low answers from the others, most first.
    pub low: Vec<Theme>,
    /// What separates the promoters' answers from the others, most first.
    pub promoters: Vec<Theme>,
    /// The top low terms' weekly share of the low answers.
    pub trends: Vec<Trend>,
    /// Sharp rises in the period's weeks, newest first, with the week's counts as they stand.
    pub rising: Vec<RiseNote>,
    /// With `group`: each value's low themes.
    pub groups: Option<Vec<GroupThemes>>,
    /// Every answer received before this time (ms) is counted (about a minute ago); absent
    /// before the first count.
    pub counted_to: Option<i64>,
}

/// The themes of the days `[first_day, last_day)`, grouped by `grouping` if given.
pub async fn themes(
    db: &AnyPool,
    site: &str,
    first_day: i64,
    last_day: i64,
    grouping: Option<&Grouping>,
) -> Result<Themes, sqlx::Error> {
    let rows = store::period_counts(db, site, first_day, last_day).await?;
    let mut per_term: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    for (band, term, n) in rows {
        if let Some(slot) = band_index(&band) {
            per_term.entry(term).or_default()[slot] += n;
        }
    }
    let totals = per_term.remove("").unwrap_or_default();
    let background: HashMap<String, i64> = per_term.iter().map(|(t, n)| (t.clone(), n.iter().sum())).collect();
    let background_total: i64 = background.values().sum();
    let split = |focus: usize| -> Vec<TermCounts> {
        per_term
            .iter()
            .map(|(term, n)| TermCounts {
                term: term.clone(),
                focus: n[focus],
                rest: n.iter().sum::<i64>() - n[focus],
            })
            .collect()
    };
    let low = shown(ranking::rank(&split(LOW), &background, background_total), TOP);
    let promoters = shown(ranking::rank(&split(HIGH), &background, background_total), TOP);

    let groups = match grouping {
        Some(grouping) => {
            let rows = store::group_counts(db, site, grouping, first_day, last_day).await?;
            Some(group_themes(rows, &background, background_total))
        }
        None => None,
    };

    let trend_terms: Vec<&str> = low.iter().take(TRENDS).map(|r| r.term.as_str()).collect();
    let daily = store::daily_counts(db, site, "low", &trend_terms, first_day, last_day).await?;
    let mut labelled: Vec<&str> = low.iter().chain(&promoters).map(|r| r.term.as_str()).collect();
    if let Some(groups) = &groups {
        labelled.extend(groups.iter().flat_map(|(_, _, _, r)| r.iter().map(|r| r.term.as_str())));
    }
    labelled.sort_unstable();
    labelled.dedup();
    let labels = store::labels(db, site, &labelled).await?;
    let theme = |r: &Ranked, band_answers: i64| Theme {
        term: r.term.clone(),
        label: labels.get(&r.term).cloned().unwrap_or_else(|| r.term.clone()),
        answers: r.focus,
        others: r.rest,
        share: ratio(r.focus, band_answers),
        log_odds: r.log_odds,
        z: r.z,
    };
    // As the week's counts stand now (a rise is announced while its week goes on).
    let mut rising = Vec::new();
    for rise in store::alerts(db, site, super::rising::week_of_day(first_day), last_day).await? {
        let daily = store::daily_counts(db, site, "low", &[rise.term.as_str()], rise.week, rise.week + 7).await?;
        let sum = |term: &str| daily.iter().filter(|(_, t, _)| t == term).map(|(.., n)| n).sum::<i64>();
        let (answers, low_answers) = (sum(&rise.term), sum(""));
        rising.push(RiseNote {
            week: day_text(rise.week),
            share: ratio(answers, low_answers),
            term: rise.term,
            label: rise.label,
            answers,
            low_answers,
            share_before: rise.share_before,
        });
    }
    Ok(Themes {
        from: day_text(first_day),
        to: day_text(last_day),
        answers: totals.iter().sum(),
        low_answers: totals[LOW],
        promoter_answers: totals[HIGH],
        trends: trends(&trend_terms, &daily, first_day, last_day, &labels),
        low: low.iter().map(|r| theme(r, totals[LOW])).collect(),
        promoters: promoters.iter().map(|r| theme(r, totals[HIGH])).collect(),
        rising,
        groups: groups.map(|groups| {
            groups
                .into_iter()
                .map(|(value, answers, low_answers, ranked)| GroupThemes {
                    low: ranked.iter().map(|r| theme(r, low_answers)).collect(),
                    value,
                    answers,
                    low_answers,
                })
                .collect()
        }),
        counted_to: store::counted_to(db, site).await?,
    })
}

const LOW: usize = 0;
const HIGH: usize = 2;

fn band_index(band: &str) -> Option<usize> {
    match band {
        "low" => Some(LOW),
        "mid" => Some(1),
        "high" => Some(HIGH),
        _ => None,
    }
}

/// The terms worth showing: in enough answers of the band, clearly above chance, a phrase in
/// place of the word it holds.
fn shown(ranked: Vec<Ranked>, top: usize) -> Vec<Ranked> {
    let significant: Vec<Ranked> = ranked
        .into_iter()
        .filter(|r| r.focus >= MIN_ANSWERS && r.z >= MIN_Z)
        .take(top * 3)
        .collect();
    ranking::without_covered(significant).into_iter().take(top).collect()
}

/// Per group value: (value, answers, low answers, its low themes), most low answers first.
fn group_themes(
    rows: Vec<(String, String, String, i64)>,
    background: &HashMap<String, i64>,
    background_total: i64,
) -> Vec<(String, i64, i64, Vec<Ranked>)> {
    let mut per_group: BTreeMap<String, BTreeMap<String, [i64; 3]>> = BTreeMap::new();
    for (value, band, term, n) in rows {
        if let Some(slot) = band_index(&band) {
            per_group.entry(value).or_default().entry(term).or_default()[slot] += n;
        }
    }
    let mut groups: Vec<(String, i64, i64, Vec<Ranked>)> = per_group
        .into_iter()
        .map(|(value, mut terms)| {
            let totals = terms.remove("").unwrap_or_default();
            let counts: Vec<TermCounts> = terms
                .into_iter()
                .map(|(term, n)| TermCounts {
                    term,
                    focus: n[LOW],
                    rest: n[1] + n[HIGH],
                })
                .collect();
            let ranked = shown(ranking::rank(&counts, background, background_total), GROUP_TOP);
            (value, totals.iter().sum(), totals[LOW], ranked)
        })
        .collect();
    groups.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    groups.truncate(GROUPS);
    groups
}

/// Each trend term's weekly share, over the weeks the period touches (their days inside it).
fn trends(
    terms: &[&str],
    daily: &[(i64, String, i64)],
    first_day: i64,
    last_day: i64,
    labels: &BTreeMap<String, String>,
) -> Vec<Trend> {
    let mut per_week: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    for (day, term, n) in daily {
        *per_week
            .entry((super::rising::week_of_day(*day), term.as_str()))
            .or_default() += n;
    }
    let weeks: Vec<i64> = (first_day..last_day)
        .map(super::rising::week_of_day)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    terms
        .iter()
        .map(|term| Trend {
            term: (*term).to_owned(),
            label: labels.get(*term).cloned().unwrap_or_else(|| (*term).to_owned()),
            weeks: weeks
                .iter()
                .map(|week| WeekShare {
                    week: day_text(*week),
                    answers: per_week.get(&(*week, *term)).copied().unwrap_or(0),
                    low_answers: per_week.get(&(*week, "")).copied().unwrap_or(0),
                })
                .collect(),
        })
        .collect()
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole > 0 { part as f64 / whole as f64 } else { 0.0 }
}

pub fn day_text(day: i64) -> String {
    date_of_ms(day * DAY_MS).to_string()
}
