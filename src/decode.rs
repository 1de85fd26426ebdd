//! Reads the JSON the backend sends into the protocol's types. Hand-written rather than
//! serde-derived because serde's deserializers cost the widget ~16 KiB of its download; the
//! shared fixture `crates/protocol/fixtures/session_responses.json` holds this reader and
//! the serde definition to the same answers (tests/browser.rs and the protocol's tests).

use js_sys::Reflect;
use moments_protocol::Locale;
use moments_protocol::wire::{
    ClaimedSurprise, ExperimentAssignment, FeedbackSettings, LedgerEntry, MemberSummary, NextTier, PointsExpiring,
    Redeemed, Redemption, ReferralSettings, Reward, RewardOffer, Scale, SessionResponse, Slot, SurpriseOffer,
    TierStatus,
};
use wasm_bindgen::JsValue;

fn field(object: &JsValue, key: &str) -> Option<JsValue> {
    if !object.is_object() {
        return None;
    }
    Reflect::get(object, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

pub fn string(object: &JsValue, key: &str) -> Option<String> {
    field(object, key)?.as_string()
}

/// A present field that is not a string is an error; an absent one is `None`.
fn optional_string(object: &JsValue, key: &str) -> Option<Option<String>> {
    match field(object, key) {
        None => Some(None),
        Some(v) => v.as_string().map(Some),
    }
}

fn integer(object: &JsValue, key: &str) -> Option<i64> {
    let n = field(object, key)?.as_f64()?;
    (n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0).then_some(n as i64)
}

/// A present field that is not a boolean is an error; an absent one is `false`.
fn optional_bool(object: &JsValue, key: &str) -> Option<bool> {
    match field(object, key) {
        None => Some(false),
        Some(v) => v.as_bool(),
    }
}

/// An absent list is empty; a present one must be an array whose every item decodes.
fn list<T>(object: &JsValue, key: &str, decode: impl Fn(&JsValue) -> Option<T>) -> Option<Vec<T>> {
    match field(object, key) {
        None => Some(Vec::new()),
        Some(v) if js_sys::Array::is_array(&v) => js_sys::Array::from(&v).iter().map(|item| decode(&item)).collect(),
        Some(_) => None,
    }
}

/// Decodes an optional nested object: absent is `Some(None)`, present but malformed is `None`.
fn optional<T>(object: &JsValue, key: &str, decode: impl Fn(&JsValue) -> Option<T>) -> Option<Option<T>> {
    match field(object, key) {
        None => Some(None),
        Some(v) => decode(&v).map(Some),
    }
}

pub fn session_response(v: &JsValue) -> Option<SessionResponse> {
    Some(SessionResponse {
        session_id: string(v, "session_id")?,
        locale: Locale::from_wire_tag(&string(v, "locale")?)?,
        greeting: optional_string(v, "greeting")?,
        member: optional(v, "member", member)?,
        join_url: optional_string(v, "join_url")?,
        hide_badge: optional_bool(v, "hide_badge")?,
        feedback: feedback(&field(v, "feedback")?)?,
        surprises: list(v, "surprises", surprise_offer)?,
        experiments: list(v, "experiments", |a| {
            Some(ExperimentAssignment {
                experiment: string(a, "experiment")?,
                variant: string(a, "variant")?,
                slot: Slot::from_name(&string(a, "slot")?)?,
            })
        })?,
        ways_to_earn: list(v, "ways_to_earn", JsValue::as_string)?,
        rewards: list(v, "rewards", |r| {
            Some(RewardOffer {
                key: string(r, "key")?,
                title: string(r, "title")?,
                description: optional_string(r, "description")?,
                cost: integer(r, "cost")?,
                points_needed: integer(r, "points_needed")?,
                min_tier: optional_string(r, "min_tier")?,
                unavailable: optional_string(r, "unavailable")?,
            })
        })?,
        referral: optional(v, "referral", |r| {
            Some(ReferralSettings {
                param: string(r, "param")?,
                link: optional_string(r, "link")?,
                promise: optional_string(r, "promise")?,
                ask: optional_string(r, "ask")?,
            })
        })?,
    })
}

/// A present field that is not a whole number is an error; an absent one is `None`.
fn optional_integer(object: &JsValue, key: &str) -> Option<Option<i64>> {
    match field(object, key) {
        None => Some(None),
        Some(_) => integer(object, key).map(Some),
    }
}

/// A `POST /v1/rewards/{key}/redeem` answer.
pub fn redeemed(v: &JsValue) -> Option<Redeemed> {
    Some(Redeemed {
        redemption: redemption(&field(v, "redemption")?)?,
        member: member(&field(v, "member")?)?,
    })
}

fn redemption(v: &JsValue) -> Option<Redemption> {
    Some(Redemption {
        reward: string(v, "reward")?,
        title: string(v, "title")?,
        code: string(v, "code")?,
        how_to_use: optional_string(v, "how_to_use")?,
        points: integer(v, "points")?,
        at: integer(v, "at")?,
    })
}

/// The gifts and the refused events of an events answer (`None`: the answer is malformed).
pub fn events_answer(v: &JsValue) -> Option<crate::earned::Answered> {
    Some(crate::earned::Answered {
        offers: list(v, "surprises", surprise_offer)?,
        refused: list(v, "rejected", |r| {
            let error = field(r, "error")?;
            Some(crate::earned::Refusal {
                code: string(&error, "code")?,
                message: string(&error, "message")?,
            })
        })?,
    })
}

fn surprise_offer(v: &JsValue) -> Option<SurpriseOffer> {
    Some(SurpriseOffer {
        id: string(v, "id")?,
        expires_at: integer(v, "expires_at")?,
    })
}

pub fn claimed_surprise(v: &JsValue) -> Option<ClaimedSurprise> {
    let reward = field(v, "reward")?;
    Some(ClaimedSurprise {
        id: string(v, "id")?,
        reward: match string(&reward, "kind")?.as_str() {
            "points" => Reward::Points {
                points: integer(&reward, "points")?,
            },
            "coupon" => Reward::Coupon {
                code: string(&reward, "code")?,
            },
            "message" => Reward::Message,
            _ => return None,
        },
        message: optional_string(v, "message")?,
        member: optional(v, "member", member)?,
    })
}

pub fn member(v: &JsValue) -> Option<MemberSummary> {
    Some(MemberSummary {
        name: optional_string(v, "name")?,
        points: integer(v, "points")?,
        lifetime_points: integer(v, "lifetime_points")?,
        tier: optional(v, "tier", tier)?,
        tier_up: optional_bool(v, "tier_up")?,
        recent: list(v, "recent", |e| {
            Some(LedgerEntry {
                delta: integer(e, "delta")?,
                reason: string(e, "reason")?,
                at: integer(e, "at")?,
            })
        })?,
        redeemed: list(v, "redeemed", redemption)?,
        expiring: optional(v, "expiring", |e| {
            Some(PointsExpiring {
                points: integer(e, "points")?,
                on: integer(e, "on")?,
            })
        })?,
    })
}

fn tier(v: &JsValue) -> Option<TierStatus> {
    Some(TierStatus {
        name: string(v, "name")?,
        threshold: integer(v, "threshold")?,
        next: optional(v, "next", |n| {
            Some(NextTier {
                name: string(n, "name")?,
                threshold: integer(n, "threshold")?,
                points_needed: integer(n, "points_needed")?,
            })
        })?,
    })
}

fn feedback(v: &JsValue) -> Option<FeedbackSettings> {
    Some(FeedbackSettings {
        enabled: field(v, "enabled")?.as_bool()?,
        scale: Scale::from_name(&string(v, "scale")?)?,
        ask: field(v, "ask")?.as_bool()?,
        question: optional_string(v, "question")?,
        farewell: optional_string(v, "farewell")?,
        apology: optional_string(v, "apology")?,
        follow_up: optional_string(v, "follow_up")?,
        recovery_points: optional_integer(v, "recovery_points")?,
    })
}
