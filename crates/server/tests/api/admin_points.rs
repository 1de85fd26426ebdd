//! The admin points API: key checks, idempotency, the balance floor, bad input, paging.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn the_admin_api_takes_only_the_admin_key() {
    let without_key = spawn_app().await;
    let response = without_key
        .admin(Method::GET, "demo/members/alice")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response, 401).await, "admin_api_disabled");

    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let url = format!("{}/v1/admin/sites/demo/members/alice", app.url);
    let missing = app.client.get(&url).send().await.unwrap();
    assert_eq!(error_code(missing, 401).await, "admin_key_missing");
    for wrong in [
        "nope",
        "test-admin-key-0123456789abcdef012345678",
        "test-admin-key-0123456789abcdef01234567890",
        "TEST-ADMIN-KEY-0123456789ABCDEF0123456789",
    ] {
        let response = app.client.get(&url).bearer_auth(wrong).send().await.unwrap();
        assert_eq!(error_code(response, 401).await, "admin_key_invalid", "{wrong:?}");
    }
    let empty = app.client.get(&url).bearer_auth("").send().await.unwrap();
    assert_eq!(error_code(empty, 401).await, "admin_key_missing");
    let basic = app
        .client
        .get(&url)
        .basic_auth("admin", Some(ADMIN_KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(basic, 401).await, "admin_key_missing");
    let award = app
        .client
        .post(format!("{url}/points"))
        .json(&json!({ "delta": 5, "reason": "r", "idempotency_key": "k" }));
    assert_eq!(error_code(award.send().await.unwrap(), 401).await, "admin_key_missing");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM points_ledger WHERE idempotency_key = 'k'")
            .await,
        0
    );
    assert_eq!(app.account("alice").await["balance"], 1240);
}

#[tokio::test]
async fn awarded_points_show_in_the_next_session() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let response = app.award("alice", json!(150), "Order #2001", "order-2001").await;
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("idempotent-replayed").is_none());
    let entry: Value = response.json().await.unwrap();
    assert_eq!(
        (
            entry["delta"].clone(),
            entry["reason"].clone(),
            entry["balance_after"].clone()
        ),
        (json!(150), json!("Order #2001"), json!(1390))
    );
    let session = app.member_session("alice").await;
    assert_eq!(session["member"]["points"], 1390);
    assert_eq!(session["member"]["recent"][0]["reason"], "Order #2001");
}

#[tokio::test]
async fn the_same_request_twice_changes_nothing_more_and_answers_the_same() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let first = app.award("alice", json!(40), "Review bonus", "review-7").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    app.award("alice", json!(10), "Something else", "other").await;

    let again = app.award("alice", json!(40), "Review bonus", "review-7").await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(app.account("alice").await["balance"], 1240 + 40 + 10);

    let changed = app.award("alice", json!(400), "Review bonus", "review-7").await;
    assert_eq!(error_code(changed, 422).await, "idempotency_key_reused");
    let reworded = app.award("alice", json!(40), "Another reason", "review-7").await;
    assert_eq!(error_code(reworded, 422).await, "idempotency_key_reused");
    assert_eq!(app.account("alice").await["balance"], 1290);
}

#[tokio::test]
async fn identical_requests_at_the_same_moment_on_two_servers_make_one_entry() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let other = spawn_second_process(&app, WITH_ADMIN_KEY).await;
    let requests = (0..24).map(|i| {
        let server = if i % 2 == 0 { &app } else { &other };
        server.award("carol", json!(75), "Order #3001", "order-3001")
    });
    let statuses: Vec<u16> = join_all(requests).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM points_ledger WHERE member_id = 'carol'")
            .await,
        1
    );
    assert_eq!(app.account("carol").await["balance"], 75);
}

#[tokio::test]
async fn a_redemption_may_not_take_the_balance_below_zero_even_when_racing() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let other = spawn_second_process(&app, WITH_ADMIN_KEY).await;
    let too_much = app.award("bob", json!(-81), "Redeemed: gift card", "redeem-1").await;
    assert_eq!(error_code(too_much, 409).await, "insufficient_points");
    assert_eq!(app.account("bob").await["balance"], 80);

    // 80 points, ten redemptions of 30 at once: exactly two fit.
    let keys: Vec<String> = (0..10).map(|i| format!("race-{i}")).collect();
    let requests = keys.iter().enumerate().map(|(i, key)| {
        let server = if i % 2 == 0 { &app } else { &other };
        server.award("bob", json!(-30), "Redeemed: coupon", key)
    });
    let statuses: Vec<u16> = join_all(requests).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 2, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 8, "{statuses:?}");
    let account = app.account("bob").await;
    assert_eq!(
        (account["balance"].clone(), account["lifetime_points"].clone()),
        (json!(20), json!(80))
    );
}

