//! Effects of a treatment on a metric from per-arm summary statistics, computed the way
//! GrowthBook's engine (`gbstats` 0.8) does, so our figures agree with the open reference:
//! Welch's t with delta-method variances for relative effects, CUPED (regression adjustment on
//! a pre-exposure covariate, one θ for both arms), always-valid sequential intervals
//! (Waudby-Smith et al. 2023, eq. 9 and 155) and the Bayesian chance to beat control with
//! GrowthBook's default flat prior. The fixtures in `fixtures/gbstats.json`, written by
//! `scripts/gbstats_fixtures.py` with gbstats itself, hold every figure to 4 significant digits.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// GrowthBook's default tuning of sequential intervals (the sample size they are tightest at).
pub const DEFAULT_SEQUENTIAL_TUNING: f64 = 5_000.0;
/// Two-sided.
pub const DEFAULT_ALPHA: f64 = 0.05;
/// The power a detectable effect is detected with.
pub const POWER: f64 = 0.8;

/// One arm's metric as sums, as a database adds them up: a 0/1 metric (`Proportion`) or a
/// value per unit (`Mean`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Summary {
    Proportion { n: f64, sum: f64 },
    Mean { n: f64, sum: f64, sum_squares: f64 },
}

impl Summary {
    /// A value per unit, added up.
    pub fn of_values(values: impl IntoIterator<Item = f64>) -> Self {
        let (mut n, mut sum, mut sum_squares) = (0.0, 0.0, 0.0);
        for v in values {
            n += 1.0;
            sum += v;
            sum_squares += v * v;
        }
        Summary::Mean { n, sum, sum_squares }
    }

    pub fn n(self) -> f64 {
        match self {
            Summary::Proportion { n, .. } | Summary::Mean { n, .. } => n,
        }
    }

    fn sum(self) -> f64 {
        match self {
            Summary::Proportion { sum, .. } | Summary::Mean { sum, .. } => sum,
        }
    }

    pub fn mean(self) -> f64 {
        if self.n() == 0.0 { 0.0 } else { self.sum() / self.n() }
    }

    pub fn variance(self) -> f64 {
        match self {
            Summary::Proportion { .. } => self.mean() * (1.0 - self.mean()),
            Summary::Mean { n, sum, sum_squares } if n > 1.0 => (sum_squares - sum * sum / n) / (n - 1.0),
            Summary::Mean { .. } => 0.0,
        }
    }

    /// Both arms together (the same kind of metric on both sides).
    fn joint(self, other: Summary) -> Summary {
        match (self, other) {
            (
                Summary::Mean { n, sum, sum_squares },
                Summary::Mean {
                    n: n2,
                    sum: s2,
                    sum_squares: q2,
                },
            ) => Summary::Mean {
                n: n + n2,
                sum: sum + s2,
                sum_squares: sum_squares + q2,
            },
            _ => Summary::Proportion {
                n: self.n() + other.n(),
                sum: self.sum() + other.sum(),
            },
        }
    }
}

/// An arm: the metric after exposure and, for CUPED, the same metric before it with the sum
/// of the products of each unit's two values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    pub post: Summary,
    #[serde(default)]
    pub pre: Option<Pre>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pre {
    pub summary: Summary,
    pub post_pre_sum_of_products: f64,
}

impl Arm {
    pub fn of(post: Summary) -> Self {
        Self { post, pre: None }
    }
}

/// How to read a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub alpha: f64,
    /// `Some(tuning)`: always-valid intervals that may be read every day.
    pub sequential: Option<f64>,
    /// Regression adjustment on the pre-period where both arms have one.
    pub cuped: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            alpha: DEFAULT_ALPHA,
            sequential: Some(DEFAULT_SEQUENTIAL_TUNING),
            cuped: true,
        }
    }
}

/// One estimate with its interval and p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
    /// The estimate's standard error.
    pub standard_error: f64,
}

/// The treatment against control on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Effect {
    /// Treatment minus control, in the metric's unit.
    pub absolute: Estimate,
    /// The difference over control's (unadjusted) mean; `None` when that mean is 0.
    pub relative: Option<Estimate>,
    /// The chance the treatment truly beats control (GrowthBook's Bayesian engine, flat prior,
    /// on the relative effect where there is one).
    pub chance_to_beat_control: f64,
    /// Intervals and p-values stay valid however often they are looked at.
    pub sequential: bool,
    /// CUPED's share of the variance removed (0 to 1) when it was applied.
    pub cuped_variance_reduction: Option<f64>,
}

/// A summary adjusted (or not) for the pre-period: what the tests need of an arm.
#[derive(Debug, Clone, Copy)]
struct Adjusted {
    n: f64,
    mean: f64,
    unadjusted_mean: f64,
    variance: f64,
}

impl Adjusted {
    fn plain(s: Summary) -> Self {
        Self {
            n: s.n(),
            mean: s.mean(),
            unadjusted_mean: s.mean(),
            variance: s.variance(),
        }
    }

