//! An experiment's results: per variant, its exposures and metrics, each compared with
//! control; and the sample-ratio check that says whether the numbers can be trusted.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

use super::stats::{self, Comparison, Sample};
use super::store::Stored;
use crate::platform::clock::DAY_MS;

/// Fewer exposed visitors than this in any variant: the results say there is not enough data.
pub const MIN_EXPOSURES: u64 = 100;
/// Below this p-value the exposures do not match the weights: something is broken.
pub const SRM_THRESHOLD: f64 = 0.001;
/// A return is a new visit: a session at least 30 minutes after the exposure (every page
/// view starts a session, and the next page of the same visit is no return) and within 7 days.
const RETURN_AFTER_MS: i64 = 30 * 60_000;
const RETURN_WINDOW_MS: i64 = 7 * DAY_MS;

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Results {
    pub experiment: String,
    pub slot: String,
    pub status: String,
    pub shipped: Option<String>,
    /// True once every variant has at least `MIN_EXPOSURES` exposed visitors.
    pub enough_data: bool,
    /// Said plainly when the numbers are not to be acted on yet (or cannot be trusted).
    pub note: Option<String>,
    pub sample_ratio: Option<SampleRatio>,
    pub variants: Vec<VariantResult>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SampleRatio {
    /// Chi-square of the exposures against the weights.
    pub p_value: f64,
    /// p below 0.001: the split is not what the weights say.
    pub mismatch: bool,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VariantResult {
    pub key: String,
    pub control: bool,
    pub weight: f64,
    pub exposures: u64,
    pub metrics: Vec<MetricResult>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MetricResult {
    /// `feedback_rate` (answered after the exposure), `conversion_rate` (did the metric event
    /// after it), `return_rate` (came back 30 minutes to 7 days after it), `csat`, `nps` or
    /// `thumbs_up_rate`.
    pub metric: String,
    /// A rate (0 to 1), a mean score, or NPS (−100 to 100).
    pub value: Option<f64>,
    /// Visitors (rates) or answers (scores) it is computed from.
    pub n: u64,
    /// Against control; absent for control itself and while there is too little to compare.
    pub vs_control: Option<Comparison>,
}

/// What one variant's visitors did after their exposure.
#[derive(Default)]
struct Observed {
    exposures: u64,
    rates: HashMap<&'static str, u64>,
    scores: HashMap<&'static str, Vec<f64>>,
}

const AFTER: &str = "e.site = x.site AND e.visitor_id = x.visitor_id AND e.received_at >= x.exposed_at";

/// The results as a snapshot (see `snapshots`): a stopped experiment's, once computed after it
/// stopped, never change; a running one's are at most a few minutes old.
pub async fn snapshot(
    db: &AnyPool,
    site: &str,
    stored: Stored,
) -> Result<crate::features::snapshots::Lookup<Results>, sqlx::Error> {
    let stopped_at = stored.stopped_at;
    let fresh = move |computed_at: i64| {
        stopped_at.map_or_else(
            || crate::features::snapshots::recent(computed_at),
            |stopped| computed_at > stopped,
        )
    };
    let key = format!("{}:{}", stored.definition.key, stored.status);
    let (pool, site_key) = (db.clone(), site.to_owned());
    crate::features::snapshots::cached(db, site, "experiment", &key, fresh, move || async move {
        compute(&pool, &site_key, &stored).await
    })
    .await
}

pub async fn compute(db: &AnyPool, site: &str, stored: &Stored) -> Result<Results, sqlx::Error> {
    let e = stored.experiment();
    let mut observed: HashMap<String, Observed> = HashMap::new();
    let counts = |condition: String| {
        let sql = format!(
            "SELECT x.variant, COUNT(*) FROM exposures AS x WHERE x.site = $1 AND x.experiment = $2 AND {condition} GROUP BY x.variant"
        );
        sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql))
            .bind(site)
            .bind(&e.key)
            .fetch_all(db)
    };
    for (variant, n) in counts("1 = 1".into()).await? {
        observed.entry(variant).or_default().exposures = n as u64;
    }
    let mut rate_conditions = vec![
        ("feedback_rate", format!("EXISTS (SELECT 1 FROM events AS e WHERE {AFTER} AND e.type = 'feedback')")),
        (
            "return_rate",
            format!(
                "EXISTS (SELECT 1 FROM sessions AS s WHERE s.site = x.site AND s.visitor_id = x.visitor_id
                 AND s.started_at >= x.exposed_at + {RETURN_AFTER_MS} AND s.started_at <= x.exposed_at + {RETURN_WINDOW_MS})"
            ),
        ),
    ];
    if let Some(event) = &e.metric_event {
        let quoted = event.replace('\'', "''");
        rate_conditions.insert(
            1,
            (
                "conversion_rate",
                format!(
                    "EXISTS (SELECT 1 FROM events AS e WHERE {AFTER} AND e.type = 'track' AND e.name = '{quoted}')"
                ),
            ),
        );
    }
    for (metric, condition) in &rate_conditions {
        for (variant, n) in counts(condition.clone()).await? {
            observed.entry(variant).or_default().rates.insert(metric, n as u64);
        }
    }
    let answers: Vec<(String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT x.variant, e.scale, e.score FROM exposures AS x JOIN events AS e ON {AFTER} AND e.type = 'feedback'
         WHERE x.site = $1 AND x.experiment = $2"
    )))
    .bind(site)
    .bind(&e.key)
    .fetch_all(db)
    .await?;
    for (variant, scale, score) in answers {
        let (metric, value) = match scale.as_str() {
            "csat5" => ("csat", score as f64),
            // NPS as the mean of +100 (promoters), 0 and −100 (detractors).
            "nps" => (
                "nps",
                if score >= 9 {
                    100.0
                } else if score >= 7 {
                    0.0
                } else {
                    -100.0
                },
            ),
            _ => ("thumbs_up_rate", score as f64),
        };
        observed
            .entry(variant)
            .or_default()
            .scores
            .entry(metric)
            .or_default()
            .push(value);
    }

    let empty = Observed::default();
    let control = observed.get(&e.control).unwrap_or(&empty);
    let mut metric_names: Vec<&'static str> = rate_conditions.iter().map(|(m, _)| *m).collect();
    for metric in ["csat", "nps", "thumbs_up_rate"] {
        if observed.values().any(|o| o.scores.contains_key(metric)) {
            metric_names.push(metric);
        }
    }
    let variants: Vec<VariantResult> = e
        .variants
        .iter()
        .map(|v| {
            let mine = observed.get(&v.key).unwrap_or(&empty);
            let is_control = v.key == e.control;
            let metrics = metric_names
                .iter()
                .map(|&metric| metric_result(metric, mine, control, is_control))
                .collect();
            VariantResult {
                key: v.key.clone(),
                control: is_control,
                weight: v.weight,
                exposures: mine.exposures,
                metrics,
            }
        })
        .collect();

    let exposures: Vec<u64> = variants.iter().map(|v| v.exposures).collect();
    let sample_ratio = stats::sample_ratio_p_value(&exposures, &e.weights()).map(|p_value| SampleRatio {
        p_value,
        mismatch: p_value < SRM_THRESHOLD,
    });
    let enough_data = exposures.iter().all(|&n| n >= MIN_EXPOSURES);
    let note = if sample_ratio.as_ref().is_some_and(|s| s.mismatch) {
        Some("Sample ratio mismatch: the exposures do not follow the weights (p < 0.001). Do not trust these results; look for what drops or double-counts visitors.".to_owned())
    } else if !enough_data {
        let fewest = exposures.iter().min().copied().unwrap_or(0);
        Some(format!(
            "Not enough data yet: every variant needs at least {MIN_EXPOSURES} exposed visitors (the smallest has {fewest}). Differences now are mostly noise."
        ))
    } else {
        None
    };
    Ok(Results {
        experiment: e.key.clone(),
        slot: e.slot.name().into(),
        status: stored.status.clone(),
        shipped: stored.shipped.clone(),
        enough_data,
        note,
        sample_ratio,
        variants,
    })
}

fn metric_result(metric: &'static str, mine: &Observed, control: &Observed, is_control: bool) -> MetricResult {
    match mine.scores.get(metric).map(|values| Sample::of(values)) {
        Some(sample) => {
            let control_sample = control.scores.get(metric).map(|values| Sample::of(values));
            let vs_control = if is_control {
                None
            } else {
                control_sample.and_then(|c| stats::welch(c, sample))
            };
            MetricResult {
                metric: metric.into(),
                value: Some(sample.mean),
                n: sample.n,
                vs_control,
            }
        }
        None if matches!(metric, "csat" | "nps" | "thumbs_up_rate") => MetricResult {
            metric: metric.into(),
            value: None,
            n: 0,
            vs_control: None,
        },
        None => {
            let successes = mine.rates.get(metric).copied().unwrap_or(0);
            let value = (mine.exposures > 0).then(|| successes as f64 / mine.exposures as f64);
            let control_counts = (control.rates.get(metric).copied().unwrap_or(0), control.exposures);
            let vs_control = if is_control {
                None
            } else {
                stats::two_proportions(control_counts, (successes, mine.exposures))
            };
            MetricResult {
                metric: metric.into(),
                value,
                n: mine.exposures,
                vs_control,
            }
        }
    }
}
