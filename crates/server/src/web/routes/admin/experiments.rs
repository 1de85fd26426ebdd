use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moments_protocol::wire::ErrorBody;
use serde::Deserialize;

use crate::features::audit::{self, Change};
use crate::features::experiments::definition::{Definition, Experiment};
use crate::features::experiments::results::{self, Results};
use crate::features::experiments::store::{self, Stored};
use crate::features::sites::Site;
use crate::platform::clock::now_ms;
use crate::web::admin_auth::{Admin, needs};
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;

fn site_and_key(
    state: &AppState,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(&Site, String), ApiError> {
    let Path((site, key)) = path.map_err(super::bad_path)?;
    Ok((super::configured_site(state, &site)?, key))
}

fn not_found(key: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "experiment_not_found",
        format!("no experiment {key:?} on this site"),
    )
}

async fn found(state: &AppState, site: &Site, key: &str) -> Result<Stored, ApiError> {
    store::find(&state.db, &site.settings.key, key)
        .await?
        .ok_or_else(|| not_found(key))
}

/// Defines a draft experiment: not shown to anyone until started.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/experiments", request_body = Definition,
    params(("site" = String, Path)), security(("admin_key" = ["experiments:write"])),
    responses(
        (status = 201, body = Stored),
        (status = 401, body = ErrorBody, description = "admin_key_missing, admin_key_invalid, admin_api_disabled"),
        (status = 404, body = ErrorBody, description = "unknown_site"),
        (status = 409, body = ErrorBody, description = "experiment_exists"),
        (status = 422, body = ErrorBody, description = "invalid_experiment_key, invalid_slot, coverage_out_of_range, too_few_variants, \
            invalid_variant_key, duplicate_variant, missing_default_text, unknown_locale, invalid_text, weights_not_whole, no_control, invalid_metric_event"),
    )
)]
pub async fn create_experiment(
    admin: Admin<needs::ExperimentsWrite>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiJson(definition): ApiJson<Definition>,
) -> Result<Response, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    let experiment = Experiment::parse(definition, site.settings.default_locale).map_err(ApiError::invalid)?;
    let (now, mut tx) = (now_ms(), state.writer.begin().await?);
    let created = store::create(&mut *tx, &site.settings.key, &experiment, now).await?;
    if created {
        let change = Change::new("experiment.create", "experiment", experiment.key.as_str()).summary(format!(
            "{} variants, coverage {}",
            experiment.variants.len(),
            experiment.coverage
        ));
        audit::record(&mut tx, &site.settings.key, &admin.origin, change, now).await?;
    }
    tx.commit().await?;
    if !created {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "experiment_exists",
            format!("experiment {:?} exists; PUT changes a draft", experiment.key),
        ));
    }
    Ok((StatusCode::CREATED, Json(found(&state, site, &experiment.key).await?)).into_response())
}

/// Changes a draft. A running or stopped experiment cannot change: its results would mix
/// two experiments.
#[utoipa::path(
    put, path = "/v1/admin/sites/{site}/experiments/{key}", request_body = Definition,
    params(("site" = String, Path), ("key" = String, Path)), security(("admin_key" = ["experiments:write"])),
    responses(
        (status = 200, body = Stored),
        (status = 404, body = ErrorBody, description = "unknown_site, experiment_not_found"),
        (status = 409, body = ErrorBody, description = "experiment_not_draft"),
        (status = 422, body = ErrorBody, description = "As for POST; key_mismatch when the body names another key"),
    )
)]
pub async fn update_experiment(
    admin: Admin<needs::ExperimentsWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(definition): ApiJson<Definition>,
) -> Result<Json<Stored>, ApiError> {
    let (site, key) = site_and_key(&state, path)?;
    if definition.key != key {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "key_mismatch",
            "the body's key must be the path's",
        ));
    }
    let experiment = Experiment::parse(definition, site.settings.default_locale).map_err(ApiError::invalid)?;
    let (now, mut tx) = (now_ms(), state.writer.begin().await?);
    let updated = store::update(&mut *tx, &site.settings.key, &experiment).await?;
    if updated {
        let change = Change::new("experiment.update", "experiment", key.as_str()).summary(format!(
            "{} variants, coverage {}",
            experiment.variants.len(),
            experiment.coverage
        ));
        audit::record(&mut tx, &site.settings.key, &admin.origin, change, now).await?;
    }
    tx.commit().await?;
    if !updated {
        found(&state, site, &key).await?;
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "experiment_not_draft",
            "only a draft can change; define a new experiment",
        ));
    }
    Ok(Json(found(&state, site, &key).await?))
}

