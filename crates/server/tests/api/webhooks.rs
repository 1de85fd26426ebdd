//! Webhooks: endpoints through the admin API, every fact queued with it and delivered signed
//! to a real receiver, retried with the same webhook-id, shared by server processes, resumed
//! after a kill, and refused where a tenant would reach into the server's own network.
//!
//! Over 500 lines: the whole delivery contract (signing, retries, sharing, resuming, address
//! checks) reads as one story against one receiver.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::webhook_receiver::{Received, Receiver};

/// Fast retries and a short timeout, and receivers on 127.0.0.1 allowed.
pub const FAST: &str = "[server]
admin_key = \"test-admin-key-0123456789abcdef0123456789\"
[server.webhooks]
allow_private_networks = true
first_retry_ms = 150
poll_ms = 40
timeout_secs = 1
";

const ALL_EVENTS: [&str; 8] = [
    "feedback.received",
    "recovery.opened",
    "recovery.resolved",
    "surprise.given",
    "surprise.claimed",
    "member.tier_changed",
    "points.changed",
    "experiment.stopped",
];

/// Makes an endpoint through the admin API: its id and secret.
async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> (String, String) {
    let response = app
        .admin(Method::POST, "demo/webhooks")
        .json(&json!({ "url": url, "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let made: Value = response.json().await.unwrap();
    (
        made["endpoint"]["id"].as_str().unwrap().to_owned(),
        made["secret"].as_str().unwrap().to_owned(),
    )
}

async fn upload_apology_codes(app: &TestApp) {
    let codes = json!({ "codes": ["SORRY-0001", "SORRY-0002"] });
    let uploaded = app
        .admin(Method::POST, "demo/coupon-pools/apology/codes")
        .json(&codes)
        .send()
        .await
        .unwrap();
    assert!(uploaded.status().is_success());
}

async fn start_greeting_experiment(app: &TestApp) {
    let experiment = json!({ "key": "hello", "slot": "greeting", "coverage": 1.0, "control": "control", "metric_event": "purchase", "variants": [
        { "key": "control", "weight": 0.5, "text": { "en": "Hello" } }, { "key": "warm", "weight": 0.5, "text": { "en": "Welcome back!" } } ] });
    assert_eq!(
        app.admin(Method::POST, "demo/experiments")
            .json(&experiment)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(
        app.admin(Method::POST, "demo/experiments/hello/start")
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

fn event_id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A visitor's answer (and a comment on it, when given), through the widget's API.
async fn answer(app: &TestApp, visitor: &str, member: Option<&str>, n: u32, score: i64, comment: Option<&str>) {
    let mut start = json!({ "site": SITE, "visitor_id": visitor, "page_url": "https://shop.example/checkout/done?email=a@b.example" });
    if let Some(member) = member {
        start["member_token"] = token_for(member, None).into();
    }
    let session: Value = app.post("/v1/session", &start).await.json().await.unwrap();
    let mut events: Vec<Value> = session["experiments"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, seen)| json!({ "type": "exposure", "id": event_id(n + 100 + i as u32), "at": now() * 1000, "experiment": seen["experiment"], "variant": seen["variant"] }))
        .collect();
    events.push(json!({ "type": "feedback", "id": event_id(n), "at": now() * 1000, "scale": "csat5", "score": score }));
    if let Some(text) = comment {
        events.push(json!({ "type": "comment", "id": event_id(n + 1), "at": now() * 1000, "feedback_id": event_id(n), "comment": text }));
    }
    let batch = json!({ "site": SITE, "visitor_id": visitor, "session_id": session["session_id"], "events": events });
    let response: Value = app.post("/v1/events", &batch).await.json().await.unwrap();
    assert_eq!(response["accepted"], events.len(), "{response}");
}

async fn deliveries(app: &TestApp, endpoint: &str) -> Vec<Value> {
    let response = app
        .admin(Method::GET, &format!("demo/webhooks/{endpoint}/deliveries?limit=100"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

fn of_kind<'a>(received: &'a [Received], kind: &str) -> Vec<&'a Received> {
    received.iter().filter(|r| r.kind() == kind).collect()
}

#[tokio::test]
async fn a_low_answer_reaches_the_receiver_signed_as_feedback_and_a_recovery_case() {
    let app = spawn_app_with(FAST).await;
    let receiver = Receiver::start().await;
    let (_, secret) = subscribe(&app, &receiver.url, &["feedback.received", "recovery.opened"]).await;
    start_greeting_experiment(&app).await;
    answer(&app, "visitor-low", Some("carol"), 1, 1, Some("Late <again> & cold")).await;
    let got = receiver
        .until("two feedback.received and a recovery.opened", |r| r.len() >= 3)
        .await;
    assert!(
        got.iter().all(|r| r.signed_with(&secret)),
        "every delivery is signed with the endpoint's secret"
    );
    assert!(
        got.iter()
            .all(|r| r.id.starts_with("msg_") && (now() - r.timestamp).abs() < 60)
    );
    let feedback = of_kind(&got, "feedback.received");
    assert_eq!(
        feedback.len(),
        2,
        "the answer, then again with its comment (in either order: deliveries go in parallel)"
    );
    let (first, then): (Vec<&Received>, Vec<&Received>) = feedback
        .iter()
        .copied()
        .partition(|r| r.body["data"]["comment"].is_null());
    assert_eq!((first.len(), then.len()), (1, 1));
    let data = &then[0].body["data"];
    assert_eq!(data["id"], event_id(1));
    assert_eq!(
        (data["score"].as_i64(), data["scale"].as_str(), data["low"].as_bool()),
        (Some(1), Some("csat5"), Some(true))
    );
    assert_eq!(data["comment"], "Late <again> & cold");
    assert_eq!(
        data["page"], "/checkout/done",
        "the path only: the query string may name a person"
    );
    assert_eq!(data["member_id"], "carol");
    let seen = &data["variants"][0];
    assert_eq!(
        seen["experiment"], "hello",
        "the variants the visitor saw before answering: {data}"
    );
    assert!(seen["variant"] == "control" || seen["variant"] == "warm");
    let first_data = &first[0].body["data"];
    assert_eq!(
        (first_data["variants"].clone(), first_data["page"].clone()),
        (data["variants"].clone(), data["page"].clone()),
        "the answer and its comment tell the same visit"
    );
    assert!(
        data["case_id"].is_i64()
            && data["dashboard_url"]
                .as_str()
                .unwrap()
                .contains("/dashboard/demo/recovery#case-")
    );
    let case = &of_kind(&got, "recovery.opened")[0].body["data"];
    assert_eq!(case["feedback_id"], event_id(1));
    assert_eq!(case["goodwill_points"], 50, "the demo site's goodwill points");
    assert_ne!(feedback[0].id, feedback[1].id, "the comment is a message of its own");
    // A high answer is no case.
    answer(&app, "visitor-happy", None, 10, 5, None).await;
    let got = receiver.until("the happy answer", |r| r.len() >= 4).await;
    assert_eq!(got[3].body["data"]["low"], false);
    assert_eq!(of_kind(&got, "recovery.opened").len(), 1);
}

#[tokio::test]
async fn every_fact_reaches_an_endpoint_that_wants_it_and_no_other() {
    let app = spawn_app_with(FAST).await;
    let everything = Receiver::start().await;
    let only_points = Receiver::start().await;
    subscribe(&app, &everything.url, &ALL_EVENTS).await;
    subscribe(&app, &only_points.url, &["points.changed"]).await;
    // Points that lift dave from Bronze to Silver (500).
    assert_eq!(
        app.award("dave", json!(600), "Order #77", "order-77").await.status(),
        201
    );
    // A gift from a manual rule, then claimed in the widget.
    upload_apology_codes(&app).await;
    let granted = app
        .admin(Method::POST, "demo/members/dave/surprises")
        .json(&json!({ "rule": "apology-coupon", "idempotency_key": "sorry-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), 201);
    let gift: Value = granted.json().await.unwrap();
    let session = app.member_session("dave").await;
    let claim = json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session["session_id"], "member_token": token_for("dave", None) });
    assert_eq!(
        app.post(&format!("/v1/surprises/{}/claim", gift["id"].as_str().unwrap()), &claim)
            .await
            .status(),
        200
    );
    // A case opened and resolved; an experiment started and stopped.
    answer(&app, "visitor-sad", None, 20, 2, None).await;
    let cases: Value = app.admin_json("demo/recovery").await;
    let case = cases["items"][0]["id"].as_i64().unwrap();
    let resolved = app
        .admin(Method::POST, &format!("demo/recovery/{case}/resolve"))
        .json(&json!({ "note": "Called them" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resolved.status(), 200);
    start_greeting_experiment(&app).await;
    assert_eq!(
        app.admin(Method::POST, "demo/experiments/hello/stop")
            .json(&json!({ "ship": "warm" }))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let got = everything
        .until("every kind of event", |r| {
            ALL_EVENTS.iter().all(|k| r.iter().any(|x| x.kind() == *k))
        })
        .await;
    let one = |kind: &str| of_kind(&got, kind)[0].body["data"].clone();
    let tier = one("member.tier_changed");
    assert_eq!(
        (
            tier["member_id"].as_str(),
            tier["from"].as_str(),
            tier["to"].as_str(),
            tier["lifetime_points"].as_i64()
        ),
        (Some("dave"), Some("Bronze"), Some("Silver"), Some(600))
    );
    let points = of_kind(&got, "points.changed");
    assert!(points.iter().any(|p| p.body["data"]["delta"] == 600
        && p.body["data"]["balance"] == 600
        && p.body["data"]["reason"] == "Order #77"));
    let given = one("surprise.given");
    assert_eq!(
        (given["id"].clone(), given["rule"].as_str(), given["kind"].as_str()),
        (gift["id"].clone(), Some("apology-coupon"), Some("coupon"))
    );
    assert_eq!(
        given.get("coupon_code"),
        None,
        "no coupon code unless the endpoint asks for it"
    );
    assert!(one("surprise.claimed")["claimed_at"].is_i64());
    assert_eq!(one("recovery.resolved")["note"], "Called them");
    assert_eq!(
        (
            one("experiment.stopped")["experiment"].as_str(),
            one("experiment.stopped")["shipped"].as_str()
        ),
        (Some("hello"), Some("warm"))
    );
    let only = only_points.until("dave's points", |r| !r.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        only_points.received().iter().all(|r| r.kind() == "points.changed"),
        "{only:?}"
    );
}

#[tokio::test]
async fn a_coupon_code_goes_only_to_an_endpoint_that_opted_in() {
    let app = spawn_app_with(FAST).await;
    let receiver = Receiver::start().await;
    let made = app
        .admin(Method::POST, "demo/webhooks")
        .json(&json!({ "url": receiver.url, "events": ["surprise.given"], "include_coupon_codes": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    upload_apology_codes(&app).await;
    let granted = app
        .admin(Method::POST, "demo/members/erin/surprises")
        .json(&json!({ "rule": "apology-coupon", "idempotency_key": "sorry-2" }))
        .send()
        .await
        .unwrap();
    let gift: Value = granted.json().await.unwrap();
    let got = receiver.until("the gift", |r| !r.is_empty()).await;
    assert_eq!(got[0].body["data"]["coupon_code"], gift["coupon_code"]);
    assert!(gift["coupon_code"].is_string());
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_webhook_id_until_it_answers() {
    let app = spawn_app_with(FAST).await;
    let receiver = Receiver::start().await;
    let (endpoint, secret) = subscribe(&app, &receiver.url, &["points.changed"]).await;
    receiver.answer_next(&[
        (503, Duration::ZERO, None),
        (429, Duration::ZERO, Some("1")),
        (500, Duration::ZERO, None),
    ]);
    assert_eq!(app.award("frank", json!(10), "Review", "review-1").await.status(), 201);
    let got = receiver.until("four tries", |r| r.len() >= 4).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let got_all = receiver.received();
    assert_eq!(got_all.len(), 4, "delivered on the fourth try, then never again");
    assert!(got.iter().all(|r| r.id == got[0].id), "one webhook-id across retries");
    assert!(
        got.iter().all(|r| r.signed_with(&secret) && r.raw == got[0].raw),
        "the same body, signed anew"
    );
    assert!(
        got[2].timestamp - got[1].timestamp >= 1,
        "the try after a 429 waited for its Retry-After"
    );
    let delivery = &deliveries(&app, &endpoint).await[0];
    assert_eq!(
        (
            delivery["status"].as_str(),
            delivery["attempts"].as_i64(),
            delivery["response_status"].as_i64()
        ),
        (Some("delivered"), Some(4), Some(200))
    );
    assert_eq!(delivery["response_body"], "answered 200");
}

#[tokio::test]
async fn a_refusal_fails_the_delivery_until_it_is_sent_again() {
    let app = spawn_app_with(FAST).await;
    let receiver = Receiver::start().await;
    let (endpoint, _) = subscribe(&app, &receiver.url, &["points.changed"]).await;
    receiver.answer_next(&[(410, Duration::ZERO, None)]);
    assert_eq!(app.award("gina", json!(10), "Review", "review-2").await.status(), 201);
    receiver.until("the refused try", |r| r.len() == 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "a 410 is not retried");
    let failed = deliveries(&app, &endpoint).await[0].clone();
    assert_eq!(
        (
            failed["status"].as_str(),
            failed["response_status"].as_i64(),
            failed["response_body"].as_str()
        ),
        (Some("failed"), Some(410), Some("answered 410"))
    );
    let metrics = app
        .client
        .get(format!("{}/metrics", app.url))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("moments_webhook_deliveries{status=\"failed\"} 1"),
        "{metrics}"
    );
    let resend = app
        .admin(
            Method::POST,
            &format!("demo/webhooks/{endpoint}/deliveries/{}/resend", failed["id"]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resend.status(), 202);
    let got = receiver.until("the try sent again", |r| r.len() == 2).await;
    assert_eq!(got[1].id, got[0].id, "sent again with the same webhook-id");
    // The receiver has the request before the worker records its answer: wait for the record.
    let mut delivered = deliveries(&app, &endpoint).await[0].clone();
    for _ in 0..50 {
        if delivered["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        delivered = deliveries(&app, &endpoint).await[0].clone();
    }
    assert_eq!(delivered["status"], "delivered");
    let unknown = app
        .admin(
            Method::POST,
            &format!("demo/webhooks/{endpoint}/deliveries/999999/resend"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(unknown, 404).await, "unknown_delivery");
}

#[tokio::test]
async fn a_paused_endpoint_keeps_its_deliveries_until_it_resumes() {
    let app = spawn_app_with(FAST).await;
    let receiver = Receiver::start().await;
    let (endpoint, _) = subscribe(&app, &receiver.url, &["points.changed"]).await;
    let paused = app
        .admin(Method::PATCH, &format!("demo/webhooks/{endpoint}"))
        .json(&json!({ "paused": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(paused.status(), 200);
    assert_eq!(paused.json::<Value>().await.unwrap()["paused"], true);
    assert_eq!(app.award("hal", json!(5), "Review", "review-3").await.status(), 201);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.received().is_empty());
    assert_eq!(deliveries(&app, &endpoint).await[0]["status"], "pending");
    let metrics = app
        .client
        .get(format!("{}/metrics", app.url))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("moments_webhook_outbox_depth 1"), "{metrics}");
    let oldest: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("moments_webhook_oldest_waiting_seconds "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(oldest >= 0.4, "the held delivery has waited {oldest} s");
    app.admin(Method::PATCH, &format!("demo/webhooks/{endpoint}"))
        .json(&json!({ "paused": false }))
        .send()
        .await
        .unwrap();
    receiver.until("the held delivery", |r| r.len() == 1).await;
}

#[tokio::test]
async fn endpoints_are_made_listed_changed_rotated_tested_and_deleted() {
    let app = spawn_app_with(FAST).await;
    let receiver = Receiver::start().await;
    let (id, first_secret) = subscribe(&app, &receiver.url, &["points.changed"]).await;
    assert!(first_secret.starts_with("whsec_") && first_secret.len() > 40);
    let listed: Value = app.admin_json("demo/webhooks").await;
    assert_eq!(listed["items"][0]["id"], id.as_str());
    assert!(
        !listed.to_string().contains(&first_secret),
        "a secret is shown only when made or rotated"
    );
    let changed = app
        .admin(Method::PATCH, &format!("demo/webhooks/{id}"))
        .json(&json!({ "events": ["points.changed", "feedback.received"], "format": "slack", "description": "Support channel" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        (
            changed["format"].as_str(),
            changed["description"].as_str(),
            changed["events"].as_array().map(Vec::len)
        ),
        (Some("slack"), Some("Support channel"), Some(2))
    );
    app.admin(Method::PATCH, &format!("demo/webhooks/{id}"))
        .json(&json!({ "format": "standard" }))
        .send()
        .await
        .unwrap();

    let rotated: Value = app
        .admin(Method::POST, &format!("demo/webhooks/{id}/rotate-secret"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(second_secret, first_secret);
    assert!(rotated["previous_secrets_expire_at"].as_i64().unwrap() > now() * 1000);
    let test = app
        .admin(Method::POST, &format!("demo/webhooks/{id}/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(test.status(), 202);
    let test_id = test.json::<Value>().await.unwrap()["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = receiver.until("the test event", |r| !r.is_empty()).await;
    assert_eq!((got[0].id.as_str(), got[0].kind()), (test_id.as_str(), "webhook.test"));
    assert!(
        got[0].signed_with(&first_secret) && got[0].signed_with(&second_secret),
        "during the grace period both secrets sign"
    );
    assert_eq!(got[0].signature.split(' ').count(), 2);

    app.admin(Method::PATCH, &format!("demo/webhooks/{id}"))
        .json(&json!({ "enabled": false }))
        .send()
        .await
        .unwrap();
    let disabled = app
        .admin(Method::POST, &format!("demo/webhooks/{id}/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(disabled, 409).await,
        "webhook_disabled",
        "a disabled endpoint would never get it"
    );
    assert_eq!(
        app.admin(Method::DELETE, &format!("demo/webhooks/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        error_code(
            app.admin(Method::GET, &format!("demo/webhooks/{id}"))
                .send()
                .await
                .unwrap(),
            404
        )
        .await,
        "unknown_webhook"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_deliveries").await,
        0,
        "its deliveries went with it"
    );
}

#[tokio::test]
async fn bad_endpoints_are_refused_with_a_reason() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let refused = async |body: Value| {
        error_code(
            app.admin(Method::POST, "demo/webhooks")
                .json(&body)
                .send()
                .await
                .unwrap(),
            422,
        )
        .await
    };
    let events = json!(["feedback.received"]);
    // Private, loopback, link-local (cloud metadata), shared and IPv6 local addresses: a tenant
    // may not make this server call into the network it runs in.
    for url in [
        "https://10.0.0.7/hook",
        "https://192.168.1.20/",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/",
        "https://[fd00::1]/",
        "https://[::1]:8443/",
        "https://127.0.0.1/",
        "http://localhost:9/hook",
        "https://localhost/hook",
        // IPv6 forms that carry an IPv4 address or go nowhere public: IPv4-compatible, SIIT,
        // 6to4, Teredo, discard, NAT64.
        "https://[::127.0.0.1]/",
        "https://[::ffff:0:7f00:1]/",
        "https://[2002:7f00:1::]/",
        "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "https://[100::1]/",
        "https://[64:ff9b::a00:1]/",
    ] {
        assert_eq!(
            refused(json!({ "url": url, "events": events })).await,
            "url_private_address",
            "{url}"
        );
    }
    assert_eq!(
        refused(json!({ "url": "http://hooks.example.com/x", "events": events })).await,
        "url_not_https"
    );
    assert_eq!(
        refused(json!({ "url": "not a url", "events": events })).await,
        "invalid_url"
    );
    assert_eq!(
        refused(json!({ "url": "https://hooks.example.com/x", "events": [] })).await,
        "events_empty"
    );
    assert_eq!(
        refused(json!({ "url": "https://hooks.example.com/x", "events": ["order.placed"] })).await,
        "unknown_event_type"
    );
    assert_eq!(
        refused(json!({ "url": "https://hooks.example.com/x", "events": events, "format": "teams" })).await,
        "invalid_format"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_endpoints").await, 0);
}

#[tokio::test]
async fn config_endpoints_are_the_config_files_to_change() {
    let receiver = Receiver::start().await;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let config = format!(
        "{FAST}[[sites]]\nkey = \"cfg\"\nallowed_origins = [\"http://localhost:*\"]\n[[sites.webhooks]]\nid = \"helpdesk\"\nurl = \"{}\"\nevents = [\"points.changed\"]\nsecrets = [\"{secret}\"]\n",
        receiver.url
    );
    let app = spawn_app_with(&config).await;
    let listed: Value = app.admin_json("cfg/webhooks").await;
    assert_eq!(
        (
            listed["items"][0]["id"].as_str(),
            listed["items"][0]["from_config"].as_bool()
        ),
        (Some("helpdesk"), Some(true))
    );
    let change = app
        .admin(Method::PATCH, "cfg/webhooks/helpdesk")
        .json(&json!({ "url": "https://elsewhere.example/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(change, 409).await, "webhook_in_config");
    assert_eq!(
        error_code(
            app.admin(Method::DELETE, "cfg/webhooks/helpdesk").send().await.unwrap(),
            409
        )
        .await,
        "webhook_in_config"
    );
    let pause = app
        .admin(Method::PATCH, "cfg/webhooks/helpdesk")
        .json(&json!({ "paused": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        pause.status(),
        200,
        "pausing is an operator's act, allowed on any endpoint"
    );
    app.admin(Method::PATCH, "cfg/webhooks/helpdesk")
        .json(&json!({ "paused": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.award_on("cfg", "ivy", json!(3), "Hello", "hello-1").await.status(),
        201
    );
    let got = receiver
        .until("the config endpoint's delivery", |r| !r.is_empty())
        .await;
    assert!(got[0].signed_with(secret));
}

#[tokio::test]
async fn erasing_a_member_erases_what_was_queued_about_them() {
    let app = spawn_app_with(FAST).await;
    let (endpoint, _) = subscribe(&app, "http://127.0.0.1:9/hook", &["points.changed"]).await;
    app.admin(Method::PATCH, &format!("demo/webhooks/{endpoint}"))
        .json(&json!({ "paused": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(app.award("jo", json!(5), "Review", "review-9").await.status(), 201);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_messages WHERE member_id = 'jo'")
            .await,
        1
    );
    assert_eq!(
        app.admin(Method::DELETE, "demo/members/jo")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_messages WHERE member_id = 'jo'")
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries").await, 0);
}

#[tokio::test]
async fn two_servers_share_the_outbox_and_never_send_one_delivery_twice_at_once() {
    let app = spawn_app_with(FAST).await;
    let second = spawn_second_process(&app, FAST).await;
    let receiver = Receiver::start().await;
    receiver.delay_each(Duration::from_millis(60));
    subscribe(&app, &receiver.url, &["points.changed"]).await;
    for n in 0..40 {
        let server = if n % 2 == 0 { &app } else { &second };
        assert_eq!(
            server
                .award(&format!("m{n}"), json!(1), "Visit", &format!("visit-{n}"))
                .await
                .status(),
            201
        );
    }
    let got = receiver.until("40 deliveries", |r| r.len() >= 40).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ids: Vec<String> = receiver.received().iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "every event delivered");
    assert_eq!(
        receiver.received().len(),
        40,
        "and each once: {} requests",
        receiver.received().len()
    );
    assert_eq!(
        receiver.max_in_flight_per_id(),
        1,
        "never the same delivery from two servers at once"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'")
            .await,
        40
    );
    drop(got);
}

/// The admin API of a server whose own worker sleeps: the processes under test do the sending.
const IDLE: &str = "[server]
admin_key = \"test-admin-key-0123456789abcdef0123456789\"
[server.webhooks]
allow_private_networks = true
poll_ms = 3600000
";

#[tokio::test]
async fn a_server_killed_mid_delivery_leaves_it_to_the_next() {
    let app = spawn_app_with(IDLE).await;
    let receiver = Receiver::start().await;
    subscribe(&app, &receiver.url, &["points.changed"]).await;
    // The first try hangs past the sender's timeout: the server is killed holding its lease.
    receiver.answer_next(&[(200, Duration::from_secs(30), None)]);
    let mut doomed = start_process_on(&app.database_url, FAST).await;
    assert_eq!(app.award("kim", json!(7), "Review", "review-4").await.status(), 201);
    let first = receiver.until("the first try", |r| r.len() == 1).await;
    doomed.signal("KILL");
    assert!(doomed.wait_for_exit(Duration::from_secs(5)).is_some());
    let (status, attempts): (String, i64) = sqlx::query_as("SELECT status, attempts FROM webhook_deliveries")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (status.as_str(), attempts),
        ("pending", 1),
        "the kill left it waiting, its try counted"
    );
    let _heir = start_process_on(&app.database_url, FAST).await;
    let got = receiver.until("the try after the kill", |r| r.len() == 2).await;
    assert_eq!(got[1].id, first[0].id, "the same webhook-id");
    let delivered = async || {
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered' AND attempts = 2")
            .await
    };
    for _ in 0..100 {
        if delivered().await == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the heir did not record the delivery");
}

// Threads of its own: the receiver answers while this test waits for the process to exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stopped_for_a_deploy_finishes_its_deliveries_and_sends_none_twice() {
    let app = spawn_app_with(IDLE).await;
    let receiver = Receiver::start().await;
    subscribe(&app, &receiver.url, &["points.changed"]).await;
    // Slow enough to be in flight when the signal comes, well within the sender's 1 s timeout.
    receiver.answer_next(&[(200, Duration::from_millis(400), None)]);
    let mut stopping = start_process_on(&app.database_url, FAST).await;
    assert_eq!(app.award("lee", json!(7), "Review", "review-5").await.status(), 201);
    receiver.until("the try in flight", |r| r.len() == 1).await;
    stopping.signal("TERM");
    assert!(
        stopping
            .wait_for_exit(Duration::from_secs(15))
            .is_some_and(|s| s.success())
    );
    let (status, attempts): (String, i64) = sqlx::query_as("SELECT status, attempts FROM webhook_deliveries")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (status.as_str(), attempts),
        ("delivered", 1),
        "the answer that came while stopping was recorded"
    );
    let _next = start_process_on(&app.database_url, FAST).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "and the next server does not send it again"
    );
}

#[tokio::test]
async fn a_slack_endpoint_gets_a_message_people_read() {
    let app = spawn_app_with(FAST).await;
    let receiver = Receiver::start().await;
    let made = app
        .admin(Method::POST, "demo/webhooks")
        .json(&json!({ "url": receiver.url, "events": ["recovery.opened"], "format": "slack" }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    answer(&app, "visitor-slack", None, 30, 1, None).await;
    let got = receiver.until("the message", |r| !r.is_empty()).await;
    let message = &got[0].body;
    assert_eq!(message.get("type"), None, "not the JSON event");
    let text = message["text"].as_str().unwrap();
    assert!(
        text.starts_with("Recovery case opened #") && text.contains("1/5 (demo)"),
        "{text}"
    );
    let blocks = message["blocks"].to_string();
    assert!(
        blocks.contains("Page: `/checkout/done`") && blocks.contains("Anonymous visitor"),
        "{blocks}"
    );
    assert!(
        blocks.contains("/dashboard/demo/recovery#case-") && blocks.contains("|Open the case>"),
        "{blocks}"
    );
}
