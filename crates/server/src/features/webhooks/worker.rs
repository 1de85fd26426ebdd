//! The delivery worker every server runs. It claims due deliveries from the database (so
//! servers share the work and never send one delivery twice at once), sends each signed,
//! and records what the receiver said: delivered; tried again later with exponential backoff
//! and jitter on timeouts, connection errors, 408, 409, 429 and 5xx (at least as late as
//! `Retry-After` says) for up to three days; or failed on any other answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use sqlx::AnyPool;
use tokio::sync::Semaphore;

use super::address::{self, PublicOnly};
use super::store::{self, Answer, Attempt, Claimed, Outcome};
use super::{MAX_ANSWER_BYTES, render, signature};
use crate::config::WebhookSettings;
use crate::features::sites::Sites;
use crate::platform::clock::now_ms;

/// Attempts this process made, by outcome: delivered, retried, failed.
static ATTEMPTS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

/// `/metrics`: the outbox as the database holds it (the same from every server), and this
/// process's attempts.
pub fn render_metrics(outbox: &store::Gauges, now: i64) -> String {
    let mut out = String::from(
        "# HELP moments_webhook_deliveries Webhook deliveries in the outbox, by status (failed: given up, or refused).
# TYPE moments_webhook_deliveries gauge
",
    );
    for (status, count) in [
        ("pending", outbox.pending),
        ("delivered", outbox.delivered),
        ("failed", outbox.failed),
    ] {
        out.push_str(&format!("moments_webhook_deliveries{{status=\"{status}\"}} {count}\n"));
    }
    let oldest = outbox
        .oldest_pending_at
        .map_or(0.0, |at| (now - at).max(0) as f64 / 1_000.0);
    out.push_str(&format!(
        "# HELP moments_webhook_outbox_depth Deliveries waiting to be sent.\n# TYPE moments_webhook_outbox_depth gauge\nmoments_webhook_outbox_depth {}\n\
         # HELP moments_webhook_oldest_waiting_seconds Age of the oldest delivery still waiting (0: none).\n# TYPE moments_webhook_oldest_waiting_seconds gauge\nmoments_webhook_oldest_waiting_seconds {oldest:.3}\n\
         # HELP moments_webhook_attempts_total Attempts this process made, by outcome.\n# TYPE moments_webhook_attempts_total counter\n",
        outbox.pending
    ));
    for (outcome, count) in ["delivered", "retry", "failed"].iter().zip(&ATTEMPTS) {
        out.push_str(&format!(
            "moments_webhook_attempts_total{{outcome=\"{outcome}\"}} {}\n",
            count.load(Ordering::Relaxed)
        ));
    }
    out
}

/// How long past the receiver's timeout a claim stays ours: then a killed server's
/// deliveries are free for the others.
const LEASE_MARGIN_MS: i64 = 5_000;

pub struct Worker {
    db: AnyPool,
    sites: Arc<Sites>,
    public_url: Arc<str>,
    settings: WebhookSettings,
    /// For endpoints made through the admin API: resolves to public addresses only (unless
    /// the server's config allows private networks).
    tenant_client: reqwest::Client,
    /// For the config file's own endpoints.
    operator_client: reqwest::Client,
}

fn client(settings: &WebhookSettings, public_only: bool) -> anyhow::Result<reqwest::Client> {
    let builder = crate::platform::http::outbound(
        Duration::from_secs(settings.timeout_secs),
        concat!("Moments-Webhooks/", env!("CARGO_PKG_VERSION")),
    );
    let builder = if public_only {
        builder.dns_resolver(PublicOnly::shared())
    } else {
        builder
    };
    Ok(builder.build()?)
}

impl Worker {
    pub fn new(db: AnyPool, sites: Arc<Sites>, public_url: &str, settings: WebhookSettings) -> anyhow::Result<Self> {
        Ok(Self {
            tenant_client: client(&settings, !settings.allow_private_networks)?,
            operator_client: client(&settings, false)?,
            db,
            sites,
            public_url: public_url.into(),
            settings,
        })
    }

