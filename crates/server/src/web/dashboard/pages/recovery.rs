use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::platform::clock::now_ms;
use crate::web::dashboard::auth::{Staff, check_form};
use crate::web::dashboard::html::{escape, table, time};
use crate::web::dashboard::pages::experiments::Lang;
use crate::web::dashboard::{PageContext, here};
use crate::web::state::AppState;

/// Open cases first, newest first within each.
pub async fn cases(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, q.lang.as_deref(), "recovery", &here)?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    let cases = crate::features::recovery::cases_open_first(&state.db, key, 200)
        .await
        .map_err(|e| crate::web::error::ApiError::from(e).into_response())?;
    let csrf = escape(&staff.csrf);
    let rows: Vec<Vec<String>> = cases
        .iter()
        .map(|c| {
            let action = if c.status == "open" {
                format!(
                    r#"<form method="post" action="/dashboard/{site}/recovery/{id}/resolve" class="resolve"><input type="hidden" name="csrf" value="{csrf}">
<label for="note-{id}">{note}</label><textarea id="note-{id}" name="note" required maxlength="2000" rows="2"></textarea><button type="submit">{resolve}</button></form>"#,
                    site = escape(key),
                    id = c.id,
                    note = t.note,
                    resolve = t.resolve,
                )
            } else {
                c.note.as_deref().map(escape).unwrap_or_default()
            };
            vec![
                format!(r#"<span id="case-{}">{}</span>"#, c.id, time(c.created_at)),
                if c.status == "open" { format!("<strong>{}</strong>", t.open) } else { t.resolved.into() },
                format!("{} <small>{}</small>", c.score, escape(&c.scale)),
                c.comment.as_deref().map(escape).unwrap_or_default(),
                c.member_id.as_deref().map_or_else(|| format!("<small>{}</small>", t.anonymous), escape),
                c.points.map(|p| p.to_string()).unwrap_or_default(),
                action,
            ]
        })
        .collect();
    let body = if rows.is_empty() {
        format!("<p>{}</p>", t.no_cases)
    } else {
        table(
            t.recovery,
            &[t.time, t.status, t.score, t.comment, t.member, t.points, t.note],
            &rows,
        )
    };
    Ok(page.render(t.recovery, &body))
}

#[derive(Debug, Deserialize)]
pub struct Resolution {
    pub csrf: String,
    pub note: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<Resolution>,
) -> Response {
    if let Err(refusal) = check_form(&staff, &form.csrf, &headers, &state) {
        return refusal;
    }
    let Some(site) = state.sites.get(&site) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let note = form.note.trim();
    if note.is_empty() || note.chars().count() > 2_000 {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    let by_staff = format!("{note} ({})", staff.name);
    match crate::features::recovery::resolve_now(&state.db, &site.settings.key, id, &by_staff, now_ms()).await {
        Ok(_) => Redirect::to(&format!("/dashboard/{}/recovery", site.settings.key)).into_response(),
        Err(e) => crate::web::error::ApiError::from(e).into_response(),
    }
}
