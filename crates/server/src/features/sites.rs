//! The sites this server answers for, built once from the settings.

use std::collections::HashMap;

use anyhow::Context;
use moments_protocol::Locale;
use moments_protocol::wire::{NextTier, TierStatus};

use crate::config::{SiteSettings, SiteTexts, TierSettings};
use crate::features::rewards::catalog::Catalog;
use crate::features::surprises::rules::SurpriseRule;
use crate::features::webhooks::ConfiguredEndpoint;
use crate::platform::origin::OriginPattern;

#[derive(Debug)]
pub struct Site {
    pub settings: SiteSettings,
    origins: Vec<OriginPattern>,
    pub surprise_rules: Vec<SurpriseRule>,
    pub catalog: Catalog,
    /// The config file's webhook endpoints, checked.
    pub webhooks: Vec<ConfiguredEndpoint>,
    /// The friend's coupon of refer-a-friend, as a gift given by staff's rules (a manual rule).
    pub referral_gift: Option<SurpriseRule>,
}

#[derive(Debug, Default)]
pub struct Sites(HashMap<String, Site>);

impl Sites {
    /// Checks what each feature reads from a site's settings (its surprise rules, catalog and
    /// webhooks) and keeps the checked forms: the one place they are parsed. The settings
    /// themselves were checked by `Settings::check`.
    pub fn new(settings: &[SiteSettings]) -> anyhow::Result<Self> {
        let mut sites = HashMap::new();
        for site in settings {
            let built = Site::new(site).with_context(|| format!("site {:?}", site.key))?;
            sites.insert(site.key.clone(), built);
        }
        Ok(Self(sites))
    }

    /// Site keys in order, for the dashboard's site links.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.0.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    pub fn get(&self, key: &str) -> Option<&Site> {
        self.0.get(key)
    }

    /// For CORS preflights, which do not say which site they are for.
    pub fn any_allows(&self, origin: &str) -> bool {
        self.0.values().any(|site| site.allows_origin(origin))
    }
}

impl Site {
    fn new(settings: &SiteSettings) -> anyhow::Result<Self> {
        let origins = settings
            .allowed_origins
            .iter()
            .map(|o| OriginPattern::parse(o))
            .collect::<Result<_, _>>()?;
        let surprise_rules: Vec<SurpriseRule> = settings
            .surprises
            .rules
            .iter()
            .map(|rule| SurpriseRule::parse(rule).with_context(|| format!("surprise rule {:?}", rule.key)))
            .collect::<Result<_, _>>()?;
        let catalog = Catalog::parse(settings)?;
        let webhooks = settings
            .webhooks
            .iter()
            .map(|endpoint| ConfiguredEndpoint::parse(endpoint).with_context(|| format!("webhook {:?}", endpoint.id)))
            .collect::<Result<_, _>>()?;
        let referral_gift = settings
            .referrals
            .friend_coupon_pool
            .as_ref()
            .map(|pool| SurpriseRule::referral_gift(pool, &settings.referrals.friend_message));
        if referral_gift.is_some()
            && surprise_rules
                .iter()
                .any(|r| r.key == crate::features::referrals::GIFT_RULE)
        {
            anyhow::bail!(
                "surprise rule key \"referral\" is the friend's coupon of referrals.friend_coupon_pool; name the rule otherwise"
            );
        }
        Ok(Self {
            settings: settings.clone(),
            origins,
            surprise_rules,
            catalog,
            webhooks,
            referral_gift,
        })
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|p| p.matches(origin))
    }

    /// The texts for `locale`, else the site's default locale's, else English: field by field,
    /// so a half-translated site still shows something.
    pub fn text(&self, locale: Locale, pick: impl Fn(&SiteTexts) -> Option<&String>) -> Option<String> {
        [locale, self.settings.default_locale, Locale::En]
            .into_iter()
            .find_map(|l| self.settings.texts.get(l.tag()).and_then(&pick))
            .cloned()
    }

    /// Which tier (its index in the settings) `lifetime_points` reach: the highest threshold
    /// at or below them. The one rule of tiers, for the widget, webhooks, reports and the demo.
    pub fn tier_at(&self, lifetime_points: i64) -> Option<usize> {
        self.settings.tiers.iter().rposition(|t| lifetime_points >= t.threshold)
    }

    /// The member's tier for their lifetime points, and the way to the next, named in `locale`.
    pub fn tier_status(&self, lifetime_points: i64, locale: Locale) -> Option<TierStatus> {
        let tiers = &self.settings.tiers;
        let current = self.tier_at(lifetime_points)?;
        let next = tiers.get(current + 1).map(|t| NextTier {
            name: self.tier_name(t, locale),
            threshold: t.threshold,
            points_needed: t.threshold - lifetime_points,
        });
        let tier = &tiers[current];
        Some(TierStatus {
            name: self.tier_name(tier, locale),
            threshold: tier.threshold,
            next,
        })
    }

    /// The threshold of the lowest tier: reaching it is no news, so it is never celebrated.
    pub fn base_threshold(&self) -> Option<i64> {
        self.settings.tiers.first().map(|t| t.threshold)
    }

    pub fn surprise_rule(&self, key: &str) -> Option<&SurpriseRule> {
        self.surprise_rules
            .iter()
            .chain(&self.referral_gift)
            .find(|r| r.key == key)
    }

    /// A tier named by its configured name, as `locale` names it.
    pub fn tier_display_name(&self, name: &str, locale: Locale) -> String {
        self.settings
            .tiers
            .iter()
            .find(|t| t.name == name)
            .map_or_else(|| name.to_owned(), |t| self.tier_name(t, locale))
    }

    fn tier_name(&self, tier: &TierSettings, locale: Locale) -> String {
        tier.names.get(locale.tag()).unwrap_or(&tier.name).clone()
    }
}

