//! The daily rollups: read from them, every figure equals the raw rows' for any range, whatever
//! the watermark; many servers fold each row once, a killed one loses or doubles nothing; an
//! erasure takes out exactly what it deletes; a rebuild gives what the incremental fold gave.

use moments_server::features::demo::{self, history};
use moments_server::features::rollups::{self, figures, store};
use moments_server::features::sites::Sites;
use moments_server::platform::clock::{DAY_MS, now_ms};
use sqlx::AnyPool;

use crate::helpers::*;

/// A database with the demo shop and its 90 days of history, and nothing folded yet.
async fn shop_with_history(dir: &std::path::Path) -> (String, AnyPool) {
    let url = fresh_database_url(dir).await;
    let db = moments_server::platform::db::connect(&url).await.unwrap();
    let sites = Sites::new(&[demo::site()]).unwrap();
    let site = sites.get(demo::SITE).unwrap();
    demo::seed(&db, site).await.unwrap();
    history::generate(&db, site, now_ms()).await.unwrap().unwrap();
    (url, db)
}

async fn watermark(db: &AnyPool) -> Option<i64> {
    sqlx::query_scalar("SELECT folded_to FROM rollup_watermarks WHERE site = 'demo'")
        .fetch_optional(db)
        .await
        .unwrap()
}

