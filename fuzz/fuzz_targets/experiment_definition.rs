//! Experiment definitions as the admin API receives them: parsing never panics, and whatever
//! it accepts splits visitors sensibly: variant ranges in order, not overlapping, inside the
//! hash space (weights sum to 1 within 0.01), covering `coverage` of it in all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use moments_protocol::Locale;
use moments_server::features::experiments::definition::{Definition, Experiment};

fuzz_target!(|data: &[u8]| {
    let Ok(definition) = serde_json::from_slice::<Definition>(data) else { return };
    let Ok(experiment) = Experiment::parse(definition, Locale::En) else { return };
    let ranges = experiment.ranges();
    assert_eq!(ranges.len(), experiment.variants.len());
    let (mut previous_end, mut covered) = (0.0_f64, 0.0_f64);
    for &(start, end) in &ranges {
        assert!(start >= previous_end - 1e-9 && start <= end && end <= 1.01 + 1e-9, "{ranges:?}");
        previous_end = end;
        covered += end - start;
    }
    let weights: f64 = experiment.weights().iter().sum();
    assert!((covered - experiment.coverage * weights).abs() < 1e-6, "{ranges:?} for coverage {}", experiment.coverage);
});
