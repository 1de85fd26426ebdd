//! Dashboard sign-in: the admin key or a staff password (argon2) gives a session cookie
//! (`HttpOnly`, `SameSite=Strict`, `Secure` over https) whose token only the database knows,
//! hashed. Every state-changing request must carry the session's CSRF token and must not
//! come from another site.

use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use moments_protocol::Locale;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::html::{escape, urlencode};
use super::i18n::{Texts, texts};
use crate::config::ADMIN_STAFF_NAME as ADMIN;
use crate::features::audit::{Actor, Origin};
use crate::features::site_keys::Scopes;
use crate::features::staff::Role;
use crate::features::staff::store::{self as staff_store, SiteRole};
use crate::features::staff_sessions;
use crate::platform::clock::now_ms;
use crate::web::observe::RequestId;
use crate::web::state::{AppState, ClientAddress};

const COOKIE: &str = "moments_staff";
const LANGUAGE_COOKIE: &str = "moments_lang";
const SESSION_MS: i64 = 12 * 3_600_000;

/// Who a staff name is, and what their session was opened with: a session whose credential
/// no longer matches (an account removed, a password or the admin key changed, a person
/// removed from every site and invited again) is over.
async fn identify(state: &AppState, staff: &str) -> Result<Option<(String, Access)>, sqlx::Error> {
    let presented = if staff == ADMIN {
        state
            .admin_key
            .as_ref()
            .map(|key| (format!("admin-key:{}", hash(&key.fingerprint())), Access::Operator))
    } else if let Some(account) = state.staff.iter().find(|s| s.name == staff) {
        Some((format!("password:{}", hash(&account.password_hash)), Access::Operator))
    } else {
        match staff_store::by_login(&state.db, staff).await? {
            Some(member) => {
                let credential = match (&member.password_hash, &member.sso_subject) {
                    (Some(password), _) => Some(format!("staff:{}:{}", member.id, hash(password))),
                    (None, Some(subject)) => Some(format!("sso:{}:{subject}", member.id)),
                    (None, None) => None,
                };
                match credential {
                    Some(credential) => {
                        let roles = staff_store::roles(&state.db, member.id).await?;
                        Some((credential, Access::Member { id: member.id, roles }))
                    }
                    None => None,
                }
            }
            None => None,
        }
    };
    Ok(presented.map(|(credential, access)| (hash(&credential), access)))
}

/// What a signed-in person may reach: every site (the admin key, config-file staff), or the
/// sites they have a role on.
#[derive(Debug, Clone)]
pub enum Access {
    Operator,
    Member { id: i64, roles: Vec<SiteRole> },
}

impl Access {
    pub fn role_on(&self, site: &str) -> Option<Role> {
        match self {
            Access::Operator => Some(Role::Owner),
            Access::Member { roles, .. } => roles.iter().find(|r| r.site == site).map(|r| r.role),
        }
    }

    pub fn scopes_on(&self, site: &str) -> Scopes {
        self.role_on(site).map(Role::scopes).unwrap_or_default()
    }
}

/// A signed-in staff member.
pub struct Staff {
    pub name: String,
    pub csrf: String,
    pub access: Access,
    /// Who they are and where this request came from, for the audit trail.
    pub origin: Origin,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

use crate::platform::hashed_key::sha256_hex as hash;
use crate::platform::random::token as random_token;

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let db_error = |e: sqlx::Error| crate::web::error::ApiError::from(e).into_response();
        let found = match cookie(&parts.headers, COOKIE) {
            Some(token) => staff_sessions::session(&state.db, &hash(token), now_ms())
                .await
                .map_err(db_error)?,
            None => None,
        };
        let found = match found {
            Some(session) => match identify(state, &session.staff).await.map_err(db_error)? {
                Some((credential, access)) if credential == session.credential => Some((session, access)),
                _ => {
                    staff_sessions::end_session(&state.db, &session.token_hash)
                        .await
                        .map_err(db_error)?;
                    None
                }
            },
            None => None,
        };
        match found {
            Some((session, access)) => Ok(Staff {
                origin: Origin {
                    actor: Actor::Staff {
                        name: session.staff.clone(),
                    },
                    request_id: parts.extensions.get::<RequestId>().map(|id| id.0.clone()),
                    client_address: Some(
                        ClientAddress::of(&parts.headers, &parts.extensions, &state.limits)
                            .0
                            .to_string(),
                    ),
                },
                name: session.staff,
                csrf: session.csrf,
                access,
            }),
            None if parts.method == Method::GET => {
                let next = parts.uri.path_and_query().map_or("/dashboard", |p| p.as_str());
                Err(Redirect::to(&format!("/dashboard/login?next={}", urlencode(next))).into_response())
            }
            None => Err(refused(&parts.headers, StatusCode::FORBIDDEN)),
        }
    }
}

