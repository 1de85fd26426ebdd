//! A surprise rule in its checked form: what earns the gift, what it is, and its limits.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use moments_protocol::Locale;
use moments_protocol::domain::is_valid_key;
use moments_protocol::limits::{MAX_POINTS_DELTA, MAX_POINTS_REASON_LEN, MAX_TRACK_NAME_LEN};

use crate::config::{MAX_HOLDOUT, SurpriseRuleSettings};
use crate::platform::clock::DAY_MS;

#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A chance per session.
    Random { probability: f64 },
    /// Every Nth session of the recipient.
    NthVisit { every: u32 },
    /// On the member's birthday or within `within_days` after it, once a year.
    Birthday { within_days: u32 },
    /// Once, when lifetime points reach `threshold`.
    Milestone { threshold: i64 },
    /// A tracked event with this name and at least this value.
    AfterEvent { name: String, min_value: Option<f64> },
    /// Only staff give it, through the admin API.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewardSpec {
    Points(i64),
    Coupon { pool: String },
    Message,
}

impl RewardSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            RewardSpec::Points(_) => "points",
            RewardSpec::Coupon { .. } => "coupon",
            RewardSpec::Message => "message",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurpriseRule {
    pub key: String,
    pub trigger: Trigger,
    pub reward: RewardSpec,
    /// Milliseconds a recipient waits before this rule gives them another gift (0: no cap).
    pub cap_ms: i64,
    pub daily_limit: i64,
    pub daily_points: i64,
    pub expires_ms: i64,
    pub message: BTreeMap<String, String>,
    pub reason: String,
    /// The share held out (0: none); see `held_out`.
    pub holdout: f64,
}

const DEFAULT_EXPIRY_DAYS: u32 = 30;
const DEFAULT_BIRTHDAY_WINDOW_DAYS: u32 = 30;
pub const DEFAULT_REASON: &str = "A surprise from us";

impl SurpriseRule {
    pub fn parse(s: &SurpriseRuleSettings) -> anyhow::Result<Self> {
        if !is_valid_key(&s.key) {
            bail!("key: 1 to 64 letters, digits, '-' or '_'");
        }
        let needs = |what: &str| format!("trigger {:?} needs {what}", s.trigger);
        let trigger = match s.trigger.as_str() {
            "random" => {
                let probability = s.probability.with_context(|| needs("probability"))?;
                if !(0.0..=1.0).contains(&probability) {
                    bail!("probability must be between 0 and 1");
                }
                Trigger::Random { probability }
            }
            "nth_visit" => match s.every.with_context(|| needs("every"))? {
                0 => bail!("every must be 1 or more"),
                every => Trigger::NthVisit { every },
            },
            "birthday" => Trigger::Birthday {
                within_days: s.within_days.unwrap_or(DEFAULT_BIRTHDAY_WINDOW_DAYS).min(365),
            },
            "milestone" => match s.threshold.with_context(|| needs("threshold"))? {
                t if t <= 0 => bail!("threshold must be above 0"),
                threshold => Trigger::Milestone { threshold },
            },
            "after_event" => {
                let name = s.event.clone().with_context(|| needs("event"))?;
                if name.is_empty() || name.chars().count() > MAX_TRACK_NAME_LEN {
                    bail!("event: 1 to {MAX_TRACK_NAME_LEN} characters");
                }
                Trigger::AfterEvent {
                    name,
                    min_value: s.min_value.filter(|v| v.is_finite()),
                }
            }
            "manual" => Trigger::Manual,
            other => bail!("trigger {other:?}: use random, nth_visit, birthday, milestone, after_event or manual"),
        };
        let reward = match s.reward.as_str() {
            "points" => match s.points.context("reward \"points\" needs points")? {
                p if (1..=MAX_POINTS_DELTA).contains(&p) => RewardSpec::Points(p),
                _ => bail!("points must be 1 to {MAX_POINTS_DELTA}"),
            },
            "coupon" => {
                let pool = s.coupon_pool.clone().context("reward \"coupon\" needs coupon_pool")?;
                if !is_valid_key(&pool) {
                    bail!("coupon_pool: 1 to 64 letters, digits, '-' or '_'");
                }
                RewardSpec::Coupon { pool }
            }
            "message" => RewardSpec::Message,
            other => bail!("reward {other:?}: use points, coupon or message"),
        };
        for tag in s.message.keys() {
            if Locale::from_tag(tag).map(Locale::tag) != Some(tag.as_str()) {
                bail!("message locale {tag:?}: use one of en, zh-CN, zh-TW");
            }
        }
        let reason = s.reason.clone().unwrap_or_else(|| DEFAULT_REASON.into());
        if reason.trim().is_empty() || reason.chars().count() > MAX_POINTS_REASON_LEN {
            bail!("reason: 1 to {MAX_POINTS_REASON_LEN} characters");
        }
        if !(0.0..=MAX_HOLDOUT).contains(&s.holdout) {
            bail!("holdout must be between 0 and {MAX_HOLDOUT}");
        }
        if s.holdout > 0.0 && s.trigger == "manual" {
            bail!("holdout: a manual rule is given by staff on purpose, nothing to hold out");
        }
        if s.daily_points.is_some_and(|p| p < 0) {
            bail!("daily_points must be 0 or more");
        }
        // Gifts of value need a ceiling per member and per day, or one rule can empty the till.
        if reward != RewardSpec::Message {
            if s.cap_days == 0 {
                bail!(
                    "a {} rule needs cap_days of 1 or more (how often one member may get it)",
                    reward.kind()
                );
            }
            let budget = match reward {
                RewardSpec::Points(_) => s.daily_limit.is_some() || s.daily_points.is_some(),
                _ => s.daily_limit.is_some(),
            };
            if !budget {
                bail!(
                    "a {} rule needs a daily budget: daily_limit{}",
                    reward.kind(),
                    if reward.kind() == "points" {
                        " or daily_points"
                    } else {
                        ""
                    }
                );
            }
        }
        Ok(Self {
            key: s.key.clone(),
            trigger,
            reward,
            cap_ms: i64::from(s.cap_days) * DAY_MS,
            daily_limit: s.daily_limit.map_or(i64::MAX, i64::from),
            daily_points: s.daily_points.unwrap_or(i64::MAX),
            expires_ms: i64::from(s.expires_days.unwrap_or(DEFAULT_EXPIRY_DAYS).max(1)) * DAY_MS,
            message: s.message.clone(),
            reason,
            holdout: s.holdout,
        })
    }

