//! Webhooks in the database: endpoints and their secrets, the outbox (messages and their
//! deliveries), the claims delivery workers make on it, and the reads the dashboard, the admin
//! API and `/metrics` need.
//!
//! Over 500 lines: all of webhooks' SQL, kept in its feature's one store module.

use serde::Serialize;
use sqlx::{AnyConnection, AnyExecutor, AnyPool};

use super::event_types::{SeenVariant, TEST_EVENT, TestEvent};
use super::signature::Secret;
use crate::platform::db::Backend;

/// An endpoint as the admin API and the dashboard show it (never with its secrets).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// `standard` (Standard Webhooks JSON) or `slack` (a readable message).
    pub format: String,
    pub description: Option<String>,
    /// Whether `surprise.*` events carry the coupon code.
    pub include_coupon_codes: bool,
    /// Disabled: nothing is queued for it.
    pub enabled: bool,
    /// Paused: deliveries are queued and wait until it resumes.
    pub paused: bool,
    /// Written in the server's config file; change it there.
    pub from_config: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    url: String,
    events: String,
    format: String,
    description: Option<String>,
    include_coupon_codes: i64,
    enabled: i64,
    paused: i64,
    from_config: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<EndpointRow> for Endpoint {
    fn from(r: EndpointRow) -> Self {
        Endpoint {
            id: r.id,
            url: r.url,
            events: serde_json::from_str(&r.events).unwrap_or_default(),
            format: r.format,
            description: r.description,
            include_coupon_codes: r.include_coupon_codes != 0,
            enabled: r.enabled != 0,
            paused: r.paused != 0,
            from_config: r.from_config != 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const ENDPOINT_COLUMNS: &str =
    "id, url, events, format, description, include_coupon_codes, enabled, paused, from_config, created_at, updated_at";

/// An endpoint's settings, as made or changed.
#[derive(Debug, Clone)]
pub struct EndpointSpec {
    pub url: String,
    pub events: Vec<String>,
    pub format: String,
    pub description: Option<String>,
    pub include_coupon_codes: bool,
    pub enabled: bool,
}

fn events_json(events: &[String]) -> String {
    serde_json::to_string(events).unwrap_or_else(|_| "[]".into())
}

/// Makes an endpoint with its first secret; false when the id is taken.
pub async fn create(
    tx: &mut AnyConnection,
    site: &str,
    id: &str,
    spec: &EndpointSpec,
    secret: &Secret,
    from_config: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let made = sqlx::query(
        "INSERT INTO webhook_endpoints (site, id, url, events, format, description, include_coupon_codes, enabled, from_config, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT (site, id) DO NOTHING",
    )
    .bind(site)
    .bind(id)
    .bind(&spec.url)
    .bind(events_json(&spec.events))
    .bind(&spec.format)
    .bind(spec.description.as_deref())
    .bind(i64::from(spec.include_coupon_codes))
    .bind(i64::from(spec.enabled))
    .bind(i64::from(from_config))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if made.rows_affected() == 0 {
        return Ok(false);
    }
    add_secret(tx, site, id, secret, now).await?;
    Ok(true)
}

async fn add_secret(
    db: impl AnyExecutor<'_>,
    site: &str,
    endpoint: &str,
    secret: &Secret,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO webhook_secrets (site, endpoint, secret, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(site)
        .bind(endpoint)
        .bind(secret.to_whsec())
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn list(db: impl AnyExecutor<'_>, site: &str) -> Result<Vec<Endpoint>, sqlx::Error> {
    let rows: Vec<EndpointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE site = $1 ORDER BY created_at, id"
    )))
    .bind(site)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Endpoint::from).collect())
}

pub async fn find(db: impl AnyExecutor<'_>, site: &str, id: &str) -> Result<Option<Endpoint>, sqlx::Error> {
    let row: Option<EndpointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE site = $1 AND id = $2"
    )))
    .bind(site)
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Endpoint::from))
}

