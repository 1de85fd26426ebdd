//! Building short texts without `format!`: the widget shares these rules, and `core::fmt`
//! costs its download a couple of KiB when anything on its paths formats.

/// The parts, one after the other.
pub fn cat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// `n` in decimal digits, with a leading `-` when negative.
pub fn decimal(n: i64) -> String {
    let mut digits = [0u8; 20];
    let mut rest = n.unsigned_abs();
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut text = String::with_capacity(21);
    if n < 0 {
        text.push('-');
    }
    text.extend(digits[start..].iter().map(|&d| d as char));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_writes_what_display_writes() {
        for n in [0, 7, -7, 10, 99, 100, 1_234_567, -1_000, i64::MAX, i64::MIN] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn cat_joins_in_order() {
        assert_eq!(cat(&["moments-", "reward", "-", &decimal(3)]), "moments-reward-3");
        assert_eq!(cat(&[]), "");
    }
}
