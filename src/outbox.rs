//! Nothing the visitor tells us is lost: every event is written to `localStorage` before any
//! send, sent in batches, and removed only once the server has answered for it. Sends that
//! fail are retried with backoff, on this page view and the next ones. Storing, and handing
//! everything to the browser as the page goes, are here in the first download; sending with
//! retries comes with the later parts (`crate::later::sending`), which start it when they load.

use std::cell::{Cell, RefCell};

use moments_protocol::limits::{MAX_BATCH_EVENTS, MAX_BODY_BYTES};
use moments_protocol::text::cat;
use moments_protocol::wire::Event;
use wasm_bindgen::JsValue;

use crate::browser;
use crate::decode::string;

const STORAGE_KEY: &str = "moments:outbox:v1";
/// Past this many waiting events the oldest exposures and tracked events go (a host's storage
/// quota matters too); what the visitor told us (answers, comments, dismissals) never does.
pub const MAX_ENTRIES: usize = 500;

/// One event waiting to be sent, with what the batch it goes in needs.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub backend: String,
    pub site: String,
    pub visitor_id: String,
    pub session_id: String,
    pub id: String,
    /// The event exactly as it goes on the wire.
    pub event: JsValue,
}

impl Envelope {
    pub fn new(backend: &str, site: &str, visitor_id: &str, session_id: &str, event: &Event) -> Self {
        Self {
            backend: backend.into(),
            site: site.into(),
            visitor_id: visitor_id.into(),
            session_id: session_id.into(),
            id: event.id().into(),
            event: crate::encode::event(event),
        }
    }

    fn to_js(&self) -> JsValue {
        let object = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = js_sys::Reflect::set(&object, &k.into(), v);
        };
        set("backend", &self.backend.as_str().into());
        set("site", &self.site.as_str().into());
        set("visitor_id", &self.visitor_id.as_str().into());
        set("session_id", &self.session_id.as_str().into());
        set("id", &self.id.as_str().into());
        set("event", &self.event);
        object.into()
    }

    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            backend: string(v, "backend")?,
            site: string(v, "site")?,
            visitor_id: string(v, "visitor_id")?,
            session_id: string(v, "session_id")?,
            id: string(v, "id")?,
            event: js_sys::Reflect::get(v, &"event".into())
                .ok()
                .filter(JsValue::is_object)?,
        })
    }

    pub fn same_batch(&self, other: &Envelope) -> bool {
        (&self.backend, &self.site, &self.visitor_id, &self.session_id)
            == (&other.backend, &other.site, &other.visitor_id, &other.session_id)
    }
}

/// A session this page started, where events whose own session the server no longer knows
/// (an outbox from before a server move, a forged id) are sent instead. The member token is
/// kept in memory only, never stored.
#[derive(Debug, Clone)]
pub struct Started {
    pub backend: String,
    pub site: String,
    pub visitor_id: String,
    pub session_id: String,
    pub member_token: Option<String>,
}

impl Started {
    fn serves(&self, envelope: &Envelope) -> bool {
        (&self.backend, &self.site, &self.visitor_id) == (&envelope.backend, &envelope.site, &envelope.visitor_id)
    }
}

thread_local! {
    static STARTED: RefCell<Vec<Started>> = const { RefCell::new(Vec::new()) };
    /// Used only where `localStorage` cannot be written (sandboxed frames, full quota).
    static MEMORY: RefCell<Vec<Envelope>> = const { RefCell::new(Vec::new()) };
    /// What sends the outbox, once the later parts have loaded.
    static SENDER: Cell<Option<fn()>> = const { Cell::new(None) };
}

/// The later parts have loaded: from now on every event is sent as it is written, and what
/// waited is sent at once.
pub fn send_with(send: fn()) {
    SENDER.set(Some(send));
    send();
}

/// Sends what is waiting, if the sender has loaded (if not, it sends everything when it does).
pub fn flush() {
    if let Some(send) = SENDER.get() {
        send();
    }
}

/// Every event still waiting, oldest first.
pub fn pending() -> Vec<Envelope> {
    // An entry that cannot be read (storage edited by hand, say) is dropped rather than
    // sent half-understood.
    let mut all: Vec<Envelope> = browser::storage_get(STORAGE_KEY)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .filter(js_sys::Array::is_array)
        .map(|list| {
            js_sys::Array::from(&list)
                .iter()
                .filter_map(|e| Envelope::from_js(&e))
                .collect()
        })
        .unwrap_or_default();
    MEMORY.with_borrow(|memory| {
        all.extend(
            memory
                .iter()
                .filter(|m| !all.iter().any(|s| s.id == m.id))
                .cloned()
                .collect::<Vec<_>>(),
        )
    });
    all
}

/// Drops the oldest expendable events (exposures, then tracked events, each oldest first)
/// until at most `max` remain; the visitor's own words stay even past `max`. True when the
/// outbox was full: something had to go, or could not.
pub fn make_room(entries: &mut Vec<Envelope>, max: usize) -> bool {
    let full = entries.len() > max;
    for expendable in ["exposure", "track"] {
        while entries.len() > max {
            let Some(oldest) = entries
                .iter()
                .position(|e| string(&e.event, "type").as_deref() == Some(expendable))
            else {
                break;
            };
            entries.remove(oldest);
        }
    }
    full
}

