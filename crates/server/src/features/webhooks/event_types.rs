//! What each webhook event says: the `data` of `{ "type", "timestamp", "data" }`. These types
//! are the OpenAPI document's schemas too, with an example each.

use serde::{Deserialize, Serialize};

/// The kinds of event an endpoint may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    #[serde(rename = "feedback.received")]
    FeedbackReceived,
    #[serde(rename = "recovery.opened")]
    RecoveryOpened,
    #[serde(rename = "recovery.resolved")]
    RecoveryResolved,
    #[serde(rename = "surprise.given")]
    SurpriseGiven,
    #[serde(rename = "surprise.claimed")]
    SurpriseClaimed,
    #[serde(rename = "member.tier_changed")]
    MemberTierChanged,
    #[serde(rename = "points.changed")]
    PointsChanged,
    #[serde(rename = "experiment.stopped")]
    ExperimentStopped,
    #[serde(rename = "audit.recorded")]
    AuditRecorded,
    #[serde(rename = "referral.clicked")]
    ReferralClicked,
    #[serde(rename = "referral.completed")]
    ReferralCompleted,
    #[serde(rename = "referral.refused")]
    ReferralRefused,
    #[serde(rename = "theme.rising")]
    ThemeRising,
}

impl EventType {
    pub const ALL: [EventType; 13] = [
        EventType::FeedbackReceived,
        EventType::RecoveryOpened,
        EventType::RecoveryResolved,
        EventType::SurpriseGiven,
        EventType::SurpriseClaimed,
        EventType::MemberTierChanged,
        EventType::PointsChanged,
        EventType::ExperimentStopped,
        EventType::AuditRecorded,
        EventType::ReferralClicked,
        EventType::ReferralCompleted,
        EventType::ReferralRefused,
        EventType::ThemeRising,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventType::FeedbackReceived => "feedback.received",
            EventType::RecoveryOpened => "recovery.opened",
            EventType::RecoveryResolved => "recovery.resolved",
            EventType::SurpriseGiven => "surprise.given",
            EventType::SurpriseClaimed => "surprise.claimed",
            EventType::MemberTierChanged => "member.tier_changed",
            EventType::PointsChanged => "points.changed",
            EventType::ExperimentStopped => "experiment.stopped",
            EventType::AuditRecorded => "audit.recorded",
            EventType::ReferralClicked => "referral.clicked",
            EventType::ReferralCompleted => "referral.completed",
            EventType::ReferralRefused => "referral.refused",
            EventType::ThemeRising => "theme.rising",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The type of the event the admin API's "send a test event" sends, to that endpoint only.
pub const TEST_EVENT: &str = "webhook.test";

/// An experiment and the variant the visitor saw before answering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SeenVariant {
    pub experiment: String,
    pub variant: String,
}

/// `feedback.received`: a visitor answered. Sent again, with `comment`, when they add a
/// comment to the answer afterwards: keep one record per `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": "0b6f5c3e-2f7a-4f8e-9a51-3d2f0c9e8b11", "site": "shop", "scale": "csat5", "score": 1,
    "low": true, "comment": "The delivery came a week late.", "page": "/checkout/done",
    "variants": [{ "experiment": "greeting-warmth", "variant": "warm" }],
    "member_id": "cus_8812", "visitor_id": "v-7c1f0e", "context": { "ticket": "T-4411" },
    "received_at": 1764567000000_i64, "case_id": 418,
    "dashboard_url": "https://moments.example.com/dashboard/shop/recovery#case-418"
}))]
pub struct FeedbackReceived {
    /// The answer's id (the widget made it); the same in the recovery case.
    pub id: String,
    pub site: String,
    /// `csat5` (1 to 5), `nps` (0 to 10) or `thumbs` (0 or 1).
    pub scale: String,
    pub score: i64,
    /// A low answer for its scale, which opens a recovery case.
    pub low: bool,
    pub comment: Option<String>,
    /// The path of the page the visit was on (no query string: it may name a person).
    pub page: Option<String>,
    /// The experiments' variants the visitor saw before answering.
    pub variants: Vec<SeenVariant>,
    /// Set when the host's backend vouched for the visitor (a member token).
    pub member_id: Option<String>,
    pub visitor_id: String,
    /// What the visit was about, as the host page said (`setContext`).
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Value>,
    /// Milliseconds since the Unix epoch.
    pub received_at: i64,
    /// The recovery case a low answer opened.
    pub case_id: Option<i64>,
    /// That case on the dashboard.
    pub dashboard_url: Option<String>,
}

