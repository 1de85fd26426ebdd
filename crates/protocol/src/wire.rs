//! JSON shapes of the HTTP protocol, exactly as they travel. Parse them with `domain`
//! before trusting any field.
//!
//! Over 500 lines: the whole wire format in one place both sides read.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::Locale;

/// `POST /v1/session`: the one bootstrap call of a page view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionRequest {
    /// The site key the host was given (for example `demo`).
    pub site: String,
    /// A random id the widget keeps in the visitor's browser; identifies a browser, not a person.
    pub visitor_id: String,
    /// A token signed by the host's own backend that identifies a logged-in member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_token: Option<String>,
    /// The host's explicit choice (the `locale` attribute); wins over everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The browser's preferences (`navigator.languages`), used after the member token's locale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// The page's origin and path (a query string or fragment is cut off before storing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// A second random id the widget keeps (`moments:device`), never reset with the visitor
    /// id: refer-a-friend's fraud rules know a referrer's own browser by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// Everything the widget needs for one page view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionResponse {
    pub session_id: String,
    /// The locale the server's texts are in, negotiated from the request and the site default.
    pub locale: Locale,
    /// The greeting to show as the visit starts, already in `locale`.
    #[serde(default)]
    pub greeting: Option<String>,
    /// Present when the member token identified a member.
    #[serde(default)]
    pub member: Option<MemberSummary>,
    /// For anonymous visitors on sites with a join page: the badge invites them to join or sign in there.
    #[serde(default)]
    pub join_url: Option<String>,
    /// True when the site shows anonymous visitors no badge (the greeting still shows).
    #[serde(default)]
    pub hide_badge: bool,
    pub feedback: FeedbackSettings,
    /// Gifts waiting to be opened, oldest first. What is inside is told only on claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surprises: Vec<SurpriseOffer>,
    /// The experiment variants whose texts this answer carries (the greeting, the farewell):
    /// the widget reports an exposure when it really shows one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub experiments: Vec<ExperimentAssignment>,
    /// How to earn points on this site, a line each, in `locale` (surprises are never listed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ways_to_earn: Vec<String>,
    /// The rewards a member may spend points on, in the site's order; members only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rewards: Vec<RewardOffer>,
    /// Refer a friend, on sites that have it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<ReferralSettings>,
}

/// Refer a friend as one page view sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReferralSettings {
    /// The query parameter a referral link carries (`ref`): the widget takes it from the
    /// address once, tells the server, and removes it.
    pub param: String,
    /// This member's own link (members only): the shop's URL with the parameter; a path
    /// (`/welcome?ref=…`) is on the page's own origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// What the link brings, in `locale`, shown with it (members only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promise: Option<String>,
    /// Shown with the link right after a promoter's answer (CSAT 5, NPS 9 or 10); absent: the
    /// site (or the farewell experiment variant) does not ask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask: Option<String>,
}

/// What each side gets once the friend's first order is vouched for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReferralOffer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friend_points: Option<i64>,
    /// The friend gets a coupon code (from the site's pool).
    #[serde(default)]
    pub friend_coupon: bool,
    /// The smallest first order that counts, in the shop's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_order_value: Option<f64>,
}

/// `POST /v1/referrals/click`: a visitor arrived through a referral link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReferralClick {
    pub site: String,
    pub visitor_id: String,
    /// The page view's session (the server's own, signed id).
    pub session_id: String,
    /// The link's code.
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The locale of the answer's message (the session's); the site default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// What became of a click: `attributed` (the friend's first order will count) or `refused`
/// with the reason; the offer either way, and what to tell the friend in their locale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReferralClicked {
    /// `attributed` or `refused`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub offer: ReferralOffer,
    /// How long the referral waits for the first order (ms since the Unix epoch).
    pub expires_at: i64,
    /// What the widget shows the friend, in the click's locale.
    pub message: String,
}

