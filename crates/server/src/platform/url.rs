//! Values put into URLs: the dashboard's links and the links webhooks carry.

/// A value for a URL's path or query: unreserved characters (and `/`) as they are, the rest
/// percent-encoded.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
