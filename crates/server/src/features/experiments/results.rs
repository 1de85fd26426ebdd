//! An experiment's results: per variant, its exposures and metrics, each compared with
//! control; and the sample-ratio check that says whether the numbers can be trusted.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

use super::stats;
use super::stats::effects::{self, Arm, Effect, Power, Pre, Settings, Summary};
use super::store::Stored;
use crate::config::ExperimentStatsSettings;
use crate::platform::clock::DAY_MS;

/// Fewer exposed visitors than this in any variant: the results say there is not enough data.
pub const MIN_EXPOSURES: u64 = 100;
/// Below this p-value the exposures do not match the weights: something is broken.
pub const SRM_THRESHOLD: f64 = 0.001;
/// A return is a new visit: a session at least 30 minutes after the exposure (every page
/// view starts a session, and the next page of the same visit is no return) and within 7 days.
const RETURN_AFTER_MS: i64 = 30 * 60_000;
const RETURN_WINDOW_MS: i64 = 7 * DAY_MS;
/// CUPED's covariate: the same metric in the 14 days before a visitor's first exposure.
pub const PRE_PERIOD_MS: i64 = 14 * DAY_MS;

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
    /// How the comparisons were computed.
    pub analysis: Analysis,
    pub variants: Vec<VariantResult>,
}

/// The reading of every comparison: a randomized experiment, GrowthBook's engine.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Analysis {
    /// Always `randomized`: visitors were assigned by hash, so differences are caused.
    pub design: String,
    /// Always-valid intervals and p-values (safe to read every day), or fixed-horizon ones.
    pub sequential: bool,
    pub sequential_tuning: f64,
    /// Rates adjusted for the same metric in the 14 days before exposure (scores have no
    /// pre-period and are never adjusted).
    pub cuped: bool,
    pub alpha: f64,
    /// The relative effect power is computed for.
    pub minimum_effect: f64,
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
    pub vs_control: Option<Effect>,
    /// While the experiment runs: when an effect of `analysis.minimum_effect` would be
    /// detected at today's traffic, and the smallest detectable today.
    pub power: Option<Power>,
}

/// What one variant's visitors did after their exposure (and, for rates, in the 14 days
/// before it).
#[derive(Default)]
struct Observed {
    exposures: u64,
    rates: HashMap<&'static str, Arm>,
    scores: HashMap<&'static str, Vec<f64>>,
}

const AFTER: &str = "e.site = x.site AND e.visitor_id = x.visitor_id AND e.received_at >= x.exposed_at";
const BEFORE: &str = "e.site = x.site AND e.visitor_id = x.visitor_id AND e.received_at < x.exposed_at AND e.received_at >= x.exposed_at - {PRE}";

/// The results as a snapshot (see `snapshots`): a stopped experiment's, once computed after it
/// stopped, never change; a running one's are at most a few minutes old.
pub async fn snapshot(
    db: &AnyPool,
    site: &str,
    stored: Stored,
    reading: ExperimentStatsSettings,
) -> Result<crate::features::snapshots::Lookup<Results>, sqlx::Error> {
    let stopped_at = stored.stopped_at;
    let fresh = move |computed_at: i64| {
        stopped_at.map_or_else(
            || crate::features::snapshots::recent(computed_at),
            |stopped| computed_at > stopped,
        )
    };
    // The version names the shape of `Results`: snapshots of an older shape are not read.
    let key = format!("v2:{}:{}", stored.definition.key, stored.status);
    let (pool, site_key) = (db.clone(), site.to_owned());
    crate::features::snapshots::cached(db, site, "experiment", &key, fresh, move || async move {
        compute(&pool, &site_key, &stored, reading).await
    })
    .await
}

