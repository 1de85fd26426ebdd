//! Webhook delivery, measured against a floor on the same machine in the same run:
//! - delivery: N deliveries queued while their endpoint is paused, then resumed; the time
//!   until a local receiver has them all, beside the floor: the same receiver taking N
//!   requests of the same size from one client at the same concurrency (no database, no
//!   signing);
//! - the write path: answers stored per second through `POST /v1/events` without any
//!   endpoint, and with one that wants every answer (the outbox rows written in the answer's
//!   transaction), so the cost of the outbox is a ratio.
//!
//! `cargo run -p moments-server --profile server --example webhook_bench -- [N]` (SQLite in a
//! temporary folder; `BENCH_DATABASE_URL=postgres://…` for an empty PostgreSQL database).
//! `BENCH_DRIFT=1` measures the answers without an endpoint again afterwards, to see how much
//! of a difference is the machine's noise. A benchmark, not a test: the figures depend on the
//! machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use moments_server::config::Settings;
use moments_server::startup::Application;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

const ADMIN_KEY: &str = "bench-admin-key-0123456789abcdef0123456789";
/// In flight at once, for the floor as for the server (the worker's default concurrency).
const CONCURRENCY: usize = 8;
/// Clients sending answers at once.
const WRITERS: usize = 32;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map_or(Ok(2_000), |n| n.parse())?;
    let received = Arc::new(AtomicU64::new(0));
    let receiver = receiver(received.clone()).await?;
    let dir = tempfile::tempdir()?;
    let database_url =
        std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let store = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let config = format!(
        "[server]\naddr = \"127.0.0.1:0\"\ndatabase_url = \"{database_url}\"\nadmin_key = \"{ADMIN_KEY}\"\n\
         [server.rate_limit]\nenabled = false\n[server.webhooks]\nallow_private_networks = true\n"
    );
    let app = Application::build(
        Settings::from_toml(&config)?,
        moments_server::features::demo::Mode::Site,
    )
    .await?;
    let base = app.public_url().to_owned();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();

    // The write path first, with no endpoint, then with one (paused: it queues, sends nothing).
    let without = answers_per_second(&client, &base, n, "a").await?;
    let made: Value = admin(
        &client,
        &base,
        reqwest::Method::POST,
        "webhooks",
        json!({ "url": receiver, "events": ["feedback.received"] }),
    )
    .await?;
    let endpoint = made["endpoint"]["id"].as_str().unwrap_or_default().to_owned();
    admin(
        &client,
        &base,
        reqwest::Method::PATCH,
        &format!("webhooks/{endpoint}"),
        json!({ "paused": true }),
    )
    .await?;
    let with = answers_per_second(&client, &base, n, "b").await?;
    if std::env::var("BENCH_DRIFT").is_ok() {
        admin(
            &client,
            &base,
            reqwest::Method::PATCH,
            &format!("webhooks/{endpoint}"),
            json!({ "enabled": false }),
        )
        .await?;
        println!(
            "without again: {:.0}",
            answers_per_second(&client, &base, n, "c").await?
        );
        admin(
            &client,
            &base,
            reqwest::Method::PATCH,
            &format!("webhooks/{endpoint}"),
            json!({ "enabled": true }),
        )
        .await?;
    }

    // Delivery: the n answers just queued, sent once the endpoint resumes.
    let body_len = delivery_body_len();
    let started = Instant::now();
    admin(
        &client,
        &base,
        reqwest::Method::PATCH,
        &format!("webhooks/{endpoint}"),
        json!({ "paused": false }),
    )
    .await?;
    while received.load(Ordering::Relaxed) < n as u64 {
        if started.elapsed() > Duration::from_secs(300) {
            anyhow::bail!(
                "only {} of {n} delivered in 5 minutes",
                received.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delivered = n as f64 / started.elapsed().as_secs_f64();
    received.store(0, Ordering::Relaxed);
    let floor = floor_per_second(&client, &receiver, n, body_len).await?;

    println!("{n} deliveries and answers, {store}, {CONCURRENCY} deliveries in flight, {WRITERS} writers");
    println!("| measure | Moments | floor | ratio |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| deliveries/s (signed, claimed and recorded in the database) | {delivered:.0} | {floor:.0} (plain POSTs, {body_len} bytes) | {:.2} |",
        delivered / floor
    );
    println!(
        "| answers stored/s, with an endpoint wanting each | {with:.0} | {without:.0} (no endpoint) | {:.2} |",
        with / without
    );
    Ok(())
}

/// A receiver that counts what it is sent and answers 204.
async fn receiver(count: Arc<AtomicU64>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let app = Router::new().fallback(move || {
        count.fetch_add(1, Ordering::Relaxed);
        async { axum::http::StatusCode::NO_CONTENT }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

async fn admin(
    client: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let response = client
        .request(method, format!("{base}/v1/admin/sites/demo/{path}"))
        .bearer_auth(ADMIN_KEY)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(response.status().is_success(), "{path}: {}", response.status());
    Ok(response.json().await?)
}

/// `n` low answers from `n` visitors, `WRITERS` at a time: answers stored per second.
async fn answers_per_second(client: &reqwest::Client, base: &str, n: usize, run: &str) -> anyhow::Result<f64> {
    let mut sessions = Vec::with_capacity(n);
    for i in 0..n {
        let visitor = format!("bench-{run}-{i}");
        let started: Value = client
            .post(format!("{base}/v1/session"))
            .json(&json!({ "site": "demo", "visitor_id": visitor }))
            .send()
            .await?
            .json()
            .await?;
        sessions.push((visitor, started["session_id"].as_str().unwrap_or_default().to_owned()));
    }
    let slots = Arc::new(Semaphore::new(WRITERS));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (i, (visitor, session)) in sessions.into_iter().enumerate() {
        let (client, url, slot) = (
            client.clone(),
            format!("{base}/v1/events"),
            slots.clone().acquire_owned().await?,
        );
        let id = format!(
            "00000000-0000-4000-800{}-{i:012}",
            match run {
                "a" => 0,
                "b" => 1,
                _ => 2,
            }
        );
        tasks.push(tokio::spawn(async move {
            let event = json!({ "type": "feedback", "id": id, "at": 1.79e12, "scale": "csat5", "score": 4, "comment": "Fine, thanks" });
            let batch = json!({ "site": "demo", "visitor_id": visitor, "session_id": session, "events": [event] });
            let ok = client.post(url).json(&batch).send().await.is_ok_and(|r| r.status().is_success());
            drop(slot);
            ok
        }));
    }
    for task in tasks {
        anyhow::ensure!(task.await?, "an answer was refused");
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// The size of a queued delivery's body (a feedback.received as rendered), for the floor.
fn delivery_body_len() -> usize {
    json!({ "type": "feedback.received", "timestamp": "2026-12-01T05:30:00.000Z", "data": {
        "id": "00000000-0000-4000-8100-000000000001", "site": "demo", "scale": "csat5", "score": 4, "low": false,
        "comment": "Fine, thanks", "page": null, "variants": [], "member_id": null, "visitor_id": "bench-b-1",
        "context": null, "received_at": 1_790_000_000_000_i64, "case_id": null, "dashboard_url": null } })
    .to_string()
    .len()
}

/// The same receiver taking `n` POSTs of `body_len` bytes, `CONCURRENCY` at a time.
async fn floor_per_second(client: &reqwest::Client, url: &str, n: usize, body_len: usize) -> anyhow::Result<f64> {
    let body = "x".repeat(body_len);
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let (client, url, body, slot) = (
            client.clone(),
            url.to_owned(),
            body.clone(),
            slots.clone().acquire_owned().await?,
        );
        tasks.push(tokio::spawn(async move {
            let ok = client
                .post(url)
                .body(body)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            drop(slot);
            ok
        }));
    }
    for task in tasks {
        anyhow::ensure!(task.await?, "the receiver refused the floor's request");
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}