/// A reward of the site's catalog as one member sees it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RewardOffer {
    pub key: String,
    /// In the session's locale.
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Points it costs.
    pub cost: i64,
    /// Points the member still lacks (0: they can afford it).
    pub points_needed: i64,
    /// The tier it needs, named in the session's locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tier: Option<String>,
    /// Why it cannot be redeemed now besides the points: `tier_too_low`, `sold_out` or
    /// `limit_reached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// `POST /v1/rewards/{key}/redeem`: a member spends points on a reward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RedeemRequest {
    pub site: String,
    pub visitor_id: String,
    /// The session it happens in (the server's own, signed id).
    pub session_id: String,
    /// The member's token: only members redeem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_token: Option<String>,
    /// Made by the widget once per redemption and sent again with every retry: the same key
    /// gives the same code and debits once.
    pub idempotency_key: String,
    /// The locale of the texts in the answer; the site default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// A reward redeemed: its code and the member's points after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Redeemed {
    pub redemption: Redemption,
    pub member: MemberSummary,
}

/// A reward a member redeemed, with its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Redemption {
    pub reward: String,
    /// In the requested locale.
    pub title: String,
    /// The code to use at the shop's checkout.
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_to_use: Option<String>,
    /// Points it cost.
    pub points: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
}

/// Where an experiment's message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Greeting,
    Farewell,
}

impl Slot {
    pub fn name(self) -> &'static str {
        match self {
            Slot::Greeting => "greeting",
            Slot::Farewell => "farewell",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "greeting" => Some(Slot::Greeting),
            "farewell" => Some(Slot::Farewell),
            _ => None,
        }
    }
}

/// The variant of an experiment a visitor was assigned, for the slot it fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExperimentAssignment {
    pub experiment: String,
    pub variant: String,
    pub slot: Slot,
}

/// A surprise given to this visitor or member and not yet claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SurpriseOffer {
    pub id: String,
    /// Milliseconds since the Unix epoch; after it the surprise cannot be claimed.
    pub expires_at: i64,
}

/// `POST /v1/surprises/{id}/claim`: who is opening the gift. A gift given to a member is
/// opened only with that member's token; one given to an anonymous visitor, by that visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ClaimRequest {
    pub site: String,
    pub visitor_id: String,
    /// The session the gift is opened in (the server's own, signed id).
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_token: Option<String>,
    /// The locale of the texts in the answer (the session's); the site default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// What was inside. A repeated claim answers 409 `already_claimed` with the same body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ClaimedSurprise {
    pub id: String,
    pub reward: Reward,
    /// The site's words for this gift, in the requested locale; the widget has a default.
    #[serde(default)]
    pub message: Option<String>,
    /// The member's standing after the claim (points credited), for the badge.
    #[serde(default)]
    pub member: Option<MemberSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reward {
    /// Points credited to the member's ledger on claim.
    Points { points: i64 },
    /// A code from the site's coupon pool, given to this member only.
    Coupon { code: String },
    /// A thank-you, nothing more.
    Message,
}

/// A 409 `already_claimed`: the error, and the reward as the first claim gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlreadyClaimed {
    pub error: ErrorDetail,
    pub claimed: ClaimedSurprise,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberSummary {
    #[serde(default)]
    pub name: Option<String>,
    /// Current balance, derived from the points ledger.
    pub points: i64,
    /// Every point ever earned (redemptions do not lower it); tiers follow it.
    pub lifetime_points: i64,
    #[serde(default)]
    pub tier: Option<TierStatus>,
    /// True on the first session since the member reached `tier`: celebrate it, once.
    #[serde(default)]
    pub tier_up: bool,
    /// The newest ledger entries, newest first (at most `limits::RECENT_LEDGER_ENTRIES`).
    #[serde(default)]
    pub recent: Vec<LedgerEntry>,
    /// The newest rewards redeemed and their codes, newest first (at most
    /// `limits::RECENT_LEDGER_ENTRIES`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redeemed: Vec<Redemption>,
    /// Points that expire soon (shown from 30 days before), unless the member earns or
    /// spends before then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiring: Option<PointsExpiring>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PointsExpiring {
    pub points: i64,
    /// When, in milliseconds since the Unix epoch.
    pub on: i64,
}

