//! `--demo`'s generated history: written once, the same from the same seed, and enough of a
//! shop that every figure of the Loyalty page and the experiments has something in it.

use moments_server::features::demo::{self, history};
use moments_server::features::sites::Sites;
use sqlx::AnyPool;

use crate::helpers::{WITH_ADMIN_KEY, fresh_database_url, spawn_app_with};

/// A fixed "now", so two databases get the very same history.
const NOW: i64 = 1_796_000_000_000;

async fn generate(db: &AnyPool) -> Option<history::Summary> {
    let sites = Sites::new(&[demo::site()]).unwrap();
    history::generate(db, sites.get(demo::SITE).unwrap(), NOW)
        .await
        .unwrap()
}

/// What the history holds, summed up so that any difference between two of them shows.
async fn fingerprint(db: &AnyPool) -> Vec<(String, i64)> {
    let queries = [
        "SELECT 'page views', COUNT(*) FROM sessions",
        "SELECT 'page view times', CAST(SUM(started_at % 1000003) AS BIGINT) FROM sessions",
        "SELECT 'answers ' || CAST(score AS TEXT), COUNT(*) FROM events WHERE type = 'feedback' GROUP BY score",
        "SELECT 'comments', COUNT(comment) FROM events",
        "SELECT 'orders', COUNT(*) FROM verified_events",
        "SELECT 'points', CAST(SUM(delta) AS BIGINT) FROM points_ledger",
        "SELECT 'cases ' || status, COUNT(*) FROM recovery_cases GROUP BY status",
        "SELECT 'gifts ' || rule, COUNT(claimed_at) FROM surprises GROUP BY rule",
        "SELECT 'redeemed ' || reward, COUNT(*) FROM redemptions GROUP BY reward",
        "SELECT 'exposed ' || variant, COUNT(*) FROM exposures GROUP BY variant",
        "SELECT 'context ' || key || ' ' || value, COUNT(*) FROM answer_context WHERE key <> 'ticket' GROUP BY key, value",
        "SELECT 'referrals ' || status || ' ' || COALESCE(reason, ''), COUNT(*) FROM referrals GROUP BY status, reason",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let mut found: Vec<(String, i64)> = sqlx::query_as(sql).fetch_all(db).await.unwrap();
        rows.append(&mut found);
    }
    rows.sort();
    rows
}

#[tokio::test]
async fn the_history_is_written_once_and_is_the_same_from_the_same_seed() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = moments_server::platform::db::connect(&fresh_database_url(dir_a.path()).await)
        .await
        .unwrap();
    let b = moments_server::platform::db::connect(&fresh_database_url(dir_b.path()).await)
        .await
        .unwrap();

    let made = generate(&a).await.expect("the first start generates it");
    assert!(
        made.members == 320 && made.page_views > 5000 && made.answers > 300 && made.cases > 30 && made.orders > 200,
        "{made:?}"
    );
    let first = fingerprint(&a).await;
    assert!(generate(&a).await.is_none(), "a second start adds nothing");
    assert_eq!(fingerprint(&a).await, first);

    generate(&b).await.unwrap();
    assert_eq!(fingerprint(&b).await, first, "the same seed makes the same shop");
}

