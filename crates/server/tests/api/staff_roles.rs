//! Staff in the database with a role per site: an owner invites, the invited person chooses a
//! password and signs in, and each role reaches what it should and nothing more; another
//! site's pages are not found. Every change lands in the audit trail with who made it.

use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, SITE, TestApp, WITH_ADMIN_KEY, spawn_app_with, token_for};

const OTHER_SITE: &str = "[[sites]]\nkey = \"other\"\nallowed_origins = [\"http://localhost:*\"]";
const PASSWORD: &str = "a long enough password";

/// A browser signed in to the dashboard.
pub struct Person {
    pub client: reqwest::Client,
    url: String,
    pub cookie: String,
    csrf: String,
}

impl Person {
    pub async fn sign_in(app: &TestApp, name: &str, password: &str) -> Person {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let signed_in = client
            .post(format!("{}/dashboard/login", app.url))
            .form(&[("name", name), ("password", password), ("next", "/dashboard")])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), 303, "{name} signs in");
        let cookie = signed_in.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut person = Person {
            client,
            url: app.url.clone(),
            cookie,
            csrf: String::new(),
        };
        let home = person.get("/dashboard").await;
        let first = home.headers()["location"].to_str().unwrap().to_owned();
        let page = person.get(&first).await.text().await.unwrap();
        person.csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        person
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.url))
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// The owner invites `login` with `role`; they accept with PASSWORD and sign in.
async fn invited(app: &TestApp, owner: &Person, login: &str, role: &str) -> Person {
    let page = owner
        .post("/dashboard/demo/staff/invite", &[("login", login), ("role", role)])
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let link = page
        .split("<code id=\"invite-link\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let path = link.strip_prefix(&app.url).unwrap().to_owned();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let short = client
        .post(format!("{}{path}", app.url))
        .form(&[("password", "short")])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422, "a short password is refused, visibly");
    let accepted = client
        .post(format!("{}{path}", app.url))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 303);
    let again = client.get(format!("{}{path}", app.url)).send().await.unwrap();
    assert_eq!(again.status(), 404, "an invitation is used once");
    Person::sign_in(app, login, PASSWORD).await
}

/// A member's low answer: one open recovery case for them.
async fn open_case(app: &TestApp, member: &str) -> i64 {
    let visitor = format!("visitor-{member}");
    let start = json!({ "site": SITE, "visitor_id": visitor, "member_token": token_for(member, None) });
    let session: Value = app.post("/v1/session", &start).await.json().await.unwrap();
    let answer = json!({ "type": "feedback", "id": uuid::Uuid::new_v4().to_string(), "at": 1.7e12, "scale": "csat5", "score": 1 });
    let batch = json!({ "site": SITE, "visitor_id": visitor, "session_id": session["session_id"], "events": [answer] });
    assert_eq!(app.post("/v1/events", &batch).await.status(), 200);
    app.count(&format!(
        "SELECT MAX(id) FROM recovery_cases WHERE member_id = '{member}'"
    ))
    .await
}

