//! Answers by what their visit was about, as the host said (`setContext`): CSAT and NPS per
//! agent, per topic, per any key, so a support team sees whose tickets end in one-star answers.

use std::collections::BTreeMap;

use sqlx::AnyPool;

use crate::features::experiments::stats;
use crate::features::rollups::{self, figures};

/// Fewer answers than this, and a group's figures are shown but not to be compared.
pub const MIN_ANSWERS: i64 = 30;
/// A key with more different values than this (a ticket number) is for filtering, not a table.
pub const MAX_VALUES_PER_KEY: usize = 50;

/// One value of one key (`agent` = `may`) and its answers in the range.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, utoipa::ToSchema)]
pub struct ContextGroup {
    pub value: String,
    pub csat_answers: i64,
    /// Mean of the faces, 1 to 5, and its 95% interval.
    pub csat: Option<f64>,
    pub csat_low: Option<f64>,
    pub csat_high: Option<f64>,
    /// Answers of 1 or 2 faces.
    pub csat_low_answers: i64,
    pub nps_answers: i64,
    pub nps: Option<f64>,
    pub nps_low: Option<f64>,
    pub nps_high: Option<f64>,
}

impl ContextGroup {
    pub fn answers(&self) -> i64 {
        self.csat_answers + self.nps_answers
    }

    /// Whether there are too few answers on each scale it has to compare it with others.
    pub fn too_few(&self) -> bool {
        (self.csat_answers > 0 && self.csat_answers < MIN_ANSWERS)
            || (self.nps_answers > 0 && self.nps_answers < MIN_ANSWERS)
    }
}

/// A context key and its values, most answered first; `values` is empty when the key has more
/// than `MAX_VALUES_PER_KEY` of them (`distinct` says how many).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ContextKey {
    pub key: String,
    pub distinct: usize,
    pub values: Vec<ContextGroup>,
}

type Row = (String, String, String, i64, i64, i64, i64, i64, i64);

/// Per key, value and scale of answers received in `[start, end)`: count, sum and sum of
/// squares of the scores, promoters (9, 10), detractors (0 to 6), and 1- or 2-face answers.
async fn by_context(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<Row>, sqlx::Error> {
    let mut groups: BTreeMap<(String, String, String), [i64; 6]> = BTreeMap::new();
    for row in rollups::read(db, &figures::CONTEXT_ANSWERS, site, start, end).await? {
        let (n, score) = (row.n, row.score);
        let sums = groups.entry((row.dim1, row.dim2, row.scale)).or_default();
        let counted = [
            n,
            score * n,
            score * score * n,
            if score >= 9 { n } else { 0 },
            if score <= 6 { n } else { 0 },
            if score <= 2 { n } else { 0 },
        ];
        sums.iter_mut().zip(counted).for_each(|(sum, add)| *sum += add);
    }
    Ok(groups
        .into_iter()
        .map(
            |((key, value, scale), [n, sum, squares, promoters, detractors, one_or_two])| {
                (key, value, scale, n, sum, squares, promoters, detractors, one_or_two)
            },
        )
        .collect())
}

/// Answers received in `[start, end)` that carry a context.
pub async fn answers_with_context(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<i64, sqlx::Error> {
    let rows = rollups::read(db, &figures::ANSWERS_WITH_CONTEXT, site, start, end).await?;
    Ok(rollups::sums(&rows).0)
}

/// Every context key answered in the range, its values' CSAT and NPS with intervals.
pub async fn report(db: &AnyPool, site: &str, start: i64, end: i64) -> Result<Vec<ContextKey>, sqlx::Error> {
    let mut keys: Vec<(String, Vec<ContextGroup>)> = Vec::new();
    for (key, value, scale, n, sum, squares, promoters, detractors, one_or_two) in
        by_context(db, site, start, end).await?
    {
        let index = match keys.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                keys.push((key, Vec::new()));
                keys.len() - 1
            }
        };
        let values = &mut keys[index].1;
        let group = match values.iter().position(|g| g.value == value) {
            Some(i) => &mut values[i],
            None => {
                values.push(ContextGroup {
                    value,
                    ..Default::default()
                });
                values.last_mut().expect("just pushed")
            }
        };
        if scale == "csat5" {
            group.csat_answers = n;
            group.csat = (n > 0).then(|| sum as f64 / n as f64);
            group.csat_low_answers = one_or_two;
            let interval = stats::mean_interval(n as u64, sum as f64, squares as f64);
            (group.csat_low, group.csat_high) = (interval.map(|i| i.0.max(1.0)), interval.map(|i| i.1.min(5.0)));
        } else {
            group.nps_answers = n;
            group.nps = (n > 0).then(|| 100.0 * (promoters - detractors) as f64 / n as f64);
            let interval = stats::nps_interval(n as u64, promoters as u64, detractors as u64);
            (group.nps_low, group.nps_high) = (interval.map(|i| i.0), interval.map(|i| i.1));
        }
    }
    let mut report: Vec<ContextKey> = keys
        .into_iter()
        .map(|(key, mut values)| {
            values.sort_by(|a, b| b.answers().cmp(&a.answers()).then_with(|| a.value.cmp(&b.value)));
            let distinct = values.len();
            if distinct > MAX_VALUES_PER_KEY {
                values.clear();
            }
            ContextKey { key, distinct, values }
        })
        .collect();
    report.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(report)
}
