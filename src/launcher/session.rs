//! The page view's session: the visitor id this browser keeps, and the request that starts it.

use moments_protocol::wire::SessionRequest;
use web_sys::{AbortSignal, Element};

use crate::backend::{self, BackendError};
use crate::config::WidgetConfig;
use crate::state::Session;
use crate::{browser, decode, retry, standing};

const VISITOR_KEY: &str = "moments:visitor";
/// Never reset with the visitor id: refer-a-friend knows a referrer's own device by it.
const DEVICE_KEY: &str = "moments:device";
/// After this many failed starts the widget stays hidden for this page view.
const MAX_ATTEMPTS: u32 = 8;

/// The visitor id this browser keeps, made on first use.
pub fn visitor_id() -> String {
    browser::storage_get(VISITOR_KEY)
        .filter(|id| moments_protocol::domain::VisitorId::parse(id).is_ok())
        .unwrap_or_else(|| {
            let id = browser::new_uuid();
            browser::storage_set(VISITOR_KEY, &id);
            id
        })
}

/// The device id the loader made (`src/loader.js`), if this browser keeps one.
pub fn device_id() -> Option<String> {
    browser::storage_get(DEVICE_KEY).filter(|id| moments_protocol::domain::VisitorId::parse(id).is_ok())
}

/// Starts the page view's session (one `/v1/session` call when all goes well: the one the
/// loader sent, `prefetched`) and keeps trying quietly while the backend is down, slow or
/// talking nonsense; `None` once it gives up, or when `stop` is aborted.
pub async fn start(
    config: &WidgetConfig,
    host: &Element,
    stop: &AbortSignal,
    mut prefetched: Option<backend::Prefetched>,
) -> Option<Session> {
    let visitor_id = visitor_id();
    let mut request = SessionRequest {
        site: config.site.clone(),
        visitor_id: visitor_id.clone(),
        member_token: config.member_token.clone(),
        locale: config.locale.clone(),
        languages: browser::languages(),
        page_url: browser::page_url(),
        device_id: device_id(),
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
                standing::save(
                    &config.site,
                    request.member_token.as_deref(),
                    response.locale,
                    response.member.as_ref(),
                );
                crate::outbox::session_started(
                    &config.backend,
                    &config.site,
                    &visitor_id,
                    &response.session_id,
                    request.member_token.clone(),
                );
                return Some(Session { response, visitor_id });
            }
            Err(error) => error,
        };
        let rejected_token =
            matches!(&error, BackendError::Status { status: 401, .. }) && request.member_token.is_some();
        if rejected_token || !error.is_transient() || attempt + 1 >= MAX_ATTEMPTS {
            browser::emit(
                host,
                "moments:error",
                &browser::error_detail(error.code(), "the Moments session could not start"),
            );
        }
        if rejected_token {
            // A bad token must not cost the visitor their greeting: carry on anonymously.
            request.member_token = None;
            continue;
        }
        if !error.is_transient() || attempt + 1 >= MAX_ATTEMPTS {
            return None;
        }
        browser::sleep(
            retry::delay_ms(attempt, browser::random(), error.retry_after_secs()),
            stop,
        )
        .await;
        if stop.aborted() {
            return None;
        }
        attempt += 1;
    }
}
