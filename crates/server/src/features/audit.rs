//! The audit trail: who changed what on a site, written in the transaction of the change
//! (a change that rolls back leaves no row, a row never names a change that did not happen).
//! Secrets and coupon codes never go into a summary.

pub mod store;

use sqlx::AnyConnection;

use crate::features::webhooks::emit;
use crate::features::webhooks::event_types::{AuditRecorded, Event};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The operator's admin key: every site.
    Operator,
    /// A site key, by id and name.
    Key { id: i64, name: String },
    /// A staff member signed in to the dashboard.
    Staff { name: String },
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Operator => "operator",
            Actor::Key { .. } => "key",
            Actor::Staff { .. } => "staff",
        }
    }

    pub fn id(&self) -> String {
        match self {
            Actor::Operator => "admin-key".to_owned(),
            Actor::Key { id, .. } => id.to_string(),
            Actor::Staff { name } => name.clone(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Actor::Operator => "operator (admin key)",
            Actor::Key { name, .. } | Actor::Staff { name } => name,
        }
    }

    /// How other records name this actor (`created_by`, `revoked_by`).
    pub fn label(&self) -> String {
        format!("{}:{}", self.kind(), self.id())
    }
}

/// The request a change came with.
#[derive(Debug, Clone)]
pub struct Origin {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub client_address: Option<String>,
}

/// One change, as the trail tells it.
pub struct Change {
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: String,
    pub summary: String,
}

impl Change {
    pub fn new(action: &'static str, target_kind: &'static str, target_id: impl Into<String>) -> Self {
        Self {
            action,
            target_kind,
            target_id: target_id.into(),
            summary: String::new(),
        }
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }
}

/// A row of the trail as the API and the dashboard show it, and as `audit.recorded` sends it.
pub type Entry = AuditRecorded;

/// Records `change` in `tx`, the transaction that makes it, and queues `audit.recorded`.
pub async fn record(
    tx: &mut AnyConnection,
    site: &str,
    origin: &Origin,
    change: Change,
    now: i64,
) -> Result<(), sqlx::Error> {
    let entry = store::insert(tx, site, origin, &change, now).await?;
    emit::send(tx, site, Event::AuditRecorded(entry), now).await
}
