use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, header};
use moments_protocol::domain::{SessionId, SiteKey, VisitorId};
use sqlx::AnyPool;

use crate::config::{RateLimitSettings, StaffAccount};
use crate::features::sites::{Site, Sites};
use crate::features::staff_sessions::SignInGuard;
use crate::features::surprises::chance::Chance;
use crate::platform::hashed_key::HashedKey;
use crate::platform::rate_limit::{BucketKey, Cidr, RateLimiter};
use crate::platform::session_key::SessionKey;
use crate::web::error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub db: AnyPool,
    /// The write path's transactions (group commit on SQLite).
    pub writer: Arc<crate::platform::db::Writer>,
    pub sites: Arc<Sites>,
    /// How pages reach this server (`http://127.0.0.1:8080`).
    pub public_url: Arc<str>,
    /// Demo mode: the pages get a demo member token minted with the demo site's secret.
    pub demo: bool,
    /// `None`: the admin API answers 401 `admin_api_disabled`.
    pub admin_key: Option<HashedKey>,
    /// Decides chance-based surprises.
    pub chance: Arc<Chance>,
    /// Dashboard accounts besides the admin key.
    pub staff: Arc<Vec<StaffAccount>>,
    /// Signs the session ids this server issues.
    pub session_key: SessionKey,
    pub limits: Arc<Limits>,
    /// Bounds password hashing and answers unknown names as slowly as known ones.
    pub sign_in: Arc<SignInGuard>,
    pub metrics: Arc<crate::platform::metrics::Metrics>,
    /// Lets a Prometheus scraper read `/metrics` without the admin key.
    pub metrics_token: Option<HashedKey>,
    /// Whether tenants' webhook endpoints may point into private networks, and how deliveries go.
    pub webhooks: crate::config::WebhookSettings,
    /// Sign-in through the identity provider, when `[server.oidc]` is set.
    pub sso: Option<Arc<crate::features::sso::Sso>>,
}

/// The rate limits of the public endpoints and whom to believe about client addresses.
#[derive(Debug, Default)]
pub struct Limits {
    pub settings: RateLimitSettings,
    pub trusted_proxies: Vec<Cidr>,
    pub buckets: RateLimiter,
}

impl AppState {
    /// The site a browser request is for, if it exists and the request's origin may use it.
    /// Requests without an `Origin` (servers, curl) are not browsers and pass.
    pub fn site_for(&self, key: &SiteKey, headers: &HeaderMap) -> Result<&Site, ApiError> {
        let site = self
            .sites
            .get(key.as_str())
            .ok_or_else(|| ApiError::unknown_site(key.as_str()))?;
        match headers.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("")) {
            Some(origin) if !site.allows_origin(origin) => Err(ApiError::origin_not_allowed(origin)),
            _ => Ok(site),
        }
    }

    /// A browser request that says which site and visitor it is for: the site's own limits
    /// (on top of the server's per-address one) and the visitor's bucket.
    pub fn admit(&self, site: &Site, client: ClientAddress, visitor: &VisitorId) -> Result<(), ApiError> {
        let limits = &self.limits;
        if !limits.settings.enabled {
            return Ok(());
        }
        let now = Instant::now();
        let key = &site.settings.key;
        if let Some(rate) = site.settings.rate_limit.per_address {
            limits
                .buckets
                .admit(BucketKey::SiteAddress(key.clone(), client.0), rate, now)?;
        }
        let rate = site
            .settings
            .rate_limit
            .per_visitor
            .unwrap_or(limits.settings.per_visitor);
        limits
            .buckets
            .admit(BucketKey::Visitor(key.clone(), visitor.as_str().to_owned()), rate, now)?;
        Ok(())
    }
}

/// A browser's request within a session, checked: its site (and origin), its visitor (and
/// their rate limits), and a session id this server issued to that visitor there.
pub struct InSession<'a> {
    pub key: SiteKey,
    pub site: &'a Site,
    pub visitor: VisitorId,
    pub session: SessionId,
}

impl AppState {
    /// Checks what a browser request says of itself before anything is read: a session this
    /// server never issued to this visitor answers 401 `unknown_session`.
    pub fn in_session(
        &self,
        headers: &HeaderMap,
        client: ClientAddress,
        (site, visitor, session): (&str, &str, &str),
    ) -> Result<InSession<'_>, ApiError> {
        let key = SiteKey::parse(site).map_err(ApiError::invalid)?;
        let site = self.site_for(&key, headers)?;
        let visitor = VisitorId::parse(visitor).map_err(ApiError::invalid)?;
        self.admit(site, client, &visitor)?;
        let session = SessionId::parse(session).map_err(ApiError::invalid)?;
        if !self
            .session_key
            .verify(key.as_str(), visitor.as_str(), session.as_str())
        {
            return Err(ApiError::unknown_session());
        }
        Ok(InSession {
            key,
            site,
            visitor,
            session,
        })
    }
}

/// Where a request comes from: the peer, or the client a trusted proxy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    pub fn of(headers: &HeaderMap, extensions: &Extensions, limits: &Limits) -> Self {
        // Without a socket (a router driven in a test) there is no peer to tell apart.
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Self(crate::platform::rate_limit::client_address(
            peer,
            forwarded,
            &limits.trusted_proxies,
        ))
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.headers, &parts.extensions, &state.limits))
    }
}
