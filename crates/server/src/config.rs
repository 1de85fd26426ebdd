//! Settings: a TOML file, then environment overrides for the essentials.
//!
//! Over 500 lines: every setting with its documentation and its check, in the order
//! `moments.example.toml` explains them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use moments_protocol::Locale;
use moments_protocol::domain::SiteKey;
use moments_protocol::wire::Scale;
use serde::Deserialize;

use crate::platform::origin::OriginPattern;
use crate::platform::rate_limit::{Cidr, Rate};
pub use crate::platform::signed_token::TokenSecret;

mod referrals;
pub use referrals::{Attribution, ReferralConfig};

/// The name dashboard sessions opened with the admin key go by (no staff account may take it).
pub const ADMIN_STAFF_NAME: &str = "admin";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub server: ServerSettings,
    #[serde(default)]
    pub sites: Vec<SiteSettings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub addr: SocketAddr,
    /// How pages reach this server; defaults to `http://<bound address>`.
    pub public_url: Option<String>,
    pub database_url: String,
    pub admin_key: Option<String>,
    pub request_timeout_secs: u64,
    pub max_concurrent_requests: usize,
    /// Serve the pages of this folder at `/` (the demo shop and support portal).
    pub www_dir: Option<PathBuf>,
    /// Serve the release widget build of this folder at `/dist/`.
    pub widget_dir: Option<PathBuf>,
    /// Seeds the random source of chance-based surprises, for reproducible tests; leave
    /// unset in production.
    pub random_seed: Option<u64>,
    /// Staff who sign in to the dashboard with a password (the admin key always works too).
    pub staff: Vec<StaffAccount>,
    /// Token buckets on the public endpoints; `MOMENTS_RATE_LIMIT=off` turns them off.
    pub rate_limit: RateLimitSettings,
    /// Proxies (addresses or ranges) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<String>,
    pub retention: RetentionSettings,
    /// A bearer token that reads `/metrics` (the admin key does too); 32 bytes or more.
    pub metrics_token: Option<String>,
    pub webhooks: WebhookSettings,
    /// Sign-in through the company's identity provider (OpenID Connect); none: passwords only.
    pub oidc: Option<OidcSettings>,
}

/// The identity provider staff sign in with, and who among its people works on which site.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The provider's issuer URL (its discovery document is `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    /// Also `MOMENTS_OIDC_CLIENT_SECRET`.
    #[serde(default)]
    pub client_secret: String,
    /// The ID token claim listing a person's groups.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Each grant gives a role on a site to the people of a group, or of an email domain.
    #[serde(default)]
    pub grants: Vec<OidcGrant>,
}

fn default_groups_claim() -> String {
    "groups".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcGrant {
    /// A value of the groups claim.
    pub group: Option<String>,
    /// A verified email address's domain, e.g. `shop.example`.
    pub email_domain: Option<String>,
    pub site: String,
    /// `owner`, `marketer`, `support` or `viewer`.
    pub role: String,
}

/// How webhooks are delivered (the webhooks feature's worker).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Lets endpoints made through the admin API reach private, loopback and link-local
    /// addresses (development, or a server inside the shop's own network). Off, a tenant
    /// cannot make this server send requests into the network it runs in. Endpoints written
    /// in this file are the operator's own and may always.
    pub allow_private_networks: bool,
    /// How long a receiver has to answer.
    pub timeout_secs: u64,
    /// The wait before the first retry; each retry waits about twice as long as the last.
    pub first_retry_ms: u64,
    /// The longest wait between two tries.
    pub max_retry_ms: u64,
    /// A delivery still failing this long after its first try is given up (and can be sent again).
    pub give_up_after_hours: u64,
    /// How often each server looks for deliveries due.
    pub poll_ms: u64,
    /// Deliveries one server sends at once.
    pub concurrency: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            timeout_secs: 10,
            first_retry_ms: 5_000,
            max_retry_ms: 6 * 3_600_000,
            give_up_after_hours: 72,
            poll_ms: 500,
            concurrency: 8,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    pub enabled: bool,
    /// Per client address, on every public endpoint.
    pub per_address: Rate,
    /// Per visitor id, once a request names one.
    pub per_visitor: Rate,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_address: Rate {
                burst: 200,
                per_second: 20.0,
            },
            per_visitor: Rate {
                burst: 30,
                per_second: 1.0,
            },
        }
    }
}

