//! Greeting and farewell experiments over HTTP: definitions, sticky assignment that follows
//! the protocol's hashing, exposures counted once, shipping, and results.

use moments_protocol::experiments::{HashVersion, bucket_ranges, choose_variant, hash};
use serde_json::{Value, json};

use crate::helpers::{SITE, TestApp, WITH_ADMIN_KEY, error_code, spawn_app_with, token_for};

fn definition(key: &str, slot: &str) -> Value {
    json!({
        "key": key, "slot": slot, "coverage": 1.0, "control": "a", "metric_event": "purchase",
        "variants": [
            { "key": "a", "weight": 0.5, "text": { "en": "Hello from A", "zh-CN": "来自 A 的问候" } },
            { "key": "b", "weight": 0.5, "text": { "en": "Welcome back, {name|friend}! You have {points|no} points." } }
        ]
    })
}

async fn admin_post(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.admin(reqwest::Method::POST, &format!("{SITE}/{path}"))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn running(app: &TestApp, key: &str, slot: &str) {
    assert_eq!(
        admin_post(app, "experiments", &definition(key, slot)).await.status(),
        201
    );
    assert_eq!(
        admin_post(app, &format!("experiments/{key}/start"), &json!({}))
            .await
            .status(),
        200
    );
}

async fn session_as(app: &TestApp, visitor: &str, token: Option<String>) -> Value {
    let mut body = json!({ "site": SITE, "visitor_id": visitor });
    if let Some(token) = token {
        body["member_token"] = token.into();
    }
    let response = app.post("/v1/session", &body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The variant the protocol's hashing gives `visitor` in a 50/50 experiment seeded `seed`.
fn expected_variant(seed: &str, visitor: &str) -> &'static str {
    match choose_variant(hash(seed, visitor, HashVersion::V2), &bucket_ranges(&[0.5, 0.5], 1.0)) {
        Some(0) => "a",
        _ => "b",
    }
}

async fn expose(app: &TestApp, visitor: &str, answer: &Value, variant: &str, n: u32) -> Value {
    let event = json!({ "type": "exposure", "id": format!("00000000-0000-4000-8000-{n:012}"), "at": 1.7e12,
        "experiment": answer["experiments"][0]["experiment"], "variant": variant });
    let body = json!({ "site": SITE, "visitor_id": visitor, "session_id": answer["session_id"], "events": [event] });
    app.post("/v1/events", &body).await.json().await.unwrap()
}

#[tokio::test]
async fn definitions_are_checked_and_only_drafts_change() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let mut bad = definition("hello", "greeting");
    bad["variants"][0]["weight"] = json!(0.3);
    assert_eq!(
        error_code(admin_post(&app, "experiments", &bad).await, 422).await,
        "weights_not_whole"
    );
    let mut bad = definition("hello", "greeting");
    bad["variants"][1]["text"] = json!({ "zh-CN": "你好" });
    assert_eq!(
        error_code(admin_post(&app, "experiments", &bad).await, 422).await,
        "missing_default_text"
    );
    let mut bad = definition("hello", "greeting");
    bad["control"] = json!("z");
    assert_eq!(
        error_code(admin_post(&app, "experiments", &bad).await, 422).await,
        "no_control"
    );

    let created = admin_post(&app, "experiments", &definition("hello", "greeting")).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["status"].as_str(), created["seed"].as_str()),
        (Some("draft"), Some("hello")),
        "the seed defaults to the key"
    );
    assert_eq!(
        error_code(
            admin_post(&app, "experiments", &definition("hello", "greeting")).await,
            409
        )
        .await,
        "experiment_exists"
    );

    let mut changed = definition("hello", "greeting");
    changed["coverage"] = json!(0.5);
    let put = app
        .admin(reqwest::Method::PUT, &format!("{SITE}/experiments/hello"))
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(put.json::<Value>().await.unwrap()["coverage"], 0.5);
    assert_eq!(
        admin_post(&app, "experiments/hello/start", &json!({})).await.status(),
        200
    );
    let put = app
        .admin(reqwest::Method::PUT, &format!("{SITE}/experiments/hello"))
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(put, 409).await, "experiment_not_draft");

    assert_eq!(
        admin_post(&app, "experiments", &definition("hello-2", "greeting"))
            .await
            .status(),
        201
    );
    assert_eq!(
        error_code(admin_post(&app, "experiments/hello-2/start", &json!({})).await, 409).await,
        "slot_busy"
    );
    assert_eq!(
        error_code(
            admin_post(&app, "experiments/hello/stop", &json!({ "ship": "c" })).await,
            422
        )
        .await,
        "unknown_variant"
    );
    assert_eq!(
        error_code(admin_post(&app, "experiments/nope/start", &json!({})).await, 404).await,
        "experiment_not_found"
    );
}

