//! The one SQLite database (WAL): every piece of state lives here, so two server
//! processes on one file behave as one.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// Only SQLite URLs (`sqlite://PATH`, `sqlite::memory:`) open here; anything else is refused
/// by name rather than taken for a file path.
pub fn check_url(database_url: &str) -> anyhow::Result<()> {
    match database_url.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase()) {
        Some(scheme) if scheme == "sqlite" => Ok(()),
        Some(scheme) if scheme == "postgres" || scheme == "postgresql" => {
            anyhow::bail!("database_url {database_url:?}: this version stores its data in SQLite only (sqlite://PATH); PostgreSQL is not supported yet")
        }
        _ => anyhow::bail!("database_url {database_url:?}: use sqlite://PATH (the file and its folder are created)"),
    }
}

/// Opens the database (`Settings::check` has vetted the URL with `check_url`) and migrates it.
pub async fn connect(database_url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("database_url {database_url:?} is not a SQLite URL"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk before we acknowledge it, even across power loss.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    if let Some(parent) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {database_url}"))?;
    MIGRATOR.run(&pool).await.context("database migrations failed")?;
    Ok(pool)
}

/// The schema changes this build knows, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The most database connections one process opens.
pub const MAX_CONNECTIONS: u32 = 8;

/// How many of the migrations have run on this database.
pub async fn migrations_applied(db: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(db).await
}

/// A transaction that will write: it takes SQLite's write lock as it begins, so it waits its
/// turn (the busy timeout) instead of failing with SQLITE_BUSY when a read inside it would
/// have to be upgraded after another writer committed.
pub async fn begin_write(db: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    db.begin_with("BEGIN IMMEDIATE").await
}

/// `begin_write` on a connection already held.
pub async fn begin_write_on(conn: &mut sqlx::SqliteConnection) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, sqlx::Error> {
    sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub const DAY_MS: i64 = 86_400_000;

/// The UTC date of a time in milliseconds since the Unix epoch.
pub fn date_of_ms(ms: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).map_or(time::Date::MIN, |t| t.date())
}
