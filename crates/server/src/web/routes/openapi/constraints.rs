//! Every rule the server enforces on what it is sent, written into the OpenAPI document from
//! the same constants the server checks with: patterns, lengths, ranges and enums of path and
//! query parameters and of request bodies, and the answers every operation can give (a body
//! that is not JSON, too large, of another media type; a missing admin key; a flood; an
//! overloaded server). Schemathesis checks the two agree (`tests/schemathesis/`).

use moments_protocol::limits::*;
use serde_json::{Map, Value, json};

use crate::features::experiments::definition::MAX_TEXT_LEN;
use crate::web::routes::admin::coupons::MAX_CODE_LEN;
use crate::web::routes::admin::recovery::MAX_NOTE_LEN;

/// What Rust's `str::trim` removes (Unicode White_Space), as a regex class body.
const SPACE: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// `char::is_control` (Unicode Cc), as a regex class body.
const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";

fn string(pattern: String) -> Value {
    json!({ "type": "string", "pattern": pattern })
}

/// `[a-z0-9_-]{1,64}`: a site key.
fn site_key() -> Value {
    string(format!("^[a-z0-9_-]{{1,{MAX_SITE_KEY_LEN}}}$"))
}

fn visitor_id() -> Value {
    string(format!("^[A-Za-z0-9_-]{{{MIN_VISITOR_ID_LEN},{MAX_VISITOR_ID_LEN}}}$"))
}

/// Keys of rules, pools, experiments and variants.
fn key() -> Value {
    string("^[A-Za-z0-9_-]{1,64}$".into())
}

fn uuid() -> Value {
    string("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$".into())
}

fn session_id() -> Value {
    string(format!("^[!-~]{{1,{MAX_SESSION_ID_LEN}}}$"))
}

/// A member id: no surrounding spaces, no control characters, not an erased member's name.
fn member_id() -> Value {
    let (inner, edge) = (format!("[^{CONTROL}]"), format!("[^{SPACE}{CONTROL}]"));
    let pattern = format!(
        "^(?!{})(?:{edge}|{edge}{inner}{{0,{}}}{edge})$",
        moments_protocol::domain::ERASED_PREFIX,
        MAX_MEMBER_ID_LEN - 2
    );
    json!({ "type": "string", "pattern": pattern, "minLength": 1, "maxLength": MAX_MEMBER_ID_LEN })
}

/// Text the server trims, then wants non-empty, at most `max` characters, and (unless
/// `lines`) free of control characters.
fn text(max: usize, lines: bool) -> Value {
    let inner = if lines {
        r"[\s\S]".to_owned()
    } else {
        format!("[^{CONTROL}]")
    };
    let edge = if lines {
        format!("[^{SPACE}]")
    } else {
        format!("[^{SPACE}{CONTROL}]")
    };
    string(format!(
        "^[{SPACE}]*(?:{edge}|{edge}{inner}{{0,{}}}{edge})[{SPACE}]*$",
        max - 2
    ))
}

/// The caller's id for a change or a fact; `moments:` keys are the server's own.
fn idempotency_key() -> Value {
    let mut key = text(MAX_IDEMPOTENCY_KEY_LEN, false);
    let pattern = key["pattern"]
        .as_str()
        .unwrap_or_default()
        .replacen('^', &format!("^(?![{SPACE}]*moments:)"), 1);
    key["pattern"] = pattern.into();
    key
}

fn bounded(max: usize) -> Value {
    json!({ "type": "string", "maxLength": max })
}

fn int64() -> Value {
    json!({ "type": "integer", "format": "int64", "minimum": i64::MIN, "maximum": i64::MAX })
}

