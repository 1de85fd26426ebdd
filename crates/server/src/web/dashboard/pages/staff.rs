//! The Staff page, for a site's owners: who works on the site and in which role; invite
//! someone (by email address or name: the page gives the link to send them), change a role,
//! remove someone. Every change goes into the audit trail.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::features::audit::{self, Change};
use crate::features::site_keys::Scope;
use crate::features::staff::store::{self, Listed};
use crate::features::staff::{INVITE_MS, Role, parse_login};
use crate::platform::clock::now_ms;
use crate::platform::hashed_key::sha256_hex;
use crate::web::dashboard::auth::{Staff, refused_with};
use crate::web::dashboard::html::{escape, table, urlencode};
use crate::web::dashboard::i18n::Texts;
use crate::web::dashboard::pages::experiments::Lang;
use crate::web::dashboard::{PageContext, authorize_form, here};
use crate::web::error::ApiError;
use crate::web::state::AppState;

fn db_error(e: sqlx::Error) -> Response {
    ApiError::from(e).into_response()
}

fn role_label(t: &Texts, role: Role) -> &'static str {
    match role {
        Role::Owner => t.role_owner,
        Role::Marketer => t.role_marketer,
        Role::Support => t.role_support,
        Role::Viewer => t.role_viewer,
    }
}

