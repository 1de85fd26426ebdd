//! Site keys in the database. Revoking is one guarded UPDATE; a request reads its key's row,
//! so every server process sees a revocation on the next request.

use sqlx::{AnyConnection, AnyExecutor};

use super::{KeyRecord, Scopes, Secret, secret_hash};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    site: String,
    name: String,
    prefix: String,
    scopes: String,
    created_at: i64,
    created_by: String,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
    revoked_by: Option<String>,
}

impl From<Row> for KeyRecord {
    fn from(r: Row) -> Self {
        KeyRecord {
            id: r.id,
            site: r.site,
            name: r.name,
            prefix: r.prefix,
            scopes: Scopes::from_stored(&r.scopes),
            created_at: r.created_at,
            created_by: r.created_by,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            revoked_by: r.revoked_by,
        }
    }
}

const COLUMNS: &str =
    "id, site, name, prefix, scopes, created_at, created_by, expires_at, last_used_at, revoked_at, revoked_by";

/// What a new key is.
pub struct NewKey<'a> {
    pub name: &'a str,
    pub scopes: Scopes,
    pub expires_at: Option<i64>,
    pub created_by: &'a str,
}

pub async fn insert(
    conn: &mut AnyConnection,
    site: &str,
    key: &NewKey<'_>,
    secret: &Secret,
    now: i64,
) -> Result<KeyRecord, sqlx::Error> {
    let sql = format!(
        "INSERT INTO site_keys (site, name, prefix, secret_hash, scopes, created_at, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(key.name)
        .bind(secret.shown_prefix())
        .bind(secret_hash(secret.expose()))
        .bind(key.scopes.to_stored())
        .bind(now)
        .bind(key.created_by)
        .bind(key.expires_at)
        .fetch_one(conn)
        .await?;
    Ok(row.into())
}

/// The key a presented secret is, revoked and expired ones included (the caller says why not).
pub async fn by_secret(db: impl AnyExecutor<'_>, secret: &str) -> Result<Option<KeyRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM site_keys WHERE secret_hash = $1");
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(secret_hash(secret))
        .fetch_optional(db)
        .await?;
    Ok(row.map(Into::into))
}

/// A site's keys, newest first.
pub async fn list(db: impl AnyExecutor<'_>, site: &str) -> Result<Vec<KeyRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM site_keys WHERE site = $1 ORDER BY id DESC");
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn find(db: impl AnyExecutor<'_>, site: &str, id: i64) -> Result<Option<KeyRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM site_keys WHERE site = $1 AND id = $2");
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(Into::into))
}

/// Revokes a key that is not revoked yet; false when it was (or is not this site's).
pub async fn revoke(conn: &mut AnyConnection, site: &str, id: i64, by: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE site_keys SET revoked_at = $1, revoked_by = $2 WHERE site = $3 AND id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(site)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes a use, at most once a minute per key: a busy key costs one write a minute, not one a request.
pub async fn touch(db: impl AnyExecutor<'_>, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE site_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
        .bind(now)
        .bind(id)
        .bind(now - 60_000)
        .execute(db)
        .await?;
    Ok(())
}
