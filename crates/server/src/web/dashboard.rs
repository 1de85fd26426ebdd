//! The dashboard at `/dashboard`: what customers said and which message wins, for a site's
//! staff. Pages are HTML made here (no script at all, so a strict CSP covers them); charts
//! are SVG drawn here.

pub mod auth;
pub mod charts;
pub mod html;
pub mod i18n;
pub mod invite;
pub mod pages;
pub mod sso;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use self::auth::Staff;
use self::html::Frame;
use crate::features::sites::Site;
use crate::web::state::AppState;

const STYLESHEET: &str = include_str!("dashboard/dashboard.css");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(first_site))
        .route("/dashboard/", get(first_site))
        .route("/dashboard/login", get(auth::login_form).post(auth::login))
        .route("/dashboard/logout", post(auth::logout))
        .route("/dashboard/assets/dashboard.css", get(stylesheet))
        .route("/dashboard/{site}", get(pages::overview::overview))
        .route("/dashboard/{site}/loyalty", get(pages::loyalty::loyalty))
        .route("/dashboard/{site}/loyalty.csv", get(pages::loyalty::loyalty_csv))
        .route("/dashboard/{site}/experiments", get(pages::experiments::list))
        .route("/dashboard/{site}/experiments/{key}", get(pages::experiments::detail))
        .route("/dashboard/{site}/experiments/{key}/start", post(pages::experiments::start))
        .route("/dashboard/{site}/experiments/{key}/stop", post(pages::experiments::stop))
        .route("/dashboard/{site}/feedback", get(pages::feedback::inbox))
        .route("/dashboard/{site}/feedback.csv", get(pages::feedback::export))
        .route("/dashboard/{site}/themes.csv", get(pages::themes::export))
        .route("/dashboard/{site}/recovery", get(pages::recovery::cases))
        .route("/dashboard/{site}/referrals", get(pages::referrals::page))
        .route("/dashboard/{site}/referrals.csv", get(pages::referrals::export))
        .route("/dashboard/{site}/referrals/{id}/{decision}", post(pages::referrals::decide))
        .route("/dashboard/{site}/support", get(pages::support::support))
        .route("/dashboard/{site}/support.csv", get(pages::support::support_csv))
        .route("/dashboard/{site}/recovery/{id}/resolve", post(pages::recovery::resolve))
        .route("/dashboard/invite/{token}", get(invite::invitation).post(invite::accept))
        .route("/dashboard/sso", get(sso::start))
        .route("/dashboard/sso/callback", get(sso::callback))
        .route("/dashboard/{site}/audit", get(pages::audit::page))
        .route("/dashboard/{site}/audit.csv", get(pages::audit::export))
        .route("/dashboard/{site}/keys", get(pages::keys::page).post(pages::keys::create))
        .route("/dashboard/{site}/keys/{id}/rotate", post(pages::keys::rotate))
        .route("/dashboard/{site}/keys/{id}/revoke", post(pages::keys::revoke))
        .route("/dashboard/{site}/staff", get(pages::staff::page))
        .route("/dashboard/{site}/staff/invite", post(pages::staff::invite))
        .route("/dashboard/{site}/staff/{id}/role", post(pages::staff::change_role))
        .route("/dashboard/{site}/staff/{id}/remove", post(pages::staff::remove))
        .route("/dashboard/{site}/webhooks", get(pages::webhooks::page))
        .route("/dashboard/{site}/webhooks/{endpoint}/pause", post(pages::webhooks::pause))
        .route("/dashboard/{site}/webhooks/{endpoint}/deliveries/{id}/resend", post(pages::webhooks::resend))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
}

async fn first_site(state: axum::extract::State<AppState>, staff: Staff, headers: HeaderMap) -> Response {
    let first = state
        .sites
        .keys()
        .into_iter()
        .find(|s| staff.access.role_on(s).is_some());
    match first {
        Some(site) => Redirect::to(&format!("/dashboard/{}", html::urlencode(site))).into_response(),
        None => no_such_site(&headers),
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// A site the staff member works on; any other, existing or not, is not found.
#[allow(clippy::result_large_err)] // the refusal is the page answered
fn reachable_site<'a>(state: &'a AppState, access: &auth::Access, site: &str) -> Result<&'a Site, Response> {
    match state.sites.get(site) {
        Some(found) if access.role_on(&found.settings.key).is_some() => Ok(found),
        _ => Err(no_such_site_headers()),
    }
}

