//! The statistics of experiment results: every variant against control. Distributions come
//! from statrs; the formulas are the textbook ones, named where they are used.

pub mod effects;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// Two-sided 95%.
const Z_95: f64 = 1.959_963_984_540_054;

/// A variant against control on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comparison {
    /// Variant minus control, in the metric's unit (a rate, a mean).
    pub difference: f64,
    pub difference_low: f64,
    pub difference_high: f64,
    /// The difference over control's value (`None` when control's value is 0).
    pub relative: Option<f64>,
    pub relative_low: Option<f64>,
    pub relative_high: Option<f64>,
    pub p_value: f64,
    /// The chance the variant truly beats control (normal approximation, flat prior).
    pub probability_to_beat_control: f64,
}

fn standard_normal() -> Normal {
    Normal::standard()
}

fn comparison(control: f64, difference: f64, half_width: f64, p_value: f64, standard_error: f64) -> Comparison {
    let relative = |d: f64| (control != 0.0).then(|| d / control.abs());
    let beat = if standard_error > 0.0 {
        standard_normal().cdf(difference / standard_error)
    } else if difference == 0.0 {
        // No spread and no difference: a coin toss, not a loss.
        0.5
    } else if difference > 0.0 {
        1.0
    } else {
        0.0
    };
    Comparison {
        difference,
        difference_low: difference - half_width,
        difference_high: difference + half_width,
        relative: relative(difference),
        relative_low: relative(difference - half_width),
        relative_high: relative(difference + half_width),
        p_value,
        probability_to_beat_control: beat,
    }
}

/// Rates `successes / trials`: the two-proportion z-test (pooled standard error for the
/// p-value) and a Wald 95% interval of the difference (unpooled standard error).
pub fn two_proportions(control: (u64, u64), variant: (u64, u64)) -> Option<Comparison> {
    let ((x1, n1), (x2, n2)) = (control, variant);
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (n1, n2) = (n1 as f64, n2 as f64);
    let (p1, p2) = (x1 as f64 / n1, x2 as f64 / n2);
    let pooled = (x1 + x2) as f64 / (n1 + n2);
    let pooled_se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let difference = p2 - p1;
    let p_value = if pooled_se > 0.0 {
        2.0 * (1.0 - standard_normal().cdf((difference / pooled_se).abs()))
    } else {
        1.0
    };
    let se = (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt();
    Some(comparison(p1, difference, Z_95 * se, p_value, se))
}

/// One stratum's (successes, trials) for control, then for the variant.
pub type Stratum = ((u64, u64), (u64, u64));

/// Rates compared within strata (tiers, say), then combined: the difference of each stratum
/// weighted by its share of the variant's trials (the effect on those who got it), with the
/// variance of that weighted sum for a Wald 95% interval and a z-test. Comparing only within
/// strata keeps a stratum that is both more often treated and better anyway from passing its
/// advantage off as the treatment's. Strata without trials on either side are left out.
pub fn stratified_proportions(strata: &[Stratum]) -> Option<Comparison> {
    let usable: Vec<_> = strata.iter().filter(|((_, n1), (_, n2))| *n1 > 0 && *n2 > 0).collect();
    let treated: u64 = usable.iter().map(|(_, (_, n2))| n2).sum();
    if treated == 0 {
        return None;
    }
    let (mut difference, mut variance, mut control) = (0.0, 0.0, 0.0);
    for ((x1, n1), (x2, n2)) in usable {
        let weight = *n2 as f64 / treated as f64;
        let (n1, n2) = (*n1 as f64, *n2 as f64);
        let (p1, p2) = (*x1 as f64 / n1, *x2 as f64 / n2);
        difference += weight * (p2 - p1);
        control += weight * p1;
        variance += weight * weight * (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2);
    }
    let se = variance.sqrt();
    let p_value = if se > 0.0 {
        2.0 * (1.0 - standard_normal().cdf((difference / se).abs()))
    } else {
        1.0
    };
    Some(comparison(control, difference, Z_95 * se, p_value, se))
}

/// A sample's size, mean and (n − 1) variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub n: u64,
    pub mean: f64,
    pub variance: f64,
}