fn role_select(t: &Texts, id: &str, chosen: Option<Role>) -> String {
    let options: String = Role::ALL
        .iter()
        .map(|role| {
            let selected = if Some(*role) == chosen { " selected" } else { "" };
            format!(
                r#"<option value="{}"{selected}>{}</option>"#,
                role.name(),
                escape(role_label(t, *role))
            )
        })
        .collect();
    format!(
        r#"<label for="{id}">{}</label><select id="{id}" name="role">{options}</select>"#,
        t.role
    )
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

/// The page, with the link of an invitation just made.
async fn render(
    state: &AppState,
    staff: &Staff,
    site: &str,
    headers: &HeaderMap,
    lang: Option<&str>,
    here: &str,
    invite_link: Option<String>,
) -> Result<Response, Response> {
    let page = PageContext::new(state, site, staff, headers, lang, "staff", here)?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    let people = store::list(&state.db, key).await.map_err(db_error)?;
    let csrf = escape(&staff.csrf);
    let base = format!("/dashboard/{}/staff", urlencode(key));
    let mut body = format!(r#"<p class="notice">{}</p>"#, t.operators_note);
    if let Some(link) = invite_link {
        body.push_str(&format!(
            r#"<p class="notice" role="status">{} <code id="invite-link">{}</code></p>"#,
            t.invite_link,
            escape(&link)
        ));
    }
    body.push_str(&format!(
        r#"<form method="post" action="{base}/invite" class="invite"><input type="hidden" name="csrf" value="{csrf}">
<label for="login">{login}</label><input id="login" name="login" required maxlength="100" autocomplete="off">
{select}<button type="submit">{invite}</button></form>"#,
        login = t.login_name,
        select = role_select(t, "invite-role", Some(Role::Support)),
        invite = t.invite,
    ));
    if people.is_empty() {
        body.push_str(&format!("<p>{}</p>", t.no_staff));
    } else {
        let rows: Vec<Vec<String>> = people.iter().map(|p| row(t, &base, &csrf, p)).collect();
        body.push_str(&table(t.staff, &[t.login_name, t.role, t.change_role, t.remove], &rows));
    }
    Ok(page.render(t.staff, &body))
}

fn row(t: &Texts, base: &str, csrf: &str, person: &Listed) -> Vec<String> {
    let login = if person.invited {
        format!("{} <small>({})</small>", escape(&person.login), t.invited)
    } else {
        escape(&person.login)
    };
    let change = format!(
        r#"<form method="post" action="{base}/{id}/role" class="inline"><input type="hidden" name="csrf" value="{csrf}">{select}<button type="submit">{label}</button></form>"#,
        id = person.id,
        select = role_select(t, &format!("role-{}", person.id), Some(person.role)),
        label = t.change_role,
    );
    let remove = format!(
        r#"<form method="post" action="{base}/{id}/remove" class="inline"><input type="hidden" name="csrf" value="{csrf}"><button type="submit" aria-label="{label} {login}">{label}</button></form>"#,
        id = person.id,
        label = t.remove,
        login = escape(&person.login),
    );
    vec![login, escape(role_label(t, person.role)), change, remove]
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    pub csrf: String,
    pub login: String,
    pub role: String,
}

/// Gives someone a role on the site: a new person gets an invitation link (shown once, kept
/// hashed), someone already on another site's staff gets the role at once.
pub async fn invite(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<InviteForm>,
) -> Result<Response, Response> {
    let found = authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::KeysWrite)?;
    let key = found.settings.key.clone();
    let (Ok(login), Some(role)) = (parse_login(&form.login), Role::parse(&form.role)) else {
        return Err(StatusCode::UNPROCESSABLE_ENTITY.into_response());
    };
    if state.staff.iter().any(|s| s.name.to_lowercase() == login) {
        return Err(StatusCode::UNPROCESSABLE_ENTITY.into_response());
    }
    let now = now_ms();
    let token = crate::platform::random::token();
    let token_hash = sha256_hex(&token);
    let by = staff.origin.actor.label();
    let mut tx = state.writer.begin().await.map_err(db_error)?;
    let (id, needs_link) = match store::by_login(&mut *tx, &login).await.map_err(db_error)? {
        Some(member) => {
            let waiting = member.password_hash.is_none();
            if waiting {
                store::renew_invite(&mut tx, member.id, &token_hash, now + INVITE_MS)
                    .await
                    .map_err(db_error)?;
            }
            (member.id, waiting)
        }
        None => {
            let id = store::insert_invited(&mut tx, &login, &token_hash, now + INVITE_MS, &by, now)
                .await
                .map_err(db_error)?;
            (id, true)
        }
    };
    store::set_role(&mut tx, &key, id, role, &by, now)
        .await
        .map_err(db_error)?;
    let change = Change::new("staff.invite", "staff", login.as_str()).summary(format!("role {}", role.name()));
    audit::record(&mut tx, &key, &staff.origin, change, now)
        .await
        .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    let link = needs_link.then(|| format!("{}/dashboard/invite/{token}", state.public_url));
    let here = uri.path().trim_end_matches("/invite").to_owned();
    render(&state, &staff, &key, &headers, None, &here, link).await
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    pub csrf: String,
    pub role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<RoleForm>,
) -> Result<Response, Response> {
    let found = authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::KeysWrite)?;
    let key = found.settings.key.as_str();
    let Some(role) = Role::parse(&form.role) else {
        return Err(StatusCode::UNPROCESSABLE_ENTITY.into_response());
    };
    let now = now_ms();
    let mut tx = state.writer.begin().await.map_err(db_error)?;
    // Only someone already on this site's staff: a role here is never a way to reach another site's people.
    if store::role_on(&mut *tx, key, id).await.map_err(db_error)?.is_none() {
        return Err(refused_with(&headers, StatusCode::NOT_FOUND, |t| t.no_such_site));
    }
    store::set_role(&mut tx, key, id, role, &staff.origin.actor.label(), now)
        .await
        .map_err(db_error)?;
    let change = Change::new("staff.role", "staff", id.to_string()).summary(format!("role {}", role.name()));
    audit::record(&mut tx, key, &staff.origin, change, now)
        .await
        .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(Redirect::to(&format!("/dashboard/{}/staff", urlencode(key))).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn remove(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    let found = authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::KeysWrite)?;
    let key = found.settings.key.as_str();
    let now = now_ms();
    let mut tx = state.writer.begin().await.map_err(db_error)?;
    if store::remove(&mut tx, key, id).await.map_err(db_error)? {
        let change = Change::new("staff.remove", "staff", id.to_string());
        audit::record(&mut tx, key, &staff.origin, change, now)
            .await
            .map_err(db_error)?;
    }
    tx.commit().await.map_err(db_error)?;
    Ok(Redirect::to(&format!("/dashboard/{}/staff", urlencode(key))).into_response())
}
