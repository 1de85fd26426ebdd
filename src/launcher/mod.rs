//! The first download: a launcher, the way Intercom's and Smile.io's launchers work. It draws a
//! member's badge (at once from the standing their last page view kept, then from the session
//! answer) and the greeting, keeps what the host and the visitor do (`track()`, exposures, the
//! end of the visit), and fetches the later parts (`crate::later`: the Yew app with the panel,
//! the question at the end of the visit and gifts) when the browser is idle or at the first sign
//! of intent, then draws them beside the badge. Written with web-sys alone: the Yew runtime by
//! itself outweighs what a page view may wait for (the README's Size section has the figures).
//!
//! Over 500 lines: the launcher's one state machine; split, its transitions would be read
//! across files.

mod dom;
mod session;
mod view;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use moments_protocol::wire::{Event, MemberSummary, SessionResponse, Slot};
pub use session::{device_id, visitor_id};
use view::BadgeContent;
pub use view::join_url;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, Element, HtmlElement, KeyboardEvent};

use crate::backend::Prefetched;
use crate::browser::{self, WhenIdle};
use crate::chunks::{self, Drawn, First, Later, LaterView, Listening};
use crate::config::WidgetConfig;
use crate::context::HostContext;
use crate::i18n::{self, Messages};
use crate::listener::Listener;
use crate::session_end::{self, EndSignal};
use crate::standing::{self, Standing};
use crate::state::{FirstState, GreetingState, Session};
use crate::{exposures, outbox};

/// How long the greeting bubble stays before it steps aside by itself.
const GREETING_VISIBLE_MS: u32 = 8_000;
/// At most this long after the first badge, the later parts are fetched even if the browser
/// never goes idle.
const IDLE_TIMEOUT_MS: u32 = 2_000;
/// Where the browser cannot say when it is idle (Safari), this long after the first badge.
const NO_IDLE_CALLBACK_MS: u32 = 300;
/// The host's `track()` calls kept until the session has started.
const MAX_TRACKED_BEFORE_SESSION: usize = 100;

/// How a widget starts.
pub enum Start {
    /// With the loader's session request, if it sent one.
    Request(Option<Prefetched>),
    /// With a session already started (the widget's own browser tests).
    Started(Box<Session>),
}

/// How much a widget needs its later parts now.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Only some day: fetched when the browser is idle.
    Idle,
    /// Something waits for them (a gift to show, a question owed): now, and again after a
    /// failure's backoff.
    Soon,
    /// The visitor is waiting (the panel they opened, the question the host asked for, an
    /// inline panel): now, and again after a failure's backoff. A tap also asks at once itself,
    /// even right after a failure.
    Now,
}

pub struct Launcher {
    host: HtmlElement,
    /// In the shadow root; holds `root` once there is something to show.
    container: Element,
    /// `<div class="moments">`, the widget's box.
    root: Element,
    /// The live region the greeting is announced in.
    live: Element,
    badge: Element,
    /// Where the later parts draw themselves (`display: contents`: the root's layout places them).
    slot: Element,
    end: Rc<EndSignal>,
    context: Rc<HostContext>,
    /// Aborted when the widget goes.
    stop: AbortController,
    state: RefCell<State>,
    pieces: RefCell<Pieces>,
    later: RefCell<Option<Box<dyn Drawn>>>,
    tasks: RefCell<Tasks>,
    /// A retry of the later parts is scheduled.
    retrying: Cell<bool>,
    escape: RefCell<Option<Rc<dyn Fn() -> bool>>>,
    /// The later parts' way back (one, so their view is equal while nothing changed).
    first: Rc<dyn First>,
    me: Weak<Launcher>,
}