/// A site's own limits, tighter than the server's (both apply).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteRateLimits {
    pub per_address: Option<Rate>,
    pub per_visitor: Option<Rate>,
}

/// How long the background job keeps what visitors did (0: forever).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSettings {
    /// Page views (with their page addresses).
    pub sessions_days: u32,
    /// Answers, comments, dismissals and tracked events.
    pub events_days: u32,
    /// Webhook deliveries once delivered or failed, with what they sent.
    pub webhooks_days: u32,
    /// The audit trail: 365 at least (the table refuses younger deletions), 0 keeps it forever.
    pub audit_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            sessions_days: 180,
            events_days: 730,
            webhooks_days: 30,
            audit_days: 730,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffAccount {
    pub name: String,
    /// An argon2 PHC string (`$argon2id$v=19$...`): `moments-server --hash-password` makes one.
    pub password_hash: String,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database_url: "sqlite://data/moments.db".into(),
            admin_key: None,
            request_timeout_secs: 10,
            max_concurrent_requests: 512,
            www_dir: None,
            widget_dir: None,
            random_seed: None,
            staff: Vec::new(),
            rate_limit: RateLimitSettings::default(),
            trusted_proxies: Vec::new(),
            retention: RetentionSettings::default(),
            metrics_token: None,
            webhooks: WebhookSettings::default(),
            oidc: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSettings {
    pub key: String,
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub default_locale: Locale,
    #[serde(default)]
    pub member_token_secrets: Vec<TokenSecret>,
    /// Ordered by threshold; a member's tier is the highest whose threshold their lifetime points reach.
    #[serde(default)]
    pub tiers: Vec<TierSettings>,
    #[serde(default)]
    pub loyalty: LoyaltySettings,
    #[serde(default)]
    pub feedback: FeedbackConfig,
    #[serde(default)]
    pub recovery: RecoveryConfig,
    #[serde(default)]
    pub surprises: SurpriseSettings,
    #[serde(default)]
    pub experiments: ExperimentStatsSettings,
    #[serde(default)]
    pub referrals: ReferralConfig,
    #[serde(default)]
    pub rate_limit: SiteRateLimits,
    /// Texts per locale tag (`en`, `zh-CN`, `zh-TW`).
    #[serde(default)]
    pub texts: BTreeMap<String, SiteTexts>,
    /// Coupon pools whose codes the site uploads (`POST …/coupon-pools/{pool}/codes`); a
    /// surprise rule's `coupon_pool` counts as declared too.
    #[serde(default)]
    pub coupon_pools: Vec<String>,
    /// How members earn points, a line each per locale tag (`{ en = "5 points per €1" }`).
    #[serde(default)]
    pub ways_to_earn: Vec<BTreeMap<String, String>>,
    /// What members may spend points on, in the order the widget lists them.
    #[serde(default)]
    pub rewards: Vec<RewardSettings>,
    /// Where the site's events are sent (more can be made through the admin API).
    #[serde(default)]
    pub webhooks: Vec<WebhookEndpointSettings>,
}

/// A webhook endpoint written in the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointSettings {
    /// Names it in the API and the dashboard; letters, digits, `-` and `_`.
    pub id: String,
    /// https (http only to localhost or 127.0.0.1).
    pub url: String,
    /// Event types, such as `feedback.received` and `recovery.opened`.
    pub events: Vec<String>,
    /// `whsec_…` secrets; every one signs, so a receiver can move to a new one without a gap.
    pub secrets: Vec<String>,
    /// `standard` (Standard Webhooks JSON) or `slack` (a readable chat message).
    #[serde(default = "standard_format")]
    pub format: String,
    pub description: Option<String>,
    /// Send coupon codes in `surprise.*` events (off: a code is money to whoever reads it).
    #[serde(default)]
    pub include_coupon_codes: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn standard_format() -> String {
    "standard".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSettings {
    pub name: String,
    pub threshold: i64,
    /// The name in other locales (`zh-CN = "金卡"`); visitors in any other locale see `name`.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

/// What anonymous visitors see where members see their points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnonymousBadge {
    /// A badge that opens the feedback prompt.
    #[default]
    Feedback,
    /// A badge inviting them to join or sign in at `join_url`.
    Join,
    /// No badge (the greeting still shows).
    Hidden,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoyaltySettings {
    pub anonymous: AnonymousBadge,
    /// The site's own join or sign-in page (http or https); needed for `anonymous = "join"`.
    pub join_url: Option<String>,
    /// A member's points expire after this many months without any ledger entry (1 to 120);
    /// absent: never.
    pub points_expire_after_months: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedbackConfig {
    pub enabled: bool,
    pub scale: Scale,
    /// Share of visitors asked at the end of a session, 0 to 1, decided once per visitor.
    pub sample_rate: f64,
    /// A visitor who answered is not asked again for this many days.
    pub cooldown_days: u32,
}

impl Default for FeedbackConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            scale: Scale::Csat5,
            sample_rate: 1.0,
            cooldown_days: 30,
        }
    }
}

/// Service recovery after a low answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecoveryConfig {
    /// Points an identified member gets as a goodwill gesture; 0 gives none.
    pub goodwill_points: i64,
    /// A member gets goodwill points at most once in this many days.
    #[serde(alias = "recovery_cooldown_days")]
    pub cooldown_days: u32,
    /// The ledger entry's reason, which the member sees in their history.
    pub reason: String,
    /// Cases one visitor's answers may open per UTC day; later low answers are kept, without a case.
    pub max_cases_per_visitor_per_day: u32,
    /// The most points a support agent may give as goodwill when resolving one case (owners and
    /// operators are bound only by the ledger's limits).
    pub staff_goodwill_limit: i64,
    /// The share of members (0 to 0.5) whose automatic goodwill is held out, decided once per
    /// member by hashing, so the Loyalty page can show whether the credit itself brings
    /// detractors back. The apology is always shown.
    pub goodwill_holdout: f64,
}

