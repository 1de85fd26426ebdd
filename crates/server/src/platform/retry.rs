//! How a transaction that lost a conflict to another is run again: the same few attempts and
//! the same pauses for a whole request (`web::conflict_retry`) and for a job (`db::retrying`).

use std::time::Duration;

/// How many times work that keeps losing conflicts runs at most.
pub const ATTEMPTS: u32 = 8;

/// The pause before attempt `attempt + 1`: 1, 2, 4 … ms (at most 64) and up to as much again
/// at random, so the losers do not collide again in step.
pub fn pause(attempt: u32) -> Duration {
    let base = 1u64 << attempt.min(6);
    Duration::from_micros(base * 1000 + u64::from(super::random::below(1000)) * base)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pauses_grow_and_stop_growing() {
        for attempt in 0..12 {
            let base = 1u64 << attempt.min(6);
            let pause = super::pause(attempt).as_micros() as u64;
            assert!(
                (base * 1000..base * 2000).contains(&pause),
                "attempt {attempt}: {pause} µs"
            );
        }
    }
}
