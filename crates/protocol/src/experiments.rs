//! Experiment assignment, compatible with GrowthBook's hashing and bucketing so teams can
//! cross-check a visitor's variant in either tool. One definition for widget and server.

/// 32-bit FNV-1a over the UTF-16 code units of `text`, as JavaScript's `charCodeAt` sees
/// them (GrowthBook's `fnv32a`). Not the UTF-8 bytes: "josé" would hash differently.
pub fn fnv32a(text: &str) -> u32 {
    text.encode_utf16().fold(0x811c_9dc5, |hash, unit| {
        (hash ^ u32::from(unit)).wrapping_mul(0x0100_0193)
    })
}

/// GrowthBook's hashing versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashVersion {
    /// `(fnv32a(value + seed) % 1000) / 1000`.
    V1,
    /// `(fnv32a(decimal of fnv32a(seed + value)) % 10000) / 10000`: better spread.
    V2,
}

/// The visitor's place in [0, 1) for an experiment seeded with `seed`.
pub fn hash(seed: &str, value: &str, version: HashVersion) -> f64 {
    match version {
        HashVersion::V1 => f64::from(fnv32a(&format!("{value}{seed}")) % 1_000) / 1_000.0,
        HashVersion::V2 => f64::from(fnv32a(&fnv32a(&format!("{seed}{value}")).to_string()) % 10_000) / 10_000.0,
    }
}

/// Each variant's range of hashes: variant i gets [sum of earlier weights, that + coverage ×
/// its weight). Outside every range is outside the experiment.
pub fn bucket_ranges(weights: &[f64], coverage: f64) -> Vec<(f64, f64)> {
    let coverage = coverage.clamp(0.0, 1.0);
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|weight| {
            let start = cumulative;
            cumulative += weight;
            (start, start + coverage * weight)
        })
        .collect()
}

/// The variant whose range holds `n`, if any.
pub fn choose_variant(n: f64, ranges: &[(f64, f64)]) -> Option<usize> {
    ranges.iter().position(|&(start, end)| n >= start && n < end)
}

/// Whether weights make a whole (sum to 1 within 0.01), as GrowthBook requires.
pub fn weights_are_whole(weights: &[f64]) -> bool {
    let total: f64 = weights.iter().sum();
    weights.iter().all(|w| w.is_finite() && *w >= 0.0) && (total - 1.0).abs() <= 0.01
}

#[cfg(test)]
mod tests;
