//! The custom element's life: `src/loader.js` defines `<moments-widget>` and calls [`mount`]
//! when an element is connected, `update` when its attributes change, `unmount` when it goes.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::browser;
use crate::config::WidgetConfig;
use crate::context::HostContext;
use crate::launcher::{Launcher, Start};
use crate::session_end::EndSignal;
use crate::state::Session;

/// src/style.css, minified by build.rs: what the first badge needs (the later parts bring theirs).
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/style.min.css"));

thread_local! {
    /// One stylesheet object shared by every widget on the page.
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new().ok().filter(|s| s.replace_sync(STYLE).is_ok());
}

const SET_ATTRIBUTES: &str = "set the backend and site attributes";

/// A widget drawn in its element; `unmount` takes it away again.
#[wasm_bindgen]
pub struct MountedWidget {
    launcher: Option<Rc<Launcher>>,
    host: HtmlElement,
}

#[wasm_bindgen]
impl MountedWidget {
    /// Everything the widget started stops: its requests are aborted, its timers cleared and
    /// its listeners removed.
    pub fn unmount(&mut self) {
        if let Some(launcher) = self.launcher.take() {
            launcher.unmount();
        }
    }

    /// The element's attributes changed: the widget takes the new ones in place. A new member
    /// token starts a new session; an open panel, an open question and a draft comment stay.
    pub fn update(&mut self) {
        let Some(launcher) = &self.launcher else { return };
        read_context_attribute(&self.host, launcher.context());
        match WidgetConfig::from_attributes(|name| self.host.get_attribute(name)) {
            Ok(config) => launcher.update(config),
            Err(error) => browser::emit(
                &self.host,
                "moments:error",
                &browser::error_detail(error.code(), SET_ATTRIBUTES),
            ),
        }
    }

    /// `element.endSession()`: the host says the visit is over (checkout done, chat closed).
    #[wasm_bindgen(js_name = endSession)]
    pub fn end_session(&self) {
        if let Some(launcher) = &self.launcher {
            launcher.end_session();
        }
    }

    /// `element.track(name, { value })`: counts something the host cares about (a purchase);
    /// a surprise it earns is revealed at once.
    pub fn track(&self, name: String, properties: JsValue) {
        match crate::track::event(&name, &properties) {
            Ok(event) => {
                if let Some(launcher) = &self.launcher {
                    launcher.track(event);
                }
            }
            Err((code, message)) => browser::emit(&self.host, "moments:error", &browser::error_detail(code, message)),
        }
    }

    /// `element.setContext({ ticket, agent, topic })`: what the visit is about, carried by the
    /// answer given after it; `null` goes back to the `context` attribute's.
    #[wasm_bindgen(js_name = setContext)]
    pub fn set_context(&self, value: JsValue) {
        let Some(launcher) = &self.launcher else { return };
        if let Err((code, message)) = launcher.context().set(&value) {
            browser::emit(&self.host, "moments:error", &browser::error_detail(code, &message));
        }
    }
}

/// Takes the `context` attribute's JSON; a mistake is reported and leaves no context.
fn read_context_attribute(host: &HtmlElement, context: &HostContext) {
    if let Err((code, message)) = context.set_attribute(host.get_attribute("context")) {
        browser::emit(host, "moments:error", &browser::error_detail(code, &message));
    }
}

/// Draws the widget into `host`'s open shadow root, where the page's CSS cannot reach it and
/// from where its own CSS cannot leak. Problems are reported as `moments:error` events.
/// `session` is the loader's session request (`{url, body, response, controller}`), if any.
#[wasm_bindgen]
pub fn mount(host: HtmlElement, session: JsValue) -> MountedWidget {
    let prefetched = crate::backend::Prefetched::from_js(&session);
    let launcher = WidgetConfig::from_attributes(|name| host.get_attribute(name))
        .map_err(|error| {
            browser::emit(
                &host,
                "moments:error",
                &browser::error_detail(error.code(), SET_ATTRIBUTES),
            )
        })
        .ok()
        .and_then(|config| start(&host, config, Rc::default(), Start::Request(prefetched)));
    if launcher.is_some() {
        crate::outbox::flush_when_leaving();
    }
    MountedWidget { launcher, host }
}

/// A widget for a session already started, with the host's `endSession()` as `end`: the
/// widget's own browser tests draw a page view without a backend.
#[doc(hidden)]
pub fn mount_started(host: HtmlElement, config: WidgetConfig, session: Session, end: Rc<EndSignal>) -> MountedWidget {
    let launcher = start(&host, config, end, Start::Started(Box::new(session)));
    MountedWidget { launcher, host }
}

fn start(host: &HtmlElement, config: WidgetConfig, end: Rc<EndSignal>, start: Start) -> Option<Rc<Launcher>> {
    let Some(root) = shadow_root(host) else {
        browser::emit(
            host,
            "moments:error",
            &browser::error_detail("no_shadow_root", "this element cannot host a shadow root"),
        );
        return None;
    };
    let container: Element = root.owner_document()?.create_element("div").ok()?;
    container.set_class_name("moments-host");
    root.append_child(&container).ok()?;
    let context = Rc::new(HostContext::default());
    read_context_attribute(host, &context);
    Launcher::mount(host.clone(), container, config, context, end, start)
}

/// The element's shadow root, emptied, with our stylesheet adopted (no `<style>` element,
/// so pages with a strict `style-src` need no exception for us).
fn shadow_root(host: &HtmlElement) -> Option<ShadowRoot> {
    let root = match host.shadow_root() {
        Some(root) => root,
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).ok()?,
    };
    // Not `innerHTML = ""`, which a page enforcing Trusted Types refuses.
    while let Some(child) = root.first_child() {
        let _ = root.remove_child(&child);
    }
    SHEET.with(|sheet| {
        if let Some(sheet) = sheet {
            root.set_adopted_style_sheets(&js_sys::Array::of1(sheet));
        }
    });
    Some(root)
}
