//! Refer a friend: what each side gets for the friend's first vouched-for order, and the
//! limits that keep the program from paying for self-referrals and aliases.

use std::collections::BTreeMap;

use anyhow::bail;
use moments_protocol::domain::is_valid_key;
use moments_protocol::limits::{MAX_POINTS_DELTA, MAX_TRACK_NAME_LEN};
use serde::Deserialize;

/// Which click a friend counts for when two links reached them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribution {
    /// The first link keeps the friend; later ones are refused (`claimed_by_another`).
    #[default]
    FirstClick,
    /// A later link takes over a friend still waiting for their first order.
    LastClick,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReferralConfig {
    pub enabled: bool,
    /// The query parameter of a referral link.
    pub param: String,
    /// The shop's page a link opens (http or https, or a path such as `/welcome` on the page's
    /// own origin); the parameter is added to it.
    pub share_url: Option<String>,
    /// A click waits this many days for the friend's first order.
    pub window_days: u32,
    /// The vouched-for event that is an order (`purchase`).
    pub order_event: String,
    /// The smallest first order that completes a referral.
    pub min_order_value: Option<f64>,
    pub referrer_points: i64,
    pub friend_points: i64,
    /// The friend gets a code from this coupon pool (with or instead of points).
    pub friend_coupon_pool: Option<String>,
    /// Completions one referrer may be paid for in 30 days; more are refused.
    pub monthly_cap: u32,
    /// Completions for one referrer from one client address in 7 days; more are refused.
    pub address_weekly_limit: u32,
    pub attribution: Attribution,
    /// A first order of at least this value waits for staff review instead of paying at once.
    pub review_above_value: Option<f64>,
    /// A referrer's completions in 24 hours from which the next waits for review.
    pub review_velocity: Option<u32>,
    /// The farewell offers the member's link right after a promoter's answer (a farewell
    /// experiment variant's `share` decides instead, while one runs).
    pub ask_promoters: bool,
    /// The friend coupon's message per locale tag, shown when it is opened.
    pub friend_message: BTreeMap<String, String>,
}

impl Default for ReferralConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            param: "ref".into(),
            share_url: None,
            window_days: 30,
            order_event: "purchase".into(),
            min_order_value: None,
            referrer_points: 0,
            friend_points: 0,
            friend_coupon_pool: None,
            monthly_cap: 10,
            address_weekly_limit: 3,
            attribution: Attribution::FirstClick,
            review_above_value: None,
            review_velocity: None,
            ask_promoters: true,
            friend_message: BTreeMap::new(),
        }
    }
}

impl ReferralConfig {
    pub fn check(&self) -> anyhow::Result<()> {
        if !is_valid_key(&self.param) || self.param.len() > 32 {
            bail!("referrals.param: 1 to 32 letters, digits, '-' or '_'");
        }
        if self.order_event.is_empty() || self.order_event.chars().count() > MAX_TRACK_NAME_LEN {
            bail!("referrals.order_event: 1 to {MAX_TRACK_NAME_LEN} characters");
        }
        if !(1..=365).contains(&self.window_days) {
            bail!("referrals.window_days must be 1 to 365");
        }
        for (name, points) in [
            ("referrer_points", self.referrer_points),
            ("friend_points", self.friend_points),
        ] {
            if !(0..=MAX_POINTS_DELTA).contains(&points) {
                bail!("referrals.{name} must be 0 to {MAX_POINTS_DELTA}");
            }
        }
        if let Some(pool) = &self.friend_coupon_pool
            && !is_valid_key(pool)
        {
            bail!("referrals.friend_coupon_pool: 1 to 64 letters, digits, '-' or '_'");
        }
        for value in [self.min_order_value, self.review_above_value].into_iter().flatten() {
            if !(value.is_finite() && value >= 0.0) {
                bail!("referrals.min_order_value and review_above_value are 0 or more");
            }
        }
        if !self.enabled {
            return Ok(());
        }
        match &self.share_url {
            Some(url)
                if (url.starts_with("https://")
                    || url.starts_with("http://")
                    || (url.starts_with('/') && !url.starts_with("//")))
                    && url.len() <= 2_000 => {}
            _ => bail!(
                "referrals.enabled needs referrals.share_url: the shop's page a link opens (an http or https URL, or a path)"
            ),
        }
        if self.referrer_points == 0 && self.friend_points == 0 && self.friend_coupon_pool.is_none() {
            bail!("referrals.enabled needs a reward: referrer_points, friend_points or friend_coupon_pool");
        }
        if self.monthly_cap == 0 || self.address_weekly_limit == 0 {
            bail!("referrals.monthly_cap and address_weekly_limit must be 1 or more");
        }
        Ok(())
    }
}