/// Replaces an endpoint's settings (not its secrets, not whether it is paused).
pub async fn update(
    db: impl AnyExecutor<'_>,
    site: &str,
    id: &str,
    spec: &EndpointSpec,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, events = $2, format = $3, description = $4, include_coupon_codes = $5, enabled = $6, updated_at = $7
         WHERE site = $8 AND id = $9",
    )
    .bind(&spec.url)
    .bind(events_json(&spec.events))
    .bind(&spec.format)
    .bind(spec.description.as_deref())
    .bind(i64::from(spec.include_coupon_codes))
    .bind(i64::from(spec.enabled))
    .bind(now)
    .bind(site)
    .bind(id)
    .execute(db)
    .await?;
    Ok(changed.rows_affected() == 1)
}

pub async fn set_paused(
    db: impl AnyExecutor<'_>,
    site: &str,
    id: &str,
    paused: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query("UPDATE webhook_endpoints SET paused = $1, updated_at = $2 WHERE site = $3 AND id = $4")
        .bind(i64::from(paused))
        .bind(now)
        .bind(site)
        .bind(id)
        .execute(db)
        .await?;
    Ok(changed.rows_affected() == 1)
}

/// Removes an endpoint, its secrets and its deliveries (they had nowhere left to go).
pub async fn delete(tx: &mut AnyConnection, site: &str, id: &str) -> Result<bool, sqlx::Error> {
    for table in [
        "webhook_deliveries WHERE site = $1 AND endpoint = $2",
        "webhook_secrets WHERE site = $1 AND endpoint = $2",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .bind(site)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let deleted = sqlx::query("DELETE FROM webhook_endpoints WHERE site = $1 AND id = $2")
        .bind(site)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

/// The secrets that sign now: the newest, and older ones until their grace period ends.
pub async fn live_secrets(
    db: impl AnyExecutor<'_>,
    site: &str,
    endpoint: &str,
    now: i64,
) -> Result<Vec<Secret>, sqlx::Error> {
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT secret FROM webhook_secrets WHERE site = $1 AND endpoint = $2 AND (expires_at IS NULL OR expires_at > $3) ORDER BY created_at DESC",
    )
    .bind(site)
    .bind(endpoint)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(texts.iter().filter_map(|t| Secret::parse(t).ok()).collect())
}

/// A new secret signs from now; the ones before it keep signing until `old_until`, then go.
pub async fn rotate(
    tx: &mut AnyConnection,
    site: &str,
    endpoint: &str,
    secret: &Secret,
    now: i64,
    old_until: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM webhook_secrets WHERE site = $1 AND endpoint = $2 AND expires_at <= $3")
        .bind(site)
        .bind(endpoint)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE webhook_secrets SET expires_at = $1 WHERE site = $2 AND endpoint = $3 AND (expires_at IS NULL OR expires_at > $1)")
        .bind(old_until)
        .bind(site)
        .bind(endpoint)
        .execute(&mut *tx)
        .await?;
    add_secret(tx, site, endpoint, secret, now).await
}

/// Makes the database say what the config file says: its endpoints (by id) and their
/// secrets; a config endpoint no longer in the file goes. Whether one is paused stays.
pub async fn sync_config(
    tx: &mut AnyConnection,
    site: &str,
    endpoints: &[super::ConfiguredEndpoint],
    now: i64,
) -> Result<(), sqlx::Error> {
    let known: Vec<String> = sqlx::query_scalar("SELECT id FROM webhook_endpoints WHERE site = $1 AND from_config = 1")
        .bind(site)
        .fetch_all(&mut *tx)
        .await?;
    for id in known.iter().filter(|id| !endpoints.iter().any(|e| &e.id == *id)) {
        delete(tx, site, id).await?;
    }
    for super::ConfiguredEndpoint { id, spec, secrets } in endpoints {
        let Some(first) = secrets.first() else { continue };
        if !create(tx, site, id, spec, first, true, now).await? {
            update(&mut *tx, site, id, spec, now).await?;
            sqlx::query("UPDATE webhook_endpoints SET from_config = 1 WHERE site = $1 AND id = $2")
                .bind(site)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM webhook_secrets WHERE site = $1 AND endpoint = $2")
            .bind(site)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for secret in secrets {
            add_secret(&mut *tx, site, id, secret, now).await?;
        }
    }
    Ok(())
}

/// A new message's id: the `webhook-id` every delivery of it carries.
pub fn new_message_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

/// Queues message `message` for every enabled endpoint of the site that wants events of type
/// `kind`, in the caller's transaction (the deliveries exist exactly when the fact does), in
/// one statement; the message itself follows only when this made any (`insert_message`).
/// Returns how many.
pub async fn fan_out(
    tx: &mut AnyConnection,
    site: &str,
    kind: &str,
    message: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    // `events` is a JSON array of names; `_` is LIKE's wildcard, so it is escaped.
    let quoted = format!("%\"{}\"%", kind.replace('_', "\\_"));
    let made = sqlx::query(
        "INSERT INTO webhook_deliveries (message_id, site, endpoint, next_attempt_at, created_at, window_from)
         SELECT $1, site, id, $3, $3, $3 FROM webhook_endpoints WHERE site = $2 AND enabled = 1 AND events LIKE $4 ESCAPE '\\'",
    )
    .bind(message)
    .bind(site)
    .bind(now)
    .bind(quoted)
    .execute(&mut *tx)
    .await?;
    Ok(made.rows_affected())
}

/// A `webhook.test` event to one endpoint, whatever it subscribes to.
pub async fn emit_test(
    tx: &mut AnyConnection,
    site: &str,
    endpoint: &str,
    message: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    let data = TestEvent {
        site: site.into(),
        endpoint: endpoint.into(),
        message: message.into(),
    };
    let id = new_message_id();
    insert_message(
        tx,
        &id,
        site,
        TEST_EVENT,
        &serde_json::to_value(data).unwrap_or_default(),
        now,
    )
    .await?;
    insert_delivery(tx, &id, site, endpoint, now).await?;
    Ok(id)
}

/// The message `fan_out` queued deliveries of: what they send.
pub async fn insert_message(
    tx: &mut AnyConnection,
    id: &str,
    site: &str,
    kind: &str,
    data: &serde_json::Value,
    now: i64,
) -> Result<(), sqlx::Error> {
    let about = |field: &str| data.get(field).and_then(serde_json::Value::as_str).map(str::to_owned);
    sqlx::query("INSERT INTO webhook_messages (id, site, type, data, member_id, visitor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id)
        .bind(site)
        .bind(kind)
        .bind(data.to_string())
        .bind(about("member_id"))
        .bind(about("visitor_id"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn insert_delivery(
    tx: &mut AnyConnection,
    message: &str,
    site: &str,
    endpoint: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (message_id, site, endpoint, next_attempt_at, created_at, window_from) VALUES ($1, $2, $3, $4, $4, $4)",
    )
    .bind(message)
    .bind(site)
    .bind(endpoint)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Deliveries that may be tried now: pending, due, not held by a live lease, to an endpoint
/// that is enabled and not paused.
const DUE: &str = "d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.leased_until IS NULL OR d.leased_until < $1)
    AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.site = d.site AND e.id = d.endpoint AND e.enabled = 1 AND e.paused = 0)";

/// A cheap look before taking any lock: is anything due?
pub async fn any_due(db: &AnyPool, now: i64) -> Result<bool, sqlx::Error> {
    let due: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT d.id FROM webhook_deliveries d WHERE {DUE} LIMIT 1"
    )))
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(due.is_some())
}

/// A delivery a worker holds, with what it needs to send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub message_id: String,
    pub site: String,
    pub endpoint: String,
    pub attempts: i64,
    pub window_from: i64,
}

/// Takes up to `limit` due deliveries until `leased_until`, each for one worker (`token`):
/// `FOR UPDATE SKIP LOCKED` on PostgreSQL, so servers claiming together take different rows;
/// SQLite's write lock makes the claim one step for every process on the file. The attempt
/// is counted now, so a server killed while sending still counts it.
pub async fn claim(
    db: &AnyPool,
    now: i64,
    leased_until: i64,
    token: &str,
    limit: u32,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let lock = match Backend::of_connection(&conn) {
        Backend::Postgres => "FOR UPDATE OF d SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut tx = begin_row_locked(&mut conn).await?;
    let claimed = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE webhook_deliveries SET leased_until = $2, leased_by = $3, attempts = attempts + 1, last_attempt_at = $1
         WHERE id IN (SELECT d.id FROM webhook_deliveries d WHERE {DUE} ORDER BY d.next_attempt_at LIMIT $4 {lock})
           AND status = 'pending' AND (leased_until IS NULL OR leased_until < $1)
         RETURNING id, message_id, site, endpoint, attempts, window_from"
    )))
    .bind(now)
    .bind(leased_until)
    .bind(token)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(claimed)
}

