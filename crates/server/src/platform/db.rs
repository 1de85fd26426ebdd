//! The one database: SQLite (a file, WAL) by default, PostgreSQL to run many servers on many
//! machines. Every piece of state lives here, so any number of server processes behave as one.
//! One portable dialect through sqlx's `Any` driver; what truly differs is here (see
//! docs/storage.md).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

pub mod group_commit;
pub use group_commit::{BATCH_BUCKETS, GroupCommit, GroupTx};

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite://PATH` (or `sqlite::memory:`), `postgres://…` or `postgresql://…`; any other
    /// scheme is refused by name rather than taken for a file path.
    pub fn of_url(database_url: &str) -> anyhow::Result<Self> {
        match database_url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase())
            .as_deref()
        {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            _ => anyhow::bail!(
                "database_url {:?}: use sqlite://PATH (the file and its folder are created) or postgres://USER:PASSWORD@HOST/DATABASE",
                redacted(database_url)
            ),
        }
    }

    pub fn of_pool(db: &AnyPool) -> Self {
        if db.connect_options().database_url.scheme().starts_with("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    pub fn of_connection(conn: &AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The schema changes this build knows for this database, embedded at compile time.
    /// PostgreSQL starts at version 7: the schema SQLite reached in seven steps, in one.
    pub fn migrator(self) -> &'static sqlx::migrate::Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// How a transaction that writes begins. SQLite: take the write lock at once, so a read
    /// inside it never has to be upgraded after another writer committed (SQLITE_BUSY).
    /// PostgreSQL: every transaction is SERIALIZABLE (set per connection in `connect`); the
    /// rare conflict is retried by `retry::layer`.
    fn begin_write_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// A column naming a row of any table, for deleting in batches.
    pub fn row_locator(self) -> &'static str {
        match self {
            Backend::Sqlite => "rowid",
            Backend::Postgres => "ctid",
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Checks a configured URL before anything is opened.
pub fn check_url(database_url: &str) -> anyhow::Result<()> {
    Backend::of_url(database_url).map(drop)
}

/// Opens the database (`Settings::check` has vetted the URL) and migrates it.
pub async fn connect(database_url: &str) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(database_url)?;
    let url = match backend {
        Backend::Sqlite => sqlite_url(database_url)?,
        Backend::Postgres => database_url.to_owned(),
    };
    let options: AnyConnectOptions = url
        .parse()
        .with_context(|| format!("database_url {:?} does not parse", redacted(database_url)))?;
    let pool = AnyPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(match backend {
                    // FULL: a commit is on disk before we acknowledge it, even across power loss.
                    Backend::Sqlite => "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON",
                    Backend::Postgres => "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                })
                .await
                .map(drop)
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {}", redacted(database_url)))?;
    migrate(&pool, backend).await.context("database migrations failed")?;
    Ok(pool)
}

/// Runs the migrations once however many processes start together: PostgreSQL's advisory
/// lock (sqlx takes it), SQLite's write lock (an immediate transaction around them all).
async fn migrate(pool: &AnyPool, backend: Backend) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    match backend {
        Backend::Postgres => backend.migrator().run(&mut *conn).await?,
        Backend::Sqlite => {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            let applied = async |tx: &mut sqlx::AnyConnection| -> i64 {
                sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap_or(0)
            };
            let before = applied(&mut tx).await;
            backend.migrator().run(&mut *tx).await?;
            // New indexes get their statistics at once: without them SQLite's planner guesses,
            // and on a big shop took a new index over a better one (the experiments list went
            // from 14 to 142 ms). Empty tables get none, so a new database is not misled.
            if applied(&mut tx).await > before {
                sqlx::query("ANALYZE").execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

/// `sqlite://PATH` with the file created when missing (and its folder made).
fn sqlite_url(database_url: &str) -> anyhow::Result<String> {
    let rest = &database_url["sqlite:".len()..];
    if rest.starts_with(":memory:") || rest.contains('?') {
        return Ok(database_url.to_owned());
    }
    let path = std::path::Path::new(rest.trim_start_matches("//"));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(format!("{database_url}?mode=rwc"))
}

/// The URL without its password, for messages and logs.
pub fn redacted(database_url: &str) -> String {
    match (database_url.find("://"), database_url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            let credentials = &database_url[start + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &database_url[..start + 3], &database_url[at..]),
                None => database_url.to_owned(),
            }
        }
        _ => database_url.to_owned(),
    }
}

/// The most database connections one process opens.
pub const MAX_CONNECTIONS: u32 = 8;

/// How many of this build's migrations have not run on this database (0: ready).
pub async fn migrations_missing(db: &AnyPool) -> Result<i64, sqlx::Error> {
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(db)
        .await?;
    Ok(Backend::of_pool(db).migrator().iter().count() as i64 - applied)
}

/// Where the transactions of the write path run: on SQLite the group-commit writer, on
/// PostgreSQL a pooled connection each (PostgreSQL groups concurrent commits' WAL flushes itself).
pub enum Writer {
    Group(Arc<GroupCommit>),
    Pool(AnyPool),
}

/// A transaction of the write path: derefs to its connection; `commit` answers once it is durable.
pub enum WriteTx {
    Group(GroupTx),
    Pool(sqlx::Transaction<'static, sqlx::Any>),
}

impl Writer {
    pub async fn open(db: &AnyPool) -> Result<Self, sqlx::Error> {
        Ok(match Backend::of_pool(db) {
            Backend::Sqlite => Writer::Group(GroupCommit::new(db.acquire().await?.detach())),
            Backend::Postgres => Writer::Pool(db.clone()),
        })
    }

    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        Ok(match self {
            Writer::Group(writer) => WriteTx::Group(writer.begin().await?),
            Writer::Pool(db) => WriteTx::Pool(begin_write(db).await?),
        })
    }

    /// Commits what is waiting and lets go of the writer's connection (at shutdown).
    pub async fn close(&self) {
        if let Writer::Group(writer) = self {
            writer.close().await;
        }
    }

    pub fn group_commit(&self) -> Option<&GroupCommit> {
        match self {
            Writer::Group(writer) => Some(writer),
            Writer::Pool(_) => None,
        }
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            WriteTx::Group(tx) => tx.commit().await,
            WriteTx::Pool(tx) => tx.commit().await,
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            WriteTx::Group(tx) => tx,
            WriteTx::Pool(tx) => tx,
        }
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteTx::Group(tx) => tx,
            WriteTx::Pool(tx) => tx,
        }
    }
}

/// A transaction that will write, on a pooled connection (see `Backend::begin_write_sql`).
pub async fn begin_write(db: &AnyPool) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    let conn = db.acquire().await?;
    let sql = Backend::of_connection(&conn).begin_write_sql();
    sqlx::Transaction::begin(conn, Some(sqlx::SqlSafeStr::into_sql_str(sql))).await
}

/// A transaction that will write, for background work whose guarantees rest on single-row
/// conditional updates (a watermark moved only from where it was read): on PostgreSQL READ
/// COMMITTED, so its wide reads take no predicate locks (under SERIALIZABLE they fill the
/// server's shared lock table, and other transactions fail "out of shared memory"); a
/// concurrent change to that row makes the update wait and then find it changed. SQLite: as
/// `begin_write`.
pub async fn begin_write_read_committed(db: &AnyPool) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    let conn = db.acquire().await?;
    let sql = match Backend::of_connection(&conn) {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN ISOLATION LEVEL READ COMMITTED",
    };
    sqlx::Transaction::begin(conn, Some(sqlx::SqlSafeStr::into_sql_str(sql))).await
}

/// The first statement of an erasure's transaction, for a background fold's watermark
/// `table`: on PostgreSQL, waits for a fold in flight to commit and holds new folds off until
/// this transaction ends, before its snapshot is taken (a LOCK is not a query). Without it, a
/// SERIALIZABLE erasure beside a fold catching up (a day per transaction) lost to every one of
/// them until it gave up. SQLite: nothing; the write transaction already excludes every other
/// writer.
pub async fn hold_off_writers(tx: &mut AnyConnection, table: &'static str) -> Result<(), sqlx::Error> {
    if Backend::of_connection(tx) == Backend::Postgres {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"
        )))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// `begin_write` on a connection already held.
