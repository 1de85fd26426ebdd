//! Comment themes: a generated history in English, simplified and traditional Chinese with a
//! planted problem ("物流很慢" in 20% of one week's low answers), which tops that week's low
//! themes and raises `theme.rising` once, delivered to a real receiver; promoters' themes;
//! groups by context and experiment arm; the inbox filtered by a term; CSV; late comments;
//! erasure; two servers counting the same answers once; clear errors.

use std::time::Duration;

use moments_server::features::themes;
use moments_server::platform::clock::DAY_MS;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::webhook_receiver::Receiver;

const LOW: &[&str] = &[
    "The parcel never arrived.",
    "Delivery was late again.",
    "Still waiting for my refund.",
    "The discount code didn't work at checkout.",
    "Payment failed three times.",
    "快递太慢了，等了一个星期。",
    "退款一直没有到账。",
    "折扣码不能用。",
    "物流信息一直不更新。",
    "快遞太慢了。",
    "退款一直沒有到帳。",
    "客服不回覆。",
];
const MIDDLE: &[&str] = &[
    "It was fine.",
    "Shipping was okay but the box was dented.",
    "还可以，包装一般。",
    "還可以。",
];
const HIGH: &[&str] = &[
    "Love the linen shirt!",
    "Fast shipping, great quality.",
    "衣服质量很好，会再买。",
    "包装很用心。",
    "質感很好，會再買。",
    "Great customer service.",
];
const PLANTED: &[&str] = &[
    "物流很慢，一个星期才到。",
    "物流很慢。",
    "这次物流很慢，客服也不理。",
    "物流很慢，不会再买了。",
];

/// The Monday of the week `weeks_ago` weeks before this one (a UTC day number).
fn monday(weeks_ago: i64) -> i64 {
    themes::rising::week_of_day(now_ms().div_euclid(DAY_MS)) - 7 * weeks_ago
}

struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// An answer as the events API would have stored it, received at `at`.
async fn insert_answer(db: &sqlx::AnyPool, visitor: &str, score: i64, comment: &str, at: i64) -> String {
    let id = Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO events (site, id, session_id, visitor_id, type, scale, score, comment, occurred_at, received_at)
         VALUES ('demo', $1, $2, $3, 'feedback', 'csat5', $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(format!("s-{visitor}"))
    .bind(visitor)
    .bind(score)
    .bind(comment)
    .bind(at)
    .execute(db)
    .await
    .unwrap();
    id
}

/// Ten weeks before this one, 150 low, 60 middling and 150 promoters' answers a week, each
/// with a comment from its pool; in the week three weeks ago, 20% of the low answers say
/// "物流很慢". Then counted from the first day, as after a generated history.
async fn history(app: &TestApp) {
    let mut rng = Lcg(20_261_203);
    for weeks_ago in 1..=10 {
        let start = monday(weeks_ago) * DAY_MS;
        for n in 0..360 {
            let (score, pool) = match n {
                0..150 => (1 + (n % 2) as i64, LOW),
                150..210 => (3, MIDDLE),
                _ => (5, HIGH),
            };
            let comment = if weeks_ago == 3 && n < 150 && n % 5 == 0 {
                PLANTED[rng.below(PLANTED.len())]
            } else {
                pool[rng.below(pool.len())]
            };
            let at = start + (n as i64 * 7 * DAY_MS) / 360 + 1_000;
            let id = insert_answer(&app.db, &format!("v{weeks_ago}-{n}"), score, comment, at).await;
            // A quarter came through the support portal, which said who helped them.
            if n % 4 == 0 {
                sqlx::query("INSERT INTO answer_context (site, event_id, key, value, received_at) VALUES ('demo', $1, 'agent', $2, $3)")
                    .bind(&id)
                    .bind(["may", "lee"][n % 8 / 4])
                    .bind(at)
                    .execute(&app.db)
                    .await
                    .unwrap();
            }
        }
    }
    recount(app).await;
}

/// Counts the site's answers again from its first one, up to now (as after a generated history).
async fn recount(app: &TestApp) {
    let mut conn = app.db.acquire().await.unwrap();
    themes::start_over(&mut conn, "demo", 0).await.unwrap();
    drop(conn);
    themes::catch_up(&app.db, "demo", now_ms()).await.unwrap();
}

/// Counts what came in up to now, lag included (as the background task will a minute later).
async fn count_now(app: &TestApp) {
    themes::catch_up(&app.db, "demo", now_ms() + 2 * 60_000).await.unwrap();
}

async fn themes_of(app: &TestApp, query: &str) -> Value {
    app.admin_json(&format!("demo/themes?{query}")).await
}

fn week_query(weeks_ago: i64) -> String {
    let start = monday(weeks_ago) * DAY_MS;
    format!("from={start}&to={}", start + 7 * DAY_MS)
}

fn terms(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_planted_problem_tops_its_week_and_is_announced_once() {
    let app = spawn_app_with(crate::webhooks::FAST).await;
    let receiver = Receiver::start().await;
    let subscribed = app
        .admin(Method::POST, "demo/webhooks")
        .json(&json!({ "url": receiver.url, "events": ["theme.rising"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(subscribed.status(), 201);
    history(&app).await;

    let planted = themes_of(&app, &week_query(3)).await;
    let low = terms(&planted["low"]);
    assert!(low[0].contains("物流"), "the planted problem tops its week: {low:?}");
    assert!(low[..3].contains(&"物流 慢".to_owned()), "{low:?}");
    let top = &planted["low"][0];
    assert!(
        top["z"].as_f64().unwrap() > 3.0 && top["answers"].as_i64().unwrap() >= 30,
        "{top}"
    );
    let phrase = planted["low"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == "物流 慢")
        .unwrap();
    assert_eq!(phrase["label"], "物流很慢");
    assert_eq!(phrase["answers"], 30);
    assert_eq!(planted["low_answers"], 150);
    assert_eq!(planted["rising"].as_array().unwrap().len(), 1, "{}", planted["rising"]);
    assert_eq!(planted["rising"][0]["term"], "物流 慢");
    assert_eq!(planted["rising"][0]["answers"], 30);
    assert_eq!(planted["rising"][0]["low_answers"], 150);

    // A week without it: the usual complaints, nothing rising.
    let usual = themes_of(&app, &week_query(5)).await;
    assert!(
        !terms(&usual["low"]).iter().any(|t| t.contains("物流 慢")),
        "{}",
        usual["low"]
    );
    assert_eq!(usual["rising"], json!([]));

    // Announced once, signed as every webhook is; counting everything again sends nothing new.
    let received = receiver.until("theme.rising", |r| !r.is_empty()).await;
    let data = &received[0].body["data"];
    assert_eq!(received[0].kind(), "theme.rising");
    assert_eq!(data["term"], "物流 慢");
    assert_eq!(data["label"], "物流很慢");
    assert_eq!(data["week"], themes::report::day_text(monday(3)));
    // Announced while the week went on, at about its final share.
    assert!((data["share"].as_f64().unwrap() - 0.2).abs() < 0.05, "{data}");
    assert!(data["share_before"].as_f64().unwrap() < 0.01, "{data}");
    recount(&app).await;
    count_now(&app).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let kinds: Vec<String> = receiver.received().iter().map(|r| r.kind().to_owned()).collect();
    assert_eq!(kinds, ["theme.rising"], "one problem, one event");
}

#[tokio::test]
async fn promoters_themes_weekly_shares_and_the_inbox_by_term() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    history(&app).await;
    let all = themes_of(&app, &format!("from={}&to={}", monday(10) * DAY_MS, monday(0) * DAY_MS)).await;
    assert_eq!(all["answers"], 3600);
    assert_eq!(all["low_answers"], 1500);
    assert_eq!(all["promoter_answers"], 1500);
    // Each list holds terms of its own band's comments only, in every language.
    let said = |pools: &[&[&str]]| -> Vec<String> {
        pools
            .iter()
            .flat_map(|pool| pool.iter())
            .flat_map(|comment| themes::terms::terms(comment))
            .map(|t| t.key)
            .collect()
    };
    let (promoters, low) = (terms(&all["promoters"]), terms(&all["low"]));
    assert!(promoters.len() >= 10 && low.len() >= 10, "{promoters:?} {low:?}");
    for term in &promoters {
        assert!(said(&[HIGH]).contains(term), "{term} is a promoter's");
    }
    for term in &low {
        assert!(said(&[LOW, PLANTED]).contains(term), "{term} is a low answer's");
    }
    for list in [&promoters, &low] {
        assert!(
            list.iter().any(|t| t.is_ascii()) && list.iter().any(|t| !t.is_ascii()),
            "{list:?}"
        );
    }
    // Ten weeks of shares for the top low terms; the planted week shows its jump.
    let trends = all["trends"].as_array().unwrap();
    assert!(!trends.is_empty() && trends[0]["weeks"].as_array().unwrap().len() == 10);
    if let Some(planted) = trends.iter().find(|t| t["term"] == "物流 慢") {
        let weeks = planted["weeks"].as_array().unwrap();
        assert_eq!(weeks[7]["answers"], 30, "{weeks:?}");
        assert_eq!(weeks[7]["low_answers"], 150);
    }

    // Every answer the link leads to is a low one whose comment has the term.
    let page = app.admin_json("demo/feedback?term=refund&band=low&limit=100").await;
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert!(item["score"].as_i64().unwrap() <= 2);
        assert!(
            item["comment"].as_str().unwrap().to_lowercase().contains("refund"),
            "{item}"
        );
    }
    let bad_band = app
        .admin(Method::GET, "demo/feedback?term=refund&band=worst")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(bad_band, 422).await, "invalid_band");

    // The same lists as CSV, formula-safe.
    let csv = app
        .admin(Method::GET, &format!("demo/themes?format=csv&{}", week_query(3)))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("list,term,label,answers,others,share,log_odds,z\r\n"),
        "{text}"
    );
    assert!(text.contains("low,物流 慢,物流很慢,30,"), "{text}");
    assert!(text.contains("\r\npromoters,"), "{text}");
}

#[tokio::test]
async fn groups_show_which_agent_and_which_variant_draw_complaints() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let day = (now_ms().div_euclid(DAY_MS) - 3) * DAY_MS;
    let mut rng = Lcg(7);
    for n in 0..240 {
        let (agent, variant) = (["ana", "bo"][n % 2], ["plain", "pushy"][(n / 2) % 2]);
        let low = n % 3 == 0;
        let mut comment = if low {
            LOW[rng.below(LOW.len())]
        } else {
            HIGH[rng.below(HIGH.len())]
        }
        .to_owned();
        if low && agent == "bo" {
            comment.push_str(" The agent was rude.");
        }
        if low && variant == "pushy" {
            comment.push_str(" Too many popups.");
        }
        let visitor = format!("g{n}");
        let id = insert_answer(
            &app.db,
            &visitor,
            if low { 1 } else { 5 },
            &comment,
            day + n as i64 * 1000,
        )
        .await;
        sqlx::query(
            "INSERT INTO answer_context (site, event_id, key, value, received_at) VALUES ('demo', $1, 'agent', $2, $3)",
        )
        .bind(&id)
        .bind(agent)
        .bind(day)
        .execute(&app.db)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO exposures (site, experiment, visitor_id, variant, session_id, exposed_at) VALUES ('demo', 'farewell', $1, $2, $3, $4)",
        )
        .bind(&visitor)
        .bind(variant)
        .bind(format!("s-{visitor}"))
        .bind(day - 1)
        .execute(&app.db)
        .await
        .unwrap();
    }
    recount(&app).await;
    let range = format!("from={}&to={}", day, day + DAY_MS);
    let by_agent = themes_of(&app, &format!("{range}&group=context:agent")).await;
    let groups = by_agent["groups"].as_array().unwrap();
    let group = |value: &str| groups.iter().find(|g| g["value"] == value).unwrap().clone();
    assert_eq!(group("bo")["answers"], 120);
    let mentions = |group: &Value, word: &str| terms(&group["low"]).iter().any(|t| t.split(' ').any(|w| w == word));
    assert!(mentions(&group("bo"), "rude"), "{}", group("bo"));
    assert!(!mentions(&group("ana"), "rude"), "{}", group("ana"));

    let by_arm = themes_of(&app, &format!("{range}&group=experiment:farewell")).await;
    let arms = by_arm["groups"].as_array().unwrap();
    let arm = |value: &str| arms.iter().find(|g| g["value"] == value).unwrap().clone();
    assert!(mentions(&arm("pushy"), "popup"), "{}", arm("pushy"));
    assert!(!mentions(&arm("plain"), "popup"), "{}", arm("plain"));
    assert!(themes_of(&app, &range).await["groups"].is_null());
}

