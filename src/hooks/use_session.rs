use std::cell::Cell;
use std::rc::Rc;

use moments_protocol::wire::SessionRequest;
use web_sys::Element;
use yew::prelude::*;

use crate::backend::{self, BackendError};
use crate::config::WidgetConfig;
use crate::state::Session;
use crate::{browser, retry};

const VISITOR_KEY: &str = "moments:visitor";
/// After this many failed starts the widget stays hidden for this page view.
const MAX_ATTEMPTS: u32 = 8;

/// The visitor id this browser keeps, made on first use.
pub fn visitor_id() -> String {
    browser::storage_get(VISITOR_KEY).filter(|id| moments_protocol::domain::VisitorId::parse(id).is_ok()).unwrap_or_else(|| {
        let id = browser::new_uuid();
        browser::storage_set(VISITOR_KEY, &id);
        id
    })
}

/// Starts the page view's session (one `/v1/session` call when all goes well) and keeps
/// trying quietly while the backend is down, slow or talking nonsense.
#[hook]
pub fn use_session(config: Rc<WidgetConfig>, host: Element) -> Option<Rc<Session>> {
    let session = use_state(|| None::<Rc<Session>>);
    {
        let session = session.clone();
        use_effect_with(config, move |config| {
            let cancelled = Rc::new(Cell::new(false));
            let config = config.clone();
            let stop = cancelled.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(started) = start(&config, &host, &cancelled).await {
                    session.set(Some(Rc::new(started)));
                    browser::emit(&host, "moments:ready", &wasm_bindgen::JsValue::UNDEFINED);
                }
            });
            move || stop.set(true)
        });
    }
    (*session).clone()
}

async fn start(config: &WidgetConfig, host: &Element, cancelled: &Cell<bool>) -> Option<Session> {
    let visitor_id = visitor_id();
    let mut request = SessionRequest {
        site: config.site.clone(),
        visitor_id: visitor_id.clone(),
        member_token: config.member_token.clone(),
        locale: config.locale.clone(),
        languages: browser::languages(),
        page_url: browser::page_url(),
    };
    let mut attempt = 0;
    loop {
        if cancelled.get() {
            return None;
        }
        let error = match backend::start_session(config, &request).await {
            Ok(response) => {
                crate::outbox::session_started(&config.backend, &config.site, &visitor_id, &response.session_id, request.member_token.clone());
                return (!cancelled.get()).then_some(Session { response, visitor_id });
            }
            Err(error) => error,
        };
        let rejected_token = matches!(&error, BackendError::Status { status: 401, .. }) && request.member_token.is_some();
        if rejected_token || !error.is_transient() || attempt + 1 >= MAX_ATTEMPTS {
            browser::emit(host, "moments:error", &browser::error_detail(error.code(), "the Moments session could not start"));
        }
        if rejected_token {
            // A bad token must not cost the visitor their greeting: carry on anonymously.
            request.member_token = None;
            continue;
        }
        if !error.is_transient() || attempt + 1 >= MAX_ATTEMPTS {
            return None;
        }
        gloo_timers::future::TimeoutFuture::new(retry::delay_ms(attempt, browser::random(), error.retry_after_secs())).await;
        attempt += 1;
    }
}
