//! Dashboard sign-in over HTTP: staff passwords (argon2), the admin key, cookie flags, CSRF
//! and sign-out, against the real server.

use crate::helpers::{ADMIN_KEY, TestApp, spawn_app_with};

/// `ana`'s password is "correct horse battery".
const STAFF: &str = "[[server.staff]]\nname = \"ana\"\npassword_hash = \"$argon2id$v=19$m=19456,t=2,p=1$su5tP+BT+jiW5pj30BDIpA$9UnYUs847tnf57uk0DT+Yu5FnAeXV6TcWi/p7FNSE8A\"";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn sign_in(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    no_redirects()
        .post(format!("{}/dashboard/login", app.url))
        .form(&[
            ("name", name),
            ("password", password),
            ("next", "/dashboard/demo/feedback"),
        ])
        .send()
        .await
        .unwrap()
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("moments_staff="))
        .map(str::to_owned)
}

async fn with_admin_key(extra: &str) -> TestApp {
    spawn_app_with(&format!("[server]\nadmin_key = \"{ADMIN_KEY}\"\n{extra}")).await
}

#[tokio::test]
async fn a_next_page_with_control_characters_falls_back_to_the_dashboard() {
    let app = with_admin_key(STAFF).await;
    for next in [
        "/dashboard\n",
        "/dashboard\r\nSet-Cookie: x=1",
        "/dashboard/\u{7f}",
        "/dashboard/caf\u{e9}",
    ] {
        let signed_in = no_redirects()
            .post(format!("{}/dashboard/login", app.url))
            .form(&[("name", "ana"), ("password", "correct horse battery"), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), 303, "{next:?}");
        assert_eq!(signed_in.headers()["location"], "/dashboard", "{next:?}");
    }
}

#[tokio::test]
async fn staff_sign_in_with_their_password_or_the_admin_key() {
    let app = with_admin_key(STAFF).await;
    let signed_in = sign_in(&app, "ana", "correct horse battery").await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/dashboard/demo/feedback");
    let cookie = session_cookie(&signed_in).expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/dashboard"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback: browsers would drop a Secure cookie"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM staff_sessions WHERE staff = 'ana'")
            .await,
        1
    );
    let token = cookie.split(';').next().unwrap().trim_start_matches("moments_staff=");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM staff_sessions WHERE token_hash = '{token}'"
        ))
        .await,
        0,
        "only a hash is stored"
    );

    assert_eq!(sign_in(&app, "", ADMIN_KEY).await.status(), 303);
    for (name, password) in [
        ("ana", "wrong"),
        ("bob", "correct horse battery"),
        ("", "not-the-admin-key"),
    ] {
        let refused = sign_in(&app, name, password).await;
        assert_eq!(refused.status(), 401, "{name}/{password}");
        assert!(session_cookie(&refused).is_none());
    }
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_dashboard_is_served_over_https() {
    // Behind a TLS proxy: the public URL is https, the socket plain http on loopback.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = moments_server::config::Settings::from_toml(&format!(
        "[server]\naddr = \"127.0.0.1:0\"\npublic_url = \"https://moments.example\"\nadmin_key = \"{ADMIN_KEY}\"\ndatabase_url = \"{}\"",
        crate::helpers::fresh_database_url(dir.path()).await
    ))
    .unwrap();
    settings.server.addr = "127.0.0.1:0".parse().unwrap();
    let app = moments_server::startup::Application::build(settings, moments_server::features::demo::Mode::Site)
        .await
        .unwrap();
    let socket = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let signed_in = no_redirects()
        .post(format!("{socket}/dashboard/login"))
        .header("origin", "https://moments.example")
        .form(&[("password", ADMIN_KEY)])
        .send()
        .await
        .unwrap();
    assert!(session_cookie(&signed_in).unwrap().contains("; Secure"));
}