    fn regression(post: Summary, pre: Pre, theta: f64) -> Self {
        let n = post.n();
        let covariance = if n > 1.0 {
            (pre.post_pre_sum_of_products - post.sum() * pre.summary.sum() / n) / (n - 1.0)
        } else {
            0.0
        };
        let variance = if n > 1.0 {
            post.variance() + theta * theta * pre.summary.variance() - 2.0 * theta * covariance
        } else {
            0.0
        };
        Self {
            n,
            mean: post.mean() - theta * pre.summary.mean(),
            unadjusted_mean: post.mean(),
            variance,
        }
    }
}

/// θ from both arms pooled: their covariance over the pre-period's variance (0 when either
/// period has no variance, and then CUPED is left out, as gbstats does).
fn theta(a: (Summary, Pre), b: (Summary, Pre)) -> f64 {
    let post = a.0.joint(b.0);
    let pre = a.1.summary.joint(b.1.summary);
    if pre.variance() == 0.0 || post.variance() == 0.0 {
        return 0.0;
    }
    let n = post.n();
    let covariance =
        (a.1.post_pre_sum_of_products + b.1.post_pre_sum_of_products - post.sum() * pre.sum() / n) / (n - 1.0);
    covariance / pre.variance()
}

/// The variance of the difference (relative: by the delta method, over control's unadjusted
/// mean), as gbstats' `frequentist_variance`.
fn difference_variance(a: Adjusted, b: Adjusted, relative: bool) -> f64 {
    if relative {
        b.variance / (a.unadjusted_mean.powi(2) * b.n)
            + a.variance * b.unadjusted_mean.powi(2) / (a.unadjusted_mean.powi(4) * a.n)
    } else {
        b.variance / b.n + a.variance / a.n
    }
}

fn difference(a: Adjusted, b: Adjusted, relative: bool) -> f64 {
    if relative {
        (b.mean - a.mean) / a.unadjusted_mean
    } else {
        b.mean - a.mean
    }
}

/// Welch–Satterthwaite degrees of freedom.
fn degrees_of_freedom(a: Adjusted, b: Adjusted) -> f64 {
    (b.variance / b.n + a.variance / a.n).powi(2)
        / (b.variance.powi(2) / (b.n.powi(2) * (b.n - 1.0)) + a.variance.powi(2) / (a.n.powi(2) * (a.n - 1.0)))
}

/// The ρ of the always-valid interval tuned to `tuning` units (eq. 161).
fn rho(alpha: f64, tuning: f64) -> f64 {
    ((-2.0 * alpha.ln() + (-2.0 * alpha.ln() + 1.0).ln()) / tuning).sqrt()
}

/// Half the width of the always-valid interval at `n` units in all, for a difference whose
/// variance is `variance` (eq. 9).
fn sequential_half_width(variance: f64, n: f64, alpha: f64, tuning: f64) -> f64 {
    let rho = rho(alpha, tuning);
    let s2 = variance * n;
    let nr2 = n * rho * rho;
    s2.sqrt() * ((2.0 * (nr2 + 1.0)) * ((nr2 + 1.0).sqrt() / alpha).ln() / (n * rho).powi(2)).sqrt()
}

fn estimate(a: Adjusted, b: Adjusted, relative: bool, settings: Settings) -> Option<Estimate> {
    let variance = difference_variance(a, b, relative);
    if variance.is_nan() || variance <= 0.0 || variance.is_infinite() {
        return None;
    }
    let value = difference(a, b, relative);
    let standard_error = variance.sqrt();
    let (half, p_value) = match settings.sequential {
        Some(tuning) => {
            let n = a.n + b.n;
            let half = sequential_half_width(variance, n, settings.alpha, tuning);
            let rho2 = rho(settings.alpha, tuning).powi(2);
            let st2 = value * value * n / variance;
            let tr2p1 = n * rho2 + 1.0;
            let e_value = (rho2 * st2 / (2.0 * tr2p1)).exp() / tr2p1.sqrt();
            (half, (1.0 / e_value).min(1.0))
        }
        None => {
            let t = StudentsT::new(0.0, 1.0, degrees_of_freedom(a, b)).ok()?;
            let p = 2.0 * (1.0 - t.cdf((value / standard_error).abs()));
            (t.inverse_cdf(1.0 - settings.alpha / 2.0) * standard_error, p)
        }
    };
    Some(Estimate {
        value,
        low: value - half,
        high: value + half,
        p_value,
        standard_error,
    })
}