pub async fn compute(
    db: &AnyPool,
    site: &str,
    stored: &Stored,
    reading: ExperimentStatsSettings,
) -> Result<Results, sqlx::Error> {
    let e = stored.experiment();
    let mut observed: HashMap<String, Observed> = HashMap::new();
    // Each rate: its condition after the exposure, and the same in the pre-period (CUPED's
    // covariate).
    let session_between = |from: &str, to: &str| {
        format!(
            "EXISTS (SELECT 1 FROM sessions AS s WHERE s.site = x.site AND s.visitor_id = x.visitor_id
             AND s.started_at >= {from} AND s.started_at <= {to})"
        )
    };
    let event = |when: &str, what: &str| format!("EXISTS (SELECT 1 FROM events AS e WHERE {when} AND {what})");
    let before = BEFORE.replace("{PRE}", &PRE_PERIOD_MS.to_string());
    let mut rate_conditions = vec![
        (
            "feedback_rate",
            event(AFTER, "e.type = 'feedback'"),
            event(&before, "e.type = 'feedback'"),
        ),
        (
            "return_rate",
            session_between(
                &format!("x.exposed_at + {RETURN_AFTER_MS}"),
                &format!("x.exposed_at + {RETURN_WINDOW_MS}"),
            ),
            session_between(
                &format!("x.exposed_at - {PRE_PERIOD_MS}"),
                &format!("x.exposed_at - {RETURN_AFTER_MS}"),
            ),
        ),
    ];
    if let Some(name) = &e.metric_event {
        let tracked = format!("e.type = 'track' AND e.name = '{}'", name.replace('\'', "''"));
        rate_conditions.insert(1, ("conversion_rate", event(AFTER, &tracked), event(&before, &tracked)));
    }
    // Each visitor's two flags once, then added up per variant (with their product for CUPED);
    // the count is the variant's exposures.
    for (metric, post, pre) in &rate_conditions {
        let sql = format!(
            "SELECT variant, COUNT(*), COALESCE(SUM(post), 0), COALESCE(SUM(pre), 0), COALESCE(SUM(post * pre), 0)
             FROM (SELECT x.variant, CASE WHEN {post} THEN 1 ELSE 0 END AS post, CASE WHEN {pre} THEN 1 ELSE 0 END AS pre
                   FROM exposures AS x WHERE x.site = $1 AND x.experiment = $2) AS flags
             GROUP BY variant"
        );
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(site)
            .bind(&e.key)
            .fetch_all(db)
            .await?;
        for (variant, exposures, post_sum, pre_sum, both) in rows {
            let n = exposures as f64;
            let arm = Arm {
                post: Summary::Proportion {
                    n,
                    sum: post_sum as f64,
                },
                pre: Some(Pre {
                    summary: Summary::Proportion { n, sum: pre_sum as f64 },
                    post_pre_sum_of_products: both as f64,
                }),
            };
            let seen = observed.entry(variant).or_default();
            seen.exposures = exposures as u64;
            seen.rates.insert(metric, arm);
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
            "nps" => ("nps", stats::nps_points(score)),
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
    let mut metric_names: Vec<&'static str> = rate_conditions.iter().map(|(m, ..)| *m).collect();
    for metric in ["csat", "nps", "thumbs_up_rate"] {
        if observed.values().any(|o| o.scores.contains_key(metric)) {
            metric_names.push(metric);
        }
    }
    let settings = Settings {
        alpha: effects::DEFAULT_ALPHA,
        sequential: reading.sequential.then_some(reading.sequential_tuning),
        cuped: reading.cuped,
    };
    // Power is for deciding how long to keep running: only while the experiment runs.
    let days_running = match (stored.status.as_str(), stored.started_at) {
        ("running", Some(started)) => Some((crate::platform::clock::now_ms() - started) as f64 / DAY_MS as f64),
        _ => None,
    };
    let reading_of = Reading {
        settings,
        days_running,
        minimum_effect: reading.minimum_effect,
    };
    let variants: Vec<VariantResult> = e
        .variants
        .iter()
        .map(|v| {
            let mine = observed.get(&v.key).unwrap_or(&empty);
            let is_control = v.key == e.control;
            let metrics = metric_names
                .iter()
                .map(|&metric| metric_result(metric, mine, control, is_control, reading_of))
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
        analysis: Analysis {
            design: "randomized".into(),
            sequential: reading.sequential,
            sequential_tuning: reading.sequential_tuning,
            cuped: reading.cuped,
            alpha: settings.alpha,
            minimum_effect: reading.minimum_effect,
        },
        variants,
    })
}

/// How each metric is compared.
#[derive(Clone, Copy)]
struct Reading {
    settings: Settings,
    days_running: Option<f64>,
    minimum_effect: f64,
}

fn metric_result(
    metric: &'static str,
    mine: &Observed,
    control: &Observed,
    is_control: bool,
    reading: Reading,
) -> MetricResult {
    let scores = |o: &Observed| {
        o.scores
            .get(metric)
            .map(|values| Arm::of(Summary::of_values(values.iter().copied())))
    };
    let is_score = matches!(metric, "csat" | "nps" | "thumbs_up_rate");
    let (arm, control_arm) = if is_score {
        (scores(mine), scores(control))
    } else {
        let rate = |o: &Observed| o.rates.get(metric).copied();
        (rate(mine), rate(control))
    };
    let (vs_control, power) = match (arm, control_arm, is_control) {
        (Some(arm), Some(control_arm), false) => (
            effects::compare(control_arm, arm, reading.settings),
            reading
                .days_running
                .and_then(|days| effects::power(control_arm, arm, days, reading.minimum_effect, reading.settings)),
        ),
        _ => (None, None),
    };
    MetricResult {
        metric: metric.into(),
        value: arm.filter(|a| a.post.n() > 0.0).map(|a| a.post.mean()),
        n: arm.map_or(0, |a| a.post.n() as u64),
        vs_control,
        power,
    }
}
