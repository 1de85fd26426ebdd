//! The later parts of the widget (`crate::later`: the panel, the end-of-visit question, gifts;
//! a Yew app) come in a chunk of their own in the release build, fetched after the first badge:
//! when the browser is idle, or at once on the first sign of intent. One load per page, shared
//! by its widgets. A failed load is tried again at the next intent: at once for a tap, after a
//! backoff for anything the visitor did not ask for outright.
//!
//! This module is the whole interface between the first download (`crate::launcher`) and the
//! later parts: what the launcher hands them ([`LaterView`]) and what they call back ([`First`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use moments_protocol::wire::{MemberSummary, SessionResponse};
use web_sys::{AbortSignal, Element};

use crate::config::WidgetConfig;
use crate::context::HostContext;
use crate::session_end::EndSignal;
use crate::state::Session;
use crate::{browser, retry};

/// What the later parts ask of the launcher, which owns the badge, the bubble and whether the
/// panel is open.
pub trait First {
    /// Closes the panel; `focus_badge` puts the focus back on the badge (after a close button
    /// or Escape, so keyboard users are not dropped to the page top).
    fn close_panel(&self, focus_badge: bool);
    /// The question at the end of the visit takes the bubble's place.
    fn dismiss_greeting(&self);
    /// A claim or a redemption changed the member's standing: the badge shows it, and the next
    /// page view starts from it.
    fn set_standing(&self, member: MemberSummary);
    fn focus_badge(&self);
    /// What Escape closes before the panel: the later parts' opened gift or question. The
    /// handler says whether it closed something.
    fn on_escape(&self, handler: Option<Rc<dyn Fn() -> bool>>);
}

/// What the launcher hands the later parts each time they are drawn.
#[derive(Clone)]
pub struct LaterView {
    pub session: Rc<Session>,
    /// The session's answer with the member's standing as it is now (after claims, redemptions).
    pub response: Rc<SessionResponse>,
    pub config: Rc<WidgetConfig>,
    pub host: Element,
    pub context: Rc<HostContext>,
    /// The element's `endSession()`.
    pub end: Rc<EndSignal>,
    /// Aborted when the widget goes: a claim or a redemption under way outlives a closed
    /// panel, not the widget.
    pub stop: AbortSignal,
    pub panel_open: bool,
    pub first: Rc<dyn First>,
}

impl PartialEq for LaterView {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.session, &other.session)
            && Rc::ptr_eq(&self.response, &other.response)
            && Rc::ptr_eq(&self.config, &other.config)
            && self.panel_open == other.panel_open
            && self.host == other.host
            && Rc::ptr_eq(&self.context, &other.context)
            && Rc::ptr_eq(&self.end, &other.end)
            && Rc::ptr_eq(&self.first, &other.first)
    }
}

/// The later parts drawn in one widget: given each new view; taken away when dropped.
pub trait Drawn {
    fn update(&mut self, view: LaterView);
}

/// Draws the later parts of one widget into `slot`.
pub type Draw = fn(Element, LaterView) -> Box<dyn Drawn>;

/// The later parts as a widget sees them.
#[derive(Clone, Copy)]
pub enum Later {
    /// Not asked for yet, or on their way.
    Waiting,
    Ready(Draw),
    /// The last attempt failed; the next intent tries again.
    Failed,
}

impl PartialEq for Later {
    // There is one way to draw them: which state, not which function, is what changes.
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

enum Load {
    NotAsked,
    Loading,
    Ready(Draw),
    Failed { attempts: u32, not_before: f64 },
}

type Listener = Rc<dyn Fn(Later)>;

thread_local! {
    static LOAD: RefCell<Load> = const { RefCell::new(Load::NotAsked) };
    static LISTENERS: RefCell<Vec<(u32, Listener)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

pub fn current() -> Later {
    LOAD.with_borrow(|load| match load {
        Load::Ready(draw) => Later::Ready(*draw),
        Load::Failed { .. } => Later::Failed,
        Load::NotAsked | Load::Loading => Later::Waiting,
    })
}

/// Milliseconds until an automatic retry may start (0 when one may start now).
pub fn backoff_left_ms() -> u32 {
    LOAD.with_borrow(|load| match load {
        Load::Failed { not_before, .. } => (not_before - browser::now_ms()).max(0.0) as u32,
        _ => 0,
    })
}

/// Tells every listener what the later parts are now, in a task of its own: never in the
/// middle of whatever asked for them.
fn announce() {
    wasm_bindgen_futures::spawn_local(async {
        let later = current();
        let listeners: Vec<Listener> = LISTENERS.with_borrow(|all| all.iter().map(|(_, l)| l.clone()).collect());
        for listener in listeners {
            listener(later);
        }
    });
}

/// Starts loading the later parts, unless they are loaded or on their way. After a failure an
/// `urgent` want (the visitor tapped) tries at once; any other waits out the backoff.
pub fn want(urgent: bool) {
    let attempts = LOAD.with_borrow_mut(|load| {
        let attempts = match load {
            Load::NotAsked => 0,
            Load::Failed { attempts, not_before } if urgent || browser::now_ms() >= *not_before => *attempts,
            _ => return None,
        };
        *load = Load::Loading;
        Some(attempts)
    });
    let Some(attempts) = attempts else { return };
    announce();
    wasm_bindgen_futures::spawn_local(async move {
        let next = match crate::later::load().await {
            Ok(draw) => Load::Ready(draw),
            Err(_) => Load::Failed {
                attempts: attempts + 1,
                not_before: browser::now_ms() + f64::from(retry::delay_ms(attempts, browser::random(), None)),
            },
        };
        LOAD.set(next);
        announce();
    });
}

/// Hears every change of the later parts' state until dropped.
pub struct Listening(u32);

impl Drop for Listening {
    fn drop(&mut self) {
        let id = self.0;
        LISTENERS.with_borrow_mut(|all| all.retain(|(other, _)| *other != id));
    }
}

pub fn listen(listener: impl Fn(Later) + 'static) -> Listening {
    let id = NEXT_ID.get();
    NEXT_ID.set(id.wrapping_add(1));
    LISTENERS.with_borrow_mut(|all| all.push((id, Rc::new(listener))));
    Listening(id)
}