#[tokio::test]
async fn a_late_comment_is_counted_and_an_erased_members_words_leave_the_counts() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let session: Value = app
        .start_session(json!({ "member_token": token_for("bartholomew", None) }))
        .await
        .json()
        .await
        .unwrap();
    let answer = Uuid::new_v4().to_string();
    let send = |events: Value| {
        let body =
            json!({ "site": SITE, "visitor_id": VISITOR, "session_id": session["session_id"], "events": events });
        let app = &app;
        async move {
            let response = app.post("/v1/events", &body).await;
            assert_eq!(response.status(), 200);
        }
    };
    send(json!([{ "type": "feedback", "id": answer, "at": 1.7e12, "scale": "csat5", "score": 1, "context": { "agent": "may" } }])).await;
    count_now(&app).await;
    let terms_of_answer = |app: &TestApp| {
        let sql = format!("SELECT COUNT(*) FROM answer_terms WHERE event_id = '{answer}'");
        let app = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .fetch_one(&app)
                .await
                .unwrap()
        }
    };
    assert_eq!(terms_of_answer(&app).await, 0, "no comment yet");
    // The comment comes after the answer was counted: counted with it.
    send(
        json!([{ "type": "comment", "id": Uuid::new_v4().to_string(), "at": 1.7e12, "feedback_id": answer,
                  "comment": "Bartholomew here: the zipper broke on day one" }]),
    )
    .await;
    assert!(terms_of_answer(&app).await > 3);
    let counted = |term: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT CAST(COALESCE(SUM(answers), 0) AS BIGINT) FROM theme_counts WHERE term = $1",
            )
            .bind(term)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    assert_eq!(counted("zipper").await, 1);
    assert_eq!(counted("bartholomew").await, 1);
    assert_eq!(counted("").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM theme_labels WHERE label = 'bartholomew'")
            .await,
        1
    );
    let by_agent = themes_of(&app, "group=context:agent").await;
    assert_eq!(by_agent["groups"][0]["value"], "may");
    assert_eq!(by_agent["groups"][0]["low_answers"], 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM theme_group_counts WHERE term = 'zipper' AND value = 'may'")
            .await,
        1
    );

    let erased = app
        .admin(Method::DELETE, &format!("{SITE}/members/bartholomew"))
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    assert_eq!(terms_of_answer(&app).await, 0);
    assert_eq!(counted("zipper").await, 0);
    assert_eq!(counted("bartholomew").await, 0);
    assert_eq!(counted("").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM theme_labels").await,
        0,
        "no word of theirs is left"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM theme_group_counts").await, 0);
    assert_eq!(themes_of(&app, "group=context:agent").await["groups"], json!([]));
    // Counting again finds nothing of theirs either.
    recount(&app).await;
    assert_eq!(counted("zipper").await, 0);
}

