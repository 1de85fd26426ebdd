//! Staff sign-in through the company's identity provider: OpenID Connect's authorization code
//! flow with PKCE, a nonce and a one-time state (kept in the database, so any server process
//! may answer the callback). The ID token is checked by `openidconnect` (signature, issuer,
//! audience, expiry, nonce); the groups claim or the email domain then gives roles on sites.

pub mod store;

use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use sqlx::AnyPool;
use tokio::sync::RwLock;

use crate::config::OidcSettings;
use crate::features::staff::Role;
use crate::platform::hashed_key::sha256_hex;

/// The provider's metadata and keys are fetched again after this (keys rotate).
const METADATA_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the identity provider could not be reached: {0}")]
    Provider(String),
    #[error("this sign-in is unknown, used or expired; start again")]
    UnknownAttempt,
    #[error("the identity provider's answer did not check: {0}")]
    Rejected(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub subject: String,
    /// Their login here: the email address (lowercased), else `sso:<subject>`.
    pub login: String,
    pub roles: Vec<(String, Role)>,
    /// When the ID token expires: the dashboard session ends then at the latest.
    pub expires_at: i64,
    /// The dashboard page they were going to.
    pub next: String,
}

pub struct Sso {
    settings: OidcSettings,
    grants: Vec<(Option<String>, Option<String>, String, Role)>,
    redirect: RedirectUrl,
    http: Http,
    metadata: RwLock<Option<(Instant, CoreProviderMetadata)>>,
}

impl Sso {
    /// Checks the settings; the provider is asked nothing until someone signs in.
    pub fn new(
        settings: &OidcSettings,
        public_url: &str,
        sites: &crate::features::sites::Sites,
    ) -> anyhow::Result<Self> {
        IssuerUrl::new(settings.issuer.clone())?;
        let grants = settings
            .grants
            .iter()
            .map(|g| {
                anyhow::ensure!(sites.get(&g.site).is_some(), "server.oidc.grants: no site {:?}", g.site);
                let role = Role::parse(&g.role).ok_or_else(|| {
                    anyhow::anyhow!(
                        "server.oidc.grants: role {:?} is not owner, marketer, support or viewer",
                        g.role
                    )
                })?;
                Ok((
                    g.group.clone(),
                    g.email_domain.as_ref().map(|d| d.to_lowercase()),
                    g.site.clone(),
                    role,
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        let http =
            crate::platform::http::outbound(Duration::from_secs(10), concat!("Moments/", env!("CARGO_PKG_VERSION")))
                .build()?;
        Ok(Self {
            settings: settings.clone(),
            grants,
            redirect: RedirectUrl::new(format!("{public_url}/dashboard/sso/callback"))?,
            http: Http(http),
            metadata: RwLock::new(None),
        })
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, SsoError> {
        if let Some((fetched, metadata)) = self.metadata.read().await.as_ref()
            && fetched.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| SsoError::Provider(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SsoError::Provider(e.to_string()))?;
        *self.metadata.write().await = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// Where to send the person: the provider's authorization URL for a new attempt.
    pub async fn start(&self, db: &AnyPool, next: &str, now: i64) -> Result<String, SsoError> {
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new(self.settings.groups_claim.clone()))
            .set_pkce_challenge(challenge)
            .url();
        store::insert(
            db,
            &sha256_hex(state.secret()),
            verifier.secret(),
            nonce.secret(),
            next,
            now,
        )
        .await?;
        Ok(url.to_string())
    }

    /// The callback: the attempt is used up whatever happens next; the code is exchanged and the
    /// ID token checked against the attempt's nonce.
    pub async fn finish(&self, db: &AnyPool, state: &str, code: &str, now: i64) -> Result<SignedIn, SsoError> {
        let mut tx = crate::platform::db::begin_write(db).await?;
        let attempt = store::take(&mut tx, &sha256_hex(state), now).await?;
        tx.commit().await?;
        let attempt = attempt.ok_or(SsoError::UnknownAttempt)?;
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone());
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SsoError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Rejected(e.to_string()))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SsoError::Rejected("no ID token".into()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(attempt.nonce))
            .map_err(|e| SsoError::Rejected(e.to_string()))?;
        let email = claims
            .email()
            .filter(|_| claims.email_verified() != Some(false))
            .map(|e| e.as_str().to_lowercase());
        // The token's signature is checked above: its other claims can be read as they are.
        let groups = groups_of(&id_token.to_string(), &self.settings.groups_claim);
        let subject = claims.subject().as_str().to_owned();
        Ok(SignedIn {
            login: email.clone().unwrap_or_else(|| format!("sso:{subject}")),
            roles: self.roles_for(email.as_deref(), &groups),
            subject,
            expires_at: claims.expiration().timestamp_millis(),
            next: attempt.next,
        })
    }

    /// The roles the grants give someone with this email and these groups (the strongest per site).
    pub fn roles_for(&self, email: Option<&str>, groups: &[String]) -> Vec<(String, Role)> {
        let domain = email.and_then(|e| e.rsplit_once('@')).map(|(_, d)| d.to_owned());
        let mut roles: Vec<(String, Role)> = Vec::new();
        for (group, email_domain, site, role) in &self.grants {
            let applies = group.as_ref().is_some_and(|g| groups.contains(g))
                || email_domain
                    .as_ref()
                    .is_some_and(|d| domain.as_deref() == Some(d.as_str()));
            if !applies {
                continue;
            }
            match roles.iter_mut().find(|(s, _)| s == site) {
                Some(existing) if strength(*role) > strength(existing.1) => existing.1 = *role,
                Some(_) => {}
                None => roles.push((site.clone(), *role)),
            }
        }
        roles
    }
}

fn strength(role: Role) -> usize {
    Role::ALL.len() - Role::ALL.iter().position(|r| *r == role).unwrap_or(Role::ALL.len())
}

/// The groups claim of a JWT whose signature was checked.
fn groups_of(jwt: &str, claim: &str) -> Vec<String> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap_or("");
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else {
        return Vec::new();
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    match &value[claim] {
        serde_json::Value::Array(items) => items.iter().filter_map(|g| g.as_str().map(str::to_owned)).collect(),
        serde_json::Value::String(one) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// openidconnect's requests, sent with the server's own HTTP client (its futures are `Send`,
/// which a closure's could not promise the router).
struct Http(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = reqwest::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<openidconnect::HttpResponse, reqwest::Error>> + Send + 'c>,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

async fn send(
    client: &reqwest::Client,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let response = client.execute(reqwest::Request::try_from(request)?).await?;
    let mut answer = openidconnect::http::Response::builder().status(response.status().as_u16());
    for (name, value) in response.headers() {
        answer = answer.header(name.as_str(), value.as_bytes());
    }
    let body = response.bytes().await?.to_vec();
    Ok(answer.body(body).unwrap_or_default())
}
