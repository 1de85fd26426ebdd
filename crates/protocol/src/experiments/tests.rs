use super::*;

fn fixture() -> serde_json::Value {
    serde_json::from_str(include_str!("../../fixtures/experiments.json")).unwrap()
}

/// The known answers of the issue and GrowthBook's own cases, computed by an independent
/// Python implementation (fixtures/experiments.py).
#[test]
fn hashes_match_the_known_answers() {
    for case in fixture()["hashes"].as_array().unwrap() {
        let version = if case["version"] == 1 {
            HashVersion::V1
        } else {
            HashVersion::V2
        };
        let (seed, value) = (case["seed"].as_str().unwrap(), case["value"].as_str().unwrap());
        assert_eq!(hash(seed, value, version), case["hash"].as_f64().unwrap(), "{case}");
    }
    assert_eq!(hash("exp", "josé", HashVersion::V2), 0.3584);
    let utf8 = |text: &str| {
        text.bytes()
            .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
    };
    let wrong = f64::from(utf8(&utf8("expjosé").to_string()) % 10_000) / 10_000.0;
    assert_eq!(wrong, 0.5681, "hashing UTF-8 bytes gives the issue's wrong answer");
}

#[test]
fn bucket_ranges_and_choices_match_the_fixture() {
    let fixture = fixture();
    for case in fixture["bucket_ranges"].as_array().unwrap() {
        let weights: Vec<f64> = serde_json::from_value(case["weights"].clone()).unwrap();
        let expected: Vec<(f64, f64)> = serde_json::from_value(case["ranges"].clone()).unwrap();
        assert_eq!(
            bucket_ranges(&weights, case["coverage"].as_f64().unwrap()),
            expected,
            "{case}"
        );
    }
    assert_eq!(bucket_ranges(&[0.5, 0.5], 0.5), [(0.0, 0.25), (0.5, 0.75)]);
    for case in fixture["choices"].as_array().unwrap() {
        let ranges: Vec<(f64, f64)> = serde_json::from_value(case["ranges"].clone()).unwrap();
        let expected = case["variant"].as_u64().map(|v| v as usize);
        assert_eq!(choose_variant(case["n"].as_f64().unwrap(), &ranges), expected, "{case}");
    }
}

#[test]
fn a_hundred_thousand_visitors_split_within_one_percent_of_the_weights() {
    let weights = [0.2, 0.3, 0.5];
    let ranges = bucket_ranges(&weights, 1.0);
    let mut counts = [0usize; 3];
    let total = 100_000;
    for i in 0..total {
        // Random-looking ids, as the widget makes them.
        let visitor = format!("{:08x}-{:04x}-4{:03x}", fnv32a(&i.to_string()), i % 65_536, i % 4096);
        let variant = choose_variant(hash("greeting-test", &visitor, HashVersion::V2), &ranges).expect("full coverage");
        counts[variant] += 1;
    }
    for (count, weight) in counts.iter().zip(weights) {
        let share = *count as f64 / total as f64;
        assert!((share - weight).abs() < 0.01, "{counts:?}");
    }
}

#[test]
fn coverage_zero_puts_nobody_in() {
    let ranges = bucket_ranges(&[0.5, 0.5], 0.0);
    assert!((0..10_000).all(|i| choose_variant(hash("s", &format!("v{i}"), HashVersion::V2), &ranges).is_none()));
}

#[test]
fn weights_must_make_a_whole() {
    assert!(weights_are_whole(&[0.5, 0.5]));
    assert!(weights_are_whole(&[0.34, 0.33, 0.33]));
    assert!(!weights_are_whole(&[0.5, 0.4]));
    assert!(!weights_are_whole(&[1.5, -0.5]));
    assert!(!weights_are_whole(&[f64::NAN, 1.0]));
}
