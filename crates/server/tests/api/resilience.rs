//! A panic is one failed request; concurrent writers wait their turn instead of failing;
//! every answer carries the headers that keep browsers from guessing.

use axum::Router;
use axum::routing::get;
use futures_util::future::join_all;
use moments_server::config::Settings;
use moments_server::startup::Application;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

#[tokio::test]
async fn a_panicking_handler_fails_its_request_and_the_server_carries_on() {
    const {
        assert!(
            cfg!(panic = "unwind"),
            "the server is built to unwind (see [profile.server])"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::from_toml("").unwrap();
    settings.server.addr = "127.0.0.1:0".parse().unwrap();
    settings.server.database_url = fresh_database_url(dir.path()).await;
    async fn buggy() -> &'static str {
        panic!("a bug in a handler")
    }
    let boom = Router::new().route("/boom", get(buggy));
    let app = Application::build_with(settings, moments_server::features::demo::Mode::Site, boom)
        .await
        .unwrap();
    let url = app.public_url().to_owned();
    tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::new();
    for _ in 0..3 {
        let response = client.get(format!("{url}/boom")).send().await.unwrap();
        assert_eq!(error_code(response, 500).await, "internal");
    }
    assert_eq!(client.get(format!("{url}/healthz")).send().await.unwrap().status(), 200);
}

/// Experiment `wording` running in the greeting slot, so sessions carry an assignment.
async fn with_running_experiment(app: &TestApp) {
    let definition = json!({
        "key": "wording", "slot": "greeting", "coverage": 1.0, "control": "a",
        "variants": [{ "key": "a", "weight": 0.5, "text": { "en": "Hello" } }, { "key": "b", "weight": 0.5, "text": { "en": "Hi" } }],
    });
    let created = app
        .admin(reqwest::Method::POST, &format!("{SITE}/experiments"))
        .json(&definition)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let started = app
        .admin(reqwest::Method::POST, &format!("{SITE}/experiments/wording/start"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
}

#[tokio::test]
async fn sixty_four_concurrent_writers_get_no_server_errors() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    with_running_experiment(&app).await;
    // 64 visitors, each with a session and a stored answer to comment on.
    let mut visitors = Vec::new();
    for n in 0..64 {
        let visitor = format!("writer-visitor-{n:03}");
        let session: Value = app
            .post("/v1/session", &json!({ "site": SITE, "visitor_id": visitor }))
            .await
            .json()
            .await
            .unwrap();
        let session_id = session["session_id"].as_str().unwrap().to_owned();
        let variant = session["experiments"][0]["variant"].as_str().unwrap().to_owned();
        let answer = Uuid::new_v4().to_string();
        let batch = json!({ "site": SITE, "visitor_id": visitor, "session_id": session_id,
            "events": [{ "type": "feedback", "id": answer, "at": 1.7e12, "scale": "csat5", "score": 2 }] });
        assert_eq!(app.post("/v1/events", &batch).await.status(), 200);
        visitors.push((visitor, session_id, variant, answer));
    }
    let requests = visitors.iter().flat_map(|(visitor, session_id, variant, answer)| {
        let batch = |event: Value| json!({ "site": SITE, "visitor_id": visitor, "session_id": session_id, "events": [event] });
        [
            batch(json!({ "type": "comment", "id": Uuid::new_v4().to_string(), "at": 1.7e12, "feedback_id": answer, "comment": "the parcel was late" })),
            batch(json!({ "type": "exposure", "id": Uuid::new_v4().to_string(), "at": 1.7e12, "experiment": "wording", "variant": variant })),
            batch(json!({ "type": "feedback", "id": Uuid::new_v4().to_string(), "at": 1.7e12, "scale": "csat5", "score": 1 })),
        ]
    });
    let app = &app;
    let statuses =
        join_all(requests.map(|body| async move { app.post("/v1/events", &body).await.status().as_u16() })).await;
    let failed: Vec<u16> = statuses.iter().copied().filter(|s| *s >= 500).collect();
    assert!(
        failed.is_empty(),
        "{} of {} requests failed: {failed:?}",
        failed.len(),
        statuses.len()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE comment IS NOT NULL").await,
        64
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM exposures").await, 64);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE type = 'feedback'").await,
        128
    );
}

#[tokio::test]
async fn every_answer_says_nosniff_and_https_deployments_say_hsts() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let answers = [
        client.get(format!("{}/healthz", app.url)).send().await.unwrap(),
        client.get(format!("{}/openapi.json", app.url)).send().await.unwrap(),
        client.get(format!("{}/no-such-page", app.url)).send().await.unwrap(),
        client.get(format!("{}/dashboard/login", app.url)).send().await.unwrap(),
        app.start_session(json!({})).await,
        app.post("/v1/events", &json!({ "nonsense": true })).await,
    ];
    for answer in &answers {
        assert_eq!(
            answer
                .headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{}",
            answer.url()
        );
        assert!(
            answer.headers().get("strict-transport-security").is_none(),
            "plain http: no HSTS"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::from_toml("[server]\npublic_url = \"https://moments.example\"").unwrap();
    settings.server.addr = "127.0.0.1:0".parse().unwrap();
    settings.server.database_url = fresh_database_url(dir.path()).await;
    let behind_tls = Application::build(settings, moments_server::features::demo::Mode::Site)
        .await
        .unwrap();
    let socket = format!("http://127.0.0.1:{}", behind_tls.port());
    tokio::spawn(behind_tls.run_until_stopped());
    let answer = client.get(format!("{socket}/healthz")).send().await.unwrap();
    let hsts = answer.headers()["strict-transport-security"].to_str().unwrap();
    assert!(
        hsts.starts_with("max-age=")
            && hsts
                .trim_start_matches("max-age=")
                .split(';')
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 31_536_000,
        "{hsts}"
    );
}
