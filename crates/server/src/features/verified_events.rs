//! Facts the host's backend vouched for, in the database: one per key (a proof's `jti`, an
//! admin call's idempotency key) per site, however often and whichever way it is reported.

use serde::Serialize;
use sqlx::{AnyConnection, AnyExecutor};

/// Where a fact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A proof the host signed, carried by the browser with a tracked event.
    Proof,
    /// The host's backend called the admin API.
    Admin,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Proof => "proof",
            Source::Admin => "admin",
        }
    }
}

/// A fact as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VerifiedEvent {
    /// The proof's `jti` or the admin request's `idempotency_key`.
    pub key: String,
    pub member_id: String,
    pub name: String,
    pub value: Option<f64>,
    /// `proof` or `admin`.
    pub source: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    #[serde(skip)]
    pub event_id: Option<String>,
}

/// One fact, as it is reported.
pub struct Fact<'a> {
    pub key: &'a str,
    pub member_id: &'a str,
    pub name: &'a str,
    pub value: Option<f64>,
    pub source: Source,
    pub event_id: Option<&'a str>,
}

impl Fact<'_> {
    /// Whether `stored` is this same fact reported again (not the key reused for another).
    pub fn same_as(&self, stored: &VerifiedEvent) -> bool {
        stored.member_id == self.member_id && stored.name == self.name && stored.value == self.value
    }
}

/// Stores the fact unless its key is taken. `Ok(None)`: stored now; `Ok(Some(earlier))`: the
/// key was vouched for before, with what it said then.
pub async fn record(
    tx: &mut AnyConnection,
    site: &str,
    fact: &Fact<'_>,
    now: i64,
) -> Result<Option<VerifiedEvent>, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO verified_events (site, key, member_id, name, value, source, event_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (site, key) DO NOTHING",
    )
    .bind(site)
    .bind(fact.key)
    .bind(fact.member_id)
    .bind(fact.name)
    .bind(fact.value)
    .bind(fact.source.name())
    .bind(fact.event_id)
    .bind(now)
    .persistent(crate::platform::db::may_keep_prepared(tx, &[fact.value]))
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        return Ok(None);
    }
    find(&mut *tx, site, fact.key).await
}

pub async fn find(db: impl AnyExecutor<'_>, site: &str, key: &str) -> Result<Option<VerifiedEvent>, sqlx::Error> {
    sqlx::query_as("SELECT key, member_id, name, value, source, created_at, event_id FROM verified_events WHERE site = $1 AND key = $2")
        .bind(site)
        .bind(key)
        .fetch_optional(db)
        .await
}

/// The surprise occasion of a fact: the same order gives a rule's gift once, however reported.
pub fn occasion(key: &str) -> String {
    format!("fact:{key}")
}
