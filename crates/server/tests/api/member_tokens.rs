//! The slice's token checks; issue 4 widens this into the full matrix with key rotation.

use moments_server::member_token::{self, MemberClaims};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn bad_member_tokens_get_401_with_their_own_code() {
    let app = spawn_app().await;
    let alice = MemberClaims { sub: "alice".into(), name: None, locale: None, birthday: None };
    let secret = demo_secret();
    let claims = |aud: &str, iat: i64, exp: i64| json!({ "sub": "alice", "aud": aud, "iat": iat, "exp": exp });
    let header = json!({ "alg": "HS256", "typ": "JWT" });
    let good = token_for("alice", None);
    let tampered = {
        let mut parts: Vec<String> = good.split('.').map(String::from).collect();
        parts[1] = member_token::sign(&header, &claims(SITE, now(), now() + 60), "x").split('.').nth(1).unwrap().into();
        parts.join(".")
    };
    let unsigned = format!(
        "{}.{}.",
        base64_url(&json!({ "alg": "none" }).to_string()),
        base64_url(&claims(SITE, now(), now() + 60).to_string())
    );
    let cases = [
        ("garbage".to_owned(), "member_token_malformed"),
        (member_token::sign(&header, &claims(SITE, now(), now() + 60), "wrong-secret"), "member_token_bad_signature"),
        (tampered, "member_token_bad_signature"),
        (unsigned, "member_token_unsupported_algorithm"),
        (member_token::mint(&alice, SITE, &secret, now() - 7200, now() - 3600), "member_token_expired"),
        (member_token::mint(&alice, SITE, &secret, now() + 600, now() + 900), "member_token_not_yet_valid"),
        (member_token::mint(&alice, SITE, &secret, now(), now() + 7200), "member_token_lifetime_too_long"),
        (member_token::mint(&alice, "other-site", &secret, now(), now() + 60), "member_token_wrong_site"),
        (member_token::sign(&header, &json!({ "sub": "alice", "aud": SITE }), "demo-secret"), "member_token_missing_claim"),
    ];
    for (token, code) in cases {
        let response = app.start_session(json!({ "member_token": token })).await;
        assert_eq!(error_code(response, 401).await, code);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
