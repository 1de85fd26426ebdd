//! The API keys page, for a site's owners: the keys a shop's backend uses, with their scopes
//! and last use; create one (its secret shown this once), rotate, revoke.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::features::site_keys::{self, Issue, KeyRecord, Scope, Scopes, store};
use crate::platform::clock::{day_start_ms, now_ms, parse_day};
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::html::{escape, table, time, urlencode};
use crate::web::dashboard::i18n::Texts;
use crate::web::dashboard::pages::experiments::Lang;
use crate::web::dashboard::{PageContext, authorize_form, here};
use crate::web::error::ApiError;
use crate::web::state::AppState;

fn db_error(e: sqlx::Error) -> Response {
    ApiError::from(e).into_response()
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    render(&state, &staff, &site, &headers, q.lang.as_deref(), &here(&uri), None).await
}

async fn render(
    state: &AppState,
    staff: &Staff,
    site: &str,
    headers: &HeaderMap,
    lang: Option<&str>,
    here: &str,
    secret: Option<&str>,
) -> Result<Response, Response> {
    let page = PageContext::new(state, site, staff, headers, lang, "keys", here)?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    let keys = store::list(&state.db, key).await.map_err(db_error)?;
    let csrf = escape(&staff.csrf);
    let base = format!("/dashboard/{}/keys", urlencode(key));
    let mut body = String::new();
    if let Some(secret) = secret {
        body.push_str(&format!(
            r#"<p class="notice" role="status">{} <code id="new-secret">{}</code></p>"#,
            t.secret_once,
            escape(secret)
        ));
    }
    let boxes: String = Scope::ALL
        .iter()
        .map(|s| {
            format!(
                r#"<label><input type="checkbox" name="scope" value="{0}"> <code>{0}</code></label> "#,
                s.name()
            )
        })
        .collect();
    body.push_str(&format!(
        r#"<form method="post" action="{base}" class="filters"><input type="hidden" name="csrf" value="{csrf}">
<label>{name} <input name="name" required maxlength="100"></label>
<fieldset><legend>{scopes}</legend>{boxes}</fieldset>
<label>{expires} <input type="date" name="expires"></label>
<button type="submit">{create}</button></form>"#,
        name = t.key_name,
        scopes = t.scopes,
        expires = t.expires,
        create = t.create_key,
    ));
    if keys.is_empty() {
        body.push_str(&format!("<p>{}</p>", t.no_keys));
    } else {
        let rows: Vec<Vec<String>> = keys.iter().map(|k| row(t, &base, &csrf, k)).collect();
        body.push_str(&table(
            t.keys,
            &[t.key_name, t.scopes, t.last_used, t.expires, t.rotate, t.revoke],
            &rows,
        ));
    }
    Ok(page.render(t.keys, &body))
}

fn row(t: &Texts, base: &str, csrf: &str, k: &KeyRecord) -> Vec<String> {
    let button = |action: &str, label: &str| {
        format!(
            r#"<form method="post" action="{base}/{id}/{action}" class="inline"><input type="hidden" name="csrf" value="{csrf}"><button type="submit" aria-label="{label} {name}">{label}</button></form>"#,
            id = k.id,
            name = escape(&k.name),
        )
    };
    let live = k.revoked_at.is_none();
    vec![
        format!("{} <small><code>{}…</code></small>", escape(&k.name), escape(&k.prefix)),
        k.scopes
            .names()
            .iter()
            .map(|s| format!("<code>{s}</code>"))
            .collect::<Vec<_>>()
            .join(" "),
        k.last_used_at.map_or_else(|| t.never.to_owned(), time),
        match (k.revoked_at, k.expires_at) {
            (Some(at), _) => format!("{} {}", t.revoked, time(at)),
            (None, Some(at)) => time(at),
            (None, None) => t.never.to_owned(),
        },
        if live {
            button("rotate", t.rotate)
        } else {
            String::new()
        },
        if live {
            button("revoke", t.revoke)
        } else {
            String::new()
        },
    ]
}

/// The form's fields as sent: `scope` comes once per ticked box, which a struct cannot take.
struct NewKeyForm {
    csrf: String,
    name: String,
    scope: Vec<String>,
    expires: String,
}

impl NewKeyForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = NewKeyForm {
            csrf: String::new(),
            name: String::new(),
            scope: Vec::new(),
            expires: String::new(),
        };
        for (field, value) in pairs {
            match field.as_str() {
                "csrf" => form.csrf = value,
                "name" => form.name = value,
                "scope" => form.scope.push(value),
                "expires" => form.expires = value,
                _ => {}
            }
        }
        form
    }
}

pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let form = NewKeyForm::from_pairs(pairs);
    let found = authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::KeysWrite)?;
    let key = found.settings.key.clone();
    let invalid =
        || crate::web::dashboard::auth::refused_with(&headers, StatusCode::UNPROCESSABLE_ENTITY, |t| t.key_invalid);
    let (Ok(name), Ok(scopes)) = (site_keys::parse_name(&form.name), Scopes::parse(&form.scope)) else {
        return Err(invalid());
    };
    let now = now_ms();
    let expires_at = match form.expires.trim() {
        "" => None,
        day => match parse_day(Some(day)) {
            Some(day) if day_start_ms(day) > now => Some(day_start_ms(day)),
            _ => return Err(invalid()),
        },
    };
    let new = Issue {
        name: &name,
        scopes,
        expires_at,
        replacing: None,
    };
    let issued = site_keys::issue(&state.writer, &key, &staff.origin, &new, now)
        .await
        .map_err(db_error)?;
    let secret = issued.map(|(_, secret)| secret.expose().to_owned());
    render(&state, &staff, &key, &headers, None, uri.path(), secret.as_deref()).await
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

async fn this_sites_key(state: &AppState, site: &str, id: i64) -> Result<KeyRecord, Response> {
    store::find(&state.db, site, id)
        .await
        .map_err(db_error)?
        .ok_or_else(|| StatusCode::NOT_FOUND.into_response())
}

pub async fn rotate(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    let found = authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::KeysWrite)?;
    let site = found.settings.key.clone();
    let old = this_sites_key(&state, &site, id).await?;
    let new = Issue {
        name: &old.name,
        scopes: old.scopes,
        expires_at: old.expires_at,
        replacing: Some(old.id),
    };
    let issued = site_keys::issue(&state.writer, &site, &staff.origin, &new, now_ms())
        .await
        .map_err(db_error)?;
    let secret = issued.map(|(_, secret)| secret.expose().to_owned());
    let here = format!("/dashboard/{}/keys", urlencode(&site));
    render(&state, &staff, &site, &headers, None, &here, secret.as_deref()).await
}

pub async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    let found = authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::KeysWrite)?;
    let site = found.settings.key.clone();
    let key = this_sites_key(&state, &site, id).await?;
    site_keys::revoke(&state.writer, &site, &key, &staff.origin, now_ms())
        .await
        .map_err(db_error)?;
    Ok(Redirect::to(&format!("/dashboard/{}/keys", urlencode(&site))).into_response())
}
