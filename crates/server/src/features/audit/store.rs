//! The audit trail in the database: inserts, filtered pages, and pseudonymising an erased member.

use sqlx::{AnyConnection, AnyExecutor};

use super::{Change, Entry, Origin};

const COLUMNS: &str = "id, site, at, actor_kind, actor_id, actor_name, action, target_kind, target_id, summary, \
                       request_id, client_address";

pub async fn insert(
    tx: &mut AnyConnection,
    site: &str,
    origin: &Origin,
    change: &Change,
    now: i64,
) -> Result<Entry, sqlx::Error> {
    let sql = format!(
        "INSERT INTO audit_log (site, at, actor_kind, actor_id, actor_name, action, target_kind, target_id, summary,
                                request_id, client_address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(now)
        .bind(origin.actor.kind())
        .bind(origin.actor.id())
        .bind(origin.actor.name())
        .bind(change.action)
        .bind(change.target_kind)
        .bind(&change.target_id)
        .bind(&change.summary)
        .bind(origin.request_id.as_deref())
        .bind(origin.client_address.as_deref())
        .fetch_one(tx)
        .await
}

/// What a page of the trail is narrowed to; every part optional.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Rows older than this id (the page before).
    pub before: Option<i64>,
}

/// Newest first, `limit` rows (callers ask one more to learn whether a page follows).
pub async fn page(
    db: impl AnyExecutor<'_>,
    site: &str,
    filter: &Filter,
    limit: u32,
) -> Result<Vec<Entry>, sqlx::Error> {
    // Each condition is written always and switched off by a NULL, so one statement serves every filter.
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log
         WHERE site = $1
           AND ($2 IS NULL OR actor_id = $2 OR actor_name = $2)
           AND ($3 IS NULL OR action = $3)
           AND ($4 IS NULL OR target_id = $4)
           AND ($5 IS NULL OR at >= $5)
           AND ($6 IS NULL OR at < $6)
           AND ($7 IS NULL OR id < $7)
         ORDER BY id DESC LIMIT $8"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(filter.actor.as_deref())
        .bind(filter.action.as_deref())
        .bind(filter.target.as_deref())
        .bind(filter.since)
        .bind(filter.until)
        .bind(filter.before)
        .bind(i64::from(limit))
        .fetch_all(db)
        .await
}

/// Erasure: rows that name the member or visitor keep what happened, under the erasure's pseudonym.
pub async fn pseudonymise(
    tx: &mut AnyConnection,
    site: &str,
    target_kind: &str,
    id: &str,
    pseudonym: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE audit_log SET target_id = $1 WHERE site = $2 AND target_kind = $3 AND target_id = $4")
        .bind(pseudonym)
        .bind(site)
        .bind(target_kind)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}
