//! The few browser facilities the widget uses, each failing softly: a host page may run us
//! in a sandboxed iframe, with storage disabled, or in an old browser.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit, Element, Storage};

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// `localStorage`, or `None` where it is missing or forbidden (it throws in some sandboxes).
pub fn local_storage() -> Option<Storage> {
    window()?.local_storage().ok().flatten()
}

pub fn storage_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// False when the write did not happen (no storage, or quota exceeded).
pub fn storage_set(key: &str, value: &str) -> bool {
    local_storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

pub fn storage_remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

/// Puts `text` on the clipboard, then calls `done` (not when the browser refuses).
pub fn copy_text(text: &str, done: impl FnOnce() + 'static) {
    let Some(window) = window() else { return };
    let written = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(written).await.is_ok() {
            done();
        }
    });
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Uniform in [0, 1).
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// A version-4 UUID from `crypto.getRandomValues` (which, unlike `randomUUID`, also works
/// on plain-http pages).
pub fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    let filled = window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for b in &mut bytes {
            *b = (random() * 256.0) as u8;
        }
    }
    moments_protocol::uuid::v4_from_bytes(bytes)
}

/// The browser's language preferences, most preferred first.
pub fn languages() -> Vec<String> {
    let Some(navigator) = window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let list: Vec<String> = navigator.languages().iter().filter_map(|l| l.as_string()).collect();
    if list.is_empty() {
        navigator.language().into_iter().collect()
    } else {
        list
    }
}

/// The page's origin and path: never its query string or fragment, which may hold e-mail
/// addresses, order tokens and the like.
/// Whether the page address has a query (`?…`): where a referral link's code would be.
pub fn has_query() -> bool {
    window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|s| s.len() > 1)
}

pub fn page_url() -> Option<String> {
    let location = window()?.location();
    Some(location.origin().ok()? + &location.pathname().ok()?)
}

/// Fires `name` on the host element so the page can listen; it bubbles and crosses no shadow boundary.
pub fn emit(target: &Element, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = target.dispatch_event(&event);
    }
}

/// A plain JS object of string fields, the detail of the events the host hears.
pub fn detail(fields: &[(&str, &str)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&object, &(*key).into(), &(*value).into());
    }
    object.into()
}

/// `{ code, message }`, the detail of `moments:error`.
pub fn error_detail(code: &str, message: &str) -> JsValue {
    detail(&[("code", code), ("message", message)])
}

/// The day of `at_ms` in the visitor's time zone, written the way `locale` writes dates
/// (`Nov 23, 2026`, `2026年11月23日`).
pub fn format_date(at_ms: i64, locale: moments_protocol::Locale) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
    crate::i18n::date(
        i64::from(date.get_full_year()),
        date.get_month() + 1,
        date.get_date(),
        locale,
    )
}

/// Characters as the visitor sees them (grapheme clusters, through `Intl.Segmenter`);
/// Unicode scalar values where the browser has no segmenter.
pub fn grapheme_count(text: &str) -> usize {
    // The constructor throws where it does not exist (Firefox before 125): look first.
    let has_segmenter = js_sys::Reflect::get(&js_sys::global(), &"Intl".into())
        .and_then(|intl| js_sys::Reflect::has(&intl, &"Segmenter".into()))
        .unwrap_or(false);
    if !has_segmenter {
        return text.chars().count();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"granularity".into(), &"grapheme".into());
    let segmenter = js_sys::Intl::Segmenter::new(&js_sys::Array::new(), &options);
    js_sys::Array::from(&segmenter.segment(text)).length() as usize
}

pub fn as_element(value: &JsValue) -> Option<Element> {
    value.dyn_ref::<Element>().cloned()
}

/// `target.method` bound to `target` (and `arg`, if any): a JS function timers and listeners
/// can call with no Rust closure to keep alive, or to leak when it is never called.
pub fn bound(target: &JsValue, method: &str, arg: Option<&JsValue>) -> Option<js_sys::Function> {
    let method = js_sys::Reflect::get(target, &method.into()).ok()?;
    let bind: js_sys::Function = js_sys::Reflect::get(&method, &"bind".into()).ok()?.dyn_into().ok()?;
    let args = js_sys::Array::of1(target);
    if let Some(arg) = arg {
        args.push(arg);
    }
    bind.apply(&method, &args).ok()?.dyn_into().ok()
}

/// Waits `ms`, or less when `stop` is aborted first; then no timer of ours is left behind.
pub async fn sleep(ms: u32, stop: &web_sys::AbortSignal) {
    // An aborted signal fires no more `abort` events: a timer set now would outlive the widget.
    let Some(window) = window().filter(|_| !stop.aborted()) else {
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let resolve: &js_sys::Function = resolve.unchecked_ref();
        let Ok(id) =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(resolve, ms.min(i32::MAX as u32) as i32)
        else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
            return;
        };
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        let clear = bound(&window, "clearTimeout", Some(&id.into()));
        for listener in clear.iter().chain([resolve]) {
            let _ = stop.add_event_listener_with_callback_and_add_event_listener_options("abort", listener, &options);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A task for when the browser is idle; dropping it cancels the task if it has not run.
pub struct WhenIdle {
    cancel: Option<js_sys::Function>,
    _task: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Drop for WhenIdle {
    fn drop(&mut self) {
        if let Some(cancel) = &self.cancel {
            let _ = cancel.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Runs `task` when the browser is idle (`requestIdleCallback`, at most `timeout_ms` later),
/// or after `fallback_ms` in a browser without it (Safari).
pub fn when_idle(timeout_ms: u32, fallback_ms: u32, task: impl FnOnce() + 'static) -> Option<WhenIdle> {
    let window = window()?;
    let mut task = Some(task);
    let task = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        if let Some(task) = task.take() {
            task();
        }
    });
    let callback: &js_sys::Function = task.as_ref().unchecked_ref();
    let idle = js_sys::Reflect::get(&window, &"requestIdleCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let cancel = match idle {
        Some(request) => {
            let options = detail(&[]);
            let _ = js_sys::Reflect::set(&options, &"timeout".into(), &timeout_ms.into());
            let id = request.call2(&window, callback, &options).ok()?;
            bound(&window, "cancelIdleCallback", Some(&id))
        }
        None => {
            let id = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    callback,
                    fallback_ms.min(i32::MAX as u32) as i32,
                )
                .ok()?;
            bound(&window, "clearTimeout", Some(&id.into()))
        }
    };
    Some(WhenIdle { cancel, _task: task })
}
