//! The custom element's life: `src/loader.js` defines `<moments-widget>` and calls [`mount`]
//! when an element is connected, `update` when its attributes change, `unmount` when it goes.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};
use yew::AppHandle;

use crate::browser;
use crate::components::{App, AppProps};
use crate::config::WidgetConfig;
use crate::context::HostContext;
use crate::hooks::PendingSession;
use crate::session_end::EndSignal;
use crate::track::TrackSignal;

/// src/style.css, minified by build.rs.
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/style.min.css"));

thread_local! {
    /// One stylesheet object shared by every widget on the page.
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new().ok().filter(|s| s.replace_sync(STYLE).is_ok());
}

const SET_ATTRIBUTES: &str = "set the backend and site attributes";

/// A widget rendered into its element; `unmount` takes it away again.
#[wasm_bindgen]
pub struct MountedWidget {
    app: Option<AppHandle<App>>,
    host: HtmlElement,
    end: Rc<EndSignal>,
    track: Rc<TrackSignal>,
    context: Rc<HostContext>,
}

#[wasm_bindgen]
impl MountedWidget {
    /// Everything the widget started stops: its requests are aborted, its timers cleared and
    /// its listeners removed (each hook's cleanup).
    pub fn unmount(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }

    /// The element's attributes changed: the widget takes the new ones in place. A new member
    /// token starts a new session; an open panel, an open question and a draft comment stay.
    pub fn update(&mut self) {
        let Some(app) = &mut self.app else { return };
        read_context_attribute(&self.host, &self.context);
        match WidgetConfig::from_attributes(|name| self.host.get_attribute(name)) {
            Ok(config) => app.update(AppProps {
                config: Rc::new(config),
                host: self.host.clone().into(),
                end: self.end.clone(),
                track: self.track.clone(),
                context: self.context.clone(),
                pending: PendingSession::default(),
            }),
            Err(error) => browser::emit(&self.host, "moments:error", &browser::error_detail(error.code(), SET_ATTRIBUTES)),
        }
    }

    /// `element.endSession()`: the host says the visit is over (checkout done, chat closed).
    #[wasm_bindgen(js_name = endSession)]
    pub fn end_session(&self) {
        self.end.send(());
    }

    /// `element.track(name, { value })`: counts something the host cares about (a purchase);
    /// a surprise it earns is revealed at once.
    pub fn track(&self, name: String, properties: JsValue) {
        match crate::track::event(&name, &properties) {
            Ok(event) => self.track.send(event),
            Err((code, message)) => browser::emit(&self.host, "moments:error", &browser::error_detail(code, message)),
        }
    }

    /// `element.setContext({ ticket, agent, topic })`: what the visit is about, carried by the
    /// answer given after it; `null` goes back to the `context` attribute's.
    #[wasm_bindgen(js_name = setContext)]
    pub fn set_context(&self, value: JsValue) {
        if let Err((code, message)) = self.context.set(&value) {
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

/// Renders the widget into `host`'s open shadow root, where the page's CSS cannot reach it
/// and from where its own CSS cannot leak. Problems are reported as `moments:error` events.
/// `session` is the loader's session request (`{url, body, response, controller}`), if any.
#[wasm_bindgen]
pub fn mount(host: HtmlElement, session: JsValue) -> MountedWidget {
    let pending = PendingSession::new(crate::backend::Prefetched::from_js(&session));
    let nothing = MountedWidget { app: None, host: host.clone(), end: Rc::default(), track: Rc::default(), context: Rc::default() };
    let config = match WidgetConfig::from_attributes(|name| host.get_attribute(name)) {
        Ok(config) => config,
        Err(error) => {
            browser::emit(&host, "moments:error", &browser::error_detail(error.code(), SET_ATTRIBUTES));
            return nothing;
        }
    };
    let Some(root) = shadow_root(&host) else {
        browser::emit(&host, "moments:error", &browser::error_detail("no_shadow_root", "this element cannot host a shadow root"));
        return nothing;
    };
    let Some(container) = root.owner_document().and_then(|d| d.create_element("div").ok()) else { return nothing };
    container.set_class_name("moments-host");
    if root.append_child(&container).is_err() {
        return nothing;
    }
    let (end, track, context) = (Rc::new(EndSignal::default()), Rc::new(TrackSignal::default()), Rc::new(HostContext::default()));
    read_context_attribute(&host, &context);
    let props = AppProps { config: Rc::new(config), host: host.clone().into(), end: end.clone(), track: track.clone(), context: context.clone(), pending };
    crate::outbox::flush_when_leaving();
    MountedWidget { app: Some(yew::Renderer::<App>::with_root_and_props(container, props).render()), host, end, track, context }
}

/// The element's shadow root, emptied, with our stylesheet adopted (no `<style>` element,
/// so pages with a strict `style-src` need no exception for us).
fn shadow_root(host: &HtmlElement) -> Option<ShadowRoot> {
    let root = match host.shadow_root() {
        Some(root) => root,
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).ok()?,
    };
    root.set_inner_html("");
    SHEET.with(|sheet| {
        if let Some(sheet) = sheet {
            root.set_adopted_style_sheets(&js_sys::Array::of1(sheet));
        }
    });
    Some(root)
}