    /// Runs until `stop` turns true, then lets the deliveries in flight finish and record
    /// what the receivers said (a server stopped for a deploy sends nothing twice). Aborted
    /// or killed instead, a delivery cut short is tried again, with the same webhook-id, by
    /// whichever server finds its lease run out.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let (outcomes, finished) = tokio::sync::mpsc::unbounded_channel();
        let recorder = tokio::spawn(record_outcomes(self.db.clone(), finished));
        let worker = Arc::new(self);
        let concurrency = worker.settings.concurrency;
        let slots = Arc::new(Semaphore::new(concurrency as usize));
        let poll = Duration::from_millis(worker.settings.poll_ms);
        while !*stop.borrow() {
            let free = slots.available_permits();
            if free == 0 {
                tokio::select! {
                    _ = slots.acquire() => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
            match worker.claim(free as u32).await {
                Ok(claimed) if claimed.is_empty() => {
                    tokio::select! {
                        () = tokio::time::sleep(poll) => {}
                        _ = stop.changed() => {}
                    }
                }
                Ok(claimed) => {
                    for (delivery, token) in claimed {
                        let Ok(slot) = slots.clone().acquire_owned().await else {
                            return;
                        };
                        let (worker, outcomes) = (worker.clone(), outcomes.clone());
                        tokio::spawn(async move {
                            match worker.deliver(&delivery, token).await {
                                Ok(attempt) => drop(outcomes.send(attempt)),
                                Err(error) => {
                                    tracing::warn!(delivery = delivery.id, %error, "could not send a webhook delivery; its lease will run out and it is tried again")
                                }
                            }
                            drop(slot);
                        });
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "could not claim webhook deliveries");
                    tokio::time::sleep(poll).await;
                }
            }
        }
        // Every slot back: nothing in flight (a receiver has at most its timeout to answer);
        // then the last outcomes recorded.
        let _ = slots.acquire_many(concurrency).await;
        drop(outcomes);
        let _ = recorder.await;
    }

    async fn claim(&self, limit: u32) -> Result<Vec<(Claimed, String)>, sqlx::Error> {
        let now = now_ms();
        if !store::any_due(&self.db, now).await? {
            return Ok(Vec::new());
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        let lease = self.settings.timeout_secs as i64 * 1_000 + LEASE_MARGIN_MS;
        let claimed =
            crate::platform::db::retrying(async || Ok(store::claim(&self.db, now, now + lease, &token, limit).await?))
                .await
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        Ok(claimed.into_iter().map(|c| (c, token.clone())).collect())
    }

    async fn deliver(&self, delivery: &Claimed, token: String) -> Result<Attempt, sqlx::Error> {
        let (outcome, answer) = self.attempt(delivery).await?;
        let counter = match outcome {
            Outcome::Delivered => 0,
            Outcome::Retry { .. } => 1,
            Outcome::Failed => 2,
        };
        ATTEMPTS[counter].fetch_add(1, Ordering::Relaxed);
        if matches!(outcome, Outcome::Failed) {
            tracing::warn!(delivery = delivery.id, endpoint = %delivery.endpoint, status = ?answer.status, error = ?answer.error, "webhook delivery failed");
        }
        Ok(Attempt {
            delivery: delivery.id,
            token,
            outcome,
            answer,
            at: now_ms(),
        })
    }

    async fn attempt(&self, delivery: &Claimed) -> Result<(Outcome, Answer), sqlx::Error> {
        let failed = |error: &str| {
            Ok((
                Outcome::Failed,
                Answer {
                    error: Some(error.to_owned()),
                    ..Answer::default()
                },
            ))
        };
        let Some((message, endpoint)) = store::message_to(&self.db, delivery).await? else {
            return failed("the message or its endpoint is gone");
        };
        let url = match reqwest::Url::parse(&endpoint.url) {
            Ok(url) => url,
            Err(e) => return failed(&e.to_string()),
        };
        let public_only = !endpoint.from_config && !self.settings.allow_private_networks;
        if let Some(refusal) = address::literal_address_refused(&url).filter(|_| public_only) {
            return failed(&refusal);
        }
        let now = now_ms();
        let secrets = store::live_secrets(&self.db, &delivery.site, &delivery.endpoint, now).await?;
        let body = render::body(&message, &endpoint, self.sites.get(&delivery.site), &self.public_url);
        let timestamp = now / 1_000;
        let client = if endpoint.from_config {
            &self.operator_client
        } else {
            &self.tenant_client
        };
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &message.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature::header(&secrets, &message.id, timestamp, &body),
            )
            .body(body)
            .send()
            .await;
        let (status, retry_after, answer) = match sent {
            Ok(response) => {
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| retry_after_ms(v, now));
                let body = first_bytes(response).await;
                (
                    Some(status),
                    retry_after,
                    Answer {
                        status: Some(status.as_u16()),
                        body: Some(body),
                        error: None,
                    },
                )
            }
            Err(error) => (
                None,
                None,
                Answer {
                    error: Some(describe(&error)),
                    ..Answer::default()
                },
            ),
        };
        let outcome = match status {
            Some(s) if s.is_success() => Outcome::Delivered,
            Some(s) if !retried(s) => Outcome::Failed,
            _ => match next_try(
                &self.settings,
                delivery.attempts,
                delivery.window_from,
                now,
                retry_after,
                jitter(),
            ) {
                Some(at) => Outcome::Retry { at },
                None => Outcome::Failed,
            },
        };
        Ok((outcome, answer))
    }
}

