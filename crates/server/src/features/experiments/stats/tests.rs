//! Reference values: Wikipedia's worked Welch example (t = 2.46, df = 25.0, p = 0.021) and
//! SciPy 1.x (`ttest_ind(equal_var=False)`, `norm.cdf`, `chisquare`) for every figure.

use super::*;

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-6, "{actual} is not {expected}");
}

#[test]
fn welch_matches_the_worked_example() {
    let a1 = [
        27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4,
    ];
    let a2 = [
        27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4,
    ];
    let c = welch(Sample::of(&a1), Sample::of(&a2)).unwrap();
    close(c.difference, 2.166_666_666_666_668);
    close(c.p_value, 0.021_378_001_462_866_992);
    close(c.difference_low, 0.349_237_066_192_406_9);
    close(c.difference_high, 3.984_096_267_140_929);
    assert!(c.probability_to_beat_control > 0.99);
    assert!(
        welch(Sample::of(&[1.0]), Sample::of(&a2)).is_none(),
        "one value has no variance"
    );
}

#[test]
fn two_proportions_match_the_z_test() {
    // 120 of 1,000 against 150 of 1,000: z = 1.963, just significant at 5%.
    let c = two_proportions((120, 1000), (150, 1000)).unwrap();
    close(c.difference, 0.03);
    close(c.p_value, 0.049_640_386_865_368_76);
    close(c.difference_low, 0.000_076_028_821_297_785_54);
    close(c.difference_high, 0.059_923_971_178_702_21);
    close(c.probability_to_beat_control, 0.975_289_624_670_209_5);
    close(c.relative.unwrap(), 0.25);
    assert!(two_proportions((0, 0), (1, 10)).is_none());
    let same = two_proportions((0, 50), (0, 50)).unwrap();
    assert_eq!(
        (same.p_value, same.relative),
        (1.0, None),
        "no successes anywhere: no evidence, no relative change"
    );
}

#[test]
fn sample_ratio_mismatch_matches_chi_square() {
    close(
        sample_ratio_p_value(&[50_000, 51_000], &[0.5, 0.5]).unwrap(),
        0.001_651_898_732_357_361,
    );
    close(
        sample_ratio_p_value(&[821, 1017, 1162], &[0.3, 0.3, 0.4]).unwrap(),
        8.513_232_086_046_272e-6,
    );
    assert!(sample_ratio_p_value(&[0, 0], &[0.5, 0.5]).is_none());
}

#[test]
fn stratified_proportions_compare_only_within_strata() {
    // Bronze: 10% come back with or without; Gold: 80% either way. Gold got most of the
    // treatment, so pooled it looks like +57 points; within each tier there is no difference.
    let strata = [((20, 200), (2, 20)), ((16, 20), (160, 200))];
    let pooled = two_proportions((36, 220), (162, 220)).unwrap();
    assert!(pooled.difference > 0.5 && pooled.p_value < 0.001);
    let c = stratified_proportions(&strata).unwrap();
    close(c.difference, 0.0);
    close(c.p_value, 1.0);
    assert!(c.difference_low < 0.0 && c.difference_high > 0.0);

    // One stratum: the same difference and Wald interval as two_proportions.
    let one = stratified_proportions(&[((120, 1000), (150, 1000))]).unwrap();
    let plain = two_proportions((120, 1000), (150, 1000)).unwrap();
    close(one.difference, plain.difference);
    close(one.difference_low, plain.difference_low);
    close(one.difference_high, plain.difference_high);
    assert!(one.p_value < 0.05);
    // A stratum with no one on one side says nothing; none at all, no comparison.
    close(
        stratified_proportions(&[((120, 1000), (150, 1000)), ((0, 0), (5, 9))])
            .unwrap()
            .difference,
        0.03,
    );
    assert!(stratified_proportions(&[((1, 4), (0, 0))]).is_none());
}

#[test]
fn intervals_of_a_mean_and_of_an_nps() {
    // Faces 5, 4, 4, 3, 2: mean 3.6, sd 1.140175, se 0.509902, t(0.975, 4) = 2.776445105:
    // 3.6 ± 1.415715 (SciPy's t.interval gives the same).
    let (low, high) = mean_interval(5, 18.0, 70.0).unwrap();
    close(low, 2.184_285_223_017_727);
    close(high, 5.015_714_776_982_273);
    assert!(mean_interval(1, 5.0, 25.0).is_none());
    // 50 promoters, 20 detractors of 100: NPS 30; p + d = 0.7, var 0.7 - 0.09 = 0.61,
    // se 0.0781: 30 ± 15.31.
    let (low, high) = nps_interval(100, 50, 20).unwrap();
    close(low, 100.0 * (0.3 - Z_95 * (0.61_f64 / 100.0).sqrt()));
    close(high, 100.0 * (0.3 + Z_95 * (0.61_f64 / 100.0).sqrt()));
    // Never wider than the scale.
    assert_eq!(nps_interval(2, 2, 0).unwrap().1, 100.0);
}