/// A request that is not the dashboard's own: another site's form, a missing or wrong token.
pub fn refused(headers: &HeaderMap, status: StatusCode) -> Response {
    refused_with(headers, status, |t| t.refused)
}

/// A short page saying why not, in the person's language.
pub fn refused_with(headers: &HeaderMap, status: StatusCode, why: fn(&Texts) -> &'static str) -> Response {
    let t = texts(language(headers, None).0);
    (status, Html(format!(r#"<!doctype html><html><head><meta charset="utf-8"><title>{0}</title></head><body><p>{0}</p><p><a href="/dashboard">{1}</a></p></body></html>"#, why(t), t.title))).into_response()
}

/// Same-site only: browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`).
fn from_this_site(headers: &HeaderMap, state: &AppState) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return false;
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin == state.public_url.as_ref() || fetch_site == Some("same-origin"),
        None => true,
    }
}

/// The CSRF check of every state-changing form.
#[allow(clippy::result_large_err)] // the refusal is the page answered, built once per refused form
pub fn check_form(staff: &Staff, presented: &str, headers: &HeaderMap, state: &AppState) -> Result<(), Response> {
    let token_ok: bool = staff.csrf.as_bytes().ct_eq(presented.as_bytes()).into();
    if token_ok && from_this_site(headers, state) {
        Ok(())
    } else {
        Err(refused(headers, StatusCode::FORBIDDEN))
    }
}

/// The dashboard's language: `?lang=`, else the cookie it set, else the browser's
/// `Accept-Language`. Returns the cookie to set when `?lang=` chose.
pub fn language(headers: &HeaderMap, asked: Option<&str>) -> (Locale, Option<HeaderValue>) {
    if let Some(locale) = asked.and_then(Locale::from_tag) {
        let value = format!(
            "{LANGUAGE_COOKIE}={}; Path=/dashboard; Max-Age=31536000; SameSite=Lax",
            locale.tag()
        );
        return (locale, HeaderValue::from_str(&value).ok());
    }
    if let Some(locale) = cookie(headers, LANGUAGE_COOKIE).and_then(Locale::from_tag) {
        return (locale, None);
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let tags = accepted
        .split(',')
        .map(|part| part.split(';').next().unwrap_or("").trim())
        .filter(|t| !t.is_empty());
    (Locale::negotiate(tags, Locale::En), None)
}

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    pub next: Option<String>,
    pub lang: Option<String>,
}

/// Only our own pages: never an open redirect to another site, and only what a `Location`
/// header can carry (a browser sends a path percent-encoded, so anything else is made up).
pub fn safe_next(next: Option<&str>) -> &str {
    next.filter(|n| n.starts_with("/dashboard") && !n.starts_with("//") && !n.contains('\\'))
        .filter(|n| n.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("/dashboard")
}

fn login_page(t: &Texts, locale: Locale, next: &str, error: Option<&str>, sso: bool) -> String {
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{e}</p>"#))
        .unwrap_or_default();
    let sso = if sso {
        format!(
            r#"<p class="sso"><a href="/dashboard/sso?next={}">{}</a></p>"#,
            escape(&urlencode(next)),
            t.sso_sign_in
        )
    } else {
        String::new()
    };
    format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>{sign_in} · {title}</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body class="login"><main>
<h1>{title}</h1>
{error}
<form method="post" action="/dashboard/login">
<input type="hidden" name="next" value="{next}">
<label for="name">{staff_name}</label>
<input id="name" name="name" autocomplete="username">
<label for="password">{password}</label>
<input id="password" name="password" type="password" required autocomplete="current-password">
<button type="submit">{sign_in}</button>
</form>
{sso}
</main></body></html>"#,
        lang = locale.tag(),
        title = t.title,
        sign_in = t.sign_in,
        staff_name = t.staff_name,
        password = t.password,
        next = escape(next),
    )
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let (locale, set) = language(&headers, query.lang.as_deref());
    with_language(
        Html(login_page(
            texts(locale),
            locale,
            safe_next(query.next.as_deref()),
            None,
            state.sso.is_some(),
        ))
        .into_response(),
        set,
    )
}

pub fn with_language(mut response: Response, set: Option<HeaderValue>) -> Response {
    if let Some(value) = set {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Debug, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub next: Option<String>,
}

/// Signs in, or answers 401 with the form and what went wrong; after ten failures in fifteen
/// minutes from one address or for one name, 429 until the window has passed.
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    Form(credentials): Form<Credentials>,
) -> Response {
    let (locale, _) = language(&headers, None);
    let t = texts(locale);
    if !from_this_site(&headers, &state) {
        return refused(&headers, StatusCode::FORBIDDEN);
    }
    let name = credentials.name.trim();
    let staff_name = if name.is_empty() { ADMIN } else { name };
    let now = now_ms();
    let keys = [format!("address:{}", client.0), format!("name:{staff_name}")];
    let next = safe_next(credentials.next.as_deref());
    let db_error = |e: sqlx::Error| crate::web::error::ApiError::from(e).into_response();
    match staff_sessions::blocked_for(&state.db, &keys, now).await {
        Ok(Some(wait_ms)) => {
            let secs = (wait_ms + 999) / 1000;
            let mut page = (
                StatusCode::TOO_MANY_REQUESTS,
                Html(login_page(
                    t,
                    locale,
                    next,
                    Some(t.too_many_attempts),
                    state.sso.is_some(),
                )),
            )
                .into_response();
            page.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            return page;
        }
        Ok(None) => {}
        Err(error) => return db_error(error),
    }
    let verified = if name.is_empty() {
        state
            .admin_key
            .as_ref()
            .is_some_and(|key| key.accepts(&credentials.password))
    } else {
        let account = match state.staff.iter().find(|s| s.name == name) {
            Some(account) => Some(account.password_hash.clone()),
            None => match staff_store::by_login(&state.db, &name.to_lowercase()).await {
                Ok(member) => member.and_then(|m| m.password_hash),
                Err(error) => return db_error(error),
            },
        };
        match state.sign_in.verify(account.as_deref(), &credentials.password).await {
            Ok(verified) => verified,
            Err(staff_sessions::TooManySignIns) => {
                return crate::web::error::ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    "too many sign-ins at once; try again shortly",
                )
                .into_response();
            }
        }
    };
    // Config-file names are as written; database logins are lowercase.
    let staff_name = if state.staff.iter().any(|s| s.name == staff_name) || staff_name == ADMIN {
        staff_name.to_owned()
    } else {
        staff_name.to_lowercase()
    };
    let staff_name = staff_name.as_str();
    let credential = match verified {
        true => match identify(&state, staff_name).await {
            Ok(found) => found.map(|(credential, _)| credential),
            Err(error) => return db_error(error),
        },
        false => None,
    };
    let Some(credential) = credential else {
        if let Err(error) = staff_sessions::record_failure(&state.db, &keys, now).await {
            return db_error(error);
        }
        return (
            StatusCode::UNAUTHORIZED,
            Html(login_page(t, locale, next, Some(t.wrong_password), state.sso.is_some())),
        )
            .into_response();
    };
    let cookie = match open_session(&state, staff_name, &credential, now + SESSION_MS).await {
        Ok(cookie) => cookie,
        Err(error) => return db_error(error),
    };
    let mut response = Redirect::to(next).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A new dashboard session for `staff`, ending at `expires_at` or after 12 hours, whichever is
/// sooner: the cookie to set.
pub async fn open_session(
    state: &AppState,
    staff: &str,
    credential: &str,
    expires_at: i64,
) -> Result<Option<HeaderValue>, sqlx::Error> {
    let now = now_ms();
    let expires_at = expires_at.min(now + SESSION_MS);
    let (token, csrf) = (random_token(), random_token());
    let session = staff_sessions::NewSession {
        token_hash: &hash(&token),
        staff,
        csrf: &csrf,
        credential,
        now,
        expires_at,
    };
    staff_sessions::start_session(&state.db, &session).await?;
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={token}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        ((expires_at - now) / 1000).max(1)
    );
    Ok(HeaderValue::from_str(&cookie).ok())
}

