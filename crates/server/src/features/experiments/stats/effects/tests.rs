//! Every figure against GrowthBook's engine (`gbstats.json`, written by
//! `scripts/gbstats_fixtures.py` with gbstats 0.8.0), and the properties the fixtures imply:
//! sequential intervals wider than fixed ones early and converging, CUPED narrowing them on a
//! history with a strong pre-period, and power that holds up in simulation.

use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
struct Fixtures {
    alpha: f64,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    control: Arm,
    treatment: Arm,
    expected: std::collections::BTreeMap<String, Option<Expected>>,
}

#[derive(Deserialize)]
struct Expected {
    value: f64,
    low: f64,
    high: f64,
    p_value: Option<f64>,
    chance_to_win: Option<f64>,
}

fn fixtures() -> Fixtures {
    serde_json::from_str(include_str!("gbstats.json")).expect("gbstats.json parses")
}

/// Four significant digits; a p-value so small that neither engine can tell it from 0 agrees
/// with any other.
fn agree(what: &str, actual: f64, expected: f64) {
    let scale = expected.abs().max(actual.abs());
    let close = (actual - expected).abs() <= 5e-5 * scale || (what.ends_with("p_value") && scale < 1e-9);
    assert!(close, "{what}: {actual} is not gbstats' {expected}");
}

