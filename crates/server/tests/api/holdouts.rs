//! Randomized holdouts: a surprise rule (or recovery's goodwill) holds out a share of those who
//! would get it, by the experiments' hash, so every server and every visit agree; held-out
//! visits spend no budget and reveal nothing; and the Loyalty figures compare the given with
//! the held out, finding an effect a history was built with and none where there is none,
//! where the observational comparison on the same history is fooled.

use futures_util::future::join_all;
use moments_server::features::experiments::assignment::in_holdout;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, TestApp, now, page, spawn_app_with, start_process_on, token_for};
use crate::surprises::{SITE, config, offers, token, visitor};

const DAY: i64 = 86_400_000;

/// A thank-you to every member's every session, a fifth held out.
const THANKS: &str = "[[sites.surprises.rules]]\nkey = \"thanks\"\ntrigger = \"random\"\nprobability = 1.0\nreward = \"message\"\nholdout = 0.2";

/// Starts sessions for members `range` on the servers at `urls`, 100 at a time; returns the
/// members whose answer offered a gift.
async fn member_sessions(urls: &[&str], range: std::ops::Range<usize>) -> Vec<usize> {
    let client = reqwest::Client::new();
    let mut offered = Vec::new();
    let all: Vec<usize> = range.collect();
    for chunk in all.chunks(100) {
        let starts = chunk.iter().map(|&n| {
            let (client, url) = (client.clone(), urls[n % urls.len()]);
            async move {
                let body =
                    json!({ "site": SITE, "visitor_id": visitor(n), "member_token": token(&format!("member-{n}"), None) });
                let response = client.post(format!("{url}/v1/session")).json(&body).send().await.unwrap();
                let status = response.status();
                if status != 200 {
                    panic!("{status}: {}", response.text().await.unwrap());
                }
                (n, offers(&response.json().await.unwrap()).len())
            }
        });
        offered.extend(
            join_all(starts)
                .await
                .into_iter()
                .filter(|(_, k)| *k > 0)
                .map(|(n, _)| n),
        );
    }
    offered
}

async fn recipients(app: &TestApp, table: &str) -> std::collections::BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!("SELECT DISTINCT recipient FROM {table}")))
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn a_fifth_of_2000_members_is_held_out_by_hash_on_every_server_and_visit() {
    let app = spawn_app_with(&config(THANKS)).await;
    let second = start_process_on(&app.database_url, &config(THANKS)).await;
    let offered = member_sessions(&[&app.url, &second.url], 0..2_000).await;

    let held = recipients(&app, "surprise_holdouts").await;
    let given = recipients(&app, "surprises").await;
    // Chi-square of 1 degree of freedom against 400 of 2,000: below 10.83 (p > 0.001).
    let observed = held.len() as f64;
    let chi_square = (observed - 400.0).powi(2) / 400.0 + (observed - 400.0).powi(2) / 1_600.0;
    assert!(chi_square < 10.83, "{observed} of 2,000 held out");
    assert_eq!(held.len() + given.len(), 2_000, "every member either given or held out");
    assert!(held.is_disjoint(&given));
    let predicted: std::collections::BTreeSet<String> = (0..2_000)
        .map(|n| format!("m:member-{n}"))
        .filter(|m| in_holdout("surprise:thanks", m, 0.2))
        .collect();
    assert_eq!(
        held, predicted,
        "the hash decides, not a draw: both servers agree with it"
    );
    assert_eq!(offered.len(), given.len(), "a held-out member sees no reveal");

    // Another visit each, every member on the other server: the same side as before.
    let again = member_sessions(&[&second.url, &app.url], 0..2_000).await;
    assert_eq!(again, offered, "sticky across sessions and servers");
    assert_eq!(recipients(&app, "surprise_holdouts").await, held);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM surprise_holdouts").await,
        2 * held.len() as i64,
        "each held-out visit is recorded (no cap on this rule)"
    );
}