/// The credential a session for `staff` is opened with now (none: no such account).
pub async fn credential_of(state: &AppState, staff: &str) -> Result<Option<String>, sqlx::Error> {
    Ok(identify(state, staff).await?.map(|(credential, _)| credential))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refusal) = check_form(&staff, &form.csrf, &headers, &state) {
        return refusal;
    }
    if let Some(token) = cookie(&headers, COOKIE) {
        let _ = staff_sessions::end_session(&state.db, &hash(token)).await;
    }
    let mut response = Redirect::to("/dashboard/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("moments_staff=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dashboard_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/dashboard/demo/feedback?scale=nps")),
            "/dashboard/demo/feedback?scale=nps"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/dashboard");
        assert_eq!(safe_next(Some("//evil.example/dashboard")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
        assert_eq!(safe_next(Some("/dashboard\n")), "/dashboard");
        assert_eq!(safe_next(Some("/dashboard/a b")), "/dashboard");
    }

    #[test]
    fn the_language_follows_the_query_then_the_cookie_then_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("zh-HK,zh;q=0.9,en;q=0.5"),
        );
        assert_eq!(language(&headers, None).0, Locale::ZhTw);
        headers.insert(header::COOKIE, HeaderValue::from_static("other=1; moments_lang=zh-CN"));
        assert_eq!(language(&headers, None).0, Locale::ZhCn);
        let (locale, set) = language(&headers, Some("en"));
        assert_eq!(locale, Locale::En);
        assert!(set.is_some());
    }
}
