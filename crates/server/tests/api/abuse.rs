//! Tried as a fraudster with a console and curl would: the browser cannot mint value, forged
//! sessions are refused, floods are slowed.

use moments_server::features::member_token;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

fn event_id() -> String {
    Uuid::new_v4().to_string()
}

/// Posts `events` in a session; returns the status and the answer.
async fn post_events(app: &TestApp, session_id: &str, events: Value) -> (u16, Value) {
    let body = json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session_id, "events": events });
    let response = app.post("/v1/events", &body).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

fn purchase(value: f64, proof: Option<String>) -> Value {
    let mut event = json!({ "type": "track", "id": event_id(), "at": 1.7e12, "name": "purchase", "value": value });
    if let Some(proof) = proof {
        event["proof"] = proof.into();
    }
    event
}

/// A purchase proof as the shop's backend signs it.
fn proof(member: &str, value: f64, order: &str) -> String {
    let header = json!({ "alg": "HS256", "typ": "JWT", "kid": "demo" });
    let claims = json!({ "aud": SITE, "sub": member, "event": "purchase", "value": value, "jti": order, "iat": now(), "exp": now() + 600 });
    member_token::sign(&header, &claims, &demo_secret().secret)
}

async fn alice_gifts(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM surprises WHERE member_id = 'alice'")
        .await
}

#[tokio::test]
async fn a_purchase_tracked_from_the_console_credits_nothing() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let session = app.member_session("alice").await;
    let session_id = session["session_id"].as_str().unwrap();
    let before = app.account("alice").await["balance"].as_i64().unwrap();

    let (status, answer) = post_events(&app, session_id, json!([purchase(1_000_000.0, None)])).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["accepted"], 1,
        "an unverified purchase still counts in reports: {answer}"
    );
    assert_eq!(answer.get("surprises"), None, "but earns no gift of value: {answer}");
    assert_eq!(alice_gifts(&app).await, 0);
    assert_eq!(app.account("alice").await["balance"].as_i64().unwrap(), before);
}

#[tokio::test]
async fn a_signed_proof_gives_exactly_one_gift_and_its_replay_none() {
    let app = spawn_app().await;
    let session = app.member_session("alice").await;
    let session_id = session["session_id"].as_str().unwrap();

    let order = proof("alice", 79.0, "order-5001");
    let (_, first) = post_events(&app, session_id, json!([purchase(79.0, Some(order.clone()))])).await;
    assert_eq!(first["accepted"], 1, "{first}");
    assert_eq!(
        first["surprises"].as_array().map(Vec::len),
        Some(1),
        "the verified purchase earns its gift: {first}"
    );

    // The same proof again, in another event (a copied request), earns nothing.
    let (_, replay) = post_events(&app, session_id, json!([purchase(79.0, Some(order))])).await;
    assert_eq!(replay["accepted"], 0, "{replay}");
    assert_eq!(replay["rejected"][0]["error"]["code"], "proof_replayed");
    assert_eq!(alice_gifts(&app).await, 1);
}

#[tokio::test]
async fn a_proof_for_another_value_member_or_event_is_refused() {
    let app = spawn_app().await;
    let session = app.member_session("alice").await;
    let session_id = session["session_id"].as_str().unwrap();
    let cases = [
        (
            purchase(1_000.0, Some(proof("alice", 79.0, "order-1"))),
            "proof_mismatch",
        ),
        (purchase(79.0, Some(proof("bob", 79.0, "order-2"))), "proof_mismatch"),
        (
            json!({ "type": "track", "id": event_id(), "at": 1.7e12, "name": "signup", "value": 79.0, "proof": proof("alice", 79.0, "order-3") }),
            "proof_mismatch",
        ),
        (
            purchase(
                79.0,
                Some(member_token::sign(
                    &json!({ "alg": "HS256", "kid": "demo" }),
                    &json!({ "aud": SITE, "sub": "alice", "event": "purchase", "value": 79.0, "jti": "order-4", "exp": now() + 600 }),
                    "a-guessed-secret-that-is-long-enough",
                )),
            ),
            "proof_bad_signature",
        ),
        (purchase(79.0, Some("not-a-jwt".into())), "proof_malformed"),
    ];
    for (event, code) in cases {
        let (status, answer) = post_events(&app, session_id, json!([event])).await;
        assert_eq!(status, 200);
        assert_eq!(answer["rejected"][0]["error"]["code"], code, "{answer}");
    }
    assert_eq!(alice_gifts(&app).await, 0);
}

