//! Gifts earned mid-session come back in an events answer, which the outbox reads for
//! whichever page view sent the events: they go to the widget of the session that earned
//! them, if it is still on the page (if not, the next session answer lists them anyway).

use std::cell::{Cell, RefCell};

use moments_protocol::wire::SurpriseOffer;
use yew::Callback;

thread_local! {
    static LISTENERS: RefCell<Vec<(u32, String, Callback<Vec<SurpriseOffer>>)>> = const { RefCell::new(Vec::new()) };
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

pub fn listen(session_id: &str, listener: Callback<Vec<SurpriseOffer>>) -> Listening {
    let id = NEXT_ID.get();
    NEXT_ID.set(id.wrapping_add(1));
    LISTENERS.with_borrow_mut(|all| all.push((id, session_id.to_owned(), listener)));
    Listening(id)
}

pub fn deliver(session_id: &str, offers: Vec<SurpriseOffer>) {
    let listeners: Vec<_> = LISTENERS.with_borrow(|all| all.iter().filter(|(_, s, _)| s == session_id).map(|(_, _, l)| l.clone()).collect());
    for listener in listeners {
        listener.emit(offers.clone());
    }
}