/// One line of a member's points history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LedgerEntry {
    /// Points added (positive) or redeemed (negative).
    pub delta: i64,
    pub reason: String,
    /// When the entry was made, in milliseconds since the Unix epoch.
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TierStatus {
    /// In the session's locale when the site names its tiers per locale.
    pub name: String,
    /// Lifetime points at which this tier starts.
    pub threshold: i64,
    /// The next tier up and how many more lifetime points reach it; absent at the top tier.
    #[serde(default)]
    pub next: Option<NextTier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NextTier {
    pub name: String,
    pub threshold: i64,
    /// Lifetime points still needed to reach it.
    pub points_needed: i64,
}

impl TierStatus {
    /// How far from this tier to the next, 0 to 1 (1 at the top tier).
    pub fn progress(&self, lifetime_points: i64) -> f64 {
        match &self.next {
            Some(next) if next.threshold > self.threshold => {
                let done = (lifetime_points - self.threshold) as f64 / (next.threshold - self.threshold) as f64;
                done.clamp(0.0, 1.0)
            }
            _ => 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeedbackSettings {
    pub enabled: bool,
    pub scale: Scale,
    /// Whether to ask this visitor at the end of this session: they are in the site's sample
    /// and have not answered within its cooldown.
    pub ask: bool,
    /// The site's own question, in `locale`; the widget's catalog has a default.
    #[serde(default)]
    pub question: Option<String>,
    /// Said as the session ends, above the question.
    #[serde(default)]
    pub farewell: Option<String>,
    /// Shown at once after a low answer, with `follow_up`; the catalog has defaults.
    #[serde(default)]
    pub apology: Option<String>,
    #[serde(default)]
    pub follow_up: Option<String>,
    /// Points a member gets as a goodwill gesture after a low answer, when the site gives
    /// them and the member has not had them within the site's recovery cooldown.
    #[serde(default)]
    pub recovery_points: Option<i64>,
}

/// How a feedback answer is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Five faces, 1 (very unhappy) to 5 (very happy).
    #[default]
    Csat5,
    /// Net Promoter Score, 0 to 10.
    Nps,
    /// Thumbs down (0) or up (1).
    Thumbs,
}

impl Scale {
    pub fn range(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Scale::Csat5 => 1..=5,
            Scale::Nps => 0..=10,
            Scale::Thumbs => 0..=1,
        }
    }

    pub const ALL: [Scale; 3] = [Scale::Csat5, Scale::Nps, Scale::Thumbs];

    /// The wire name (`csat5`, `nps`, `thumbs`).
    pub fn name(self) -> &'static str {
        match self {
            Scale::Csat5 => "csat5",
            Scale::Nps => "nps",
            Scale::Thumbs => "thumbs",
        }
    }

    pub fn from_name(name: &str) -> Option<Scale> {
        Scale::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// `POST /v1/events`. Generic over the event type so a server can read each event on its
/// own and refuse one bad event without losing the rest of the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventBatch<E = Event> {
    pub site: String,
    pub visitor_id: String,
    /// The session the events happened in; the server takes member identity from it.
    pub session_id: String,
    pub events: Vec<E>,
}

/// One thing that happened, with a UUID made by the client when it happened, so resending
/// is harmless: the server stores each id once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A one-tap answer to the feedback prompt, with an optional comment.
    Feedback {
        id: String,
        /// Milliseconds since the Unix epoch, by the visitor's clock.
        at: f64,
        scale: Scale,
        score: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
        /// What the visit was about, as the host said (`setContext`): a ticket, an agent, a topic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<std::collections::BTreeMap<String, String>>))]
        context: Option<crate::context::Entries>,
    },
    /// A comment the visitor added after their one-tap answer; stored with that answer.
    Comment {
        id: String,
        at: f64,
        /// The `id` of the feedback event it belongs to.
        feedback_id: String,
        comment: String,
    },
    /// The visitor closed the feedback prompt without answering.
    Dismiss { id: String, at: f64 },
    /// An event the host tracked (`element.track(name, {value, proof})`).
    Track {
        id: String,
        at: f64,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
        /// A JWT the host's backend signed to vouch for this event; without one, the event
        /// counts in reports and may bring a thank-you, nothing of value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<String>,
    },
    /// An experiment's message was really shown to the visitor (counted once per visitor).
    Exposure {
        id: String,
        at: f64,
        experiment: String,
        variant: String,
    },
}

impl Event {
    pub fn id(&self) -> &str {
        match self {
            Event::Feedback { id, .. }
            | Event::Comment { id, .. }
            | Event::Dismiss { id, .. }
            | Event::Track { id, .. }
            | Event::Exposure { id, .. } => id,
        }
    }
}

/// The answer to a batch: every event is either stored now, was stored before, or refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventsResponse {
    /// Events stored by this request.
    pub accepted: u32,
    /// Events whose id was already stored: nothing changed.
    pub duplicates: u32,
    /// Events refused, by position in the batch, with the reason.
    pub rejected: Vec<RejectedEvent>,
    /// Gifts earned by this batch's tracked events, to reveal at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surprises: Vec<SurpriseOffer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RejectedEvent {
    pub index: u32,
    #[serde(default)]
    pub id: Option<String>,
    pub error: ErrorDetail,
}