/// Writes outcomes as they come, all that are waiting in one transaction: under load one
/// commit carries many (on SQLite, one fsync each commit). A serialization conflict
/// (PostgreSQL) is retried, so no outcome is lost: the receiver has it, and another try would
/// send it again.
async fn record_outcomes(db: AnyPool, mut finished: tokio::sync::mpsc::UnboundedReceiver<Attempt>) {
    const MOST: usize = 256;
    let mut batch = Vec::with_capacity(MOST);
    while finished.recv_many(&mut batch, MOST).await > 0 {
        if let Err(error) = crate::platform::db::retrying(async || Ok(store::record(&db, &batch).await?)).await {
            tracing::warn!(%error, deliveries = batch.len(), "could not record webhook outcomes; their leases will run out and they are tried again");
        }
        batch.clear();
    }
}

/// Timeouts and connection errors (no status), 408, 409, 429 and 5xx are worth another try.
fn retried(status: StatusCode) -> bool {
    status.is_server_error() || matches!(status.as_u16(), 408 | 409 | 429)
}

/// The first `MAX_ANSWER_BYTES` of the receiver's answer.
async fn first_bytes(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ANSWER_BYTES);
    String::from_utf8_lossy(&body).into_owned()
}

fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// `Retry-After` in seconds or as an HTTP date, in milliseconds from `now`.
fn retry_after_ms(value: &str, now: i64) -> Option<i64> {
    if let Ok(seconds) = value.trim().parse::<u32>() {
        return Some(i64::from(seconds) * 1_000);
    }
    let at = time::OffsetDateTime::parse(value.trim(), &time::format_description::well_known::Rfc2822).ok()?;
    Some(((at.unix_timestamp() * 1_000) - now).max(0))
}

/// A random factor in [0.75, 1.25), so receivers that failed together are not retried together.
fn jitter() -> f64 {
    0.75 + (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 2_000_000.0
}

/// When the next try is, after `attempts` tries; `None` when it would fall past the give-up
/// time. The wait doubles each time from `first_retry_ms` up to `max_retry_ms`, jittered,
/// and is never shorter than the receiver's `Retry-After`.
fn next_try(
    settings: &WebhookSettings,
    attempts: i64,
    window_from: i64,
    now: i64,
    retry_after: Option<i64>,
    jitter: f64,
) -> Option<i64> {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(40);
    let backoff = settings
        .first_retry_ms
        .saturating_mul(1u64 << doublings)
        .min(settings.max_retry_ms) as f64
        * jitter;
    let wait = (backoff as i64).max(retry_after.unwrap_or(0));
    let at = now.saturating_add(wait);
    let give_up_at = window_from.saturating_add(settings.give_up_after_hours as i64 * 3_600_000);
    (at <= give_up_at).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn waits_double_up_to_the_cap_and_stop_after_three_days() {
        let settings = WebhookSettings::default();
        let waits: Vec<i64> = (1..=8)
            .map(|n| next_try(&settings, n, 0, 0, None, 1.0).unwrap())
            .collect();
        assert_eq!(waits[..4], [5_000, 10_000, 20_000, 40_000]);
        assert_eq!(waits[7], 640_000);
        assert_eq!(
            next_try(&settings, 30, 0, 0, None, 1.0),
            Some(6 * HOUR),
            "capped at max_retry_ms"
        );
        assert_eq!(
            next_try(&settings, 30, 0, 66 * HOUR, None, 1.0),
            Some(72 * HOUR),
            "the last try falls on the deadline"
        );
        assert_eq!(
            next_try(&settings, 30, 0, 67 * HOUR, None, 1.0),
            None,
            "past three days: given up"
        );
        // A whole run of tries against a receiver that is down: how many, over how long.
        let (mut now, mut tries) = (0, 1);
        while let Some(at) = next_try(&settings, tries, 0, now, None, 1.0) {
            (now, tries) = (at, tries + 1);
        }
        assert_eq!(
            tries, 24,
            "the tries against a receiver down for good, as docs/webhooks.md says"
        );
        assert!(now > 66 * HOUR, "the last try is {now} ms after the first");
    }

    #[test]
    fn jitter_spreads_and_retry_after_holds_back() {
        let settings = WebhookSettings::default();
        assert_eq!(next_try(&settings, 1, 0, 0, None, 0.75), Some(3_750));
        assert_eq!(next_try(&settings, 1, 0, 0, Some(60_000), 1.2), Some(60_000));
        assert_eq!(
            next_try(&settings, 1, 0, 0, Some(73 * HOUR), 1.0),
            None,
            "a Retry-After past the deadline gives up"
        );
        for _ in 0..100 {
            assert!((0.75..1.25).contains(&jitter()));
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after_ms("120", 0), Some(120_000));
        let now = 784_111_777_000 - 10_000;
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(10_000));
        assert_eq!(retry_after_ms("soon", 0), None);
    }

    #[test]
    fn which_answers_are_tried_again() {
        for retried_status in [408, 409, 429, 500, 502, 503, 504] {
            assert!(
                retried(StatusCode::from_u16(retried_status).unwrap()),
                "{retried_status}"
            );
        }
        for final_status in [301, 400, 401, 403, 404, 410, 413, 422] {
            assert!(!retried(StatusCode::from_u16(final_status).unwrap()), "{final_status}");
        }
    }
}