/// A path parameter's rule, by name (`id` is a surprise's UUID or a recovery case's number).
fn path_parameter(path: &str, name: &str) -> Option<Value> {
    Some(match name {
        "site" => site_key(),
        "member" => member_id(),
        "visitor" => visitor_id(),
        "key" | "pool" => key(),
        "id" if path.starts_with("/v1/surprises/") => uuid(),
        "id" if path.contains("/webhooks/") => json!({ "type": "string", "minLength": 1 }),
        "id" | "delivery" => json!({ "type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX }),
        _ => return None,
    })
}

/// A query parameter's rule, by name and operation.
fn query_parameter(path: &str, name: &str) -> Option<Value> {
    Some(match name {
        "limit" => json!({ "type": "integer", "minimum": 1, "maximum": MAX_ADMIN_PAGE }),
        "from" | "to" | "cursor" | "before" | "min_score" | "max_score" => int64(),
        "member" => member_id(),
        "within_days" => json!({ "type": "integer", "minimum": 0, "maximum": 3650 }),
        "scale" => json!({ "type": "string", "enum": ["csat5", "nps", "thumbs"] }),
        "format" => json!({ "type": "string", "enum": ["json", "csv"] }),
        "status" if path.ends_with("/recovery") => json!({ "type": "string", "enum": ["open", "resolved"] }),
        "status" if path.ends_with("/referrals") => {
            json!({ "type": "string", "enum": ["pending", "held", "completed", "refused"] })
        }
        "status" if path.ends_with("/deliveries") => {
            json!({ "type": "string", "enum": ["pending", "delivered", "failed"] })
        }
        "status" => json!({ "type": "string", "enum": ["pending", "claimed", "expired"] }),
        _ => return None,
    })
}

/// Request bodies' fields: (schema, property, rule). Fields not listed take any value of their type.
fn body_fields() -> Vec<(&'static str, &'static str, Value)> {
    let locale_tag = bounded(MAX_LOCALE_TAG_LEN);
    vec![
        ("SessionRequest", "site", site_key()),
        ("SessionRequest", "visitor_id", visitor_id()),
        ("SessionRequest", "member_token", bounded(MAX_MEMBER_TOKEN_LEN)),
        ("SessionRequest", "locale", locale_tag.clone()),
        (
            "SessionRequest",
            "languages",
            json!({ "type": "array", "maxItems": MAX_LANGUAGES, "items": locale_tag }),
        ),
        // Only what comes before any `?` or `#` is read (and kept).
        (
            "SessionRequest",
            "page_url",
            string(format!("^[^?#{CONTROL}]{{0,{MAX_PAGE_URL_LEN}}}(?:[?#][\\s\\S]*)?$")),
        ),
        // The widget's device id has a visitor id's shape.
        ("SessionRequest", "device_id", visitor_id()),
        ("ReferralClick", "site", site_key()),
        ("ReferralClick", "visitor_id", visitor_id()),
        ("ReferralClick", "session_id", session_id()),
        ("ReferralClick", "device_id", visitor_id()),
        ("ReferralClick", "locale", bounded(MAX_LOCALE_TAG_LEN)),
        ("EventBatch", "site", site_key()),
        ("EventBatch", "visitor_id", visitor_id()),
        ("EventBatch", "session_id", session_id()),
        // Each event is read on its own: a bad one is refused in the answer's `rejected`,
        // the rest are stored. Its shapes are `Event`.
        (
            "EventBatch",
            "events",
            json!({ "type": "array", "maxItems": MAX_BATCH_EVENTS, "items": { "description": "An `Event`; checked one by one" } }),
        ),
        ("ClaimRequest", "site", site_key()),
        ("ClaimRequest", "visitor_id", visitor_id()),
        ("ClaimRequest", "session_id", session_id()),
        ("RedeemRequest", "site", site_key()),
        ("RedeemRequest", "visitor_id", visitor_id()),
        ("RedeemRequest", "session_id", session_id()),
        ("RedeemRequest", "member_token", bounded(MAX_MEMBER_TOKEN_LEN)),
        ("RedeemRequest", "idempotency_key", idempotency_key()),
        ("RedeemRequest", "locale", bounded(MAX_LOCALE_TAG_LEN)),
        (
            "PointsRequest",
            "delta",
            json!({ "type": "integer", "minimum": -MAX_POINTS_DELTA, "maximum": MAX_POINTS_DELTA, "not": { "const": 0 } }),
        ),
        ("PointsRequest", "reason", text(MAX_POINTS_REASON_LEN, false)),
        ("PointsRequest", "idempotency_key", idempotency_key()),
        ("GrantRequest", "idempotency_key", idempotency_key()),
        ("ReportedEvent", "name", text(MAX_TRACK_NAME_LEN, false)),
        ("ReportedEvent", "idempotency_key", idempotency_key()),
        (
            "CodeUpload",
            "codes",
            json!({ "type": "array", "minItems": 1, "items": string(format!("^[^{SPACE}{CONTROL}]{{1,{MAX_CODE_LEN}}}$")) }),
        ),
        ("Resolution", "note", text(MAX_NOTE_LEN, true)),
        ("Definition", "key", key()),
        (
            "Definition",
            "slot",
            json!({ "type": "string", "enum": ["greeting", "farewell"] }),
        ),
        (
            "Definition",
            "coverage",
            json!({ "type": "number", "minimum": 0, "maximum": 1 }),
        ),
        (
            "Definition",
            "variants",
            json!({ "type": "array", "minItems": 2, "items": { "$ref": "#/components/schemas/VariantDefinition" } }),
        ),
        (
            "Definition",
            "metric_event",
            json!({ "type": ["string", "null"], "minLength": 1, "maxLength": MAX_TRACK_NAME_LEN }),
        ),
        ("VariantDefinition", "key", key()),
        (
            "VariantDefinition",
            "weight",
            json!({ "type": "number", "minimum": 0, "maximum": 1 }),
        ),
        (
            "VariantDefinition",
            "text",
            json!({
                "type": "object",
                "propertyNames": { "enum": ["en", "zh-CN", "zh-TW"] },
                "additionalProperties": { "type": "string", "maxLength": MAX_TEXT_LEN, "pattern": format!("[^{SPACE}]") },
            }),
        ),
    ]
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } } })
}