/// Every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorDetail {
    /// Stable, documented, machine-readable.
    pub code: String,
    /// For the developer reading logs; never shown to visitors.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Claim answers, decoded by the widget's reader too (tests/browser.rs).
    #[test]
    fn claimed_surprise_fixture() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../fixtures/claimed_surprises.json")).unwrap();
        for doc in fixture["valid"].as_array().unwrap() {
            let parsed: ClaimedSurprise = serde_json::from_value(doc.clone()).unwrap();
            assert_eq!(&serde_json::to_value(&parsed).unwrap(), doc);
        }
        for doc in fixture["invalid"].as_array().unwrap() {
            assert!(
                serde_json::from_value::<ClaimedSurprise>(doc.clone()).is_err(),
                "accepted {doc}"
            );
        }
    }

    /// The widget decodes these same documents with its own reader (tests/browser.rs): both
    /// sides must accept the valid ones, identically, and refuse the invalid ones.
    #[test]
    fn session_response_fixture() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../fixtures/session_responses.json")).unwrap();
        for doc in fixture["valid"].as_array().unwrap() {
            let parsed: SessionResponse = serde_json::from_value(doc.clone()).unwrap();
            assert_eq!(&serde_json::to_value(&parsed).unwrap(), doc);
        }
        for doc in fixture["invalid"].as_array().unwrap() {
            assert!(
                serde_json::from_value::<SessionResponse>(doc.clone()).is_err(),
                "accepted {doc}"
            );
        }
    }

    /// Redemption answers, decoded by the widget's reader too (tests/browser.rs).
    #[test]
    fn redeemed_fixture() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!("../fixtures/redeemed.json")).unwrap();
        for doc in fixture["valid"].as_array().unwrap() {
            let parsed: Redeemed = serde_json::from_value(doc.clone()).unwrap();
            assert_eq!(&serde_json::to_value(&parsed).unwrap(), doc);
        }
        for doc in fixture["invalid"].as_array().unwrap() {
            assert!(
                serde_json::from_value::<Redeemed>(doc.clone()).is_err(),
                "accepted {doc}"
            );
        }
    }

    #[test]
    fn tier_progress_runs_from_this_threshold_to_the_next() {
        let silver = TierStatus {
            name: "Silver".into(),
            threshold: 500,
            next: Some(NextTier {
                name: "Gold".into(),
                threshold: 1500,
                points_needed: 200,
            }),
        };
        assert_eq!(silver.progress(500), 0.0);
        assert_eq!(silver.progress(1300), 0.8);
        assert_eq!(silver.progress(9_999), 1.0);
        assert_eq!(silver.progress(-3), 0.0);
        assert_eq!(TierStatus { next: None, ..silver }.progress(1), 1.0);
    }
}
