use moments_protocol::limits::MAX_BODY_BYTES;
use serde_json::{Value, json};

use crate::helpers::*;

async fn raw_post(app: &TestApp, path: &str, content_type: &str, body: String) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.url))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_json_errors() {
    let app = spawn_app().await;
    let json_type = "application/json";
    assert_eq!(
        error_code(raw_post(&app, "/v1/session", json_type, "{not json".into()).await, 400).await,
        "malformed_json"
    );
    assert_eq!(
        error_code(raw_post(&app, "/v1/session", json_type, String::new()).await, 400).await,
        "malformed_json"
    );
    let trailing = json!({ "site": SITE, "visitor_id": VISITOR }).to_string() + "{}";
    assert_eq!(
        error_code(raw_post(&app, "/v1/session", json_type, trailing).await, 400).await,
        "malformed_json"
    );
    let xml = raw_post(&app, "/v1/events", "application/xml", "<x/>".into()).await;
    assert_eq!(error_code(xml, 415).await, "unsupported_media_type");
    let huge = json!({ "site": SITE, "visitor_id": VISITOR, "page_url": "x".repeat(MAX_BODY_BYTES) }).to_string();
    assert_eq!(
        error_code(raw_post(&app, "/v1/session", json_type, huge).await, 413).await,
        "body_too_large"
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let app = spawn_app().await;
    let missing = app.client.get(format!("{}/v1/nothing", app.url)).send().await.unwrap();
    assert_eq!(error_code(missing, 404).await, "not_found");
    let wrong_method = app.client.get(format!("{}/v1/session", app.url)).send().await.unwrap();
    assert_eq!(error_code(wrong_method, 405).await, "method_not_allowed");
}

#[tokio::test]
async fn the_protocol_is_published_as_openapi() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(format!("{}/openapi.json", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    for path in [
        "/v1/session",
        "/v1/events",
        "/healthz",
        "/v1/admin/sites/{site}/members/{member}",
        "/v1/admin/sites/{site}/members/{member}/points",
        "/v1/admin/sites/{site}/feedback",
        "/v1/admin/sites/{site}/recovery",
        "/v1/admin/sites/{site}/recovery/{id}/resolve",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    for schema in [
        "SessionRequest",
        "SessionResponse",
        "Event",
        "EventsResponse",
        "ErrorBody",
        "PointsRequest",
        "StoredEntry",
        "MemberAccount",
        "LedgerEntry",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema} missing");
    }
    assert_eq!(doc["components"]["securitySchemes"]["admin_key"]["scheme"], "bearer");
    let mut dangling = Vec::new();
    dangling_refs(&doc, &doc["components"]["schemas"], &mut dangling);
    assert!(
        dangling.is_empty(),
        "references to schemas not in the document: {dangling:?}"
    );
}

/// Every `$ref` of `node` that names no schema of `schemas`.
fn dangling_refs(node: &Value, schemas: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                let name = target.trim_start_matches("#/components/schemas/");
                if !schemas[name].is_object() {
                    out.push(target.clone());
                }
            }
            map.values().for_each(|v| dangling_refs(v, schemas, out));
        }
        Value::Array(items) => items.iter().for_each(|v| dangling_refs(v, schemas, out)),
        _ => {}
    }
}
