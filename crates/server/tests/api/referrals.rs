//! Refer a friend: a member's link, the friend's click, and payment only for the friend's first
//! order the host vouches for, once, whatever the fraudster tries.

use futures_util::future::join_all;
use moments_server::features::member_token::{self, MemberClaims};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, TestApp, demo_secret, error_code, now, spawn_app_with, start_process_on};

pub const SITE: &str = "friends";

/// The friends site with referrals on: 200 points each side for a first order of 30 or more.
pub fn config(referrals: &str) -> String {
    format!(
        "[server]\nadmin_key = \"{ADMIN_KEY}\"\n\
         [[sites]]\nkey = \"{SITE}\"\nallowed_origins = [\"http://localhost:*\"]\n\
         member_token_secrets = [{{ kid = \"demo\", secret = \"demo-secret-not-for-real-visitors\" }}]\n\
         [sites.referrals]\nenabled = true\nshare_url = \"https://shop.example/welcome#top\"\n\
         referrer_points = 200\nfriend_points = 200\nmin_order_value = 30\naddress_weekly_limit = 100\n{referrals}"
    )
}

pub fn token(member: &str) -> String {
    let claims = MemberClaims {
        sub: member.into(),
        name: None,
        locale: None,
        birthday: None,
    };
    member_token::mint(&claims, SITE, &demo_secret(), now(), now() + 600)
}

/// A page view of `visitor` (signed in as `member` when given), with the widget's device id.
pub async fn visit(app: &TestApp, visitor: &str, member: Option<&str>, device: Option<&str>) -> Value {
    let mut body = json!({ "site": SITE, "visitor_id": visitor });
    if let Some(member) = member {
        body["member_token"] = token(member).into();
    }
    if let Some(device) = device {
        body["device_id"] = device.into();
    }
    let response = app.post("/v1/session", &body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The member's code, from the link their page view carries.
pub async fn code_of(app: &TestApp, member: &str) -> String {
    let answer = visit(
        app,
        &format!("{member}-browser"),
        Some(member),
        Some(&format!("{member}-device")),
    )
    .await;
    let link = answer["referral"]["link"].as_str().unwrap();
    link.split("ref=").nth(1).unwrap().split('#').next().unwrap().to_owned()
}

/// `visitor` opens a link with `code` (the widget's request after its session starts).
pub async fn click(
    app: &TestApp,
    visitor: &str,
    code: &str,
    member: Option<&str>,
    device: Option<&str>,
) -> reqwest::Response {
    let session = visit(app, visitor, member, device).await;
    let mut body = json!({ "site": SITE, "visitor_id": visitor, "session_id": session["session_id"], "code": code });
    if let Some(device) = device {
        body["device_id"] = device.into();
    }
    app.post("/v1/referrals/click", &body).await
}

pub async fn clicked(app: &TestApp, visitor: &str, code: &str) -> Value {
    let response = click(app, visitor, code, None, Some(&format!("{visitor}-device"))).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The host's backend reports an order of `member` (its number `key`).
pub async fn order(app: &TestApp, member: &str, value: f64, key: &str) -> reqwest::Response {
    app.admin(reqwest::Method::POST, &format!("{SITE}/members/{member}/events"))
        .json(&json!({ "name": "purchase", "value": value, "idempotency_key": key }))
        .send()
        .await
        .unwrap()
}

pub async fn balance(app: &TestApp, member: &str) -> i64 {
    app.count(&format!(
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM points_ledger WHERE site = '{SITE}' AND member_id = '{member}'"
    ))
    .await
}

/// The insights API's referral figures for the last 30 days.
async fn figures(app: &TestApp) -> Value {
    app.admin_json(&format!("{SITE}/insights/referrals")).await
}

async fn status(app: &TestApp, visitor: &str) -> (String, Option<String>) {
    let page: Value = app.admin_json(&format!("{SITE}/referrals?limit=100")).await;
    let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM referrals WHERE visitor_id = '{visitor}' ORDER BY seq DESC"
    )))
    .fetch_all(&app.db)
    .await
    .unwrap();
    let item = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == ids[0].as_str())
        .unwrap()
        .clone();
    (
        item["status"].as_str().unwrap().to_owned(),
        item["reason"].as_str().map(str::to_owned),
    )
}

