//! Many shops on one server: site keys reach one site with the scopes they were given, the
//! operator's admin key every site; every admin operation is checked, generated from
//! `/openapi.json` so a new route is covered without editing these tests. And the audit trail.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WITH_ADMIN_KEY, error_code, spawn_app_with, spawn_second_process};

const OTHER_SITE: &str = "[[sites]]\nkey = \"other\"\nallowed_origins = [\"http://localhost:*\"]";

async fn two_sites() -> TestApp {
    spawn_app_with(&format!("{WITH_ADMIN_KEY}\n{OTHER_SITE}")).await
}

/// Creates a key on `site` with the admin key; returns (id, secret).
async fn new_key(app: &TestApp, site: &str, scopes: &[&str]) -> (i64, String) {
    let made: Value = app
        .admin(Method::POST, &format!("{site}/keys"))
        .json(&json!({ "name": format!("test key ({} scopes)", scopes.len()), "scopes": scopes }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        made["key"]["id"].as_i64().unwrap(),
        made["secret"].as_str().unwrap().to_owned(),
    )
}

fn all_scopes() -> Vec<&'static str> {
    moments_server::features::site_keys::Scopes::all().names()
}

/// Every admin operation of the document: (method, path template, the scope it names).
async fn admin_operations(app: &TestApp) -> Vec<(Method, String, String)> {
    let doc: Value = reqwest::get(format!("{}/openapi.json", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Some(security) = operation.get("security") {
                let scope = security[0]["admin_key"][0]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} names no scope"))
                    .to_owned();
                operations.push((method.to_uppercase().parse().unwrap(), path.clone(), scope));
            }
        }
    }
    assert!(operations.len() >= 35, "{} admin operations", operations.len());
    operations
}

/// The path with every parameter filled: `site` as given, the rest with values that exist
/// nowhere (so an allowed request reaches its handler and is answered there).
fn concrete(template: &str, site: &str) -> String {
    let path = template
        .replace("{site}", site)
        .replace("{member}", "member-none")
        .replace("{visitor}", "visitor-none-0001")
        .replace("{key}", "experiment-none")
        .replace("{pool}", "pool-none")
        .replace("{delivery}", "999999");
    let id = if path.contains("/webhooks/") {
        "ep_none"
    } else if path.starts_with("/v1/surprises/") {
        "00000000-0000-4000-8000-000000000000"
    } else {
        "999999"
    };
    path.replace("{id}", id)
}

async fn call(app: &TestApp, method: &Method, path: &str, key: &str) -> reqwest::Response {
    let request = app
        .client
        .request(method.clone(), format!("{}{path}", app.url))
        .bearer_auth(key);
    let request = if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        request.json(&json!({}))
    } else {
        request
    };
    request.send().await.unwrap()
}

/// What a site's data amounts to, to show a refused request changed nothing.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "members",
        "points_ledger",
        "surprises",
        "coupon_codes",
        "experiments",
        "webhook_endpoints",
        "recovery_cases",
        "site_keys",
        "audit_log",
        "verified_events",
    ] {
        counts.push(app.count(&format!("SELECT COUNT(*) FROM {table}")).await);
    }
    counts.push(
        app.count("SELECT COUNT(*) FROM site_keys WHERE revoked_at IS NOT NULL")
            .await,
    );
    counts
}

#[tokio::test]
async fn a_site_key_reaches_nothing_of_another_site() {
    let app = two_sites().await;
    let (_, other) = new_key(&app, "other", &all_scopes()).await;
    app.award("alice", json!(100), "Order", "order-1").await;
    let before = fingerprint(&app).await;
    for (method, template, _) in admin_operations(&app).await {
        let on_demo = call(&app, &method, &concrete(&template, "demo"), &other).await;
        let demo_answer = (on_demo.status().as_u16(), on_demo.text().await.unwrap());
        let on_nowhere = call(&app, &method, &concrete(&template, "nowhere"), &other).await;
        let nowhere_answer = (on_nowhere.status().as_u16(), on_nowhere.text().await.unwrap());
        assert_eq!(demo_answer.0, 404, "{method} {template}: {}", demo_answer.1);
        // Word for word what a site that does not exist gets: nothing tells the site is there.
        assert_eq!(
            demo_answer.1.replace("demo", "SITE"),
            nowhere_answer.1.replace("nowhere", "SITE"),
            "{method} {template}"
        );
        assert!(demo_answer.1.contains("unknown_site"), "{method} {template}");
    }
    assert_eq!(fingerprint(&app).await, before, "a refused request changed something");
}

