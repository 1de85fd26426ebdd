//! What a fleet needs of each process: liveness and readiness, a request id in every answer
//! and log line, metrics, a clean stop on SIGTERM, and nothing acknowledged lost to kill -9.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

#[tokio::test]
async fn liveness_and_readiness() {
    let app = spawn_app().await;
    let health: Value = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!({ "status": "ok" }));
    let ready = app.client.get(format!("{}/readyz", app.url)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    let (database, folder) = if on_postgres() {
        ("postgres", "postgres")
    } else {
        ("sqlite", "sqlite")
    };
    let migrations = std::fs::read_dir(format!("{}/migrations/{folder}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .count();
    assert_eq!(
        ready,
        json!({ "status": "ready", "database": database, "migrations": migrations })
    );
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_every_request_one_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_process_on(&fresh_database_url(dir.path()).await, "").await;
    let client = reqwest::Client::new();
    let given = client
        .get(format!("{}/healthz", server.url))
        .header("x-request-id", "lb-7f3a-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(
        given.headers()["x-request-id"],
        "lb-7f3a-0001",
        "the caller's id is kept"
    );
    let made = client
        .post(format!("{}/v1/session", server.url))
        .json(&json!({ "site": "demo", "visitor_id": VISITOR }))
        .send()
        .await
        .unwrap();
    let made = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(Uuid::parse_str(&made).is_ok(), "{made}");
    let junk = client
        .get(format!("{}/healthz", server.url))
        .header("x-request-id", "x".repeat(500))
        .send()
        .await
        .unwrap();
    assert_ne!(
        junk.headers()["x-request-id"].len(),
        500,
        "an id no log should hold is replaced"
    );

    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = server.log.lock().unwrap().clone();
    let answered: Vec<Value> = log
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "answered")
        .collect();
    let of = |id: &str| {
        answered
            .iter()
            .filter(|l| l["span"]["request_id"] == id)
            .cloned()
            .collect::<Vec<_>>()
    };
    let kept = of("lb-7f3a-0001");
    assert_eq!(kept.len(), 1, "one line per request: {log:#?}");
    assert_eq!(
        (
            kept[0]["level"].as_str(),
            kept[0]["fields"]["route"].as_str(),
            kept[0]["fields"]["status"].as_u64()
        ),
        (Some("INFO"), Some("/healthz"), Some(200))
    );
    let session = of(&made);
    assert_eq!(
        (
            session.len(),
            session[0]["fields"]["route"].as_str(),
            session[0]["fields"]["method"].as_str()
        ),
        (1, Some("/v1/session"), Some("POST"))
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_are_not_public() {
    let app = spawn_app_with(&format!(
        "{WITH_ADMIN_KEY}\nmetrics_token = \"metrics-token-0123456789abcdef0123456789\""
    ))
    .await;
    for _ in 0..3 {
        app.start_session(json!({})).await;
    }
    app.admin(reqwest::Method::GET, "demo/members/alice")
        .send()
        .await
        .unwrap();
    let metrics = |token: Option<&str>| {
        let request = app.client.get(format!("{}/metrics", app.url));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    assert_eq!(
        error_code(metrics(None).await.unwrap(), 401).await,
        "metrics_token_invalid"
    );
    assert_eq!(
        metrics(Some("a-wrong-token-0123456789abcdef0123456789"))
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        metrics(Some(ADMIN_KEY)).await.unwrap().status(),
        200,
        "the admin key reads them too"
    );
    let scraped = metrics(Some("metrics-token-0123456789abcdef0123456789")).await.unwrap();
    assert!(
        scraped.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = scraped.text().await.unwrap();
    for line in [
        "moments_http_requests_total{route=\"/v1/session\",method=\"POST\",status=\"200\"} 3",
        "moments_http_request_duration_seconds_count{route=\"/v1/session\",method=\"POST\",status=\"200\"} 3",
        "moments_http_requests_total{route=\"/v1/admin/sites/{site}/members/{member}\",method=\"GET\",status=\"200\"} 1",
        "moments_db_connections_max 8",
        "moments_panics_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    assert!(
        !text.contains("alice"),
        "routes are counted by template, never by a member's id"
    );
    if on_postgres() {
        assert!(text.contains("moments_db_conflict_retries_total "), "{text}");
    } else {
        // Three sessions, each written through the group-committing writer: three writes in
        // at most three commits (sequential requests, so one each here).
        assert!(
            text.lines().any(|l| l == "moments_db_group_commit_batch_size_sum 3"),
            "{text}"
        );
        assert!(
            text.lines().any(|l| l == "moments_db_group_commit_batch_size_count 3"),
            "{text}"
        );
        assert!(text.lines().any(|l| l == "moments_db_writer_waiting 0"), "{text}");
    }
    assert!(text.contains("moments_http_request_duration_seconds_bucket{route=\"/v1/session\",method=\"POST\",status=\"200\",le=\"+Inf\"} 3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_accepting_and_closes_the_database_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let wal = dir.path().join("moments.db-wal");
    let mut server = start_process_on(&database_url, "").await;
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{}/readyz", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(on_postgres() || wal.exists(), "a running server writes ahead");
    server.signal("TERM");
    let status = tokio::task::block_in_place(|| server.wait_for_exit(Duration::from_secs(12)))
        .expect("it stopped within the drain time");
    assert!(status.success(), "{status:?}");
    assert!(!wal.exists(), "the pool was closed: SQLite folded its WAL back");
    assert!(
        client.get(format!("{}/healthz", server.url)).send().await.is_err(),
        "nothing listens any more"
    );
    assert!(server.log.lock().unwrap().iter().any(|l| l.contains("stopped")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let server = start_process_on(&database_url, "").await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let session: Value = client
        .post(format!("{}/v1/session", server.url))
        .json(&json!({ "site": "demo", "visitor_id": VISITOR }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session_id = session["session_id"].as_str().unwrap().to_owned();

    // 16 clients send one answer at a time, each with its own id, until the server is gone.
    let senders = (0..16).map(|_| {
        let (client, url, session_id) = (client.clone(), server.url.clone(), session_id.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            loop {
                let id = Uuid::new_v4().to_string();
                let answer = json!([{ "type": "feedback", "id": id, "at": 1.7e12, "scale": "csat5", "score": 4 }]);
                let body = json!({ "site": "demo", "visitor_id": VISITOR, "session_id": session_id, "events": answer });
                match client.post(format!("{url}/v1/events")).json(&body).send().await {
                    Ok(response) if response.status() == 200 => acknowledged.push(id),
                    Ok(_) => {}
                    Err(_) => return acknowledged,
                }
            }
        })
    });
    let senders: Vec<_> = senders.collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    server.signal("KILL");
    let acknowledged: Vec<String> = join_all(senders).await.into_iter().flat_map(Result::unwrap).collect();
    assert!(
        acknowledged.len() > 20,
        "the load was real: {} answers acknowledged",
        acknowledged.len()
    );
    eprintln!("kill -9: {} answers acknowledged before the kill", acknowledged.len());

    // Restarted on the same file: every answer that got its 200 is there.
    let restarted = start_process_on(&database_url, "").await;
    let ready = reqwest::get(format!("{}/readyz", restarted.url)).await.unwrap();
    assert_eq!(ready.status(), 200);
    let stored = sqlx::AnyPool::connect(&database_url).await.unwrap();
    let mut missing = 0;
    for id in &acknowledged {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&stored)
            .await
            .unwrap();
        missing += usize::from(found != 1);
    }
    assert_eq!(
        missing,
        0,
        "{missing} of {} acknowledged answers were lost",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_starting_together_on_a_new_database_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let starting: Vec<_> = (0..3)
        .map(|_| {
            let url = database_url.clone();
            std::thread::spawn(move || spawn_process_on(&url, ""))
        })
        .collect();
    let servers: Vec<ServerProcess> = starting
        .into_iter()
        .map(|s| s.join().expect("every process started"))
        .collect();
    for server in &servers {
        assert_eq!(
            reqwest::get(format!("{}/readyz", server.url)).await.unwrap().status(),
            200
        );
    }
    let db = sqlx::AnyPool::connect(&database_url).await.unwrap();
    let runs: Vec<(i64, i64)> =
        sqlx::query_as("SELECT version, COUNT(*) FROM _sqlx_migrations GROUP BY version ORDER BY version")
            .fetch_all(&db)
            .await
            .unwrap();
    let folder = if on_postgres() { "postgres" } else { "sqlite" };
    let known = std::fs::read_dir(format!("{}/migrations/{folder}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .count();
    assert_eq!(runs.len(), known, "{runs:?}");
    assert!(runs.iter().all(|(_, count)| *count == 1), "{runs:?}");
}
