//! The random source of chance-based rules: seedable, so tests can check rates exactly.

use std::sync::Mutex;

/// SplitMix64: small, fast, and statistically sound for deciding "this session, or not".
#[derive(Debug)]
pub struct Chance(Mutex<u64>);

impl Chance {
    /// Seeded for reproducible runs; otherwise from the operating system's randomness.
    pub fn new(seed: Option<u64>) -> Self {
        let seed = seed.unwrap_or_else(crate::platform::random::seed);
        Self(Mutex::new(seed))
    }

    /// A number in [0, 1).
    pub fn next(&self) -> f64 {
        let mut state = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn happens(&self, probability: f64) -> bool {
        probability >= 1.0 || self.next() < probability
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_hold_within_statistical_tolerance() {
        let chance = Chance::new(Some(42));
        let trials = 100_000;
        for p in [0.01, 0.05, 0.5, 0.9] {
            let hits = (0..trials).filter(|_| chance.happens(p)).count() as f64;
            let expected = p * trials as f64;
            let sigma = (trials as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (hits - expected).abs() < 4.0 * sigma,
                "p={p}: {hits} hits, expected {expected} ± {sigma}"
            );
        }
        assert!(!(0..1000).any(|_| chance.happens(0.0)));
        assert!((0..1000).all(|_| chance.happens(1.0)));
    }

    #[test]
    fn a_seed_repeats_its_draws() {
        let (a, b) = (Chance::new(Some(7)), Chance::new(Some(7)));
        assert!((0..100).all(|_| a.next() == b.next()));
    }
}
