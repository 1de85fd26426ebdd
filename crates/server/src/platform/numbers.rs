//! Numbers as people read them.

/// `1240` as `1,240`: English and Chinese (simplified and traditional) all group thousands
/// with commas, so one rule serves every locale Moments speaks.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn points_are_grouped_by_thousands() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (1_240, "1,240"),
            (-60, "-60"),
            (1_234_567, "1,234,567"),
            (-1_000, "-1,000"),
        ];
        for (n, text) in cases {
            assert_eq!(super::group_thousands(n), text);
        }
    }
}
