//! The HTTP client for the Moments protocol: fetch with a timeout, JSON both ways, and
//! errors that say whether trying again can help.

use js_sys::{Promise, Reflect};
use moments_protocol::text::{cat, decimal};
use moments_protocol::wire::{ClaimRequest, ClaimedSurprise, RedeemRequest, Redeemed, SessionRequest, SessionResponse};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, AddEventListenerOptions, Request, RequestCredentials, RequestInit, RequestMode,
    Response,
};

use crate::config::WidgetConfig;

const TIMEOUT_MS: i32 = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub enum BackendError {
    /// No answer: offline, DNS, CORS refusal, or the timeout.
    Unreachable,
    /// The server answered with an error status and, usually, our error body.
    Status {
        status: u16,
        code: String,
        retry_after_secs: Option<u32>,
    },
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
    answer_json(post(url, body, None, None).await?)
}

fn answer_json(answer: Answer) -> Result<JsValue, BackendError> {
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
            .unwrap_or_else(|| cat(&["http_", &decimal(i64::from(self.status))]));
        BackendError::Status {
            status: self.status,
            code,
            retry_after_secs: self.retry_after_secs,
        }
    }
}

/// The loader's session request, sent while the wasm was still loading (src/loader.js).
pub struct Prefetched {
    url: String,
    body: String,
    response: Promise,
    controller: AbortController,
}

impl Prefetched {
    /// What `mount` was handed: `{url, body, response, controller}`, or nothing usable.
    pub fn from_js(value: &JsValue) -> Option<Self> {
        let field = |name: &str| Reflect::get(value, &name.into()).ok();
        Some(Self {
            url: field("url")?.as_string()?,
            body: field("body")?.as_string()?,
            response: field("response")?.dyn_into().ok()?,
            controller: field("controller")?.dyn_into().ok()?,
        })
    }

    pub fn abort(&self) {
        self.controller.abort();
    }
}

/// Aborts `controller` when `stop` is aborted (the widget went away); the listener goes with
/// the controller's own abort, which `receive` always ends with.
fn abort_on(stop: Option<&AbortSignal>, controller: &AbortController) {
    let (Some(stop), Some(abort)) = (stop, crate::browser::bound(controller, "abort", None)) else {
        return;
    };
    let options = AddEventListenerOptions::new();
    options.set_once(true);
    options.set_signal(&controller.signal());
    let _ = stop.add_event_listener_with_callback_and_add_event_listener_options("abort", &abort, &options);
}

async fn post(
    url: &str,
    body: &JsValue,
    stop: Option<&AbortSignal>,
    prefetched: Option<Prefetched>,
) -> Result<Answer, BackendError> {
    let text: String = js_sys::JSON::stringify(body)
        .map_err(|_| BackendError::BadResponse)?
        .into();
    let (response, controller) = match prefetched {
        Some(p) if p.url == url && p.body == text => (p.response, p.controller),
        other => {
            if let Some(p) = other {
                p.abort();
            }
            send(url, &text)?
        }
    };
    abort_on(stop, &controller);
    receive(response, controller).await
}

fn send(url: &str, text: &str) -> Result<(Promise, AbortController), BackendError> {
    let controller = AbortController::new().map_err(|_| BackendError::Unreachable)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    // keepalive lets a send started as the page closes still complete.
    let _ = Reflect::set(&init, &"keepalive".into(), &true.into());
    init.set_body(&text.into());
    init.set_signal(Some(&controller.signal()));
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| BackendError::Unreachable)?;
    // A CORS-safelisted type: no preflight round trip before each request (the server reads
    // JSON from text/plain bodies too).
    let _ = request.headers().set("content-type", "text/plain;charset=UTF-8");
    let window = crate::browser::window().ok_or(BackendError::Unreachable)?;
    Ok((window.fetch_with_request(&request), controller))
}

/// Waits for the answer to a sent request, its body included: an answer whose body stalls
/// times out like a stalled connection.
async fn receive(response: Promise, controller: AbortController) -> Result<Answer, BackendError> {
    let window = crate::browser::window().ok_or(BackendError::Unreachable)?;
    let timer = crate::browser::bound(&controller, "abort", None).and_then(|abort| {
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&abort, TIMEOUT_MS)
            .ok()
    });
    let answer = read(response).await;
    if let Some(id) = timer {
        window.clear_timeout_with_handle(id);
    }
    // Done either way: removes the listener `abort_on` added, and aborts nothing that finished.
    controller.abort();
    answer
}

async fn read(response: Promise) -> Result<Answer, BackendError> {
    let response: Response = JsFuture::from(response)
        .await
        .map_err(|_| BackendError::Unreachable)?
        .dyn_into()
        .map_err(|_| BackendError::BadResponse)?;
    let body = JsFuture::from(response.text().map_err(|_| BackendError::Unreachable)?)
        .await
        .map_err(|_| BackendError::Unreachable)?;
    let json = body.as_string().and_then(|text| js_sys::JSON::parse(&text).ok());
    let retry_after_secs = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    Ok(Answer {
        ok: response.ok(),
        status: response.status(),
        json,
        retry_after_secs,
    })
}

/// `POST /v1/session` for a widget: abandoned when `stop` is aborted, and answered by the
/// loader's request when that one asked the same.
pub async fn start_session(
    config: &WidgetConfig,
    request: &SessionRequest,
    stop: &AbortSignal,
    prefetched: Option<Prefetched>,
) -> Result<JsValue, BackendError> {
    answer_json(
        post(
            &config.endpoint("/v1/session"),
            &crate::encode::session_request(request),
            Some(stop),
            prefetched,
        )
        .await?,
    )
}

/// `POST /v1/session` to the backend at `base` (the outbox keeps it with each event).
pub async fn start_session_at(base: &str, request: &SessionRequest) -> Result<SessionResponse, BackendError> {
    let answer = post_json(&cat(&[base, "/v1/session"]), &crate::encode::session_request(request)).await?;
    crate::decode::session_response(&answer).ok_or(BackendError::BadResponse)
}

/// `POST /v1/surprises/{id}/claim`. A gift opened before (409 `already_claimed`) is the
/// same gift: its answer carries it, and it is shown again.
pub async fn claim_surprise(
    config: &WidgetConfig,
    id: &str,
    request: &ClaimRequest,
    stop: &AbortSignal,
) -> Result<ClaimedSurprise, BackendError> {
    let answer = post(
        &config.endpoint(&cat(&["/v1/surprises/", id, "/claim"])),
        &crate::encode::claim_request(request),
        Some(stop),
        None,
    )
    .await?;
    let claimed = match (answer.ok, answer.status, &answer.json) {
        (true, _, Some(json)) => Some(json.clone()),
        (false, 409, Some(json)) => js_sys::Reflect::get(json, &"claimed".into()).ok(),
        (true, _, None) => return Err(BackendError::BadResponse),
        _ => return Err(answer.error()),
    };
    claimed
        .and_then(|c| crate::decode::claimed_surprise(&c))
        .ok_or(BackendError::BadResponse)
}

/// `POST /v1/rewards/{key}/redeem`. The same idempotency key again answers the same code.
pub async fn redeem(
    config: &WidgetConfig,
    key: &str,
    request: &RedeemRequest,
    stop: &AbortSignal,
) -> Result<Redeemed, BackendError> {
    let answer = answer_json(
        post(
            &config.endpoint(&cat(&["/v1/rewards/", key, "/redeem"])),
            &crate::encode::redeem_request(request),
            Some(stop),
            None,
        )
        .await?,
    )?;
    crate::decode::redeemed(&answer).ok_or(BackendError::BadResponse)
}
