//! What a customer may ask of us: everything stored about them, then nothing stored about
//! them; and only what we need, for as long as we need it.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

async fn export(app: &TestApp, who: &str) -> reqwest::Response {
    app.admin(Method::GET, &format!("{SITE}/{who}/export"))
        .send()
        .await
        .unwrap()
}

async fn erase(app: &TestApp, who: &str) -> Value {
    let response = app
        .admin(Method::DELETE, &format!("{SITE}/{who}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Alice's page view with an answer, a comment and a tracked event.
async fn alice_visits(app: &TestApp) {
    let session = app
        .start_session(
            json!({ "member_token": token_for("alice", Some("Alice")), "page_url": "https://shop.example/account" }),
        )
        .await;
    let session: Value = session.json().await.unwrap();
    let events = json!([
        { "type": "feedback", "id": Uuid::new_v4().to_string(), "at": 1.7e12, "scale": "csat5", "score": 2, "comment": "My parcel never came" },
        { "type": "track", "id": Uuid::new_v4().to_string(), "at": 1.7e12, "name": "purchase", "value": 12.5 },
    ]);
    let body = json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session["session_id"], "events": events });
    let answer: Value = app.post("/v1/events", &body).await.json().await.unwrap();
    assert_eq!(answer["accepted"], 2, "{answer}");
}

/// Every `table.column` of text in the database that holds exactly `value` (every table, so a
/// table added later is checked too).
pub async fn columns_holding(app: &TestApp, value: &str) -> Vec<String> {
    let columns: Vec<(String, String)> = if crate::helpers::on_postgres() {
        sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema() AND data_type = 'text' AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(&app.db)
        .await
        .unwrap()
    } else {
        sqlx::query_as(
            "SELECT t.name, c.name FROM sqlite_master AS t, pragma_table_info(t.name) AS c
             WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%' AND t.name <> '_sqlx_migrations' AND c.type = 'TEXT'",
        )
        .fetch_all(&app.db)
        .await
        .unwrap()
    };
    let mut holding = Vec::new();
    for (table, column) in columns {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_one(&app.db)
            .await
            .unwrap();
        if n > 0 {
            holding.push(format!("{table}.{column}"));
        }
    }
    holding
}

#[tokio::test]
async fn a_member_is_exported_then_erased_and_the_ledger_keeps_its_sums() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    alice_visits(&app).await;
    let balance = app
        .count("SELECT CAST(SUM(delta) AS BIGINT) FROM points_ledger WHERE site = 'demo'")
        .await;

    let exported = export(&app, "members/alice").await;
    assert_eq!(exported.status(), 200);
    let data: Value = exported.json().await.unwrap();
    assert_eq!(data["profile"]["name"], "Alice");
    assert_eq!(
        data["ledger"].as_array().unwrap().len(),
        4,
        "three seeded entries and the goodwill points: {data}"
    );
    assert_eq!(data["answers"][0]["comment"], "My parcel never came");
    assert_eq!(data["answers"][0]["score"], 2);
    assert_eq!(data["events"][0]["name"], "purchase");
    assert_eq!(data["visitor_ids"], json!([VISITOR]));
    assert_eq!(data["sessions"][0]["page_url"], "https://shop.example/account");
    assert_eq!(data["recovery_cases"].as_array().unwrap().len(), 1);

    // Held out of a surprise rule's gift once, too.
    sqlx::query("INSERT INTO surprise_holdouts (site, rule, recipient, member_id, visitor_id, occasion, created_at) VALUES ('demo', 'big-order', 'm:alice', 'alice', $1, 'order-1', 1)")
        .bind(VISITOR)
        .execute(&app.db)
        .await
        .unwrap();

    let erased = erase(&app, "members/alice").await;
    assert_eq!(erased["erased"]["profile"], 1, "{erased}");
    for id in ["alice", "m:alice", VISITOR] {
        assert_eq!(
            columns_holding(&app, id).await,
            Vec::<String>::new(),
            "{id} is still stored"
        );
    }
    assert_eq!(export(&app, "members/alice").await.status(), 404);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM members WHERE member_id = 'alice'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE comment IS NOT NULL OR member_id IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE member_id IS NOT NULL OR visitor_id = 'visitor-0001'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_cases WHERE member_id IS NOT NULL")
            .await,
        0
    );
    // The accounts still add up, under a name that leads nowhere.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM points_ledger WHERE member_id = 'alice'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM points_ledger WHERE member_id LIKE 'erased:%'")
            .await,
        4
    );
    assert_eq!(
        app.count("SELECT CAST(SUM(delta) AS BIGINT) FROM points_ledger WHERE site = 'demo'")
            .await,
        balance
    );

    let again = erase(&app, "members/alice").await;
    assert_eq!(again["erased"]["profile"], 0, "erasing twice is harmless: {again}");
    // The ledger is still append-only for everything else.
    for change in [
        "UPDATE points_ledger SET delta = delta + 1",
        "UPDATE points_ledger SET member_id = 'mallory'",
        "DELETE FROM points_ledger",
    ] {
        let refused = sqlx::query(sqlx::AssertSqlSafe(change)).execute(&app.db).await;
        assert!(refused.is_err(), "{change} was allowed");
    }
}

