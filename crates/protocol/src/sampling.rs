//! Sticky sampling: whether a visitor is asked is decided by hashing who they are, so the
//! same visitor always gets the same answer (not a fresh draw on every page view).

/// 32-bit FNV-1a, as GrowthBook's SDKs hash for bucketing.
pub fn fnv1a32(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// The visitor's place in [0, 1) for `site`, in steps of 1/10,000.
pub fn bucket(site: &str, visitor_id: &str) -> f64 {
    f64::from(fnv1a32(&format!("{site}:{visitor_id}")) % 10_000) / 10_000.0
}

/// True when the visitor falls inside `rate` (0: nobody, 1: everybody).
pub fn in_sample(site: &str, visitor_id: &str, rate: f64) -> bool {
    bucket(site, visitor_id) < rate
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known answers, computed independently (see the fixture's note); any implementation of
    /// the protocol must agree.
    #[test]
    fn buckets_match_the_shared_fixture() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!("../fixtures/sampling.json")).unwrap();
        for case in fixture["cases"].as_array().unwrap() {
            let (site, visitor) = (case["site"].as_str().unwrap(), case["visitor_id"].as_str().unwrap());
            assert_eq!(
                fnv1a32(&format!("{site}:{visitor}")),
                case["fnv1a32"].as_u64().unwrap() as u32,
                "{case}"
            );
            assert_eq!(bucket(site, visitor), case["bucket"].as_f64().unwrap(), "{case}");
        }
    }

    #[test]
    fn rates_zero_and_one_are_absolute_and_the_middle_is_fair() {
        let visitors: Vec<String> = (0..10_000).map(|i| format!("visitor-{i:05}")).collect();
        assert!(
            visitors
                .iter()
                .all(|v| !in_sample("s", v, 0.0) && in_sample("s", v, 1.0))
        );
        let asked = visitors.iter().filter(|v| in_sample("s", v, 0.3)).count();
        assert!((2_800..3_200).contains(&asked), "{asked} of 10,000 at 30%");
    }
}