#[tokio::test]
async fn visitors_see_the_variant_their_hash_selects_and_keep_it_when_they_sign_in() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    running(&app, "hello", "greeting").await;
    let visitors: Vec<String> = (0..40).map(|i| format!("visitor-{i:04}")).collect();
    for visitor in &visitors {
        let answer = session_as(&app, visitor, None).await;
        let variant = expected_variant("hello", visitor);
        assert_eq!(
            answer["experiments"],
            json!([{ "experiment": "hello", "variant": variant, "slot": "greeting" }])
        );
        let expected = if variant == "a" {
            "Hello from A"
        } else {
            "Welcome back, friend! You have no points."
        };
        assert_eq!(answer["greeting"], expected, "anonymous visitors get the fallbacks");
    }

    // Carol browses anonymously on one device, then signs in there and on another device
    // whose hash would pick the other variant: she keeps the one she saw.
    let first = visitors.iter().find(|v| expected_variant("hello", v) == "b").unwrap();
    let other = visitors.iter().find(|v| expected_variant("hello", v) == "a").unwrap();
    let signed_in = session_as(&app, first, Some(token_for("carol", Some("Carol")))).await;
    assert_eq!(signed_in["experiments"][0]["variant"], "b");
    assert_eq!(signed_in["greeting"], "Welcome back, Carol! You have 0 points.");
    let elsewhere = session_as(&app, &format!("{other}-phone"), Some(token_for("carol", Some("Carol")))).await;
    assert_eq!(elsewhere["experiments"][0]["variant"], "b");
}

#[tokio::test]
async fn exposures_count_once_per_visitor_and_only_for_their_variant() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    running(&app, "bye", "farewell").await;
    let visitor = "visitor-exposed";
    let answer = session_as(&app, visitor, None).await;
    let variant = answer["experiments"][0]["variant"].as_str().unwrap().to_owned();
    assert_eq!(answer["experiments"][0]["slot"], "farewell");
    assert_eq!(
        answer["feedback"]["farewell"],
        if variant == "a" {
            "Hello from A"
        } else {
            "Welcome back, friend! You have no points."
        }
    );
    assert_eq!(expose(&app, visitor, &answer, &variant, 1).await["accepted"], 1);
    let again = session_as(&app, visitor, None).await;
    assert_eq!(
        expose(&app, visitor, &again, &variant, 2).await["duplicates"],
        1,
        "a reload counts nobody twice"
    );
    let other = if variant == "a" { "b" } else { "a" };
    let refused = expose(&app, visitor, &again, other, 3).await;
    assert_eq!(refused["rejected"][0]["error"]["code"], "variant_mismatch");
    let stranger = session_as(&app, "visitor-stranger", None).await;
    let mut forged = stranger.clone();
    forged["experiments"] = json!([{ "experiment": "nope" }]);
    assert_eq!(
        expose(&app, "visitor-stranger", &forged, "a", 4).await["rejected"][0]["error"]["code"],
        "unknown_assignment"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM exposures").await, 1);
}

#[tokio::test]
async fn a_stopped_experiment_shows_its_shipped_variant_to_everyone() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    running(&app, "hello", "greeting").await;
    let stopped = admin_post(&app, "experiments/hello/stop", &json!({ "ship": "a" })).await;
    assert_eq!(stopped.json::<Value>().await.unwrap()["shipped"], "a");
    for i in 0..10 {
        let answer = session_as(&app, &format!("visitor-after-{i}"), None).await;
        assert_eq!(answer["greeting"], "Hello from A");
        assert!(answer.get("experiments").is_none(), "nothing to measure any more");
    }
    let zh = app
        .post(
            "/v1/session",
            &json!({ "site": SITE, "visitor_id": "visitor-zh-0001", "locale": "zh-CN" }),
        )
        .await;
    assert_eq!(zh.json::<Value>().await.unwrap()["greeting"], "来自 A 的问候");
    assert_eq!(
        error_code(admin_post(&app, "experiments/hello/stop", &json!({})).await, 409).await,
        "experiment_not_running"
    );
}