#[tokio::test]
async fn sign_in_from_another_site_and_forms_without_the_token_are_refused() {
    let app = with_admin_key("").await;
    let cross = no_redirects()
        .post(format!("{}/dashboard/login", app.url))
        .header("origin", "https://evil.example")
        .form(&[("password", ADMIN_KEY)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let cookie = session_cookie(&sign_in(&app, "", ADMIN_KEY).await).unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let logout = |csrf: &'static str| {
        no_redirects()
            .post(format!("{}/dashboard/logout", app.url))
            .header("cookie", cookie.clone())
            .form(&[("csrf", csrf)])
            .send()
    };
    assert_eq!(logout("guess").await.unwrap().status(), 403);
    let page = no_redirects()
        .get(format!("{}/dashboard/demo", app.url))
        .header("cookie", cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let out = no_redirects()
        .post(format!("{}/dashboard/logout", app.url))
        .header("cookie", cookie.clone())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM staff_sessions").await,
        0,
        "signing out ends the session everywhere"
    );
    let after = no_redirects()
        .get(format!("{}/dashboard/demo", app.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303);
}

fn cookie_pair(response: &reqwest::Response) -> String {
    session_cookie(response).unwrap().split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn guessing_is_stopped_after_ten_wrong_passwords() {
    let app = with_admin_key(STAFF).await;
    for attempt in 1..=10 {
        assert_eq!(
            sign_in(&app, "ana", &format!("guess {attempt}")).await.status(),
            401,
            "attempt {attempt}"
        );
    }
    let eleventh = sign_in(&app, "ana", "guess 11").await;
    assert_eq!(eleventh.status(), 429);
    let retry_after: u64 = eleventh.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    // Until the window passes, not even the right password gets in, from this address or as ana.
    assert_eq!(sign_in(&app, "ana", "correct horse battery").await.status(), 429);
    assert_eq!(
        sign_in(&app, "", ADMIN_KEY).await.status(),
        429,
        "the address is limited too"
    );
}

#[tokio::test]
async fn an_unknown_name_costs_the_time_of_a_known_one() {
    let app = with_admin_key(STAFF).await;
    let time = async |name: &str| {
        let start = std::time::Instant::now();
        assert_eq!(sign_in(&app, name, "wrong password").await.status(), 401);
        start.elapsed()
    };
    let (known, unknown) = (time("ana").await, time("nobody").await);
    // Argon2 runs for both (tens of milliseconds); a skipped hash would answer in well under one.
    assert!(unknown * 4 > known, "known {known:?}, unknown {unknown:?}");
}

#[tokio::test]
async fn a_staff_account_removed_from_the_config_is_signed_out() {
    let app = with_admin_key(STAFF).await;
    let cookie = cookie_pair(&sign_in(&app, "ana", "correct horse battery").await);
    let page = |url: String, cookie: String| async move {
        no_redirects()
            .get(format!("{url}/dashboard/demo"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(page(app.url.clone(), cookie.clone()).await, 200);
    // The same database, served by a process whose config no longer has ana.
    let without_ana =
        crate::helpers::spawn_app_on(&app.database_url, &format!("[server]\nadmin_key = \"{ADMIN_KEY}\"")).await;
    assert_eq!(
        page(without_ana.url.clone(), cookie).await,
        303,
        "redirected to sign in"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM staff_sessions WHERE staff = 'ana'")
            .await,
        0
    );
}

#[tokio::test]
async fn date_ranges_that_are_too_long_or_out_of_this_era_answer_400() {
    let app = with_admin_key("").await;
    let cookie = cookie_pair(&sign_in(&app, "", ADMIN_KEY).await);
    let get = |query: &'static str| {
        no_redirects()
            .get(format!("{}/dashboard/demo{query}", app.url))
            .header("cookie", cookie.clone())
            .send()
    };
    for query in [
        "?to=-9999-01-15",
        "?from=0001-01-01&to=9999-12-31",
        "?from=2024-01-01&to=2025-06-30",
        "?from=1999-12-31&to=2000-01-10",
        "?from=2026-01-01&to=2025-12-01",
        "?from=yesterday",
        "/feedback?from=1800-01-01",
    ] {
        let response = get(query).await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert!(
            response.text().await.unwrap().contains("2000"),
            "the page says what is allowed: {query}"
        );
    }
    for query in ["", "?from=2025-01-01&to=2025-12-31", "/feedback?from=2025-01-01"] {
        assert_eq!(get(query).await.unwrap().status(), 200, "{query}");
    }
}

#[tokio::test]
async fn the_overview_counts_redemptions_per_reward_and_week_and_the_stock_left() {
    let app = with_admin_key("").await;
    let session: serde_json::Value = app.member_session("alice").await;
    let session_id = session["session_id"].as_str().unwrap();
    let redeem = serde_json::json!({
        "site": "demo", "visitor_id": crate::helpers::VISITOR, "session_id": session_id,
        "member_token": crate::helpers::token_for("alice", None), "idempotency_key": "dash-1",
    });
    assert_eq!(app.post("/v1/rewards/five-off/redeem", &redeem).await.status(), 201);
    let cookie = cookie_pair(&sign_in(&app, "", ADMIN_KEY).await);
    let page = no_redirects()
        .get(format!("{}/dashboard/demo", app.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<caption>Redemptions per reward and week</caption>"),
        "{page}"
    );
    assert!(
        page.contains(r#"<p class="card-label">Points redeemed</p><p class="card-value">500</p>"#),
        "{page}"
    );
    // The last week of the range holds today's redemption: €5 off once; the tote bag's 50 all left.
    let table = &page[page.find("<caption>Redemptions per reward and week</caption>").unwrap()..];
    let stock_row = &table[table.find("Stock left").unwrap()..table.find("</tbody>").unwrap()];
    assert!(
        stock_row.contains("<td>no limit</td>") && stock_row.contains("<td>50</td>"),
        "{stock_row}"
    );
    let weeks = &table[..table.find("Stock left").unwrap()];
    assert_eq!(weeks.matches("<td>1</td>").count(), 1, "{weeks}");
}

#[tokio::test]
async fn the_overview_draws_no_empty_axes_and_says_why_it_is_empty() {
    let app = with_admin_key("").await;
    let cookie = cookie_pair(&sign_in(&app, "", ADMIN_KEY).await);
    let overview = |query: &'static str| {
        let cookie = cookie.clone();
        let url = format!("{}/dashboard/demo{query}", app.url);
        async move {
            no_redirects()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    // A new site: no answer yet, and what brings the first.
    let fresh = overview("").await;
    assert!(
        fresh.contains("No answers yet: the widget asks at the end of a visit."),
        "{fresh}"
    );
    assert_eq!(
        fresh.matches(r#"<figure class="chart">"#).count(),
        0,
        "no chart of nothing"
    );

    // One answer on the site's five-face scale: answers and CSAT are drawn, NPS (no data) is not.
    let session = app
        .post(
            "/v1/session",
            &serde_json::json!({ "site": "demo", "visitor_id": "visitor-00000001" }),
        )
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let answer = serde_json::json!({ "type": "feedback", "id": "10000000-0000-4000-8000-000000000001", "at": crate::helpers::now() as f64 * 1000.0, "scale": "csat5", "score": 4 });
    let events = serde_json::json!({ "site": "demo", "visitor_id": "visitor-00000001", "session_id": session["session_id"], "events": [answer] });
    assert_eq!(app.post("/v1/events", &events).await.status(), 200);
    let with_answer = overview("").await;
    assert_eq!(
        with_answer.matches(r#"<figure class="chart">"#).count(),
        2,
        "answers and CSAT"
    );
    assert!(with_answer.contains("Average CSAT per day") && !with_answer.contains("NPS per day"));

    // A period before any of it: said so, still no axes.
    let before = overview("?from=2025-01-01&to=2025-01-31").await;
    assert!(before.contains("No answers in this period."), "{before}");
    assert_eq!(before.matches(r#"<figure class="chart">"#).count(), 0);
}

#[tokio::test]
async fn an_experiment_without_exposures_says_so_instead_of_drawing_zeros() {
    let app = with_admin_key("").await;
    let cookie = cookie_pair(&sign_in(&app, "", ADMIN_KEY).await);
    let definition = serde_json::json!({
        "key": "hello", "slot": "greeting", "coverage": 1.0, "control": "a",
        "variants": [{ "key": "a", "weight": 0.5, "text": { "en": "Hi" } }, { "key": "b", "weight": 0.5, "text": { "en": "Hello" } }]
    });
    let created = app
        .admin(reqwest::Method::POST, "demo/experiments")
        .json(&definition)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let page = no_redirects()
        .get(format!("{}/dashboard/demo/experiments/hello", app.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("No exposures yet: a variant counts once a visitor has seen it."),
        "{page}"
    );
    assert_eq!(page.matches(r#"<figure class="chart">"#).count(), 0);
}