#[tokio::test]
async fn held_out_visits_spend_no_budget_and_respect_the_cap() {
    const TEN_A_DAY: &str = "[[sites.surprises.rules]]\nkey = \"tenner\"\ntrigger = \"random\"\nprobability = 1.0\n\
        reward = \"points\"\npoints = 5\ncap_days = 1\ndaily_limit = 10\nholdout = 0.5";
    let app = spawn_app_with(&config(TEN_A_DAY)).await;
    // One at a time, so the budget runs out at a known point.
    for n in 0..60 {
        member_sessions(&[&app.url], n..n + 1).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM surprises").await,
        10,
        "ten given: held-out visits spent nothing"
    );
    let held = app.count("SELECT COUNT(*) FROM surprise_holdouts").await;
    let expected_held = (0..60).filter(|n| in_holdout("surprise:tenner", &format!("m:member-{n}"), 0.5));
    // Holdouts are recorded while the gift would have been given: up to the tenth gift.
    let tenth_given = (0..60)
        .filter(|n| !in_holdout("surprise:tenner", &format!("m:member-{n}"), 0.5))
        .nth(9)
        .unwrap();
    assert_eq!(held, expected_held.filter(|n| *n < tenth_given).count() as i64);
    assert!(held >= 3, "{held}");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM points_ledger AS l JOIN surprise_holdouts AS h ON h.member_id = l.member_id WHERE l.site = 'gifts'"
        )
        .await,
        0,
        "no held-out member was credited anything"
    );
    // The cap holds on the held-out side as on the given: a second visit today adds no row.
    let first_held = (0..tenth_given)
        .find(|n| in_holdout("surprise:tenner", &format!("m:member-{n}"), 0.5))
        .unwrap();
    member_sessions(&[&app.url], first_held..first_held + 1).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM surprise_holdouts").await, held);
}

/// The goodwill site: 50 points after a low answer, half held out.
fn goodwill_config() -> String {
    format!(
        "[server]\nadmin_key = \"{ADMIN_KEY}\"\n[[sites]]\nkey = \"demo\"\nallowed_origins = [\"http://localhost:*\"]\n\
         member_token_secrets = [{{ kid = \"demo\", secret = \"demo-secret-not-for-real-visitors\" }}]\n\
         [sites.recovery]\ngoodwill_points = 50\ngoodwill_holdout = 0.5"
    )
}

#[tokio::test]
async fn a_goodwill_holdout_keeps_the_apology_and_holds_the_credit() {
    let app = spawn_app_with(&goodwill_config()).await;
    let members: Vec<String> = (0..40).map(|n| format!("detractor-{n}")).collect();
    for (n, member) in members.iter().enumerate() {
        let start =
            json!({ "site": "demo", "visitor_id": format!("v-{member}"), "member_token": token_for(member, None) });
        let session: Value = app.post("/v1/session", &start).await.json().await.unwrap();
        let held = in_holdout("recovery:goodwill", &format!("m:{member}"), 0.5);
        assert_eq!(
            session["feedback"]["recovery_points"],
            if held { Value::Null } else { json!(50) },
            "{member}: no promise to the held out"
        );
        let answer = json!({ "type": "feedback", "id": format!("00000000-0000-4000-8000-{n:012}"), "at": now() as f64 * 1000.0, "scale": "csat5", "score": 1 });
        let batch = json!({ "site": "demo", "visitor_id": format!("v-{member}"), "session_id": session["session_id"], "events": [answer] });
        assert_eq!(app.post("/v1/events", &batch).await.status(), 200);
    }
    let held: Vec<&String> = members
        .iter()
        .filter(|m| in_holdout("recovery:goodwill", &format!("m:{m}"), 0.5))
        .collect();
    assert!(!held.is_empty() && held.len() < members.len());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_cases").await,
        40,
        "every detractor has a case"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_cases WHERE goodwill_held_out = 1 AND points IS NULL")
            .await,
        held.len() as i64
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM points_ledger WHERE idempotency_key LIKE 'moments:recovery:%'")
            .await,
        (members.len() - held.len()) as i64,
        "the others were credited"
    );
    // The Loyalty figures compare the credited with the held out.
    let today = now() * 1000 / DAY * DAY;
    let api: Value = app
        .admin(
            reqwest::Method::GET,
            &format!("demo/insights?from={}&to={}", today - 7 * DAY, today + DAY),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let goodwill = &api["holdouts"][0];
    assert_eq!(
        (goodwill["treatment"].as_str(), goodwill["rule"].is_null()),
        (Some("goodwill"), true),
        "{api}"
    );
    assert_eq!(
        (goodwill["treated"].as_u64(), goodwill["held_out"].as_u64()),
        (Some((members.len() - held.len()) as u64), Some(held.len() as u64))
    );
}

