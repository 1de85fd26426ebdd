use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// Healthy means the database answers, not just that the process is up.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The server and its database answer")))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    Ok(Json(json!({ "status": "ok" })))
}
