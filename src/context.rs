//! What the host says the visit is about: `element.setContext({ ticket, agent, topic })` or the
//! `context` attribute (JSON). Checked by the protocol's rule when it is set, so a mistake is
//! reported at once as `moments:error`; an answer carries the context of the moment it is given.

use std::cell::RefCell;

use js_sys::{Array, JSON, Object};
use moments_protocol::context::{Entries, check};
use wasm_bindgen::{JsCast, JsValue};

/// The attribute's context, and `setContext`'s, which wins while it is set.
#[derive(Default)]
pub struct HostContext {
    attribute: RefCell<Option<Entries>>,
    set: RefCell<Option<Entries>>,
}

impl PartialEq for HostContext {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// What is wrong with a context: a code and a message for `moments:error`.
pub type Refusal = (&'static str, String);

impl HostContext {
    /// What an answer given now carries.
    pub fn current(&self) -> Option<Entries> {
        self.set
            .borrow()
            .clone()
            .or_else(|| self.attribute.borrow().clone())
            .filter(|c| !c.0.is_empty())
    }

    /// `element.setContext(value)`; `null` goes back to the attribute's.
    pub fn set(&self, value: &JsValue) -> Result<(), Refusal> {
        *self.set.borrow_mut() = if value.is_null() || value.is_undefined() {
            None
        } else {
            Some(entries(value)?)
        };
        Ok(())
    }

    /// The `context` attribute's JSON, read again whenever the attributes change.
    pub fn set_attribute(&self, text: Option<String>) -> Result<(), Refusal> {
        let parsed = match text.filter(|t| !t.trim().is_empty()) {
            None => None,
            Some(text) => Some(
                JSON::parse(&text)
                    .map_err(|_| {
                        (
                            "context_not_json",
                            "the context attribute must hold a JSON object".to_owned(),
                        )
                    })
                    .and_then(|v| entries(&v))?,
            ),
        };
        *self.attribute.borrow_mut() = parsed;
        Ok(())
    }
}

fn entries(value: &JsValue) -> Result<Entries, Refusal> {
    if !value.is_object() || Array::is_array(value) {
        return Err((
            "context_not_object",
            "a context is an object such as { agent: \"may\", topic: \"returns\" }".to_owned(),
        ));
    }
    let mut pairs = Vec::new();
    for pair in Object::entries(value.unchecked_ref()).iter() {
        let pair: Array = pair.unchecked_into();
        let (Some(key), Some(text)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
            return Err(("context_value_not_text", "context values must be text".to_owned()));
        };
        pairs.push((key, text));
    }
    let entries = Entries(pairs);
    // The protocol's rule, the one the server applies.
    check(&entries).map_err(|e| (e.code, e.message))?;
    Ok(entries)
}
