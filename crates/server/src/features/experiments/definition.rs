//! An experiment as staff define it, parsed into a checked form (or refused with a code).

use std::collections::BTreeMap;

use moments_protocol::domain::is_valid_key;
use moments_protocol::experiments::{bucket_ranges, weights_are_whole};
use moments_protocol::limits::MAX_TRACK_NAME_LEN;
use moments_protocol::wire::Slot;
use moments_protocol::{InvalidInput, Locale};
use serde::{Deserialize, Serialize};

/// Longest variant message, in characters.
pub const MAX_TEXT_LEN: usize = 500;

/// `POST /v1/admin/sites/{site}/experiments` and `PUT .../{key}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Definition {
    pub key: String,
    /// `greeting` or `farewell`.
    pub slot: String,
    /// Hash seed; the key when absent. Changing it reshuffles every visitor.
    #[serde(default)]
    pub seed: Option<String>,
    /// Share of visitors in the experiment, 0 to 1; the rest see the default text.
    pub coverage: f64,
    /// The key of the variant the others are compared with.
    pub control: String,
    pub variants: Vec<VariantDefinition>,
    /// A host-tracked event (`element.track`) whose rate is the conversion metric.
    #[serde(default)]
    pub metric_event: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VariantDefinition {
    pub key: String,
    pub weight: f64,
    /// The message per locale tag; `{name}`, `{tier}` and `{points}` are filled in as text.
    pub text: BTreeMap<String, String>,
    /// Farewell variants: offer the member's referral link right after a promoter's answer
    /// (absent: the site's `referrals.ask_promoters`), so the ask is measured like any message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<bool>,
}

/// A definition that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub key: String,
    pub slot: Slot,
    pub seed: String,
    pub coverage: f64,
    pub control: String,
    pub variants: Vec<VariantDefinition>,
    pub metric_event: Option<String>,
}

fn refuse(code: &'static str, message: impl Into<String>) -> InvalidInput {
    InvalidInput::new(code, message)
}

impl Experiment {
    pub fn parse(d: Definition, default_locale: Locale) -> Result<Self, InvalidInput> {
        if !is_valid_key(&d.key) {
            return Err(refuse(
                "invalid_experiment_key",
                "key: 1 to 64 letters, digits, '-' or '_'",
            ));
        }
        let slot = Slot::from_name(&d.slot).ok_or_else(|| refuse("invalid_slot", "slot is greeting or farewell"))?;
        if !(0.0..=1.0).contains(&d.coverage) {
            return Err(refuse("coverage_out_of_range", "coverage is 0 to 1"));
        }
        if d.variants.len() < 2 {
            return Err(refuse("too_few_variants", "an experiment needs at least two variants"));
        }
        for (i, variant) in d.variants.iter().enumerate() {
            if !is_valid_key(&variant.key) {
                return Err(refuse(
                    "invalid_variant_key",
                    format!("variants[{i}].key: 1 to 64 letters, digits, '-' or '_'"),
                ));
            }
            if d.variants[..i].iter().any(|v| v.key == variant.key) {
                return Err(refuse(
                    "duplicate_variant",
                    format!("variant {:?} is listed twice", variant.key),
                ));
            }
            if !variant.text.contains_key(default_locale.tag()) {
                return Err(refuse(
                    "missing_default_text",
                    format!(
                        "variant {:?} has no text for the site's default locale {}",
                        variant.key,
                        default_locale.tag()
                    ),
                ));
            }
            for (tag, text) in &variant.text {
                if Locale::from_tag(tag).map(Locale::tag) != Some(tag.as_str()) {
                    return Err(refuse(
                        "unknown_locale",
                        format!("variant {:?}: locale {tag:?} is not en, zh-CN or zh-TW", variant.key),
                    ));
                }
                if text.trim().is_empty() || text.chars().count() > MAX_TEXT_LEN {
                    return Err(refuse(
                        "invalid_text",
                        format!("variant {:?} ({tag}): 1 to {MAX_TEXT_LEN} characters", variant.key),
                    ));
                }
            }
        }
        let weights: Vec<f64> = d.variants.iter().map(|v| v.weight).collect();
        if !weights_are_whole(&weights) {
            return Err(refuse(
                "weights_not_whole",
                "weights are 0 or more and sum to 1 (within 0.01)",
            ));
        }
        if !d.variants.iter().any(|v| v.key == d.control) {
            return Err(refuse(
                "no_control",
                format!("control {:?} is not one of the variants", d.control),
            ));
        }
        if let Some(event) = &d.metric_event
            && (event.is_empty() || event.chars().count() > MAX_TRACK_NAME_LEN)
        {
            return Err(refuse(
                "invalid_metric_event",
                format!("metric_event: 1 to {MAX_TRACK_NAME_LEN} characters"),
            ));
        }
        let seed = d.seed.filter(|s| !s.is_empty()).unwrap_or_else(|| d.key.clone());
        Ok(Self {
            key: d.key,
            slot,
            seed,
            coverage: d.coverage,
            control: d.control,
            variants: d.variants,
            metric_event: d.metric_event,
        })
    }

