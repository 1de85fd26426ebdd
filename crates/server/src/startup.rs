use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{BoxError, Extension, Router};
use moments_protocol::limits::MAX_BODY_BYTES;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::{RetentionSettings, ServerSettings, Settings};
use crate::features::sites::Sites;
use crate::features::staff_sessions::SignInGuard;
use crate::features::surprises::chance::Chance;
use crate::features::{demo, retention};
use crate::platform::db;
use crate::platform::hashed_key::HashedKey;
use crate::platform::rate_limit::{BucketKey, Cidr};
use crate::platform::session_key::SessionKey;
use crate::web::error::{self, ApiError};
use crate::web::observe;
use crate::web::routes::pages::{Pages, serve_page};
use crate::web::routes::{admin, health, metrics, openapi, referrals, rewards, session, surprises, visitor_events};
use crate::web::state::{AppState, ClientAddress, Limits};

pub struct Application {
    listener: TcpListener,
    router: Router,
    public_url: String,
    db: sqlx::AnyPool,
    writer: Arc<db::Writer>,
    sites: Arc<Sites>,
    retention: RetentionSettings,
    webhook_worker: crate::features::webhooks::worker::Worker,
}

impl Application {
    pub async fn build(settings: Settings, demo_mode: demo::Mode) -> anyhow::Result<Self> {
        Self::build_with(settings, demo_mode, Router::new()).await
    }

    /// With `extra` routes served like the built-in ones (tests add misbehaving handlers).
    pub async fn build_with(
        mut settings: Settings,
        demo_mode: demo::Mode,
        extra: Router<AppState>,
    ) -> anyhow::Result<Self> {
        if demo_mode.is_on() {
            demo::add_site(&mut settings);
        }
        settings.check()?;
        // Every site's rules, catalog and webhooks are checked here, once, before the database opens.
        let sites = Arc::new(Sites::new(&settings.sites)?);
        let db = db::connect(&settings.server.database_url).await?;
        db::retrying(|| demo::seed_mode(&db, demo_mode)).await?;
        let listener = TcpListener::bind(settings.server.addr).await?;
        let public_url = match &settings.server.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", listener.local_addr()?),
        };
        let server = &settings.server;
        let limits = Limits {
            settings: server.rate_limit,
            trusted_proxies: server
                .trusted_proxies
                .iter()
                .map(|p| Cidr::parse(p))
                .collect::<Result<_, _>>()?,
            buckets: Default::default(),
        };
        let writer = Arc::new(db::Writer::open(&db).await?);
        let state = AppState {
            session_key: db::retrying(async || Ok(SessionKey::load(&db).await?)).await?,
            db: db.clone(),
            writer: writer.clone(),
            sites: sites.clone(),
            public_url: public_url.as_str().into(),
            demo: demo_mode.is_on(),
            admin_key: server.admin_key.as_deref().map(HashedKey::new),
            chance: Arc::new(Chance::new(server.random_seed)),
            staff: Arc::new(server.staff.clone()),
            limits: Arc::new(limits),
            sign_in: Arc::new(SignInGuard::new()),
            metrics: Default::default(),
            metrics_token: server.metrics_token.as_deref().map(HashedKey::new),
            webhooks: server.webhooks,
            sso: match &server.oidc {
                Some(oidc) => Some(Arc::new(crate::features::sso::Sso::new(oidc, &public_url, &sites)?)),
                None => None,
            },
        };
        db::retrying(|| crate::features::webhooks::sync_config(&db, &sites, crate::platform::clock::now_ms())).await?;
        let webhook_worker =
            crate::features::webhooks::worker::Worker::new(db.clone(), sites.clone(), &public_url, server.webhooks)?;
        Ok(Self {
            router: app_with(state, server, extra),
            listener,
            public_url,
            db,
            writer,
            sites,
            retention: server.retention,
            webhook_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Serves until SIGTERM or Ctrl-C: then stops accepting, gives requests in flight up to
    /// `DRAIN` to finish, commits what the writer holds and closes the database pool (SQLite
    /// checkpoints its WAL).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let housekeeping = tokio::spawn(retention::run(self.db.clone(), self.retention));
        let (stop_delivering, delivering_stopped) = tokio::sync::watch::channel(false);
        let mut delivering = tokio::spawn(self.webhook_worker.run(delivering_stopped));
        let expiring = tokio::spawn(crate::features::expiry::run(self.db.clone(), self.sites.clone()));
        let reports = tokio::spawn(crate::features::insights::keep_fresh(
            self.db.clone(),
            self.sites.clone(),
        ));
        let folding = tokio::spawn(crate::features::rollups::run(self.db.clone(), self.sites.clone()));
        let counting_themes = tokio::spawn(crate::features::themes::run(self.db.clone(), self.sites.clone()));
        let stopping = Arc::new(tokio::sync::Notify::new());
        let signalled = stopping.clone();
        let serve = axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("stopping: no new connections; finishing requests in flight");
            signalled.notify_one();
        });
        let served = tokio::select! {
            served = serve => served,
            () = async { stopping.notified().await; tokio::time::sleep(DRAIN).await } => {
                tracing::warn!("requests still in flight after {} s; stopping anyway", DRAIN.as_secs());
                Ok(())
            }
        };
        let _ = stop_delivering.send(true);
        if tokio::time::timeout(DRAIN, &mut delivering).await.is_err() {
            tracing::warn!(
                "webhook deliveries still in flight after {} s; their leases will run out and another try sends them",
                DRAIN.as_secs()
            );
        }
        housekeeping.abort();
        delivering.abort();
        expiring.abort();
        reports.abort();
        folding.abort();
        counting_themes.abort();
        self.writer.close().await;
        self.db.close().await;
        tracing::info!("stopped");
        served
    }
}

