//! The audit trail: one row per change, written in the change's transaction (a refused or
//! failed change leaves none), append-only, kept through kill -9, pseudonymised on erasure.

use std::time::Duration;

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WITH_ADMIN_KEY, error_code, spawn_app_with, spawn_second_process};

async fn trail(app: &TestApp, query: &str) -> Vec<Value> {
    let page: Value = app.admin_json(&format!("demo/audit?{query}")).await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn each_change_is_one_row_naming_who_from_where() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let made: Value = app
        .admin(Method::POST, "demo/keys")
        .json(&json!({ "name": "orders backend", "scopes": ["points:write"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (key_id, secret) = (made["key"]["id"].as_i64().unwrap(), made["secret"].as_str().unwrap());
    let award = |delta: i64, idempotency_key: &str| {
        app.client
            .post(format!("{}/v1/admin/sites/demo/members/alice/points", app.url))
            .bearer_auth(secret)
            .header("x-request-id", format!("req-{idempotency_key}"))
            .json(&json!({ "delta": delta, "reason": "Order", "idempotency_key": idempotency_key }))
            .send()
    };
    assert_eq!(award(250, "order-1").await.unwrap().status(), 201);
    assert_eq!(award(250, "order-1").await.unwrap().status(), 201, "a replay");
    // Refused by the ledger (the balance would go negative): nothing happened, nothing is recorded.
    assert_eq!(
        error_code(award(-10_000, "refund-1").await.unwrap(), 409).await,
        "insufficient_points"
    );

    let rows = trail(&app, "action=points.add").await;
    assert_eq!(rows.len(), 1, "one change, one row: {rows:?}");
    let row = &rows[0];
    assert_eq!(row["actor_kind"], "key");
    assert_eq!(row["actor_id"], key_id.to_string());
    assert_eq!(row["actor_name"], "orders backend");
    assert_eq!(row["target_kind"], "member");
    assert_eq!(row["target_id"], "alice");
    assert!(row["summary"].as_str().unwrap().starts_with("delta +250"), "{row}");
    assert_eq!(row["request_id"], "req-order-1");
    assert_eq!(row["client_address"], "127.0.0.1");
    let key_row = &trail(&app, "action=key.create").await[0];
    assert_eq!(key_row["actor_kind"], "operator");
    assert!(
        !key_row.to_string().contains(&secret[3..]),
        "no secret in the trail: {key_row}"
    );

    // Filters and the CSV.
    assert_eq!(trail(&app, &format!("actor={key_id}")).await.len(), 1);
    assert_eq!(trail(&app, "actor=admin-key").await.len(), 1);
    assert_eq!(trail(&app, "target=alice").await.len(), 1);
    assert_eq!(trail(&app, "from=1&to=2").await.len(), 0);
    let csv = app
        .admin(Method::GET, "demo/audit?format=csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("id,at,actor_kind"), "{csv}");
    assert_eq!(lines.len(), 3, "{csv}");
    let bad = app.admin(Method::GET, "demo/audit?format=xml").send().await.unwrap();
    assert_eq!(error_code(bad, 422).await, "invalid_format");

    // For a SIEM: each row as the webhook event audit.recorded, to endpoints that ask for it.
    let endpoint = app
        .admin(Method::POST, "demo/webhooks")
        .json(&json!({ "url": "https://93.184.216.34/siem", "events": ["audit.recorded"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(endpoint.status(), 201);
    assert_eq!(award(5, "order-2").await.unwrap().status(), 201);
    let sent: String = sqlx::query_scalar(
        "SELECT data FROM webhook_messages WHERE type = 'audit.recorded' AND data LIKE '%points.add%'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let sent: Value = serde_json::from_str(&sent).unwrap();
    assert_eq!(sent["action"], "points.add");
    assert_eq!(sent["actor_name"], "orders backend");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_messages WHERE type = 'audit.recorded'")
            .await,
        2,
        "the endpoint's own creation, then the points"
    );
}

#[tokio::test]
async fn the_trail_refuses_updates_and_deletes_and_pseudonymises_erased_members() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    app.award("bob", json!(40), "Order", "order-1").await;
    for sql in [
        "UPDATE audit_log SET summary = 'delta +4000'",
        "UPDATE audit_log SET actor_name = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let refused = sqlx::query(sql).execute(&app.db).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 1);

    let erased = app.admin(Method::DELETE, "demo/members/bob").send().await.unwrap();
    assert_eq!(erased.status(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE target_id = 'bob'")
            .await,
        0
    );
    let rows = trail(&app, "").await;
    assert_eq!(rows.len(), 2, "the points and the erasure stay: {rows:?}");
    assert_eq!(rows[0]["action"], "member.erase");
    assert!(
        rows.iter()
            .all(|r| r["target_id"].as_str().unwrap().starts_with("erased:"))
    );

    // Retention purges what is older than its setting (two years by default), nothing younger.
    let days_ago = |days: i64| crate::helpers::now_ms() - days * 86_400_000;
    for (at, member) in [(days_ago(731), "carol"), (days_ago(400), "dave")] {
        sqlx::query(
            "INSERT INTO audit_log (site, at, actor_kind, actor_id, actor_name, action, target_kind, target_id, summary)
             VALUES ('demo', $1, 'operator', 'admin-key', 'operator', 'points.add', 'member', $2, 'delta +1')",
        )
        .bind(at)
        .bind(member)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let settings = moments_server::config::RetentionSettings::default();
    moments_server::features::retention::run_once(&app.db, settings, crate::helpers::now_ms())
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE target_id IN ('carol', 'dave')")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE target_id = 'dave'")
            .await,
        1
    );
    let too_short = moments_server::config::Settings::from_toml("[server.retention]\naudit_days = 90").unwrap();
    assert!(too_short.check().is_err(), "an audit trail kept under a year");
}

#[tokio::test]
async fn acknowledged_changes_keep_their_rows_through_kill_9() {
    let first = spawn_app_with(WITH_ADMIN_KEY).await;
    let server = spawn_second_process(&first, WITH_ADMIN_KEY).await;
    let senders = (0..8).map(|sender| {
        let (client, url) = (server.client.clone(), server.url.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0.. {
                let key = format!("order-{sender}-{n}");
                let sent = client
                    .post(format!("{url}/v1/admin/sites/demo/members/alice/points"))
                    .bearer_auth(crate::helpers::ADMIN_KEY)
                    .header("x-request-id", &key)
                    .json(&json!({ "delta": 1, "reason": "Order", "idempotency_key": key }))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == 201 => acknowledged.push(key),
                    Ok(_) => {}
                    Err(_) => return acknowledged,
                }
            }
            acknowledged
        })
    });
    let senders: Vec<_> = senders.collect();
    tokio::time::sleep(Duration::from_millis(600)).await;
    server.process().unwrap().signal("KILL");
    let acknowledged: Vec<String> = join_all(senders).await.into_iter().flat_map(Result::unwrap).collect();
    assert!(acknowledged.len() > 10, "{} acknowledged", acknowledged.len());
    for key in &acknowledged {
        let rows = first
            .count(&format!("SELECT COUNT(*) FROM audit_log WHERE request_id = '{key}'"))
            .await;
        assert_eq!(rows, 1, "{key}");
    }
    // Committed but never acknowledged is possible; a change without its row (or the reverse) is not.
    assert_eq!(
        first
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'points.add'")
            .await,
        first
            .count("SELECT COUNT(*) FROM points_ledger WHERE member_id = 'alice' AND idempotency_key LIKE 'order-%-%'")
            .await
    );
}
