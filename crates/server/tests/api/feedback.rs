//! The end of a session on the server: who is asked, comments joining their answer, service
//! recovery, and the staff's admin views.

use futures_util::future::join_all;
use moments_protocol::sampling;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const AT: i64 = 1_790_000_000_000;

fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn answer(n: u32, score: i64) -> Value {
    json!({ "type": "feedback", "id": id(n), "at": AT, "scale": "csat5", "score": score })
}

fn comment(n: u32, feedback: u32, text: &str) -> Value {
    json!({ "type": "comment", "id": id(n), "at": AT, "feedback_id": id(feedback), "comment": text })
}

/// Starts a session for `visitor` (a member when `member` is given) and sends `events` in it.
async fn send(app: &TestApp, visitor: &str, member: Option<&str>, events: Vec<Value>) -> Value {
    let mut start = json!({ "site": SITE, "visitor_id": visitor });
    if let Some(member) = member {
        start["member_token"] = token_for(member, None).into();
    }
    let session: Value = app.post("/v1/session", &start).await.json().await.unwrap();
    let batch = json!({ "site": SITE, "visitor_id": visitor, "session_id": session["session_id"], "events": events });
    let response = app.post("/v1/events", &batch).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn asked(app: &TestApp, site: &str, visitor: &str) -> bool {
    let body: Value = app
        .post("/v1/session", &json!({ "site": site, "visitor_id": visitor }))
        .await
        .json()
        .await
        .unwrap();
    body["feedback"]["ask"].as_bool().unwrap()
}

const SAMPLED_SITES: &str = r#"
[[sites]]
key = "never"
allowed_origins = ["http://localhost:*"]
feedback = { sample_rate = 0.0 }
[[sites]]
key = "half"
allowed_origins = ["http://localhost:*"]
feedback = { sample_rate = 0.5 }
"#;

#[tokio::test]
async fn sampling_is_decided_once_per_visitor() {
    let app = spawn_app_with(SAMPLED_SITES).await;
    let visitors: Vec<String> = (0..40).map(|i| format!("visitor-{i:04}")).collect();
    let mut in_half = 0;
    for visitor in &visitors {
        assert!(!asked(&app, "never", visitor).await);
        assert!(asked(&app, "demo", visitor).await, "the demo site asks everyone");
        let first = asked(&app, "half", visitor).await;
        assert_eq!(
            first,
            sampling::in_sample("half", visitor, 0.5),
            "the protocol's hash decides"
        );
        for _ in 0..3 {
            assert_eq!(
                asked(&app, "half", visitor).await,
                first,
                "the same visitor gets the same answer"
            );
        }
        in_half += usize::from(first);
    }
    assert!((8..=32).contains(&in_half), "{in_half} of 40 asked at 50%");
}

#[tokio::test]
async fn a_visitor_who_answered_is_not_asked_again_within_the_cooldown() {
    let app = spawn_app_with(
        "[[sites]]\nkey = \"fresh\"\nallowed_origins = [\"http://localhost:*\"]\nfeedback = { cooldown_days = 0 }",
    )
    .await;
    send(
        &app,
        "visitor-dismisser",
        None,
        vec![json!({ "type": "dismiss", "id": id(1), "at": AT })],
    )
    .await;
    assert!(
        asked(&app, SITE, "visitor-dismisser").await,
        "dismissing is not answering"
    );
    send(&app, "visitor-answerer", None, vec![answer(2, 4)]).await;
    assert!(!asked(&app, SITE, "visitor-answerer").await, "30-day cooldown");
    assert!(asked(&app, SITE, "visitor-somebody").await);
    let fresh = json!({ "site": "fresh", "visitor_id": "visitor-answerer" });
    let fresh: Value = app.post("/v1/session", &fresh).await.json().await.unwrap();
    assert_eq!(fresh["feedback"]["ask"], true, "cooldown_days = 0 asks again");
}

#[tokio::test]
async fn a_comment_joins_its_answer_in_one_row() {
    let app = spawn_app().await;
    let visitor = "visitor-commenter";
    assert_eq!(send(&app, visitor, None, vec![answer(1, 4)]).await["accepted"], 1);
    let first = send(
        &app,
        visitor,
        None,
        vec![comment(2, 1, "  Quick delivery, thanks! 🚚 ")],
    )
    .await;
    assert_eq!(first["accepted"], 1);
    let again = send(&app, visitor, None, vec![comment(2, 1, "Quick delivery, thanks! 🚚")]).await;
    assert_eq!(
        (again["accepted"].clone(), again["duplicates"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE comment = 'Quick delivery, thanks! 🚚' AND score = 4")
            .await,
        1
    );

    // One batch: a different comment, a comment for no answer, another visitor's answer, a
    // comment too long, and a good answer that must not be lost because of them.
    let mixed = send(
        &app,
        visitor,
        None,
        vec![
            comment(3, 1, "Changed my mind"),
            comment(4, 99, "Orphan"),
            comment(5, 1, &"x".repeat(1_001)),
            answer(6, 5),
        ],
    )
    .await;
    let codes: Vec<&str> = mixed["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["comment_exists", "unknown_feedback", "comment_too_long"]);
    assert_eq!(mixed["accepted"], 1);
    let stranger = send(&app, "visitor-stranger", None, vec![comment(7, 6, "Not mine")]).await;
    assert_eq!(stranger["rejected"][0]["error"]["code"], "unknown_feedback");
}

const WITH_RECOVERY: &str = crate::helpers::WITH_ADMIN_KEY;

#[tokio::test]
async fn a_detractor_gets_a_case_and_goodwill_points_once() {
    let app = spawn_app_with(WITH_RECOVERY).await;
    let before = app.account("alice").await["balance"].as_i64().unwrap();
    let session = app.member_session("alice").await;
    assert_eq!(
        session["feedback"]["recovery_points"], 50,
        "the demo site gives 50 goodwill points"
    );

    // The same low answer sent three times: one case, one grant.
    for _ in 0..3 {
        send(&app, "visitor-alice", Some("alice"), vec![answer(1, 1)]).await;
    }
    let account = app.account("alice").await;
    assert_eq!(account["balance"].as_i64().unwrap(), before + 50);
    assert_eq!(account["entries"][0]["reason"], "With our apologies");
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_cases").await, 1);
    assert_eq!(
        app.member_session("alice").await["feedback"]["recovery_points"],
        Value::Null,
        "within the cooldown"
    );

    // Another low answer within the cooldown: a case, no more points.
    send(&app, "visitor-alice", Some("alice"), vec![answer(2, 2)]).await;
    assert_eq!(app.account("alice").await["balance"].as_i64().unwrap(), before + 50);
    // A happy answer opens nothing; an anonymous detractor gets a case without points.
    send(&app, "visitor-alice", Some("alice"), vec![answer(3, 5)]).await;
    send(&app, "visitor-anonymous", None, vec![answer(4, 1)]).await;
    let cases = app.admin_json("demo/recovery").await;
    let summary: Vec<(String, Value, Value)> = cases["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["event_id"].as_str().unwrap().to_owned(),
                c["member_id"].clone(),
                c["points"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (id(4), Value::Null, Value::Null),
            (id(2), json!("alice"), Value::Null),
            (id(1), json!("alice"), json!(50))
        ]
    );
}

#[tokio::test]
async fn racing_low_answers_on_two_servers_grant_goodwill_once() {
    let app = spawn_app_with(WITH_RECOVERY).await;
    let other = spawn_second_process(&app, WITH_RECOVERY).await;
    let before = app.account("alice").await["balance"].as_i64().unwrap();
    // Alice on eight devices at once, half of them served by each process.
    let devices: Vec<String> = (0..8).map(|n| format!("visitor-alice-{n}")).collect();
    let sends = devices.iter().enumerate().map(|(n, device)| {
        send(
            if n % 2 == 0 { &app } else { &other },
            device,
            Some("alice"),
            vec![answer(n as u32 + 1, 1)],
        )
    });
    join_all(sends).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_cases").await, 8);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_cases WHERE points = 50").await,
        1
    );
    assert_eq!(app.account("alice").await["balance"].as_i64().unwrap(), before + 50);
}

#[tokio::test]
async fn one_visitor_opens_at_most_three_cases_a_day_and_every_answer_is_kept() {
    let app = spawn_app_with(WITH_RECOVERY).await;
    let answers: Vec<Value> = (1..=5).map(|n| answer(n, 1)).collect();
    send(&app, "visitor-angry", None, answers).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE visitor_id = 'visitor-angry' AND type = 'feedback'")
            .await,
        5
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_cases WHERE visitor_id = 'visitor-angry'")
            .await,
        3
    );
    send(&app, "visitor-other", None, vec![answer(6, 1)]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_cases").await,
        4,
        "other visitors still open cases"
    );
}

#[tokio::test]
async fn staff_resolve_cases_with_a_note() {
    let app = spawn_app_with(WITH_RECOVERY).await;
    send(
        &app,
        "visitor-unhappy",
        None,
        vec![answer(1, 1), comment(2, 1, "Parcel arrived broken")],
    )
    .await;
    let open = app.admin_json("demo/recovery?status=open").await;
    let case = &open["items"][0];
    assert_eq!(
        (case["comment"].as_str(), case["status"].as_str()),
        (Some("Parcel arrived broken"), Some("open"))
    );
    let case_id = case["id"].as_i64().unwrap();

    let resolve = async |note: &str| {
        app.admin(Method::POST, &format!("demo/recovery/{case_id}/resolve"))
            .json(&json!({ "note": note }))
            .send()
            .await
            .unwrap()
    };
    let resolved = resolve("Sent a replacement").await;
    assert_eq!(resolved.status(), 200);
    let resolved: Value = resolved.json().await.unwrap();
    assert_eq!(
        (resolved["status"].as_str(), resolved["note"].as_str()),
        (Some("resolved"), Some("Sent a replacement"))
    );
    assert!(resolved["resolved_at"].as_i64().is_some());
    assert_eq!(
        resolve("Sent a replacement").await.status(),
        200,
        "the same resolution again is harmless"
    );
    assert_eq!(
        error_code(resolve("Refunded instead").await, 409).await,
        "case_already_resolved"
    );
    assert_eq!(error_code(resolve("  ").await, 422).await, "note_empty");
    assert_eq!(
        error_code(resolve(&"n".repeat(2_001)).await, 422).await,
        "note_too_long"
    );
    let missing = app
        .admin(Method::POST, "demo/recovery/999/resolve")
        .json(&json!({ "note": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(missing, 404).await, "case_not_found");
    let open = app.admin_json("demo/recovery?status=open").await;
    assert_eq!(open["items"], json!([]));
    let bad = app
        .admin(Method::GET, "demo/recovery?status=closed")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(bad, 422).await, "invalid_status");
}

#[tokio::test]
async fn staff_filter_page_and_export_feedback() {
    let app = spawn_app_with(WITH_RECOVERY).await;
    send(
        &app,
        "visitor-a",
        None,
        vec![answer(1, 1), comment(2, 1, "=cmd|' /C calc'!A0, \"broken\"")],
    )
    .await;
    send(&app, "visitor-b", None, vec![answer(3, 3)]).await;
    send(&app, "visitor-c", None, vec![answer(4, 5), comment(5, 4, "Lovely")]).await;
    let get = async |query: &str| {
        let response = app
            .admin(Method::GET, &format!("demo/feedback?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{query}");
        response.json::<Value>().await.unwrap()
    };
    let ids = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&get("").await), [id(4), id(3), id(1)]);
    assert_eq!(ids(&get("has_comment=true").await), [id(4), id(1)]);
    assert_eq!(ids(&get("has_comment=false").await), [id(3)]);
    assert_eq!(ids(&get("min_score=2&max_score=4").await), [id(3)]);
    assert_eq!(ids(&get("scale=nps").await), Vec::<String>::new());
    assert_eq!(ids(&get("from=4102444800000").await), Vec::<String>::new());
    let first = get("limit=2").await;
    assert_eq!(ids(&first), [id(4), id(3)]);
    let next = get(&format!("limit=2&cursor={}", first["next_cursor"])).await;
    assert_eq!((ids(&next), next["next_cursor"].clone()), (vec![id(1)], Value::Null));

    for (query, code) in [
        ("scale=stars", "invalid_scale"),
        ("format=xml", "invalid_format"),
        ("min_score=low", "invalid_query"),
        ("limit=0", "invalid_limit"),
    ] {
        let response = app
            .admin(Method::GET, &format!("demo/feedback?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(response, 422).await, code, "{query}");
    }

    let csv = app
        .admin(Method::GET, "demo/feedback?format=csv&has_comment=true")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,received_at,occurred_at,scale,score,comment,member_id,visitor_id,session_id,context"
    );
    assert_eq!(lines.len(), 3);
    assert!(
        lines[1].starts_with(&format!("{},", id(4))) && lines[1].contains(",csat5,5,Lovely,,visitor-c,"),
        "{}",
        lines[1]
    );
    // A comment a spreadsheet would run as a formula arrives as text, quoted.
    assert!(
        lines[2].contains(",\"'=cmd|' /C calc'!A0, \"\"broken\"\"\","),
        "{}",
        lines[2]
    );
}
