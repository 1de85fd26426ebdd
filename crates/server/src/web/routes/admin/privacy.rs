//! A customer's rights over their data: export everything we hold about a member or a browser,
//! and erase it. Server to server, with the admin key, like the rest of the admin API.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moments_protocol::domain::VisitorId;
use moments_protocol::wire::ErrorBody;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::features::audit::{self, Change, Origin};
use crate::features::privacy::{self, Erased, Subject};
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::{ApiError, bad_path};
use crate::web::state::AppState;

/// Everything stored about a member or a browser, by kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export {
    pub site: String,
    /// `member` or `visitor`.
    pub subject: &'static str,
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub exported_at: i64,
    /// Profile, ledger, answers and comments, events, surprises, experiment assignments,
    /// recovery cases, page views and (for a member) the browsers they used.
    #[schema(value_type = Object)]
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    pub site: String,
    pub id: String,
    pub erased: Erased,
}

fn site_and_visitor(
    state: &AppState,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(&crate::features::sites::Site, VisitorId), ApiError> {
    let Path((site, visitor)) = path.map_err(bad_path)?;
    Ok((
        super::configured_site(state, &site)?,
        VisitorId::parse(&visitor).map_err(ApiError::invalid)?,
    ))
}

async fn export(state: &AppState, site: &str, subject: Subject<'_>) -> Result<Json<Export>, ApiError> {
    let (kind, id) = match subject {
        Subject::Member(id) => ("member", id),
        Subject::Visitor(id) => ("visitor", id),
    };
    let mut conn = state.db.acquire().await?;
    match privacy::export(&mut conn, site, subject).await? {
        Some(data) => Ok(Json(Export {
            site: site.to_owned(),
            subject: kind,
            id: id.to_owned(),
            exported_at: now_ms(),
            data,
        })),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            if kind == "member" {
                "member_not_found"
            } else {
                "visitor_not_found"
            },
            format!("nothing is stored about {kind} {id:?}"),
        )),
    }
}

/// Erases the subject in one transaction: all of it or, on a failure, none.
/// The erasure's own audit row goes first, so the erasure pseudonymises it with the others.
async fn erase(state: &AppState, origin: &Origin, site: &str, subject: Subject<'_>) -> Result<Json<Erasure>, ApiError> {
    let mut tx = state.writer.begin().await?;
    crate::features::rollups::hold_folds(&mut tx).await?;
    crate::features::themes::hold_folds(&mut tx).await?;
    let change = match subject {
        Subject::Member(id) => Change::new("member.erase", "member", id),
        Subject::Visitor(id) => Change::new("visitor.erase", "visitor", id),
    };
    audit::record(&mut tx, site, origin, change, now_ms()).await?;
    let (erased, id) = match subject {
        Subject::Member(id) => (privacy::erase_member(&mut tx, site, id).await?, id),
        Subject::Visitor(id) => (privacy::erase_visitor(&mut tx, site, id).await?, id),
    };
    tx.commit().await?;
    tracing::info!(site, "erased on request");
    Ok(Json(Erasure {
        site: site.to_owned(),
        id: id.to_owned(),
        erased,
    }))
}

/// Everything stored about a member: profile, ledger, answers and comments, events, gifts,
/// experiment assignments, recovery cases, page views and the browsers they used.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/members/{member}/export",
    params(("site" = String, Path), ("member" = String, Path)),
    security(("admin_key" = ["members:read"])),
    responses(
        (status = 200, body = Export),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, member_not_found (nothing is stored)"),
        (status = 422, body = ErrorBody, description = "invalid_member_id, invalid_site_key"),
    )
)]
pub async fn export_member(
    _: Admin<needs::MembersRead>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Export>, ApiError> {
    let (site, member) = super::site_and_member(&state, path)?;
    export(&state, &site.settings.key, Subject::Member(member.as_str())).await
}

/// Everything stored about one browser (a visitor id).
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/visitors/{visitor}/export",
    params(("site" = String, Path), ("visitor" = String, Path)),
    security(("admin_key" = ["members:read"])),
    responses(
        (status = 200, body = Export),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, visitor_not_found (nothing is stored)"),
        (status = 422, body = ErrorBody, description = "invalid_visitor_id, invalid_site_key"),
    )
)]
pub async fn export_visitor(
    _: Admin<needs::MembersRead>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Export>, ApiError> {
    let (site, visitor) = site_and_visitor(&state, path)?;
    export(&state, &site.settings.key, Subject::Visitor(visitor.as_str())).await
}

/// Erases a member: profile, comments and the links to their browsers (whose page views go
/// too). Ledger entries stay for the accounts, under a pseudonym. Erasing again changes nothing.
#[utoipa::path(
    delete, path = "/v1/admin/sites/{site}/members/{member}",
    params(("site" = String, Path), ("member" = String, Path)),
    security(("admin_key" = ["members:erase"])),
    responses(
        (status = 200, body = Erasure),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_member_id, invalid_site_key"),
    )
)]
pub async fn erase_member(
    admin: Admin<needs::MembersErase>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Erasure>, ApiError> {
    let (site, member) = super::site_and_member(&state, path)?;
    erase(
        &state,
        &admin.origin,
        &site.settings.key,
        Subject::Member(member.as_str()),
    )
    .await
}

/// Erases a browser: its page views go; its answers stay, anonymous and without comments.
#[utoipa::path(
    delete, path = "/v1/admin/sites/{site}/visitors/{visitor}",
    params(("site" = String, Path), ("visitor" = String, Path)),
    security(("admin_key" = ["members:erase"])),
    responses(
        (status = 200, body = Erasure),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_visitor_id, invalid_site_key"),
    )
)]
pub async fn erase_visitor(
    admin: Admin<needs::MembersErase>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Erasure>, ApiError> {
    let (site, visitor) = site_and_visitor(&state, path)?;
    erase(
        &state,
        &admin.origin,
        &site.settings.key,
        Subject::Visitor(visitor.as_str()),
    )
    .await
}