/// How experiment results are read (GrowthBook's engine and defaults).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExperimentStatsSettings {
    /// Always-valid intervals, safe to read every day.
    pub sequential: bool,
    /// The sequential intervals' tuning: the number of units they are tightest at.
    pub sequential_tuning: f64,
    /// Regression adjustment on the 14 days before each visitor's first exposure.
    pub cuped: bool,
    /// The relative effect the power estimate asks about (0.05: 5%).
    pub minimum_effect: f64,
}

impl Default for ExperimentStatsSettings {
    fn default() -> Self {
        Self {
            sequential: true,
            sequential_tuning: 5_000.0,
            cuped: true,
            minimum_effect: 0.05,
        }
    }
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        Self {
            goodwill_points: 0,
            cooldown_days: 30,
            reason: "With our apologies".into(),
            max_cases_per_visitor_per_day: 3,
            staff_goodwill_limit: 500,
            goodwill_holdout: 0.0,
        }
    }
}

/// Surprise rewards: rules decided on the server, each with a per-recipient cap and a daily
/// budget. The surprises feature turns each rule into its checked form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurpriseSettings {
    /// What anonymous visitors may get: `none`, or `messages` (thank-you surprises only).
    pub anonymous: AnonymousSurprises,
    pub rules: Vec<SurpriseRuleSettings>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnonymousSurprises {
    #[default]
    None,
    Messages,
}