struct State {
    config: Rc<WidgetConfig>,
    session: Option<Rc<Session>>,
    /// The session's answer with the member's standing as it is now.
    response: Option<Rc<SessionResponse>>,
    /// The standing the member's last page view kept, drawn until the session answers.
    kept: Option<Standing>,
    first: FirstState,
    /// The badge was tapped before the session answered: the panel opens when it does.
    tapped: bool,
    /// The host ended the visit (`endSession()`): its question needs the later parts.
    ended: bool,
    later: Later,
    /// `track()` calls made before the session started, in order.
    tracked: Vec<Event>,
    /// Experiments whose greeting was reported as seen.
    reported: Vec<String>,
}

/// What is drawn, with the listeners of what can be tapped.
#[derive(Default)]
struct Pieces {
    badge: Option<BadgeContent>,
    greeting: Option<(String, Element, Listener)>,
    shell: Option<(bool, Element, Vec<Listener>)>,
    listeners: Vec<Listener>,
}

/// What the widget has scheduled; dropped (so cancelled) when it goes.
#[derive(Default)]
struct Tasks {
    session: Option<AbortController>,
    greeting: Vec<Timeout>,
    idle: Option<WhenIdle>,
    retry: Option<Timeout>,
    later: Option<Listening>,
}

impl Launcher {
    /// Draws the widget for `host` into `container` (in its shadow root) and starts it.
    pub fn mount(
        host: HtmlElement,
        container: Element,
        config: WidgetConfig,
        context: Rc<HostContext>,
        end: Rc<EndSignal>,
        start: Start,
    ) -> Option<Rc<Self>> {
        let root = dom::element("div", &[("part", "root")])?;
        let live = dom::element("div", &[("class", "live"), ("role", "status"), ("aria-live", "polite")])?;
        let slot = dom::element("div", &[("class", "later")])?;
        let badge = view::badge()?;
        let stop = AbortController::new().ok()?;
        dom::append(&root, [Some(live.clone()), Some(slot.clone())]);
        let kept = standing::load(&config.site, config.member_token.as_deref());
        let state = State {
            first: FirstState::new(config.inline),
            config: Rc::new(config),
            session: None,
            response: None,
            kept,
            tapped: false,
            ended: false,
            later: chunks::current(),
            tracked: Vec::new(),
            reported: Vec::new(),
        };
        let launcher = Rc::new_cyclic(|me: &Weak<Launcher>| Launcher {
            host,
            container,
            root,
            live,
            badge,
            slot,
            end,
            context,
            stop,
            state: RefCell::new(state),
            pieces: RefCell::default(),
            later: RefCell::new(None),
            tasks: RefCell::default(),
            retrying: Cell::new(false),
            escape: RefCell::new(None),
            first: Rc::new(Handle(me.clone())),
            me: me.clone(),
        });
        launcher.listen();
        match start {
            Start::Request(prefetched) => launcher.start_session(prefetched),
            Start::Started(session) => launcher.session_started(*session),
        }
        launcher.draw();
        Some(launcher)
    }

    fn listen(&self) {
        let me = self.me.clone();
        let on = move |what: fn(&Launcher, web_sys::Event)| {
            let me = me.clone();
            move |event: web_sys::Event| {
                if let Some(me) = me.upgrade() {
                    what(&me, event);
                }
            }
        };
        let mut pieces = self.pieces.borrow_mut();
        pieces
            .listeners
            .extend(Listener::new(&self.badge, "click", false, on(|me, _| me.tap_badge())));
        // The first signs that the visitor may open the panel: it is fetched now.
        for kind in ["pointerenter", "focus"] {
            pieces
                .listeners
                .extend(Listener::new(&self.badge, kind, false, |_| chunks::want(false)));
        }
        pieces
            .listeners
            .extend(Listener::new(&self.root, "keydown", false, on(Launcher::key)));
        let me = self.me.clone();
        self.tasks.borrow_mut().later = Some(chunks::listen(move |later| {
            if let Some(me) = me.upgrade() {
                me.state.borrow_mut().later = later;
                me.draw();
            }
        }));
    }

