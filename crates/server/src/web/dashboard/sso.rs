//! The dashboard's side of sign-in through the identity provider: off to the provider, and
//! back. The person's roles come from the provider's claims at every sign-in.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{credential_of, language, open_session, safe_next};
use super::html::escape;
use super::i18n::{Texts, texts};
use crate::features::sso::SsoError;
use crate::features::staff::store as staff_store;
use crate::platform::clock::now_ms;
use crate::web::error::ApiError;
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Start {
    pub next: Option<String>,
}

pub async fn start(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<Start>) -> Response {
    let t = texts(language(&headers, None).0);
    let Some(sso) = &state.sso else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match sso.start(&state.db, safe_next(query.next.as_deref()), now_ms()).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) => failed(t, &error),
    }
}

#[derive(Debug, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
}

pub async fn callback(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<Callback>) -> Response {
    let t = texts(language(&headers, None).0);
    let Some(sso) = &state.sso else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // The provider said no (the person cancelled, or is not allowed): no code to exchange.
    let (Some(code), Some(attempt)) = (query.code, query.state) else {
        return failed(t, &SsoError::Rejected("the provider sent no code".into()));
    };
    let now = now_ms();
    let signed_in = match sso.finish(&state.db, &attempt, &code, now).await {
        Ok(signed_in) => signed_in,
        Err(error) => return failed(t, &error),
    };
    if signed_in.roles.is_empty() {
        return page(t, StatusCode::FORBIDDEN, t.sso_no_role);
    }
    let recorded = async {
        let mut tx = state.writer.begin().await?;
        let id = staff_store::upsert_sso(&mut tx, &signed_in.login, &signed_in.subject, now).await?;
        staff_store::replace_sso_roles(&mut tx, id, &signed_in.roles, now).await?;
        tx.commit().await?;
        let credential = credential_of(&state, &signed_in.login).await?;
        match credential {
            Some(credential) => open_session(&state, &signed_in.login, &credential, signed_in.expires_at).await,
            None => Ok(None),
        }
    };
    match recorded.await {
        // A page of our own moves them on: a Strict cookie set at the end of a cross-site
        // redirect chain would not be sent on a further redirect.
        Ok(Some(cookie)) => {
            let next = escape(safe_next(Some(&signed_in.next)));
            let body = format!(
                r#"<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={next}"><title>{0}</title></head><body><p>{0} <a href="{next}">{1}</a></p></body></html>"#,
                t.signing_in, t.continue_label
            );
            ([(header::SET_COOKIE, cookie)], Html(body)).into_response()
        }
        Ok(None) => page(t, StatusCode::FORBIDDEN, t.sso_no_role),
        Err(error) => ApiError::from(error).into_response(),
    }
}

fn failed(t: &Texts, error: &SsoError) -> Response {
    match error {
        SsoError::Database(_) | SsoError::Provider(_) => {
            tracing::warn!(%error, "sign-in through the identity provider failed")
        }
        SsoError::UnknownAttempt | SsoError::Rejected(_) => {
            tracing::info!(%error, "a sign-in through the identity provider was refused")
        }
    }
    let status = match error {
        SsoError::Provider(_) => StatusCode::BAD_GATEWAY,
        SsoError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    page(t, status, t.sso_failed)
}

fn page(t: &Texts, status: StatusCode, message: &str) -> Response {
    let body = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{title}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head><body class="login"><main><p class="error" role="alert">{message}</p><p><a href="/dashboard/login">{sign_in}</a></p></main></body></html>"#,
        title = t.title,
        sign_in = t.sign_in,
    );
    (status, Html(body)).into_response()
}