/// One rule as written in the config; the fields a rule's trigger and reward need.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurpriseRuleSettings {
    /// Names the rule in the admin API and the data; letters, digits, `-` and `_`.
    pub key: String,
    /// `random`, `nth_visit`, `birthday`, `milestone`, `after_event` or `manual`.
    pub trigger: String,
    /// `random`: the chance per session, 0 to 1.
    pub probability: Option<f64>,
    /// `nth_visit`: every this many sessions.
    pub every: Option<u32>,
    /// `milestone`: lifetime points that, once reached, give the gift (once).
    pub threshold: Option<i64>,
    /// `after_event`: the tracked event's name, and the least `value` it must carry.
    pub event: Option<String>,
    pub min_value: Option<f64>,
    /// `birthday`: the gift is given on the birthday or within this many days after it.
    pub within_days: Option<u32>,
    /// `points`, `coupon` or `message`.
    pub reward: String,
    pub points: Option<i64>,
    pub coupon_pool: Option<String>,
    /// A recipient gets this rule's gift at most once in this many days (0: no cap).
    #[serde(default)]
    pub cap_days: u32,
    /// At most this many gifts of this rule per UTC day on the site.
    pub daily_limit: Option<u32>,
    /// At most this many points given by this rule per UTC day on the site.
    pub daily_points: Option<i64>,
    /// Unclaimed gifts expire after this many days (default 30).
    pub expires_days: Option<u32>,
    /// The words shown with the gift, per locale tag; the widget has a default.
    #[serde(default)]
    pub message: BTreeMap<String, String>,
    /// The reason in the member's points history (default "A surprise from us").
    pub reason: Option<String>,
    /// The share (0 to 0.5) of those who would get the gift that get nothing instead, decided
    /// once per member (or visitor) and rule by hashing: a randomized comparison of the gift.
    #[serde(default)]
    pub holdout: f64,
}

/// The largest holdout: half stays given, or the program stops being a program.
pub const MAX_HOLDOUT: f64 = 0.5;