#[tokio::test]
async fn results_count_exposures_and_metrics_and_flag_a_sample_ratio_mismatch() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    running(&app, "hello", "greeting").await;
    let mut exposed = [0u32; 2];
    for i in 0..300u32 {
        let visitor = format!("visitor-{i:05}");
        let answer = session_as(&app, &visitor, None).await;
        let variant = answer["experiments"][0]["variant"].as_str().unwrap().to_owned();
        // Broken counting: two in three of b's exposures are lost.
        if variant == "b" && i % 3 != 0 {
            continue;
        }
        exposed[usize::from(variant == "b")] += 1;
        expose(&app, &visitor, &answer, &variant, i).await;
        if i % 2 == 0 {
            let event = json!({ "type": "track", "id": format!("10000000-0000-4000-8000-{i:012}"), "at": 1.7e12, "name": "purchase", "value": 30 });
            app.post(
                "/v1/events",
                &json!({ "site": SITE, "visitor_id": visitor, "session_id": answer["session_id"], "events": [event] }),
            )
            .await;
        }
    }
    let results = hello_results(&app).await;
    let variants = results["variants"].as_array().unwrap();
    assert_eq!(variants[0]["exposures"], exposed[0]);
    assert_eq!(variants[1]["exposures"], exposed[1]);
    assert_eq!(results["enough_data"], false);
    assert_eq!(results["sample_ratio"]["mismatch"], true, "{results}");
    assert!(results["note"].as_str().unwrap().starts_with("Sample ratio mismatch"));
    let conversion = |v: &Value| {
        v["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == "conversion_rate")
            .unwrap()
            .clone()
    };
    assert!(
        conversion(&variants[0])["vs_control"].is_null(),
        "control is not compared with itself"
    );
    let b = conversion(&variants[1]);
    assert!(
        b["value"].as_f64().unwrap() > 0.0 && b["vs_control"]["absolute"]["p_value"].as_f64().is_some(),
        "{b}"
    );
}

#[tokio::test]
async fn results_compare_every_metric_with_control_once_there_is_enough_data() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    running(&app, "hello", "greeting").await;
    let (mut n, mut expected) = ([0u32; 2], [[0u32; 3]; 2]);
    for i in 0..260u32 {
        let visitor = format!("visitor-{i:05}");
        let answer = session_as(&app, &visitor, None).await;
        let variant = answer["experiments"][0]["variant"].as_str().unwrap().to_owned();
        let v = usize::from(variant == "b");
        n[v] += 1;
        expose(&app, &visitor, &answer, &variant, i).await;
        let mut events = Vec::new();
        // Nine in ten in b answer 5 (all of them would leave no spread: no interval, as gbstats);
        // one in two in a answers 3. One in four buys; one in five returns.
        if (v == 1 && i % 10 != 3) || i % 2 == 0 {
            let score = if v == 1 { 5 } else { 3 };
            events.push(json!({ "type": "feedback", "id": format!("20000000-0000-4000-8000-{i:012}"), "at": 1.7e12, "scale": "csat5", "score": score }));
            expected[v][0] += 1;
        }
        if i % 4 == 0 {
            events.push(json!({ "type": "track", "id": format!("30000000-0000-4000-8000-{i:012}"), "at": 1.7e12, "name": "purchase" }));
            expected[v][1] += 1;
        }
        app.post(
            "/v1/events",
            &json!({ "site": SITE, "visitor_id": visitor, "session_id": answer["session_id"], "events": events }),
        )
        .await;
        // The next page of the same visit is no return; a session an hour later is.
        let next_page = session_as(&app, &visitor, None).await;
        if i % 5 == 0 {
            let later = session_as(&app, &visitor, None).await;
            sqlx::query("UPDATE sessions SET started_at = started_at + 3600000 WHERE id = $1")
                .bind(later["session_id"].as_str())
                .execute(&app.db)
                .await
                .unwrap();
            expected[v][2] += 1;
        }
        drop(next_page);
    }
    let results = hello_results(&app).await;
    assert_eq!(
        (results["enough_data"].as_bool(), results["note"].as_str()),
        (Some(true), None),
        "{results}"
    );
    assert_eq!(results["sample_ratio"]["mismatch"], false);
    assert_eq!(
        (
            results["analysis"]["design"].as_str(),
            results["analysis"]["cuped"].as_bool()
        ),
        (Some("randomized"), Some(true))
    );
    for (v, variant) in results["variants"].as_array().unwrap().iter().enumerate() {
        assert_eq!(variant["exposures"], n[v]);
        let metric = |name: &str| {
            variant["metrics"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["metric"] == name)
                .unwrap()
                .clone()
        };
        for (k, name) in ["feedback_rate", "conversion_rate", "return_rate"].iter().enumerate() {
            let rate = metric(name)["value"].as_f64().unwrap();
            assert!(
                (rate - f64::from(expected[v][k]) / f64::from(n[v])).abs() < 1e-12,
                "{name} of {}: {rate}",
                variant["key"]
            );
        }
        assert_eq!(metric("csat")["value"], if v == 0 { 3.0 } else { 5.0 });
        if v == 1 {
            let feedback = metric("feedback_rate")["vs_control"].clone();
            let absolute = &feedback["absolute"];
            assert!(
                // Sequential p-values, valid at every look, are larger than a fixed test's.
                absolute["value"].as_f64().unwrap() > 0.4 && absolute["p_value"].as_f64().unwrap() < 1e-3,
                "{feedback}"
            );
            assert!(feedback["chance_to_beat_control"].as_f64().unwrap() > 0.999);
            assert_eq!(feedback["sequential"], true, "sequential by default");
            let low = absolute["low"].as_f64().unwrap();
            assert!(low > 0.0 && low < absolute["value"].as_f64().unwrap());
            let relative = &feedback["relative"];
            assert!(relative["low"].as_f64().unwrap() > 0.0, "{feedback}");
            assert!(
                metric("csat")["vs_control"].is_null(),
                "every answer 3 against every answer 5: no spread, so no interval (as gbstats)"
            );
            assert!(
                feedback["cuped_variance_reduction"].is_null(),
                "no visitor answered before their exposure: nothing to adjust for"
            );
            assert!(
                metric("feedback_rate")["power"].is_object(),
                "a running experiment says how long to detect the effect"
            );
        }
    }
}

