//! `element.track(name, { value })`: something the host wants counted (a purchase, a
//! signup). Checked here, so a mistake is reported at once as `moments:error`.

use moments_protocol::limits::MAX_TRACK_NAME_LEN;
use moments_protocol::wire::Event;
use wasm_bindgen::JsValue;

use crate::browser;

pub type TrackSignal = crate::host_signal::HostSignal<Event>;

/// The event for a host's call, or the code and message of what is wrong with it.
pub fn event(name: &str, properties: &JsValue) -> Result<Event, (&'static str, &'static str)> {
    let length = name.chars().count();
    if length == 0 || length > MAX_TRACK_NAME_LEN {
        return Err(("invalid_track_name", "track(name): a name of 1 to 64 characters"));
    }
    let value = match properties.is_object().then(|| js_sys::Reflect::get(properties, &"value".into()).ok()).flatten() {
        None => None,
        Some(v) if v.is_undefined() || v.is_null() => None,
        Some(v) => match v.as_f64().filter(|n| n.is_finite()) {
            Some(n) => Some(n),
            None => return Err(("invalid_track_value", "track(name, { value }): value must be a finite number")),
        },
    };
    Ok(Event::Track { id: browser::new_uuid(), at: browser::now_ms(), name: name.to_owned(), value })
}
