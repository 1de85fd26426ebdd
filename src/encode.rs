//! Writes what the widget sends as JS objects, for `JSON.stringify`. Hand-written for the
//! same reason as `decode`: serde's serializer costs the download more than this file.
//! tests/browser.rs checks every shape against the protocol's serde output.

use js_sys::{Array, Object, Reflect};
use moments_protocol::wire::{ClaimRequest, Event, MemberSummary, RedeemRequest, ReferralClick, SessionRequest};
use wasm_bindgen::JsValue;

struct Writer(Object);

impl Writer {
    fn new() -> Self {
        Self(Object::new())
    }
    fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.0, &key.into(), &value.into());
        self
    }
    /// Leaves the key out for `None`, as serde's `skip_serializing_if` does.
    fn maybe<T: Into<JsValue>>(self, key: &str, value: Option<T>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }
    fn done(self) -> JsValue {
        self.0.into()
    }
}

pub fn session_request(r: &SessionRequest) -> JsValue {
    let languages =
        (!r.languages.is_empty()).then(|| r.languages.iter().map(|l| JsValue::from(l.as_str())).collect::<Array>());
    Writer::new()
        .set("site", r.site.as_str())
        .set("visitor_id", r.visitor_id.as_str())
        .maybe("member_token", r.member_token.as_deref())
        .maybe("locale", r.locale.as_deref())
        .maybe("languages", languages)
        .maybe("page_url", r.page_url.as_deref())
        .maybe("device_id", r.device_id.as_deref())
        .done()
}

pub fn referral_click(r: &ReferralClick) -> JsValue {
    Writer::new()
        .set("site", r.site.as_str())
        .set("visitor_id", r.visitor_id.as_str())
        .set("session_id", r.session_id.as_str())
        .set("code", r.code.as_str())
        .maybe("device_id", r.device_id.as_deref())
        .maybe("locale", r.locale.as_deref())
        .done()
}

pub fn claim_request(r: &ClaimRequest) -> JsValue {
    Writer::new()
        .set("site", r.site.as_str())
        .set("visitor_id", r.visitor_id.as_str())
        .set("session_id", r.session_id.as_str())
        .maybe("member_token", r.member_token.as_deref())
        .maybe("locale", r.locale.as_deref())
        .done()
}

pub fn redeem_request(r: &RedeemRequest) -> JsValue {
    Writer::new()
        .set("site", r.site.as_str())
        .set("visitor_id", r.visitor_id.as_str())
        .set("session_id", r.session_id.as_str())
        .maybe("member_token", r.member_token.as_deref())
        .set("idempotency_key", r.idempotency_key.as_str())
        .maybe("locale", r.locale.as_deref())
        .done()
}

pub fn event(e: &Event) -> JsValue {
    let w = Writer::new();
    match e {
        Event::Feedback {
            id,
            at,
            scale,
            score,
            comment,
            context,
        } => w
            .set("type", "feedback")
            .set("id", id.as_str())
            .set("at", *at)
            .set("scale", scale.name())
            .set("score", *score as f64)
            .maybe("comment", comment.as_deref())
            .maybe(
                "context",
                context
                    .as_ref()
                    .map(|c| c.0.iter().fold(Writer::new(), |w, (k, v)| w.set(k, v.as_str())).done()),
            ),
        Event::Comment {
            id,
            at,
            feedback_id,
            comment,
        } => w
            .set("type", "comment")
            .set("id", id.as_str())
            .set("at", *at)
            .set("feedback_id", feedback_id.as_str())
            .set("comment", comment.as_str()),
        Event::Dismiss { id, at } => w.set("type", "dismiss").set("id", id.as_str()).set("at", *at),
        Event::Track {
            id,
            at,
            name,
            value,
            proof,
        } => w
            .set("type", "track")
            .set("id", id.as_str())
            .set("at", *at)
            .set("name", name.as_str())
            .maybe("value", *value)
            .maybe("proof", proof.as_deref()),
        Event::Exposure {
            id,
            at,
            experiment,
            variant,
        } => w
            .set("type", "exposure")
            .set("id", id.as_str())
            .set("at", *at)
            .set("experiment", experiment.as_str())
            .set("variant", variant.as_str()),
    }
    .done()
}

/// A member's standing as the badge draws it (balance, lifetime points, tier), in the
/// protocol's shape so `decode::member` reads it back; kept between page views by `standing`.
pub fn standing(m: &MemberSummary) -> JsValue {
    let tier = m.tier.as_ref().map(|t| {
        let next = t.next.as_ref().map(|n| {
            Writer::new()
                .set("name", n.name.as_str())
                .set("threshold", n.threshold as f64)
                .set("points_needed", n.points_needed as f64)
                .done()
        });
        Writer::new()
            .set("name", t.name.as_str())
            .set("threshold", t.threshold as f64)
            .maybe("next", next)
            .done()
    });
    Writer::new()
        .set("points", m.points as f64)
        .set("lifetime_points", m.lifetime_points as f64)
        .maybe("tier", tier)
        .done()
}
