//! `/v1/admin/sites/{site}/webhooks`: the host's backend makes, lists, changes and deletes
//! endpoints, rotates their secrets, sends them a test event and reads their deliveries.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::features::audit::{self, Change};
use crate::features::sites::Site;
use crate::features::webhooks::address::EndpointUrl;
use crate::features::webhooks::event_types::EventType;
use crate::features::webhooks::signature::Secret;
use crate::features::webhooks::store::{self, Delivery, Endpoint};
use crate::features::webhooks::{self, ROTATION_GRACE_MS};
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// https (http only to localhost or 127.0.0.1, and only where the server allows private networks).
    #[schema(max_length = 2000)]
    pub url: String,
    /// The event types it receives.
    #[schema(value_type = Vec<EventType>, min_items = 1)]
    pub events: Vec<String>,
    /// `standard` (default) or `slack`.
    #[schema(value_type = Option<WebhookFormat>)]
    pub format: Option<String>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// Send coupon codes in `surprise.*` events (default false).
    #[serde(default)]
    pub include_coupon_codes: bool,
    /// Default true.
    pub enabled: Option<bool>,
}

/// How deliveries are written: the Standard Webhooks JSON event, or a chat message.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum WebhookFormat {
    Standard,
    Slack,
}

/// Only the fields given change.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookChange {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1)]
    pub events: Option<Vec<String>>,
    #[schema(value_type = Option<WebhookFormat>)]
    pub format: Option<String>,
    /// An empty text removes it.
    #[schema(max_length = 200)]
    pub description: Option<String>,
    pub include_coupon_codes: Option<bool>,
    pub enabled: Option<bool>,
    /// Paused: deliveries are queued and wait; resumed, they go.
    pub paused: Option<bool>,
}

/// An endpoint with its signing secret: shown only when made and when rotated.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookWithSecret {
    pub endpoint: Endpoint,
    /// `whsec_…`: give it to the receiver's Standard Webhooks library.
    pub secret: String,
    /// After a rotation: until then the secrets before it sign too.
    pub previous_secrets_expire_at: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub items: Vec<Endpoint>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestSent {
    /// The `webhook-id` it is sent with.
    pub message_id: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `failed`; all when absent.
    pub status: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    /// Failed first, then waiting, then delivered; newest first in each.
    pub items: Vec<Delivery>,
}

fn site_and_endpoint(
    state: &AppState,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(&Site, String), ApiError> {
    let Path((site, endpoint)) = path.map_err(super::bad_path)?;
    Ok((super::configured_site(state, &site)?, endpoint))
}

fn unknown_webhook(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_webhook",
        format!("this site has no webhook endpoint {id:?}"),
    )
}

fn in_config(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "webhook_in_config",
        format!("endpoint {id:?} is written in the server's config file; change it there (only pausing works here)"),
    )
}

async fn existing(state: &AppState, site: &Site, id: &str) -> Result<Endpoint, ApiError> {
    store::find(&state.db, &site.settings.key, id)
        .await?
        .ok_or_else(|| unknown_webhook(id))
}

/// A tenant's URL goes to the public internet only, unless the server allows private networks.
async fn check_reachable(state: &AppState, url: &EndpointUrl) -> Result<(), ApiError> {
    if state.webhooks.allow_private_networks {
        return Ok(());
    }
    url.check_public().await.map_err(ApiError::invalid)
}

/// Makes an endpoint; the answer holds its secret, shown this once.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/webhooks", request_body = NewWebhook,
    params(("site" = String, Path)),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 201, body = WebhookWithSecret),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 422, body = ErrorBody, description = "invalid_url, url_too_long, url_not_https, url_private_address, url_unresolvable, \
            events_empty, unknown_event_type, invalid_format, description_too_long"),
    )
)]
pub async fn create_webhook(
    admin: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiJson(request): ApiJson<NewWebhook>,
) -> Result<Response, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let format = request.format.as_deref().unwrap_or("standard");
    let (url, spec) = webhooks::parse_spec(
        &request.url,
        &request.events,
        format,
        request.description.as_deref(),
        request.include_coupon_codes,
        request.enabled.unwrap_or(true),
    )
    .map_err(ApiError::invalid)?;
    check_reachable(&state, &url).await?;
    let (id, secret, now) = (webhooks::new_endpoint_id(), Secret::generate(), now_ms());
    let mut tx = state.writer.begin().await?;
    store::create(&mut tx, &site.settings.key, &id, &spec, &secret, false, now).await?;
    // Not the URL: a chat service's incoming-webhook address is itself a secret.
    let change =
        Change::new("webhook.create", "endpoint", id.as_str()).summary(format!("events {}", request.events.join(" ")));
    audit::record(&mut tx, &site.settings.key, &admin.origin, change, now).await?;
    tx.commit().await?;
    let endpoint = existing(&state, site, &id).await?;
    let made = WebhookWithSecret {
        endpoint,
        secret: secret.to_whsec(),
        previous_secrets_expire_at: None,
    };
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