pub fn save(mut entries: Vec<Envelope>) {
    if make_room(&mut entries, MAX_ENTRIES)
        && let Some(newest) = entries.last()
    {
        let refusal = crate::earned::Refusal {
            code: "outbox_full".into(),
            message: "events are waiting to be sent; the oldest exposures and tracked events were dropped".into(),
        };
        crate::earned::deliver(
            &newest.session_id,
            crate::earned::Answered {
                offers: Vec::new(),
                refused: vec![refusal],
            },
        );
    }
    let list: js_sys::Array = entries.iter().map(Envelope::to_js).collect();
    let text = js_sys::JSON::stringify(&list).ok().and_then(|s| s.as_string());
    let stored = text.is_some_and(|t| browser::storage_set(STORAGE_KEY, &t));
    MEMORY.with_borrow_mut(|memory| *memory = if stored { Vec::new() } else { entries });
}

/// The session this page started for `envelope`'s visitor, if any.
pub fn started_for(envelope: &Envelope) -> Option<Started> {
    STARTED.with_borrow(|all| all.iter().find(|s| s.serves(envelope)).cloned())
}

/// A widget's session has started: events refused for their own session go into this one.
pub fn session_started(backend: &str, site: &str, visitor_id: &str, session_id: &str, member_token: Option<String>) {
    let started = Started {
        backend: backend.into(),
        site: site.into(),
        visitor_id: visitor_id.into(),
        session_id: session_id.into(),
        member_token,
    };
    STARTED.with_borrow_mut(|all| {
        all.retain(|s| !(s.backend == started.backend && s.site == started.site && s.visitor_id == started.visitor_id));
        all.push(started);
    });
}

/// Writes down an event of `session`'s page view, then tries to send everything waiting.
pub fn record(config: &crate::config::WidgetConfig, session: &crate::state::Session, event: &Event) {
    enqueue(Envelope::new(
        &config.backend,
        &config.site,
        &session.visitor_id,
        &session.response.session_id,
        event,
    ));
}

/// Writes the event down, then tries to send everything waiting.
pub fn enqueue(envelope: Envelope) {
    let mut all = pending();
    if !all.iter().any(|e| e.id == envelope.id) {
        all.push(envelope);
    }
    save(all);
    flush();
}

/// Hands everything waiting to the browser as the page goes away (`pagehide`, or hidden,
/// which on phones may be the last moment): `sendBeacon` outlives the page. It says nothing
/// about arrival, so the events stay in the outbox until a later fetch is answered; the
/// server stores each id once.
pub fn flush_by_beacon() {
    let Some(navigator) = browser::window().map(|w| w.navigator()) else {
        return;
    };
    let all = pending();
    let mut rest: Vec<&Envelope> = all.iter().collect();
    while let Some(first) = rest.first().copied() {
        let (batch, others): (Vec<&Envelope>, Vec<&Envelope>) = rest.iter().partition(|e| e.same_batch(first));
        for chunk in batch.chunks(MAX_BATCH_EVENTS) {
            send_beacon_chunk(&navigator, first, chunk);
        }
        rest = others;
    }
}

/// Beacons are limited to 64 KiB: a chunk too big is halved until it fits.
fn send_beacon_chunk(navigator: &web_sys::Navigator, first: &Envelope, chunk: &[&Envelope]) {
    let text = js_sys::JSON::stringify(&batch_body(first, chunk))
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    if text.len() <= MAX_BODY_BYTES || chunk.len() == 1 {
        let _ = navigator.send_beacon_with_opt_str(&cat(&[&first.backend, "/v1/events"]), Some(&text));
    } else {
        let (a, b) = chunk.split_at(chunk.len() / 2);
        send_beacon_chunk(navigator, first, a);
        send_beacon_chunk(navigator, first, b);
    }
}

thread_local! {
    static UNLOAD_HOOKS: RefCell<Vec<crate::listener::Listener>> = const { RefCell::new(Vec::new()) };
}

/// Once per page: flush by beacon when the page is hidden or goes away. Never shows anything.
pub fn flush_when_leaving() {
    UNLOAD_HOOKS.with_borrow_mut(|hooks| {
        if !hooks.is_empty() {
            return;
        }
        let Some(window) = browser::window() else { return };
        hooks.extend(crate::listener::Listener::new(&window, "pagehide", false, |_| {
            flush_by_beacon()
        }));
        if let Some(document) = window.document() {
            let watched = document.clone();
            hooks.extend(crate::listener::Listener::new(
                &document,
                "visibilitychange",
                false,
                move |_| {
                    if watched.hidden() {
                        flush_by_beacon();
                    }
                },
            ));
        }
    });
}

pub fn batch_body(first: &Envelope, batch: &[&Envelope]) -> JsValue {
    let body = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(&body, &k.into(), v);
    };
    set("site", &first.site.as_str().into());
    set("visitor_id", &first.visitor_id.as_str().into());
    set("session_id", &first.session_id.as_str().into());
    set(
        "events",
        &batch.iter().map(|e| e.event.clone()).collect::<js_sys::Array>().into(),
    );
    body.into()
}
