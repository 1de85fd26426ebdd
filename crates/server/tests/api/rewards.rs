//! Members spend points: the catalog in the session answer, redemption exactly once per
//! idempotency key, never overdrawn, stock and limits held across server processes.

use futures_util::future::join_all;
use moments_server::features::member_token::{self, MemberClaims};
use serde_json::{Value, json};

use crate::helpers::*;

/// A second site whose catalog the races use: one unit of stock, and a pool with no codes.
const RACE_SITE: &str = "[[sites]]
key = \"race\"
allowed_origins = [\"http://localhost:5173\"]
member_token_secrets = [{ kid = \"demo\", secret = \"demo-secret-not-for-real-visitors\" }]
coupon_pools = [\"empty\"]
[[sites.rewards]]
key = \"last-one\"
cost = 10
code = \"ONLY-ONE\"
title = { en = \"The last one\" }
stock = 1
[[sites.rewards]]
key = \"from-empty-pool\"
cost = 10
coupon_pool = \"empty\"
title = { en = \"Nothing left\" }
";

fn token(site: &str, member: &str) -> String {
    let claims = MemberClaims {
        sub: member.into(),
        name: None,
        locale: None,
        birthday: None,
    };
    member_token::mint(&claims, site, &demo_secret(), now(), now() + 600)
}

/// A member's session on `site`: (session id, the answer).
pub async fn session(app: &TestApp, site: &str, member: Option<&str>) -> (String, Value) {
    let mut body = json!({ "site": site, "visitor_id": format!("visitor-{}", member.unwrap_or("anonymous")) });
    if let Some(member) = member {
        body["member_token"] = token(site, member).into();
    }
    let answer: Value = app.post("/v1/session", &body).await.json().await.unwrap();
    (answer["session_id"].as_str().unwrap().to_owned(), answer)
}

async fn redeem(
    app: &TestApp,
    site: &str,
    member: Option<&str>,
    session_id: &str,
    reward: &str,
    key: &str,
) -> reqwest::Response {
    let mut body = json!({
        "site": site, "visitor_id": format!("visitor-{}", member.unwrap_or("anonymous")),
        "session_id": session_id, "idempotency_key": key,
    });
    if let Some(member) = member {
        body["member_token"] = token(site, member).into();
    }
    app.post(&format!("/v1/rewards/{reward}/redeem"), &body).await
}

async fn debits(app: &TestApp, site: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM points_ledger WHERE site = '{site}' AND idempotency_key LIKE 'moments:redeem:%'"
    ))
    .await
}

#[tokio::test]
async fn a_member_sees_the_catalog_and_redeems_once_per_key() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let (session_id, answer) = session(&app, SITE, Some("alice")).await;
    assert_eq!(answer["member"]["points"], 1240);
    let ways = answer["ways_to_earn"].as_array().unwrap();
    assert_eq!(ways.len(), 3, "{answer}");
    assert!(
        !ways.iter().any(|w| w.as_str().unwrap().contains("birthday")),
        "surprises are never listed"
    );
    let offers: Vec<(&str, i64, Option<&str>)> = answer["rewards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap(),
                r["points_needed"].as_i64().unwrap(),
                r["unavailable"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        offers,
        [
            ("free-shipping", 0, None),
            ("five-off", 0, None),
            ("tote-bag", 260, Some("tier_too_low"))
        ]
    );
    assert_eq!(answer["rewards"][2]["min_tier"], "Gold");

    let redeemed = redeem(&app, SITE, Some("alice"), &session_id, "five-off", "tap-0001").await;
    assert_eq!(redeemed.status(), 201);
    assert!(redeemed.headers().get("idempotent-replayed").is_none());
    let redeemed: Value = redeemed.json().await.unwrap();
    assert_eq!(redeemed["redemption"]["code"], "FIVE-0001");
    assert_eq!(redeemed["redemption"]["points"], 500);
    assert_eq!(
        redeemed["redemption"]["how_to_use"],
        "Enter the code at checkout; it works once."
    );
    assert_eq!(redeemed["member"]["points"], 740);
    assert_eq!(
        redeemed["member"]["lifetime_points"], 1300,
        "spending does not lower the tier"
    );
    assert_eq!(
        redeemed["member"]["recent"][0],
        json!({ "delta": -500, "reason": "Redeemed: €5 off", "at": redeemed["redemption"]["at"] })
    );
    assert_eq!(redeemed["member"]["redeemed"][0]["code"], "FIVE-0001");

    // A double tap, or a retry after a lost answer: the same code, nothing debited again.
    let again = redeem(&app, SITE, Some("alice"), &session_id, "five-off", "tap-0001").await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(
        (again["redemption"]["code"].as_str(), again["member"]["points"].as_i64()),
        (Some("FIVE-0001"), Some(740))
    );
    assert_eq!(debits(&app, SITE).await, 1);

    // The next page view shows the code in her history and the new balance.
    let (_, later) = session(&app, SITE, Some("alice")).await;
    assert_eq!(
        (
            later["member"]["points"].as_i64(),
            later["member"]["redeemed"][0]["code"].as_str()
        ),
        (Some(740), Some("FIVE-0001"))
    );
    assert_eq!(later["rewards"][1]["points_needed"], 0);

    let listed: Value = app.admin_json(&format!("{SITE}/redemptions?member=alice")).await;
    assert_eq!(
        (
            listed["items"].as_array().unwrap().len(),
            listed["items"][0]["code"].as_str()
        ),
        (1, Some("FIVE-0001"))
    );
    let catalog: Value = app.admin_json(&format!("{SITE}/rewards")).await;
    let five_off = catalog["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "five-off")
        .unwrap()
        .clone();
    assert_eq!(
        (five_off["redeemed"].as_i64(), five_off["coupon_pool"].as_str()),
        (Some(1), Some("five-off"))
    );
    let tote = catalog["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "tote-bag")
        .unwrap()
        .clone();
    assert_eq!(
        (tote["stock"].as_i64(), tote["stock_left"].as_i64()),
        (Some(50), Some(50))
    );
}

#[tokio::test]
async fn refusals_have_their_own_codes_and_debit_nothing() {
    let app = spawn_app_with(&format!("{WITH_ADMIN_KEY}\n{RACE_SITE}")).await;
    let (alice, _) = session(&app, SITE, Some("alice")).await;
    let code = |r: reqwest::Response, status| error_code(r, status);
    assert_eq!(
        code(redeem(&app, SITE, Some("alice"), &alice, "tote-bag", "k-1").await, 409).await,
        "tier_too_low"
    );
    let (bob, _) = session(&app, SITE, Some("bob")).await;
    assert_eq!(
        code(redeem(&app, SITE, Some("bob"), &bob, "five-off", "k-2").await, 409).await,
        "insufficient_points"
    );
    let (anonymous, _) = session(&app, SITE, None).await;
    assert_eq!(
        code(redeem(&app, SITE, None, &anonymous, "five-off", "k-3").await, 401).await,
        "member_required"
    );
    assert_eq!(
        code(redeem(&app, SITE, Some("alice"), &alice, "yacht", "k-4").await, 404).await,
        "unknown_reward"
    );
    assert_eq!(
        code(
            redeem(
                &app,
                SITE,
                Some("alice"),
                "00000000-0000-4000-8000-000000000000",
                "five-off",
                "k-5"
            )
            .await,
            401
        )
        .await,
        "unknown_session"
    );
    assert_eq!(
        code(redeem(&app, SITE, Some("alice"), &alice, "five-off", "").await, 422).await,
        "idempotency_key_empty"
    );
    assert_eq!(debits(&app, SITE).await, 0);
    assert_eq!(app.account("alice").await["balance"], 1240);
    assert_eq!(app.account("bob").await["balance"], 80);

    // Free shipping: once per 30 days; the key of one redemption does not buy another reward.
    assert_eq!(
        redeem(&app, SITE, Some("alice"), &alice, "free-shipping", "k-6")
            .await
            .status(),
        201
    );
    assert_eq!(
        code(
            redeem(&app, SITE, Some("alice"), &alice, "free-shipping", "k-7").await,
            409
        )
        .await,
        "limit_reached"
    );
    assert_eq!(
        code(redeem(&app, SITE, Some("alice"), &alice, "five-off", "k-6").await, 422).await,
        "idempotency_key_reused"
    );
    // A pool with no codes left is sold out.
    assert_eq!(
        app.award_on("race", "carol", json!(100), "Order", "order-1")
            .await
            .status(),
        201
    );
    let (carol, _) = session(&app, "race", Some("carol")).await;
    assert_eq!(
        code(
            redeem(&app, "race", Some("carol"), &carol, "from-empty-pool", "k-8").await,
            409
        )
        .await,
        "sold_out"
    );
    assert_eq!(debits(&app, SITE).await + debits(&app, "race").await, 1);
    assert_eq!(app.account("alice").await["balance"], 940);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_unit_of_stock_goes_to_one_of_eight_members_racing_on_two_servers() {
    let app = spawn_app_with(&format!("{WITH_ADMIN_KEY}\n{RACE_SITE}")).await;
    let other = spawn_second_process(&app, &format!("{WITH_ADMIN_KEY}\n{RACE_SITE}")).await;
    let members: Vec<String> = (0..8).map(|n| format!("racer-{n}")).collect();
    let mut sessions = Vec::new();
    for member in &members {
        assert_eq!(
            app.award_on("race", member, json!(50), "Order", &format!("order-{member}"))
                .await
                .status(),
            201
        );
        sessions.push(session(&app, "race", Some(member)).await.0);
    }
    let keys: Vec<String> = members.iter().map(|m| format!("tap-{m}")).collect();
    let racing = members
        .iter()
        .zip(&sessions)
        .zip(&keys)
        .enumerate()
        .map(|(n, ((member, session_id), key))| {
            let server = if n % 2 == 0 { &app } else { &other };
            redeem(server, "race", Some(member), session_id, "last-one", key)
        });
    let statuses: Vec<u16> = join_all(racing).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM redemptions WHERE site = 'race'").await,
        1
    );
    assert_eq!(debits(&app, "race").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_redemption_from_two_tabs_on_two_servers_debits_once() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let other = spawn_second_process(&app, WITH_ADMIN_KEY).await;
    let (session_id, _) = session(&app, SITE, Some("alice")).await;
    let tabs = (0..8).map(|n| {
        redeem(
            if n % 2 == 0 { &app } else { &other },
            SITE,
            Some("alice"),
            &session_id,
            "five-off",
            "one-tap",
        )
    });
    let answers = join_all(tabs).await;
    let mut codes = Vec::new();
    for answer in answers {
        assert!(matches!(answer.status().as_u16(), 200 | 201), "{}", answer.status());
        let body: Value = answer.json().await.unwrap();
        codes.push(body["redemption"]["code"].as_str().unwrap().to_owned());
    }
    codes.dedup();
    assert_eq!(codes, ["FIVE-0001"]);
    assert_eq!(debits(&app, SITE).await, 1);
    assert_eq!(app.account("alice").await["balance"], 740);
}
