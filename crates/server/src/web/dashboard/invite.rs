//! Accepting an invitation: the link an owner sent opens a form to choose a password; once
//! chosen, the link works no more and the person signs in like anyone else.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::language;
use super::html::escape;
use super::i18n::{Texts, texts};
use crate::features::staff::{self, store};
use crate::platform::clock::now_ms;
use crate::platform::hashed_key::sha256_hex;
use crate::web::error::ApiError;
use crate::web::state::AppState;

fn form_page(t: &Texts, lang: &str, login: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{e}</p>"#))
        .unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>{heading} · {title}</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body class="login"><main>
<h1>{heading}</h1>
{error}
<form method="post">
<label for="name">{login_label}</label>
<input id="name" name="login" value="{login}" readonly autocomplete="username">
<label for="password">{password}</label>
<input id="password" name="password" type="password" required minlength="12" autocomplete="new-password">
<button type="submit">{sign_in}</button>
</form>
</main></body></html>"#,
        heading = t.choose_password,
        title = t.title,
        login_label = t.login_name,
        login = escape(login),
        password = t.password,
        sign_in = t.sign_in,
    )
}

fn expired(t: &Texts) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(format!("<!doctype html><p role=\"alert\">{}</p>", t.invite_expired)),
    )
        .into_response()
}

pub async fn invitation(State(state): State<AppState>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let locale = language(&headers, None).0;
    let t = texts(locale);
    match store::by_invite(&state.db, &sha256_hex(&token), now_ms()).await {
        Ok(Some(member)) => Html(form_page(t, locale.tag(), &member.login, None)).into_response(),
        Ok(None) => expired(t),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct Acceptance {
    pub password: String,
}

pub async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Acceptance>,
) -> Response {
    let locale = language(&headers, None).0;
    let t = texts(locale);
    let member = match store::by_invite(&state.db, &sha256_hex(&token), now_ms()).await {
        Ok(Some(member)) => member,
        Ok(None) => return expired(t),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let password = form.password;
    // argon2 is slow by design: off the request threads.
    let hashed = tokio::task::spawn_blocking(move || staff::hash_password(&password)).await;
    let hash = match hashed {
        Ok(Ok(hash)) => hash,
        Ok(Err(_)) => {
            let page = form_page(t, locale.tag(), &member.login, Some(t.password_too_short));
            return (StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response();
        }
        Err(_) => return ApiError::internal("hashing the password failed").into_response(),
    };
    match store::accept(&state.db, member.id, &hash).await {
        Ok(true) => Redirect::to("/dashboard/login").into_response(),
        Ok(false) => expired(t),
        Err(e) => ApiError::from(e).into_response(),
    }
}
