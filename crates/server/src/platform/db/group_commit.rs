//! Group commit on SQLite. One connection writes; a request's work runs on it in its own
//! SAVEPOINT inside one shared `BEGIN IMMEDIATE` transaction, so a request that fails spoils
//! no other. A committer commits whatever has gathered while the previous commit's fsync ran
//! (`synchronous = FULL`), and only then are those requests answered: many writes share one
//! fsync, and nothing is acknowledged before it is on disk. Reads use the pool's other
//! connections and never wait for the writer (WAL).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

/// How a batch ended: `None` while it is open, then the commit's outcome.
type Outcome = Option<Result<(), Arc<str>>>;

pub struct GroupCommit {
    state: Arc<Mutex<State>>,
    work_waiting: Arc<Notify>,
    pub stats: Arc<Stats>,
}

struct State {
    /// `None` once closed.
    conn: Option<AnyConnection>,
    /// Whether a `BEGIN IMMEDIATE` is open.
    open: bool,
    /// Requests whose work is done and waits for the commit.
    pending: u64,
    /// The last request's savepoint is done with but not yet released: the next request's
    /// begin releases it in the same call (one round trip to the writer's thread, not two).
    to_release: bool,
    /// The last holder left without finishing: its savepoint must be rolled back first.
    abandoned: bool,
    /// The open batch's outcome, which its requests wait for.
    batch: watch::Sender<Outcome>,
}

/// Counters for `/metrics`.
#[derive(Default)]
pub struct Stats {
    pub commits: AtomicU64,
    pub writes: AtomicU64,
    /// Commits by how many requests they carried (bucket upper bounds: `BATCH_BUCKETS`).
    pub batch_sizes: [AtomicU64; BATCH_BUCKETS.len()],
    /// Requests waiting for their turn on the writer now.
    pub waiting: AtomicI64,
}

pub const BATCH_BUCKETS: [u64; 8] = [1, 2, 4, 8, 16, 32, 64, 128];

const BEGIN: &str = "BEGIN IMMEDIATE; SAVEPOINT moments_write";
const NEXT: &str = "RELEASE moments_write; SAVEPOINT moments_write";
const SAVEPOINT: &str = "SAVEPOINT moments_write";
const ROLLBACK_TO: &str = "ROLLBACK TO moments_write; RELEASE moments_write";

impl GroupCommit {
    pub fn new(conn: AnyConnection) -> Arc<Self> {
        let (batch, _) = watch::channel(None);
        let writer = Arc::new(Self {
            state: Arc::new(Mutex::new(State {
                conn: Some(conn),
                open: false,
                pending: 0,
                to_release: false,
                abandoned: false,
                batch,
            })),
            work_waiting: Arc::new(Notify::new()),
            stats: Arc::default(),
        });
        tokio::spawn(committer(
            writer.state.clone(),
            writer.work_waiting.clone(),
            writer.stats.clone(),
        ));
        writer
    }

    /// Waits for the writer, then opens this request's savepoint on it.
    pub async fn begin(self: &Arc<Self>) -> Result<GroupTx, sqlx::Error> {
        let waiting = Waiting::count(&self.stats.waiting);
        let state = self.state.clone().lock_owned().await;
        drop(waiting);
        // The statements run in a task of their own: a request cancelled meanwhile (its
        // timeout, while SQLite's write lock is held by another connection) must not leave a
        // BEGIN that ran after all unknown to the writer. Nobody takes the transaction then:
        // dropped, it counts as abandoned, as for any request that left without committing.
        let writer = self.clone();
        tokio::spawn(writer.open_savepoint(state))
            .await
            .map_err(|error| sqlx::Error::Protocol(format!("the writer's task failed: {error}")))?
    }

    async fn open_savepoint(self: Arc<Self>, mut state: OwnedMutexGuard<State>) -> Result<GroupTx, sqlx::Error> {
        state.settle_abandoned().await;
        let State {
            conn, open, to_release, ..
        } = &mut *state;
        let conn = conn.as_mut().ok_or(sqlx::Error::PoolClosed)?;
        let statement = match (*open, std::mem::take(to_release)) {
            (false, _) => BEGIN,
            (true, true) => NEXT,
            (true, false) => SAVEPOINT,
        };
        if let Err(error) = conn.execute(statement).await {
            // Whatever it got to, the next holder starts from a known state.
            state.abandoned = *open;
            return Err(error);
        }
        *open = true;
        Ok(GroupTx {
            state: Some(state),
            writer: self,
        })
    }