    pub fn weights(&self) -> Vec<f64> {
        self.variants.iter().map(|v| v.weight).collect()
    }

    pub fn ranges(&self) -> Vec<(f64, f64)> {
        bucket_ranges(&self.weights(), self.coverage)
    }

    pub fn variant(&self, key: &str) -> Option<&VariantDefinition> {
        self.variants.iter().find(|v| v.key == key)
    }
}

impl VariantDefinition {
    /// The message in `locale`, else the site default's, else English.
    pub fn text_in(&self, locale: Locale, default: Locale) -> Option<&str> {
        [locale, default, Locale::En]
            .into_iter()
            .find_map(|l| self.text.get(l.tag()))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition() -> Definition {
        let text = |en: &str| BTreeMap::from([("en".to_owned(), en.to_owned())]);
        Definition {
            key: "hello".into(),
            slot: "greeting".into(),
            seed: None,
            coverage: 1.0,
            control: "a".into(),
            variants: vec![
                VariantDefinition {
                    key: "a".into(),
                    weight: 0.5,
                    text: text("Hi"),
                    share: None,
                },
                VariantDefinition {
                    key: "b".into(),
                    weight: 0.5,
                    text: text("Hello, {name}"),
                    share: None,
                },
            ],
            metric_event: Some("purchase".into()),
        }
    }

    #[test]
    fn a_good_definition_parses_with_the_key_as_seed() {
        let e = Experiment::parse(definition(), Locale::En).unwrap();
        assert_eq!((e.seed.as_str(), e.slot), ("hello", Slot::Greeting));
        assert_eq!(e.ranges(), [(0.0, 0.5), (0.5, 1.0)]);
    }

    #[test]
    fn each_mistake_has_its_code() {
        type Mistake = Box<dyn Fn(&mut Definition)>;
        let cases: Vec<(&str, Mistake)> = vec![
            ("weights_not_whole", Box::new(|d| d.variants[0].weight = 0.3)),
            ("coverage_out_of_range", Box::new(|d| d.coverage = 1.5)),
            ("no_control", Box::new(|d| d.control = "z".into())),
            ("duplicate_variant", Box::new(|d| d.variants[1].key = "a".into())),
            (
                "missing_default_text",
                Box::new(|d| d.variants[1].text = BTreeMap::from([("zh-CN".into(), "你好".into())])),
            ),
            ("invalid_slot", Box::new(|d| d.slot = "footer".into())),
            ("too_few_variants", Box::new(|d| d.variants.truncate(1))),
            ("invalid_experiment_key", Box::new(|d| d.key = "a b".into())),
            (
                "unknown_locale",
                Box::new(|d| {
                    d.variants[0].text.insert("fr".into(), "Salut".into());
                }),
            ),
            (
                "invalid_text",
                Box::new(|d| {
                    d.variants[0].text.insert("en".into(), " ".into());
                }),
            ),
        ];
        for (code, change) in cases {
            let mut d = definition();
            change(&mut d);
            assert_eq!(Experiment::parse(d, Locale::En).unwrap_err().code, code);
        }
        assert_eq!(
            Experiment::parse(definition(), Locale::ZhCn).unwrap_err().code,
            "missing_default_text"
        );
    }
}