/// Writes a history into `app`'s database: `count` members of `prefix`, each given rule
/// `thanks` (or held out of it) on one of 20 days from `base`, each with a page view then,
/// the first `returned` of them with another two days later.
async fn history(app: &TestApp, prefix: &str, count: i64, returned: i64, held_out: bool, base: i64) {
    let units = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1)";
    let at = "$3 + CAST(i % 20 AS BIGINT) * 86400000";
    let member = "$2 || CAST(i AS TEXT)";
    let exposure = if held_out {
        format!(
            "{units} INSERT INTO surprise_holdouts (site, rule, recipient, member_id, occasion, created_at)
             SELECT 'gifts', 'thanks', 'm:' || {member}, {member}, 'history', {at} FROM n"
        )
    } else {
        format!(
            "{units} INSERT INTO surprises (id, site, rule, recipient, member_id, occasion, kind, day, created_at, expires_at)
             SELECT 'gift-' || {member}, 'gifts', 'thanks', 'm:' || {member}, {member}, 'history', 'message', 0, {at}, {at} FROM n"
        )
    };
    let visits = [
        format!(
            "{units} INSERT INTO members (site, member_id, first_seen_at, last_seen_at)
             SELECT 'gifts', {member}, {at}, {at} FROM n WHERE $4 >= 0"
        ),
        format!(
            "{units} INSERT INTO sessions (id, site, visitor_id, member_id, locale, started_at)
             SELECT 'visit-' || {member}, 'gifts', 'v-' || {member}, {member}, 'en', {at} FROM n"
        ),
        format!(
            "{units} INSERT INTO sessions (id, site, visitor_id, member_id, locale, started_at)
             SELECT 'back-' || {member}, 'gifts', 'v-' || {member}, {member}, 'en', {at} + 172800000 FROM n WHERE i < $4"
        ),
    ];
    for sql in std::iter::once(exposure).chain(visits) {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(count)
            .bind(prefix)
            .bind(base)
            .bind(returned)
            .execute(&app.db)
            .await
            .unwrap();
    }
}

/// Members active in the same weeks who never qualified for the gift, and come back less.
async fn bystanders(app: &TestApp, count: i64, returned: i64, base: i64) {
    let units = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1)";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{units} INSERT INTO members (site, member_id, first_seen_at, last_seen_at)
         SELECT 'gifts', 'b' || CAST(i AS TEXT), $2, $2 FROM n"
    )))
    .bind(count)
    .bind(base)
    .execute(&app.db)
    .await
    .unwrap();
    for (id, offset, only) in [("visit-", 0, "$1 AND $3 >= 0"), ("back-", 172_800_000, "$3")] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{units} INSERT INTO sessions (id, site, visitor_id, member_id, locale, started_at)
             SELECT '{id}b' || CAST(i AS TEXT), 'gifts', 'v-b' || CAST(i AS TEXT), 'b' || CAST(i AS TEXT), 'en',
                    $2 + CAST(i % 20 AS BIGINT) * 86400000 + {offset} FROM n WHERE i < {only}"
        )))
        .bind(count)
        .bind(base)
        .bind(returned)
        .execute(&app.db)
        .await
        .unwrap();
    }
}