/// Writes 600 exposed visitors of experiment `hello` (alternately a and b, exposed a day apart
/// in turn), who answered feedback in the 14 days before their exposure when `i % 3 != 0`, and
/// after it when `answers_after(i)` says so.
async fn exposed_history(app: &TestApp, answers_after: fn(i64) -> bool) {
    let base = crate::helpers::now_ms() - 20 * 86_400_000;
    for i in 0..600_i64 {
        let (visitor, exposed_at) = (format!("cuped-{i:04}"), base + (i % 5) * 86_400_000);
        sqlx::query("INSERT INTO exposures (site, experiment, visitor_id, variant, session_id, exposed_at) VALUES ($1, 'hello', $2, $3, 's', $4)")
            .bind(SITE)
            .bind(&visitor)
            .bind(if i % 2 == 0 { "a" } else { "b" })
            .bind(exposed_at)
            .execute(&app.db)
            .await
            .unwrap();
        let answered = [
            (i % 3 != 0, exposed_at - 3 * 86_400_000),
            (answers_after(i), exposed_at + 3_600_000),
        ];
        for (k, (answered, at)) in answered.into_iter().enumerate() {
            if answered {
                sqlx::query("INSERT INTO events (site, id, session_id, visitor_id, type, scale, score, occurred_at, received_at) VALUES ($1, $2, 's', $3, 'feedback', 'csat5', 4, $4, $4)")
                    .bind(SITE)
                    .bind(format!("{visitor}-{k}"))
                    .bind(&visitor)
                    .bind(at)
                    .execute(&app.db)
                    .await
                    .unwrap();
            }
        }
    }
}

/// The results of experiment `hello`, as the admin API answers them.
async fn hello_results(app: &TestApp) -> Value {
    app.admin_json(&format!("{SITE}/experiments/hello/results")).await
}

async fn feedback_effect(app: &TestApp) -> Value {
    hello_results(app).await["variants"][1]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "feedback_rate")
        .unwrap()["vs_control"]
        .clone()
}

#[tokio::test]
async fn cuped_narrows_the_interval_where_the_14_days_before_predict_the_metric() {
    // Who answered before answers after, but for one in ten: a strong pre-period correlation.
    let predicts = |i: i64| (i % 3 != 0) != (i % 10 == 7);
    let with_cuped = spawn_app_with(WITH_ADMIN_KEY).await;
    running(&with_cuped, "hello", "greeting").await;
    exposed_history(&with_cuped, predicts).await;
    let adjusted = feedback_effect(&with_cuped).await;
    let reduction = adjusted["cuped_variance_reduction"].as_f64().unwrap();
    assert!(reduction > 0.4, "{adjusted}");

    let without = spawn_app_with(&format!(
        "{WITH_ADMIN_KEY}\n[[sites]]\nkey = \"{SITE}\"\nallowed_origins = [\"http://localhost:*\"]\n[sites.experiments]\ncuped = false"
    ))
    .await;
    running(&without, "hello", "greeting").await;
    exposed_history(&without, predicts).await;
    let plain = feedback_effect(&without).await;
    assert!(plain["cuped_variance_reduction"].is_null());
    let error = |e: &Value| e["absolute"]["standard_error"].as_f64().unwrap();
    assert!(error(&adjusted) < 0.8 * error(&plain), "{adjusted} against {plain}");
}
