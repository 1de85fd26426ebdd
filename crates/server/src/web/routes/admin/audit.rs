//! The audit trail of a site: every change made through the admin API or the dashboard, by
//! whom, newest first; a JSON page or the whole filtered trail as CSV.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::audit::Entry;
use crate::features::audit::store::{self, Filter};
use crate::web::admin_auth::{Admin, needs};
use crate::web::audit_export;
use crate::web::error::ApiError;
use crate::web::state::AppState;

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// A key id, a staff member's name, or `admin-key`.
    pub actor: Option<String>,
    /// e.g. `points.add`, `member.erase`, `key.revoke`.
    pub action: Option<String>,
    /// A member id, case id, experiment key, endpoint id or key id.
    pub target: Option<String>,
    /// Milliseconds since the Unix epoch, inclusive.
    pub from: Option<i64>,
    /// Milliseconds since the Unix epoch, exclusive.
    pub to: Option<i64>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<i64>,
    pub limit: Option<u32>,
    /// `json` (the default) or `csv`.
    pub format: Option<String>,
}

impl AuditQuery {
    fn filter(&self) -> Filter {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        Filter {
            actor: given(&self.actor),
            action: given(&self.action),
            target: given(&self.target),
            since: self.from,
            until: self.to,
            before: self.cursor,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub items: Vec<Entry>,
    pub next_cursor: Option<i64>,
}

/// The site's audit trail, newest first, filtered by actor, action, target and period.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/audit",
    params(("site" = String, Path), AuditQuery), security(("admin_key" = ["audit:read"])),
    responses(
        (status = 200, description = "A JSON page, or with ?format=csv every matching row as CSV", content(
            (AuditPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_format"),
    )
)]
pub async fn list_audit(
    _: Admin<needs::AuditRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.clone();
    let Query(query) = query.map_err(super::bad_query)?;
    let filter = query.filter();
    if super::wants_csv(query.format.as_deref())? {
        return Ok(audit_export::csv_export(state.db.clone(), site, filter));
    }
    let limit = super::page_limit(query.limit)?;
    let rows = store::page(&state.db, &site, &filter, limit + 1).await?;
    let (items, next_cursor) = super::split_page(rows, limit, |e| e.id);
    Ok(Json(AuditPage { items, next_cursor }).into_response())
}