    /// Starts a session (again, when the host changed the member token), abandoning any
    /// request still under way.
    fn start_session(&self, prefetched: Option<Prefetched>) {
        let Ok(controller) = AbortController::new() else { return };
        let stop = controller.signal();
        if let Some(previous) = self.tasks.borrow_mut().session.replace(controller) {
            previous.abort();
        }
        let (config, host, me) = (self.state.borrow().config.clone(), self.host.clone(), self.me.clone());
        wasm_bindgen_futures::spawn_local(async move {
            // In a task of its own: the kept standing drawn by the mount is painted first (the
            // loader's request is already on its way).
            browser::sleep(0, &stop).await;
            let Some(session) = session::start(&config, &host, &stop, prefetched).await else {
                return;
            };
            // Decoding the answer and drawing it are separate tasks, none long on a slow phone.
            browser::sleep(0, &stop).await;
            if let Some(me) = me.upgrade().filter(|_| !stop.aborted()) {
                me.session_started(session);
                me.draw();
                browser::emit(&me.host, "moments:ready", &JsValue::UNDEFINED);
            }
        });
    }

    fn session_started(&self, session: Session) {
        let session = Rc::new(session);
        let (config, tracked, first, tier_up) = {
            let mut s = self.state.borrow_mut();
            let first = s.session.is_none();
            s.first.new_session();
            if std::mem::take(&mut s.tapped) {
                s.first.open_panel();
            }
            s.response = Some(Rc::new(s.first.response(&session)));
            s.session = Some(session.clone());
            s.kept = None;
            let tier_up = session
                .response
                .member
                .as_ref()
                .filter(|m| m.tier_up)
                .and_then(|m| m.tier.as_ref())
                .map(|t| t.name.clone());
            (s.config.clone(), std::mem::take(&mut s.tracked), first, tier_up)
        };
        for event in &tracked {
            outbox::record(&config, &session, event);
        }
        if first {
            self.greet(tier_up);
            let idle = browser::when_idle(IDLE_TIMEOUT_MS, NO_IDLE_CALLBACK_MS, || chunks::want(false));
            self.tasks.borrow_mut().idle = idle;
        }
    }

    /// The bubble shows a moment after its empty live region is on the page, and steps aside
    /// after a while; a tier-up is news for the host too.
    fn greet(&self, tier_up: Option<String>) {
        if let Some(tier) = tier_up {
            browser::emit(&self.host, "moments:tier-up", &browser::detail(&[("tier", &tier)]));
        }
        let change = |ms: u32, change: fn(&mut FirstState)| {
            let me = self.me.clone();
            Timeout::new(ms, move || {
                if let Some(me) = me.upgrade() {
                    change(&mut me.state.borrow_mut().first);
                    me.draw();
                }
            })
        };
        self.tasks.borrow_mut().greeting = vec![
            change(50, FirstState::show_greeting),
            change(GREETING_VISIBLE_MS, FirstState::dismiss_greeting),
        ];
    }

    /// Brings what is on the page up to date with the state.
    fn draw(&self) {
        let (m, visible, inline, badge, greeting, shell, view, busy, lang) = {
            let s = self.state.borrow();
            let locale = s
                .response
                .as_ref()
                .map(|r| r.locale)
                .or(s.kept.as_ref().map(|k| k.locale));
            let Some(locale) = locale else { return };
            let m = i18n::messages(locale);
            let inline = s.config.inline;
            let ready = matches!(s.later, Later::Ready(_));
            // An inline panel is part of the host's page: drawn whole, once, so nothing below
            // it moves when the later parts arrive (unless they fail: then the badge, and a
            // way to try again).
            let visible = !(inline && (s.session.is_none() || s.later == Later::Waiting));
            let badge = match (&s.response, &s.kept) {
                (Some(response), _) => BadgeContent::of(response),
                (None, Some(kept)) => Some(BadgeContent::Member(kept.member.clone())),
                (None, None) => None,
            };
            let greeting = s
                .response
                .as_ref()
                .filter(|_| s.first.greeting == GreetingState::Shown)
                .and_then(|r| bubble_text(m, r));
            let shell = (s.session.is_some() && s.first.panel_open && !ready).then_some(s.later == Later::Failed);
            let view = match (s.later, &s.session, &s.response) {
                (Later::Ready(draw), Some(session), Some(response)) if visible => {
                    Some((draw, self.view(session, response, &s)))
                }
                _ => None,
            };
            (
                m,
                visible,
                inline,
                badge,
                greeting,
                shell,
                view,
                s.session.is_none(),
                locale.tag(),
            )
        };
        dom::place(&self.container, &self.root, None, visible);
        dom::set(
            &self.root,
            &[
                ("class", if inline { "moments inline" } else { "moments" }),
                ("lang", lang),
            ],
        );
        if busy {
            // What it shows is about to be replaced by the backend's answer.
            dom::set(&self.root, &[("aria-busy", "true")]);
        } else {
            let _ = self.root.remove_attribute("aria-busy");
        }
        self.draw_badge(m, badge);
        self.draw_greeting(m, greeting);
        self.draw_shell(m, shell, inline);
        if let Some((draw, view)) = view {
            self.draw_later(draw, view);
        }
        self.report_greeting();
        self.want_later();
    }