/// The site's endpoints, the config file's among them.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/webhooks",
    params(("site" = String, Path)),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 200, body = WebhookList),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
    )
)]
pub async fn list_webhooks(
    _: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<WebhookList>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    Ok(Json(WebhookList {
        items: store::list(&state.db, &site.settings.key).await?,
    }))
}

#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/webhooks/{id}",
    params(("site" = String, Path), ("id" = String, Path)),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 200, body = Endpoint),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_webhook"),
    )
)]
pub async fn get_webhook(
    _: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Endpoint>, ApiError> {
    let (site, id) = site_and_endpoint(&state, path)?;
    Ok(Json(existing(&state, site, &id).await?))
}

/// Changes what is given. An endpoint from the config file may only be paused and resumed.
#[utoipa::path(
    patch, path = "/v1/admin/sites/{site}/webhooks/{id}", request_body = WebhookChange,
    params(("site" = String, Path), ("id" = String, Path)),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 200, body = Endpoint),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_webhook"),
        (status = 409, body = ErrorBody, description = "webhook_in_config"),
        (status = 422, body = ErrorBody, description = "As when making one"),
    )
)]
pub async fn update_webhook(
    admin: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(change): ApiJson<WebhookChange>,
) -> Result<Json<Endpoint>, ApiError> {
    let (site, id) = site_and_endpoint(&state, path)?;
    let key = site.settings.key.as_str();
    let now = now_ms();
    let before = existing(&state, site, &id).await?;
    let WebhookChange {
        url,
        events,
        format,
        description,
        include_coupon_codes,
        enabled,
        paused,
    } = change;
    let settings_change = url.is_some()
        || events.is_some()
        || format.is_some()
        || description.is_some()
        || include_coupon_codes.is_some()
        || enabled.is_some();
    let spec = if settings_change {
        if before.from_config {
            return Err(in_config(&id));
        }
        let (url, spec) = webhooks::parse_spec(
            url.as_deref().unwrap_or(&before.url),
            events.as_deref().unwrap_or(&before.events),
            format.as_deref().unwrap_or(&before.format),
            description.as_deref().or(before.description.as_deref()),
            include_coupon_codes.unwrap_or(before.include_coupon_codes),
            enabled.unwrap_or(before.enabled),
        )
        .map_err(ApiError::invalid)?;
        check_reachable(&state, &url).await?;
        Some(spec)
    } else {
        None
    };
    // Both changes or neither.
    let mut tx = state.writer.begin().await?;
    if let Some(spec) = &spec {
        store::update(&mut *tx, key, &id, spec, now).await?;
    }
    if let Some(paused) = paused {
        store::set_paused(&mut *tx, key, &id, paused, now).await?;
    }
    let mut changed: Vec<&str> = Vec::new();
    if spec.is_some() {
        changed.push("settings");
    }
    match paused {
        Some(true) => changed.push("paused"),
        Some(false) => changed.push("resumed"),
        None => {}
    }
    if !changed.is_empty() {
        let change = Change::new("webhook.update", "endpoint", id.as_str()).summary(changed.join(", "));
        audit::record(&mut tx, key, &admin.origin, change, now).await?;
    }
    tx.commit().await?;
    Ok(Json(existing(&state, site, &id).await?))
}

