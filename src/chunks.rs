//! The parts of the widget the first badge does not need (`crate::later`: the panel, the
//! end-of-visit question, gifts) come in a chunk of their own in the release build, fetched
//! after the first badge: when the browser is idle, or at once on the first sign of intent.
//! One load per page, shared by its widgets. A failed load is tried again at the next intent:
//! at once for a tap, after a backoff for anything the visitor did not ask for outright.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use moments_protocol::wire::SessionResponse;
use web_sys::{AbortSignal, Element};
use yew::prelude::*;

use crate::config::WidgetConfig;
use crate::context::HostContext;
use crate::session_end::EndSignal;
use crate::state::{Session, UiState};
use crate::{browser, retry};

/// What the first module's view hands the later parts: the session, its own state (the
/// panel, the bubble, the standing) and the badge, and the host's signals.
#[derive(Clone, PartialEq)]
pub struct Shared {
    pub session: Rc<Session>,
    /// The session's answer with the member's standing as it is now (after claims, redemptions).
    pub response: Rc<SessionResponse>,
    pub config: Rc<WidgetConfig>,
    pub host: Element,
    pub context: Rc<HostContext>,
    /// Aborted when the widget goes: a claim or redemption under way outlives a closed panel,
    /// not the widget.
    pub stop: AbortSignal,
    /// The first module's state; the later parts open and close the panel and the bubble too,
    /// and change the standing after a claim or a redemption.
    pub first: UseReducerHandle<UiState>,
    /// Where the focus goes back when what the badge opened closes.
    pub badge: NodeRef,
    /// The element's `endSession()`.
    pub end: Rc<EndSignal>,
    pub escape: Rc<Escape>,
}

/// Escape pressed anywhere in the widget. The later parts close what they drew on top (the
/// opened gift, then the question) and say whether they did; if not, the first module closes
/// the panel.
#[derive(Default)]
pub struct Escape(RefCell<Option<Callback<(), bool>>>);

impl Escape {
    pub fn handle(&self, handler: Option<Callback<(), bool>>) {
        *self.0.borrow_mut() = handler;
    }

    /// Whether the later parts closed something.
    pub fn press(&self) -> bool {
        let handler = self.0.borrow().clone();
        handler.is_some_and(|h| h.emit(()))
    }
}

impl PartialEq for Escape {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Draws the later parts.
pub type View = fn(&Shared) -> Html;

/// The later parts as a widget sees them.
#[derive(Clone, Copy)]
pub enum Later {
    /// Not asked for yet, or on its way.
    Waiting,
    Ready(View),
    /// The last attempt failed; the next intent tries again.
    Failed,
}

impl PartialEq for Later {
    // There is one view: which state, not which function, is what changes.
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

enum Load {
    NotAsked,
    Loading,
    Ready(View),
    Failed { attempts: u32, not_before: f64 },
}

thread_local! {
    static LOAD: RefCell<Load> = const { RefCell::new(Load::NotAsked) };
    static LISTENERS: RefCell<Vec<(u32, Callback<Later>)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

fn current() -> Later {
    LOAD.with_borrow(|load| match load {
        Load::Ready(view) => Later::Ready(*view),
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

/// Starts loading the later parts, unless they are loaded or on their way. After a failure an
/// `urgent` want (the visitor tapped) tries at once; any other waits out the backoff.
pub fn want(urgent: bool) {
    let attempts = LOAD.with_borrow_mut(|load| {
        let attempts = match load {
            Load::NotAsked => 0,
            Load::Failed {
                attempts,
                not_before,
            } if urgent || browser::now_ms() >= *not_before => *attempts,
            _ => return None,
        };
        *load = Load::Loading;
        Some(attempts)
    });
    let Some(attempts) = attempts else { return };
    wasm_bindgen_futures::spawn_local(async move {
        let next = match crate::later::load().await {
            Ok(view) => Load::Ready(view),
            Err(_) => Load::Failed {
                attempts: attempts + 1,
                not_before: browser::now_ms()
                    + f64::from(retry::delay_ms(attempts, browser::random(), None)),
            },
        };
        LOAD.set(next);
        let later = current();
        let listeners: Vec<_> =
            LISTENERS.with_borrow(|all| all.iter().map(|(_, l)| l.clone()).collect());
        for listener in listeners {
            listener.emit(later);
        }
    });
}

/// The later parts for this widget, re-rendering it when a load ends.
#[hook]
pub fn use_later() -> Later {
    let later = use_state(current);
    {
        let later = later.clone();
        use_effect_with((), move |_| {
            let id = NEXT_ID.get();
            NEXT_ID.set(id.wrapping_add(1));
            // A load that ended between the first render and this effect.
            later.set(current());
            LISTENERS.with_borrow_mut(|all| all.push((id, Callback::from(move |l| later.set(l)))));
            move || LISTENERS.with_borrow_mut(|all| all.retain(|(other, _)| *other != id))
        });
    }
    *later
}
