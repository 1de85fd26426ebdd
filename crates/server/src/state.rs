use std::sync::Arc;

use axum::http::{HeaderMap, header};
use moments_protocol::domain::SiteKey;
use sqlx::SqlitePool;

use crate::admin_auth::AdminKey;
use crate::configuration::StaffAccount;
use crate::error::ApiError;
use crate::sites::{Site, Sites};
use crate::surprises::chance::Chance;

#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
    pub sites: Arc<Sites>,
    /// How pages reach this server (`http://127.0.0.1:8080`).
    pub public_url: Arc<str>,
    /// Demo mode: the pages get a demo member token minted with the demo site's secret.
    pub demo: bool,
    /// `None`: the admin API answers 401 `admin_api_disabled`.
    pub admin_key: Option<AdminKey>,
    /// Decides chance-based surprises.
    pub chance: Arc<Chance>,
    /// Dashboard accounts besides the admin key.
    pub staff: Arc<Vec<StaffAccount>>,
}

impl AppState {
    /// The site a browser request is for, if it exists and the request's origin may use it.
    /// Requests without an `Origin` (servers, curl) are not browsers and pass.
    pub fn site_for(&self, key: &SiteKey, headers: &HeaderMap) -> Result<&Site, ApiError> {
        let site = self.sites.get(key.as_str()).ok_or_else(|| ApiError::unknown_site(key.as_str()))?;
        match headers.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("")) {
            Some(origin) if !site.allows_origin(origin) => Err(ApiError::origin_not_allowed(origin)),
            _ => Ok(site),
        }
    }
}