/// How long requests in flight may run on after a stop signal.
pub const DRAIN: Duration = Duration::from_secs(10);

/// The whole HTTP surface, testable without a socket.
pub fn app(state: AppState, server: &ServerSettings) -> Router {
    app_with(state, server, Router::new())
}

fn app_with(state: AppState, server: &ServerSettings, extra: Router<AppState>) -> Router {
    let sites = state.sites.clone();
    let api_cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().is_ok_and(|o| sites.any_allows(o))
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        // The widget waits as long as a 429 says; a cross-origin page may read only what is exposed.
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(86_400));

    let api = Router::new()
        .route("/v1/session", post(session::start_session))
        .route("/v1/events", post(visitor_events::record_events))
        .route("/v1/surprises/{id}/claim", post(surprises::claim_surprise))
        .route("/v1/rewards/{key}/redeem", post(rewards::redeem_reward))
        .route("/v1/referrals/click", post(referrals::click))
        // Set before the CORS layer, so preflights (OPTIONS) reach CORS instead of the 405.
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_by_address))
        .layer(api_cors);

    // Server-to-server: no CORS, so no browser page can call it with a visitor's cookies or not.
    let admin = Router::new()
        .route(
            "/v1/admin/sites/{site}/members/{member}",
            get(admin::members::get_member).delete(admin::privacy::erase_member),
        )
        .route(
            "/v1/admin/sites/{site}/members/{member}/export",
            get(admin::privacy::export_member),
        )
        .route(
            "/v1/admin/sites/{site}/members/{member}/points",
            post(admin::points::add_points),
        )
        .route(
            "/v1/admin/sites/{site}/members/{member}/events",
            post(admin::verified_events::report_event),
        )
        .route(
            "/v1/admin/sites/{site}/visitors/{visitor}",
            delete(admin::privacy::erase_visitor),
        )
        .route(
            "/v1/admin/sites/{site}/visitors/{visitor}/export",
            get(admin::privacy::export_visitor),
        )
        .route("/v1/admin/sites/{site}/feedback", get(admin::feedback::list_feedback))
        .route("/v1/admin/sites/{site}/recovery", get(admin::recovery::list_cases))
        .route(
            "/v1/admin/sites/{site}/recovery/{id}/resolve",
            post(admin::recovery::resolve_case),
        )
        .route(
            "/v1/admin/sites/{site}/members/{member}/surprises",
            post(admin::surprises::grant_surprise),
        )
        .route(
            "/v1/admin/sites/{site}/surprises",
            get(admin::surprises::list_surprises),
        )
        .route("/v1/admin/sites/{site}/rewards", get(admin::rewards::list_rewards))
        .route("/v1/admin/sites/{site}/expiring", get(admin::members::list_expiring))
        .route(
            "/v1/admin/sites/{site}/redemptions",
            get(admin::rewards::list_redemptions),
        )
        .route("/v1/admin/sites/{site}/insights", get(admin::insights::insights))
        .route("/v1/admin/sites/{site}/context", get(admin::insights::context_report))
        .route("/v1/admin/sites/{site}/themes", get(admin::themes::themes))
        .route(
            "/v1/admin/sites/{site}/coupon-pools/{pool}/codes",
            post(admin::coupons::upload_codes),
        )
        .route(
            "/v1/admin/sites/{site}/experiments",
            post(admin::experiments::create_experiment).get(admin::experiments::list_experiments),
        )
        .route(
            "/v1/admin/sites/{site}/experiments/{key}",
            put(admin::experiments::update_experiment),
        )
        .route(
            "/v1/admin/sites/{site}/experiments/{key}/start",
            post(admin::experiments::start_experiment),
        )
        .route(
            "/v1/admin/sites/{site}/experiments/{key}/stop",
            post(admin::experiments::stop_experiment),
        )
        .route(
            "/v1/admin/sites/{site}/experiments/{key}/results",
            get(admin::experiments::experiment_results),
        )
        .route(
            "/v1/admin/sites/{site}/webhooks",
            post(admin::webhooks::create_webhook).get(admin::webhooks::list_webhooks),
        )
        .route(
            "/v1/admin/sites/{site}/webhooks/{id}",
            get(admin::webhooks::get_webhook)
                .patch(admin::webhooks::update_webhook)
                .delete(admin::webhooks::delete_webhook),
        )
        .route(
            "/v1/admin/sites/{site}/webhooks/{id}/rotate-secret",
            post(admin::webhooks::rotate_secret),
        )
        .route(
            "/v1/admin/sites/{site}/webhooks/{id}/test",
            post(admin::webhooks::send_test),
        )
        .route(
            "/v1/admin/sites/{site}/webhooks/{id}/deliveries",
            get(admin::webhooks::list_deliveries),
        )
        .route(
            "/v1/admin/sites/{site}/webhooks/{id}/deliveries/{delivery}/resend",
            post(admin::webhooks::resend_delivery),
        )
        .route(
            "/v1/admin/sites/{site}/keys",
            post(admin::keys::create_key).get(admin::keys::list_keys),
        )
        .route("/v1/admin/sites/{site}/keys/{id}", delete(admin::keys::revoke_key))
        .route("/v1/admin/sites/{site}/keys/{id}/rotate", post(admin::keys::rotate_key))
        .route("/v1/admin/sites/{site}/audit", get(admin::audit::list_audit))
        .route(
            "/v1/admin/sites/{site}/referrals",
            get(admin::referrals::list_referrals),
        )
        .route(
            "/v1/admin/sites/{site}/referrals/{id}/{decision}",
            post(admin::referrals::decide_referral),
        )
        .route(
            "/v1/admin/sites/{site}/insights/referrals",
            get(admin::referrals::referral_figures),
        );

    let mut router = Router::new()
        .route("/openapi.json", get(openapi::openapi))
        .merge(api)
        .merge(admin)
        .merge(crate::web::dashboard::router())
        .merge(extra);

    if let Some(dir) = &server.widget_dir {
        router = router.nest("/dist", widget_files(dir));
    }
    router = match &server.www_dir {
        Some(dir) => router.fallback(serve_page).layer(Extension(Pages::new(dir.clone()))),
        None => router.fallback(error::not_found),
    };
    if state.demo {
        router = router.route("/demo/orders", post(crate::web::routes::pages::demo_order));
    }

    if db::Backend::of_pool(&state.db) == db::Backend::Postgres {
        router = router.layer(axum::middleware::from_fn(crate::web::conflict_retry::layer));
    }
    let router = router.layer(DefaultBodyLimit::max(MAX_BODY_BYTES)).layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(overload_or_timeout))
            .load_shed()
            .concurrency_limit(server.max_concurrent_requests)
            .timeout(Duration::from_secs(server.request_timeout_secs)),
    );
    let https = state.public_url.starts_with("https://");
    // Health checks are never shed nor limited: a busy server is not a dead one.
    Router::new()
        .route("/healthz", get(health::health))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::metrics))
        .merge(router)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe::observe))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            https.then(|| HeaderValue::from_static("max-age=31536000")),
        ))
        .with_state(state)
}