/// What the tests compare: both arms, adjusted with one θ when CUPED applies, and the share
/// of the variance CUPED removed.
fn adjusted_arms(control: Arm, treatment: Arm, cuped: bool) -> (Adjusted, Adjusted, Option<f64>) {
    let plain = (Adjusted::plain(control.post), Adjusted::plain(treatment.post), None);
    let (Some(pre_a), Some(pre_b), true) = (control.pre, treatment.pre, cuped) else {
        return plain;
    };
    let theta = theta((control.post, pre_a), (treatment.post, pre_b));
    if theta == 0.0 {
        return plain;
    }
    let (a, b) = (
        Adjusted::regression(control.post, pre_a, theta),
        Adjusted::regression(treatment.post, pre_b, theta),
    );
    let before = difference_variance(plain.0, plain.1, false);
    let after = difference_variance(a, b, false);
    let reduction = (before > 0.0).then(|| (1.0 - after / before).max(0.0));
    (a, b, reduction)
}

/// The treatment against control; `None` while either arm has fewer than two units, no
/// variance, or the comparison has nothing to stand on.
pub fn compare(control: Arm, treatment: Arm, settings: Settings) -> Option<Effect> {
    if control.post.n() < 2.0 || treatment.post.n() < 2.0 {
        return None;
    }
    let (a, b, cuped_variance_reduction) = adjusted_arms(control, treatment, settings.cuped);
    if a.variance <= 0.0 || b.variance <= 0.0 {
        return None;
    }
    let absolute = estimate(a, b, false, settings)?;
    let relative = (a.mean != 0.0 && a.unadjusted_mean != 0.0)
        .then(|| estimate(a, b, true, settings))
        .flatten();
    let basis = relative.unwrap_or(absolute);
    let chance_to_beat_control = Normal::standard().cdf(basis.value / basis.standard_error);
    Some(Effect {
        absolute,
        relative,
        chance_to_beat_control,
        sequential: settings.sequential.is_some(),
        cuped_variance_reduction,
    })
}

/// How a running comparison would do with more of today's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Power {
    /// The relative effect asked about.
    pub effect: f64,
    /// Days from now until that effect would be detected with 80% power at today's rate of
    /// new units (0: already); `None` beyond a year.
    pub days_to_detect: Option<f64>,
    /// The smallest relative effect detectable with 80% power with the units there are now.
    pub minimum_detectable_effect: Option<f64>,
}

/// The power to detect a true relative `effect` when the arms have grown by `scale` (their
/// per-unit variances as today), by the normal approximation GrowthBook's power calculator
/// uses, with the sequential interval's half-width in place of the fixed one where sequential.
fn power_at(a: Adjusted, b: Adjusted, scale: f64, effect: f64, settings: Settings) -> f64 {
    let (a, b) = (
        Adjusted { n: a.n * scale, ..a },
        Adjusted {
            n: b.n * scale,
            mean: a.mean + effect * a.unadjusted_mean,
            unadjusted_mean: a.unadjusted_mean * (1.0 + effect),
            ..b
        },
    );
    let se = difference_variance(a, b, true).sqrt();
    let shift = effect.abs();
    let half = match settings.sequential {
        Some(tuning) => sequential_half_width(se * se, a.n + b.n, settings.alpha, tuning),
        None => Normal::standard().inverse_cdf(1.0 - settings.alpha / 2.0) * se,
    };
    let normal = Normal::standard();
    1.0 - normal.cdf((half - shift) / se) + normal.cdf((-half - shift) / se)
}

/// With the arms as they are after `days_so_far` days: when a relative `effect` would be
/// detected, and the smallest effect detectable today.
pub fn power(control: Arm, treatment: Arm, days_so_far: f64, effect: f64, settings: Settings) -> Option<Power> {
    if control.post.n() < 2.0 || treatment.post.n() < 2.0 || days_so_far <= 0.0 || effect == 0.0 {
        return None;
    }
    let (a, b, _) = adjusted_arms(control, treatment, settings.cuped);
    if a.variance <= 0.0 || b.variance <= 0.0 || a.unadjusted_mean == 0.0 {
        return None;
    }
    const YEAR: f64 = 365.0;
    let enough_at = |scale: f64| power_at(a, b, scale, effect, settings) >= POWER;
    let max_scale = (days_so_far + YEAR) / days_so_far;
    let days_to_detect = if enough_at(1.0) {
        Some(0.0)
    } else if !enough_at(max_scale) {
        None
    } else {
        let (mut low, mut high) = (1.0, max_scale);
        for _ in 0..60 {
            let mid = (low + high) / 2.0;
            if enough_at(mid) { high = mid } else { low = mid }
        }
        Some(days_so_far * (high - 1.0))
    };
    let detectable = |e: f64| power_at(a, b, 1.0, e, settings) >= POWER;
    let minimum_detectable_effect = detectable(10.0).then(|| {
        let (mut low, mut high) = (0.0, 10.0);
        for _ in 0..60 {
            let mid = (low + high) / 2.0;
            if detectable(mid) { high = mid } else { low = mid }
        }
        high
    });
    Some(Power {
        effect,
        days_to_detect,
        minimum_detectable_effect,
    })
}

#[cfg(test)]
mod tests;
