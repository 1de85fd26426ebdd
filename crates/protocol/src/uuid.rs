//! Event and session ids are UUIDs in canonical text form. The widget makes them from
//! `crypto.getRandomValues` bytes; both sides check the form with the same code.

/// Formats 16 random bytes as a version-4 UUID (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
pub fn v4_from_bytes(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0x0f) as usize] as char);
    }
    out
}

/// True for a canonical lowercase hyphenated UUID of any version.
pub fn is_canonical(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_version_and_variant_bits() {
        let id = v4_from_bytes([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(is_canonical(&id));
        assert_eq!(v4_from_bytes([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn refuses_non_canonical_forms() {
        for bad in [
            "",
            "ffffffff-ffff-4fff-bfff-fffffffffff",
            "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF",
            "ffffffffffff4fffbfffffffffffffffffff",
            "{fffffff-ffff-4fff-bfff-ffffffffffff}",
            "gfffffff-ffff-4fff-bfff-ffffffffffff",
        ] {
            assert!(!is_canonical(bad), "{bad:?} accepted");
        }
    }
}