#[tokio::test]
async fn bad_changes_get_their_own_codes_and_change_nothing() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let long_reason = "r".repeat(201);
    let long_key = "k".repeat(129);
    let cases: [(Value, &str, &str, u16, &str); 10] = [
        (json!(1.5), "r", "k1", 422, "delta_not_integer"),
        (json!("5"), "r", "k2", 422, "delta_not_integer"),
        (json!(null), "r", "k3", 422, "delta_not_integer"),
        (json!(0), "r", "k4", 422, "delta_zero"),
        (json!(1_000_001), "r", "k5", 422, "delta_too_large"),
        (json!(-1_000_001), "r", "k6", 422, "delta_too_large"),
        (json!(5), " ", "k7", 422, "reason_empty"),
        (json!(5), &long_reason, "k8", 422, "reason_too_long"),
        (json!(5), "r", "", 422, "idempotency_key_empty"),
        (json!(5), "r", &long_key, 422, "idempotency_key_too_long"),
    ];
    for (delta, reason, key, status, code) in cases {
        assert_eq!(
            error_code(app.award("alice", delta.clone(), reason, key).await, status).await,
            code,
            "{delta} {reason:?} {key:?}"
        );
    }
    let missing_field = app
        .admin(Method::POST, "demo/members/alice/points")
        .json(&json!({ "delta": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(missing_field, 422).await, "invalid_body");
    let unknown_site = app
        .admin(Method::POST, "nowhere/members/alice/points")
        .json(&json!({ "delta": 5, "reason": "r", "idempotency_key": "k" }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(unknown_site, 404).await, "unknown_site");
    let bad_member = app
        .admin(Method::POST, "demo/members/%20alice/points")
        .json(&json!({ "delta": 5, "reason": "r", "idempotency_key": "k" }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(bad_member, 422).await, "invalid_member_id");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM points_ledger").await,
        4,
        "only the demo seed"
    );
}

#[tokio::test]
async fn a_members_account_pages_through_their_ledger() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let unknown = app.admin(Method::GET, "demo/members/nobody").send().await.unwrap();
    assert_eq!(error_code(unknown, 404).await, "member_not_found");

    // A member the site never showed us yet: the award creates them.
    for i in 1..=5 {
        assert_eq!(
            app.award("dana", json!(i * 100), &format!("Order #{i}"), &format!("order-{i}"))
                .await
                .status(),
            201
        );
    }
    assert_eq!(
        app.award("dana", json!(-200), "Redeemed", "redeem-1").await.status(),
        201
    );
    let first = app.admin_json("demo/members/dana?limit=4").await;
    assert_eq!(
        (first["balance"].clone(), first["lifetime_points"].clone()),
        (json!(1300), json!(1500))
    );
    assert_eq!(first["tier"]["name"], "Gold");
    let reasons = |page: &Value| {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["reason"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(reasons(&first), ["Redeemed", "Order #5", "Order #4", "Order #3"]);
    let before = first["next_before"].as_i64().unwrap();
    let second = app
        .admin_json(&format!("demo/members/dana?limit=4&before={before}"))
        .await;
    assert_eq!(reasons(&second), ["Order #2", "Order #1"]);
    assert_eq!(second["next_before"], Value::Null);

    for (query, code) in [
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("limit=ten", "invalid_query"),
        ("before=x", "invalid_query"),
    ] {
        let response = app
            .admin(Method::GET, &format!("demo/members/dana?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(response, 422).await, code, "{query}");
    }
}

#[tokio::test]
async fn crossing_into_a_tier_is_celebrated_in_exactly_one_session() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let other = spawn_second_process(&app, WITH_ADMIN_KEY).await;
    assert_eq!(
        app.member_session("bob").await["member"]["tier_up"],
        false,
        "Bronze, the first tier, is no news"
    );
    assert_eq!(
        app.award("bob", json!(500), "Order #4001", "order-4001").await.status(),
        201
    );

    let sessions = (0..8).map(|i| {
        if i % 2 == 0 {
            app.member_session("bob")
        } else {
            other.member_session("bob")
        }
    });
    let answers = join_all(sessions).await;
    let celebrated = answers.iter().filter(|s| s["member"]["tier_up"] == true).count();
    assert_eq!(celebrated, 1);
    assert!(answers.iter().all(|s| s["member"]["tier"]["name"] == "Silver"));
    assert_eq!(app.member_session("bob").await["member"]["tier_up"], false);

    // Redeeming does not lower lifetime points, so the tier stays and nothing is celebrated again.
    assert_eq!(
        app.award("bob", json!(-500), "Redeemed", "redeem-4001").await.status(),
        201
    );
    let after = app.member_session("bob").await;
    assert_eq!(
        (
            after["member"]["tier"]["name"].clone(),
            after["member"]["tier_up"].clone()
        ),
        (json!("Silver"), json!(false))
    );
}

#[tokio::test]
async fn the_ledger_refuses_edits_and_deletions_from_anyone() {
    let app = spawn_app().await;
    for sql in ["UPDATE points_ledger SET delta = 99999", "DELETE FROM points_ledger"] {
        let error = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&app.db)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    assert_eq!(
        app.count("SELECT CAST(SUM(delta) AS BIGINT) FROM points_ledger WHERE member_id = 'alice'")
            .await,
        1240
    );
}

#[tokio::test]
async fn a_whole_number_written_with_a_decimal_point_is_a_whole_number() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let response = app
        .award(
            "alice",
            json!(15.0),
            "JSON Schema integers may be written 15.0",
            "k-whole",
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>().await.unwrap()["delta"], 15);
}
