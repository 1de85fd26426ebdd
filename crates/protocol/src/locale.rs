//! The locales Moments speaks and how any language tag maps onto them.
//! The same rule picks the widget's catalog and the server's texts.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "zh-TW")]
    ZhTw,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::ZhCn, Locale::ZhTw];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
            Locale::ZhTw => "zh-TW",
        }
    }

    /// The locale whose wire tag is exactly `tag` (`en`, `zh-CN`, `zh-TW`).
    pub fn from_wire_tag(tag: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The supported locale for a BCP 47 tag, or `None` when its language is not one we speak.
    /// `zh-TW`, `zh-HK`, `zh-MO` and any `zh-Hant*` are Traditional; every other `zh*` is Simplified.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = tag.split('-');
        match parts.next()? {
            "en" => Some(Locale::En),
            "zh" => {
                let traditional = parts.any(|p| matches!(p, "hant" | "tw" | "hk" | "mo"));
                let simplified_script = tag.split('-').any(|p| p == "hans");
                Some(if traditional && !simplified_script {
                    Locale::ZhTw
                } else {
                    Locale::ZhCn
                })
            }
            _ => None,
        }
    }

    /// The first supported locale among `tags` in order of preference, else `fallback`.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>, fallback: Locale) -> Locale {
        tags.into_iter().find_map(Locale::from_tag).unwrap_or(fallback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Case {
        tags: Vec<String>,
        fallback: Locale,
        expected: Locale,
    }

    /// Shared with the widget's browser tests: both sides must pick the same locale.
    #[test]
    fn negotiation_matches_fixture() {
        let cases: Vec<Case> = serde_json::from_str(include_str!("../fixtures/locale_negotiation.json")).unwrap();
        assert!(cases.len() > 10);
        for case in cases {
            let got = Locale::negotiate(case.tags.iter().map(String::as_str), case.fallback);
            assert_eq!(got, case.expected, "tags {:?}", case.tags);
        }
    }

    #[test]
    fn tag_round_trips() {
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
        }
    }
}