#[tokio::test]
async fn each_scope_opens_its_operations_and_no_others() {
    let app = two_sites().await;
    let operations = admin_operations(&app).await;
    for scope in all_scopes() {
        let (_, only) = new_key(&app, "demo", &[scope]).await;
        let others: Vec<&str> = all_scopes().into_iter().filter(|s| *s != scope).collect();
        let (_, all_but) = new_key(&app, "demo", &others).await;
        for (method, template, needed) in operations.iter().filter(|(_, _, needed)| needed == scope) {
            let path = concrete(template, "demo");
            let allowed = call(&app, method, &path, &only).await;
            let status = allowed.status().as_u16();
            let body = allowed.text().await.unwrap();
            assert!(
                ![401, 403].contains(&status) && !body.contains("unknown_site"),
                "{method} {template} with only {needed}: {status} {body}"
            );
            let refused = call(&app, method, &path, &all_but).await;
            assert_eq!(refused.status(), 403, "{method} {template} without {needed}");
            let body: Value = refused.json().await.unwrap();
            assert_eq!(body["error"]["code"], "missing_scope");
            assert!(
                body["error"]["message"].as_str().unwrap().ends_with(needed.as_str()),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn keys_are_shown_once_kept_hashed_and_cannot_raise_themselves() {
    let app = two_sites().await;
    let made = app
        .admin(Method::POST, "demo/keys")
        .json(&json!({ "name": "orders backend", "scopes": ["points:write", "events:write"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("mk_") && secret.len() >= 46, "{secret}");
    assert_eq!(made["key"]["prefix"], secret[..11]);
    assert_eq!(made["key"]["scopes"], json!(["points:write", "events:write"]));
    assert_eq!(made["key"]["created_by"], "operator:admin-key");
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM site_keys WHERE secret_hash = '{secret}' OR prefix = '{secret}'"
        ))
        .await;
    assert_eq!(stored, 0, "the secret itself is stored nowhere");

    // The key works, for its scopes.
    let awarded = app
        .client
        .post(format!("{}/v1/admin/sites/demo/members/alice/points", app.url))
        .bearer_auth(&secret)
        .json(&json!({ "delta": 250, "reason": "Order 1042", "idempotency_key": "order-1042" }))
        .send()
        .await
        .unwrap();
    assert_eq!(awarded.status(), 201);
    let listed: Value = app.admin_json("demo/keys").await;
    let listed = &listed["keys"][0];
    assert_eq!(listed["name"], "orders backend");
    assert!(listed["last_used_at"].as_i64().is_some(), "{listed}");
    assert!(
        !listed.to_string().contains(&secret[11..]),
        "a list never shows a secret"
    );

    // keys:write alone manages only keys no stronger than itself.
    let (_, manager) = new_key(&app, "demo", &["keys:write"]).await;
    let as_manager = |method: Method, path: &str| {
        app.client
            .request(method, format!("{}/v1/admin/sites/demo/{path}", app.url))
            .bearer_auth(&manager)
    };
    let escalate = as_manager(Method::POST, "keys")
        .json(&json!({ "name": "sneaky", "scopes": ["points:write"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(escalate, 403).await, "missing_scope");
    let id = made["key"]["id"].as_i64().unwrap();
    let take_over = as_manager(Method::POST, &format!("keys/{id}/rotate"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(take_over, 403).await, "missing_scope");
    let peer = as_manager(Method::POST, "keys")
        .json(&json!({ "name": "another manager", "scopes": ["keys:write"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(peer.status(), 201);

    // Bad requests name what is wrong.
    for (body, code) in [
        (json!({ "name": "", "scopes": ["points:write"] }), "name_empty"),
        (json!({ "name": "x", "scopes": [] }), "scopes_empty"),
        (json!({ "name": "x", "scopes": ["points:read"] }), "unknown_scope"),
        (
            json!({ "name": "x", "scopes": ["points:write"], "expires_at": 1 }),
            "expires_in_past",
        ),
    ] {
        let refused = app.admin(Method::POST, "demo/keys").json(&body).send().await.unwrap();
        assert_eq!(error_code(refused, 422).await, code, "{body}");
    }
}

#[tokio::test]
async fn a_revoked_rotated_or_expired_key_is_refused_on_every_server() {
    let app = two_sites().await;
    let second = spawn_second_process(&app, &format!("{WITH_ADMIN_KEY}\n{OTHER_SITE}")).await;
    let read = |app: &TestApp, key: &str| {
        app.client
            .get(format!("{}/v1/admin/sites/demo/members/alice", app.url))
            .bearer_auth(key.to_owned())
            .send()
    };
    app.award("alice", json!(10), "Order", "order-1").await;
    let (id, secret) = new_key(&app, "demo", &["members:read"]).await;
    assert_eq!(read(&second, &secret).await.unwrap().status(), 200);
    let revoked = app
        .admin(Method::DELETE, &format!("demo/keys/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let revoked: Value = revoked.json().await.unwrap();
    assert_eq!(revoked["revoked_by"], "operator:admin-key");
    // The very next request, on the other process: no cache to wait out.
    assert_eq!(
        error_code(read(&second, &secret).await.unwrap(), 401).await,
        "key_revoked"
    );
    let again = app
        .admin(Method::DELETE, &format!("demo/keys/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "revoking twice is no error");

    let (id, old) = new_key(&app, "demo", &["members:read"]).await;
    let rotated: Value = app
        .admin(Method::POST, &format!("demo/keys/{id}/rotate"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new = rotated["secret"].as_str().unwrap();
    assert_eq!(rotated["key"]["scopes"], json!(["members:read"]));
    assert_eq!(error_code(read(&second, &old).await.unwrap(), 401).await, "key_revoked");
    assert_eq!(read(&second, new).await.unwrap().status(), 200);

    let (id, expiring) = new_key(&app, "demo", &["members:read"]).await;
    sqlx::query("UPDATE site_keys SET expires_at = $1 WHERE id = $2")
        .bind(crate::helpers::now_ms() - 1)
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        error_code(read(&second, &expiring).await.unwrap(), 401).await,
        "key_expired"
    );
    let made_up = format!("mk_{}", "A".repeat(43));
    assert_eq!(
        error_code(read(&app, &made_up).await.unwrap(), 401).await,
        "admin_key_invalid"
    );
}

#[tokio::test]
async fn the_operator_key_keeps_every_site() {
    let app = two_sites().await;
    for site in ["demo", "other"] {
        let created = app
            .admin(Method::POST, &format!("{site}/keys"))
            .json(&json!({ "name": "k", "scopes": ["audit:read"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201, "{site}");
    }
    let unknown = app.admin(Method::GET, "nowhere/keys").send().await.unwrap();
    assert_eq!(error_code(unknown, 404).await, "unknown_site");
}
