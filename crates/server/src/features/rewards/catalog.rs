//! A site's rewards catalog and ways to earn, checked once from the settings.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use moments_protocol::Locale;
use moments_protocol::domain::is_valid_key;
use moments_protocol::limits::{MAX_POINTS_DELTA, MAX_POINTS_REASON_LEN};

use crate::config::{RedemptionLimit, RewardSettings, SiteSettings};

/// Longest fixed code or coupon code, in characters (as uploads allow).
pub const MAX_CODE_LEN: usize = 64;

/// What a redemption hands over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gives {
    /// The same code for everyone, one the shop's checkout knows.
    Code(String),
    /// A code of its own from this pool, each given out once.
    Pool(String),
}

#[derive(Debug, Clone)]
pub struct Reward {
    pub key: String,
    pub cost: i64,
    pub gives: Gives,
    title: BTreeMap<String, String>,
    description: BTreeMap<String, String>,
    how_to_use: BTreeMap<String, String>,
    /// The name (as configured) and threshold of the lowest tier that may redeem it.
    pub min_tier: Option<(String, i64)>,
    pub stock: Option<i64>,
    pub limit: Option<RedemptionLimit>,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub rewards: Vec<Reward>,
    ways_to_earn: Vec<BTreeMap<String, String>>,
}

impl Catalog {
    pub fn parse(site: &SiteSettings) -> anyhow::Result<Self> {
        let mut pools: Vec<&str> = site.coupon_pools.iter().map(String::as_str).collect();
        pools.extend(site.surprises.rules.iter().filter_map(|r| r.coupon_pool.as_deref()));
        pools.extend(site.referrals.friend_coupon_pool.as_deref());
        if let Some(bad) = site.coupon_pools.iter().find(|p| !is_valid_key(p)) {
            bail!("coupon_pools: {bad:?} is not a pool name (1 to 64 letters, digits, '-' or '_')");
        }
        for (n, line) in site.ways_to_earn.iter().enumerate() {
            check_texts(line, site.default_locale).with_context(|| format!("ways_to_earn[{n}]"))?;
        }
        let mut rewards: Vec<Reward> = Vec::new();
        for r in &site.rewards {
            let reward = Reward::parse(r, site, &pools).with_context(|| format!("reward {:?}", r.key))?;
            if rewards.iter().any(|other| other.key == reward.key) {
                bail!("reward {:?} is configured twice", reward.key);
            }
            rewards.push(reward);
        }
        Ok(Self {
            rewards,
            ways_to_earn: site.ways_to_earn.clone(),
        })
    }

    pub fn get(&self, key: &str) -> Option<&Reward> {
        self.rewards.iter().find(|r| r.key == key)
    }

    /// The ways to earn in `locale`, a line each.
    pub fn ways_to_earn(&self, locale: Locale, default: Locale) -> Vec<String> {
        self.ways_to_earn
            .iter()
            .filter_map(|line| text_in(line, locale, default))
            .collect()
    }
}

impl Reward {
    fn parse(r: &RewardSettings, site: &SiteSettings, pools: &[&str]) -> anyhow::Result<Self> {
        if !is_valid_key(&r.key) {
            bail!("key: 1 to 64 letters, digits, '-' or '_'");
        }
        if !(1..=MAX_POINTS_DELTA).contains(&r.cost) {
            bail!("cost must be 1 to {MAX_POINTS_DELTA} points");
        }
        let gives = match (&r.code, &r.coupon_pool) {
            (Some(code), None)
                if !code.trim().is_empty()
                    && code.chars().count() <= MAX_CODE_LEN
                    && !code.chars().any(char::is_control) =>
            {
                Gives::Code(code.clone())
            }
            (Some(_), None) => bail!("code: 1 to {MAX_CODE_LEN} characters"),
            (None, Some(pool)) if pools.contains(&pool.as_str()) => Gives::Pool(pool.clone()),
            (None, Some(pool)) => bail!("coupon_pool {pool:?} does not exist: declare it in the site's coupon_pools"),
            _ => bail!("give either code (the same for everyone) or coupon_pool (a code each), not both"),
        };
        check_texts(&r.title, site.default_locale).context("title")?;
        for (texts, what) in [(&r.description, "description"), (&r.how_to_use, "how_to_use")] {
            if !texts.is_empty() {
                check_texts(texts, site.default_locale).context(what)?;
            }
        }
        let min_tier = match &r.min_tier {
            Some(name) => {
                let tier = site
                    .tiers
                    .iter()
                    .find(|t| &t.name == name)
                    .with_context(|| format!("min_tier {name:?} is none of the site's tiers"))?;
                Some((tier.name.clone(), tier.threshold))
            }
            None => None,
        };
        if r.stock == Some(0) {
            bail!("stock must be 1 or more (leave it out for no limit)");
        }
        if r.limit.is_some_and(|l| l.count == 0 || l.days == 0) {
            bail!("limit needs a count and days of 1 or more");
        }
        Ok(Self {
            key: r.key.clone(),
            cost: r.cost,
            gives,
            title: r.title.clone(),
            description: r.description.clone(),
            how_to_use: r.how_to_use.clone(),
            min_tier,
            stock: r.stock.map(i64::from),
            limit: r.limit,
        })
    }

