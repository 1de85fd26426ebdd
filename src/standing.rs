//! The last standing (points, tier, progress) a member was shown, kept per site in
//! `localStorage` so the next page view draws the badge at once, before the backend answers.
//! Kept for the one member whose token's subject it names, so another member on the same
//! browser never sees it; the token itself is never stored; a page view with no token
//! (signed out) drops it.

use js_sys::{Object, Reflect};
use moments_protocol::Locale;
use moments_protocol::wire::MemberSummary;

use crate::browser;

const PREFIX: &str = "moments:standing:";

/// A standing drawn from the cache, in the language it was shown in.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub locale: Locale,
    pub member: MemberSummary,
}

fn key(site: &str) -> String {
    let mut key = String::from(PREFIX);
    key.push_str(site);
    key
}

/// The `sub` claim of a member token (a JWT). Unverified: it only picks which cached standing
/// is this browser's member's; the server checks the token itself.
fn subject(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let mut base64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !base64.len().is_multiple_of(4) {
        base64.push('=');
    }
    let json = browser::window()?.atob(&base64).ok()?;
    crate::decode::string(&js_sys::JSON::parse(&json).ok()?, "sub")
}

/// The standing kept for the member `token` names on `site`; with no token, forgets it.
pub fn load(site: &str, token: Option<&str>) -> Option<Standing> {
    let Some(token) = token else {
        browser::storage_remove(&key(site));
        return None;
    };
    let kept = js_sys::JSON::parse(&browser::storage_get(&key(site))?).ok()?;
    if crate::decode::string(&kept, "sub")? != subject(token)? {
        return None;
    }
    Some(Standing {
        locale: Locale::from_wire_tag(&crate::decode::string(&kept, "locale")?)?,
        member: crate::decode::member(&Reflect::get(&kept, &"member".into()).ok()?)?,
    })
}

/// Keeps `member`'s standing for the next page view (the balance, tier and progress only, never
/// the name, history or codes), or forgets it when there is no member: anonymous, or a token
/// the server refused.
pub fn save(site: &str, token: Option<&str>, locale: Locale, member: Option<&MemberSummary>) {
    let stored = (|| {
        let sub = subject(token?)?;
        let kept = Object::new();
        Reflect::set(&kept, &"sub".into(), &sub.into()).ok()?;
        Reflect::set(&kept, &"locale".into(), &locale.tag().into()).ok()?;
        Reflect::set(&kept, &"member".into(), &crate::encode::standing(member?)).ok()?;
        let text: String = js_sys::JSON::stringify(&kept).ok()?.into();
        browser::storage_set(&key(site), &text).then_some(())
    })();
    if stored.is_none() {
        browser::storage_remove(&key(site));
    }
}
