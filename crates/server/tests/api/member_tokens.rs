//! Member tokens: each bad one refused with its own code, good ones (rotated keys included) accepted.

use moments_server::features::member_token::{self, MemberClaims};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn bad_member_tokens_get_401_with_their_own_code() {
    let app = spawn_app().await;
    let alice = MemberClaims {
        sub: "alice".into(),
        name: None,
        locale: None,
        birthday: None,
    };
    let secret = demo_secret();
    let claims = |aud: &str, iat: i64, exp: i64| json!({ "sub": "alice", "aud": aud, "iat": iat, "exp": exp });
    let header = json!({ "alg": "HS256", "typ": "JWT" });
    let good = token_for("alice", None);
    let tampered = {
        let mut parts: Vec<String> = good.split('.').map(String::from).collect();
        parts[1] = member_token::sign(&header, &claims(SITE, now(), now() + 60), "x")
            .split('.')
            .nth(1)
            .unwrap()
            .into();
        parts.join(".")
    };
    let unsigned = format!(
        "{}.{}.",
        base64_url(&json!({ "alg": "none" }).to_string()),
        base64_url(&claims(SITE, now(), now() + 60).to_string())
    );
    let cases = [
        ("garbage".to_owned(), "member_token_malformed"),
        (
            member_token::sign(&header, &claims(SITE, now(), now() + 60), "wrong-secret"),
            "member_token_bad_signature",
        ),
        (tampered, "member_token_bad_signature"),
        (unsigned, "member_token_unsupported_algorithm"),
        (
            member_token::mint(&alice, SITE, &secret, now() - 7200, now() - 3600),
            "member_token_expired",
        ),
        (
            member_token::mint(&alice, SITE, &secret, now() + 600, now() + 900),
            "member_token_not_yet_valid",
        ),
        (
            member_token::mint(&alice, SITE, &secret, now(), now() + 7200),
            "member_token_lifetime_too_long",
        ),
        (
            member_token::mint(&alice, "other-site", &secret, now(), now() + 60),
            "member_token_wrong_site",
        ),
        (
            member_token::sign(
                &header,
                &json!({ "sub": "alice", "aud": SITE }),
                "demo-secret-not-for-real-visitors",
            ),
            "member_token_missing_claim",
        ),
        (
            member_token::sign(
                &json!({ "alg": "HS512" }),
                &claims(SITE, now(), now() + 60),
                "demo-secret-not-for-real-visitors",
            ),
            "member_token_unsupported_algorithm",
        ),
        (
            member_token::sign(
                &json!({ "alg": "HS256", "kid": "gone" }),
                &claims(SITE, now(), now() + 60),
                "demo-secret-not-for-real-visitors",
            ),
            "member_token_unknown_key",
        ),
        (
            with_claims(json!({ "sub": "", "aud": SITE, "iat": now(), "exp": now() + 60 })),
            "member_token_invalid_claim",
        ),
        (
            with_claims(json!({ "sub": "al\nice", "aud": SITE, "iat": now(), "exp": now() + 60 })),
            "member_token_invalid_claim",
        ),
        (
            with_claims(
                json!({ "sub": "alice", "aud": SITE, "iat": now(), "exp": now() + 60, "birthday": "1990-02-30" }),
            ),
            "member_token_invalid_claim",
        ),
        (
            with_claims(
                json!({ "sub": "alice", "aud": SITE, "iat": now(), "exp": now() + 60, "name": "x".repeat(101) }),
            ),
            "member_token_invalid_claim",
        ),
        (
            with_claims(
                json!({ "sub": "alice", "aud": [SITE, "other"], "iat": now(), "exp": now() + 60, "nbf": now() + 600 }),
            ),
            "member_token_not_yet_valid",
        ),
    ];
    for (token, code) in cases {
        let response = app.start_session(json!({ "member_token": token })).await;
        assert_eq!(error_code(response, 401).await, code);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

fn with_claims(claims: serde_json::Value) -> String {
    member_token::sign(
        &json!({ "alg": "HS256", "typ": "JWT", "kid": "demo" }),
        &claims,
        "demo-secret-not-for-real-visitors",
    )
}

/// A site rotating its secret lists the old and the new one; tokens signed with either work,
/// tokens without a `kid` are tried against both, and a retired secret stops working.
#[tokio::test]
async fn tokens_signed_with_either_rotated_secret_are_accepted() {
    let app = spawn_app_with(
        r#"[[sites]]
        key = "rotating"
        allowed_origins = ["http://localhost:*"]
        member_token_secrets = [{ kid = "2026-10", secret = "old-secret-0123456789abcdef0123456789" }, { kid = "2026-11", secret = "new-secret-0123456789abcdef0123456789" }]
        tiers = [{ name = "Member", threshold = 0 }]"#,
    )
    .await;
    let claims = |sub: &str| json!({ "sub": sub, "aud": "rotating", "iat": now(), "exp": now() + 600, "locale": "zh-TW", "birthday": "1988-07-14" });
    let session = async |token: String| {
        let body = json!({ "site": "rotating", "visitor_id": VISITOR, "member_token": token });
        app.post("/v1/session", &body).await
    };
    for (header, secret, sub) in [
        (
            json!({ "alg": "HS256", "kid": "2026-10" }),
            "old-secret-0123456789abcdef0123456789",
            "m-old",
        ),
        (
            json!({ "alg": "HS256", "kid": "2026-11" }),
            "new-secret-0123456789abcdef0123456789",
            "m-new",
        ),
        (
            json!({ "alg": "HS256" }),
            "new-secret-0123456789abcdef0123456789",
            "m-nokid",
        ),
    ] {
        let response = session(member_token::sign(&header, &claims(sub), secret)).await;
        assert_eq!(response.status(), 200, "{header} {secret}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["locale"], "zh-TW", "the token's locale counts");
        assert_eq!(body["member"]["tier"]["name"], "Member");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM members WHERE site = 'rotating' AND birthday = '1988-07-14'")
            .await,
        3
    );
    let crossed = member_token::sign(
        &json!({ "alg": "HS256", "kid": "2026-11" }),
        &claims("m"),
        "old-secret-0123456789abcdef0123456789",
    );
    assert_eq!(
        error_code(session(crossed).await, 401).await,
        "member_token_bad_signature"
    );
    let retired = member_token::sign(
        &json!({ "alg": "HS256", "kid": "2026-09" }),
        &claims("m"),
        "older-secret",
    );
    assert_eq!(
        error_code(session(retired).await, 401).await,
        "member_token_unknown_key"
    );
}

/// Anonymous visitors see the site's join invitation or no badge, as the site configures.
#[tokio::test]
async fn anonymous_visitors_get_the_join_link_or_no_badge_as_configured() {
    let app = spawn_app_with(
        r#"[[sites]]
        key = "joinable"
        allowed_origins = ["http://localhost:*"]
        member_token_secrets = [{ kid = "k", secret = "joinable-secret-0123456789abcdef012345" }]
        [sites.loyalty]
        anonymous = "join"
        join_url = "https://shop.example/join"
        [[sites]]
        key = "quiet"
        allowed_origins = ["http://localhost:*"]
        [sites.loyalty]
        anonymous = "hidden""#,
    )
    .await;
    let start = async |site: &'static str, token: Option<String>| {
        let body = json!({ "site": site, "visitor_id": VISITOR, "member_token": token });
        app.post("/v1/session", &body).await
    };
    let joinable: serde_json::Value = start("joinable", None).await.json().await.unwrap();
    assert_eq!(
        (joinable["join_url"].as_str(), joinable["hide_badge"].as_bool()),
        (Some("https://shop.example/join"), Some(false))
    );
    let quiet: serde_json::Value = start("quiet", None).await.json().await.unwrap();
    assert_eq!(
        (quiet["join_url"].clone(), quiet["hide_badge"].as_bool()),
        (serde_json::Value::Null, Some(true))
    );
    let member = with_secret("joinable", "joinable-secret-0123456789abcdef012345");
    let member: serde_json::Value = start("joinable", Some(member)).await.json().await.unwrap();
    assert_eq!(
        (member["join_url"].clone(), member["hide_badge"].as_bool()),
        (serde_json::Value::Null, Some(false))
    );
    assert_eq!(member["member"]["points"], 0);
}

fn with_secret(site: &str, secret: &str) -> String {
    member_token::sign(
        &json!({ "alg": "HS256" }),
        &json!({ "sub": "m1", "aud": site, "iat": now(), "exp": now() + 60 }),
        secret,
    )
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