/// A friend's browser clicks `code`, signs in as `friend`, and the host vouches for an order.
async fn friend_orders(app: &TestApp, code: &str, friend: &str, value: f64) -> reqwest::Response {
    let browser = format!("{friend}-browser");
    assert_eq!(clicked(app, &browser, code).await["status"], "attributed");
    visit(app, &browser, Some(friend), None).await;
    order(app, friend, value, &format!("order-{friend}-1")).await
}

#[tokio::test]
async fn a_members_link_is_stable_unguessable_and_the_shops_own_url() {
    let app = spawn_app_with(&config("")).await;
    let first = visit(&app, "alice-browser", Some("alice"), None).await;
    let link = first["referral"]["link"].as_str().unwrap();
    assert!(link.starts_with("https://shop.example/welcome?ref="), "{link}");
    assert!(link.ends_with("#top"), "the fragment stays last: {link}");
    let code = code_of(&app, "alice").await;
    assert_eq!(code.len(), 12);
    assert_eq!(
        visit(&app, "other-browser", Some("alice"), None).await["referral"]["link"],
        link
    );
    assert_ne!(code_of(&app, "bob").await, code);
    let anonymous = visit(&app, "someone-anonymous", None, None).await;
    assert_eq!(anonymous["referral"]["param"], "ref");
    assert!(anonymous["referral"].get("link").is_none());
    assert!(
        anonymous["referral"].get("promise").is_none(),
        "the words come with a member's link"
    );
    assert_eq!(
        first["referral"]["promise"],
        "You both get 200 points when a friend you invite places their first order. First orders of 30 or more count."
    );
    assert_eq!(
        first["referral"]["ask"],
        "Glad you like it! Share your link: You both get 200 points when a friend you invite places their first order. First orders of 30 or more count."
    );
    let off = spawn_app_with(&config("").replace("enabled = true", "enabled = false")).await;
    let answer = off
        .post(
            "/v1/session",
            &json!({ "site": SITE, "visitor_id": "someone-anonymous" }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(answer.get("referral").is_none());
}

#[tokio::test]
async fn a_friends_first_vouched_order_pays_both_sides_exactly_once() {
    let app = spawn_app_with(&config("")).await;
    let code = code_of(&app, "alice").await;
    let answer = clicked(&app, "bob-browser", &code).await;
    assert_eq!(answer["status"], "attributed");
    assert_eq!(answer["offer"]["referrer_points"], 200);
    assert_eq!(answer["message"], "Place your first order and get 200 points.");
    assert!(answer["expires_at"].as_i64().unwrap() > crate::helpers::now_ms() + 29 * 86_400_000);
    assert_eq!(
        clicked(&app, "bob-browser", &code).await,
        answer,
        "a second click answers the same"
    );
    assert_eq!(balance(&app, "alice").await, 0, "a click pays nothing");
    visit(&app, "bob-browser", Some("bob"), None).await;
    assert_eq!(balance(&app, "alice").await, 0, "signing up pays nothing");
    assert_eq!(order(&app, "bob", 60.0, "order-1").await.status(), 201);
    assert_eq!((balance(&app, "alice").await, balance(&app, "bob").await), (200, 200));
    assert_eq!(
        order(&app, "bob", 60.0, "order-1").await.status(),
        200,
        "the same order again"
    );
    assert_eq!(order(&app, "bob", 80.0, "order-2").await.status(), 201);
    assert_eq!((balance(&app, "alice").await, balance(&app, "bob").await), (200, 200));
    assert_eq!(status(&app, "bob-browser").await, ("completed".into(), None));
    for kind in ["referral.clicked", "referral.completed"] {
        let sent = app
            .count(&format!("SELECT COUNT(*) FROM webhook_messages WHERE type = '{kind}'"))
            .await;
        assert!(sent <= 1, "{kind} at most once (only with an endpoint listening)");
    }
}

#[tokio::test]
async fn an_order_proven_by_the_host_through_the_browser_completes_it_too() {
    let app = spawn_app_with(&config("")).await;
    let code = code_of(&app, "alice").await;
    clicked(&app, "bob-browser", &code).await;
    let session = visit(&app, "bob-browser", Some("bob"), None).await;
    let claims =
        json!({ "aud": SITE, "sub": "bob", "event": "purchase", "value": 60.0, "jti": "order-9", "exp": now() + 600 });
    let proof = moments_server::platform::signed_token::sign(&claims, &demo_secret());
    let event = json!({ "type": "track", "id": "00000000-0000-4000-8000-000000000001", "at": 1.7e12,
                        "name": "purchase", "value": 60.0, "proof": proof });
    let body =
        json!({ "site": SITE, "visitor_id": "bob-browser", "session_id": session["session_id"], "events": [event] });
    assert_eq!(app.post("/v1/events", &body).await.status(), 200);
    assert_eq!((balance(&app, "alice").await, balance(&app, "bob").await), (200, 200));
    // The browser alone (no proof) says it bought: nothing for a second referral.
    let code = code_of(&app, "carol").await;
    clicked(&app, "dan-browser", &code).await;
    let session = visit(&app, "dan-browser", Some("dan"), None).await;
    let event = json!({ "type": "track", "id": "00000000-0000-4000-8000-000000000002", "at": 1.7e12, "name": "purchase", "value": 90.0 });
    let body =
        json!({ "site": SITE, "visitor_id": "dan-browser", "session_id": session["session_id"], "events": [event] });
    assert_eq!(app.post("/v1/events", &body).await.status(), 200);
    assert_eq!((balance(&app, "carol").await, balance(&app, "dan").await), (0, 0));
    assert_eq!(status(&app, "dan-browser").await.0, "pending");
}

#[tokio::test]
async fn the_referrers_own_code_is_refused_by_member_browser_device_and_shared_browser() {
    let app = spawn_app_with(&config("")).await;
    let code = code_of(&app, "alice").await;
    // Signed in as herself.
    let own = click(&app, "alice-browser", &code, Some("alice"), None).await;
    let own: Value = own.json().await.unwrap();
    assert_eq!(
        (own["status"].as_str(), own["reason"].as_str()),
        (Some("refused"), Some("own_code"))
    );
    // Her own browser, signed out.
    let own: Value = click(&app, "alice-browser", &code, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["reason"], "own_code");
    // A fresh browser id (storage cleared), but the same device id the widget keeps.
    let own: Value = click(&app, "fresh-browser", &code, None, Some("alice-device"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["reason"], "own_code");
    // A second account that once signed in on her browser.
    assert_eq!(clicked(&app, "alias-browser", &code).await["status"], "attributed");
    visit(&app, "alias-browser", Some("alice2"), None).await;
    visit(&app, "alice-browser", Some("alice2"), None).await;
    assert_eq!(order(&app, "alice2", 60.0, "order-a2").await.status(), 201);
    assert_eq!(
        status(&app, "alias-browser").await,
        ("refused".into(), Some("own_code".into()))
    );
    assert_eq!((balance(&app, "alice").await, balance(&app, "alice2").await), (0, 0));
}

#[tokio::test]
async fn a_friend_who_was_a_member_or_had_bought_before_is_refused() {
    let app = spawn_app_with(&config("")).await;
    let code = code_of(&app, "alice").await;
    // Signed in when clicking: a member already.
    let member: Value = click(&app, "bob-browser", &code, Some("bob"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(member["reason"], "already_member");
    // A member since before the click, signed out when clicking, on a new browser.
    visit(&app, "carol-old-browser", Some("carol"), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(clicked(&app, "carol-new-browser", &code).await["status"], "attributed");
    visit(&app, "carol-new-browser", Some("carol"), None).await;
    assert_eq!(order(&app, "carol", 60.0, "order-c").await.status(), 201);
    assert_eq!(
        status(&app, "carol-new-browser").await.1.as_deref(),
        Some("already_member")
    );
    // Bought before (the host reported an order), clicked, then signed in.
    assert_eq!(order(&app, "dave", 40.0, "order-d0").await.status(), 201);
    assert_eq!(clicked(&app, "dave-browser", &code).await["status"], "attributed");
    visit(&app, "dave-browser", Some("dave"), None).await;
    assert_eq!(order(&app, "dave", 60.0, "order-d1").await.status(), 201);
    assert_eq!(status(&app, "dave-browser").await.1.as_deref(), Some("already_bought"));
    for member in ["alice", "bob", "carol", "dave"] {
        assert_eq!(balance(&app, member).await, 0, "{member} got nothing");
    }
}

#[tokio::test]
async fn a_friend_claimed_by_two_codes_counts_for_the_first_unless_the_site_says_last() {
    let app = spawn_app_with(&config("")).await;
    let (alice, erin) = (code_of(&app, "alice").await, code_of(&app, "erin").await);
    assert_eq!(clicked(&app, "bob-browser", &alice).await["status"], "attributed");
    let second = clicked(&app, "bob-browser", &erin).await;
    assert_eq!(
        (second["status"].as_str(), second["reason"].as_str()),
        (Some("refused"), Some("claimed_by_another"))
    );
    visit(&app, "bob-browser", Some("bob"), None).await;
    order(&app, "bob", 60.0, "order-b").await;
    assert_eq!((balance(&app, "alice").await, balance(&app, "erin").await), (200, 0));

    let last = spawn_app_with(&config("attribution = \"last_click\"")).await;
    let (alice, erin) = (code_of(&last, "alice").await, code_of(&last, "erin").await);
    clicked(&last, "bob-browser", &alice).await;
    assert_eq!(clicked(&last, "bob-browser", &erin).await["status"], "attributed");
    let replaced = last
        .count("SELECT COUNT(*) FROM referrals WHERE status = 'refused' AND reason = 'replaced_by_later_click'")
        .await;
    assert_eq!(replaced, 1);
    visit(&last, "bob-browser", Some("bob"), None).await;
    order(&last, "bob", 60.0, "order-b").await;
    assert_eq!((balance(&last, "alice").await, balance(&last, "erin").await), (0, 200));
}

#[tokio::test]
async fn caps_minimum_window_and_address_limits_refuse_with_their_reasons() {
    let app = spawn_app_with(&config("monthly_cap = 2")).await;
    let code = code_of(&app, "alice").await;
    for friend in ["f1", "f2"] {
        assert_eq!(friend_orders(&app, &code, friend, 60.0).await.status(), 201);
    }
    friend_orders(&app, &code, "f3", 60.0).await;
    assert_eq!(status(&app, "f3-browser").await.1.as_deref(), Some("referrer_cap"));
    assert_eq!((balance(&app, "alice").await, balance(&app, "f3").await), (400, 0));

    let code = code_of(&app, "zed").await;
    friend_orders(&app, &code, "small", 20.0).await;
    assert_eq!(
        status(&app, "small-browser").await.1.as_deref(),
        Some("order_below_minimum")
    );
    clicked(&app, "late-browser", &code).await;
    visit(&app, "late-browser", Some("late"), None).await;
    sqlx::query("UPDATE referrals SET expires_at = 1 WHERE visitor_id = 'late-browser'")
        .execute(&app.db)
        .await
        .unwrap();
    order(&app, "late", 60.0, "order-late").await;
    assert_eq!(status(&app, "late-browser").await.1.as_deref(), Some("window_expired"));
    assert_eq!(balance(&app, "zed").await, 0);

    // Every test client is 127.0.0.1: one referrer, one address.
    let near = spawn_app_with(&config("").replace("address_weekly_limit = 100", "address_weekly_limit = 1")).await;
    let code = code_of(&near, "alice").await;
    friend_orders(&near, &code, "g1", 60.0).await;
    friend_orders(&near, &code, "g2", 60.0).await;
    assert_eq!(status(&near, "g2-browser").await.1.as_deref(), Some("address_velocity"));
    assert_eq!((balance(&near, "alice").await, balance(&near, "g2").await), (200, 0));
}

#[tokio::test]
async fn a_large_order_waits_for_review_and_staffs_decision_is_audited_once() {
    let app = spawn_app_with(&config("review_above_value = 500")).await;
    let code = code_of(&app, "alice").await;
    friend_orders(&app, &code, "big", 600.0).await;
    friend_orders(&app, &code, "bigger", 900.0).await;
    assert_eq!(
        status(&app, "big-browser").await,
        ("held".into(), Some("review_value".into()))
    );
    assert_eq!(balance(&app, "alice").await, 0, "nothing paid while held");
    let id = |visitor: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM referrals WHERE visitor_id = '{visitor}'"
            )))
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let (big, bigger) = (id("big-browser").await, id("bigger-browser").await);
    let decide = |id: String, decision: &'static str| {
        app.admin(reqwest::Method::POST, &format!("{SITE}/referrals/{id}/{decision}"))
            .send()
    };
    let approved = decide(big.clone(), "approve").await.unwrap();
    assert_eq!(approved.status(), 200);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(
        (approved["status"].as_str(), approved["decided_by"].as_str()),
        (Some("completed"), Some("operator:admin-key"))
    );
    assert_eq!((balance(&app, "alice").await, balance(&app, "big").await), (200, 200));
    assert_eq!(
        error_code(decide(big.clone(), "approve").await.unwrap(), 409).await,
        "referral_not_held"
    );
    assert_eq!(
        error_code(decide(big, "refuse").await.unwrap(), 409).await,
        "referral_not_held"
    );
    assert_eq!(decide(bigger.clone(), "refuse").await.unwrap().status(), 200);
    assert_eq!(
        status(&app, "bigger-browser").await.1.as_deref(),
        Some("refused_by_staff")
    );
    assert_eq!(balance(&app, "bigger").await, 0);
    assert_eq!(
        error_code(decide(bigger, "maybe").await.unwrap(), 404).await,
        "unknown_decision"
    );
    let audited = app
        .count("SELECT COUNT(*) FROM audit_log WHERE action IN ('referral.approve', 'referral.refuse')")
        .await;
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn bad_clicks_get_clear_errors() {
    let app = spawn_app_with(&config("")).await;
    let code = code_of(&app, "alice").await;
    assert_eq!(
        error_code(click(&app, "x-browser", "NOSUCHCODE22", None, None).await, 404).await,
        "unknown_referral_code"
    );
    assert_eq!(
        error_code(click(&app, "x-browser", "' OR 1=1 --", None, None).await, 404).await,
        "unknown_referral_code"
    );
    let session = visit(&app, "x-browser", None, None).await;
    let body = json!({ "site": SITE, "visitor_id": "x-browser", "session_id": session["session_id"], "code": code, "device_id": "bad device" });
    assert_eq!(
        error_code(app.post("/v1/referrals/click", &body).await, 422).await,
        "invalid_device_id"
    );
    let body = json!({ "site": SITE, "visitor_id": "x-browser", "session_id": "forged-session-id-0000", "code": code });
    assert_eq!(
        error_code(app.post("/v1/referrals/click", &body).await, 401).await,
        "unknown_session"
    );
    let off = spawn_app_with(&config("").replace("enabled = true", "enabled = false")).await;
    let session = off
        .post("/v1/session", &json!({ "site": SITE, "visitor_id": "x-browser" }))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let body = json!({ "site": SITE, "visitor_id": "x-browser", "session_id": session["session_id"], "code": code });
    assert_eq!(
        error_code(off.post("/v1/referrals/click", &body).await, 404).await,
        "referrals_off"
    );
}

#[tokio::test]
async fn two_server_processes_completing_the_same_referrals_at_once_pay_once() {
    let first = spawn_app_with(&config("monthly_cap = 1000")).await;
    let second = start_process_on(&first.database_url, &config("monthly_cap = 1000")).await;
    let code = code_of(&first, "alice").await;
    let friends: Vec<String> = (0..15).map(|n| format!("friend{n}")).collect();
    for friend in &friends {
        clicked(&first, &format!("{friend}-browser"), &code).await;
        visit(&first, &format!("{friend}-browser"), Some(friend), None).await;
    }
    let client = reqwest::Client::new();
    // Each friend's first two orders reach both servers at once, each order on both.
    let reports = friends.iter().flat_map(|friend| {
        let client = client.clone();
        [&first.url, &second.url, &first.url, &second.url]
            .into_iter()
            .enumerate()
            .map(move |(n, url)| {
                let request = client
                    .post(format!("{url}/v1/admin/sites/{SITE}/members/{friend}/events"))
                    .bearer_auth(ADMIN_KEY)
                    .json(&json!({ "name": "purchase", "value": 60.0, "idempotency_key": format!("{friend}-order-{}", n / 2) }));
                async move { request.send().await.unwrap().status().as_u16() }
            })
    });
    let statuses = join_all(reports).await;
    assert!(statuses.iter().all(|s| [200, 201].contains(s)), "{statuses:?}");
    assert_eq!(balance(&first, "alice").await, 200 * 15);
    for friend in &friends {
        assert_eq!(balance(&first, friend).await, 200, "{friend}");
    }
    let completed = first
        .count("SELECT COUNT(*) FROM referrals WHERE status = 'completed'")
        .await;
    assert_eq!(completed, 15);
}

#[tokio::test]
async fn the_figures_count_the_funnel_refusals_and_referrers() {
    let app = spawn_app_with(&config("")).await;
    let code = code_of(&app, "alice").await;
    friend_orders(&app, &code, "f1", 60.0).await;
    friend_orders(&app, &code, "f2", 10.0).await;
    clicked(&app, "f3-browser", &code).await;
    click(&app, "alice-browser", &code, Some("alice"), None).await;
    let figures = figures(&app).await;
    let funnel = &figures["funnel"];
    assert_eq!(
        [
            &funnel["clicks"],
            &funnel["became_members"],
            &funnel["first_orders"],
            &funnel["completed"],
            &funnel["refused"],
            &funnel["points_paid"]
        ],
        [4, 2, 2, 1, 2, 400]
    );
    assert_eq!(funnel["completion_rate"], 0.25);
    let reasons: Vec<(&str, i64)> = figures["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reason"].as_str().unwrap(), r["referrals"].as_i64().unwrap()))
        .collect();
    assert_eq!(reasons, [("order_below_minimum", 1), ("own_code", 1)]);
    assert_eq!(figures["referrers"][0]["member_id"], "alice");
    assert_eq!(figures["referrers"][0]["points_earned"], 200);
    let csv = app
        .admin(reqwest::Method::GET, &format!("{SITE}/insights/referrals?format=csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("member_id,clicks,completed,refused,points_earned\r\nalice,4,1,2,200"),
        "{csv}"
    );
    let all = app
        .admin(reqwest::Method::GET, &format!("{SITE}/referrals?format=csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(all.lines().count(), 5, "a header and four referrals: {all}");
}

#[tokio::test]
async fn a_farewell_variant_decides_whether_promoters_are_asked_to_share() {
    let app = spawn_app_with(&config("ask_promoters = false")).await;
    let plain = visit(&app, "alice-browser", Some("alice"), None).await;
    assert!(plain["referral"].get("ask").is_none(), "{plain}");
    let experiment = json!({
        "key": "share-ask", "slot": "farewell", "coverage": 1.0, "control": "plain",
        "variants": [
            { "key": "plain", "weight": 0.5, "text": { "en": "Thanks for visiting!" } },
            { "key": "share", "weight": 0.5, "text": { "en": "Thanks! Tell a friend?" }, "share": true },
        ],
        "metric_event": "referral_shared",
    });
    let created = app
        .admin(reqwest::Method::POST, &format!("{SITE}/experiments"))
        .json(&experiment)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let started = app
        .admin(reqwest::Method::POST, &format!("{SITE}/experiments/share-ask/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    let mut seen = std::collections::BTreeSet::new();
    for n in 0..40 {
        let answer = visit(&app, &format!("visitor-{n:04}"), Some(&format!("m{n}")), None).await;
        let farewell = answer["feedback"]["farewell"].as_str().unwrap().to_owned();
        let ask = answer["referral"].get("ask").is_some();
        assert_eq!(
            ask,
            farewell.contains("friend"),
            "the variant's share goes with its text"
        );
        seen.insert(ask);
    }
    assert_eq!(seen.len(), 2, "both variants were assigned");
}

#[tokio::test]
async fn erasing_either_side_leaves_no_trace_of_them_and_the_figures_still_add_up() {
    let hook = "[[sites.webhooks]]\nid = \"hook\"\nurl = \"http://127.0.0.1:9/hook\"\n\
        events = [\"referral.clicked\", \"referral.completed\", \"referral.refused\"]\n\
        secrets = [\"whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"]";
    let app = spawn_app_with(&config("").replace("[sites.referrals]", &format!("{hook}\n[sites.referrals]"))).await;
    let code = code_of(&app, "rita").await;
    friend_orders(&app, &code, "fred", 60.0).await;
    let sent = app
        .count("SELECT COUNT(*) FROM webhook_messages WHERE type IN ('referral.clicked', 'referral.completed')")
        .await;
    assert_eq!(sent, 2, "clicked and completed, once each");
    for (who, ids) in [("fred", ["fred", "fred-browser"]), ("rita", ["rita", "rita-browser"])] {
        let erased = app
            .admin(reqwest::Method::DELETE, &format!("{SITE}/members/{who}"))
            .send()
            .await
            .unwrap();
        assert_eq!(erased.status(), 200);
        for id in ids {
            assert_eq!(
                crate::privacy::columns_holding(&app, id).await,
                Vec::<String>::new(),
                "{id} is still stored"
            );
        }
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM referral_codes").await,
        0,
        "her link leads nowhere"
    );
    let figures = figures(&app).await;
    assert_eq!(
        (
            figures["funnel"]["completed"].as_i64(),
            figures["funnel"]["points_paid"].as_i64()
        ),
        (Some(1), Some(400))
    );
    let lost = clicked_status(&app, &code).await;
    assert_eq!(lost, 404, "the erased member's code is unknown now");
}

async fn clicked_status(app: &TestApp, code: &str) -> u16 {
    click(app, "newcomer-browser", code, None, None).await.status().as_u16()
}

#[tokio::test]
async fn the_referrals_page_shows_the_funnel_and_staff_approve_a_held_one_once() {
    let app = spawn_app_with(&config("review_above_value = 500")).await;
    let code = code_of(&app, "alice").await;
    friend_orders(&app, &code, "big", 600.0).await;
    friend_orders(&app, &code, "small", 10.0).await;
    let staff = crate::staff_roles::Person::sign_in(&app, "", ADMIN_KEY).await;
    let page = staff.get(&format!("/dashboard/{SITE}/referrals")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for shown in [
        "Referrals",
        "Large order: held for review",
        "First order below the minimum",
        "Approve and pay",
        "alice",
    ] {
        assert!(html.contains(shown), "{shown} is on the page");
    }
    let chinese = staff
        .get(&format!("/dashboard/{SITE}/referrals?lang=zh-TW"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        chinese.contains("首筆訂單低於最低金額"),
        "the reasons in Traditional Chinese"
    );
    let id: String = sqlx::query_scalar("SELECT id FROM referrals WHERE visitor_id = 'big-browser'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let path = format!("/dashboard/{SITE}/referrals/{id}/approve");
    assert_eq!(staff.post(&path, &[]).await.status(), 303);
    assert_eq!(staff.post(&path, &[]).await.status(), 303, "sent twice: decided once");
    assert_eq!((balance(&app, "alice").await, balance(&app, "big").await), (200, 200));
    let audited = app
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'referral.approve' AND actor_kind = 'staff'")
        .await;
    assert_eq!(audited, 1);
    let forged = staff
        .client
        .post(format!("{}{path}", app.url))
        .header("cookie", &staff.cookie)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "a form without the page's token does nothing");
    let csv = staff
        .get(&format!("/dashboard/{SITE}/referrals.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("member_id,clicks,completed,refused,points_earned\r\nalice,2,1,1,200"),
        "{csv}"
    );
}

#[tokio::test]
async fn a_friends_coupon_comes_as_a_gift_with_the_completion() {
    let settings = config("friend_coupon_pool = \"welcome\"\nfriend_message = { en = \"Welcome, from your friend\" }");
    let app = spawn_app_with(&settings.replace("friend_points = 200", "friend_points = 0")).await;
    let uploaded = app
        .admin(reqwest::Method::POST, &format!("{SITE}/coupon-pools/welcome/codes"))
        .json(&json!({ "codes": ["WELCOME-1", "WELCOME-2"] }))
        .send()
        .await
        .unwrap();
    assert!(uploaded.status().is_success());
    let code = code_of(&app, "alice").await;
    let arrived = clicked(&app, "bob-browser", &code).await;
    assert_eq!(arrived["message"], "Place your first order and get a welcome gift.");
    assert_eq!(friend_orders(&app, &code, "bob", 60.0).await.status(), 201);
    assert_eq!((balance(&app, "alice").await, balance(&app, "bob").await), (200, 0));
    // The gift waits for the friend's next page view; opening it shows the code, once.
    let waiting = visit(&app, "bob-browser", Some("bob"), None).await;
    let gift = waiting["surprises"][0]["id"].as_str().unwrap().to_owned();
    let body = json!({ "site": SITE, "visitor_id": "bob-browser", "session_id": waiting["session_id"], "member_token": token("bob") });
    let opened: Value = app
        .post(&format!("/v1/surprises/{gift}/claim"), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(opened["reward"], json!({ "kind": "coupon", "code": "WELCOME-1" }));
    assert_eq!(opened["message"], "Welcome, from your friend");
    let figures = figures(&app).await;
    assert_eq!(figures["funnel"]["coupons_given"], 1);
}
