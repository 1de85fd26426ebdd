//! What a visit was about, as the host says it (`element.setContext({ ticket, agent, topic })`
//! or the `context` attribute): a few short keys with text values. Answers carry it, and staff
//! filter and compare by it. One rule, checked by the widget when the host sets it and by the
//! server when an answer arrives.

use std::collections::BTreeMap;

use crate::InvalidInput;
use crate::limits::{MAX_CONTEXT_KEYS, MAX_CONTEXT_KEY_LEN, MAX_CONTEXT_VALUE_LEN};
use crate::text::{cat, decimal};

/// A context that passed the rule; keys in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context(BTreeMap<String, String>);

/// Whether `key` may name a context entry.
pub fn is_valid_key(key: &str) -> bool {
    (1..=MAX_CONTEXT_KEY_LEN).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl Context {
    pub fn parse(entries: BTreeMap<String, String>) -> Result<Self, InvalidInput> {
        if entries.len() > MAX_CONTEXT_KEYS {
            return Err(InvalidInput::new("context_too_many_keys", cat(&["a context has at most ", &decimal(MAX_CONTEXT_KEYS as i64), " keys"])));
        }
        for (key, value) in &entries {
            if !is_valid_key(key) {
                return Err(InvalidInput::new(
                    "context_key_invalid",
                    cat(&["context keys are 1 to ", &decimal(MAX_CONTEXT_KEY_LEN as i64), " letters, digits, '_', '-' or '.'"]),
                ));
            }
            let length = value.chars().count();
            if length == 0 || length > MAX_CONTEXT_VALUE_LEN || value.chars().any(char::is_control) {
                return Err(InvalidInput::new(
                    "context_value_invalid",
                    cat(&["context values are text of 1 to ", &decimal(MAX_CONTEXT_VALUE_LEN as i64), " characters, without control characters"]),
                ));
            }
        }
        Ok(Self(entries))
    }

    pub fn entries(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    pub fn into_entries(self) -> BTreeMap<String, String> {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fixtures/contexts.json`: the cases the widget's browser test and the server's API test
    /// check too. An input that is not an object of strings is the caller's to refuse first.
    #[test]
    fn contexts_follow_the_fixture() {
        let cases: Vec<serde_json::Value> = serde_json::from_str(include_str!("../fixtures/contexts.json")).unwrap();
        for case in cases {
            let Ok(entries) = serde_json::from_value::<BTreeMap<String, String>>(case["context"].clone()) else { continue };
            let code: Option<&str> = Context::parse(entries).err().map(|e| e.code);
            assert_eq!(code, case["code"].as_str(), "{}", case["why"]);
        }
    }
}
