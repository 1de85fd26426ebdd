//! When to try again after a failure: capped exponential backoff with jitter, never sooner
//! than the server's `Retry-After`.

pub const BASE_DELAY_MS: f64 = 1_000.0;
pub const MAX_DELAY_MS: f64 = 60_000.0;

/// The wait before attempt `attempt + 1`. `random` is uniform in [0, 1): the wait lands
/// between half and all of the capped exponential step, so many widgets do not retry in step.
pub fn delay_ms(attempt: u32, random: f64, retry_after_secs: Option<u32>) -> u32 {
    let step = (BASE_DELAY_MS * 2f64.powi(attempt.min(16) as i32)).min(MAX_DELAY_MS);
    let jittered = step * (0.5 + 0.5 * random.clamp(0.0, 1.0));
    let floor = retry_after_secs.map_or(0.0, |s| f64::from(s.min(3_600)) * 1_000.0);
    jittered.max(floor) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps() {
        assert_eq!(delay_ms(0, 0.0, None), 500);
        assert_eq!(delay_ms(0, 0.999_999, None), 999);
        assert_eq!(delay_ms(3, 0.0, None), 4_000);
        assert_eq!(delay_ms(30, 0.999_999, None), 59_999);
        assert!(delay_ms(30, 0.0, None) >= 30_000);
    }

    #[test]
    fn honours_retry_after() {
        assert_eq!(delay_ms(0, 0.5, Some(120)), 120_000);
        assert_eq!(delay_ms(0, 0.5, Some(u32::MAX)), 3_600_000);
    }
}
