//! `element.track(name, { value, proof })`: something the host wants counted (a purchase, a
//! signup), with the proof its backend signed when it is worth something. Checked here, so a
//! mistake is reported at once as `moments:error`.

use moments_protocol::limits::MAX_PROOF_LEN;
use moments_protocol::wire::Event;
use wasm_bindgen::JsValue;

use crate::browser;

pub type TrackSignal = crate::host_signal::HostSignal<Event>;

/// The event for a host's call, or the code and message of what is wrong with it.
pub fn event(name: &str, properties: &JsValue) -> Result<Event, (&'static str, &'static str)> {
    // The protocol's rule, the one the server applies.
    let name = moments_protocol::domain::track_name(name).map_err(|_| {
        (
            "invalid_track_name",
            "track(name): a name of 1 to 64 characters, without control characters",
        )
    })?;
    let property = |key: &str| {
        properties
            .is_object()
            .then(|| js_sys::Reflect::get(properties, &key.into()).ok())
            .flatten()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let value = match property("value") {
        None => None,
        Some(v) => match v.as_f64().filter(|n| n.is_finite()) {
            Some(n) => Some(n),
            None => {
                return Err((
                    "invalid_track_value",
                    "track(name, { value }): value must be a finite number",
                ));
            }
        },
    };
    let proof = match property("proof") {
        None => None,
        Some(p) => match p.as_string().filter(|p| !p.is_empty() && p.len() <= MAX_PROOF_LEN) {
            Some(p) => Some(p),
            None => {
                return Err((
                    "invalid_track_proof",
                    "track(name, { proof }): proof must be the token your backend signed",
                ));
            }
        },
    };
    Ok(Event::Track {
        id: browser::new_uuid(),
        at: browser::now_ms(),
        name,
        value,
        proof,
    })
}