    /// The friend's coupon of refer-a-friend: given once per completed referral, which the
    /// referral rules (caps, review) limit; no budget of its own.
    pub fn referral_gift(pool: &str, message: &BTreeMap<String, String>) -> Self {
        Self {
            key: crate::features::referrals::GIFT_RULE.to_owned(),
            trigger: Trigger::Manual,
            reward: RewardSpec::Coupon { pool: pool.to_owned() },
            cap_ms: 0,
            daily_limit: i64::MAX,
            daily_points: i64::MAX,
            expires_ms: i64::from(DEFAULT_EXPIRY_DAYS) * DAY_MS,
            message: message.clone(),
            reason: "A welcome from your friend".to_owned(),
            holdout: 0.0,
        }
    }

    /// Points and coupons are worth something: they go to members only, and only for what
    /// the host vouched for. A thank-you is free to give.
    pub fn gives_value(&self) -> bool {
        self.reward != RewardSpec::Message
    }

    /// The coupon pool the gift comes from, if it is a coupon.
    pub fn coupon_pool(&self) -> Option<&str> {
        match &self.reward {
            RewardSpec::Coupon { pool } => Some(pool),
            _ => None,
        }
    }

    pub fn points(&self) -> Option<i64> {
        match self.reward {
            RewardSpec::Points(points) => Some(points),
            _ => None,
        }
    }

    /// The words for `locale`, else the site default's, else English.
    pub fn message_in(&self, locale: Locale, default: Locale) -> Option<String> {
        [locale, default, Locale::En]
            .into_iter()
            .find_map(|l| self.message.get(l.tag()))
            .cloned()
    }

    /// Whether this recipient (`m:<member>` or `v:<visitor>`) is in the rule's holdout: the
    /// experiments' hash of the rule and the recipient, so every server and every visit agree.
    pub fn held_out(&self, recipient: &str) -> bool {
        crate::features::experiments::assignment::in_holdout(&format!("surprise:{}", self.key), recipient, self.holdout)
    }

    /// Whether a tracked event earns this rule's gift.
    pub fn matches_event(&self, name: &str, value: Option<f64>) -> bool {
        match &self.trigger {
            Trigger::AfterEvent {
                name: wanted,
                min_value,
            } => wanted == name && min_value.is_none_or(|min| value.is_some_and(|v| v >= min)),
            _ => false,
        }
    }
}

/// The birthday occasion a visit on `today` falls in, if any: the year of the birthday
/// (`MM-DD`) that was at most `within_days` ago. Born on 29 February: 1 March in other years.
pub fn birthday_occasion(birthday_mm_dd: &str, today: time::Date, within_days: u32) -> Option<i32> {
    let (month, day) = birthday_mm_dd.split_once('-')?;
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    let day: u8 = day.parse().ok()?;
    [today.year(), today.year() - 1].into_iter().find(|&year| {
        let date = time::Date::from_calendar_date(year, month, day)
            .or_else(|_| time::Date::from_calendar_date(year, time::Month::March, 1))
            .ok();
        date.is_some_and(|d| d <= today && (today - d).whole_days() <= i64::from(within_days))
    })
}

#[cfg(test)]
mod tests;