    fn draw_badge(&self, m: &'static Messages, content: Option<BadgeContent>) {
        let open = self.state.borrow().first.panel_open;
        dom::set(&self.badge, &[("aria-expanded", if open { "true" } else { "false" })]);
        let mut pieces = self.pieces.borrow_mut();
        if pieces.badge != content {
            if let Some(content) = &content {
                view::fill_badge(&self.badge, m, content);
            }
            let before = pieces
                .shell
                .as_ref()
                .map(|(_, shell, _)| shell.clone())
                .unwrap_or_else(|| self.slot.clone());
            dom::place(&self.root, &self.badge, Some(&before), content.is_some());
            pieces.badge = content;
        }
    }

    fn draw_greeting(&self, m: &'static Messages, text: Option<String>) {
        let mut pieces = self.pieces.borrow_mut();
        if pieces.greeting.as_ref().map(|(t, _, _)| t) == text.as_ref() {
            return;
        }
        if let Some((_, bubble, _)) = pieces.greeting.take() {
            bubble.remove();
        }
        let me = self.me.clone();
        let dismiss = move |_: web_sys::Event| {
            if let Some(me) = me.upgrade() {
                me.state.borrow_mut().first.dismiss_greeting();
                me.draw();
            }
        };
        if let Some((bubble, listener)) = text.as_ref().and_then(|text| view::greeting(m, text, dismiss)) {
            let _ = self.live.append_child(&bubble);
            pieces.greeting = text.map(|text| (text, bubble, listener));
        }
    }

    fn draw_shell(&self, m: &'static Messages, failed: Option<bool>, inline: bool) {
        let mut pieces = self.pieces.borrow_mut();
        if pieces.shell.as_ref().map(|(f, _, _)| *f) == failed {
            return;
        }
        if let Some((_, shell, _)) = pieces.shell.take() {
            shell.remove();
        }
        let Some(failed) = failed else { return };
        let retry = |_: web_sys::Event| chunks::want(true);
        let me = self.me.clone();
        let close = (!inline).then_some(move |_: web_sys::Event| {
            if let Some(me) = me.upgrade() {
                me.close_panel(true);
            }
        });
        if let Some((shell, listeners)) = view::shell(m, failed, retry, close) {
            let _ = self.root.insert_before(&shell, Some(&self.slot));
            pieces.shell = Some((failed, shell, listeners));
        }
    }

    /// What the later parts are given: the session, the state they share with the launcher,
    /// and the way back to it.
    fn view(&self, session: &Rc<Session>, response: &Rc<SessionResponse>, s: &State) -> LaterView {
        LaterView {
            session: session.clone(),
            response: response.clone(),
            config: s.config.clone(),
            host: self.host.clone().into(),
            context: self.context.clone(),
            end: self.end.clone(),
            stop: self.stop.signal(),
            panel_open: s.first.panel_open,
            first: self.first.clone(),
        }
    }