    /// Commits what is pending and closes the writer's connection (at shutdown).
    pub async fn close(&self) {
        let mut state = self.state.lock().await;
        state.commit(&self.stats).await;
        if let Some(conn) = state.conn.take() {
            let _ = conn.close().await;
        }
        self.work_waiting.notify_one();
    }
}

impl State {
    async fn settle_abandoned(&mut self) {
        if !std::mem::take(&mut self.abandoned) {
            return;
        }
        let Some(conn) = self.conn.as_mut() else { return };
        if let Err(error) = conn.execute(ROLLBACK_TO).await {
            // SQLite rolled the whole transaction back (I/O error, disk full): the batch is lost
            // before anyone was told it was kept.
            tracing::error!(%error, "group commit: the open transaction is gone");
            let _ = conn.execute("ROLLBACK").await;
            self.open = false;
            self.finish_batch(Err(error.to_string().into()));
        }
    }

    /// `COMMIT` ends every savepoint still open with the transaction.
    async fn commit(&mut self, stats: &Stats) {
        self.settle_abandoned().await;
        self.to_release = false;
        if !self.open {
            return;
        }
        let Some(conn) = self.conn.as_mut() else { return };
        let outcome = match conn.execute("COMMIT").await {
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::error!(%error, "group commit failed");
                let _ = conn.execute("ROLLBACK").await;
                Err(error.to_string().into())
            }
        };
        self.open = false;
        let size = self.pending;
        stats.commits.fetch_add(1, Ordering::Relaxed);
        stats.writes.fetch_add(size, Ordering::Relaxed);
        if let Some(bucket) = BATCH_BUCKETS.iter().position(|b| size <= *b) {
            stats.batch_sizes[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.finish_batch(outcome);
    }

    /// Tells the batch's requests how it ended and opens the next.
    fn finish_batch(&mut self, outcome: Result<(), Arc<str>>) {
        self.pending = 0;
        let (next, _) = watch::channel(None);
        std::mem::replace(&mut self.batch, next).send_replace(Some(outcome));
    }
}

/// Commits whenever requests are waiting for a commit. It queues for the writer like a
/// request (the lock is fair), so it commits everything that ran before it. Ends once the
/// writer is closed.
async fn committer(state: Arc<Mutex<State>>, work_waiting: Arc<Notify>, stats: Arc<Stats>) {
    loop {
        work_waiting.notified().await;
        let mut state = state.lock().await;
        if state.conn.is_none() {
            return;
        }
        if state.pending > 0 || state.abandoned {
            state.commit(&stats).await;
        }
    }
}

/// Counts a request in `Stats::waiting` for as long as it lives (a cancelled request too).
struct Waiting<'a>(&'a AtomicI64);

impl<'a> Waiting<'a> {
    fn count(gauge: &'a AtomicI64) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Self(gauge)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One request's work on the writer: derefs to its connection, inside its savepoint.
pub struct GroupTx {
    state: Option<OwnedMutexGuard<State>>,
    writer: Arc<GroupCommit>,
}

impl GroupTx {
    /// Keeps this request's work, lets the next request on, and answers once the batch it
    /// joined is on disk.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let Some(mut state) = self.state.take() else {
            return Err(sqlx::Error::PoolClosed);
        };
        state.to_release = true;
        state.pending += 1;
        let mut outcome = state.batch.subscribe();
        drop(state);
        self.writer.work_waiting.notify_one();
        let ended = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        match ended.as_ref() {
            Some(Ok(())) => Ok(()),
            Some(Err(message)) => Err(sqlx::Error::Protocol(format!("the group commit failed: {message}"))),
            None => Err(sqlx::Error::PoolClosed),
        }
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        // Left without `commit` (an error, or the request was cancelled): the next holder
        // rolls its savepoint back before anything else.
        if let Some(mut state) = self.state.take() {
            state.abandoned = true;
            drop(state);
            self.writer.work_waiting.notify_one();
        }
    }
}

impl std::ops::Deref for GroupTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        // `state` and its connection are present from `begin` until `commit` or drop.
        self.state
            .as_ref()
            .and_then(|s| s.conn.as_ref())
            .expect("a GroupTx holds the writer's connection")
    }
}

impl std::ops::DerefMut for GroupTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.state
            .as_mut()
            .and_then(|s| s.conn.as_mut())
            .expect("a GroupTx holds the writer's connection")
    }
}