/// `recovery.opened`: a low answer opened a service-recovery case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "case_id": 418, "site": "shop", "feedback_id": "0b6f5c3e-2f7a-4f8e-9a51-3d2f0c9e8b11", "scale": "csat5",
    "score": 1, "comment": null, "page": "/checkout/done", "member_id": "cus_8812", "visitor_id": "v-7c1f0e", "goodwill_points": 50,
    "opened_at": 1764567000000_i64, "dashboard_url": "https://moments.example.com/dashboard/shop/recovery#case-418"
}))]
pub struct RecoveryOpened {
    pub case_id: i64,
    pub site: String,
    pub feedback_id: String,
    pub scale: String,
    pub score: i64,
    /// The answer's comment, when it came with one (a later comment comes as `feedback.received`).
    pub comment: Option<String>,
    /// The path of the page the visit was on.
    pub page: Option<String>,
    pub member_id: Option<String>,
    pub visitor_id: String,
    /// Goodwill points the member was given with it.
    pub goodwill_points: Option<i64>,
    pub opened_at: i64,
    /// The case on the dashboard.
    pub dashboard_url: Option<String>,
}

/// `recovery.resolved`: staff closed a case with a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "case_id": 418, "site": "shop", "feedback_id": "0b6f5c3e-2f7a-4f8e-9a51-3d2f0c9e8b11",
    "note": "Called her; refunded the shipping.", "resolved_at": 1764570600000_i64,
    "dashboard_url": "https://moments.example.com/dashboard/shop/recovery#case-418"
}))]
pub struct RecoveryResolved {
    pub case_id: i64,
    pub site: String,
    pub feedback_id: String,
    pub note: String,
    pub resolved_at: i64,
    pub dashboard_url: Option<String>,
}

/// `surprise.given` and `surprise.claimed`: a gift was given, or its recipient opened it.
/// `coupon_code` is there only for endpoints that opted in (`include_coupon_codes`): a code
/// is money to whoever reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": "5d0c1c1e-51a4-4b0e-8a43-1f7f0b1a9e02", "site": "shop", "rule": "big-order-thanks", "kind": "coupon",
    "points": null, "member_id": "cus_8812", "visitor_id": null, "given_at": 1764567000000_i64,
    "expires_at": 1767159000000_i64, "claimed_at": null
}))]
pub struct Surprise {
    pub id: String,
    pub site: String,
    /// The surprise rule that gave it.
    pub rule: String,
    /// `points`, `coupon` or `message`.
    pub kind: String,
    pub points: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
    pub member_id: Option<String>,
    pub visitor_id: Option<String>,
    pub given_at: i64,
    pub expires_at: i64,
    pub claimed_at: Option<i64>,
}

/// `points.changed`: an entry in a member's points ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "site": "shop", "member_id": "cus_8812", "entry_id": 9921, "delta": 120, "reason": "Order #1042",
    "balance": 860, "at": 1764567000000_i64
}))]
pub struct PointsChanged {
    pub site: String,
    pub member_id: String,
    pub entry_id: i64,
    pub delta: i64,
    /// What the member reads in their history.
    pub reason: String,
    /// The balance right after this entry.
    pub balance: Option<i64>,
    pub at: i64,
}

/// `member.tier_changed`: a member's lifetime points reached another tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "site": "shop", "member_id": "cus_8812", "from": "Silver", "to": "Gold", "lifetime_points": 1020,
    "at": 1764567000000_i64
}))]
pub struct TierChanged {
    pub site: String,
    pub member_id: String,
    /// The tier before, if they had one.
    pub from: Option<String>,
    pub to: String,
    pub lifetime_points: i64,
    pub at: i64,
}

/// `experiment.stopped`: an experiment ended, shipping one variant to everyone (or none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({ "site": "shop", "experiment": "greeting-warmth", "shipped": "warm", "stopped_at": 1764567000000_i64 }))]
pub struct ExperimentStopped {
    pub site: String,
    pub experiment: String,
    /// The variant everyone sees from now on; none: the control's texts.
    pub shipped: Option<String>,
    pub stopped_at: i64,
}

