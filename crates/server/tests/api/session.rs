use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn health_checks_the_database() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/healthz", app.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn an_anonymous_session_gets_greeting_and_feedback_settings() {
    let app = spawn_app().await;
    let response = app
        .start_session(json!({ "languages": ["fr-FR", "en-GB"], "page_url": "http://localhost/x" }))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["locale"], "en");
    assert_eq!(body["greeting"], "Welcome! We're glad you're here.");
    assert_eq!(body["member"], Value::Null);
    assert_eq!(
        body["feedback"],
        json!({
            "enabled": true, "scale": "csat5", "ask": true, "question": "How is your visit going?",
            "farewell": "Thanks for stopping by. Before you go…",
            "apology": "We're sorry your visit fell short.",
            "follow_up": "Someone from our team will look into it today.",
            "recovery_points": null,
        })
    );
    let id = body["session_id"].as_str().unwrap();
    let (uuid, tag) = id.split_once('.').expect("<uuid>.<tag>, signed by the server");
    assert!(moments_protocol::uuid::is_canonical(uuid) && tag.len() == 22, "{id}");
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id = '{id}' AND member_id IS NULL"
        ))
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn a_member_sees_seeded_points_and_tier_progress() {
    let app = spawn_app().await;
    let response = app
        .start_session(json!({ "member_token": token_for("alice", Some("Alice")) }))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["greeting"], "Welcome back, Alice!");
    let member = &body["member"];
    assert_eq!(
        (
            member["name"].as_str(),
            member["points"].as_i64(),
            member["lifetime_points"].as_i64()
        ),
        (Some("Alice"), Some(1240), Some(1300))
    );
    assert_eq!(
        member["tier"],
        json!({ "name": "Silver", "threshold": 500, "next": { "name": "Gold", "threshold": 1500, "points_needed": 200 } })
    );
    assert_eq!(
        member["tier_up"], false,
        "seeded members were congratulated on their tier already"
    );
    let recent: Vec<(i64, &str)> = member["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["delta"].as_i64().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        recent,
        [
            (-60, "Returned: enamel mug, order #1042"),
            (300, "Order #1042"),
            (1000, "Welcome bonus")
        ]
    );
    assert!(
        member["recent"][0]["at"]
            .as_i64()
            .is_some_and(|at| at > 1_700_000_000_000)
    );
    assert_eq!(
        (body["join_url"].clone(), body["hide_badge"].clone()),
        (Value::Null, json!(false))
    );
}

#[tokio::test]
async fn locale_comes_from_attribute_then_token_then_browser_then_site() {
    let app = spawn_app().await;
    let greeting = |body: Value| {
        (
            body["locale"].as_str().unwrap().to_owned(),
            body["greeting"].as_str().unwrap().to_owned(),
        )
    };

    let by_browser: Value = app
        .start_session(json!({ "languages": ["zh-HK"] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        greeting(by_browser),
        ("zh-TW".into(), "歡迎光臨！很高興見到你。".into())
    );

    let by_attribute: Value = app
        .start_session(json!({ "locale": "zh-CN", "languages": ["zh-HK"] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(greeting(by_attribute).0, "zh-CN");

    let claims = moments_server::features::member_token::MemberClaims {
        sub: "alice".into(),
        name: Some("Alice".into()),
        locale: Some("zh-Hant".into()),
        birthday: None,
    };
    let token = moments_server::features::member_token::mint(&claims, SITE, &demo_secret(), now(), now() + 60);
    let by_token: Value = app
        .start_session(json!({ "member_token": token, "languages": ["en"] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(greeting(by_token), ("zh-TW".into(), "歡迎回來，Alice！".into()));

    let fallback: Value = app
        .start_session(json!({ "languages": ["de"] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(greeting(fallback).0, "en");
}

#[tokio::test]
async fn bad_session_requests_get_a_code() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "site": "nope", "visitor_id": VISITOR }), 404, "unknown_site"),
        (
            json!({ "site": "Bad Site", "visitor_id": VISITOR }),
            422,
            "invalid_site_key",
        ),
        (json!({ "site": SITE, "visitor_id": "x" }), 422, "invalid_visitor_id"),
        (json!({ "site": SITE }), 422, "invalid_body"),
        (json!({ "site": SITE, "visitor_id": 12345678 }), 422, "invalid_body"),
        (
            json!({ "site": SITE, "visitor_id": VISITOR, "languages": "en" }),
            422,
            "invalid_body",
        ),
        (
            json!({ "site": SITE, "visitor_id": VISITOR, "page_url": "x".repeat(3000) }),
            422,
            "invalid_page_url",
        ),
    ];
    for (body, status, code) in cases {
        assert_eq!(
            error_code(app.post("/v1/session", &body).await, status).await,
            code,
            "{body}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn origins_not_listed_for_the_site_are_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/v1/session", app.url))
        .header("origin", "https://evil.example")
        .json(&json!({ "site": SITE, "visitor_id": VISITOR }))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_none());
    assert_eq!(error_code(response, 403).await, "origin_not_allowed");

    let refused = preflight(&app, "https://evil.example").await;
    assert!(refused.headers().get("access-control-allow-origin").is_none());

    let allowed = preflight(&app, "http://127.0.0.1:3000").await;
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://127.0.0.1:3000"
    );
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, format!("{}/v1/session", app.url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}
