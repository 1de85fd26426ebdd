use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Moments protocol",
        description = "What the Moments widget says to its backend. Any server that answers these \
                       endpoints this way can stand behind the widget."
    ),
    paths(super::health::health, super::session::start_session, super::events::record_events),
    components(schemas(moments_protocol::wire::Event)),
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
