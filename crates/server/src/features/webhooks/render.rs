//! The body an endpoint receives for a message: the Standard Webhooks JSON
//! (`{ "type", "timestamp", "data" }`) or, for `format = "slack"`, a chat message. The same
//! message renders the same for an endpoint on every attempt.

use serde_json::{Value, json};

use super::slack;
use super::store::{Endpoint, Message};
use crate::features::sites::Site;

pub fn body(message: &Message, endpoint: &Endpoint, site: Option<&Site>, public_url: &str) -> Vec<u8> {
    let mut data: Value = serde_json::from_str(&message.data).unwrap_or(Value::Null);
    if let Some(fields) = data.as_object_mut() {
        if !endpoint.include_coupon_codes {
            fields.remove("coupon_code");
        }
        if let Some(case) = fields.get("case_id").and_then(Value::as_i64) {
            fields.insert("dashboard_url".into(), json!(case_url(public_url, &message.site, case)));
        }
    }
    let value = match endpoint.format.as_str() {
        "slack" => slack::message(&message.r#type, &data, site),
        _ => json!({ "type": message.r#type, "timestamp": rfc3339(message.created_at), "data": data }),
    };
    value.to_string().into_bytes()
}

/// A recovery case on the dashboard.
pub fn case_url(public_url: &str, site: &str, case: i64) -> String {
    format!(
        "{public_url}/dashboard/{}/recovery#case-{case}",
        crate::platform::url::urlencode(site)
    )
}

/// Milliseconds since the epoch as RFC 3339 (UTC, milliseconds).
pub fn rfc3339(ms: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(format: &str, include_coupon_codes: bool) -> Endpoint {
        Endpoint {
            id: "ep".into(),
            url: "https://example.com/".into(),
            events: vec![],
            format: format.into(),
            description: None,
            include_coupon_codes,
            enabled: true,
            paused: false,
            from_config: false,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn gift() -> Message {
        let data = json!({ "id": "g1", "site": "shop", "kind": "coupon", "coupon_code": "SAVE-7731" });
        Message {
            id: "msg_1".into(),
            site: "shop".into(),
            r#type: "surprise.given".into(),
            data: data.to_string(),
            created_at: 1_764_567_000_123,
        }
    }

    fn parse(bytes: Vec<u8>) -> Value {
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn a_coupon_code_goes_only_where_it_was_asked_for() {
        let without = parse(body(&gift(), &endpoint("standard", false), None, "https://m.example"));
        assert_eq!(without["data"].get("coupon_code"), None);
        assert_eq!(without["type"], "surprise.given");
        assert_eq!(without["timestamp"], "2025-12-01T05:30:00.123Z");
        let with = parse(body(&gift(), &endpoint("standard", true), None, "https://m.example"));
        assert_eq!(with["data"]["coupon_code"], "SAVE-7731");
        let slack = String::from_utf8(body(&gift(), &endpoint("slack", false), None, "https://m.example")).unwrap();
        assert!(!slack.contains("SAVE-7731"), "{slack}");
    }

    #[test]
    fn a_case_links_to_the_dashboard() {
        let data = json!({ "case_id": 41, "site": "my shop", "feedback_id": "f1", "scale": "csat5", "score": 1, "visitor_id": "v" });
        let message = Message {
            id: "msg_2".into(),
            site: "my shop".into(),
            r#type: "recovery.opened".into(),
            data: data.to_string(),
            created_at: 0,
        };
        let sent = parse(body(&message, &endpoint("standard", false), None, "https://m.example"));
        assert_eq!(
            sent["data"]["dashboard_url"],
            "https://m.example/dashboard/my%20shop/recovery#case-41"
        );
    }
}
