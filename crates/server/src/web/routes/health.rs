use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::web::error::ApiError;
use crate::web::state::AppState;

/// Liveness: the process answers. Never limited, shed or made to wait for the database, so a
/// busy server is not mistaken for a dead one.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The process is alive")))]
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers and every migration this build knows has run, so the
/// server may be sent traffic.
#[utoipa::path(
    get, path = "/readyz",
    responses(
        (status = 200, description = "Ready: the database answers and is migrated"),
        (status = 503, description = "not_ready: the database is unreachable or not migrated"),
    )
)]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let not_ready = |why: String| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", why);
    let missing = crate::platform::db::migrations_missing(&state.db)
        .await
        .map_err(|e| not_ready(format!("the database does not answer: {e}")))?;
    if missing > 0 {
        return Err(not_ready(format!("{missing} migrations have not run")));
    }
    let backend = crate::platform::db::Backend::of_pool(&state.db);
    Ok(Json(
        json!({ "status": "ready", "database": backend.name(), "migrations": backend.migrator().iter().count() }),
    ))
}