/// Runs `work` for every site every `every` (the first time at once), until the server
/// stops; a failure is logged (`what` failed) and tried again at the next tick.
pub async fn every_site<W, F>(sites: std::sync::Arc<Sites>, every: std::time::Duration, what: &str, mut work: W)
where
    W: FnMut(String) -> F,
    F: std::future::Future<Output = Result<u32, sqlx::Error>>,
{
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        let keys: Vec<String> = sites.keys().into_iter().map(str::to_owned).collect();
        for site in keys {
            if let Err(error) = work(site.clone()).await {
                tracing::warn!(%error, site, "{what} failed; it is tried again in a few seconds");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn site(toml: &str) -> Site {
        let settings = Settings::from_toml(toml).unwrap();
        Sites::new(&settings.sites).unwrap().0.into_values().next().unwrap()
    }

    #[test]
    fn tiers_follow_lifetime_points() {
        let s = site(
            r#"[[sites]]
            key = "s"
            allowed_origins = []
            tiers = [{ name = "Bronze", threshold = 0 }, { name = "Silver", threshold = 500 }, { name = "Gold", threshold = 1500 }]"#,
        );
        let silver = s.tier_status(1240, Locale::En).unwrap();
        assert_eq!((silver.name.as_str(), silver.threshold), ("Silver", 500));
        assert_eq!(
            silver.next,
            Some(NextTier {
                name: "Gold".into(),
                threshold: 1500,
                points_needed: 260
            })
        );
        assert_eq!(s.tier_status(0, Locale::En).unwrap().name, "Bronze");
        assert_eq!(s.tier_status(500, Locale::En).unwrap().name, "Silver");
        let gold = s.tier_status(99_999, Locale::En).unwrap();
        assert_eq!((gold.name.as_str(), gold.next), ("Gold", None));
        assert_eq!(s.base_threshold(), Some(0));
    }

    #[test]
    fn tier_names_follow_the_locale() {
        let s = site(
            r#"[[sites]]
            key = "s"
            allowed_origins = []
            tiers = [{ name = "Silver", threshold = 0, names = { zh-TW = "銀卡" } }, { name = "Gold", threshold = 9, names = { zh-CN = "金卡" } }]"#,
        );
        let tier = s.tier_status(0, Locale::ZhCn).unwrap();
        assert_eq!(
            (tier.name.as_str(), tier.next.unwrap().name.as_str()),
            ("Silver", "金卡")
        );
        assert_eq!(s.tier_status(0, Locale::ZhTw).unwrap().name, "銀卡");
        assert_eq!(s.tier_status(0, Locale::En).unwrap().name, "Silver");
        assert_eq!(s.tier_status(9, Locale::En).unwrap().name, "Gold");
    }

    #[test]
    fn texts_fall_back_field_by_field() {
        let s = site(
            r#"[[sites]]
            key = "s"
            allowed_origins = []
            default_locale = "zh-CN"
            [sites.texts.en]
            greeting = "Hello"
            question = "How was it?"
            [sites.texts.zh-CN]
            greeting = "你好"
            "#,
        );
        assert_eq!(s.text(Locale::ZhTw, |t| t.greeting.as_ref()).as_deref(), Some("你好"));
        assert_eq!(
            s.text(Locale::ZhTw, |t| t.question.as_ref()).as_deref(),
            Some("How was it?")
        );
        assert_eq!(s.text(Locale::En, |t| t.greeting_member.as_ref()), None);
    }

    #[test]
    fn a_rule_giving_points_or_coupons_without_caps_refuses_to_start() {
        let site = |rule: &str| {
            let text = format!(
                "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[[sites.surprises.rules]]\nkey = \"uncapped\"\n{rule}"
            );
            {
                let settings = Settings::from_toml(&text).unwrap();
                settings
                    .check()
                    .and_then(|()| Sites::new(&settings.sites))
                    .map(drop)
                    .map_err(|e| format!("{e:#}"))
            }
        };
        for rule in [
            "trigger = \"random\"\nprobability = 0.5\nreward = \"points\"\npoints = 10\ndaily_limit = 5",
            "trigger = \"nth_visit\"\nevery = 3\nreward = \"points\"\npoints = 10\ncap_days = 1",
            "trigger = \"after_event\"\nevent = \"purchase\"\nreward = \"coupon\"\ncoupon_pool = \"p\"\ncap_days = 7\ndaily_points = 50",
        ] {
            let error = site(rule).unwrap_err();
            assert!(
                error.contains("uncapped") && (error.contains("cap_days") || error.contains("daily_limit")),
                "{error}"
            );
        }
        assert!(site("trigger = \"random\"\nprobability = 0.5\nreward = \"points\"\npoints = 10\ncap_days = 1\ndaily_points = 500").is_ok());
        assert!(site("trigger = \"after_event\"\nevent = \"purchase\"\nreward = \"coupon\"\ncoupon_pool = \"p\"\ncap_days = 7\ndaily_limit = 50").is_ok());
        assert!(
            site("trigger = \"random\"\nprobability = 0.5\nreward = \"message\"").is_ok(),
            "a thank-you needs no caps"
        );
    }

    #[test]
    fn the_example_config_builds_its_sites() {
        let settings = Settings::from_toml(include_str!("../../../../moments.example.toml")).unwrap();
        settings.check().unwrap();
        assert_eq!(Sites::new(&settings.sites).unwrap().keys().len(), settings.sites.len());
    }
}