/// Answers any operation of its kind may give, added where the operation does not name them.
fn common_responses(path: &str, operation: &Value) -> Vec<(&'static str, Value)> {
    let mut responses = vec![("503", error("timeout, overloaded: try again shortly"))];
    if operation.get("requestBody").is_some() {
        responses.push(("400", error("malformed_json, unreadable_body: the body is not JSON")));
        responses.push(("413", error("body_too_large: bodies are limited to 60 KiB")));
        responses.push((
            "415",
            error("unsupported_media_type: send application/json (or text/plain holding JSON)"),
        ));
    }
    let takes_input = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty())
        || operation.get("requestBody").is_some();
    if takes_input {
        responses.push(("422", error("A parameter or field is invalid; the code names it")));
    }
    if let Some(scope) = required_scope(operation) {
        responses.push((
            "401",
            error("admin_key_missing, admin_key_invalid, admin_api_disabled, key_revoked, key_expired"),
        ));
        responses.push((
            "403",
            error(&format!("missing_scope: a site key needs the scope {scope}")),
        ));
        responses.push((
            "404",
            error("unknown_site: no such site, or a site key of another site"),
        ));
    }
    let has_path_parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| p.iter().any(|p| p["in"] == "path"));
    if has_path_parameters {
        responses.push((
            "400",
            error("invalid_path: a path parameter is not of its type or range"),
        ));
    }
    let public = ["/v1/session", "/v1/events", "/v1/surprises/"]
        .iter()
        .any(|p| path.starts_with(p));
    if public {
        let mut limited = error("rate_limited: wait the seconds Retry-After says");
        limited["headers"] = json!({ "Retry-After": { "description": "Seconds to wait", "schema": { "type": "integer", "minimum": 1 } } });
        responses.push(("429", limited));
    }
    responses
}

/// The scope an admin operation needs, from its `security` (`admin_key: [scope]`).
pub fn required_scope(operation: &Value) -> Option<String> {
    operation
        .get("security")?
        .as_array()?
        .iter()
        .find_map(|requirement| requirement.get("admin_key")?.get(0)?.as_str().map(str::to_owned))
}

/// Writes the rules into the generated document.
pub fn apply(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for operation in item.values_mut() {
                constrain_operation(path, operation);
            }
        }
    }
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else {
        return;
    };
    for (schema, property, rule) in body_fields() {
        if let Some(field) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{property}")))
        {
            merge(field, rule);
        }
    }
}

fn constrain_operation(path: &str, operation: &mut Value) {
    for (status, response) in common_responses(path, operation) {
        if let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) {
            responses.entry(status).or_insert(response);
        }
    }
    let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for parameter in parameters {
        let name = parameter["name"].as_str().unwrap_or_default().to_owned();
        let rule = match parameter["in"].as_str() {
            Some("path") => path_parameter(path, &name),
            Some("query") => query_parameter(path, &name),
            _ => None,
        };
        if let Some(rule) = rule {
            parameter["schema"] = rule;
        }
    }
}

/// Sets the rule's keywords on the field, keeping its description.
fn merge(field: &mut Value, rule: Value) {
    let (Some(field), Value::Object(rule)) = (field.as_object_mut(), rule) else {
        return;
    };
    let nullable = field
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t == "null"));
    let mut rule: Map<String, Value> = rule;
    if nullable && let Some(kind) = rule.get("type").and_then(Value::as_str).map(str::to_owned) {
        rule.insert("type".into(), json!([kind, "null"]));
    }
    field.remove("items");
    field.extend(rule);
}