async fn rollup_rows(db: &AnyPool) -> Vec<RollupRow> {
    sqlx::query_as(
        "SELECT figure, day, dim1, dim2, scale, score, n, total FROM daily_rollups WHERE site = 'demo'
         ORDER BY figure, day, dim1, dim2, scale, score",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

type RollupRow = (String, i64, String, String, String, i64, i64, i64);

/// Equal, or the rows that differ (the whole tables are thousands of rows).
fn assert_same_rows(got: &[RollupRow], want: &[RollupRow], when: &str) {
    let only = |a: &[RollupRow], b: &[RollupRow]| a.iter().filter(|r| !b.contains(r)).cloned().collect::<Vec<_>>();
    assert!(
        got == want,
        "{when}: only in the new rows {:?}, only in the old {:?}",
        only(got, want),
        only(want, got)
    );
}

/// Every figure on every range of `ranges` (ms) reads the same from the rollups as from the
/// raw rows alone.
async fn assert_rollups_read_as_raw(db: &AnyPool, ranges: &[(i64, i64)], when: &str) {
    for figure in figures::ALL {
        for &(start, end) in ranges {
            let mut read = rollups::read(db, figure, "demo", start, end).await.unwrap();
            let mut raw = store::read_raw(db, figure, "demo", start, end).await.unwrap();
            read.sort();
            raw.sort();
            assert_eq!(read, raw, "{} from {start} to {end}, {when}", figure.name);
            // Added up over the range by the database: the raw rows' days added up here.
            let mut whole = store::read(db, figure, "demo", start, end, rollups::Per::Range)
                .await
                .unwrap();
            whole.sort();
            assert_eq!(
                whole,
                over_the_range(raw),
                "{} from {start} to {end}, whole, {when}",
                figure.name
            );
        }
    }
    assert_eq!(
        rollups::disagreements(db, "demo").await.unwrap(),
        Vec::<&str>::new(),
        "{when}"
    );
}

/// `rows` added up per set of dimensions (day 0), sorted, without the sums that come to nothing.
fn over_the_range(rows: Vec<rollups::Row>) -> Vec<rollups::Row> {
    let mut sums: std::collections::BTreeMap<(String, String, String, i64), (i64, i64)> = Default::default();
    for row in rows {
        let sum = sums.entry((row.dim1, row.dim2, row.scale, row.score)).or_default();
        sum.0 += row.n;
        sum.1 += row.total;
    }
    sums.into_iter()
        .filter(|(_, (n, total))| *n != 0 || *total != 0)
        .map(|((dim1, dim2, scale, score), (n, total))| rollups::Row {
            day: 0,
            dim1,
            dim2,
            scale,
            score,
            n,
            total,
        })
        .collect()
}

#[tokio::test]
async fn figures_read_from_the_rollups_equal_the_raw_rows_for_any_range_and_watermark() {
    let dir = tempfile::tempdir().unwrap();
    let (_, db) = shop_with_history(dir.path()).await;
    let today = now_ms() / DAY_MS;
    let day = |d: i64| d * DAY_MS;
    let hour = 3_600_000;
    // A week, a month, the whole history and beyond, a range ending in the past, one day, and
    // ranges that start and end within days (the admin API takes any milliseconds).
    let ranges = [
        (day(today - 6), day(today + 1)),
        (day(today - 29), day(today + 1)),
        (day(today - 120), day(today + 1)),
        (day(today - 60), day(today - 30)),
        (day(today - 45), day(today - 44)),
        (day(today - 50) + 5 * hour, day(today - 3) + 17 * hour),
        (day(today - 41) + 7 * hour, day(today - 41) + 20 * hour),
        (day(today - 40) + hour, day(today - 39) + 23 * hour),
    ];
    assert_eq!(watermark(&db).await, None);
    assert_rollups_read_as_raw(&db, &ranges, "nothing folded").await;

    // Folded up to the middle of a day 40 days ago: ranges on both sides of the watermark.
    let middle = (today - 40) * DAY_MS + DAY_MS / 2;
    rollups::catch_up(&db, "demo", middle + rollups::LAG_MS).await.unwrap();
    assert_eq!(watermark(&db).await, Some(middle));
    let folded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM daily_rollups WHERE site = 'demo'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(folded > 100, "the rollups hold the first 50 days: {folded} rows");
    for figure in figures::ALL {
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM daily_rollups WHERE site = 'demo' AND figure = $1")
            .bind(figure.name)
            .fetch_one(&db)
            .await
            .unwrap();
        assert!(rows > 0, "the history has {}: no comparison is vacuous", figure.name);
    }
    assert_rollups_read_as_raw(&db, &ranges, "folded to 40 days ago").await;

    let now = now_ms();
    let transactions = rollups::catch_up(&db, "demo", now).await.unwrap();
    let days = (now - rollups::LAG_MS - 1) / DAY_MS - middle / DAY_MS + 1;
    assert_eq!(i64::from(transactions), days, "a day per transaction");
    assert_eq!(watermark(&db).await, Some(now - rollups::LAG_MS));
    assert_rollups_read_as_raw(&db, &ranges, "folded to a minute ago").await;

    // Counted again from the first day, or from a day on (the days before keep their
    // rollups), up to the same time: the very rows the incremental fold gave.
    let incremental = rollup_rows(&db).await;
    rollups::start_over(&db, "demo", 0).await.unwrap();
    assert_eq!(watermark(&db).await, None);
    rollups::catch_up(&db, "demo", now).await.unwrap();
    assert_same_rows(&rollup_rows(&db).await, &incremental, "rebuilt from the first day");
    rollups::start_over(&db, "demo", today - 10).await.unwrap();
    assert_eq!(watermark(&db).await, Some((today - 10) * DAY_MS));
    rollups::catch_up(&db, "demo", now).await.unwrap();
    assert_same_rows(&rollup_rows(&db).await, &incremental, "rebuilt from ten days ago");
}

#[tokio::test]
async fn erasing_a_member_changes_the_rollups_by_exactly_what_they_contributed() {
    let dir = tempfile::tempdir().unwrap();
    let (_, db) = shop_with_history(dir.path()).await;
    let now = now_ms();
    rollups::catch_up(&db, "demo", now).await.unwrap();
    // The member with the most answers that carry a context.
    let (member, answers_with_context): (String, i64) = sqlx::query_as(
        "SELECT e.member_id, COUNT(DISTINCT e.id) FROM events e JOIN answer_context c ON c.site = e.site AND c.event_id = e.id
         WHERE e.site = 'demo' AND e.member_id IS NOT NULL GROUP BY e.member_id ORDER BY 2 DESC, 1 LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let views: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE site = 'demo' AND visitor_id IN (SELECT visitor_id FROM sessions WHERE site = 'demo' AND member_id = $1)",
    )
    .bind(&member)
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(
        answers_with_context > 0 && views > 0,
        "{member}: {answers_with_context} answers, {views} views"
    );
    let total = |figure: &'static figures::Figure| {
        let db = db.clone();
        async move {
            rollups::sums(
                &rollups::read(&db, figure, "demo", 0, (now_ms() / DAY_MS + 1) * DAY_MS)
                    .await
                    .unwrap(),
            )
        }
    };
    let before = (
        total(&figures::ANSWERS_WITH_CONTEXT).await.0,
        total(&figures::PAGE_VIEWS).await.0,
        total(&figures::ANSWERS).await.0,
        total(&figures::POINTS).await,
    );

    let mut conn = db.acquire().await.unwrap();
    let mut tx = moments_server::platform::db::begin_write_on(&mut conn).await.unwrap();
    moments_server::features::privacy::erase_member(&mut tx, "demo", &member)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    drop(conn);

    assert_eq!(
        total(&figures::ANSWERS_WITH_CONTEXT).await.0,
        before.0 - answers_with_context,
        "their answers' contexts go"
    );
    assert_eq!(
        total(&figures::PAGE_VIEWS).await.0,
        before.1 - views,
        "their browsers' page views go"
    );
    assert_eq!(
        total(&figures::ANSWERS).await.0,
        before.2,
        "their answers stay, anonymous, as in the raw rows"
    );
    assert_eq!(
        total(&figures::POINTS).await,
        before.3,
        "the ledger keeps its sums under a pseudonym"
    );
    assert_eq!(rollups::disagreements(&db, "demo").await.unwrap(), Vec::<&str>::new());
    let incremental = rollup_rows(&db).await;
    rollups::start_over(&db, "demo", 0).await.unwrap();
    rollups::catch_up(&db, "demo", now).await.unwrap();
    assert_same_rows(&rollup_rows(&db).await, &incremental, "a rebuild after the erasure");
}

#[tokio::test]
async fn two_servers_folding_at_once_fold_each_row_once_and_a_killed_one_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = shop_with_history(dir.path()).await;
    let first_day = now_ms() / DAY_MS - history::DAYS - 1;

    // Killed while folding the 90 days (each attempt starts the fold over): what it committed
    // is whole, what it did not is not there, and the next fold carries on from there.
    let mut killed_midway = 0;
    for _ in 0..5 {
        rollups::start_over(&db, "demo", 0).await.unwrap();
        let started = watermark(&db).await;
        let process = start_process_on(&url, "").await;
        while watermark(&db).await == started {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        process.signal("KILL");
        drop(process);
        let left_at = watermark(&db).await.unwrap();
        killed_midway += i64::from(left_at < now_ms() - rollups::LAG_MS - DAY_MS);
        assert_eq!(rollups::disagreements(&db, "demo").await.unwrap(), Vec::<&str>::new());
    }
    assert!(killed_midway > 0, "no attempt stopped a fold half way");

    // Two server processes and four folds of this one, all at once, from the first day.
    rollups::start_over(&db, "demo", first_day).await.unwrap();
    let (one, two) = (start_process_on(&url, "").await, start_process_on(&url, "").await);
    let now = now_ms();
    let folds: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { rollups::catch_up(&db, "demo", now).await.unwrap() })
        })
        .collect();
    for fold in folds {
        fold.await.unwrap();
    }
    while watermark(&db).await < Some(now - rollups::LAG_MS) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop((one, two));
    assert_eq!(rollups::disagreements(&db, "demo").await.unwrap(), Vec::<&str>::new());
    let today = now_ms() / DAY_MS;
    assert_rollups_read_as_raw(&db, &[(first_day * DAY_MS, (today + 1) * DAY_MS)], "after the race").await;
}