    fn draw_later(&self, draw: chunks::Draw, view: LaterView) {
        // Taken out while they draw: what they call back comes in a later task, but nothing
        // they do may find them borrowed.
        let drawn = self.later.borrow_mut().take();
        let drawn = match drawn {
            Some(mut drawn) => {
                drawn.update(view);
                drawn
            }
            None => draw(self.slot.clone(), view),
        };
        *self.later.borrow_mut() = Some(drawn);
    }

    /// The greeting counts as seen in its bubble, or in the panel once the panel is drawn.
    fn report_greeting(&self) {
        let mut s = self.state.borrow_mut();
        let (Some(session), Some(response)) = (s.session.clone(), s.response.clone()) else {
            return;
        };
        let tier_up_in_bubble = response.member.as_ref().is_some_and(|m| m.tier_up && m.tier.is_some());
        let in_panel = s.first.panel_open && matches!(s.later, Later::Ready(_));
        if response.greeting.is_some() && ((s.first.greeting == GreetingState::Shown && !tier_up_in_bubble) || in_panel)
        {
            let config = s.config.clone();
            let mut reported = std::mem::take(&mut s.reported);
            drop(s);
            exposures::report(&session, &config, Slot::Greeting, &mut reported);
            self.state.borrow_mut().reported = reported;
        }
    }

    /// Asks for the later parts as soon as this widget needs them, and again after a failure
    /// while it still does.
    fn want_later(&self) {
        let (later, need) = {
            let s = self.state.borrow();
            let waiting = s.session.as_ref().is_some_and(|session| {
                !session.response.surprises.is_empty()
                    || session_end::owed(&s.config.site)
                    || referral_landing(&session.response)
            });
            let need = if s.config.inline || (s.session.is_some() && (s.first.panel_open || s.ended)) {
                Need::Now
            } else if waiting {
                Need::Soon
            } else {
                Need::Idle
            };
            (s.later, need)
        };
        match (later, need) {
            (Later::Ready(_), _) | (_, Need::Idle) => {}
            (Later::Waiting, need) => chunks::want(need == Need::Now),
            (Later::Failed, _) if !self.retrying.replace(true) => {
                let me = self.me.clone();
                let retry = Timeout::new(chunks::backoff_left_ms(), move || {
                    if let Some(me) = me.upgrade() {
                        me.retrying.set(false);
                        chunks::want(false);
                    }
                });
                self.tasks.borrow_mut().retry = Some(retry);
            }
            (Later::Failed, _) => {}
        }
    }

    fn tap_badge(&self) {
        let opening = {
            let mut s = self.state.borrow_mut();
            if s.session.is_none() {
                s.tapped = true;
                true
            } else {
                s.first.toggle_panel();
                s.first.panel_open
            }
        };
        if opening {
            chunks::want(true);
        }
        self.draw();
    }

    fn key(&self, event: web_sys::Event) {
        if event.dyn_ref::<KeyboardEvent>().is_none_or(|e| e.key() != "Escape") {
            return;
        }
        self.state.borrow_mut().first.dismiss_greeting();
        let later = self.escape.borrow().clone();
        let closed_later = later.is_some_and(|close| close());
        let s = self.state.borrow();
        let close = !closed_later && s.first.panel_open && !s.config.inline;
        drop(s);
        if close {
            self.close_panel(true);
        } else {
            self.draw();
        }
    }

    fn close_panel(&self, focus_badge: bool) {
        self.state.borrow_mut().first.panel_open = false;
        self.draw();
        if focus_badge {
            self.focus_badge();
        }
    }

    fn focus_badge(&self) {
        if let Some(badge) = self.badge.dyn_ref::<HtmlElement>() {
            let _ = badge.focus();
        }
    }

