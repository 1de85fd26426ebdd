//! The HTTP client for the Moments protocol: fetch with a timeout, JSON both ways, and
//! errors that say whether trying again can help.

use moments_protocol::wire::{ClaimRequest, ClaimedSurprise, RedeemRequest, Redeemed, SessionRequest, SessionResponse};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Request, RequestCredentials, RequestInit, RequestMode, Response};

use crate::config::WidgetConfig;

const TIMEOUT_MS: i32 = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub enum BackendError {
    /// No answer: offline, DNS, CORS refusal, or the timeout.
    Unreachable,
    /// The server answered with an error status and, usually, our error body.
    Status { status: u16, code: String, retry_after_secs: Option<u32> },
    /// A 2xx whose body is not what the protocol says.
    BadResponse,
}

impl BackendError {
    /// Whether the same request may succeed later.
    pub fn is_transient(&self) -> bool {
        match self {
            BackendError::Unreachable | BackendError::BadResponse => true,
            BackendError::Status { status, .. } => matches!(status, 408 | 425 | 429) || *status >= 500,
        }
    }

    pub fn code(&self) -> &str {
        match self {
            BackendError::Unreachable => "backend_unreachable",
            BackendError::BadResponse => "bad_response",
            BackendError::Status { code, .. } => code,
        }
    }

    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            BackendError::Status { retry_after_secs, .. } => *retry_after_secs,
            _ => None,
        }
    }
}

/// POSTs `body` (a JS value, sent as JSON) and returns the parsed JSON answer of a 2xx.
pub async fn post_json(url: &str, body: &JsValue) -> Result<JsValue, BackendError> {
    let answer = post(url, body).await?;
    if answer.ok {
        return answer.json.ok_or(BackendError::BadResponse);
    }
    Err(answer.error())
}

/// An answered request, whatever its status.
struct Answer {
    ok: bool,
    status: u16,
    json: Option<JsValue>,
    retry_after_secs: Option<u32>,
}

impl Answer {
    fn error(&self) -> BackendError {
        let code = self
            .json
            .as_ref()
            .and_then(|j| js_sys::Reflect::get(j, &"error".into()).ok())
            .and_then(|e| js_sys::Reflect::get(&e, &"code".into()).ok())
            .and_then(|c| c.as_string())
            .unwrap_or_else(|| format!("http_{}", self.status));
        BackendError::Status { status: self.status, code, retry_after_secs: self.retry_after_secs }
    }
}

async fn post(url: &str, body: &JsValue) -> Result<Answer, BackendError> {
    let text = js_sys::JSON::stringify(body).map_err(|_| BackendError::BadResponse)?;
    let controller = AbortController::new().ok();
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    // keepalive lets a send started as the page closes still complete.
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &true.into());
    init.set_body(&text);
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| BackendError::Unreachable)?;
    // A CORS-safelisted type: no preflight round trip before each request (the server reads
    // JSON from text/plain bodies too).
    let _ = request.headers().set("content-type", "text/plain;charset=UTF-8");
    let window = crate::browser::window().ok_or(BackendError::Unreachable)?;
    let timer = controller.as_ref().and_then(|c| {
        let c = c.clone();
        let abort = wasm_bindgen::closure::Closure::once_into_js(move || c.abort());
        window.set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), TIMEOUT_MS).ok()
    });
    let result = JsFuture::from(window.fetch_with_request(&request)).await;
    let clear = || {
        if let Some(id) = timer {
            window.clear_timeout_with_handle(id);
        }
    };
    let response: Response = match result.map_err(|_| BackendError::Unreachable).and_then(|r| r.dyn_into().map_err(|_| BackendError::BadResponse)) {
        Ok(response) => response,
        Err(error) => {
            clear();
            return Err(error);
        }
    };
    // The timeout covers the body too: an answer whose body stalls aborts like a stalled connection.
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(error) => Err(error),
    };
    clear();
    let Ok(body) = body else { return Err(BackendError::Unreachable) };
    let json = body.as_string().and_then(|text| js_sys::JSON::parse(&text).ok());
    let retry_after_secs = response.headers().get("retry-after").ok().flatten().and_then(|v| v.trim().parse().ok());
    Ok(Answer { ok: response.ok(), status: response.status(), json, retry_after_secs })
}

/// `POST /v1/session`.
pub async fn start_session(config: &WidgetConfig, request: &SessionRequest) -> Result<SessionResponse, BackendError> {
    start_session_at(&config.backend, request).await
}

/// `POST /v1/session` to the backend at `base` (the outbox keeps it with each event).
pub async fn start_session_at(base: &str, request: &SessionRequest) -> Result<SessionResponse, BackendError> {
    let answer = post_json(&format!("{base}/v1/session"), &crate::encode::session_request(request)).await?;
    crate::decode::session_response(&answer).ok_or(BackendError::BadResponse)
}

/// `POST /v1/surprises/{id}/claim`. A gift opened before (409 `already_claimed`) is the
/// same gift: its answer carries it, and it is shown again.
pub async fn claim_surprise(config: &WidgetConfig, id: &str, request: &ClaimRequest) -> Result<ClaimedSurprise, BackendError> {
    let answer = post(&config.endpoint(&format!("/v1/surprises/{id}/claim")), &crate::encode::claim_request(request)).await?;
    let claimed = match (answer.ok, answer.status, &answer.json) {
        (true, _, Some(json)) => Some(json.clone()),
        (false, 409, Some(json)) => js_sys::Reflect::get(json, &"claimed".into()).ok(),
        (true, _, None) => return Err(BackendError::BadResponse),
        _ => return Err(answer.error()),
    };
    claimed.and_then(|c| crate::decode::claimed_surprise(&c)).ok_or(BackendError::BadResponse)
}

/// `POST /v1/rewards/{key}/redeem`. The same idempotency key again answers the same code.
pub async fn redeem(config: &WidgetConfig, key: &str, request: &RedeemRequest) -> Result<Redeemed, BackendError> {
    let answer = post_json(&config.endpoint(&format!("/v1/rewards/{key}/redeem")), &crate::encode::redeem_request(request)).await?;
    crate::decode::redeemed(&answer).ok_or(BackendError::BadResponse)
}
