//! What a visit was about, as the host says it (`element.setContext({ ticket, agent, topic })`
//! or the `context` attribute): a few short keys with text values. Answers carry it, and staff
//! filter and compare by it. One rule, checked by the widget when the host sets it and by the
//! server when an answer arrives.

use std::collections::BTreeMap;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::InvalidInput;
use crate::limits::{MAX_CONTEXT_KEY_LEN, MAX_CONTEXT_KEYS, MAX_CONTEXT_VALUE_LEN};
use crate::text::{cat, decimal};

/// A context as sent: a JSON object of text values, kept as pairs in the order they came (a
/// list costs the widget's download far less than a map).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entries(pub Vec<(String, String)>);

impl Serialize for Entries {
    fn serialize<S: Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
        let mut map = to.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(from: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Entries;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("an object of text values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(Entries(pairs))
            }
        }
        from.deserialize_map(Pairs)
    }
}

/// A context that passed the rule; keys in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context(BTreeMap<String, String>);

/// Whether `key` may name a context entry.
pub fn is_valid_key(key: &str) -> bool {
    (1..=MAX_CONTEXT_KEY_LEN).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The rule, without building a map (the widget checks with it and sends the pairs).
pub fn check(entries: &Entries) -> Result<(), InvalidInput> {
    let pairs = &entries.0;
    if pairs.len() > MAX_CONTEXT_KEYS {
        return Err(InvalidInput::new(
            "context_too_many_keys",
            cat(&["a context has at most ", &decimal(MAX_CONTEXT_KEYS as i64), " keys"]),
        ));
    }
    for (n, (key, value)) in pairs.iter().enumerate() {
        if !is_valid_key(key) {
            return Err(InvalidInput::new(
                "context_key_invalid",
                cat(&[
                    "context keys are 1 to ",
                    &decimal(MAX_CONTEXT_KEY_LEN as i64),
                    " letters, digits, '_', '-' or '.'",
                ]),
            ));
        }
        let length = value.chars().count();
        if length == 0 || length > MAX_CONTEXT_VALUE_LEN || value.chars().any(char::is_control) {
            return Err(InvalidInput::new(
                "context_value_invalid",
                cat(&[
                    "context values are text of 1 to ",
                    &decimal(MAX_CONTEXT_VALUE_LEN as i64),
                    " characters, without control characters",
                ]),
            ));
        }
        if pairs[..n].iter().any(|(earlier, _)| earlier == key) {
            return Err(InvalidInput::new("context_key_repeated", "each context key once"));
        }
    }
    Ok(())
}

impl Context {
    pub fn parse(entries: Entries) -> Result<Self, InvalidInput> {
        check(&entries)?;
        Ok(Self(entries.0.into_iter().collect()))
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
            let Ok(entries) = serde_json::from_value::<Entries>(case["context"].clone()) else {
                continue;
            };
            let code: Option<&str> = Context::parse(entries).err().map(|e| e.code);
            assert_eq!(code, case["code"].as_str(), "{}", case["why"]);
        }
        let repeated = serde_json::from_str::<Entries>(r#"{"agent": "may", "agent": "lee"}"#).unwrap();
        assert_eq!(Context::parse(repeated).unwrap_err().code, "context_key_repeated");
        let pairs = Entries(vec![("topic".into(), "returns".into()), ("agent".into(), "may".into())]);
        assert_eq!(
            serde_json::to_string(&pairs).unwrap(),
            r#"{"topic":"returns","agent":"may"}"#
        );
    }
}