    /// The host's new attributes: a new member token (or backend, site, locale) starts a new
    /// session; an open panel, an open question and a draft comment stay.
    pub fn update(&self, config: WidgetConfig) {
        let restart = {
            let mut s = self.state.borrow_mut();
            if *s.config == config {
                return;
            }
            let old = &s.config;
            let restart = (&old.backend, &old.site, &old.member_token, &old.locale)
                != (&config.backend, &config.site, &config.member_token, &config.locale);
            s.config = Rc::new(config);
            restart
        };
        if restart {
            self.start_session(None);
        }
        self.draw();
    }

    /// `element.endSession()`: the visit is over; the question needs the later parts now.
    pub fn end_session(&self) {
        self.state.borrow_mut().ended = true;
        self.end.send(());
        self.draw();
    }

    /// `element.track(…)`, already checked: written to the outbox, or kept until the session has
    /// started.
    pub fn track(&self, event: Event) {
        let mut s = self.state.borrow_mut();
        match s.session.clone() {
            Some(session) => {
                let config = s.config.clone();
                drop(s);
                outbox::record(&config, &session, &event);
            }
            None if s.tracked.len() < MAX_TRACKED_BEFORE_SESSION => s.tracked.push(event),
            None => {}
        }
    }

    pub fn context(&self) -> &HostContext {
        &self.context
    }

    /// Everything the widget started stops: its requests are aborted, its timers cleared, its
    /// listeners removed, and the later parts taken away.
    pub fn unmount(&self) {
        self.stop.abort();
        let tasks = std::mem::take(&mut *self.tasks.borrow_mut());
        if let Some(session) = &tasks.session {
            session.abort();
        }
        drop(tasks);
        let later = self.later.borrow_mut().take();
        drop(later);
        *self.pieces.borrow_mut() = Pieces::default();
        self.escape.borrow_mut().take();
        self.root.remove();
    }
}

/// The page may have been opened through a referral link (it has a query, on a site with
/// referrals): the later parts look for the code, take it and greet the friend.
fn referral_landing(response: &SessionResponse) -> bool {
    response.referral.is_some() && browser::has_query()
}

/// A tier-up is celebrated in the bubble, in place of the greeting (which the panel still shows).
fn bubble_text(m: &'static Messages, response: &SessionResponse) -> Option<String> {
    let celebrated = response
        .member
        .as_ref()
        .filter(|member| member.tier_up)
        .and_then(|member| member.tier.as_ref());
    match celebrated {
        Some(tier) => Some(i18n::fill(m.tier_up, &[("tier", &tier.name)])),
        None => response.greeting.clone(),
    }
}

/// The later parts' way back to the launcher. What they ask is done in a task of its own: they
/// may ask while the launcher is drawing them.
struct Handle(Weak<Launcher>);

impl Handle {
    fn later(&self, then: impl FnOnce(&Launcher) + 'static) {
        let me = self.0.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(me) = me.upgrade() {
                then(&me);
            }
        });
    }
}

impl First for Handle {
    fn close_panel(&self, focus_badge: bool) {
        self.later(move |me| me.close_panel(focus_badge));
    }

    fn dismiss_greeting(&self) {
        self.later(|me| {
            me.state.borrow_mut().first.dismiss_greeting();
            me.draw();
        });
    }

    fn set_standing(&self, member: MemberSummary) {
        self.later(move |me| {
            {
                let mut s = me.state.borrow_mut();
                let config = s.config.clone();
                let locale = s.response.as_ref().map(|r| r.locale);
                if let Some(locale) = locale {
                    standing::save(&config.site, config.member_token.as_deref(), locale, Some(&member));
                }
                s.first.member = Some(member);
                s.response = s.session.clone().map(|session| Rc::new(s.first.response(&session)));
            }
            me.draw();
        });
    }

    fn focus_badge(&self) {
        self.later(Launcher::focus_badge);
    }

    fn on_escape(&self, handler: Option<Rc<dyn Fn() -> bool>>) {
        if let Some(me) = self.0.upgrade() {
            *me.escape.borrow_mut() = handler;
        }
    }
}