impl Sample {
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n.max(1) as f64;
        let variance = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Self {
            n: n as u64,
            mean,
            variance,
        }
    }
}

/// Means: Welch's t-test (unequal variances, Welch–Satterthwaite degrees of freedom) and
/// its 95% interval of the difference.
pub fn welch(control: Sample, variant: Sample) -> Option<Comparison> {
    if control.n < 2 || variant.n < 2 {
        return None;
    }
    let (a, b) = (control.variance / control.n as f64, variant.variance / variant.n as f64);
    let se = (a + b).sqrt();
    let difference = variant.mean - control.mean;
    if se == 0.0 {
        return Some(comparison(
            control.mean,
            difference,
            0.0,
            if difference == 0.0 { 1.0 } else { 0.0 },
            0.0,
        ));
    }
    let df = (a + b).powi(2) / (a.powi(2) / (control.n - 1) as f64 + b.powi(2) / (variant.n - 1) as f64);
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let p_value = 2.0 * (1.0 - t.cdf((difference / se).abs()));
    Some(comparison(
        control.mean,
        difference,
        t.inverse_cdf(0.975) * se,
        p_value,
        se,
    ))
}

/// A 95% interval of a mean from its count, sum and sum of squares (Student's t); `None`
/// below two values.
pub fn mean_interval(n: u64, sum: f64, sum_of_squares: f64) -> Option<(f64, f64)> {
    if n < 2 {
        return None;
    }
    let count = n as f64;
    let mean = sum / count;
    let variance = ((sum_of_squares - count * mean * mean) / (count - 1.0)).max(0.0);
    let half = StudentsT::new(0.0, 1.0, count - 1.0).ok()?.inverse_cdf(0.975) * (variance / count).sqrt();
    Some((mean - half, mean + half))
}

/// An NPS answer (0 to 10) as its share of the score: +100 for a promoter (9 or 10), 0 for a
/// passive (7 or 8), −100 for a detractor. NPS is the mean of these.
pub fn nps_points(score: i64) -> f64 {
    match score {
        9.. => 100.0,
        7 | 8 => 0.0,
        _ => -100.0,
    }
}

/// A 95% Wald interval of a Net Promoter Score (−100 to 100) from the answers, promoters and
/// detractors: each answer is +1, 0 or −1, and NPS is their mean times 100.
pub fn nps_interval(n: u64, promoters: u64, detractors: u64) -> Option<(f64, f64)> {
    if n < 2 {
        return None;
    }
    let count = n as f64;
    let (p, d) = (promoters as f64 / count, detractors as f64 / count);
    let mean = p - d;
    let half = Z_95 * ((p + d - mean * mean).max(0.0) / count).sqrt();
    Some((100.0 * (mean - half).max(-1.0), 100.0 * (mean + half).min(1.0)))
}

/// Sample-ratio mismatch: Pearson's chi-square of the exposures against the weights.
/// Returns the p-value; below 0.001 the assignment or the counting is broken.
pub fn sample_ratio_p_value(exposures: &[u64], weights: &[f64]) -> Option<f64> {
    let total: u64 = exposures.iter().sum();
    let weight_sum: f64 = weights.iter().sum();
    if exposures.len() < 2 || exposures.len() != weights.len() || total == 0 || weight_sum <= 0.0 {
        return None;
    }
    let statistic: f64 = exposures
        .iter()
        .zip(weights)
        .map(|(&observed, &weight)| {
            let expected = total as f64 * weight / weight_sum;
            (observed as f64 - expected).powi(2) / expected
        })
        .sum();
    let chi = ChiSquared::new((exposures.len() - 1) as f64).ok()?;
    Some(1.0 - chi.cdf(statistic))
}

#[cfg(test)]
mod tests;