    pub fn title(&self, locale: Locale, default: Locale) -> String {
        text_in(&self.title, locale, default).unwrap_or_else(|| self.key.clone())
    }

    pub fn description(&self, locale: Locale, default: Locale) -> Option<String> {
        text_in(&self.description, locale, default)
    }

    pub fn how_to_use(&self, locale: Locale, default: Locale) -> Option<String> {
        text_in(&self.how_to_use, locale, default)
    }

    pub fn pool(&self) -> Option<&str> {
        match &self.gives {
            Gives::Pool(pool) => Some(pool),
            Gives::Code(_) => None,
        }
    }
}

/// Per-locale texts: known tags only, each non-empty and short, the default locale's present.
fn check_texts(texts: &BTreeMap<String, String>, default: Locale) -> anyhow::Result<()> {
    for (tag, text) in texts {
        if Locale::from_tag(tag).map(Locale::tag) != Some(tag.as_str()) {
            bail!("locale {tag:?}: use one of en, zh-CN, zh-TW");
        }
        if text.trim().is_empty() || text.chars().count() > MAX_POINTS_REASON_LEN {
            bail!("the {tag} text: 1 to {MAX_POINTS_REASON_LEN} characters");
        }
    }
    if !texts.contains_key(default.tag()) {
        bail!("needs a text in the site's default locale ({})", default.tag());
    }
    Ok(())
}

fn text_in(texts: &BTreeMap<String, String>, locale: Locale, default: Locale) -> Option<String> {
    texts.get(locale.tag()).or_else(|| texts.get(default.tag())).cloned()
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    const SITE: &str = "[[sites]]\nkey = \"s\"\nallowed_origins = []\ncoupon_pools = [\"five-off\"]\ntiers = [{ name = \"Bronze\", threshold = 0 }, { name = \"Gold\", threshold = 1500 }]\n";

    fn check(reward: &str) -> anyhow::Result<()> {
        let settings = Settings::from_toml(&format!("{SITE}[[sites.rewards]]\n{reward}"))?;
        settings.check()?;
        crate::features::sites::Sites::new(&settings.sites).map(drop)
    }

    #[test]
    fn a_catalog_refuses_what_could_not_be_redeemed() {
        let good = "key = \"five\"\ncost = 500\ncoupon_pool = \"five-off\"\ntitle = { en = \"€5 off\" }";
        assert!(check(good).is_ok());
        assert!(check("key = \"ship\"\ncost = 300\ncode = \"FREESHIP\"\ntitle = { en = \"Free shipping\" }\nmin_tier = \"Gold\"\nstock = 5\nlimit = { count = 1, days = 30 }").is_ok());
        for (bad, why) in [
            (
                "key = \"five\"\ncost = 500\ncoupon_pool = \"nowhere\"\ntitle = { en = \"x\" }",
                "does not exist",
            ),
            ("key = \"five\"\ncost = 0\ncode = \"X\"\ntitle = { en = \"x\" }", "cost"),
            (
                "key = \"five\"\ncost = -5\ncode = \"X\"\ntitle = { en = \"x\" }",
                "cost",
            ),
            ("key = \"five\"\ncost = 5\ntitle = { en = \"x\" }", "either code"),
            (
                "key = \"five\"\ncost = 5\ncode = \"X\"\ncoupon_pool = \"five-off\"\ntitle = { en = \"x\" }",
                "either code",
            ),
            (
                "key = \"five\"\ncost = 5\ncode = \"X\"\ntitle = { zh-CN = \"x\" }",
                "default locale",
            ),
            (
                "key = \"five\"\ncost = 5\ncode = \"X\"\ntitle = { en = \"x\" }\nmin_tier = \"Platinum\"",
                "min_tier",
            ),
            (
                "key = \"five\"\ncost = 5\ncode = \"X\"\ntitle = { en = \"x\" }\nstock = 0",
                "stock",
            ),
            (
                "key = \"five\"\ncost = 5\ncode = \"X\"\ntitle = { en = \"x\" }\nlimit = { count = 0, days = 3 }",
                "limit",
            ),
            (
                "key = \"no spaces\"\ncost = 5\ncode = \"X\"\ntitle = { en = \"x\" }",
                "key",
            ),
        ] {
            let error = format!("{:#}", check(bad).unwrap_err());
            assert!(error.contains(why), "{bad}: {error}");
        }
        let twice = format!("{good}\n[[sites.rewards]]\n{good}");
        assert!(format!("{:#}", check(&twice).unwrap_err()).contains("twice"));
    }
}
