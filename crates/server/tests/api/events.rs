use moments_protocol::limits::MAX_BATCH_EVENTS;
use serde_json::{Value, json};

use crate::helpers::*;

const EVENT_ID: &str = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

fn feedback(id: &str, score: i64) -> Value {
    json!({ "type": "feedback", "id": id, "at": 1_790_000_000_000_i64, "scale": "csat5", "score": score })
}

fn batch(session_id: &str, events: Vec<Value>) -> Value {
    json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session_id, "events": events })
}

#[tokio::test]
async fn the_same_event_sent_three_times_is_stored_once() {
    let app = spawn_app().await;
    let session = app.session_id().await;
    let body = batch(&session, vec![feedback(EVENT_ID, 4)]);
    let answers: Vec<Value> = futures_all(&app, &body, 3).await;
    let accepted: u64 = answers.iter().map(|a| a["accepted"].as_u64().unwrap()).sum();
    let duplicates: u64 = answers.iter().map(|a| a["duplicates"].as_u64().unwrap()).sum();
    assert_eq!((accepted, duplicates), (1, 2));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE type = 'feedback' AND score = 4")
            .await,
        1
    );
}

async fn futures_all(app: &TestApp, body: &Value, times: usize) -> Vec<Value> {
    let mut answers = Vec::new();
    for _ in 0..times {
        let response = app.post("/v1/events", body).await;
        assert_eq!(response.status(), 200);
        answers.push(response.json().await.unwrap());
    }
    answers
}

#[tokio::test]
async fn beacons_send_text_plain_and_are_stored() {
    let app = spawn_app().await;
    let session = app.session_id().await;
    let response = app
        .client
        .post(format!("{}/v1/events", app.url))
        .header("origin", ORIGIN)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(
            batch(
                &session,
                vec![json!({ "type": "dismiss", "id": EVENT_ID, "at": 1_790_000_000_000_i64 })],
            )
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM events WHERE type = 'dismiss'").await, 1);
}

#[tokio::test]
async fn members_are_taken_from_the_session_not_the_batch() {
    let app = spawn_app().await;
    let started: Value = app
        .start_session(json!({ "member_token": token_for("alice", None) }))
        .await
        .json()
        .await
        .unwrap();
    let session = started["session_id"].as_str().unwrap();
    let mut body = batch(session, vec![feedback(EVENT_ID, 5)]);
    body["member_id"] = json!("mallory");
    assert_eq!(app.post("/v1/events", &body).await.status(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE member_id = 'alice'").await,
        1
    );

    let mut stolen = batch(session, vec![feedback("7f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", 1)]);
    stolen["visitor_id"] = json!("someone-else");
    assert_eq!(
        error_code(app.post("/v1/events", &stolen).await, 401).await,
        "unknown_session",
        "the session is signed for its own visitor"
    );
}

#[tokio::test]
async fn one_bad_event_does_not_lose_the_rest_of_the_batch() {
    let app = spawn_app().await;
    let session = app.session_id().await;
    let ids: Vec<String> = (0..7)
        .map(|i| format!("00000000-0000-4000-8000-00000000000{i}"))
        .collect();
    let long_comment = "字".repeat(1001);
    let events = vec![
        feedback(&ids[0], 5),
        feedback(&ids[1], 6),
        json!({ "type": "feedback", "id": ids[2], "at": 1_790_000_000_000_i64, "scale": "csat5", "score": 2, "comment": long_comment }),
        json!({ "type": "feedback", "id": ids[3], "at": 1_790_000_000_000_i64, "scale": "stars", "score": 2 }),
        feedback("not-a-uuid", 3),
        json!({ "type": "track", "id": ids[5], "at": 1_790_000_000_000_i64, "name": "purchase", "value": 80 }),
        json!("not an event"),
    ];
    let response = app.post("/v1/events", &batch(&session, events)).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["accepted"], 2);
    let refused: Vec<(u64, &str)> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["error"]["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [
            (1, "score_out_of_range"),
            (2, "comment_too_long"),
            (3, "invalid_event"),
            (4, "invalid_event_id"),
            (6, "invalid_event")
        ]
    );
    assert_eq!(body["rejected"][0]["id"], ids[1]);
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 2);
}

#[tokio::test]
async fn bad_batches_are_refused_whole_with_a_code() {
    let app = spawn_app().await;
    let session = app.session_id().await;
    let too_many = (0..=MAX_BATCH_EVENTS)
        .map(|i| feedback(&format!("00000000-0000-4000-8000-{i:012}"), 3))
        .collect();
    let cases = [
        (batch(&session, too_many), 413, "batch_too_large"),
        (batch("not a session", vec![]), 422, "invalid_session_id"),
        (batch(&"s".repeat(129), vec![]), 422, "invalid_session_id"),
        (batch("not-a-session", vec![]), 401, "unknown_session"),
        (
            json!({ "site": "nope", "visitor_id": VISITOR, "session_id": session, "events": [] }),
            404,
            "unknown_site",
        ),
        (
            json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session }),
            422,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        assert_eq!(error_code(app.post("/v1/events", &body).await, status).await, code);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 0);
}

#[tokio::test]
async fn two_servers_on_one_database_store_each_event_once() {
    let first = spawn_app().await;
    let second = spawn_second_process(&first, "").await;
    let session = first.session_id().await;
    let events = (0..20)
        .map(|i| feedback(&format!("00000000-0000-4000-8000-{i:012}"), 3))
        .collect();
    let body = batch(&session, events);
    // Every batch sent eight times at once, half to each server.
    let sends = (0..8).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        app.post("/v1/events", &body)
    });
    let answers = futures_util::future::join_all(sends).await;
    let mut accepted = 0;
    for answer in answers {
        assert_eq!(answer.status(), 200);
        let body: Value = answer.json().await.unwrap();
        accepted += body["accepted"].as_u64().unwrap();
        assert_eq!(
            body["accepted"].as_u64().unwrap() + body["duplicates"].as_u64().unwrap(),
            20
        );
    }
    assert_eq!(accepted, 20);
    assert_eq!(first.count("SELECT COUNT(*) FROM events").await, 20);
}