#[tokio::test]
async fn an_answer_given_now_is_on_the_overview_at_once_and_once_folded() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let visitor = uuid::Uuid::new_v4().to_string();
    let session: serde_json::Value = app
        .post(
            "/v1/session",
            &serde_json::json!({ "site": SITE, "visitor_id": visitor }),
        )
        .await
        .json()
        .await
        .unwrap();
    let answer = serde_json::json!({ "type": "feedback", "id": uuid::Uuid::new_v4(), "at": now_ms(), "scale": "csat5", "score": 2 });
    let batch = serde_json::json!({ "site": SITE, "visitor_id": visitor, "session_id": session["session_id"], "events": [answer] });
    assert_eq!(app.post("/v1/events", &batch).await.status(), 200);
    let answers_card = |page: &str| {
        let at = page
            .find(r#"<p class="card-label">Answers</p>"#)
            .expect("the answers card");
        page[at..]
            .split(r#"<p class="card-value">"#)
            .nth(1)
            .and_then(|s| s.split('<').next())
            .map(str::to_owned)
    };
    let page = page(&app, "/dashboard/demo").await;
    assert_eq!(
        answers_card(&page).as_deref(),
        Some("1"),
        "read raw, after the watermark"
    );

    // Folded (as the fold will a minute from now): in the rollups, and still counted once.
    rollups::catch_up(&app.db, "demo", now_ms() + rollups::LAG_MS + 1)
        .await
        .unwrap();
    let folded: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(n) AS BIGINT) FROM daily_rollups WHERE site = 'demo' AND figure = 'answers'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(folded, 1);
    let page = crate::helpers::page(&app, "/dashboard/demo").await;
    assert_eq!(answers_card(&page).as_deref(), Some("1"), "read from the rollups");
}