/// Starts a draft: from now on visitors are assigned and see their variant.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/experiments/{key}/start",
    params(("site" = String, Path), ("key" = String, Path)), security(("admin_key" = ["experiments:write"])),
    responses(
        (status = 200, body = Stored),
        (status = 404, body = ErrorBody, description = "unknown_site, experiment_not_found"),
        (status = 409, body = ErrorBody, description = "experiment_not_draft, slot_busy (another experiment runs in the slot)"),
    )
)]
pub async fn start_experiment(
    admin: Admin<needs::ExperimentsWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Stored>, ApiError> {
    let (site, key) = site_and_key(&state, path)?;
    let (now, mut tx) = (now_ms(), state.writer.begin().await?);
    let started = match store::start(&mut *tx, &site.settings.key, &key, now).await {
        Ok(true) => {
            let change = Change::new("experiment.start", "experiment", key.as_str());
            audit::record(&mut tx, &site.settings.key, &admin.origin, change, now).await?;
            tx.commit().await?;
            Ok(true)
        }
        other => other,
    };
    match started {
        Ok(true) => Ok(Json(found(&state, site, &key).await?)),
        Ok(false) => {
            found(&state, site, &key).await?;
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "experiment_not_draft",
                "only a draft can start",
            ))
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(ApiError::new(
            StatusCode::CONFLICT,
            "slot_busy",
            "another experiment is running in this slot; stop it first",
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StopRequest {
    /// The variant everyone sees from now on; absent or null: the slot's default text.
    #[serde(default)]
    pub ship: Option<String>,
}

/// Stops a running experiment and ships a variant (or the default text) to everyone.
#[utoipa::path(
    post, path = "/v1/admin/sites/{site}/experiments/{key}/stop", request_body = StopRequest,
    params(("site" = String, Path), ("key" = String, Path)), security(("admin_key" = ["experiments:write"])),
    responses(
        (status = 200, body = Stored),
        (status = 404, body = ErrorBody, description = "unknown_site, experiment_not_found"),
        (status = 409, body = ErrorBody, description = "experiment_not_running"),
        (status = 422, body = ErrorBody, description = "unknown_variant"),
    )
)]
pub async fn stop_experiment(
    admin: Admin<needs::ExperimentsWrite>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(request): ApiJson<StopRequest>,
) -> Result<Json<Stored>, ApiError> {
    let (site, key) = site_and_key(&state, path)?;
    let stored = found(&state, site, &key).await?;
    if let Some(ship) = &request.ship
        && stored.experiment().variant(ship).is_none()
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_variant",
            format!("{ship:?} is not a variant of {key:?}"),
        ));
    }
    let (now, mut tx) = (now_ms(), state.writer.begin().await?);
    let stopped = store::stop_in(&mut tx, &site.settings.key, &key, request.ship.as_deref(), now).await?;
    if stopped {
        let shipped = request.ship.as_deref().unwrap_or("the default text");
        let change = Change::new("experiment.stop", "experiment", key.as_str()).summary(format!("shipped {shipped}"));
        audit::record(&mut tx, &site.settings.key, &admin.origin, change, now).await?;
    }
    tx.commit().await?;
    if !stopped {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "experiment_not_running",
            "only a running experiment can stop",
        ));
    }
    Ok(Json(found(&state, site, &key).await?))
}

/// The site's experiments, newest first.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/experiments",
    params(("site" = String, Path)), security(("admin_key" = ["insights:read"])),
    responses((status = 200, body = Vec<Stored>), (status = 404, body = ErrorBody, description = "unknown_site"))
)]
pub async fn list_experiments(
    _: Admin<needs::InsightsRead>,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<Stored>>, ApiError> {
    let Path(site) = path.map_err(super::bad_path)?;
    let site = super::configured_site(&state, &site)?;
    Ok(Json(store::list(&state.db, &site.settings.key).await?))
}

/// Exposures and metrics per variant, each against control, with the sample-ratio check.
#[utoipa::path(
    get, path = "/v1/admin/sites/{site}/experiments/{key}/results",
    params(("site" = String, Path), ("key" = String, Path)), security(("admin_key" = ["insights:read"])),
    responses((status = 200, body = Results), (status = 404, body = ErrorBody, description = "unknown_site, experiment_not_found"))
)]
pub async fn experiment_results(
    _: Admin<needs::InsightsRead>,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Results>, ApiError> {
    let (site, key) = site_and_key(&state, path)?;
    let stored = found(&state, site, &key).await?;
    Ok(Json(
        results::compute(&state.db, &site.settings.key, &stored, site.settings.experiments).await?,
    ))
}
