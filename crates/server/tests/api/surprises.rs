//! Surprise rewards: rules decided on the server, caps and budgets held by the database,
//! claims only by the member a gift was given to.
//!
//! Over 500 lines: each trigger, cap and budget of the rules, tested against one server.

use futures_util::future::join_all;
use moments_server::features::member_token::{self, MemberClaims};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, TestApp, demo_secret, error_code, now, spawn_app_with, start_process_on};

pub const SITE: &str = "gifts";

/// The gifts site, with `rules` (TOML tables) and anonymous thank-you gifts allowed.
pub fn config(rules: &str) -> String {
    format!(
        "[server]\nadmin_key = \"{ADMIN_KEY}\"\nrandom_seed = 42\n\
         [[sites]]\nkey = \"{SITE}\"\nallowed_origins = [\"http://localhost:*\"]\n\
         member_token_secrets = [{{ kid = \"demo\", secret = \"demo-secret-not-for-real-visitors\" }}]\n\
         [sites.surprises]\nanonymous = \"messages\"\n{rules}"
    )
}

pub fn token(member: &str, birthday: Option<&str>) -> String {
    let claims = MemberClaims {
        sub: member.into(),
        name: None,
        locale: None,
        birthday: birthday.map(Into::into),
    };
    member_token::mint(&claims, SITE, &demo_secret(), now(), now() + 600)
}

pub fn visitor(n: usize) -> String {
    format!("visitor-{n:06}")
}

