use moments_protocol::wire::TierStatus;

/// The way from the member's tier to the next, 0 to 100, for a `<progress>` element (whose
/// width needs no inline style, which a strict CSP would block).
pub fn percent(tier: &TierStatus, lifetime_points: i64) -> String {
    moments_protocol::text::decimal((tier.progress(lifetime_points) * 100.0).round() as i64)
}