#[tokio::test]
async fn a_support_agent_resolves_cases_within_the_goodwill_limit_and_nothing_else() {
    let app = spawn_app_with(&format!(
        "{WITH_ADMIN_KEY}\n{OTHER_SITE}\n[server.webhooks]\nallow_private_networks = true"
    ))
    .await;
    let operator = Person::sign_in(&app, "", ADMIN_KEY).await;
    let owner = invited(&app, &operator, "Olga@Shop.example", "owner").await;
    let support = invited(&app, &owner, "sam", "support").await;

    let case = open_case(&app, "alice").await;
    let before = app.account("alice").await["balance"].as_i64().unwrap();
    let over = support
        .post(
            &format!("/dashboard/demo/recovery/{case}/resolve"),
            &[("note", "Refunded"), ("goodwill", "501")],
        )
        .await;
    assert_eq!(over.status(), 422, "above the site's limit of 500");
    assert!(over.text().await.unwrap().contains("500"));
    let resolved = support
        .post(
            &format!("/dashboard/demo/recovery/{case}/resolve"),
            &[("note", "Refunded the shipping"), ("goodwill", "200")],
        )
        .await;
    assert_eq!(resolved.status(), 303);
    assert_eq!(app.account("alice").await["balance"].as_i64().unwrap(), before + 200);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_cases WHERE id = {case} AND status = 'resolved'"
        ))
        .await,
        1
    );

    // Not a marketer's or an owner's work, and not another site's.
    app.admin(reqwest::Method::POST, "demo/experiments")
        .json(&json!({ "key": "warmth", "slot": "greeting", "coverage": 1, "control": "a",
            "variants": [{ "key": "a", "weight": 0.5, "text": { "en": "Hi" } }, { "key": "b", "weight": 0.5, "text": { "en": "Hello" } }] }))
        .send()
        .await
        .unwrap();
    let start = support.post("/dashboard/demo/experiments/warmth/start", &[]).await;
    assert_eq!(start.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM experiments WHERE status = 'running'")
            .await,
        0
    );
    assert_eq!(
        support.get("/dashboard/demo/webhooks").await.status(),
        403,
        "webhooks are a marketer's"
    );
    let endpoint: Value = app
        .admin(reqwest::Method::POST, "demo/webhooks")
        .json(&json!({ "url": "http://127.0.0.1:9/moments", "events": ["points.changed"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pause = format!(
        "/dashboard/demo/webhooks/{}/pause",
        endpoint["endpoint"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{endpoint}"))
    );
    assert_eq!(support.post(&pause, &[("paused", "1")]).await.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_endpoints WHERE paused <> 0")
            .await,
        0,
        "a refused pause pauses nothing"
    );
    assert_eq!(
        support.get("/dashboard/demo/staff").await.status(),
        403,
        "staff are an owner's"
    );
    let invite = support
        .post(
            "/dashboard/demo/staff/invite",
            &[("login", "mallory"), ("role", "owner")],
        )
        .await;
    assert_eq!(invite.status(), 403, "no one raises themselves");
    for page in ["/dashboard/other", "/dashboard/other/feedback", "/dashboard/nowhere"] {
        assert_eq!(support.get(page).await.status(), 404, "{page}");
    }
    let overview = support.get("/dashboard/demo").await.text().await.unwrap();
    assert!(
        !overview.contains("/dashboard/other"),
        "the site list shows only their sites"
    );
    assert!(
        !overview.contains("/dashboard/demo/webhooks"),
        "nor sections they cannot open"
    );
    assert!(overview.contains("/dashboard/demo/recovery"));

    // The owner made the marketer; the marketer starts it.
    let marketer = invited(&app, &owner, "mia", "marketer").await;
    assert_eq!(
        marketer
            .post("/dashboard/demo/experiments/warmth/start", &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM experiments WHERE status = 'running'")
            .await,
        1
    );

    // The Audit page, for those whose role reads it.
    assert_eq!(support.get("/dashboard/demo/audit").await.status(), 403);
    let audit_page = owner.get("/dashboard/demo/audit?action=recovery.resolve").await;
    assert_eq!(audit_page.status(), 200);
    let audit_page = audit_page.text().await.unwrap();
    assert!(
        audit_page.contains("sam") && audit_page.contains("recovery.resolve"),
        "{audit_page}"
    );
    assert!(!audit_page.contains("staff.invite"), "filtered by action");
    let csv = owner
        .get("/dashboard/demo/audit.csv?actor=sam")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("id,at,actor_kind"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "sam's two changes: {csv}");

    // Who did what, from the trail.
    let trail: Value = app.admin_json("demo/audit?limit=50").await;
    let actions: Vec<(String, String)> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["actor_name"].as_str().unwrap().to_owned(),
                r["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("admin", "staff.invite"),
        ("olga@shop.example", "staff.invite"),
        ("sam", "recovery.resolve"),
        ("sam", "points.add"),
        ("mia", "experiment.start"),
    ] {
        assert!(
            actions
                .iter()
                .any(|(who, what)| who == expected.0 && what == expected.1),
            "{expected:?} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn owners_change_roles_and_removing_someone_ends_their_session() {
    let app = spawn_app_with(&format!("{WITH_ADMIN_KEY}\n{OTHER_SITE}")).await;
    let operator = Person::sign_in(&app, "", ADMIN_KEY).await;
    let viewer = invited(&app, &operator, "vic", "viewer").await;
    assert_eq!(viewer.get("/dashboard/demo/feedback").await.status(), 200);
    assert_eq!(viewer.get("/dashboard/demo/support").await.status(), 200);
    let case = open_case(&app, "bob").await;
    let refused = viewer
        .post(&format!("/dashboard/demo/recovery/{case}/resolve"), &[("note", "Done")])
        .await;
    assert_eq!(refused.status(), 403, "a viewer changes nothing");

    let id = app.count("SELECT id FROM staff_members WHERE login = 'vic'").await;
    let staff_page = operator.get("/dashboard/demo/staff").await.text().await.unwrap();
    assert!(staff_page.contains("vic"));
    let changed = operator
        .post(&format!("/dashboard/demo/staff/{id}/role"), &[("role", "support")])
        .await;
    assert_eq!(changed.status(), 303);
    let resolved = viewer
        .post(&format!("/dashboard/demo/recovery/{case}/resolve"), &[("note", "Done")])
        .await;
    assert_eq!(resolved.status(), 303, "the new role holds from the next request");

    // A role on a site they are not on cannot be set from here.
    let elsewhere = operator
        .post("/dashboard/other/staff/999/role", &[("role", "owner")])
        .await;
    assert_eq!(elsewhere.status(), 404);

    let removed = operator.post(&format!("/dashboard/demo/staff/{id}/remove"), &[]).await;
    assert_eq!(removed.status(), 303);
    let after = viewer.get("/dashboard/demo/feedback").await;
    assert_eq!(after.status(), 303, "signed out: back to the sign-in page");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM staff_members WHERE login = 'vic'")
            .await,
        0
    );
}

#[tokio::test]
async fn owners_manage_the_sites_api_keys_from_the_dashboard() {
    let app = spawn_app_with(&format!("{WITH_ADMIN_KEY}\n{OTHER_SITE}")).await;
    let operator = Person::sign_in(&app, "", ADMIN_KEY).await;
    let owner = invited(&app, &operator, "olga", "owner").await;
    let secret_of = |page: &str| {
        page.split("<code id=\"new-secret\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    let award = |secret: String| {
        app.client
            .post(format!("{}/v1/admin/sites/demo/members/alice/points", app.url))
            .bearer_auth(secret)
            .json(&json!({ "delta": 5, "reason": "Order", "idempotency_key": uuid::Uuid::new_v4().to_string() }))
            .send()
    };

    let made = owner
        .post(
            "/dashboard/demo/keys",
            &[
                ("name", "orders backend"),
                ("scope", "points:write"),
                ("scope", "events:write"),
            ],
        )
        .await;
    assert_eq!(made.status(), 200);
    let first = secret_of(&made.text().await.unwrap());
    assert_eq!(award(first.clone()).await.unwrap().status(), 201);
    let listed = owner.get("/dashboard/demo/keys").await.text().await.unwrap();
    assert!(
        listed.contains("orders backend") && !listed.contains(&first),
        "the secret is shown once"
    );
    let empty = owner.post("/dashboard/demo/keys", &[("name", "no scopes")]).await;
    assert_eq!(empty.status(), 422);

    let id = app
        .count("SELECT id FROM site_keys WHERE name = 'orders backend'")
        .await;
    let rotated = owner.post(&format!("/dashboard/demo/keys/{id}/rotate"), &[]).await;
    let second = secret_of(&rotated.text().await.unwrap());
    assert_eq!(
        award(first).await.unwrap().status(),
        401,
        "the old secret stops at once"
    );
    assert_eq!(award(second.clone()).await.unwrap().status(), 201);
    let new_id = app.count("SELECT MAX(id) FROM site_keys").await;
    assert_eq!(
        owner
            .post(&format!("/dashboard/demo/keys/{new_id}/revoke"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(award(second).await.unwrap().status(), 401);
    // Another site's key is not this page's to touch.
    let (other_id, _) = {
        let made: Value = app
            .admin(reqwest::Method::POST, "other/keys")
            .json(&json!({ "name": "theirs", "scopes": ["audit:read"] }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (made["key"]["id"].as_i64().unwrap(), ())
    };
    assert_eq!(
        owner
            .post(&format!("/dashboard/demo/keys/{other_id}/revoke"), &[])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM site_keys WHERE site = 'other' AND revoked_at IS NULL")
            .await,
        1
    );

    let support = invited(&app, &owner, "sam", "support").await;
    assert_eq!(support.get("/dashboard/demo/keys").await.status(), 403);
    let actions = app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('key.create', 'key.rotate', 'key.revoke') AND actor_name = 'olga'").await;
    assert_eq!(actions, 3);
}
