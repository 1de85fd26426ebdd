//! When a term's share of a week's low answers rose sharply: a new problem this week
//! ("退款" up from 2% to 11%), for the Themes section's note and the `theme.rising` event.

/// Weeks start on Monday (UTC); a week is the UTC day number of its Monday.
pub fn week_of_day(day: i64) -> i64 {
    // Day 0 (1970-01-01) was a Thursday.
    day - (day + 3).rem_euclid(7)
}

/// How many weeks before a week its share is compared with.
pub const WEEKS_BEFORE: i64 = 4;
/// A week's answers that carry a term, at least, for the term to be said to rise.
const MIN_ANSWERS: i64 = 5;
/// The low answers the weeks before must hold, at least, for a rise to mean anything.
const MIN_ANSWERS_BEFORE: i64 = 20;
/// Its share this week, at least.
const MIN_SHARE: f64 = 0.05;
/// How far above chance a rise must be (a two-proportion z-test).
const MIN_Z: f64 = 3.0;

/// A term's low answers this week (`answers` of `low_answers`) and in the weeks before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    pub answers: i64,
    pub low_answers: i64,
    pub answers_before: i64,
    pub low_answers_before: i64,
}

impl Shares {
    pub fn share(&self) -> f64 {
        ratio(self.answers, self.low_answers)
    }
    pub fn share_before(&self) -> f64 {
        ratio(self.answers_before, self.low_answers_before)
    }

    /// A sharp rise: at least five answers and 5% of the week, at least twice the share
    /// before and two points more, and a two-proportion z of 3 or more, over at least 20
    /// low answers before (a new shop's first week rises in nothing).
    pub fn rose_sharply(&self) -> bool {
        let (now, before) = (self.share(), self.share_before());
        if self.answers < MIN_ANSWERS
            || self.low_answers_before < MIN_ANSWERS_BEFORE
            || now < MIN_SHARE
            || now < 2.0 * before + 0.02
        {
            return false;
        }
        let pooled = ratio(
            self.answers + self.answers_before,
            self.low_answers + self.low_answers_before,
        );
        let error =
            (pooled * (1.0 - pooled) * (1.0 / self.low_answers as f64 + 1.0 / self.low_answers_before as f64)).sqrt();
        error > 0.0 && (now - before) / error >= MIN_Z
    }
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole > 0 { part as f64 / whole as f64 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(answers: i64, low_answers: i64, answers_before: i64, low_answers_before: i64) -> Shares {
        Shares {
            answers,
            low_answers,
            answers_before,
            low_answers_before,
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-30 was a Monday: day 20,787.
        assert_eq!(week_of_day(20_787), 20_787);
        assert_eq!(week_of_day(20_793), 20_787);
        assert_eq!(week_of_day(20_794), 20_794);
        assert_eq!(week_of_day(0), -3);
    }

    #[test]
    fn a_jump_from_two_to_eleven_percent_rises_and_noise_does_not() {
        assert!(shares(22, 200, 16, 800).rose_sharply());
        // The same share as before, a little up, or too few answers to tell.
        assert!(!shares(4, 200, 16, 800).rose_sharply());
        assert!(!shares(8, 200, 24, 800).rose_sharply());
        assert!(!shares(4, 10, 0, 800).rose_sharply());
        // Nothing to compare with: a new shop.
        assert!(!shares(30, 100, 0, 10).rose_sharply());
    }
}