/// Starts a session as `member` (or anonymously) and returns the answer.
pub async fn session(app: &TestApp, visitor_id: &str, member_token: Option<String>) -> Value {
    let mut body = json!({ "site": SITE, "visitor_id": visitor_id });
    if let Some(token) = member_token {
        body["member_token"] = token.into();
    }
    let response = app.post("/v1/session", &body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub fn offers(answer: &Value) -> Vec<String> {
    answer["surprises"].as_array().map_or_else(Vec::new, |list| {
        list.iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
    })
}

/// Opens a gift in a fresh session of `visitor_id`, with `member_token` when given.
async fn claim(app: &TestApp, id: &str, visitor_id: &str, member_token: Option<String>) -> reqwest::Response {
    let session_id = session(app, visitor_id, None).await["session_id"].clone();
    let mut body = json!({ "site": SITE, "visitor_id": visitor_id, "session_id": session_id });
    if let Some(token) = member_token {
        body["member_token"] = token.into();
    }
    app.post(&format!("/v1/surprises/{id}/claim"), &body).await
}

/// What the host's backend signs to vouch for `member`'s event (`order`: its own id for it).
fn proof(member: &str, name: &str, value: Option<f64>, order: &str) -> String {
    let claims = json!({ "aud": SITE, "sub": member, "event": name, "value": value, "jti": order, "exp": now() + 600 });
    moments_server::platform::signed_token::sign(&claims, &demo_secret())
}

/// An event of `member` the host vouches for (its order id: the event id), in a new session;
/// returns the events answer.
async fn track(
    app: &TestApp,
    visitor_id: &str,
    member: Option<&str>,
    name: &str,
    value: Option<f64>,
    event_id: &str,
) -> Value {
    let started = session(app, visitor_id, member.map(|m| token(m, None))).await;
    let proof = member.map(|m| proof(m, name, value, event_id));
    track_in(
        app,
        visitor_id,
        started["session_id"].as_str().unwrap(),
        name,
        value,
        event_id,
        proof,
    )
    .await
}

async fn track_in(
    app: &TestApp,
    visitor_id: &str,
    session_id: &str,
    name: &str,
    value: Option<f64>,
    event_id: &str,
    proof: Option<String>,
) -> Value {
    let mut event = json!({ "type": "track", "id": event_id, "at": 1.7e12, "name": name });
    if let Some(value) = value {
        event["value"] = value.into();
    }
    if let Some(proof) = proof {
        event["proof"] = proof.into();
    }
    let body = json!({ "site": SITE, "visitor_id": visitor_id, "session_id": session_id, "events": [event] });
    let response = app.post("/v1/events", &body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn balance(app: &TestApp, member: &str) -> i64 {
    app.count(&format!("SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM points_ledger WHERE site = '{SITE}' AND member_id = '{member}'")).await
}

fn event_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

#[tokio::test]
async fn the_chance_rule_gives_gifts_at_its_rate() {
    let app = spawn_app_with(&config(
        "[[sites.surprises.rules]]\nkey = \"luck\"\ntrigger = \"random\"\nprobability = 0.2\nreward = \"message\"",
    ))
    .await;
    let sessions = 600;
    let mut given = 0;
    for n in 0..sessions {
        given += offers(&session(&app, &visitor(n), None).await).len();
    }
    // Binomial(600, 0.2): mean 120, sd 9.8; the seeded source makes this exact run repeatable.
    let (mean, sd) = (120.0, (600.0_f64 * 0.2 * 0.8).sqrt());
    assert!(
        (given as f64 - mean).abs() < 4.0 * sd,
        "{given} gifts in {sessions} sessions"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM surprises").await, given as i64);
}

const BUDGET_OF_TEN: &str = "[[sites.surprises.rules]]\nkey = \"every-visit\"\ntrigger = \"random\"\nprobability = 1.0\n\
    reward = \"points\"\npoints = 5\ncap_days = 1\ndaily_limit = 10";

/// `count` members start a session at once, spread over the servers at `urls`; returns the
/// gifts their answers offered.
async fn concurrent_member_sessions(urls: &[&str], count: usize) -> usize {
    let client = reqwest::Client::new();
    let starts = (0..count).map(|n| {
        let (client, url) = (client.clone(), urls[n % urls.len()]);
        async move {
            let body =
                json!({ "site": SITE, "visitor_id": visitor(n), "member_token": token(&format!("member-{n}"), None) });
            let response = client
                .post(format!("{url}/v1/session"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            offers(&response.json().await.unwrap()).len()
        }
    });
    join_all(starts).await.into_iter().sum()
}

#[tokio::test]
async fn a_daily_budget_holds_under_200_concurrent_sessions() {
    let app = spawn_app_with(&config(BUDGET_OF_TEN)).await;
    let offered = concurrent_member_sessions(&[&app.url], 200).await;
    assert_eq!(offered, 10);
    assert_eq!(app.count("SELECT COUNT(*) FROM surprises").await, 10);
}

#[tokio::test]
async fn a_daily_budget_holds_across_two_server_processes() {
    let first = spawn_app_with(&config(BUDGET_OF_TEN)).await;
    let second = start_process_on(&first.database_url, &config(BUDGET_OF_TEN)).await;
    let offered = concurrent_member_sessions(&[&first.url, &second.url], 200).await;
    assert_eq!(offered, 10);
    assert_eq!(first.count("SELECT COUNT(*) FROM surprises").await, 10);
    assert_eq!(
        first.count("SELECT COUNT(*) FROM sessions").await,
        200,
        "both processes served and stored"
    );
}

#[tokio::test]
async fn a_points_budget_stops_the_gift_that_would_exceed_it() {
    let app = spawn_app_with(&config(
        "[[sites.surprises.rules]]\nkey = \"big\"\ntrigger = \"random\"\nprobability = 1.0\nreward = \"points\"\npoints = 30\ncap_days = 1\ndaily_points = 100",
    ))
    .await;
    let offered = concurrent_member_sessions(&[&app.url], 20).await;
    assert_eq!(offered, 3, "3 × 30 = 90 fits in 100; a fourth would not");
    assert_eq!(app.count("SELECT CAST(SUM(points) AS BIGINT) FROM surprises").await, 90);
}

const COUPON_AFTER_PURCHASE: &str = "[[sites.surprises.rules]]\nkey = \"thanks-coupon\"\ntrigger = \"after_event\"\n\
    event = \"purchase\"\nmin_value = 50\nreward = \"coupon\"\ncoupon_pool = \"spring\"\ncap_days = 30\ndaily_limit = 100";

async fn upload(app: &TestApp, pool: &str, codes: Value) -> reqwest::Response {
    app.admin(reqwest::Method::POST, &format!("{SITE}/coupon-pools/{pool}/codes"))
        .json(&json!({ "codes": codes }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_pool_of_three_codes_gives_three_distinct_codes_then_stops() {
    let app = spawn_app_with(&config(COUPON_AFTER_PURCHASE)).await;
    let stock: Value = upload(&app, "spring", json!(["SPRING-A", "SPRING-B", "SPRING-C", "SPRING-A"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stock, json!({ "added": 3, "duplicates": 1, "available": 3 }));

    let mut codes = Vec::new();
    for n in 0..5 {
        let member = format!("buyer-{n}");
        let answer = track(&app, &visitor(n), Some(&member), "purchase", Some(80.0), &event_id(n)).await;
        for id in offers(&answer) {
            let claimed: Value = claim(&app, &id, &visitor(n), Some(token(&member, None)))
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(claimed["reward"]["kind"], "coupon");
            codes.push(claimed["reward"]["code"].as_str().unwrap().to_owned());
        }
    }
    codes.sort();
    assert_eq!(codes, ["SPRING-A", "SPRING-B", "SPRING-C"]);
    let stock: Value = upload(&app, "spring", json!(["SPRING-A"])).await.json().await.unwrap();
    assert_eq!(stock["available"], 0);
}

#[tokio::test]
async fn a_tracked_event_earns_its_gift_in_the_events_answer_once() {
    let app = spawn_app_with(&config(
        "[[sites.surprises.rules]]\nkey = \"big-order\"\ntrigger = \"after_event\"\nevent = \"purchase\"\nmin_value = 50\n\
         reward = \"points\"\npoints = 100\ncap_days = 1\ndaily_limit = 100\nmessage = { en = \"Thanks for your order!\" }",
    ))
    .await;
    let started = session(&app, &visitor(1), Some(token("ann", None))).await;
    let session_id = started["session_id"].as_str().unwrap();
    let vouched = |name: &str, value: f64, n: usize| Some(proof("ann", name, Some(value), &event_id(n)));
    assert!(
        offers(
            &track_in(
                &app,
                &visitor(1),
                session_id,
                "purchase",
                Some(20.0),
                &event_id(1),
                vouched("purchase", 20.0, 1)
            )
            .await
        )
        .is_empty(),
        "below the minimum"
    );
    assert!(
        offers(
            &track_in(
                &app,
                &visitor(1),
                session_id,
                "signup",
                Some(80.0),
                &event_id(2),
                vouched("signup", 80.0, 2)
            )
            .await
        )
        .is_empty(),
        "another event"
    );
    let answer = track_in(
        &app,
        &visitor(1),
        session_id,
        "purchase",
        Some(80.0),
        &event_id(3),
        vouched("purchase", 80.0, 3),
    )
    .await;
    let earned = offers(&answer);
    assert_eq!(earned.len(), 1);
    assert!(answer["surprises"][0]["expires_at"].as_i64().unwrap() > now() * 1000);
    let resent = track_in(
        &app,
        &visitor(1),
        session_id,
        "purchase",
        Some(80.0),
        &event_id(3),
        vouched("purchase", 80.0, 3),
    )
    .await;
    assert_eq!(
        (resent["duplicates"].as_i64(), offers(&resent).len()),
        (Some(1), 0),
        "a resent event earns nothing more"
    );

    // Waiting in the next session too, until claimed; the points arrive with the claim.
    let next = session(&app, &visitor(1), Some(token("ann", None))).await;
    assert_eq!(offers(&next), earned);
    assert_eq!(balance(&app, "ann").await, 0);
    let claimed: Value = claim(&app, &earned[0], &visitor(1), Some(token("ann", None)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(claimed["reward"], json!({ "kind": "points", "points": 100 }));
    assert_eq!(claimed["message"], "Thanks for your order!");
    assert_eq!(claimed["member"]["points"], 100, "the badge's new balance");
    assert_eq!(balance(&app, "ann").await, 100);
    assert!(offers(&session(&app, &visitor(1), Some(token("ann", None))).await).is_empty());
}

#[tokio::test]
async fn claims_are_refused_to_everyone_but_the_member_and_credit_once() {
    let app = spawn_app_with(&config(
        "[[sites.surprises.rules]]\nkey = \"gift\"\ntrigger = \"after_event\"\nevent = \"purchase\"\nreward = \"points\"\npoints = 40\ncap_days = 1\ndaily_limit = 100",
    ))
    .await;
    let id = offers(&track(&app, &visitor(1), Some("ann"), "purchase", None, &event_id(1)).await).remove(0);

    assert_eq!(
        error_code(claim(&app, &id, &visitor(1), Some(token("bob", None))).await, 404).await,
        "unknown_surprise"
    );
    assert_eq!(
        error_code(claim(&app, &id, &visitor(1), None).await, 404).await,
        "unknown_surprise",
        "no token, same browser"
    );
    let forged = member_token::mint(
        &MemberClaims {
            sub: "ann".into(),
            name: None,
            locale: None,
            birthday: None,
        },
        SITE,
        &moments_server::platform::signed_token::TokenSecret {
            kid: "demo".into(),
            secret: "not-the-secret-but-just-as-long-as-it".into(),
        },
        now(),
        now() + 600,
    );
    assert_eq!(
        error_code(claim(&app, &id, &visitor(1), Some(forged)).await, 401).await,
        "member_token_bad_signature"
    );
    assert_eq!(
        error_code(
            claim(&app, "not-a-uuid", &visitor(1), Some(token("ann", None))).await,
            422
        )
        .await,
        "invalid_surprise_id"
    );
    assert_eq!(balance(&app, "ann").await, 0);

    let first = claim(&app, &id, &visitor(1), Some(token("ann", None))).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let again = claim(&app, &id, &visitor(2), Some(token("ann", None))).await;
    assert_eq!(again.status(), 409);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["error"]["code"], "already_claimed");
    assert_eq!(again["claimed"]["reward"], first["reward"]);
    assert_eq!(balance(&app, "ann").await, 40, "credited exactly once");

    let late = offers(&track(&app, &visitor(3), Some("amy"), "purchase", None, &event_id(2)).await).remove(0);
    sqlx::query("UPDATE surprises SET expires_at = $1 WHERE id = $2")
        .bind(now() * 1000 - 1)
        .bind(&late)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        error_code(claim(&app, &late, &visitor(3), Some(token("amy", None))).await, 410).await,
        "surprise_expired"
    );
    assert_eq!(balance(&app, "amy").await, 0);
}

#[tokio::test]
async fn visits_birthdays_and_milestones_give_their_gifts_once() {
    let app = spawn_app_with(&config(
        "[[sites.surprises.rules]]\nkey = \"third\"\ntrigger = \"nth_visit\"\nevery = 3\nreward = \"message\"\n\
         [[sites.surprises.rules]]\nkey = \"bday\"\ntrigger = \"birthday\"\nreward = \"points\"\npoints = 20\ncap_days = 300\ndaily_limit = 10\n\
         [[sites.surprises.rules]]\nkey = \"hundred\"\ntrigger = \"milestone\"\nthreshold = 100\nreward = \"message\"",
    ))
    .await;
    let given = |rule: &'static str| format!("SELECT COUNT(*) FROM surprises WHERE rule = '{rule}'");
    for _ in 0..7 {
        session(&app, &visitor(1), Some(token("cat", None))).await;
    }
    assert_eq!(app.count(&given("third")).await, 2, "visits 3 and 6");

    let today = time::OffsetDateTime::now_utc().date();
    let birthday = format!("1990-{:02}-{:02}", u8::from(today.month()), today.day());
    for _ in 0..3 {
        session(&app, &visitor(2), Some(token("dan", Some(&birthday)))).await;
    }
    assert_eq!(app.count(&given("bday")).await, 1, "once a year");

    assert_eq!(
        app.award_on(SITE, "eve", json!(150), "Order", "milestone-test")
            .await
            .status(),
        201
    );
    session(&app, &visitor(3), Some(token("eve", None))).await;
    session(&app, &visitor(3), Some(token("eve", None))).await;
    assert_eq!(app.count(&given("hundred")).await, 1);
}

#[tokio::test]
async fn anonymous_visitors_get_thank_you_gifts_only_where_the_site_allows() {
    let rules = "[[sites.surprises.rules]]\nkey = \"hello\"\ntrigger = \"random\"\nprobability = 1.0\nreward = \"message\"\n\
         [[sites.surprises.rules]]\nkey = \"coins\"\ntrigger = \"random\"\nprobability = 1.0\nreward = \"points\"\npoints = 5\ncap_days = 1\ndaily_limit = 10";
    let app = spawn_app_with(&config(rules)).await;
    let answer = session(&app, &visitor(1), None).await;
    let ids = offers(&answer);
    assert_eq!(ids.len(), 1, "the points gift needs a member");
    let opened: Value = claim(&app, &ids[0], &visitor(1), None).await.json().await.unwrap();
    assert_eq!(opened["reward"], json!({ "kind": "message" }));
    assert_eq!(
        error_code(claim(&app, &ids[0], &visitor(2), None).await, 404).await,
        "unknown_surprise",
        "another browser"
    );

    let closed = spawn_app_with(&config(rules).replace("anonymous = \"messages\"", "anonymous = \"none\"")).await;
    assert!(offers(&session(&closed, &visitor(1), None).await).is_empty());
}

const MANUAL: &str = "[[sites.surprises.rules]]\nkey = \"sorry\"\ntrigger = \"manual\"\nreward = \"points\"\npoints = 25\ncap_days = 30\ndaily_limit = 100\n\
    [[sites.surprises.rules]]\nkey = \"auto\"\ntrigger = \"random\"\nprobability = 0\nreward = \"message\"";

async fn grant(app: &TestApp, member: &str, rule: &str, key: &str) -> reqwest::Response {
    app.admin(reqwest::Method::POST, &format!("{SITE}/members/{member}/surprises"))
        .json(&json!({ "rule": rule, "idempotency_key": key }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_grant_surprises_within_the_rule_cap() {
    let app = spawn_app_with(&config(MANUAL)).await;
    let first = grant(&app, "fay", "sorry", "ticket-1").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        (
            first["kind"].as_str(),
            first["points"].as_i64(),
            first["status"].as_str()
        ),
        (Some("points"), Some(25), Some("pending"))
    );
    let replay = grant(&app, "fay", "sorry", "ticket-1").await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(
        error_code(grant(&app, "fay", "sorry", "ticket-2").await, 409).await,
        "recipient_capped"
    );
    assert_eq!(
        error_code(grant(&app, "fay", "auto", "x").await, 422).await,
        "rule_not_manual"
    );
    assert_eq!(
        error_code(grant(&app, "fay", "nope", "x").await, 404).await,
        "unknown_rule"
    );
    assert_eq!(
        error_code(grant(&app, "fay", "sorry", " ").await, 422).await,
        "idempotency_key_empty"
    );

    // The member sees it at their next visit.
    let answer = session(&app, &visitor(1), Some(token("fay", None))).await;
    assert_eq!(offers(&answer), [first["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn staff_list_surprises_by_status() {
    let app = spawn_app_with(&config(MANUAL)).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let given: Value = grant(&app, &format!("gus-{n}"), "sorry", &format!("k{n}"))
            .await
            .json()
            .await
            .unwrap();
        ids.push(given["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        claim(&app, &ids[0], &visitor(1), Some(token("gus-0", None)))
            .await
            .status(),
        200
    );
    sqlx::query("UPDATE surprises SET expires_at = 1 WHERE id = $1")
        .bind(&ids[1])
        .execute(&app.db)
        .await
        .unwrap();
    let list = |status: &'static str| {
        let app = &app;
        async move {
            let page: Value = app.admin_json(&format!("{SITE}/surprises?{status}")).await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("status=claimed").await, [ids[0].clone()]);
    assert_eq!(list("status=expired").await, [ids[1].clone()]);
    assert_eq!(list("status=pending").await, [ids[2].clone()]);
    assert_eq!(list("limit=2").await, [ids[2].clone(), ids[1].clone()], "newest first");
    let bad = app
        .admin(reqwest::Method::GET, &format!("{SITE}/surprises?status=lost"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(bad, 422).await, "invalid_status");
    let anonymous = app
        .client
        .get(format!("{}/v1/admin/sites/{SITE}/surprises", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(anonymous, 401).await, "admin_key_missing");
}

#[tokio::test]
async fn bad_coupon_uploads_are_refused_whole() {
    let app = spawn_app_with(&config(COUPON_AFTER_PURCHASE)).await;
    assert_eq!(
        error_code(upload(&app, "spring", json!([])).await, 422).await,
        "codes_empty"
    );
    assert_eq!(
        error_code(upload(&app, "spring", json!(["OK-1", "has space"])).await, 422).await,
        "invalid_code"
    );
    assert_eq!(
        error_code(upload(&app, "bad%20pool", json!(["OK-1"])).await, 422).await,
        "invalid_pool"
    );
    assert_eq!(
        error_code(upload(&app, "spring", json!("OK-1")).await, 422).await,
        "invalid_body"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM coupon_codes WHERE pool = 'spring'")
            .await,
        0
    );
}
