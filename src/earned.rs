//! What an events answer brings back for a page view, which the outbox reads for whichever
//! page view sent the events: gifts earned mid-session and events the server refused. They go
//! to the widget of that session, if it is still on the page (if not, the next session answer
//! lists the gifts anyway).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use moments_protocol::wire::SurpriseOffer;

type Listener = Rc<dyn Fn(Answered)>;

/// An event the server refused on its own (the rest of its batch was stored).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub code: String,
    pub message: String,
}

/// The part of an events answer that concerns the widget.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answered {
    pub offers: Vec<SurpriseOffer>,
    pub refused: Vec<Refusal>,
}

thread_local! {
    static LISTENERS: RefCell<Vec<(u32, String, Listener)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

/// Stops listening when dropped.
pub struct Listening(u32);

impl Drop for Listening {
    fn drop(&mut self) {
        let id = self.0;
        LISTENERS.with_borrow_mut(|all| all.retain(|(other, _, _)| *other != id));
    }
}

pub fn listen(session_id: &str, listener: Listener) -> Listening {
    let id = NEXT_ID.get();
    NEXT_ID.set(id.wrapping_add(1));
    LISTENERS.with_borrow_mut(|all| all.push((id, session_id.to_owned(), listener)));
    Listening(id)
}

pub fn deliver(session_id: &str, answered: Answered) {
    let listeners: Vec<_> = LISTENERS.with_borrow(|all| {
        all.iter()
            .filter(|(_, s, _)| s == session_id)
            .map(|(_, _, l)| l.clone())
            .collect()
    });
    for listener in listeners {
        listener(answered.clone());
    }
}