/// A write transaction for statements that lock the rows they change and check them again:
/// on PostgreSQL READ COMMITTED, since SERIALIZABLE would fail workers that merely touched
/// neighbouring rows (its predicate locks cover index pages); on SQLite the write lock.
async fn begin_row_locked(conn: &mut AnyConnection) -> Result<sqlx::Transaction<'_, sqlx::Any>, sqlx::Error> {
    let begin = match Backend::of_connection(conn) {
        Backend::Postgres => "BEGIN ISOLATION LEVEL READ COMMITTED",
        Backend::Sqlite => "BEGIN IMMEDIATE",
    };
    sqlx::Connection::begin_with(conn, begin).await
}

/// The message a delivery sends.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: String,
    pub site: String,
    pub r#type: String,
    pub data: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct MessageToEndpoint {
    message_id: String,
    message_type: String,
    message_data: String,
    message_created_at: i64,
    #[sqlx(flatten)]
    endpoint: EndpointRow,
}

/// A claimed delivery's message and endpoint, in one query.
pub async fn message_to(
    db: impl AnyExecutor<'_>,
    delivery: &Claimed,
) -> Result<Option<(Message, Endpoint)>, sqlx::Error> {
    let row: Option<MessageToEndpoint> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT m.id AS message_id, m.type AS message_type, m.data AS message_data, m.created_at AS message_created_at, {}
         FROM webhook_messages m JOIN webhook_endpoints e ON e.site = $2 AND e.id = $3 WHERE m.id = $1",
        ENDPOINT_COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ")
    )))
    .bind(&delivery.message_id)
    .bind(&delivery.site)
    .bind(&delivery.endpoint)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let message = Message {
            id: r.message_id,
            site: delivery.site.clone(),
            r#type: r.message_type,
            data: r.message_data,
            created_at: r.message_created_at,
        };
        (message, Endpoint::from(r.endpoint))
    }))
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered,
    /// Tried again at `at`.
    Retry {
        at: i64,
    },
    Failed,
}

