use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moments_protocol::domain::is_valid_key;
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::audit::{self, Change};
use crate::features::surprises::store;
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;

/// Longest coupon code, in characters.
pub const MAX_CODE_LEN: usize = 64;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeUpload {
    /// Codes to add; ones the pool has already are skipped. Each is given out once.
    pub codes: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PoolStock {
    /// Codes new to the pool.
    pub added: u64,
    /// Codes the pool had already (uploaded before, or twice in this request).
    pub duplicates: u64,
    /// Codes not yet given out, after this upload.
    pub available: i64,
}

/// Adds codes to a coupon pool that `coupon` rewards draw from.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/coupon-pools/{pool}/codes", request_body = CodeUpload,
    params(("site" = String, Path), ("pool" = String, Path)),
    security(("admin_key" = ["surprises:write"])),
    responses(
        (status = 200, body = PoolStock),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_pool, codes_empty, invalid_code (the message names it)"),
    )
)]
pub async fn upload_codes(
    admin: Admin<needs::SurprisesWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(upload): ApiJson<CodeUpload>,
) -> Result<Json<PoolStock>, ApiError> {
    let Path((site, pool)) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?.settings.key.as_str();
    if !is_valid_key(&pool) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_pool",
            "a pool name is 1 to 64 letters, digits, '-' or '_'",
        ));
    }
    if upload.codes.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "codes_empty",
            "send at least one code",
        ));
    }
    if let Some((index, code)) = upload.codes.iter().enumerate().find(|(_, c)| !is_valid_code(c)) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_code",
            format!("codes[{index}] {code:?}: 1 to {MAX_CODE_LEN} visible characters, no spaces; nothing was added"),
        ));
    }
    let now = now_ms();
    let mut tx = state.writer.begin().await?;
    let added = store::add_codes_in(&mut tx, site, &pool, &upload.codes, now).await?;
    if added > 0 {
        // How many, never the codes: they are as good as money.
        let change = Change::new("coupons.upload", "pool", pool.as_str()).summary(format!("{added} codes added"));
        audit::record(&mut tx, site, &admin.origin, change, now).await?;
    }
    tx.commit().await?;
    let available = store::available_codes(&state.db, site, &pool).await?;
    Ok(Json(PoolStock {
        added,
        duplicates: upload.codes.len() as u64 - added,
        available,
    }))
}

fn is_valid_code(code: &str) -> bool {
    (1..=MAX_CODE_LEN).contains(&code.chars().count()) && code.chars().all(|c| !c.is_whitespace() && !c.is_control())
}