/// A bug in a handler fails its own request, in our error shape; the server carries on.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    crate::platform::metrics::PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    ApiError::internal(format!("a handler panicked: {message}")).into_response()
}

/// Every public request counts against its client address, before its body is even read.
async fn limit_by_address(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limits = &state.limits;
    if limits.settings.enabled && request.method() != Method::OPTIONS {
        let client = ClientAddress::of(request.headers(), request.extensions(), limits);
        if let Err(limited) = limits.buckets.admit(
            BucketKey::Address(client.0),
            limits.settings.per_address,
            Instant::now(),
        ) {
            return ApiError::from(limited).into_response();
        }
    }
    next.run(request).await
}

/// The widget's files are public and loaded cross-origin as module scripts and wasm,
/// so they carry CORS for everyone. Hashed names never change; the loader is revalidated.
/// Sent brotli- or gzip-compressed as the browser accepts, from the `.br` and `.gz` files
/// `scripts/build-widget.sh` writes beside them (compressed once, at the highest quality).
fn widget_files(dir: &std::path::Path) -> Router<AppState> {
    Router::new()
        .fallback_service(
            ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(axum::routing::any(error::not_found).with_state(())),
        )
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([Method::GET]))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ))
        .layer(axum::middleware::map_response(cache_policy))
}

async fn cache_policy(uri: axum::http::Uri, mut response: axum::response::Response) -> axum::response::Response {
    let immutable = uri
        .path()
        .rsplit('/')
        .next()
        .is_some_and(|name| name != "moments.js" && name.contains('-'));
    let policy = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300, must-revalidate"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

async fn overload_or_timeout(error: BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long; try again",
        )
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is busy; try again shortly",
        )
    } else {
        ApiError::internal(error)
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
