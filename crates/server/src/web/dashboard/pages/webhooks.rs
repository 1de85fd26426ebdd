//! The Webhooks page: a site's endpoints (pause, resume) and their recent deliveries, failed
//! first, with the receiver's answer and "send again".

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::features::audit::{self, Change};
use crate::features::site_keys::Scope;
use crate::features::webhooks::store::{self, Delivery, Endpoint};
use crate::platform::clock::now_ms;
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::authorize_form;
use crate::web::dashboard::html::{escape, table, time, urlencode};
use crate::web::dashboard::i18n::Texts;
use crate::web::dashboard::pages::experiments::Lang;
use crate::web::dashboard::{PageContext, here};
use crate::web::state::AppState;

/// Deliveries the page lists.
const RECENT: u32 = 100;

fn db_error(e: sqlx::Error) -> Response {
    crate::web::error::ApiError::from(e).into_response()
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(q): Query<Lang>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, q.lang.as_deref(), "webhooks", &here)?;
    let t = page.frame.t;
    let key = page.site.settings.key.as_str();
    let endpoints = store::list(&state.db, key).await.map_err(db_error)?;
    let deliveries = store::deliveries(&state.db, key, None, None, RECENT)
        .await
        .map_err(db_error)?;
    let csrf = escape(&staff.csrf);
    let form = |action: String, fields: &str, label: &str, name: &str| {
        format!(
            r#"<form method="post" action="{action}" class="inline"><input type="hidden" name="csrf" value="{csrf}">{fields}<button type="submit" aria-label="{name}">{label}</button></form>"#,
            name = escape(name),
        )
    };
    let base = format!("/dashboard/{}/webhooks", urlencode(key));
    let mut body = String::new();
    if endpoints.is_empty() {
        body.push_str(&format!("<p>{}</p>", escape(&t.no_endpoints.replace("{site}", key))));
    } else {
        let rows: Vec<Vec<String>> = endpoints
            .iter()
            .map(|e| {
                let (label, paused) = if e.paused { (t.resume, "0") } else { (t.pause, "1") };
                let action = form(
                    format!("{base}/{}/pause", urlencode(&e.id)),
                    &format!(r#"<input type="hidden" name="paused" value="{paused}">"#),
                    label,
                    &format!("{label} {}", e.id),
                );
                vec![
                    endpoint_name(t, e),
                    format!("<code>{}</code>", escape(&e.url)),
                    escape(&e.events.join(", ")),
                    escape(&e.format),
                    state_of(t, e),
                    action,
                ]
            })
            .collect();
        body.push_str(&table(
            t.webhook_endpoints,
            &[
                t.webhook_endpoint,
                t.webhook_url,
                t.webhook_events,
                t.webhook_format,
                t.webhook_state,
                t.actions,
            ],
            &rows,
        ));
        body.push_str(&format!(r#"<p class="note">{}</p>"#, escape(t.paused_note)));
    }
    if deliveries.is_empty() {
        body.push_str(&format!("<p>{}</p>", escape(t.no_deliveries)));
    } else {
        let rows: Vec<Vec<String>> = deliveries
            .iter()
            .map(|d| {
                // A waiting delivery is queued already.
                let again = if d.status == "pending" {
                    String::new()
                } else {
                    form(
                        format!("{base}/{}/deliveries/{}/resend", urlencode(&d.endpoint), d.id),
                        "",
                        t.send_again,
                        &format!("{} {} #{}", t.send_again, d.r#type, d.id),
                    )
                };
                vec![
                    time(d.created_at),
                    escape(&d.r#type),
                    escape(&d.endpoint),
                    status_of(t, d),
                    d.attempts.to_string(),
                    d.next_attempt_at
                        .filter(|_| d.status == "pending")
                        .map(time)
                        .unwrap_or_default(),
                    answer_of(d),
                    format!("<code>{}</code>", escape(&d.message_id)),
                    again,
                ]
            })
            .collect();
        let headings = [
            t.time,
            t.webhook_event,
            t.webhook_endpoint,
            t.status,
            t.attempts,
            t.next_try,
            t.receiver_answer,
            t.webhook_id,
            t.actions,
        ];
        body.push_str(&table(t.deliveries, &headings, &rows));
    }
    Ok(page.render(t.webhooks, &body))
}

fn endpoint_name(t: &Texts, e: &Endpoint) -> String {
    let mut name = escape(&e.id);
    if let Some(description) = &e.description {
        name.push_str(&format!("<br><small>{}</small>", escape(description)));
    }
    if e.from_config {
        name.push_str(&format!("<br><small>{}</small>", escape(t.from_config)));
    }
    name
}

fn state_of(t: &Texts, e: &Endpoint) -> String {
    match (e.enabled, e.paused) {
        (false, _) => escape(t.state_disabled),
        (true, true) => format!("<strong>{}</strong>", escape(t.state_paused)),
        (true, false) => escape(t.state_active),
    }
}

fn status_of(t: &Texts, d: &Delivery) -> String {
    match d.status.as_str() {
        "failed" => format!("<strong>{}</strong>", escape(t.delivery_failed)),
        "delivered" => escape(t.delivery_delivered),
        _ => escape(t.delivery_pending),
    }
}

/// The HTTP status and the first bytes of what the receiver said, or why it said nothing.
fn answer_of(d: &Delivery) -> String {
    let status = d
        .response_status
        .map(|s| format!("<code>{s}</code> "))
        .unwrap_or_default();
    let text = d
        .response_body
        .as_deref()
        .filter(|b| !b.is_empty())
        .or(d.error.as_deref());
    match text {
        Some(text) => {
            let summary: String = text.chars().take(40).collect();
            let more = if text.chars().count() > 40 { "…" } else { "" };
            format!(
                r#"{status}<details class="answer"><summary>{}{more}</summary><pre>{}</pre></details>"#,
                escape(&summary),
                escape(text)
            )
        }
        None => status,
    }
}

#[derive(Debug, Deserialize)]
pub struct PauseForm {
    pub csrf: String,
    pub paused: String,
}

pub async fn pause(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, endpoint)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<PauseForm>,
) -> Response {
    let site = match authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::WebhooksWrite) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let key = site.settings.key.as_str();
    let paused = form.paused == "1";
    let changed = async {
        let (now, mut tx) = (now_ms(), state.writer.begin().await?);
        let found = store::set_paused(&mut *tx, key, &endpoint, paused, now).await?;
        if found {
            let summary = if paused { "paused" } else { "resumed" };
            let change = Change::new("webhook.update", "endpoint", endpoint.as_str()).summary(summary);
            audit::record(&mut tx, key, &staff.origin, change, now).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(found)
    };
    match changed.await {
        Ok(true) => back(key),
        Ok(false) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => db_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn resend(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, endpoint, id)): Path<(String, String, i64)>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let site = match authorize_form(&state, &staff, &site, &form.csrf, &headers, Scope::WebhooksWrite) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let key = site.settings.key.as_str();
    let sent = async {
        let (now, mut tx) = (now_ms(), state.writer.begin().await?);
        if store::send_again(&mut *tx, key, &endpoint, id, now).await? {
            let change = Change::new("webhook.resend", "endpoint", endpoint.as_str()).summary(format!("delivery {id}"));
            audit::record(&mut tx, key, &staff.origin, change, now).await?;
        }
        tx.commit().await
    };
    match sent.await {
        // Not queued: it is being sent this moment, or gone; the page shows which.
        Ok(_) => back(key),
        Err(e) => db_error(e),
    }
}

fn back(site: &str) -> Response {
    Redirect::to(&format!("/dashboard/{}/webhooks", urlencode(site))).into_response()
}