/// One reward of the catalog as written in the config (the rewards feature checks it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardSettings {
    /// Names the reward in the API and the data; letters, digits, `-` and `_`.
    pub key: String,
    /// Points it costs, 1 or more.
    pub cost: i64,
    /// A code the shop's checkout understands, the same for everyone (`FREESHIP`)…
    pub code: Option<String>,
    /// …or a code of its own for each redemption, from this declared pool.
    pub coupon_pool: Option<String>,
    /// Per locale tag; the site's default locale must have one.
    pub title: BTreeMap<String, String>,
    #[serde(default)]
    pub description: BTreeMap<String, String>,
    /// Shown with the code ("Enter it at checkout").
    #[serde(default)]
    pub how_to_use: BTreeMap<String, String>,
    /// The name of the lowest tier that may redeem it.
    pub min_tier: Option<String>,
    /// How many may be redeemed in all.
    pub stock: Option<u32>,
    /// At most `count` redemptions per member in any `days` days.
    pub limit: Option<RedemptionLimit>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedemptionLimit {
    pub count: u32,
    pub days: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteTexts {
    /// Shown to anonymous visitors as the visit starts.
    pub greeting: Option<String>,
    /// Shown to identified members; `{name}` is replaced by their name.
    pub greeting_member: Option<String>,
    /// The feedback question; the widget's catalog has a default.
    pub question: Option<String>,
    /// Said as the session ends, above the question.
    pub farewell: Option<String>,
    /// Shown at once after a low answer; the widget's catalog has a default.
    pub apology: Option<String>,
    /// The promise that follows the apology ("our team will contact you within a day").
    pub follow_up: Option<String>,
}

/// The shortest admin key and member-token secret accepted: guessing 32 random bytes is hopeless.
pub const MIN_SECRET_BYTES: usize = 32;

/// Reads the environment; a seam so tests can pass their own.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Loads `path` (or the defaults when `None`), applies `MOMENTS_ADDR`, `MOMENTS_DATABASE_URL`
    /// and `MOMENTS_ADMIN_KEY`, and checks the result.
    pub fn load(path: Option<&Path>, env: Env) -> anyhow::Result<Self> {
        let mut settings = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                Self::from_toml(&text).with_context(|| format!("in config file {}", path.display()))?
            }
            None => Self::from_toml("")?,
        };
        if let Some(addr) = env("MOMENTS_ADDR") {
            settings.server.addr = addr
                .parse()
                .with_context(|| format!("MOMENTS_ADDR={addr:?} is not host:port"))?;
        }
        if let Some(url) = env("MOMENTS_DATABASE_URL") {
            settings.server.database_url = url;
        }
        if let Some(key) = env("MOMENTS_ADMIN_KEY") {
            settings.server.admin_key = Some(key);
        }
        if let (Some(secret), Some(oidc)) = (env("MOMENTS_OIDC_CLIENT_SECRET"), settings.server.oidc.as_mut()) {
            oidc.client_secret = secret;
        }
        match env("MOMENTS_RATE_LIMIT").as_deref() {
            None => {}
            Some("off") => settings.server.rate_limit.enabled = false,
            Some("on") => settings.server.rate_limit.enabled = true,
            Some(other) => bail!("MOMENTS_RATE_LIMIT={other:?}: use on or off"),
        }
        settings.check()?;
        Ok(settings)
    }

    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        Ok(toml::from_str(text)?)
    }

    pub fn check(&self) -> anyhow::Result<()> {
        if let Some(oidc) = &self.server.oidc {
            for grant in &oidc.grants {
                if grant.group.is_some() == grant.email_domain.is_some() {
                    bail!("server.oidc.grants: each grant names a group or an email_domain, not both");
                }
            }
        }
        let audit_days = self.server.retention.audit_days;
        if audit_days != 0 && audit_days < 365 {
            bail!("retention.audit_days is 365 or more (or 0 to keep the audit trail forever); it is {audit_days}");
        }
        if let Some(key) = &self.server.admin_key
            && key.len() < MIN_SECRET_BYTES
        {
            bail!(
                "admin_key must be at least {MIN_SECRET_BYTES} bytes (it is {}): use a long random string, for example `openssl rand -hex 32`",
                key.len()
            );
        }
        if self
            .server
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.len() < MIN_SECRET_BYTES)
        {
            bail!("metrics_token must be at least {MIN_SECRET_BYTES} bytes");
        }
        crate::platform::db::check_url(&self.server.database_url)?;
        for proxy in &self.server.trusted_proxies {
            Cidr::parse(proxy).context("server.trusted_proxies")?;
        }
        self.server
            .rate_limit
            .per_address
            .check("server.rate_limit.per_address")?;
        self.server
            .rate_limit
            .per_visitor
            .check("server.rate_limit.per_visitor")?;
        let hooks = &self.server.webhooks;
        if hooks.timeout_secs == 0
            || hooks.poll_ms == 0
            || hooks.concurrency == 0
            || hooks.first_retry_ms == 0
            || hooks.max_retry_ms < hooks.first_retry_ms
        {
            bail!(
                "server.webhooks: timeout_secs, poll_ms, concurrency and first_retry_ms must be above 0, and max_retry_ms at least first_retry_ms"
            );
        }
        for staff in &self.server.staff {
            if staff.name == ADMIN_STAFF_NAME {
                bail!(
                    "server.staff: the name {:?} is the admin key's; choose another",
                    staff.name
                );
            }
            if staff.name.trim().is_empty() || argon2::PasswordHash::new(&staff.password_hash).is_err() {
                bail!(
                    "server.staff {:?}: a name and an argon2 password_hash (moments-server --hash-password)",
                    staff.name
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for site in &self.sites {
            site.check().with_context(|| format!("site {:?}", site.key))?;
            if !seen.insert(&site.key) {
                bail!("site {:?} is configured twice", site.key);
            }
        }
        Ok(())
    }
}

impl SiteSettings {
    fn check(&self) -> anyhow::Result<()> {
        SiteKey::parse(&self.key)?;
        for origin in &self.allowed_origins {
            OriginPattern::parse(origin)?;
        }
        let tier_tags = self.tiers.iter().flat_map(|t| t.names.keys());
        for tag in self.texts.keys().chain(tier_tags) {
            if Locale::from_tag(tag).map(Locale::tag) != Some(tag.as_str()) {
                bail!("locale {tag:?} (in texts or tier names): use one of en, zh-CN, zh-TW");
            }
        }
        match (&self.loyalty.join_url, self.loyalty.anonymous) {
            (Some(url), _) if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2_048 => {
                bail!("loyalty.join_url must be an http or https URL")
            }
            (None, AnonymousBadge::Join) => bail!("loyalty.anonymous = \"join\" needs loyalty.join_url"),
            _ => {}
        }
        if self
            .loyalty
            .points_expire_after_months
            .is_some_and(|m| !(1..=120).contains(&m))
        {
            bail!("loyalty.points_expire_after_months must be 1 to 120");
        }
        if !self.tiers.windows(2).all(|w| w[0].threshold < w[1].threshold) {
            bail!("tiers must be listed by strictly rising threshold");
        }
        if self.tiers.iter().any(|t| t.threshold < 0 || t.name.trim().is_empty()) {
            bail!("each tier needs a name and a threshold of 0 or more");
        }
        if !(0.0..=1.0).contains(&self.feedback.sample_rate) {
            bail!("feedback.sample_rate must be between 0 and 1");
        }
        self.referrals.check()?;
        if !(0.0..=MAX_HOLDOUT).contains(&self.recovery.goodwill_holdout) {
            bail!("recovery.goodwill_holdout must be between 0 and {MAX_HOLDOUT}");
        }
        let stats = &self.experiments;
        if !(stats.sequential_tuning >= 1.0 && stats.sequential_tuning.is_finite()) {
            bail!("experiments.sequential_tuning must be 1 or more");
        }
        if !(stats.minimum_effect > 0.0 && stats.minimum_effect <= 10.0) {
            bail!("experiments.minimum_effect must be above 0 and at most 10 (1000%)");
        }
        if !(0..=moments_protocol::limits::MAX_POINTS_DELTA).contains(&self.recovery.goodwill_points) {
            bail!("recovery.goodwill_points must be between 0 and 1000000");
        }
        if !(0..=moments_protocol::limits::MAX_POINTS_DELTA).contains(&self.recovery.staff_goodwill_limit) {
            bail!("recovery.staff_goodwill_limit must be between 0 and 1000000");
        }
        let mut rule_keys = std::collections::HashSet::new();
        for rule in &self.surprises.rules {
            if !rule_keys.insert(&rule.key) {
                bail!("surprise rule {:?} is configured twice", rule.key);
            }
        }
        let mut endpoint_ids = std::collections::HashSet::new();
        for endpoint in &self.webhooks {
            if !endpoint_ids.insert(&endpoint.id) {
                bail!("webhook {:?} is configured twice", endpoint.id);
            }
        }
        if let Some(short) = self
            .member_token_secrets
            .iter()
            .find(|s| s.secret.len() < MIN_SECRET_BYTES)
        {
            bail!(
                "member_token_secrets: the secret {:?} is {} bytes; each must be at least {MIN_SECRET_BYTES} (`openssl rand -hex 32`)",
                short.kid,
                short.secret.len()
            );
        }
        for (rate, what) in [
            (self.rate_limit.per_address, "rate_limit.per_address"),
            (self.rate_limit.per_visitor, "rate_limit.per_visitor"),
        ] {
            if let Some(rate) = rate {
                rate.check(what)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(name, _)| *name == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_example_config_parses() {
        let text = include_str!("../../../moments.example.toml");
        let settings = Settings::from_toml(text).unwrap();
        settings.check().unwrap();
        assert!(!settings.sites.is_empty());
    }

    #[test]
    fn recovery_cooldown_takes_the_issue_name_too() {
        let settings = Settings::from_toml(
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[sites.recovery]\nrecovery_cooldown_days = 7",
        )
        .unwrap();
        assert_eq!(settings.sites[0].recovery.cooldown_days, 7);
    }

    #[test]
    fn environment_overrides_the_essentials() {
        let env = env_of(&[
            ("MOMENTS_ADDR", "0.0.0.0:9999"),
            ("MOMENTS_DATABASE_URL", "sqlite://elsewhere.db"),
            ("MOMENTS_ADMIN_KEY", "0123456789abcdef0123456789abcdef"),
            ("MOMENTS_RATE_LIMIT", "off"),
        ]);
        let settings = Settings::load(None, &env).unwrap();
        assert_eq!(settings.server.addr.port(), 9999);
        assert_eq!(settings.server.database_url, "sqlite://elsewhere.db");
        assert_eq!(
            settings.server.admin_key.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert!(!settings.server.rate_limit.enabled);
        assert!(
            Settings::load(None, &env_of(&[])).unwrap().server.rate_limit.enabled,
            "on unless turned off"
        );
        assert!(Settings::load(None, &env_of(&[("MOMENTS_RATE_LIMIT", "maybe")])).is_err());
    }

    #[test]
    fn bad_settings_are_refused_with_a_reason() {
        let env = env_of(&[("MOMENTS_ADDR", "nonsense")]);
        assert!(
            Settings::load(None, &env)
                .unwrap_err()
                .to_string()
                .contains("MOMENTS_ADDR")
        );
        for bad in [
            "[[sites]]\nkey = \"Bad Key\"\nallowed_origins = []",
            "[[sites]]\nkey = \"a\"\nallowed_origins = [\"localhost\"]",
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[[sites.tiers]]\nname = \"G\"\nthreshold = 5\n[[sites.tiers]]\nname = \"S\"\nthreshold = 1",
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[sites.texts.fr]\ngreeting = \"Salut\"",
            "[server]\nadmin_key = \"short\"",
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[sites.feedback]\nsample_rate = 1.5",
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[sites.recovery]\ngoodwill_points = -5",
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[sites.loyalty]\nanonymous = \"join\"",
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[sites.loyalty]\nanonymous = \"join\"\njoin_url = \"javascript:alert(1)\"",
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\ntiers = [{ name = \"G\", threshold = 0, names = { fr = \"Or\" } }]",
            "[server]\nunknown = 1",
            "[server]\ntrusted_proxies = [\"10.0.0.0/40\"]",
            "[server]\ndatabase_url = \"mysql://moments@db/moments\"",
            "[server]\ndatabase_url = \"data/moments.db\"",
            "[server]\nmetrics_token = \"short\"",
            "[server.rate_limit]\nper_address = { burst = 0, per_second = 1 }",
            "[[sites]]\nkey = \"a\"\nallowed_origins = []\n[sites.rate_limit]\nper_visitor = { burst = 5, per_second = 0 }",
        ] {
            let parsed = Settings::from_toml(bad).and_then(|s| s.check());
            assert!(parsed.is_err(), "accepted: {bad}");
        }
    }

    #[test]
    fn secrets_shorter_than_32_bytes_refuse_to_start() {
        let key = |k: &str| {
            Settings::from_toml(&format!("[server]\nadmin_key = \"{k}\""))
                .unwrap()
                .check()
        };
        let error = key("sixteen-chars-ok").unwrap_err().to_string();
        assert!(error.contains("admin_key") && error.contains("32"), "{error}");
        assert!(key(&"k".repeat(32)).is_ok());
        let secret = |s: &str| {
            let site = format!(
                "[[sites]]\nkey = \"a\"\nallowed_origins = []\nmember_token_secrets = [{{ kid = \"k1\", secret = \"{s}\" }}]"
            );
            Settings::from_toml(&site)
                .unwrap()
                .check()
                .map_err(|e| format!("{e:#}"))
        };
        let error = secret("demo-secret").unwrap_err();
        assert!(error.contains("\"k1\"") && error.contains("32"), "{error}");
        assert!(secret(&"s".repeat(32)).is_ok());
    }
}