/// What the receiver answered, or why it did not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub status: Option<u16>,
    pub body: Option<String>,
    pub error: Option<String>,
}

/// What one attempt came to, as a worker records it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub delivery: i64,
    /// The claim that holds the lease.
    pub token: String,
    pub outcome: Outcome,
    pub answer: Answer,
    pub at: i64,
}

/// Records attempts' outcomes in one transaction (one commit, one fsync on SQLite, for all
/// that finished meanwhile), each only if its lease is still this worker's (a lease that ran
/// out is another's now, and its outcome theirs to record). Returns how many were recorded.
pub async fn record(db: &AnyPool, attempts: &[Attempt]) -> Result<u64, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let mut tx = begin_row_locked(&mut conn).await?;
    let mut recorded = 0;
    for attempt in attempts {
        let (status, next, delivered_at) = match attempt.outcome {
            Outcome::Delivered => ("delivered", None, Some(attempt.at)),
            Outcome::Retry { at } => ("pending", Some(at), None),
            Outcome::Failed => ("failed", None, None),
        };
        let answer = &attempt.answer;
        recorded += sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, delivered_at = $3, leased_until = NULL, leased_by = NULL,
                response_status = $4, response_body = $5, error = $6
             WHERE id = $7 AND leased_by = $8",
        )
        .bind(status)
        .bind(next)
        .bind(delivered_at)
        .bind(answer.status.map(i64::from))
        .bind(answer.body.as_deref())
        .bind(answer.error.as_deref())
        .bind(attempt.delivery)
        .bind(&attempt.token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(recorded)
}