/// `audit.recorded`: a change was made through the admin API or the dashboard (for a SIEM).
/// The audit trail's row, as `GET /v1/admin/sites/{site}/audit` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema, sqlx::FromRow)]
#[schema(example = json!({
    "id": 812, "site": "shop", "at": 1764567000000_i64, "actor_kind": "key", "actor_id": "3",
    "actor_name": "orders backend", "action": "points.add", "target_kind": "member", "target_id": "cus_8812",
    "summary": "delta +250", "request_id": "9f1c2a4e-1b7d-4c1e-8f1a-2b3c4d5e6f70", "client_address": "203.0.113.7"
}))]
pub struct AuditRecorded {
    pub id: i64,
    pub site: String,
    pub at: i64,
    /// `operator`, `key` or `staff`.
    pub actor_kind: String,
    pub actor_id: String,
    pub actor_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub summary: String,
    pub request_id: Option<String>,
    pub client_address: Option<String>,
}

/// `referral.clicked`, `referral.completed` and `referral.refused`: a friend arrived through
/// a member's link; their first vouched-for order paid both sides; or a rule (or staff)
/// refused it, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema, sqlx::FromRow)]
#[schema(example = json!({
    "id": "7e3b8d4a-0c1f-4b6e-9a2d-5f8e1c3b7a90", "site": "shop", "referrer_id": "cus_8812", "friend_id": "cus_9120",
    "status": "completed", "reason": null, "order_value": 60.0, "referrer_points": 200, "friend_points": 200,
    "clicked_at": 1764567000000_i64, "decided_at": 1764570600000_i64
}))]
pub struct Referral {
    pub id: String,
    pub site: String,
    /// The member whose link it was.
    pub referrer_id: String,
    /// The friend, once they are a member.
    pub friend_id: Option<String>,
    /// `pending`, `held` (waits for review), `completed` or `refused`.
    pub status: String,
    /// Why it was refused or held: `own_code`, `already_member`, `already_bought`,
    /// `claimed_by_another`, `referrer_cap`, `address_velocity`, `order_below_minimum`,
    /// `window_expired`, `refused_by_staff`; `review_value`, `review_velocity` while held.
    pub reason: Option<String>,
    /// The first order's value, once there is one.
    pub order_value: Option<f64>,
    pub referrer_points: Option<i64>,
    pub friend_points: Option<i64>,
    pub clicked_at: i64,
    pub decided_at: Option<i64>,
}

/// `theme.rising`: a term's share of a week's low answers rose sharply (a new problem this
/// week), sent once per site, week and term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "site": "shop", "week": "2026-11-30", "term": "物流 慢", "label": "物流很慢", "answers": 31, "low_answers": 152,
    "share": 0.204, "share_before": 0.013, "raised_at": 1764567000000_i64
}))]
pub struct ThemeRising {
    pub site: String,
    /// The week's Monday (UTC).
    pub week: String,
    /// The term as counted (the inbox's `term` filter), and as a comment wrote it.
    pub term: String,
    pub label: String,
    /// The week's low answers with the term, and all its low answers with a comment.
    pub answers: i64,
    pub low_answers: i64,
    pub share: f64,
    /// Its share of the low answers in the four weeks before.
    pub share_before: f64,
    pub raised_at: i64,
}

/// What a test event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TestEvent {
    pub site: String,
    pub endpoint: String,
    pub message: String,
}

/// An event of any type, as the outbox stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    FeedbackReceived(FeedbackReceived),
    RecoveryOpened(RecoveryOpened),
    RecoveryResolved(RecoveryResolved),
    SurpriseGiven(Surprise),
    SurpriseClaimed(Surprise),
    MemberTierChanged(TierChanged),
    PointsChanged(PointsChanged),
    ExperimentStopped(ExperimentStopped),
    AuditRecorded(AuditRecorded),
    ReferralClicked(Referral),
    ReferralCompleted(Referral),
    ReferralRefused(Referral),
    ThemeRising(ThemeRising),
}