#[tokio::test]
async fn two_servers_counting_at_once_count_each_answer_once() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    history(&app).await;
    let once: Vec<(i64, String, String, i64)> = counts(&app).await;
    let mut conn = app.db.acquire().await.unwrap();
    themes::start_over(&mut conn, "demo", 0).await.unwrap();
    drop(conn);
    let other = moments_server::platform::db::connect(&app.database_url).await.unwrap();
    let now = now_ms();
    let (a, b) = tokio::join!(
        themes::catch_up(&app.db, "demo", now),
        themes::catch_up(&other, "demo", now)
    );
    a.unwrap();
    b.unwrap();
    themes::catch_up(&app.db, "demo", now).await.unwrap();
    assert!(
        once.iter()
            .any(|(_, _, term, _)| term.starts_with("context:agent=may ")),
        "groups counted too"
    );
    assert_eq!(counts(&app).await, once);
}

async fn counts(app: &TestApp) -> Vec<(i64, String, String, i64)> {
    sqlx::query_as(
        "SELECT day, band, term, answers FROM theme_counts WHERE site = 'demo'
         UNION ALL SELECT day, band, dimension || '=' || value || ' ' || term, answers FROM theme_group_counts WHERE site = 'demo'
         ORDER BY 1, 2, 3",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn bad_requests_get_clear_errors() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    for (query, code) in [
        ("group=agent", "invalid_group"),
        ("group=context:", "invalid_group"),
        ("group=experiment:a%20b", "invalid_group"),
        ("format=xml", "invalid_format"),
        ("from=2000&to=1000", "invalid_range"),
        ("from=abc", "invalid_query"),
    ] {
        let response = app
            .admin(Method::GET, &format!("demo/themes?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(response, 422).await, code, "{query}");
    }
    let unknown = app.admin(Method::GET, "nowhere/themes").send().await.unwrap();
    assert_eq!(error_code(unknown, 404).await, "unknown_site");
    let anonymous = app
        .client
        .get(format!("{}/v1/admin/sites/demo/themes", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // An empty shop: empty lists, not an error.
    let empty = themes_of(&app, "").await;
    assert_eq!(empty["answers"], 0);
    assert_eq!(empty["low"], json!([]));
}

/// The demo shop's history on the dashboard: the Themes section in the Feedback page (in each
/// language, grouped on request), a term's link to its comments, the CSV, and the low themes
/// beside recovery on the Loyalty page.
#[tokio::test]
async fn the_dashboard_shows_themes_and_links_each_term_to_its_comments() {
    let app = spawn_app_with(WITH_ADMIN_KEY).await;
    let sites = moments_server::features::sites::Sites::new(&[moments_server::features::demo::site()]).unwrap();
    let site = sites.get("demo").unwrap();
    moments_server::features::demo::history::generate(&app.db, site, now_ms())
        .await
        .unwrap()
        .unwrap();
    themes::catch_up(&app.db, "demo", now_ms()).await.unwrap();

    let html = page(&app, "/dashboard/demo/feedback").await;
    assert!(html.contains("<h2>Themes in comments</h2>"), "{html}");
    assert!(
        html.contains("In low answers") && html.contains("In promoters&#39; answers"),
        "{html}"
    );
    assert!(
        html.contains("not what caused their score"),
        "the section says what it cannot show"
    );
    // The demo shop changed couriers two weeks ago: the section says so.
    assert!(
        html.contains(r#"<p class="notice rising">Rising: “speedypost”"#),
        "{html}"
    );
    let link = html
        .split(r#"href="/dashboard/demo/feedback?term="#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a term links to its comments");
    let href = format!("/dashboard/demo/feedback?term={}", link.replace("&amp;", "&"));
    assert!(href.contains("&band=low"), "{href}");
    let url = reqwest::Url::parse(&format!("http://dashboard{href}")).unwrap();
    let term = url.query_pairs().find(|(k, _)| k == "term").unwrap().1.into_owned();
    let filtered = page(&app, &href).await;
    assert!(
        filtered.contains("Only answers whose comment has the term"),
        "{filtered}"
    );
    assert!(!filtered.contains("<h2>Themes in comments</h2>"));
    // Every answer listed has the term (its words, as counted) in its comment.
    let rows: Vec<&str> = filtered.split("<tr>").skip(2).collect();
    assert!(!rows.is_empty(), "{filtered}");
    for row in rows {
        let comment = row.split("<td>").nth(3).unwrap_or_default();
        let said = themes::terms::terms(&html_decode(comment.split("</td>").next().unwrap()));
        assert!(said.iter().any(|t| t.key == term), "{term} in {comment}");
    }

    let chinese = page(&app, "/dashboard/demo/feedback?lang=zh-CN").await;
    assert!(
        chinese.contains("评论中的话题") && chinese.contains("差评中"),
        "{chinese}"
    );
    let traditional = page(&app, "/dashboard/demo/feedback?lang=zh-TW").await;
    assert!(traditional.contains("評論中的話題") && traditional.contains("負評中"));

    let grouped = page(&app, "/dashboard/demo/feedback?themes_by=experiment:farewell-ask").await;
    assert!(grouped.contains("Low themes per experiment: farewell-ask"), "{grouped}");
    let bad_group = page(&app, "/dashboard/demo/feedback?themes_by=nonsense").await;
    assert!(bad_group.contains("<h2>Themes in comments</h2>") && !bad_group.contains("Low themes per"));

    let csv = dashboard(&app, "/dashboard/demo/themes.csv").await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("list,term,label,answers,others,share,log_odds,z\r\nlow,"),
        "{text}"
    );

    // The Loyalty page's recovery part, once its tables are computed.
    let mut loyalty = String::new();
    for _ in 0..200 {
        let response = dashboard(&app, "/dashboard/demo/loyalty").await;
        let computing = response.headers().contains_key("refresh");
        loyalty = response.text().await.unwrap();
        if !computing {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovery_part = loyalty
        .split("Themes in comments")
        .nth(1)
        .expect("themes in the Loyalty page");
    assert!(recovery_part.contains("In low answers") && !recovery_part.contains("In promoters"));
}

fn html_decode(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