/// "Send again": the delivery is queued now with the same webhook-id, three more days to go.
pub async fn send_again(
    db: impl AnyExecutor<'_>,
    site: &str,
    endpoint: &str,
    id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let queued = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, window_from = $1, attempts = 0, leased_until = NULL, leased_by = NULL
         WHERE site = $2 AND endpoint = $3 AND id = $4 AND (status <> 'pending' OR leased_until IS NULL OR leased_until < $1)",
    )
    .bind(now)
    .bind(site)
    .bind(endpoint)
    .bind(id)
    .execute(db)
    .await?;
    Ok(queued.rows_affected() == 1)
}

/// A delivery as the dashboard and the admin API list it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The `webhook-id` header: the same on every attempt.
    pub message_id: String,
    pub endpoint: String,
    /// The event type.
    pub r#type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    /// When it is tried next (pending ones).
    pub next_attempt_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    /// The receiver's HTTP status on the last attempt.
    pub response_status: Option<i64>,
    /// The first 1 KiB of the receiver's answer on the last attempt.
    pub response_body: Option<String>,
    /// Why the last attempt got no answer (a timeout, a refused connection…).
    pub error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

/// Recent deliveries of a site (of one endpoint, if given): failed first, then waiting, then
/// delivered, newest first in each; `before` (a delivery id) continues a page.
pub async fn deliveries(
    db: impl AnyExecutor<'_>,
    site: &str,
    endpoint: Option<&str>,
    status: Option<&str>,
    limit: u32,
) -> Result<Vec<Delivery>, sqlx::Error> {
    // The newest `limit` of each status by its index, then only those sorted.
    let newest = |status: &str| {
        format!(
            "SELECT id FROM (SELECT id FROM webhook_deliveries WHERE site = $1 AND status = '{status}' AND ($2 IS NULL OR endpoint = $2) ORDER BY id DESC LIMIT $4) AS {status}"
        )
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS}
         FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id
         WHERE d.id IN ({} UNION ALL {} UNION ALL {}) AND ($3 IS NULL OR d.status = $3)
         ORDER BY CASE d.status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, d.id DESC LIMIT $4",
        newest("failed"),
        newest("pending"),
        newest("delivered"),
    )))
    .bind(site)
    .bind(endpoint)
    .bind(status)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}

const DELIVERY_COLUMNS: &str = "d.id, d.message_id, d.endpoint, m.type, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.response_status,
    d.response_body, d.error, d.delivered_at, d.created_at";

pub async fn delivery(
    db: impl AnyExecutor<'_>,
    site: &str,
    endpoint: &str,
    id: i64,
) -> Result<Option<Delivery>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id WHERE d.site = $1 AND d.endpoint = $2 AND d.id = $3"
    )))
    .bind(site)
    .bind(endpoint)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The outbox for `/metrics`: deliveries by status, and the oldest waiting one's creation.
#[derive(Debug, Default, Clone)]
pub struct Gauges {
    pub delivered: i64,
    pub failed: i64,
    pub pending: i64,
    pub oldest_pending_at: Option<i64>,
}

pub async fn gauges(db: &AnyPool) -> Result<Gauges, sqlx::Error> {
    let rows: Vec<(String, i64, Option<i64>)> =
        sqlx::query_as("SELECT status, COUNT(*), MIN(created_at) FROM webhook_deliveries GROUP BY status")
            .fetch_all(db)
            .await?;
    let mut gauges = Gauges::default();
    for (status, count, oldest) in rows {
        match status.as_str() {
            "delivered" => gauges.delivered = count,
            "failed" => gauges.failed = count,
            _ => (gauges.pending, gauges.oldest_pending_at) = (count, oldest),
        }
    }
    Ok(gauges)
}

/// Forgets deliveries finished before `before`, and messages left with none.
pub async fn purge(db: &AnyPool, before: i64) -> Result<u64, sqlx::Error> {
    let gone = sqlx::query("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1")
        .bind(before)
        .execute(db)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM webhook_messages WHERE created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = webhook_messages.id)")
        .bind(before)
        .execute(db)
        .await?;
    Ok(gone)
}

