//! A call from the host page (`element.endSession()`, `element.track(...)`), carried from the
//! host glue to the rendered widget, which may not exist yet when the host calls (the session
//! is still starting): calls made before anyone listens are kept and handed over in order.

use std::cell::RefCell;
use std::rc::Rc;

/// Who hears a signal: the rendered widget.
pub type Listener<T> = Rc<dyn Fn(T)>;

pub struct HostSignal<T> {
    listener: RefCell<Option<Listener<T>>>,
    pending: RefCell<Vec<T>>,
}

impl<T> Default for HostSignal<T> {
    fn default() -> Self {
        Self {
            listener: RefCell::new(None),
            pending: RefCell::new(Vec::new()),
        }
    }
}

impl<T> PartialEq for HostSignal<T> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl<T: 'static> HostSignal<T> {
    pub fn send(&self, value: T) {
        let listener = self.listener.borrow().clone();
        match listener {
            Some(listener) => listener(value),
            None => self.pending.borrow_mut().push(value),
        }
    }

    pub fn listen(&self, listener: Listener<T>) {
        *self.listener.borrow_mut() = Some(listener.clone());
        let waiting = std::mem::take(&mut *self.pending.borrow_mut());
        for value in waiting {
            listener(value);
        }
    }

    pub fn stop(&self) {
        self.listener.borrow_mut().take();
    }
}
