//! The Audit page: who changed what on the site, newest first, filtered by person or key,
//! action, target and period, with the filtered trail as CSV.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::features::audit::store::{self, Filter};
use crate::web::audit_export::csv_export;
use crate::web::dashboard::auth::Staff;
use crate::web::dashboard::html::{escape, table, time, urlencode};
use crate::web::dashboard::{PageContext, here};
use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Rows the page shows; the CSV has them all.
const SHOWN: u32 = 200;

#[derive(Debug, Default, Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
}

impl AuditFilter {
    /// The store's filter; `None` when the dates do not parse.
    fn filter(&self) -> Option<Filter> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let (_, _, start, end) = super::report_range(self.from.as_deref(), self.to.as_deref(), 29)?;
        Some(Filter {
            actor: given(&self.actor),
            action: given(&self.action),
            target: given(&self.target),
            since: Some(start),
            until: Some(end),
            before: None,
        })
    }
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(query): Query<AuditFilter>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, query.lang.as_deref(), "audit", &here)?;
    let t = page.frame.t;
    let Some(filter) = query.filter() else {
        return Err(page.bad_range());
    };
    let key = page.site.settings.key.as_str();
    let rows = store::page(&state.db, key, &filter, SHOWN)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let value = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    let (from, to) = (
        filter
            .since
            .map(|ms| super::day_text(super::date_of_ms(ms)))
            .unwrap_or_default(),
        filter
            .until
            .map(|ms| super::day_text(super::date_of_ms(ms - 1)))
            .unwrap_or_default(),
    );
    let mut body = format!(
        r#"<form method="get" class="filters">
<label>{who} <input name="actor" value="{actor}"></label>
<label>{action_label} <input name="action" value="{action}"></label>
<label>{target_label} <input name="target" value="{target}"></label>
<label>{from_label} <input type="date" name="from" value="{from}"></label>
<label>{to_label} <input type="date" name="to" value="{to}"></label>
<button type="submit">{apply}</button></form>"#,
        who = t.who,
        action_label = t.action,
        target_label = t.target,
        from_label = t.from,
        to_label = t.to,
        apply = t.apply,
        actor = value(&query.actor),
        action = value(&query.action),
        target = value(&query.target),
    );
    let csv_query: String = [
        ("actor", query.actor.as_deref()),
        ("action", query.action.as_deref()),
        ("target", query.target.as_deref()),
        ("from", Some(from.as_str())),
        ("to", Some(to.as_str())),
    ]
    .iter()
    .filter_map(|(name, v)| v.filter(|v| !v.is_empty()).map(|v| format!("{name}={}", urlencode(v))))
    .collect::<Vec<_>>()
    .join("&");
    body.push_str(&format!(
        r#"<p><a href="/dashboard/{}/audit.csv?{}">{}</a></p>"#,
        urlencode(key),
        escape(&csv_query),
        t.download_csv
    ));
    if rows.is_empty() {
        body.push_str(&format!("<p>{}</p>", t.no_audit));
    } else {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|e| {
                vec![
                    time(e.at),
                    format!("{} <small>({})</small>", escape(&e.actor_name), escape(&e.actor_kind)),
                    format!("<code>{}</code>", escape(&e.action)),
                    format!("{} <small>{}</small>", escape(&e.target_id), escape(&e.target_kind)),
                    escape(&e.summary),
                ]
            })
            .collect();
        body.push_str(&table(t.audit, &[t.time, t.who, t.action, t.target, t.change], &cells));
    }
    Ok(page.render(t.audit, &body))
}

pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    Query(query): Query<AuditFilter>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let here = here(&uri);
    let page = PageContext::new(&state, &site, &staff, &headers, None, "audit", &here)?;
    let Some(filter) = query.filter() else {
        return Err(page.bad_range());
    };
    Ok(csv_export(state.db.clone(), page.site.settings.key.clone(), filter))
}
