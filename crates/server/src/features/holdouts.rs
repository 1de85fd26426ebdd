//! Randomized holdouts: surprise rules and recovery's goodwill credit each hold out a share of
//! those who would get them, by hashing, and here the treated are compared with the held out
//! on what they did in the 30 days after. Unlike the Loyalty page's observational comparisons,
//! the two groups differ only by chance and by the treatment: a difference is its effect.

pub mod store;

use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

use self::store::{LaterAnswer, Treatment, Unit};
use crate::features::experiments::stats;
use crate::features::experiments::stats::effects::{self, Arm, Effect, Settings, Summary};
use crate::features::sites::Site;
use crate::platform::clock::DAY_MS;

/// A new visit starts 30 minutes or more after the exposure; outcomes count for 30 days.
const NEW_VISIT_MS: i64 = 30 * 60_000;
const WINDOW_MS: i64 = 30 * DAY_MS;

/// One treatment against its holdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HoldoutComparison {
    /// `surprise` or `goodwill`.
    pub treatment: String,
    /// The surprise rule; `None` for goodwill.
    pub rule: Option<String>,
    /// The configured share held out.
    pub holdout: f64,
    /// Units treated and held out whose first exposure is in the range.
    pub treated: u64,
    pub held_out: u64,
    /// Always `randomized`: who was held out was decided by a hash, not by anything they did.
    pub design: String,
    pub metrics: Vec<HoldoutMetric>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HoldoutMetric {
    /// `return_30d` (a visit 30 minutes to 30 days later), `repeat_purchase` (a vouched
    /// purchase within 30 days), `points_earned` (within 30 days, the treatment's own points
    /// left out), `csat` and `nps` (answers within 30 days).
    pub metric: String,
    pub treated: Option<f64>,
    pub held_out: Option<f64>,
    /// Units (or answers, for csat and nps) on each side.
    pub n_treated: u64,
    pub n_held_out: u64,
    /// Treated against held out; `None` while either side has too little.
    pub effect: Option<Effect>,
}

/// Fewer units than this on either side, and no comparison is drawn.
pub const MIN_UNITS: f64 = 30.0;

/// Every surprise rule with a holdout, then goodwill if it has one, over `[start, end)`.
pub async fn compare_all(
    db: &AnyPool,
    site: &Site,
    start: i64,
    end: i64,
) -> Result<Vec<HoldoutComparison>, sqlx::Error> {
    let mut all = Vec::new();
    for rule in site.surprise_rules.iter().filter(|r| r.holdout > 0.0) {
        let treatment = Treatment::Surprise { rule: &rule.key };
        all.push(compare(db, site, treatment, rule.holdout, start, end).await?);
    }
    let goodwill = site.settings.recovery.goodwill_holdout;
    if goodwill > 0.0 {
        all.push(compare(db, site, Treatment::Goodwill, goodwill, start, end).await?);
    }
    Ok(all)
}

async fn compare(
    db: &AnyPool,
    site: &Site,
    treatment: Treatment<'_>,
    holdout: f64,
    start: i64,
    end: i64,
) -> Result<HoldoutComparison, sqlx::Error> {
    let key = site.settings.key.as_str();
    let window = (NEW_VISIT_MS, WINDOW_MS);
    let units = store::units(db, key, treatment, (start, end), window).await?;
    let answers = store::answers(db, key, treatment, (start, end), window).await?;
    Ok(comparison(treatment, holdout, &units, &answers))
}

/// A randomized comparison reads like an experiment's, fixed horizon not being safe to peek
/// at: GrowthBook's engine with always-valid intervals; no pre-period, so no CUPED.
fn settings() -> Settings {
    Settings {
        cuped: false,
        ..Settings::default()
    }
}

/// The comparison from each unit's outcomes and the answers after exposures.
pub fn comparison(
    treatment: Treatment<'_>,
    holdout: f64,
    units: &[Unit],
    answers: &[LaterAnswer],
) -> HoldoutComparison {
    let side = |treated: bool| units.iter().filter(move |u| (u.treated == 1) == treated);
    let proportion = |treated: bool, outcome: fn(&Unit) -> i64| {
        let (n, sum) = side(treated).fold((0.0, 0.0), |(n, sum), u| (n + 1.0, sum + outcome(u) as f64));
        Summary::Proportion { n, sum }
    };
    let points = |treated: bool| Summary::of_values(side(treated).map(|u| u.points as f64));
    let scores = |treated: bool, scale: &str| {
        Summary::of_values(
            answers
                .iter()
                .filter(|a| (a.treated == 1) == treated && a.scale == scale)
                .map(|a| match scale {
                    "nps" => stats::nps_points(a.score),
                    _ => a.score as f64,
                }),
        )
    };
    // Purchases are vouched for members only; a visitor's thank-you counts none.
    let metrics = vec![
        metric(
            "return_30d",
            proportion(true, |u| u.returned),
            proportion(false, |u| u.returned),
        ),
        metric(
            "repeat_purchase",
            proportion(true, |u| u.purchased),
            proportion(false, |u| u.purchased),
        ),
        metric("points_earned", points(true), points(false)),
        metric("csat", scores(true, "csat5"), scores(false, "csat5")),
        metric("nps", scores(true, "nps"), scores(false, "nps")),
    ];
    let (kind, rule) = match treatment {
        Treatment::Surprise { rule } => ("surprise", Some(rule.to_owned())),
        Treatment::Goodwill => ("goodwill", None),
    };
    HoldoutComparison {
        treatment: kind.into(),
        rule,
        holdout,
        treated: side(true).count() as u64,
        held_out: side(false).count() as u64,
        design: "randomized".into(),
        metrics,
    }
}

fn metric(name: &str, treated: Summary, held_out: Summary) -> HoldoutMetric {
    let value = |s: Summary| (s.n() > 0.0).then(|| s.mean());
    let effect = (treated.n() >= MIN_UNITS && held_out.n() >= MIN_UNITS)
        .then(|| effects::compare(Arm::of(held_out), Arm::of(treated), settings()))
        .flatten();
    HoldoutMetric {
        metric: name.into(),
        treated: value(treated),
        held_out: value(held_out),
        n_treated: treated.n() as u64,
        n_held_out: held_out.n() as u64,
        effect,
    }
}