#[tokio::test]
async fn a_visitor_is_exported_then_erased() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let session: Value = app
        .start_session(json!({ "page_url": "https://shop.example/help" }))
        .await
        .json()
        .await
        .unwrap();
    let answer = json!([{ "type": "feedback", "id": Uuid::new_v4().to_string(), "at": 1.7e12, "scale": "csat5", "score": 5, "comment": "Lovely" }]);
    let body = json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session["session_id"], "events": answer });
    assert_eq!(app.post("/v1/events", &body).await.status(), 200);

    let exported = export(&app, &format!("visitors/{VISITOR}")).await;
    assert_eq!(exported.status(), 200);
    let data: Value = exported.json().await.unwrap();
    assert_eq!(data["answers"][0]["comment"], "Lovely");
    assert_eq!(data["sessions"][0]["page_url"], "https://shop.example/help");

    erase(&app, &format!("visitors/{VISITOR}")).await;
    assert_eq!(export(&app, &format!("visitors/{VISITOR}")).await.status(), 404);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM events WHERE visitor_id = '{VISITOR}' OR comment IS NOT NULL"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE score = 5").await,
        1,
        "the score still counts, anonymously"
    );
    assert_eq!(
        erase(&app, &format!("visitors/{VISITOR}")).await["erased"]["sessions"],
        0
    );
}

#[tokio::test]
async fn only_the_origin_and_path_of_a_page_are_kept() {
    let app = spawn_app().await;
    let page = "https://shop.example/checkout/done?email=ana%40example.com&order=5001#token=abc";
    assert_eq!(app.start_session(json!({ "page_url": page })).await.status(), 200);
    let stored: String = sqlx::query_scalar("SELECT page_url FROM sessions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, "https://shop.example/checkout/done");
}

#[tokio::test]
async fn old_sessions_and_events_are_deleted_by_the_retention_job() {
    let app = spawn_app().await;
    let session_id = app.session_id().await;
    let day_ms: i64 = 86_400_000;
    let now_ms = now() * 1000;
    for (id, age_days) in [
        ("00000000-0000-4000-8000-000000000001", 400),
        ("00000000-0000-4000-8000-000000000002", 10),
    ] {
        sqlx::query("INSERT INTO events (site, id, session_id, visitor_id, type, occurred_at, received_at) VALUES ('demo', $1, $2, $3, 'dismiss', $4, $5)")
            .bind(id)
            .bind(&session_id)
            .bind(VISITOR)
            .bind(now_ms - age_days * day_ms)
            .bind(now_ms - age_days * day_ms)
            .execute(&app.db)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE sessions SET started_at = $1")
        .bind(now_ms - 100 * day_ms)
        .execute(&app.db)
        .await
        .unwrap();

    // Another process over the same database, with retention configured: the job runs as it starts.
    let _retaining = spawn_app_on(
        &app.database_url,
        "[server.retention]\nsessions_days = 90\nevents_days = 365",
    )
    .await;
    let mut left = (1, 2);
    for _ in 0..100 {
        left = (
            app.count("SELECT COUNT(*) FROM sessions").await,
            app.count("SELECT COUNT(*) FROM events").await,
        );
        if left == (0, 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(left, (0, 1), "(sessions, events) left");
}