#[test]
fn every_figure_agrees_with_gbstats() {
    let fixtures = fixtures();
    let mut checked = 0;
    for case in &fixtures.cases {
        for (name, expected) in &case.expected {
            let relative = name.ends_with("relative");
            let sequential = name
                .strip_prefix("sequential_")
                .and_then(|rest| rest.split('_').next())
                .and_then(|tuning| tuning.parse::<f64>().ok());
            let settings = Settings {
                alpha: fixtures.alpha,
                sequential,
                cuped: true,
            };
            let effect = compare(case.control, case.treatment, settings);
            let what = format!("{} / {name}", case.name);
            let Some(expected) = expected else {
                assert!(
                    effect.as_ref().is_none_or(|e| relative && e.relative.is_none()),
                    "{what}: gbstats has no result"
                );
                continue;
            };
            let effect = effect.unwrap_or_else(|| panic!("{what}: no result, gbstats has one"));
            let estimate = if relative {
                effect.relative.unwrap_or_else(|| panic!("{what}: no relative effect"))
            } else {
                effect.absolute
            };
            if name.starts_with("bayesian") {
                // The flat prior's posterior is the estimate's normal: its credible interval
                // is the fixed z interval, its chance to win the normal's mass above 0.
                let z = Normal::standard().inverse_cdf(1.0 - fixtures.alpha / 2.0);
                agree(&what, estimate.value, expected.value);
                agree(
                    &format!("{what} low"),
                    estimate.value - z * estimate.standard_error,
                    expected.low,
                );
                agree(
                    &format!("{what} high"),
                    estimate.value + z * estimate.standard_error,
                    expected.high,
                );
                let chance = Normal::standard().cdf(estimate.value / estimate.standard_error);
                agree(
                    &format!("{what} chance"),
                    chance,
                    expected.chance_to_win.unwrap_or(f64::NAN),
                );
                if relative {
                    agree(
                        &format!("{what} chance_to_beat_control"),
                        effect.chance_to_beat_control,
                        chance,
                    );
                }
            } else {
                agree(&what, estimate.value, expected.value);
                agree(&format!("{what} low"), estimate.low, expected.low);
                agree(&format!("{what} high"), estimate.high, expected.high);
                agree(
                    &format!("{what} p_value"),
                    estimate.p_value,
                    expected.p_value.unwrap_or(f64::NAN),
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 80, "only {checked} figures checked");
}

fn proportion(n: f64, rate: f64) -> Arm {
    Arm::of(Summary::Proportion {
        n,
        sum: (n * rate).round(),
    })
}

#[test]
fn sequential_intervals_are_wider_early_and_converge() {
    let fixed = Settings {
        sequential: None,
        ..Settings::default()
    };
    let width = |n: f64, s: Settings| {
        let e = compare(proportion(n, 0.30), proportion(n, 0.32), s).unwrap().absolute;
        e.high - e.low
    };
    let sizes = [500.0, 5_000.0, 50_000.0, 500_000.0, 5_000_000.0];
    let widths: Vec<f64> = sizes.map(|n| width(n, Settings::default())).into();
    assert!(
        widths.windows(2).all(|w| w[1] < w[0] / 2.0),
        "they close in on the effect: {widths:?}"
    );
    let ratios: Vec<f64> = sizes.map(|n| width(n, Settings::default()) / width(n, fixed)).into();
    assert!(ratios.iter().all(|&r| r > 1.0), "always wider: {ratios:?}");
    assert!(ratios[0] > 1.5, "much wider early: {ratios:?}");
    // Always-valid intervals shrink like sqrt(log n / n), a little slower than fixed ones: the
    // price of peeking stays bounded (about 2 to 3 times at millions of units).
    assert!(ratios[4] < 3.5, "{ratios:?}");
}

#[test]
fn cuped_lowers_the_variance_where_the_pre_period_predicts() {
    let fixtures = fixtures();
    let find = |name: &str| fixtures.cases.iter().find(|c| c.name == name).expect(name);
    let with = find("points with a strong pre-period, CUPED");
    let without = find("points with a strong pre-period, without CUPED");
    let settings = Settings::default();
    let adjusted = compare(with.control, with.treatment, settings).unwrap();
    let plain = compare(without.control, without.treatment, settings).unwrap();
    let reduction = adjusted.cuped_variance_reduction.unwrap();
    assert!(reduction > 0.5, "a 0.9 correlation removes most variance: {reduction}");
    assert!(adjusted.absolute.standard_error < 0.75 * plain.absolute.standard_error);
    assert_eq!(plain.cuped_variance_reduction, None);
    let off = compare(
        with.control,
        with.treatment,
        Settings {
            cuped: false,
            ..settings
        },
    )
    .unwrap();
    assert_eq!(off.absolute, plain.absolute, "CUPED off reads the post-period alone");
}

#[test]
fn no_comparison_without_two_units_or_variance() {
    let s = Settings::default();
    assert!(compare(proportion(1.0, 1.0), proportion(50.0, 0.5), s).is_none());
    assert!(compare(proportion(50.0, 0.0), proportion(50.0, 0.0), s).is_none());
    let zero_control = compare(proportion(100.0, 0.0), proportion(100.0, 0.1), s);
    assert!(
        zero_control.is_none(),
        "control without variance: no comparison (as gbstats)"
    );
}

/// A deterministic normal stream (Box–Muller over SplitMix64) for the simulation.
struct Normals(u64);

impl Normals {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn next(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn mean_arm(values: impl Iterator<Item = f64>) -> Arm {
    Arm::of(Summary::of_values(values))
}

#[test]
fn an_effect_at_its_detectable_size_is_detected_four_times_in_five() {
    let mut normals = Normals(7);
    for sequential in [None, Some(DEFAULT_SEQUENTIAL_TUNING)] {
        let settings = Settings {
            sequential,
            ..Settings::default()
        };
        // Ten days of 200 units a day per arm; mean 10, sd 4.
        let (a, b) = (
            mean_arm((0..2_000).map(|_| 10.0 + 4.0 * normals.next())),
            mean_arm((0..2_000).map(|_| 10.0 + 4.0 * normals.next())),
        );
        let power = power(a, b, 10.0, 0.03, settings).unwrap();
        let mde = power.minimum_detectable_effect.unwrap();
        let days = power.days_to_detect.unwrap();
        assert!(days > 0.0, "3% is not detectable yet with 2,000 a side: {power:?}");
        // Run 400 experiments of the predicted size with the true effect; ~80% detect it.
        let n = (2_000.0 * (10.0 + days) / 10.0).round() as usize;
        let trials = 400;
        let detected = (0..trials)
            .filter(|_| {
                let a = mean_arm((0..n).map(|_| 10.0 + 4.0 * normals.next()));
                let b = mean_arm((0..n).map(|_| 10.3 + 4.0 * normals.next()));
                compare(a, b, settings).unwrap().relative.unwrap().p_value < settings.alpha
            })
            .count() as f64;
        let share = detected / trials as f64;
        let sigma = (POWER * (1.0 - POWER) / trials as f64).sqrt();
        assert!(
            (share - POWER).abs() < 4.0 * sigma + 0.03,
            "{sequential:?}: {share} detected at the predicted {days:.1} more days"
        );
        // And today's detectable effect is the one detected at today's size.
        let today = power_at(
            adjusted_arms(a, b, true).0,
            adjusted_arms(a, b, true).1,
            1.0,
            mde,
            settings,
        );
        assert!((today - POWER).abs() < 1e-6, "{today}");
    }
}