/// The insights of the 28 days from `base`, waiting while they are computed (503, as a
/// spreadsheet tool would).
async fn loyalty(app: &TestApp, base: i64) -> Value {
    let query = format!("?from={base}&to={}", base + 28 * DAY);
    let started = std::time::Instant::now();
    for _ in 0..120 {
        let response = app
            .admin(reqwest::Method::GET, &format!("{SITE}/insights{query}"))
            .send()
            .await
            .unwrap();
        if response.status() != 503 {
            assert_eq!(response.status(), 200);
            eprintln!("insights computed in {:?}", started.elapsed());
            return response.json().await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("the insights were not computed within a minute");
}

fn return_effect(api: &Value) -> Value {
    let holdout = &api["holdouts"][0];
    assert_eq!(
        (holdout["rule"].as_str(), holdout["design"].as_str()),
        (Some("thanks"), Some("randomized"))
    );
    holdout["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "return_30d")
        .unwrap()
        .clone()
}

#[tokio::test]
async fn the_randomized_comparison_finds_a_caused_effect_and_no_phantom_where_observation_is_fooled() {
    let base = (now() * 1000 - 70 * DAY) / DAY * DAY;

    // Gifts cause +10 points of return: 50% of the given come back, 40% of the held out.
    let app = spawn_app_with(&config(THANKS)).await;
    history(&app, "g", 4_000, 2_000, false, base).await;
    history(&app, "h", 1_000, 400, true, base).await;
    let metric = return_effect(&loyalty(&app, base).await);
    assert_eq!(
        (metric["n_treated"].as_i64(), metric["n_held_out"].as_i64()),
        (Some(4_000), Some(1_000))
    );
    let absolute = &metric["effect"]["absolute"];
    let (low, high) = (absolute["low"].as_f64().unwrap(), absolute["high"].as_f64().unwrap());
    assert!((absolute["value"].as_f64().unwrap() - 0.10).abs() < 1e-9, "{metric}");
    assert!(
        low < 0.10 && 0.10 < high,
        "the true effect within the interval: {metric}"
    );
    assert!(low > 0.0, "and told apart from none: {metric}");
    assert!(metric["effect"]["sequential"].as_bool().unwrap());

    // Gifts cause nothing: 45% on both sides. Bystanders active in the same weeks who never
    // qualified come back 10% of the time, so the observational comparison (gifted against
    // everyone else active) credits the gift with what is the gifted members' own habit.
    let app = spawn_app_with(&config(THANKS)).await;
    history(&app, "g", 4_000, 1_800, false, base).await;
    history(&app, "h", 1_000, 450, true, base).await;
    bystanders(&app, 3_000, 300, base).await;
    let api = loyalty(&app, base).await;
    let metric = return_effect(&api);
    let absolute = &metric["effect"]["absolute"];
    assert!(absolute["value"].as_f64().unwrap().abs() < 1e-9, "{metric}");
    assert!(
        absolute["low"].as_f64().unwrap() < 0.0 && 0.0 < absolute["high"].as_f64().unwrap(),
        "the interval covers 0: {metric}"
    );
    let observational = &api["gift_comparison"];
    assert!(
        observational["difference_low"].as_f64().unwrap() > 0.1,
        "the observational comparison is biased: {observational}"
    );

    // The page says which is which, in every language.
    let loyalty_page = format!(
        "/dashboard/{SITE}/loyalty?from={}&to={}",
        day(base),
        day(base + 27 * DAY)
    );
    let html = computed_page(&app, &loyalty_page).await;
    assert!(
        html.contains("Holdouts: randomized tests") && html.contains("Observational"),
        "{html}"
    );
    let zh = computed_page(&app, &format!("{loyalty_page}&lang=zh-CN")).await;
    assert!(zh.contains("保留组：礼物与补偿的随机对照"), "{zh}");
    let csv = page(
        &app,
        &format!(
            "/dashboard/{SITE}/loyalty.csv?table=holdouts&from={}&to={}",
            day(base),
            day(base + 27 * DAY)
        ),
    )
    .await;
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Gift or credit,Share held out,Metric,Given,"),
        "{csv}"
    );
    assert!(
        lines.any(|l| l.starts_with("thanks,20%,Came back within 30 days,45%,4000,45%,1000,\"0 pp [-")),
        "{csv}"
    );
}

/// The dashboard page at `path` once its figures are computed (it reloads itself until then).
async fn computed_page(app: &TestApp, path: &str) -> String {
    for _ in 0..120 {
        let html = page(app, path).await;
        if !html.contains(r#"class="notice" role="status""#) {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("{path} was not computed within a minute");
}

/// `YYYY-MM-DD` of a millisecond time.
fn day(ms: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap().date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}
