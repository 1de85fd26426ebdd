//! Context from support portals: answers carry what the visit was about (`setContext`), by
//! the protocol's one rule; staff filter the inbox and the API by any key, compare CSAT per
//! agent and per topic, export it; erasing a visitor erases it too.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const AT: i64 = 1_790_000_000_000;

fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn answer(n: u32, score: i64, context: Value) -> Value {
    json!({ "type": "feedback", "id": id(n), "at": AT, "scale": "csat5", "score": score, "context": context })
}

/// Sends `events` in a new session of `visitor`; the batch's answer.
async fn send(app: &TestApp, visitor: &str, events: Vec<Value>) -> Value {
    let session: Value = app
        .post("/v1/session", &json!({ "site": SITE, "visitor_id": visitor }))
        .await
        .json()
        .await
        .unwrap();
    let batch = json!({ "site": SITE, "visitor_id": visitor, "session_id": session["session_id"], "events": events });
    let response = app.post("/v1/events", &batch).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn answers_carry_a_context_by_the_protocols_rule() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let cases: Vec<Value> = serde_json::from_str(include_str!("../../../protocol/fixtures/contexts.json")).unwrap();
    let events: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(n, case)| answer(n as u32 + 1, 4, case["context"].clone()))
        .collect();
    let result = send(&app, "visitor-context-1", events).await;
    let rejected = result["rejected"].as_array().unwrap();
    for (n, case) in cases.iter().enumerate() {
        let refusal = rejected
            .iter()
            .find(|r| r["index"] == n)
            .map(|r| r["error"]["code"].as_str().unwrap());
        let expected = match case["code"].as_str() {
            // Not an object of strings: the event itself does not parse.
            Some("context_value_not_text" | "context_not_object") => Some("invalid_event"),
            other => other,
        };
        assert_eq!(refusal, expected, "{}", case["why"]);
    }
    let accepted = cases.iter().filter(|c| c["code"].is_null()).count();
    assert_eq!(result["accepted"], accepted);

    // The support ticket's answer: its context on the answer, and a row per key.
    let stored: Option<String> = sqlx::query_scalar("SELECT context FROM events WHERE id = $1")
        .bind(id(1))
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&stored.unwrap()).unwrap(),
        json!({ "agent": "may", "ticket": "T-1042", "topic": "returns" })
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM answer_context WHERE event_id = '{}'",
            id(1)
        ))
        .await,
        3
    );
    // An empty context is no context.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM events WHERE id = '{}' AND context IS NULL",
            id(2)
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn staff_compare_agents_filter_by_any_key_export_it_and_erasure_takes_it() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    // may: 30 answers on returns, 20 of 5 faces and 10 of 1. lee: 3 answers of 2 on shipping.
    let may: Vec<Value> = (1..=30)
        .map(|n| {
            answer(
                n,
                if n <= 20 { 5 } else { 1 },
                json!({ "agent": "may", "topic": "returns" }),
            )
        })
        .collect();
    send(&app, "visitor-of-may", may).await;
    let lee: Vec<Value> = (31..=33)
        .map(|n| {
            answer(
                n,
                2,
                json!({ "agent": "lee", "topic": "shipping", "ticket": format!("T-{n}") }),
            )
        })
        .collect();
    send(&app, "visitor-of-lee", lee).await;
    // Received now: the page's default range (thirty days to today) holds them.
    let html = page(&app, "/dashboard/demo/support").await;
    // may: CSAT (20 × 5 + 10 × 1) / 30 = 3.67; sd 1.918, se 0.3502, t(29) 2.045: 2.95 to 4.38;
    // 10 answers of 1 or 2. lee: 3 answers, all 2 (no spread): 2 to 2, marked too few.
    let row = |cells: &[&str]| cells.iter().map(|c| format!("<td>{c}</td>")).collect::<String>();
    let may_row = format!(
        r#"<td><a href="/dashboard/demo/feedback?context_key=agent&amp;context_value=may">may</a></td>{}"#,
        row(&["30", "3.67", "2.95 – 4.38", "10", "0", "–", "–"])
    );
    assert!(html.contains(&may_row), "{html}");
    let lee_row = format!(
        r#">lee</a> <small>(too few)</small></td>{}"#,
        row(&["3", "2", "2 – 2", "3", "0", "–", "–"])
    );
    assert!(html.contains(&lee_row), "{html}");
    assert!(
        html.contains("Groups marked “too few” have fewer than 30 answers"),
        "{html}"
    );
    assert!(html.contains("By topic") && html.contains(">returns</a>"), "{html}");
    assert!(
        html.contains(r#"<p class="card-label">Answers with a context</p><p class="card-value">33</p>"#),
        "{html}"
    );

    // Each key's table downloads as CSV (an empty cell for a missing figure), and the host's
    // reports get the same figures from the admin API.
    let csv = dashboard(&app, "/dashboard/demo/support.csv?key=agent")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("agent,Answers,CSAT (1–5),95% interval,Answers of 1 or 2,Answers,NPS,95% interval\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\r\nmay,30,3.67,2.95 – 4.38,10,0,,\r\nlee,3,2,2 – 2,3,0,,\r\n"),
        "{csv}"
    );
    assert_eq!(
        dashboard(&app, "/dashboard/demo/support.csv?key=nonsense")
            .await
            .status(),
        404
    );
    let report: Value = app.admin_json(&format!("{SITE}/context")).await;
    let agents = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == "agent")
        .unwrap();
    assert_eq!(agents["distinct"], 2);
    let may = &agents["values"][0];
    assert_eq!(
        (
            may["value"].as_str(),
            may["csat_answers"].as_i64(),
            may["csat_low_answers"].as_i64()
        ),
        (Some("may"), Some(30), Some(10))
    );
    assert!((may["csat"].as_f64().unwrap() - 110.0 / 30.0).abs() < 1e-9);
    assert!(
        (may["csat_low"].as_f64().unwrap() - 2.95).abs() < 0.005
            && (may["csat_high"].as_f64().unwrap() - 4.38).abs() < 0.005,
        "{may}"
    );
    assert_eq!(
        app.admin(Method::GET, &format!("{SITE}/context?from=10&to=5"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );

    // The inbox filters by any key, and by a value of it.
    let inbox = page(&app, "/dashboard/demo/feedback?context_key=agent&context_value=lee").await;
    assert_eq!(inbox.matches("agent=lee; ticket=T-").count(), 3, "{inbox}");
    assert!(!inbox.contains("agent=may"));
    let tickets = page(&app, "/dashboard/demo/feedback?context_key=ticket").await;
    assert_eq!(
        tickets.matches("<tr><td>").count(),
        3,
        "only lee's answers have a ticket"
    );

    // The admin API: the context on each answer, the same filter, and the CSV column.
    let listed: Value = app
        .admin(
            Method::GET,
            &format!("{SITE}/feedback?context_key=agent&context_value=lee"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0]["context"],
        json!({ "agent": "lee", "ticket": "T-33", "topic": "shipping" })
    );
    let csv = app
        .admin(
            Method::GET,
            &format!("{SITE}/feedback?format=csv&context_key=topic&context_value=shipping"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("id,received_at,occurred_at,scale,score,comment,member_id,visitor_id,session_id,context\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains(r#","{""agent"":""lee"",""ticket"":""T-33"",""topic"":""shipping""}""#),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 4);

    // Erasing lee's visitor takes the context (a ticket may name them); the scores stay.
    assert_eq!(
        app.admin(Method::DELETE, &format!("{SITE}/visitors/visitor-of-lee"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM answer_context WHERE value = 'lee'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE score = 2 AND context IS NULL")
            .await,
        3
    );
    assert!(!page(&app, "/dashboard/demo/support").await.contains(">lee</a>"));
}
