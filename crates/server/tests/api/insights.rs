//! The Loyalty page's figures, on a small hand-made history whose answers are worked out here.

use serde_json::json;

use crate::helpers::{ADMIN_KEY, SITE, past_ledger_entry, spawn_app_with};
use crate::rewards::session;

/// Monday 2026-10-05 00:00 UTC, the range's first day; the range is two weeks.
const MONDAY: i64 = 1_791_158_400_000;
const DAY: i64 = 86_400_000;

use crate::helpers::{dashboard, page};

fn row(cells: &[&str]) -> String {
    cells.iter().map(|c| format!("<td>{c}</td>")).collect::<String>()
}

#[tokio::test]
async fn members_per_tier_and_the_points_issued_redeemed_and_owed_per_week() {
    let app = spawn_app_with(&format!("[server]\nadmin_key = \"{ADMIN_KEY}\"")).await;
    // The demo seeds alice (lifetime 1,300: Silver) and bob (80: Bronze), today: after the range.
    // Tiers: Bronze from 0, Silver from 500, Gold from 1,500.
    for member in ["carol", "dave", "erin", "frank"] {
        session(&app, SITE, Some(member)).await;
    }
    // Week 0 (Oct 5 to 11): erin earns 200 (Bronze), carol 600 (Silver).
    past_ledger_entry(&app, "erin", 200, "o-1", MONDAY + DAY).await;
    past_ledger_entry(&app, "carol", 600, "o-2", MONDAY + 2 * DAY).await;
    // Week 1 (Oct 12 to 18): dave earns 1,600 (Gold); carol spends 500 on "€5 off".
    past_ledger_entry(&app, "dave", 1600, "o-3", MONDAY + 8 * DAY).await;
    past_ledger_entry(&app, "carol", -500, "moments:redeem:five-off:tap-1", MONDAY + 9 * DAY).await;
    sqlx::query("INSERT INTO redemptions (site, member_id, reward, points, coupon_pool, code, idempotency_key, created_at) VALUES ($1, 'carol', 'five-off', 500, 'five-off', 'FIVE-0001', 'tap-1', $2)")
        .bind(SITE)
        .bind(MONDAY + 9 * DAY)
        .execute(&app.db)
        .await
        .unwrap();

    // Answers in the range: carol (Silver) 5 and 3 faces, erin (Bronze) 1 face, dave (Gold)
    // NPS 10, and an anonymous visitor NPS 3 and 9.
    for (n, member, scale, score) in [
        (1, Some("carol"), "csat5", 5),
        (2, Some("carol"), "csat5", 3),
        (3, Some("erin"), "csat5", 1),
        (4, Some("dave"), "nps", 10),
        (5, None, "nps", 3),
        (6, None, "nps", 9),
    ] {
        sqlx::query("INSERT INTO events (site, id, session_id, visitor_id, member_id, type, scale, score, occurred_at, received_at) VALUES ($1, $2, 's', 'v', $3, 'feedback', $4, $5, $6, $6)")
            .bind(SITE)
            .bind(format!("answer-{n}"))
            .bind(member)
            .bind(scale)
            .bind(score)
            .bind(MONDAY + 3 * DAY)
            .execute(&app.db)
            .await
            .unwrap();
    }

    // Page views (a visit starts 30 minutes or more after the visitor's previous page view; a
    // return is a visit 30 minutes to 30 days after it):
    // anon-1: Oct 6 10:00 and 10:10 (one visit), Oct 8 (a return): 2 visits, returned.
    // anon-2: Oct 7: 1 visit.  erin (Bronze): Oct 9 and Oct 16: 2 visits, returned.
    // carol (Silver): Oct 6 10:00 and 10:40: 2 visits, returned.
    // dave (Gold): Sep 1, then Oct 13, 42 days later: 1 visit in the range, no return.
    // Before the range: carol on Sep 28 (so her Oct 6 visit is a return too), frank on Sep 30.
    let hour = DAY / 24;
    for (n, visitor, member, at) in [
        (1, "anon-1", None, MONDAY + DAY + 10 * hour),
        (2, "anon-1", None, MONDAY + DAY + 10 * hour + hour / 6),
        (3, "anon-1", None, MONDAY + 3 * DAY + 10 * hour),
        (4, "anon-2", None, MONDAY + 2 * DAY + 10 * hour),
        (5, "erin-browser", Some("erin"), MONDAY + 4 * DAY),
        (6, "erin-browser", Some("erin"), MONDAY + 11 * DAY),
        (7, "carol-browser", Some("carol"), MONDAY + DAY + 10 * hour),
        (
            8,
            "carol-browser",
            Some("carol"),
            MONDAY + DAY + 10 * hour + 40 * hour / 60,
        ),
        (9, "dave-browser", Some("dave"), MONDAY - 34 * DAY),
        (10, "dave-browser", Some("dave"), MONDAY + 8 * DAY),
        (11, "carol-browser", Some("carol"), MONDAY - 7 * DAY),
        (12, "frank-browser", Some("frank"), MONDAY - 5 * DAY),
    ] {
        sqlx::query("INSERT INTO sessions (id, site, visitor_id, member_id, locale, started_at) VALUES ($1, $2, $3, $4, 'en', $5)")
            .bind(format!("history-{n}"))
            .bind(SITE)
            .bind(visitor)
            .bind(member)
            .bind(at)
            .execute(&app.db)
            .await
            .unwrap();
    }

    // Verified purchases in the range: carol 2, dave 1 (erin's is from before): 1 of 2
    // purchasing members bought again, 50%. The previous two weeks' active members were carol
    // and frank; frank has not come back: churn 1 of 2, 50%. (Checked below.)
    for (n, member, at) in [
        (1, "carol", MONDAY + DAY),
        (2, "carol", MONDAY + 9 * DAY),
        (3, "dave", MONDAY + 8 * DAY),
        (4, "erin", MONDAY - 15 * DAY),
    ] {
        sqlx::query("INSERT INTO verified_events (site, key, member_id, name, value, source, created_at) VALUES ($1, $2, $3, 'purchase', 50, 'admin', $4)")
            .bind(SITE)
            .bind(format!("order-{n}"))
            .bind(member)
            .bind(at)
            .execute(&app.db)
            .await
            .unwrap();
    }
    // Recovery cases opened in the range, and whether the detractor came back 30 minutes to
    // 30 days after answering: resolved ones by anon-1 (Oct 6 09:00: back Oct 6 10:00), carol
    // (Oct 6 09:00: back 10:00) and anon-2 (Oct 7 12:00: not back); an open one by dave (Oct 13
    // 12:00: not back). Resolved: 2 of 3 back, 66.7%; open: 0 of 1, 0%.
    for (n, visitor, member, status, at) in [
        (1, "anon-1", None, "resolved", MONDAY + DAY + 9 * hour),
        (2, "carol-browser", Some("carol"), "resolved", MONDAY + DAY + 9 * hour),
        (3, "anon-2", None, "resolved", MONDAY + 2 * DAY + 12 * hour),
        (4, "dave-browser", Some("dave"), "open", MONDAY + 8 * DAY + 12 * hour),
    ] {
        sqlx::query("INSERT INTO recovery_cases (site, event_id, visitor_id, member_id, scale, score, status, created_at) VALUES ($1, $2, $3, $4, 'csat5', 1, $5, $6)")
            .bind(SITE)
            .bind(format!("low-{n}"))
            .bind(visitor)
            .bind(member)
            .bind(status)
            .bind(at)
            .execute(&app.db)
            .await
            .unwrap();
    }

    // Next answers (after the range, so the range's answers above stay as they are): anon-1,
    // resolved, answers again with 4 faces (not low); dave, still open, with 1 face (low).
    // Resolved: 1 answered again, 1 of 1 not low; open: 1 answered again, 0 of 1.
    for (n, visitor, member, score, at) in [
        (1, "anon-1", None, 4, MONDAY + 15 * DAY),
        (2, "dave-browser", Some("dave"), 1, MONDAY + 16 * DAY),
    ] {
        sqlx::query("INSERT INTO events (site, id, session_id, visitor_id, member_id, type, scale, score, occurred_at, received_at) VALUES ($1, $2, 's', $3, $4, 'feedback', 'csat5', $5, $6, $6)")
            .bind(SITE)
            .bind(format!("next-answer-{n}"))
            .bind(visitor)
            .bind(member)
            .bind(score)
            .bind(at)
            .execute(&app.db)
            .await
            .unwrap();
    }

    // Surprises: carol (Silver) is given a gift Oct 6 09:00 and is back at 10:00; dave (Gold)
    // one Oct 13 12:00 and is not back. Members active in a week without a gift, from their
    // first page view that week: erin (Bronze) in week 0 (Oct 9, back Oct 16) and in week 1
    // (Oct 16, not back). So Bronze: no gifts, 1 of 2 others back; Silver: 1 of 1 gifted
    // back; Gold: 0 of 1 gifted.
    for (n, member, at) in [
        (1, "carol", MONDAY + DAY + 9 * hour),
        (2, "dave", MONDAY + 8 * DAY + 12 * hour),
    ] {
        sqlx::query(
            "INSERT INTO surprises (id, site, rule, recipient, member_id, visitor_id, occasion, kind, points, day, created_at, expires_at)
             VALUES ($1, $2, 'big-order', $3, $4, NULL, $1, 'points', 100, $5, $6, $7)",
        )
        .bind(format!("gift-{n}"))
        .bind(SITE)
        .bind(format!("m:{member}"))
        .bind(member)
        .bind(at / DAY)
        .bind(at)
        .bind(at + 30 * DAY)
        .execute(&app.db)
        .await
        .unwrap();
    }

    // Cohorts: carol joined Oct 6 and erin Oct 9 (the week of Oct 5), dave Oct 13 (the week of
    // Oct 12); frank before the range. Only the page views above count (not today's sessions
    // the setup made), so the figures do not depend on the day the test runs.
    for (member, at) in [
        ("carol", MONDAY + DAY),
        ("erin", MONDAY + 4 * DAY),
        ("dave", MONDAY + 8 * DAY),
        ("frank", MONDAY - 5 * DAY),
    ] {
        sqlx::query("UPDATE members SET first_seen_at = $1 WHERE site = $2 AND member_id = $3")
            .bind(at)
            .bind(SITE)
            .bind(member)
            .execute(&app.db)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM sessions WHERE id NOT LIKE 'history-%'")
        .execute(&app.db)
        .await
        .unwrap();

    let html = page(&app, "/dashboard/demo/loyalty?from=2026-10-05&to=2026-10-18").await;
    // Six members: Bronze bob, erin and frank (3, 50%), Silver alice and carol (2, 33.3%),
    // Gold dave (1, 16.7%).
    for cells in [["Bronze", "3", "50%"], ["Silver", "2", "33.3%"], ["Gold", "1", "16.7%"]] {
        assert!(html.contains(&row(&cells)), "{cells:?} in {html}");
    }
    // Nothing was owed before the range. Week 0: 800 issued, none redeemed, 800 owed. Week 1:
    // 1,600 issued, 500 redeemed, 800 + 1,600 - 500 = 1,900 owed.
    assert!(html.contains(&row(&["2026-10-05", "800", "0", "800"])), "{html}");
    assert!(html.contains(&row(&["2026-10-12", "1,600", "500", "1,900"])), "{html}");
    // Cards (thousands grouped; the CSV keeps plain figures): 6 members, 1,900 outstanding, 2,400 issued, 500 redeemed: 500 / 2,400 = 20.8%.
    for (label, value) in [
        ("Members", "6"),
        ("Points outstanding", "1,900"),
        ("Points issued", "2,400"),
        ("Points redeemed", "500"),
        ("Redemption rate", "20.8%"),
    ] {
        assert!(
            html.contains(&format!(
                r#"<p class="card-label">{label}</p><p class="card-value">{value}</p>"#
            )),
            "{label}: {value}"
        );
    }
    assert_eq!(
        html.matches(r#"<figure class="chart">"#).count(),
        3,
        "issued and outstanding per week, and the cohorts' heat map"
    );
    // By tier: visitors who are not members NPS (1 promoter - 1 detractor) / 2 = 0 on 2 answers;
    // Bronze CSAT 1 on 1; Silver CSAT (5 + 3) / 2 = 4 on 2; Gold NPS 100 on 1.
    for cells in [
        ["Not members", "–", "0", "0", "2"],
        ["Bronze", "1", "1", "–", "0"],
        ["Silver", "4", "2", "–", "0"],
        ["Gold", "–", "0", "100", "1"],
    ] {
        assert!(html.contains(&row(&cells)), "{cells:?} in {html}");
    }

    // Visitors, visits per visitor, return rate: not members 2, 3 / 2 = 1.5, 1 of 2 = 50%;
    // members 3, 5 / 3 = 1.67, 2 of 3 = 66.7%; Bronze 1, 2, 100%; Silver 1, 2, 100%; Gold 1, 1, 0%.
    for cells in [
        ["Not members", "2", "1.5", "50%"],
        ["Members", "3", "1.67", "66.7%"],
        ["Bronze", "1", "2", "100%"],
        ["Silver", "1", "2", "100%"],
        ["Gold", "1", "1", "0%"],
    ] {
        assert!(html.contains(&row(&cells)), "{cells:?} in {html}");
    }

    // Tier moves in the range: carol Bronze to Silver (0 to 600), dave Bronze to Gold (0 to
    // 1,600); erin stays Bronze (200); alice and bob earned after the range. Lifetime points
    // never fall, so no one moves down.
    for cells in [["Bronze", "Silver", "1"], ["Bronze", "Gold", "1"]] {
        assert!(html.contains(&row(&cells)), "{cells:?} in {html}");
    }
    assert!(
        html.contains("Moved up a tier in the period: 2. Moved down: 0"),
        "{html}"
    );

    for cells in [
        ["Members with a verified purchase", "2"],
        ["Members with two or more", "1"],
        ["Repeat purchase rate", "50%"],
        ["Members active in the previous period", "2"],
        ["Of those, no visit in this period", "1"],
        ["Churn", "50%"],
    ] {
        assert!(html.contains(&row(&cells)), "{cells:?} in {html}");
    }

    for cells in [
        ["Case resolved", "3", "2", "66.7%", "1", "100%"],
        ["Case still open", "1", "0", "0%", "1", "0%"],
    ] {
        assert!(html.contains(&row(&cells)), "{cells:?} in {html}");
    }
    assert!(
        html.contains("Too few cases to tell yet: each group needs at least 30."),
        "{html}"
    );
    assert!(
        html.contains(
            "Too few next answers to compare them yet: each group needs at least 30 detractors who answered again."
        ),
        "{html}"
    );

    // Week of Oct 5 (carol, erin): a week later erin came back (Oct 16), carol did not: 50%;
    // 2, 4 and 8 weeks later neither: 0%. Week of Oct 12 (dave): not back 1, 2 or 4 weeks
    // later (8 weeks later may still be ahead).
    assert!(
        html.contains(&row(&["2026-10-05", "2", "50%", "0%", "0%", "0%"])),
        "{html}"
    );
    assert!(html.contains(&row(&["2026-10-12", "1", "0%", "0%", "0%"])), "{html}");
    assert!(
        html.contains(r#"<svg class="heatmap""#),
        "the cohorts drawn as a heat map"
    );

    for cells in [
        ["Bronze", "0", "0", "–", "2", "1", "50%"],
        ["Silver", "1", "1", "100%", "0", "0", "–"],
        ["Gold", "1", "0", "0%", "0", "0", "–"],
    ] {
        assert!(html.contains(&row(&cells)), "{cells:?} in {html}");
    }
    assert!(
        html.contains("Too few to tell yet: members given a gift and members without one each need at least 30."),
        "{html}"
    );

    // Each table downloads as CSV, a missing figure as an empty cell.
    let csv = dashboard(
        &app,
        "/dashboard/demo/loyalty.csv?table=weeks&from=2026-10-05&to=2026-10-18",
    )
    .await;
    assert_eq!(
        csv.headers()["content-disposition"],
        r#"attachment; filename="loyalty-weeks-2026-10-05-2026-10-18.csv""#
    );
    assert_eq!(
        csv.text().await.unwrap(),
        "Week,Points issued,Points redeemed,Points outstanding\r\n2026-10-05,800,0,800\r\n2026-10-12,1600,500,1900\r\n"
    );
    let satisfaction = page(
        &app,
        "/dashboard/demo/loyalty.csv?table=satisfaction&from=2026-10-05&to=2026-10-18",
    )
    .await;
    assert!(satisfaction.contains("Silver,4,2,,0\r\n"), "{satisfaction}");
    assert_eq!(
        dashboard(&app, "/dashboard/demo/loyalty.csv?table=nonsense")
            .await
            .status(),
        404
    );

    // The same figures for the host's own reports, through the admin API.
    let api: serde_json::Value = app
        .admin(
            reqwest::Method::GET,
            &format!("{SITE}/insights?from={MONDAY}&to={}", MONDAY + 14 * DAY),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["members"], 6);
    assert_eq!(
        api["members_per_tier"],
        json!([{ "tier": "Bronze", "members": 3 }, { "tier": "Silver", "members": 2 }, { "tier": "Gold", "members": 1 }])
    );
    assert_eq!(
        api["weeks"],
        json!([
            { "start": MONDAY, "issued": 800, "redeemed": 0, "outstanding": 800 },
            { "start": MONDAY + 7 * DAY, "issued": 1600, "redeemed": 500, "outstanding": 1900 }
        ])
    );
    assert_eq!(
        (api["points_outstanding"].as_i64(), api["points_redeemed"].as_i64()),
        (Some(1900), Some(500))
    );
    assert!((api["redemption_rate"].as_f64().unwrap() - 500.0 / 2400.0).abs() < 1e-12);
    assert_eq!(
        api["tier_moves"],
        json!([{ "from": "Bronze", "to": "Silver", "members": 1 }, { "from": "Bronze", "to": "Gold", "members": 1 }])
    );
    assert_eq!(
        api["satisfaction"][2],
        json!({ "tier": "Silver", "csat_answers": 2, "csat": 4.0, "nps_answers": 0, "nps": null })
    );
    assert_eq!(
        api["returns"][1],
        json!({ "group": "members", "visitors": 3, "visits": 5, "returned": 2, "return_rate": 2.0 / 3.0 })
    );
    assert_eq!(
        (
            api["purchasers"].as_i64(),
            api["repeat_purchasers"].as_i64(),
            api["previously_active"].as_i64(),
            api["churned"].as_i64()
        ),
        (Some(2), Some(1), Some(2), Some(1))
    );
    assert_eq!(
        api["recovery"],
        json!({ "resolved": { "cases": 3, "returned": 2, "answered_again": 1, "next_not_low": 1 }, "open": { "cases": 1, "returned": 0, "answered_again": 1, "next_not_low": 0 } })
    );
    assert_eq!(api["next_answer_comparison"], json!(null));
    assert_eq!(api["recovery_comparison"], json!(null), "too few cases");
    assert_eq!(
        api["cohorts"][0],
        json!({ "start": MONDAY, "members": 2, "still_visiting": [1, 0, 0, 0] })
    );
    assert_eq!(
        (
            api["cohorts"][1]["members"].clone(),
            api["cohorts"][1]["still_visiting"][0].clone()
        ),
        (json!(1), json!(0))
    );
    assert_eq!(
        api["gift_effect"],
        json!([
            { "tier": "Bronze", "gifted": { "members": 0, "returned": 0 }, "others": { "members": 2, "returned": 1 } },
            { "tier": "Silver", "gifted": { "members": 1, "returned": 1 }, "others": { "members": 0, "returned": 0 } },
            { "tier": "Gold", "gifted": { "members": 1, "returned": 0 }, "others": { "members": 0, "returned": 0 } }
        ])
    );
    assert_eq!(api["gift_comparison"], json!(null), "too few members");
    for (query, why) in [
        ("?from=2026-10-05", "not a time"),
        ("?from=1791158400000&to=1791158400000", "empty"),
        ("?from=1700000000000&to=1791158400000", "over 366 days"),
        ("?from=-9223372036854775808", "out of this era"),
    ] {
        let refused = app
            .admin(reqwest::Method::GET, &format!("{SITE}/insights{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422, "{why}");
    }

    // In Traditional Chinese the tiers carry the site's names for them.
    let zh = page(&app, "/dashboard/demo/loyalty?from=2026-10-05&to=2026-10-18&lang=zh-TW").await;
    assert!(zh.contains(&row(&["銀卡", "2", "33.3%"])), "{zh}");
}

#[tokio::test]
async fn a_site_without_members_says_how_they_come() {
    let app = spawn_app_with(&format!(
        "[server]\nadmin_key = \"{ADMIN_KEY}\"\n[[sites]]\nkey = \"empty\"\nallowed_origins = []"
    ))
    .await;
    let html = page(&app, "/dashboard/empty/loyalty").await;
    assert!(
        html.contains(
            "No members yet: a visitor becomes one when your site&#39;s page gives the widget a member token."
        ),
        "{html}"
    );
    assert_eq!(html.matches(r#"<figure class="chart">"#).count(), 0);
}
