//! Member tokens and event proofs. Any string is refused or accepted without a panic; and
//! tokens signed with the site's secret over generated claims (times anywhere on the number
//! line, any audience, subject and extra claims) reach the claim checks, which must hold for
//! whatever they accept: the right site, a real member id, no life longer than an hour.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use moments_server::platform::signed_token::TokenSecret;
use moments_server::features::member_token;
use moments_server::platform::signed_token::{self, LEEWAY_SECS, MAX_LIFETIME_SECS, Rules};

const SECRET: &str = "fuzzing-secret-0123456789abcdef0123";
const NOW: i64 = 1_790_000_000;

#[derive(Debug, Arbitrary)]
struct Claims {
    /// Mostly this site: a signed token for another is refused before the rest is read.
    for_this_site: bool,
    aud: Option<String>,
    sub: Option<String>,
    iat: Option<i64>,
    exp: Option<i64>,
    nbf: Option<i64>,
    name: Option<String>,
    birthday: Option<String>,
    event: Option<String>,
    value: Option<f64>,
}

#[derive(Debug, Arbitrary)]
enum Input {
    /// Whatever a visitor could put in the page.
    Raw(String),
    /// What only the site's backend could sign.
    Signed(Claims),
}

fuzz_target!(|input: Input| {
    let secret = TokenSecret { kid: "k".into(), secret: SECRET.into() };
    let token = match input {
        Input::Raw(text) => text,
        Input::Signed(c) => {
            let aud = if c.for_this_site { Some("site".to_owned()) } else { c.aud };
            let mut claims = serde_json::json!({});
            let fields = [("aud", aud.map(Into::into)), ("sub", c.sub.map(Into::into)), ("iat", c.iat.map(Into::into)),
                ("exp", c.exp.map(Into::into)), ("nbf", c.nbf.map(Into::into)), ("name", c.name.map(Into::into)),
                ("birthday", c.birthday.map(Into::into)), ("event", c.event.map(Into::into)), ("value", c.value.map(Into::into))];
            for (key, value) in fields {
                if let Some(value) = value {
                    claims[key] = value;
                }
            }
            signed_token::sign(&claims, &secret)
        }
    };
    let secrets = [secret];
    if let Ok(member) = member_token::verify(&token, "site", &secrets, NOW) {
        assert!(!member.sub.is_empty() && member.sub.chars().count() <= 128, "{member:?}");
        let claims: serde_json::Value = signed_token::verify(&token, "site", &secrets, NOW, Rules { require_iat: true }).expect("verified twice alike");
        let exp = claims["exp"].as_i64().unwrap_or(i64::MIN);
        assert!(exp > NOW - LEEWAY_SECS && exp <= NOW + MAX_LIFETIME_SECS + LEEWAY_SECS, "accepted outside its lifetime: {claims}");
    }
    let _ = signed_token::verify::<serde_json::Value>(&token, "site", &secrets, NOW, Rules { require_iat: false });
});