/// Deletes an endpoint and its deliveries, sent or waiting.
#[utoipa::path(
    delete, path = "/v1/admin/sites/{site}/webhooks/{id}",
    params(("site" = String, Path), ("id" = String, Path)),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_webhook"),
        (status = 409, body = ErrorBody, description = "webhook_in_config"),
    )
)]
pub async fn delete_webhook(
    admin: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let (site, id) = site_and_endpoint(&state, path)?;
    if existing(&state, site, &id).await?.from_config {
        return Err(in_config(&id));
    }
    let mut tx = state.writer.begin().await?;
    store::delete(&mut tx, &site.settings.key, &id).await?;
    let change = Change::new("webhook.delete", "endpoint", id.as_str());
    audit::record(&mut tx, &site.settings.key, &admin.origin, change, now_ms()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new secret signs from now on; the ones before it keep signing for a day, so the
/// receiver can take the new one without missing a delivery.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/webhooks/{id}/rotate-secret",
    params(("site" = String, Path), ("id" = String, Path)),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 200, body = WebhookWithSecret),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_webhook"),
        (status = 409, body = ErrorBody, description = "webhook_in_config: list the secrets in the config file instead"),
    )
)]
pub async fn rotate_secret(
    admin: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<WebhookWithSecret>, ApiError> {
    let (site, id) = site_and_endpoint(&state, path)?;
    let endpoint = existing(&state, site, &id).await?;
    if endpoint.from_config {
        return Err(in_config(&id));
    }
    let (secret, now) = (Secret::generate(), now_ms());
    let until = now + ROTATION_GRACE_MS;
    let mut tx = state.writer.begin().await?;
    store::rotate(&mut tx, &site.settings.key, &id, &secret, now, until).await?;
    let change = Change::new("webhook.rotate_secret", "endpoint", id.as_str());
    audit::record(&mut tx, &site.settings.key, &admin.origin, change, now).await?;
    tx.commit().await?;
    Ok(Json(WebhookWithSecret {
        endpoint,
        secret: secret.to_whsec(),
        previous_secrets_expire_at: Some(until),
    }))
}

/// Sends a `webhook.test` event to this endpoint (whatever it subscribes to).
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/webhooks/{id}/test",
    params(("site" = String, Path), ("id" = String, Path)),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 202, body = TestSent, description = "Queued (a paused endpoint gets it when it resumes); its delivery shows in the endpoint's deliveries"),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_webhook"),
        (status = 409, body = ErrorBody, description = "webhook_disabled: enable it first"),
    )
)]
pub async fn send_test(
    admin: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (site, id) = site_and_endpoint(&state, path)?;
    if !existing(&state, site, &id).await?.enabled {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "webhook_disabled",
            "a disabled endpoint is sent nothing; enable it first (PATCH enabled: true)",
        ));
    }
    let mut tx = state.writer.begin().await?;
    let message_id = store::emit_test(
        &mut tx,
        &site.settings.key,
        &id,
        "A test event from Moments: this endpoint is reached and its signature checks.",
        now_ms(),
    )
    .await?;
    let change = Change::new("webhook.test", "endpoint", id.as_str()).summary(format!("message {message_id}"));
    audit::record(&mut tx, &site.settings.key, &admin.origin, change, now_ms()).await?;
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, Json(TestSent { message_id })).into_response())
}

/// The endpoint's recent deliveries, failed first.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/webhooks/{id}/deliveries",
    params(("site" = String, Path), ("id" = String, Path), DeliveryQuery),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 200, body = DeliveryList),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_webhook"),
        (status = 422, body = ErrorBody, description = "invalid_query, invalid_limit, invalid_status"),
    )
)]
pub async fn list_deliveries(
    _: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<DeliveryQuery>, QueryRejection>,
) -> Result<Json<DeliveryList>, ApiError> {
    let (site, id) = site_and_endpoint(&state, path)?;
    let Query(query) = query.map_err(super::bad_query)?;
    let limit = super::page_limit(query.limit)?;
    if let Some(status) = query
        .status
        .as_deref()
        .filter(|s| !matches!(*s, "pending" | "delivered" | "failed"))
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_status",
            format!("status {status:?} is not pending, delivered or failed"),
        ));
    }
    existing(&state, site, &id).await?;
    let items = store::deliveries(&state.db, &site.settings.key, Some(&id), query.status.as_deref(), limit).await?;
    Ok(Json(DeliveryList { items }))
}

/// Sends one delivery again now, with the same `webhook-id` (three more days of retries).
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/webhooks/{id}/deliveries/{delivery}/resend",
    params(("site" = String, Path), ("id" = String, Path), ("delivery" = i64, Path)),
    security(("admin_key" = ["webhooks:write"])),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site, unknown_webhook, unknown_delivery"),
        (status = 409, body = ErrorBody, description = "delivery_in_flight: it is being sent right now"),
    )
)]
pub async fn resend_delivery(
    admin: Admin<needs::WebhooksWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String, i64)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((site, id, delivery)) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    existing(&state, site, &id).await?;
    let key = site.settings.key.as_str();
    let (now, mut tx) = (now_ms(), state.writer.begin().await?);
    if store::send_again(&mut *tx, key, &id, delivery, now).await? {
        let change = Change::new("webhook.resend", "endpoint", id.as_str()).summary(format!("delivery {delivery}"));
        audit::record(&mut tx, key, &admin.origin, change, now).await?;
        tx.commit().await?;
        return Ok(StatusCode::ACCEPTED);
    }
    drop(tx);
    match store::delivery(&state.db, key, &id, delivery).await? {
        Some(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "delivery_in_flight",
            "this delivery is being sent right now; look again in a moment",
        )),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_delivery",
            format!("endpoint {id:?} has no delivery {delivery}"),
        )),
    }
}