impl Event {
    pub fn event_type(&self) -> EventType {
        match self {
            Event::FeedbackReceived(_) => EventType::FeedbackReceived,
            Event::RecoveryOpened(_) => EventType::RecoveryOpened,
            Event::RecoveryResolved(_) => EventType::RecoveryResolved,
            Event::SurpriseGiven(_) => EventType::SurpriseGiven,
            Event::SurpriseClaimed(_) => EventType::SurpriseClaimed,
            Event::MemberTierChanged(_) => EventType::MemberTierChanged,
            Event::PointsChanged(_) => EventType::PointsChanged,
            Event::ExperimentStopped(_) => EventType::ExperimentStopped,
            Event::AuditRecorded(_) => EventType::AuditRecorded,
            Event::ReferralClicked(_) => EventType::ReferralClicked,
            Event::ReferralCompleted(_) => EventType::ReferralCompleted,
            Event::ReferralRefused(_) => EventType::ReferralRefused,
            Event::ThemeRising(_) => EventType::ThemeRising,
        }
    }

    pub fn data(&self) -> serde_json::Value {
        let value = match self {
            Event::FeedbackReceived(d) => serde_json::to_value(d),
            Event::RecoveryOpened(d) => serde_json::to_value(d),
            Event::RecoveryResolved(d) => serde_json::to_value(d),
            Event::SurpriseGiven(d) | Event::SurpriseClaimed(d) => serde_json::to_value(d),
            Event::MemberTierChanged(d) => serde_json::to_value(d),
            Event::PointsChanged(d) => serde_json::to_value(d),
            Event::ExperimentStopped(d) => serde_json::to_value(d),
            Event::AuditRecorded(d) => serde_json::to_value(d),
            Event::ReferralClicked(d) | Event::ReferralCompleted(d) | Event::ReferralRefused(d) => {
                serde_json::to_value(d)
            }
            Event::ThemeRising(d) => serde_json::to_value(d),
        };
        value.unwrap_or(serde_json::Value::Null)
    }
}

/// The schema of each event's `data`, by event type.
fn schema_name(kind: EventType) -> &'static str {
    match kind {
        EventType::FeedbackReceived => "FeedbackReceived",
        EventType::RecoveryOpened => "RecoveryOpened",
        EventType::RecoveryResolved => "RecoveryResolved",
        EventType::SurpriseGiven | EventType::SurpriseClaimed => "Surprise",
        EventType::MemberTierChanged => "TierChanged",
        EventType::PointsChanged => "PointsChanged",
        EventType::ExperimentStopped => "ExperimentStopped",
        EventType::AuditRecorded => "AuditRecorded",
        EventType::ReferralClicked | EventType::ReferralCompleted | EventType::ReferralRefused => "Referral",
        EventType::ThemeRising => "ThemeRising",
    }
}

/// OpenAPI 3.1's `webhooks`: what each event's request to an endpoint looks like.
pub fn openapi_webhooks() -> serde_json::Value {
    let headers = serde_json::json!([
        { "name": "webhook-id", "in": "header", "required": true, "schema": { "type": "string" },
          "description": "The message id (msg_…): the same on every retry; deduplicate on it." },
        { "name": "webhook-timestamp", "in": "header", "required": true, "schema": { "type": "integer" },
          "description": "Seconds since the Unix epoch, when this attempt was sent." },
        { "name": "webhook-signature", "in": "header", "required": true, "schema": { "type": "string" },
          "description": "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per live secret (Standard Webhooks)." },
    ]);
    let events: serde_json::Map<String, serde_json::Value> = EventType::ALL
        .iter()
        .map(|kind| {
            let body = serde_json::json!({
                "type": "object",
                "required": ["type", "timestamp", "data"],
                "properties": {
                    "type": { "type": "string", "const": kind.name() },
                    "timestamp": { "type": "string", "format": "date-time", "description": "When the fact happened." },
                    "data": { "$ref": format!("#/components/schemas/{}", schema_name(*kind)) },
                },
            });
            let operation = serde_json::json!({ "post": {
                "summary": kind.name(),
                "parameters": headers,
                "requestBody": { "required": true, "content": { "application/json": { "schema": body } } },
                "responses": {
                    "2XX": { "description": "Received: not sent again." },
                    "default": { "description": "Timeouts, 408, 409, 429 and 5xx are retried for up to three days (after Retry-After at the earliest); any other answer fails the delivery." },
                },
            }});
            (kind.name().to_owned(), operation)
        })
        .collect();
    serde_json::Value::Object(events)
}
