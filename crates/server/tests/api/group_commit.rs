//! The write path's transactions (group commit on SQLite): concurrent requests share commits,
//! one request's failure spoils no other, and nothing is answered before it is committed.

use futures_util::future::join_all;
use moments_server::platform::db::{self, Writer};

use crate::helpers::*;

async fn writer_on_fresh_database() -> (tempfile::TempDir, sqlx::AnyPool, std::sync::Arc<Writer>) {
    let dir = tempfile::tempdir().unwrap();
    let pool = db::connect(&fresh_database_url(dir.path()).await).await.unwrap();
    let writer = std::sync::Arc::new(Writer::open(&pool).await.unwrap());
    (dir, pool, writer)
}

async fn store_session(writer: &Writer, id: String, then_fail: bool) -> Result<(), sqlx::Error> {
    let mut tx = writer.begin().await?;
    sqlx::query("INSERT INTO sessions (id, site, visitor_id, locale, started_at) VALUES ($1, 'demo', 'v', 'en', 0)")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    if then_fail {
        // A second row with the same id: the request fails after it wrote its first row.
        sqlx::query(
            "INSERT INTO sessions (id, site, visitor_id, locale, started_at) VALUES ($1, 'demo', 'v', 'en', 0)",
        )
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_request_spoils_none_of_the_others_sharing_its_commit() {
    let (_dir, pool, writer) = writer_on_fresh_database().await;
    let work = (0..200).map(|n| {
        let writer = writer.clone();
        tokio::spawn(async move { (n, store_session(&writer, format!("s-{n}"), n % 7 == 3).await) })
    });
    let outcomes: Vec<(i32, Result<(), sqlx::Error>)> = join_all(work).await.into_iter().map(Result::unwrap).collect();
    for (n, outcome) in &outcomes {
        assert_eq!(outcome.is_ok(), n % 7 != 3, "request {n}: {outcome:?}");
    }
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut expected: Vec<String> = (0..200).filter(|n| n % 7 != 3).map(|n| format!("s-{n}")).collect();
    expected.sort();
    assert_eq!(
        stored, expected,
        "every acknowledged request's row, and no row of a failed one"
    );
    if let Some(group) = writer.group_commit() {
        let commits = group.stats.commits.load(std::sync::atomic::Ordering::Relaxed);
        let writes = group.stats.writes.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(writes, expected.len() as u64);
        assert!(
            commits < writes,
            "concurrent requests shared commits: {writes} writes in {commits} commits"
        );
        eprintln!("group commit: {writes} writes in {commits} commits");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_midway_leaves_nothing_behind() {
    let (_dir, pool, writer) = writer_on_fresh_database().await;
    {
        let mut tx = writer.begin().await.unwrap();
        sqlx::query("INSERT INTO sessions (id, site, visitor_id, locale, started_at) VALUES ('abandoned', 'demo', 'v', 'en', 0)").execute(&mut *tx).await.unwrap();
        // Dropped without commit: a cancelled request, or one that returned an error early.
    }
    store_session(&writer, "kept".into(), false).await.unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored, ["kept"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_visible_to_every_reader_once_commit_returns() {
    let (_dir, pool, writer) = writer_on_fresh_database().await;
    for n in 0..20 {
        store_session(&writer, format!("r-{n}"), false).await.unwrap();
        let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(seen, n + 1);
    }
}

/// A request gives up (its timeout) while the writer waits for SQLite's write lock, held by
/// another connection (a background job): the writer's BEGIN still runs once the lock is free,
/// and the writer must know it, not leave every later request failing with "cannot start a
/// transaction within a transaction".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_cancelled_while_the_writer_waits_for_the_lock_leaves_the_writer_working() {
    if on_postgres() {
        // PostgreSQL's write path is a pooled transaction per request: no shared writer.
        return;
    }
    let (_dir, pool, writer) = writer_on_fresh_database().await;
    let mut other = pool.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *other).await.unwrap();
    let gave_up = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        store_session(&writer, "cancelled".into(), false),
    )
    .await;
    assert!(gave_up.is_err(), "the request waited for the lock: {gave_up:?}");
    sqlx::query("COMMIT").execute(&mut *other).await.unwrap();
    drop(other);

    store_session(&writer, "after".into(), false).await.unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored, vec!["after".to_owned()]);
}
