//! Floods are slowed: token buckets per client address and per visitor answer 429 with
//! `Retry-After`; other clients, and `/healthz`, are served as before.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::json;

use crate::helpers::*;

const SMALL_LIMITS: &str =
    "[server.rate_limit]\nper_address = { burst = 20, per_second = 1 }\nper_visitor = { burst = 10, per_second = 1 }";

fn client_from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::from(address)))
        .build()
        .unwrap()
}

async fn start_session(client: &reqwest::Client, app: &TestApp, visitor: &str) -> reqwest::Response {
    let body = json!({ "site": SITE, "visitor_id": visitor });
    client
        .post(format!("{}/v1/session", app.url))
        .header("origin", ORIGIN)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A session request that says, in `X-Forwarded-For`, which client it comes from.
async fn forwarded_session(
    client: &reqwest::Client,
    app: &TestApp,
    visitor: &str,
    forwarded_for: &str,
) -> reqwest::Response {
    let body = json!({ "site": SITE, "visitor_id": visitor });
    let request = client
        .post(format!("{}/v1/session", app.url))
        .header("origin", ORIGIN)
        .header("x-forwarded-for", forwarded_for);
    request.json(&body).send().await.unwrap()
}

#[tokio::test]
async fn a_flood_from_one_address_is_slowed_while_others_are_served() {
    let app = spawn_app_with(SMALL_LIMITS).await;
    let flooder = client_from([127, 0, 0, 1]);
    let mut statuses = Vec::new();
    for n in 0..40 {
        // A fresh visitor id each time: only the address bucket can stop this.
        statuses.push(start_session(&flooder, &app, &format!("flood-visitor-{n:04}")).await);
    }
    let served = statuses.iter().filter(|r| r.status() == 200).count();
    assert!(
        (20..=22).contains(&served),
        "the burst is served, then the flood is slowed: {served} of 40"
    );
    let limited = statuses.into_iter().find(|r| r.status() == 429).expect("a 429");
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(error_code(limited, 429).await, "rate_limited");

    let neighbour = client_from([127, 0, 0, 2]);
    assert_eq!(
        start_session(&neighbour, &app, "neighbour-visitor").await.status(),
        200,
        "another address is served"
    );
    let health = flooder.get(format!("{}/healthz", app.url)).send().await.unwrap();
    assert_eq!(health.status(), 200, "/healthz is never rate-limited");
}

#[tokio::test]
async fn one_visitor_flooding_events_is_slowed_without_slowing_other_visitors() {
    let app = spawn_app_with(SMALL_LIMITS).await;
    let session = app.session_id().await;
    let batch = json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session, "events": [] });
    let mut codes = Vec::new();
    for _ in 0..12 {
        codes.push(app.post("/v1/events", &batch).await.status().as_u16());
    }
    assert!(codes.contains(&429), "{codes:?}");
    let other = app
        .post(
            "/v1/session",
            &json!({ "site": SITE, "visitor_id": "another-visitor-01" }),
        )
        .await;
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy() {
    let config = format!("[server]\ntrusted_proxies = [\"127.0.0.1/32\"]\n{SMALL_LIMITS}");
    let app = spawn_app_with(&config).await;
    let behind_proxy = client_from([127, 0, 0, 1]);
    let mut last = 0;
    for n in 0..25 {
        // Each request says it comes from another client: the proxy is trusted, so they count apart.
        let response = forwarded_session(
            &behind_proxy,
            &app,
            &format!("proxied-visitor-{n:03}"),
            &format!("203.0.113.7, 198.51.100.{n}"),
        )
        .await;
        last = response.status().as_u16();
        assert_eq!(last, 200, "request {n}");
    }
    // From an address that is not a trusted proxy the header is ignored: one bucket for all.
    let untrusted = client_from([127, 0, 0, 3]);
    let mut limited = false;
    for n in 0..25 {
        let response = forwarded_session(
            &untrusted,
            &app,
            &format!("spoofing-visitor-{n:03}"),
            &format!("198.51.100.{n}"),
        )
        .await;
        limited |= response.status() == 429;
    }
    assert!(
        limited && last == 200,
        "a spoofed X-Forwarded-For does not escape the limit"
    );
}
