//! A webhook receiver for the tests: a real HTTP server on a real port that records every
//! request and answers as its script says (a status, after a delay), tracking how many
//! requests for one webhook-id it is answering at once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: Value,
    pub raw: Bytes,
}

impl Received {
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }

    /// Checks the Standard Webhooks signature with `secret` (`whsec_…`), written here from the
    /// spec, independently of the server's code: one `v1,` signature must match.
    pub fn signed_with(&self, secret: &str) -> bool {
        let b64 = base64::engine::general_purpose::STANDARD;
        let key = b64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.", self.id, self.timestamp).as_bytes());
        mac.update(&self.raw);
        let expected = format!("v1,{}", b64.encode(mac.finalize().into_bytes()));
        self.signature.split(' ').any(|s| s == expected)
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Answers for the next requests, in order; then 200.
    script: VecDeque<(u16, Duration, Option<&'static str>)>,
    in_flight: HashMap<String, u32>,
    max_in_flight_per_id: u32,
    /// Every request waits this long before answering.
    delay: Duration,
}

#[derive(Clone, Default)]
pub struct Receiver {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

impl Receiver {
    pub async fn start() -> Self {
        let mut receiver = Receiver::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        receiver.url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(take))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        receiver
    }

    /// The next requests get these answers (status, after this delay, with this Retry-After).
    pub fn answer_next(&self, answers: &[(u16, Duration, Option<&'static str>)]) {
        self.inner.lock().unwrap().script.extend(answers.iter().copied());
    }

    pub fn delay_each(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    pub fn max_in_flight_per_id(&self) -> u32 {
        self.inner.lock().unwrap().max_in_flight_per_id
    }

    /// Waits until `done` holds for what arrived (15 s at most).
    pub async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..300 {
            let received = self.received();
            if done(&received) {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the receiver never got {what}: {:#?}",
            self.received()
                .iter()
                .map(|r| (r.kind().to_owned(), r.id.clone()))
                .collect::<Vec<_>>()
        );
    }
}

async fn take(State(receiver): State<Receiver>, headers: HeaderMap, raw: Bytes) -> impl IntoResponse {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let received = Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        signature: header("webhook-signature"),
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
    };
    let (status, delay, retry_after) = {
        let mut inner = receiver.inner.lock().unwrap();
        let answer = inner.script.pop_front().unwrap_or((200, Duration::ZERO, None));
        let delay = answer.1.max(inner.delay);
        let count = inner.in_flight.entry(received.id.clone()).or_default();
        *count += 1;
        let now = *count;
        inner.max_in_flight_per_id = inner.max_in_flight_per_id.max(now);
        inner.received.push(received.clone());
        (answer.0, delay, answer.2)
    };
    tokio::time::sleep(delay).await;
    if let Some(count) = receiver.inner.lock().unwrap().in_flight.get_mut(&received.id) {
        *count -= 1;
    }
    let mut response = (StatusCode::from_u16(status).unwrap(), format!("answered {status}")).into_response();
    if let Some(seconds) = retry_after {
        response.headers_mut().insert("retry-after", seconds.parse().unwrap());
    }
    response
}