#[tokio::test]
async fn the_rebuild_command_counts_rows_written_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = shop_with_history(dir.path()).await;
    let now = now_ms();
    rollups::catch_up(&db, "demo", now).await.unwrap();
    // Restored from a backup, say: a credit of 5 days ago the fold has gone past.
    sqlx::query(
        "INSERT INTO points_ledger (site, member_id, delta, reason, idempotency_key, created_at, balance_after)
         VALUES ('demo', 'restored', 777, 'Order', 'restored-1', $1, 777)",
    )
    .bind(now - 5 * DAY_MS)
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(rollups::disagreements(&db, "demo").await.unwrap(), vec!["points"]);

    let config = dir.path().join("moments.toml");
    std::fs::write(&config, format!("[server]\ndatabase_url = \"{url}\"\n")).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_moments-server"))
        .args(["--config", config.to_str().unwrap(), "--demo", "--rebuild-rollups"])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.starts_with("demo: rollups rebuilt from "), "{printed}");
    assert_eq!(rollups::disagreements(&db, "demo").await.unwrap(), Vec::<&str>::new());
    let credited: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(total) AS BIGINT) FROM daily_rollups WHERE site = 'demo' AND figure = 'points' AND day = $1 AND dim1 = 'credit'",
    )
    .bind((now - 5 * DAY_MS) / DAY_MS)
    .fetch_one(&db)
    .await
    .unwrap();
    let raw: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(delta) AS BIGINT) FROM points_ledger WHERE site = 'demo' AND delta > 0 AND created_at >= $1 AND created_at < $2",
    )
    .bind((now - 5 * DAY_MS) / DAY_MS * DAY_MS)
    .bind(((now - 5 * DAY_MS) / DAY_MS + 1) * DAY_MS)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(credited, raw);
}

#[tokio::test]
async fn members_erased_through_two_servers_while_the_whole_history_is_folded_are_erased_at_once_and_leave_the_rollups_exact()
 {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = shop_with_history(dir.path()).await;
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT member_id FROM members WHERE site = 'demo' AND member_id IN (SELECT member_id FROM events WHERE site = 'demo')
         ORDER BY member_id LIMIT 6",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(members.len(), 6);
    let one = spawn_app_on(&url, WITH_ADMIN_KEY).await;
    let two = spawn_second_process(&one, WITH_ADMIN_KEY).await;
    // Once the servers' own folds are done (the next comes in 10 s), the 90 days are folded
    // again, a day per transaction, and the erasures land among those transactions (on
    // PostgreSQL they used to lose to each of them until they gave up with a 503).
    while watermark(&db).await < Some(now_ms() - rollups::LAG_MS - 20_000) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // An entry three years old (a restored backup's): the fold starts there, a transaction
    // for each of the thousand days since, so it is still folding while the erasures run.
    sqlx::query(
        "INSERT INTO points_ledger (site, member_id, delta, reason, idempotency_key, created_at, balance_after)
         VALUES ('demo', 'old-timer', 10, 'Order', 'restored-1', $1, 10)",
    )
    .bind(now_ms() - 1_000 * DAY_MS)
    .execute(&db)
    .await
    .unwrap();
    rollups::start_over(&db, "demo", 0).await.unwrap();
    let fold = tokio::spawn({
        let db = db.clone();
        async move { rollups::catch_up(&db, "demo", now_ms()).await.unwrap() }
    });
    while watermark(&db).await.is_none() {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let mut during_the_fold = 0;
    for (i, member) in members.iter().enumerate() {
        let server = if i % 2 == 0 { &one } else { &two };
        let erased = server
            .admin(reqwest::Method::DELETE, &format!("demo/members/{member}"))
            .send()
            .await
            .unwrap();
        let status = erased.status();
        assert_eq!(status, 200, "{member}: {}", erased.text().await.unwrap());
        let folded_to = watermark(&db).await;
        during_the_fold += i32::from(folded_to.is_some_and(|at| at < now_ms() - rollups::LAG_MS - DAY_MS));
    }
    assert!(
        during_the_fold > 0,
        "every erasure ended after the fold: they proved nothing"
    );
    fold.await.unwrap();
    drop((one, two));
    let today = now_ms() / DAY_MS;
    let first_day = today - history::DAYS - 1;
    assert_rollups_read_as_raw(&db, &[(first_day * DAY_MS, (today + 1) * DAY_MS)], "after the erasures").await;
}