/// An answer as `feedback.received` and `recovery.opened` tell it.
#[derive(Debug, sqlx::FromRow)]
pub struct AnswerFacts {
    pub id: String,
    pub session_id: String,
    pub scale: String,
    pub score: i64,
    pub comment: Option<String>,
    pub member_id: Option<String>,
    pub visitor_id: String,
    pub context: Option<String>,
    pub received_at: i64,
    pub case_id: Option<i64>,
    pub points: Option<i64>,
}

pub async fn answer(tx: &mut AnyConnection, site: &str, event_id: &str) -> Result<Option<AnswerFacts>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.id, e.session_id, e.scale, e.score, e.comment, e.member_id, e.visitor_id, e.context, e.received_at, c.id AS case_id, c.points
         FROM events e LEFT JOIN recovery_cases c ON c.site = e.site AND c.event_id = e.id
         WHERE e.site = $1 AND e.id = $2 AND e.type = 'feedback'",
    )
    .bind(site)
    .bind(event_id)
    .fetch_optional(&mut *tx)
    .await
}

/// The page of a visit (session `session`) and the variants its visitor had seen by `at`, in
/// one query.
pub async fn visit(
    tx: &mut AnyConnection,
    site: &str,
    session: &str,
    visitor: &str,
    at: i64,
) -> Result<(Option<String>, Vec<SeenVariant>), sqlx::Error> {
    let rows: Vec<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT s.page_url, x.experiment, x.variant FROM (SELECT $1 AS site, $2 AS visitor) AS v
         LEFT JOIN sessions s ON s.id = $3 AND s.site = v.site
         LEFT JOIN exposures x ON x.site = v.site AND x.visitor_id = v.visitor AND x.exposed_at <= $4
         ORDER BY x.experiment",
    )
    .bind(site)
    .bind(visitor)
    .bind(session)
    .bind(at)
    .fetch_all(&mut *tx)
    .await?;
    let page = rows.first().and_then(|r| r.0.clone());
    let variants = rows
        .into_iter()
        .filter_map(|(_, experiment, variant)| {
            Some(SeenVariant {
                experiment: experiment?,
                variant: variant?,
            })
        })
        .collect();
    Ok((page, variants))
}

/// Erasing a person: what was queued or kept about them (`member_id` or `visitor_id`) goes,
/// sent or not.
pub async fn erase(tx: &mut AnyConnection, site: &str, column: Subject, id: &str) -> Result<u64, sqlx::Error> {
    let filter = match column {
        Subject::Member => "site = $1 AND member_id = $2",
        Subject::Visitor => "site = $1 AND visitor_id = $2",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM webhook_deliveries WHERE message_id IN (SELECT id FROM webhook_messages WHERE {filter})"
    )))
    .bind(site)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let erased = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM webhook_messages WHERE {filter}"
    )))
    .bind(site)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(erased.rows_affected())
}

/// Erases the messages of `kind_prefix` (`referral.`) whose data names `id` in one of
/// `fields`: events about two people (a referrer and a friend) keep neither in a column.
pub async fn erase_mentions(
    tx: &mut AnyConnection,
    site: &str,
    kind_prefix: &str,
    fields: &[&str],
    id: &str,
) -> Result<(), sqlx::Error> {
    let escape = |text: &str| text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let quoted = serde_json::Value::from(id).to_string();
    for field in fields {
        let pattern = format!("%{}%", escape(&format!("\"{field}\":{quoted}")));
        let filter = "site = $1 AND type LIKE $2 ESCAPE '\\' AND data LIKE $3 ESCAPE '\\'";
        let kind = format!("{}%", escape(kind_prefix));
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM webhook_deliveries WHERE message_id IN (SELECT id FROM webhook_messages WHERE {filter})"
        )))
        .bind(site)
        .bind(&kind)
        .bind(&pattern)
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM webhook_messages WHERE {filter}"
        )))
        .bind(site)
        .bind(&kind)
        .bind(&pattern)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Member,
    Visitor,
}
