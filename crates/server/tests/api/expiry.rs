//! Points that expire: once, by whichever server process gets there first, never for a member
//! with recent activity, and announced in the panel from 30 days before.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

const DAY_MS: i64 = 86_400_000;

/// A ledger entry as an old order would have left it (the ledger takes appends only).
async fn earned_long_ago(app: &TestApp, member: &str, points: i64, days_ago: i64, key: &str) {
    let at = now() * 1000 - days_ago * DAY_MS;
    sqlx::query("INSERT INTO members (site, member_id, first_seen_at, last_seen_at) VALUES ('demo', $1, $2, $2) ON CONFLICT DO NOTHING")
        .bind(member)
        .bind(at)
        .execute(&app.db)
        .await
        .unwrap();
    past_ledger_entry(app, member, points, key, at).await;
}

/// What the admin API lists as due within `days`: member and points, soonest first.
async fn due_within(app: &TestApp, days: u32) -> Vec<(String, i64)> {
    let due: Value = app.admin_json(&format!("demo/expiring?within_days={days}")).await;
    due["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["member_id"].as_str().unwrap().to_owned(),
                d["points"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn lapses(app: &TestApp, member: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM points_ledger WHERE member_id = '{member}' AND idempotency_key LIKE 'moments:expiry:%'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn points_expire_once_even_when_two_servers_run_the_job_together() {
    // The demo site lets points lapse 12 months after the last entry.
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    earned_long_ago(&app, "olga", 420, 400, "order-1").await;
    // Rita earned long ago and again lately: her points are safe. Written in one transaction,
    // so this server's own expiry job, which may run at any moment, never sees her without
    // the recent entry.
    let mut connection = app.db.acquire().await.unwrap();
    let mut tx = sqlx::Connection::begin(&mut *connection).await.unwrap();
    let long_ago = now() * 1000 - 400 * DAY_MS;
    sqlx::query("INSERT INTO members (site, member_id, first_seen_at, last_seen_at) VALUES ('demo', 'rita', $1, $1)")
        .bind(long_ago)
        .execute(&mut *tx)
        .await
        .unwrap();
    for (delta, reason, key, at, balance) in [
        (300, "Order", "order-2", long_ago, 300),
        (10, "Review", "review-1", now() * 1000, 310),
    ] {
        sqlx::query(
            "INSERT INTO points_ledger (site, member_id, delta, reason, idempotency_key, created_at, balance_after) VALUES ('demo', 'rita', $1, $2, $3, $4, $5)",
        )
        .bind(delta)
        .bind(reason)
        .bind(key)
        .bind(at)
        .bind(balance)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let url = app.database_url.clone();
    let starting: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || spawn_process_on(&url, WITH_ADMIN_KEY))
        })
        .collect();
    let _servers: Vec<ServerProcess> = starting.into_iter().map(|s| s.join().unwrap()).collect();
    for _ in 0..100 {
        if lapses(&app, "olga").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(lapses(&app, "olga").await, 1, "two processes, one lapse");
    let olga = app.account("olga").await;
    assert_eq!(
        (olga["balance"].as_i64(), olga["lifetime_points"].as_i64()),
        (Some(0), Some(420)),
        "lifetime points stay: the tier does not drop"
    );
    assert_eq!(olga["entries"][0]["reason"], "Points expired");
    assert_eq!(olga["entries"][0]["delta"], -420);
    assert_eq!(lapses(&app, "rita").await, 0);
    assert_eq!(app.account("rita").await["balance"], 310);
}

#[tokio::test]
async fn the_panel_warns_from_thirty_days_before_and_the_admin_api_lists_what_is_due() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    // 12 months minus about 10 days ago: due in about 10 days.
    earned_long_ago(&app, "sara", 420, 355, "order-3").await;
    earned_long_ago(&app, "tom", 200, 100, "order-4").await;
    let sara = app
        .start_session(serde_json::json!({ "member_token": token_for("sara", None) }))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let expiring = &sara["member"]["expiring"];
    assert_eq!(expiring["points"], 420, "{sara}");
    let days_left = (expiring["on"].as_i64().unwrap() - now() * 1000) / DAY_MS;
    assert!((8..=11).contains(&days_left), "{days_left} days left");
    let tom = app
        .start_session(serde_json::json!({ "member_token": token_for("tom", None) }))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(tom["member"]["expiring"].is_null(), "eight months away: no warning yet");

    let members: Vec<String> = due_within(&app, 30).await.into_iter().map(|(m, _)| m).collect();
    assert_eq!(members, ["sara"]);
    assert_eq!(
        due_within(&app, 365).await.len(),
        4,
        "sara, tom, and the demo's alice and bob within a year"
    );
    assert_eq!(app.account("tom").await["expiring"]["points"], 200);
    let refused = app
        .admin(Method::GET, "demo/expiring?within_days=99999")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(refused, 422).await, "invalid_within_days");
}

/// Each member's balance, last entry and lifetime points as the database keeps them for
/// expiry and tiers (migrations 0020 and 0022), and as the ledger itself sums them.
async fn kept_and_summed(app: &TestApp) -> (Vec<(String, i64, i64, i64)>, Vec<(String, i64, i64, i64)>) {
    let kept = sqlx::query_as(
        "SELECT member_id, balance, last_entry_at, earned FROM member_points WHERE site = 'demo' ORDER BY member_id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let summed = sqlx::query_as(
        "SELECT member_id, CAST(SUM(delta) AS BIGINT), MAX(created_at), CAST(COALESCE(SUM(CASE WHEN delta > 0 THEN delta END), 0) AS BIGINT) FROM points_ledger
         WHERE site = 'demo' AND member_id NOT LIKE 'erased:%' GROUP BY member_id ORDER BY member_id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    (kept, summed)
}

#[tokio::test]
async fn the_balances_expiry_reads_are_the_ledgers_own_sums_through_earning_spending_lapsing_and_erasure() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    // Written out of time order: an old entry after a recent one must not move the last entry back.
    app.award("uma", serde_json::json!(50), "Review", "uma-1").await;
    earned_long_ago(&app, "uma", 300, 200, "uma-old").await;
    earned_long_ago(&app, "vic", 120, 380, "vic-old").await;
    app.award("vic", serde_json::json!(-20), "Spent", "vic-spent").await;
    earned_long_ago(&app, "wes", 90, 390, "wes-old").await;
    let lapsed = app.account("wes").await;
    let (kept, summed) = kept_and_summed(&app).await;
    assert_eq!(kept, summed, "{lapsed}");
    assert!(
        kept.iter().any(|(m, balance, ..)| m == "uma" && *balance == 350),
        "{kept:?}"
    );

    // Wes's points lapse (the expiry job; two processes run it), then Alice is erased.
    let url = app.database_url.clone();
    let _server = start_process_on(&url, WITH_ADMIN_KEY).await;
    for _ in 0..100 {
        if lapses(&app, "wes").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(lapses(&app, "wes").await, 1);
    let erased = app.admin(Method::DELETE, "demo/members/alice").send().await.unwrap();
    let status = erased.status();
    assert_eq!(status, 200, "{}", erased.text().await.unwrap());
    let (kept, summed) = kept_and_summed(&app).await;
    assert_eq!(kept, summed);
    assert!(
        kept.iter().all(|(m, ..)| m != "alice"),
        "an erased member leaves: {kept:?}"
    );
    // A lapse and a spend take from the balance, not from the lifetime points tiers go by.
    assert!(
        kept.iter()
            .any(|(m, balance, _, earned)| m == "wes" && *balance == 0 && *earned == 90),
        "{kept:?}"
    );
    assert!(
        kept.iter()
            .any(|(m, balance, _, earned)| m == "vic" && *balance == 100 && *earned == 120),
        "{kept:?}"
    );

    // What the admin API lists as due within 30 days is what the ledger's sums say: a balance
    // whose last entry is about 335 days old (none is near that edge).
    earned_long_ago(&app, "xan", 75, 360, "xan-old").await;
    earned_long_ago(&app, "yul", 60, 300, "yul-old").await;
    let listed = due_within(&app, 30).await;
    let (_, summed) = kept_and_summed(&app).await;
    let age = |last: i64| (now_ms() - last) / DAY_MS;
    assert!(
        summed.iter().all(|(_, _, last, _)| !(325..345).contains(&age(*last))),
        "{summed:?}"
    );
    let mut expected: Vec<(i64, String, i64)> = summed
        .iter()
        .filter(|(_, balance, last, _)| *balance > 0 && age(*last) >= 335)
        .map(|(m, balance, last, _)| (*last, m.clone(), *balance))
        .collect();
    expected.sort();
    let expected: Vec<(String, i64)> = expected.into_iter().map(|(_, m, b)| (m, b)).collect();
    assert_eq!(listed, expected);
    assert!(listed.contains(&("xan".to_owned(), 75)), "{listed:?}");
}