fn no_such_site_headers() -> Response {
    no_such_site(&HeaderMap::new())
}

fn no_such_site(headers: &HeaderMap) -> Response {
    let t = i18n::texts(auth::language(headers, None).0);
    (
        StatusCode::NOT_FOUND,
        Html(format!("<!doctype html><p>{}</p>", t.no_such_site)),
    )
        .into_response()
}

/// 403: the person's role on this site does not reach this page or action.
fn not_allowed(headers: &HeaderMap) -> Response {
    auth::refused_with(headers, StatusCode::FORBIDDEN, |t| t.not_allowed)
}

/// The checks of every state-changing form: the CSRF token, a site the person works on, and a
/// role that may do `needs` there.
#[allow(clippy::result_large_err)] // the refusal is the page answered
pub fn authorize_form<'a>(
    state: &'a AppState,
    staff: &Staff,
    site: &str,
    csrf: &str,
    headers: &HeaderMap,
    needs: crate::features::site_keys::Scope,
) -> Result<&'a Site, Response> {
    auth::check_form(staff, csrf, headers, state)?;
    let site = reachable_site(state, &staff.access, site)?;
    if staff.access.scopes_on(&site.settings.key).contains(needs) {
        Ok(site)
    } else {
        Err(not_allowed(headers))
    }
}

/// Everything a page needs: the site, the staff member, the language, the frame.
pub struct PageContext<'a> {
    pub site: &'a Site,
    pub frame: Frame<'a>,
    set_language: Option<HeaderValue>,
}

impl<'a> PageContext<'a> {
    #[allow(clippy::result_large_err)] // the refusal is the page answered
    pub fn new(
        state: &'a AppState,
        site: &str,
        staff: &'a Staff,
        headers: &HeaderMap,
        lang: Option<&str>,
        section: &'a str,
        here: &'a str,
    ) -> Result<Self, Response> {
        let (locale, set_language) = auth::language(headers, lang);
        let site = reachable_site(state, &staff.access, site)?;
        if !staff
            .access
            .scopes_on(&site.settings.key)
            .contains(html::section_scope(section))
        {
            return Err(not_allowed(headers));
        }
        let frame = Frame {
            t: i18n::texts(locale),
            locale,
            site: &site.settings.key,
            sites: state
                .sites
                .keys()
                .into_iter()
                .filter(|s| staff.access.role_on(s).is_some())
                .collect(),
            scopes: staff.access.scopes_on(&site.settings.key),
            csrf: &staff.csrf,
            staff: &staff.name,
            section,
            here,
        };
        Ok(Self {
            site,
            frame,
            set_language,
        })
    }

    /// 400: the page's dates are out of range, said in the staff member's language.
    pub fn bad_range(self) -> Response {
        let t = self.frame.t;
        let mut response = self.render(t.bad_range, &format!("<p role=\"alert\">{}</p>", t.bad_range));
        *response.status_mut() = StatusCode::BAD_REQUEST;
        response
    }

    /// The figures are being computed for the first time (a big shop's take seconds): the page
    /// says so and reloads itself (a `Refresh` header: no script, no meta element).
    pub fn computing(self, heading: &str, before: &str) -> Response {
        self.computing_beside(heading, before, "")
    }

    /// `computing`, with `after` (what the page can show meanwhile) below the notice.
    pub fn computing_beside(self, heading: &str, before: &str, after: &str) -> Response {
        let t = self.frame.t;
        let body = format!(
            r#"{before}<p class="notice" role="status">{}</p><p><a href="{}">{}</a></p>{after}"#,
            html::escape(t.computing),
            html::escape(self.frame.here),
            html::escape(t.reload_now)
        );
        let mut response = self.render(heading, &body);
        response
            .headers_mut()
            .insert(axum::http::header::REFRESH, axum::http::HeaderValue::from_static("3"));
        response
    }

    pub fn render(self, heading: &str, body: &str) -> Response {
        auth::with_language(
            Html(html::page(&self.frame, heading, body)).into_response(),
            self.set_language,
        )
    }
}

/// This page's path and query without `lang=`, for the language links.
pub fn here(uri: &axum::http::Uri) -> String {
    let path = uri.path();
    let query: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}
