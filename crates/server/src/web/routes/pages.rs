//! Serves the `www/` pages the way a customer's site would show them: the HTML gets this
//! server's public URL (and, in demo mode, a member token the "host backend" signed).

use std::path::{Component, Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::features::demo;
use crate::web::error::ApiError;
use crate::web::state::AppState;

#[derive(Clone)]
pub struct Pages {
    root: PathBuf,
}

impl Pages {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub async fn serve(&self, state: &AppState, request: Request) -> Response {
        let path = request.uri().path().trim_start_matches('/');
        let path = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_owned()
        };
        if !is_plain_relative(Path::new(&path)) {
            return not_found();
        }
        if !path.ends_with(".html") {
            return match ServeDir::new(&self.root).oneshot(request).await {
                Ok(r) if r.status() == StatusCode::NOT_FOUND => not_found(),
                Ok(r) => r.into_response(),
                Err(never) => match never {},
            };
        }
        match tokio::fs::read_to_string(self.root.join(&path)).await {
            Ok(html) => {
                let page = html.replace("{{MOMENTS_BACKEND}}", &state.public_url);
                let page = match state.demo.then(|| demo::member_token(&state.sites)).flatten() {
                    Some(token) => page.replace("{{DEMO_MEMBER_TOKEN}}", &token),
                    None => page.replace("{{DEMO_MEMBER_TOKEN}}", ""),
                };
                ([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
            }
            Err(_) => not_found(),
        }
    }
}

fn is_plain_relative(path: &Path) -> bool {
    path.components().all(|c| matches!(c, Component::Normal(_)))
}

fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such page").into_response()
}

pub async fn serve_page(State(state): State<AppState>, pages: axum::Extension<Pages>, request: Request) -> Response {
    pages.serve(&state, request).await
}

/// `POST /demo/orders`: the demo shop's backend placing an order (see `demo::place_order`).
pub async fn demo_order(State(state): State<AppState>) -> Response {
    match demo::place_order(&state.sites) {
        Some(order) => axum::Json(order).into_response(),
        None => not_found(),
    }
}