pub async fn begin_write_on(conn: &mut AnyConnection) -> Result<sqlx::Transaction<'_, sqlx::Any>, sqlx::Error> {
    let sql = Backend::of_connection(conn).begin_write_sql();
    conn.begin_with(sql).await
}

/// Whether a statement binding these optional floats may be kept prepared. sqlx 0.9's `Any`
/// driver sends a NULL `f64` to PostgreSQL as a `real` (float4); a statement prepared with it
/// would then refuse every later non-NULL `double precision`. So on PostgreSQL such a
/// statement is prepared afresh whenever one of them is NULL.
pub fn may_keep_prepared(conn: &AnyConnection, floats: &[Option<f64>]) -> bool {
    Backend::of_connection(conn) == Backend::Sqlite || floats.iter().all(Option::is_some)
}

/// A serialization failure or deadlock (PostgreSQL): nothing was written; the same request
/// run again will very likely pass.
pub fn is_conflict(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if matches!(e.code().as_deref(), Some("40001" | "40P01")))
}

/// Runs `work` again while it loses serialization conflicts (PostgreSQL), a few times: for
/// the writes a server makes outside any request, such as at start-up beside other servers.
pub async fn retrying<T, F, Fut>(mut work: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut attempt = 1;
    loop {
        match work().await {
            Err(e) if attempt < super::retry::ATTEMPTS && lost_a_conflict(&e) => {
                tokio::time::sleep(super::retry::pause(attempt)).await;
                attempt += 1;
            }
            done => return done,
        }
    }
}

fn lost_a_conflict(error: &anyhow::Error) -> bool {
    // Errors that wrap the database's name it as their source, so the chain reaches it.
    error
        .chain()
        .any(|cause| cause.downcast_ref::<sqlx::Error>().is_some_and(is_conflict))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_database_or_are_refused() {
        assert_eq!(Backend::of_url("sqlite://data/moments.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://moments@db/moments").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("PostgreSQL://moments@db/moments").unwrap(),
            Backend::Postgres
        );
        for refused in ["mysql://moments@db/moments", "data/moments.db", "postgres", ""] {
            let error = Backend::of_url(refused).unwrap_err().to_string();
            assert!(error.contains("sqlite://") && error.contains("postgres://"), "{error}");
        }
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redacted("postgres://moments:s3cret@db:5432/moments"),
            "postgres://moments:***@db:5432/moments"
        );
        assert_eq!(
            redacted("postgres://moments@db/moments"),
            "postgres://moments@db/moments"
        );
        assert_eq!(redacted("sqlite://data/moments.db"), "sqlite://data/moments.db");
        let refused = Backend::of_url("mysql://moments:s3cret@db/moments")
            .unwrap_err()
            .to_string();
        assert!(!refused.contains("s3cret"), "{refused}");
    }
}
