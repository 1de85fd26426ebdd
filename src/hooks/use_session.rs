use std::cell::RefCell;
use std::rc::Rc;

use moments_protocol::wire::SessionRequest;
use web_sys::{AbortController, AbortSignal, Element};
use yew::prelude::*;

use crate::backend::{self, BackendError};
use crate::config::WidgetConfig;
use crate::state::Session;
use crate::{browser, decode, retry, standing};

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

/// The loader's session request, handed over once to the first start.
#[derive(Clone, Default)]
pub struct PendingSession(Rc<RefCell<Option<backend::Prefetched>>>);

impl PendingSession {
    pub fn new(prefetched: Option<backend::Prefetched>) -> Self {
        Self(Rc::new(RefCell::new(prefetched)))
    }
    fn take(&self) -> Option<backend::Prefetched> {
        self.0.borrow_mut().take()
    }
}

impl PartialEq for PendingSession {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Starts the page view's session (one `/v1/session` call when all goes well, the one the
/// loader sent) and keeps trying quietly while the backend is down, slow or talking nonsense.
/// A new config (another member token, say) starts another; the old one's request and
/// timers stop, as they do when the widget goes.
#[hook]
pub fn use_session(config: Rc<WidgetConfig>, host: Element, pending: PendingSession) -> Option<Rc<Session>> {
    let session = use_state(|| None::<Rc<Session>>);
    {
        let session = session.clone();
        use_effect_with(config, move |config| {
            let controller = AbortController::new().ok();
            let stop = controller.as_ref().map(AbortController::signal);
            let prefetched = pending.take();
            let config = config.clone();
            if let Some(stop) = stop {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(started) = start(&config, &host, &stop, prefetched).await {
                        browser::sleep(0, &stop).await;
                        session.set(Some(Rc::new(started)));
                        browser::emit(&host, "moments:ready", &wasm_bindgen::JsValue::UNDEFINED);
                    }
                });
            }
            move || {
                if let Some(controller) = controller {
                    controller.abort();
                }
            }
        });
    }
    (*session).clone()
}

async fn start(config: &WidgetConfig, host: &Element, stop: &AbortSignal, mut prefetched: Option<backend::Prefetched>) -> Option<Session> {
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
        let answer = backend::start_session(config, &request, stop, prefetched.take()).await;
        // Reading the answer, decoding it and drawing it are three tasks, none long on a slow phone.
        browser::sleep(0, stop).await;
        if stop.aborted() {
            return None;
        }
        let error = match answer.and_then(|json| decode::session_response(&json).ok_or(BackendError::BadResponse)) {
            Ok(response) => {
                standing::save(&config.site, request.member_token.as_deref(), response.locale, response.member.as_ref());
                crate::outbox::session_started(&config.backend, &config.site, &visitor_id, &response.session_id, request.member_token.clone());
                return Some(Session { response, visitor_id });
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
        browser::sleep(retry::delay_ms(attempt, browser::random(), error.retry_after_secs()), stop).await;
        if stop.aborted() {
            return None;
        }
        attempt += 1;
    }
}
