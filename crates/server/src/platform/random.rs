//! The one source of randomness: the operating system's (through `uuid`'s v4, which reads
//! getrandom). Secrets, tokens, jitter and seeds all come from here, so there is one thing to
//! check when asking whether something is guessable.

/// 32 bytes for a secret (244 of the 256 bits random: two v4 UUIDs).
pub fn secret_bytes() -> Vec<u8> {
    [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|u| *u.as_bytes())
        .collect()
}

/// A token for a cookie or a form: 64 hex characters.
pub fn token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// A number in `0..n` (`n` above 0), for jitter.
pub fn below(n: u32) -> u32 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(n.max(1))) as u32
}

/// A seed for a fast generator.
pub fn seed() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().0
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_differ_and_stay_in_range() {
        assert_ne!(super::token(), super::token());
        assert_eq!(super::token().len(), 64);
        assert_eq!(super::secret_bytes().len(), 32);
        assert!((0..1_000).all(|_| super::below(7) < 7));
    }
}
