//! Report snapshots: the Loyalty page is served from the figures computed a moment ago, says
//! when they are from, and once they are older than a few minutes the next page view starts
//! their refresh (one server claims it) while it is served what is there.

use crate::helpers::{WITH_ADMIN_KEY, page, spawn_app_with};

const RANGE: &str = "from=2026-10-05&to=2026-10-18";

fn members_card(html: &str) -> &str {
    let card = html
        .split(r#"<p class="card-label">Members</p><p class="card-value">"#)
        .nth(1)
        .expect("the Members card");
    card.split('<').next().unwrap()
}

#[tokio::test]
async fn the_loyalty_page_is_served_from_its_snapshot_and_refreshed_when_stale() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let path = format!("/dashboard/demo/loyalty?{RANGE}");
    let first = page(&app, &path).await;
    assert_eq!(members_card(&first), "2", "the demo's alice and bob");
    assert!(first.contains(r#"<p class="as-of">Figures as of "#), "{first}");

    // A new member: a fresh snapshot is served as it is.
    sqlx::query("INSERT INTO members (site, member_id, first_seen_at, last_seen_at) VALUES ('demo', 'carol', 0, 0)")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(members_card(&page(&app, &path).await), "2");
    let chinese = page(&app, &format!("{path}&lang=zh-CN")).await;
    assert!(
        chinese.contains("<td>铜卡</td><td>1</td><td>50%</td>"),
        "one snapshot serves every language, tiers in its names: {chinese}"
    );

    // Ten minutes later: the page view gets what is there and starts the refresh, claimed once.
    sqlx::query("UPDATE report_snapshots SET computed_at = computed_at - 600000 WHERE report = 'loyalty'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(members_card(&page(&app, &path).await), "2");
    let mut refreshed = false;
    for _ in 0..100 {
        if members_card(&page(&app, &path).await) == "3" {
            refreshed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refreshed, "the refreshed figures are served");
    let claims: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_snapshots WHERE report = 'loyalty' AND refreshing_until IS NOT NULL",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(claims, 0, "the refresh's claim ends with it");
}

#[tokio::test]
async fn a_range_being_computed_says_so_and_the_page_reloads_itself() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    // Another server claimed this range's first computation a moment ago (a big shop's take
    // seconds): the page says so, reloads itself, and the CSV asks to be retried.
    let key = "1791158400000-1792368000000";
    let now = moments_server::platform::clock::now_ms();
    sqlx::query("INSERT INTO report_snapshots (site, report, range_key, computed_at, body, refreshing_until) VALUES ('demo', 'loyalty', $1, $2, '', $3)")
        .bind(key)
        .bind(now)
        .bind(now + 60_000)
        .execute(&app.db)
        .await
        .unwrap();
    let path = "/dashboard/demo/loyalty?from=2026-10-05&to=2026-10-18";
    let waiting = crate::helpers::dashboard(&app, path).await;
    assert_eq!(waiting.status(), 200);
    let snapshots: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT range_key, computed_at, body FROM report_snapshots")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        waiting
            .headers()
            .get("refresh")
            .map(|v| v.to_str().unwrap().to_owned())
            .as_deref(),
        Some("3"),
        "{snapshots:?}"
    );
    let waiting = waiting.text().await.unwrap();
    assert!(waiting.contains("Computing these figures: on a big shop this takes a few seconds."));
    // Meanwhile, what the rollups give at once: the members and the points.
    assert_eq!(members_card(&waiting), "2", "{waiting}");
    assert!(
        waiting.contains(r#"<p class="card-label">Points issued</p>"#),
        "{waiting}"
    );
    let csv = crate::helpers::dashboard(
        &app,
        "/dashboard/demo/loyalty.csv?table=tiers&from=2026-10-05&to=2026-10-18",
    )
    .await;
    let (status, retry) = (
        csv.status().as_u16(),
        csv.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned()),
    );
    assert_eq!(
        (status, retry.as_deref()),
        (503, Some("3")),
        "{}",
        csv.text().await.unwrap()
    );

    // Its server died: once the claim has lapsed, the next page view computes it.
    sqlx::query("UPDATE report_snapshots SET refreshing_until = $1 WHERE range_key = $2")
        .bind(now - 1)
        .bind(key)
        .execute(&app.db)
        .await
        .unwrap();
    let ready = crate::helpers::dashboard(&app, path).await;
    assert!(ready.headers().get("refresh").is_none());
    assert_eq!(members_card(&ready.text().await.unwrap()), "2");
}

#[tokio::test]
async fn a_page_waits_for_a_computation_another_server_finishes_meanwhile() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    // Another server claimed the week of Oct 12 and finishes it 300 ms later.
    let (start, end) = (1_791_763_200_000_i64, 1_792_368_000_000_i64);
    let key = format!("{start}-{end}");
    let now = moments_server::platform::clock::now_ms();
    sqlx::query("INSERT INTO report_snapshots (site, report, range_key, computed_at, body, refreshing_until) VALUES ('demo', 'loyalty', $1, $2, '', $3)")
        .bind(&key)
        .bind(now)
        .bind(now + 60_000)
        .execute(&app.db)
        .await
        .unwrap();
    let db = app.db.clone();
    let other_server = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let sites = moments_server::features::sites::Sites::new(&[moments_server::features::demo::site()]).unwrap();
        let figures = moments_server::features::insights::loyalty(&db, sites.get("demo").unwrap(), start, end)
            .await
            .unwrap();
        sqlx::query(
            "UPDATE report_snapshots SET body = $1, computed_at = $2, refreshing_until = NULL WHERE range_key = $3",
        )
        .bind(serde_json::to_string(&figures).unwrap())
        .bind(moments_server::platform::clock::now_ms())
        .bind(&key)
        .execute(&db)
        .await
        .unwrap();
    });
    let ready = crate::helpers::dashboard(&app, "/dashboard/demo/loyalty?from=2026-10-12&to=2026-10-18").await;
    assert!(
        ready.headers().get("refresh").is_none(),
        "it waited for the figures instead of saying they are being computed"
    );
    assert_eq!(members_card(&ready.text().await.unwrap()), "2");
    other_server.await.unwrap();
}