#[tokio::test]
async fn forged_sessions_are_refused_and_open_no_case() {
    let app = spawn_app().await;
    let genuine = app.session_id().await;
    let forged = [
        Uuid::new_v4().to_string(),
        format!("{}x", &genuine[..genuine.len() - 1]),
        genuine.replace(|c: char| c.is_ascii_digit(), "7"),
    ];
    for session_id in forged {
        let one_star = json!([{ "type": "feedback", "id": event_id(), "at": 1.7e12, "scale": "csat5", "score": 1 }]);
        let body = json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session_id, "events": one_star });
        assert_eq!(
            error_code(app.post("/v1/events", &body).await, 401).await,
            "unknown_session",
            "{session_id}"
        );
    }
    // A real session belongs to its visitor: another browser cannot borrow it.
    let borrowed = json!({ "site": SITE, "visitor_id": "another-visitor-01", "session_id": genuine, "events": [] });
    assert_eq!(
        error_code(app.post("/v1/events", &borrowed).await, 401).await,
        "unknown_session"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_cases").await, 0);
}

#[tokio::test]
async fn a_purchase_the_shop_reports_server_to_server_gives_its_gift_once() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let report = || {
        app.admin(reqwest::Method::POST, &format!("{SITE}/members/alice/events"))
            .json(&json!({ "name": "purchase", "value": 120, "idempotency_key": "order-7001" }))
            .send()
    };
    let first = report().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["surprises"].as_array().map(Vec::len), Some(1), "{first}");

    let replayed = report().await.unwrap();
    assert_eq!(replayed.status(), 200);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    assert_eq!(replayed.json::<Value>().await.unwrap(), first, "the same answer");
    let changed = app
        .admin(reqwest::Method::POST, &format!("{SITE}/members/alice/events"))
        .json(&json!({ "name": "purchase", "value": 5, "idempotency_key": "order-7001" }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(changed, 422).await, "idempotency_key_reused");

    // The gift waits for Alice's next page view.
    let session = app.member_session("alice").await;
    assert_eq!(session["surprises"][0]["id"], first["surprises"][0]["id"]);
    // The same order vouched for again from the browser counts once.
    let session_id = session["session_id"].as_str().unwrap();
    let (_, answer) = post_events(
        &app,
        session_id,
        json!([purchase(120.0, Some(proof("alice", 120.0, "order-7001")))]),
    )
    .await;
    assert_eq!(answer["rejected"][0]["error"]["code"], "proof_replayed", "{answer}");
    assert_eq!(alice_gifts(&app).await, 1);
}

#[tokio::test]
async fn sessions_issued_before_a_restore_from_backup_are_still_accepted() {
    if on_postgres() {
        // The key is a row like any other on PostgreSQL too; a copy of a live database there
        // is pg_dump's job, which this suite does not drive.
        return;
    }
    let app = spawn_app().await;
    let backup = app.database_url.replace("moments.db", "backup.db");
    let backup_path = backup.trim_start_matches("sqlite://");
    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{backup_path}'")))
        .execute(&app.db)
        .await
        .unwrap();
    // Issued after the backup was taken: the restored database never saw it.
    let session_id = app.session_id().await;
    let restored = spawn_app_on(&backup, "").await;
    let answer = json!([{ "type": "feedback", "id": event_id(), "at": 1.7e12, "scale": "csat5", "score": 4 }]);
    let body = json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session_id, "events": answer });
    let response = restored.post("/v1/events", &body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["accepted"], 1);
}