/// The figures a loyalty manager opens the demo for: none of them empty, and the effects the
/// history was made with (resolved detractors, members and higher tiers coming back more) show.
#[tokio::test]
async fn the_history_fills_every_figure_of_the_loyalty_page() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    generate(&app.db).await.unwrap();
    let from = NOW - 84 * moments_server::platform::clock::DAY_MS;
    let insights: serde_json::Value = app.admin_json(&format!("demo/insights?from={from}&to={NOW}")).await;
    let tiers = insights["members_per_tier"].as_array().unwrap();
    assert!(
        tiers.iter().all(|t| t["members"].as_i64().unwrap() > 20),
        "every tier has members: {tiers:?}"
    );
    assert!(insights["tier_moves"].as_array().unwrap().len() >= 2);
    assert!(
        insights["weeks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["issued"].as_i64().unwrap() > 0 && w["redeemed"].as_i64().unwrap() > 0)
    );
    let rate = insights["redemption_rate"].as_f64().unwrap();
    assert!((0.2..0.9).contains(&rate), "redemption rate {rate}");
    assert!(
        insights["satisfaction"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["csat_answers"].as_i64().unwrap() >= 50)
    );
    assert!(insights["repeat_purchasers"].as_i64().unwrap() > 20);

    let returns = |group: &str| {
        insights["returns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["group"] == group)
            .unwrap()["return_rate"]
            .as_f64()
            .unwrap()
    };
    assert!(returns("members") > returns("not_members"));
    assert!(returns("Gold") > returns("Bronze"));
    let recovery = |status: &str| {
        let cases = &insights["recovery"][status];
        cases["returned"].as_f64().unwrap() / cases["cases"].as_f64().unwrap()
    };
    assert!(insights["recovery"]["open"]["cases"].as_i64().unwrap() >= 20);
    assert!(
        recovery("resolved") > recovery("open"),
        "resolved detractors come back more"
    );

    // Referrals: completed ones and refused ones, for more than one reason, and one held.
    let referrals: serde_json::Value = app
        .admin(
            reqwest::Method::GET,
            &format!(
                "demo/insights/referrals?from={}&to={NOW}",
                NOW - 90 * moments_server::platform::clock::DAY_MS
            ),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let funnel = &referrals["funnel"];
    assert!(funnel["clicks"].as_i64().unwrap() >= 30, "{referrals}");
    assert!(funnel["completed"].as_i64().unwrap() >= 10, "{referrals}");
    assert!(referrals["refusals"].as_array().unwrap().len() >= 3, "{referrals}");
    assert!(funnel["points_paid"].as_i64().unwrap() >= 4000, "{referrals}");

    // The big-order gift holds out a fifth: the randomized comparison has both sides.
    let holdout = &insights["holdouts"][0];
    assert_eq!(
        (holdout["rule"].as_str(), holdout["design"].as_str()),
        (Some("big-order"), Some("randomized"))
    );
    let (given, held) = (
        holdout["treated"].as_f64().unwrap(),
        holdout["held_out"].as_f64().unwrap(),
    );
    assert!(held >= 20.0 && held / (given + held) < 0.35, "{holdout}");

    // One finished experiment that shipped its challenger, one running; both with exposures.
    let experiments: serde_json::Value = app.admin_json("demo/experiments").await;
    let status = |key: &str| {
        experiments
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key)
            .map(|e| (e["status"].clone(), e["shipped"].clone()))
            .unwrap()
    };
    assert_eq!(
        status("greeting-warmth"),
        (serde_json::json!("stopped"), serde_json::json!("warm"))
    );
    assert_eq!(status("farewell-ask").0, "running");
    // The support portal's answers, per agent: enough of each to compare, and sam's lower.
    let report = moments_server::features::support::report(&app.db, demo::SITE, from, NOW)
        .await
        .unwrap();
    let agents = &report.iter().find(|k| k.key == "agent").unwrap().values;
    assert_eq!(agents.len(), 4);
    assert!(agents.iter().all(|a| a.csat_answers >= 30), "{agents:?}");
    let csat = |agent: &str| agents.iter().find(|a| a.value == agent).unwrap().csat.unwrap();
    assert!(csat("sam") < csat("may"), "{agents:?}");
    assert!(
        report.iter().find(|k| k.key == "ticket").unwrap().values.is_empty(),
        "ticket numbers are too many for a table"
    );

    let exposed: Vec<(String, i64)> =
        sqlx::query_as("SELECT experiment, COUNT(*) FROM exposures GROUP BY experiment ORDER BY experiment")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(exposed.iter().all(|(_, n)| *n > 100), "{exposed:?}");
}
