//! Experiments in the database. Status changes are single guarded UPDATEs, so two staff
//! members (or two server processes) cannot both start or stop one.

use moments_protocol::wire::Slot;
use serde::Serialize;
use sqlx::AnyExecutor;

use super::definition::{Definition, Experiment, VariantDefinition};

/// An experiment with its life so far, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Stored {
    #[serde(flatten)]
    pub definition: Definition,
    /// `draft`, `running` or `stopped`.
    pub status: String,
    /// Once stopped: the variant everyone sees (none: the slot's default text).
    pub shipped: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub stopped_at: Option<i64>,
}

impl Stored {
    /// The checked form (stored definitions were checked when written).
    pub fn experiment(&self) -> Experiment {
        let d = &self.definition;
        Experiment {
            key: d.key.clone(),
            slot: Slot::from_name(&d.slot).unwrap_or(Slot::Greeting),
            seed: d.seed.clone().unwrap_or_else(|| d.key.clone()),
            coverage: d.coverage,
            control: d.control.clone(),
            variants: d.variants.clone(),
            metric_event: d.metric_event.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    key: String,
    slot: String,
    seed: String,
    coverage: f64,
    control: String,
    variants: String,
    metric_event: Option<String>,
    status: String,
    shipped: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    stopped_at: Option<i64>,
}

impl From<Row> for Stored {
    fn from(r: Row) -> Self {
        let variants: Vec<VariantDefinition> = serde_json::from_str(&r.variants).unwrap_or_default();
        Stored {
            definition: Definition {
                key: r.key,
                slot: r.slot,
                seed: Some(r.seed),
                coverage: r.coverage,
                control: r.control,
                variants,
                metric_event: r.metric_event,
            },
            status: r.status,
            shipped: r.shipped,
            created_at: r.created_at,
            started_at: r.started_at,
            stopped_at: r.stopped_at,
        }
    }
}

const COLUMNS: &str =
    "key, slot, seed, coverage, control, variants, metric_event, status, shipped, created_at, started_at, stopped_at";

fn variants_json(e: &Experiment) -> String {
    serde_json::to_string(&e.variants).unwrap_or_else(|_| "[]".into())
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds $1 site, $2 key, $3 slot, $4 seed, $5 coverage, $6 control, $7 variants, $8 metric event.
fn bind_definition<'q>(query: Query<'q>, site: &'q str, e: &'q Experiment) -> Query<'q> {
    query
        .bind(site)
        .bind(&e.key)
        .bind(e.slot.name())
        .bind(&e.seed)
        .bind(e.coverage)
        .bind(&e.control)
        .bind(variants_json(e))
        .bind(&e.metric_event)
}

/// `false`: an experiment with this key exists already.
pub async fn create(db: impl AnyExecutor<'_>, site: &str, e: &Experiment, now: i64) -> Result<bool, sqlx::Error> {
    let sql = "INSERT INTO experiments (site, key, slot, seed, coverage, control, variants, metric_event, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
    let created = bind_definition(sqlx::query(sql), site, e).bind(now).execute(db).await?;
    Ok(created.rows_affected() == 1)
}

/// Changes a draft; `false` when there is no draft with this key.
pub async fn update(db: impl AnyExecutor<'_>, site: &str, e: &Experiment) -> Result<bool, sqlx::Error> {
    let sql =
        "UPDATE experiments SET slot = $3, seed = $4, coverage = $5, control = $6, variants = $7, metric_event = $8
               WHERE site = $1 AND key = $2 AND status = 'draft'";
    let updated = bind_definition(sqlx::query(sql), site, e).execute(db).await?;
    Ok(updated.rows_affected() == 1)
}

/// Starts a draft; `Ok(false)` when it is not a draft. A second running experiment in the
/// slot is refused by the database's unique index (the error is the caller's to name).
pub async fn start(db: impl AnyExecutor<'_>, site: &str, key: &str, now: i64) -> Result<bool, sqlx::Error> {
    let started = sqlx::query(
        "UPDATE experiments SET status = 'running', started_at = $1 WHERE site = $2 AND key = $3 AND status = 'draft'",
    )
    .bind(now)
    .bind(site)
    .bind(key)
    .execute(db)
    .await?;
    Ok(started.rows_affected() == 1)
}

/// Stops a running experiment, shipping `ship` to everyone (and queues `experiment.stopped`
/// in the same transaction); `false` when it is not running.
pub async fn stop(
    db: &sqlx::AnyPool,
    site: &str,
    key: &str,
    ship: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = crate::platform::db::begin_write(db).await?;
    let stopped = stop_in(&mut tx, site, key, ship, now).await?;
    tx.commit().await?;
    Ok(stopped)
}

/// `stop` in the caller's transaction.
pub async fn stop_in(
    tx: &mut sqlx::AnyConnection,
    site: &str,
    key: &str,
    ship: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let stopped = sqlx::query("UPDATE experiments SET status = 'stopped', shipped = $1, stopped_at = $2 WHERE site = $3 AND key = $4 AND status = 'running'")
        .bind(ship)
        .bind(now)
        .bind(site)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    if stopped.rows_affected() != 1 {
        return Ok(false);
    }
    crate::features::webhooks::emit::experiment_stopped(tx, site, key, ship, now).await?;
    Ok(true)
}

pub async fn find(db: impl AnyExecutor<'_>, site: &str, key: &str) -> Result<Option<Stored>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM experiments WHERE site = $1 AND key = $2"
    )))
    .bind(site)
    .bind(key)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// Newest first.
pub async fn list(db: impl AnyExecutor<'_>, site: &str) -> Result<Vec<Stored>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM experiments WHERE site = $1 ORDER BY created_at DESC, key"
    )))
    .bind(site)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// What decides a slot's message: the running experiment, else the one stopped last (its
/// shipped variant, or the default text when it shipped none).
pub async fn deciding(db: impl AnyExecutor<'_>, site: &str, slot: Slot) -> Result<Option<Stored>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM experiments WHERE site = $1 AND slot = $2 AND status IN ('running', 'stopped')
         ORDER BY status = 'running' DESC, stopped_at DESC LIMIT 1"
    )))
    .bind(site)
    .bind(slot.name())
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}
