use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use moments_protocol::domain::MemberId;
use serde::Deserialize;

use crate::features::audit::{self, Change};
use crate::features::ledger::{AppendError, Appended};
use crate::features::recovery;
use crate::features::site_keys::Scope;
use crate::platform::clock::now_ms;
use crate::web::dashboard::auth::{Staff, language, refused_with};
use crate::web::dashboard::authorize_form;
use crate::web::dashboard::html::{escape, table, time};
use crate::web::dashboard::i18n::texts;
use crate::web::dashboard::pages::experiments::Lang;
use crate::web::dashboard::{PageContext, here};
use crate::web::error::ApiError;
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
    let may_give = staff.access.scopes_on(key).contains(Scope::PointsWrite);
    let limit = goodwill_limit(&staff, page.site);
    let rows: Vec<Vec<String>> = cases
        .iter()
        .map(|c| {
            let action = if c.status == "open" {
                format!(
                    r#"<form method="post" action="/dashboard/{site}/recovery/{id}/resolve" class="resolve"><input type="hidden" name="csrf" value="{csrf}">
<label for="note-{id}">{note}</label><textarea id="note-{id}" name="note" required maxlength="2000" rows="2"></textarea>{goodwill}<button type="submit">{resolve}</button></form>"#,
                    site = escape(key),
                    id = c.id,
                    note = t.note,
                    resolve = t.resolve,
                    goodwill = match (&c.member_id, may_give) {
                        (Some(_), true) => format!(
                            r#"<label for="goodwill-{id}">{label}</label><input id="goodwill-{id}" name="goodwill" type="number" min="0" max="{limit}" step="1" inputmode="numeric">"#,
                            id = c.id,
                            label = t.goodwill,
                        ),
                        _ => String::new(),
                    },
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

/// The most goodwill this person may give for one case: the site's limit for a capped role,
/// else the ledger's.
fn goodwill_limit(staff: &Staff, site: &crate::features::sites::Site) -> i64 {
    match staff.access.role_on(&site.settings.key) {
        Some(role) if role.goodwill_capped() => site.settings.recovery.staff_goodwill_limit,
        _ => moments_protocol::limits::MAX_POINTS_DELTA,
    }
}

#[derive(Debug, Deserialize)]
pub struct Resolution {
    pub csrf: String,
    pub note: String,
    /// Points to give the member with the resolution; empty: none.
    #[serde(default)]
    pub goodwill: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<Resolution>,
) -> Response {
    let site = match authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::RecoveryWrite) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let key = site.settings.key.as_str();
    let note = form.note.trim();
    if note.is_empty() || note.chars().count() > 2_000 {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    let t = texts(language(&headers, None).0);
    let goodwill = match form.goodwill.trim() {
        "" => 0,
        text => match text.parse::<i64>() {
            Ok(points) if points >= 0 => points,
            _ => return StatusCode::UNPROCESSABLE_ENTITY.into_response(),
        },
    };
    let may_give = staff.access.scopes_on(key).contains(Scope::PointsWrite);
    let limit = goodwill_limit(&staff, site);
    if goodwill > 0 && !may_give {
        return refused_with(&headers, StatusCode::FORBIDDEN, |t| t.not_allowed);
    }
    if goodwill > limit {
        let message = format!("{} {limit}", t.goodwill_over_limit);
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(format!("<!doctype html><p role=\"alert\">{}</p>", escape(&message))),
        )
            .into_response();
    }
    let member = match recovery::find(&state.db, key, id).await {
        Ok(case) => case.and_then(|c| c.member_id).and_then(|m| MemberId::parse(&m).ok()),
        Err(e) => return ApiError::from(e).into_response(),
    };
    if goodwill > 0 && member.is_none() {
        return refused_with(&headers, StatusCode::UNPROCESSABLE_ENTITY, |t| t.goodwill_needs_member);
    }
    let by_staff = format!("{note} ({})", staff.name);
    let resolved = async {
        let (now, mut tx) = (now_ms(), state.writer.begin().await?);
        if recovery::resolve(&mut tx, key, id, &by_staff, now).await? {
            let change = Change::new("recovery.resolve", "case", id.to_string());
            audit::record(&mut tx, key, &staff.origin, change, now).await?;
            if let (Some(member), true) = (&member, goodwill > 0) {
                let entry = match recovery::staff_goodwill(&mut tx, site, member, id, goodwill, now).await? {
                    Appended::New(entry) | Appended::Replayed(entry) => entry,
                };
                let change = Change::new("points.add", "member", member.as_str()).summary(format!(
                    "delta {:+}, entry {}, goodwill for case {id}",
                    entry.delta, entry.id
                ));
                audit::record(&mut tx, key, &staff.origin, change, now).await?;
            }
        }
        tx.commit().await?;
        Ok::<_, AppendError>(())
    };
    match resolved.await {
        Ok(()) => Redirect::to(&format!("/dashboard/{key}/recovery")).into_response(),
        Err(AppendError::Database(e)) => ApiError::from(e).into_response(),
        Err(other) => (
            StatusCode::CONFLICT,
            Html(format!(
                "<!doctype html><p role=\"alert\">{}</p>",
                escape(&other.to_string())
            )),
        )
            .into_response(),
    }
}
