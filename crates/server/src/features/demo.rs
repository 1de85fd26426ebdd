//! `--demo`: a site called `demo` with members, points and tiers, so there is something to see.
//! Its token secret is public (in `demo/site.toml`): never use this site for real visitors.

use anyhow::Context;
use moments_protocol::domain::{MemberId, PointsChange};
use sqlx::AnyPool;

use crate::config::{Settings, SiteSettings};
use crate::features::ledger;
use crate::features::member_token::{self, MemberClaims};
use crate::features::members::{self, Profile};
use crate::features::sites::{Site, Sites};
use crate::platform::clock::now_ms;

pub mod history;
mod referral_history;
pub mod store;
pub mod texts;

pub const SITE: &str = "demo";

/// What `--demo` adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    /// The demo site, its members Alice and Bob, and its coupon codes.
    Site,
    /// And 90 days of generated history, so every dashboard page has something to show.
    SiteWithHistory,
}

impl Mode {
    pub fn is_on(self) -> bool {
        self != Mode::Off
    }
}
/// The member the demo shop page is logged in as.
pub const SHOP_MEMBER: &str = "alice";

pub fn site() -> SiteSettings {
    let settings = Settings::from_toml(include_str!("demo/site.toml")).expect("the demo site config is valid");
    settings.sites.into_iter().next().expect("the demo config has one site")
}

/// Adds the demo site unless the config already has one called `demo`.
pub fn add_site(settings: &mut Settings) {
    if !settings.sites.iter().any(|s| s.key == SITE) {
        settings.sites.push(site());
    }
}

/// A demo member: id, display name, and ledger entries (points, reason).
type SeedMember = (&'static str, &'static str, &'static [(i64, &'static str)]);

/// Seeds members and their points. Safe to run at every start: the ledger's idempotency keys
/// make a second run change nothing. Seeded members have been congratulated on their tier
/// already, so the demo opens on the greeting; award points to see a tier-up.
pub async fn seed(db: &AnyPool, site: &Site) -> anyhow::Result<()> {
    let now = now_ms();
    let members: [SeedMember; 2] = [
        (
            SHOP_MEMBER,
            "Alice",
            &[
                (1000, "Welcome bonus"),
                (300, "Order #1042"),
                (-60, "Returned: enamel mug, order #1042"),
            ],
        ),
        ("bob", "Bob", &[(80, "Order #1043")]),
    ];
    let tiers = &site.settings.tiers;
    for (id, name, entries) in members {
        let member = MemberId::parse(id).context("demo member id")?;
        members::upsert(
            db,
            SITE,
            id,
            Profile {
                name: Some(name),
                birthday: None,
            },
            now,
        )
        .await?;
        for (n, (delta, reason)) in entries.iter().enumerate() {
            let change = PointsChange::parse(Some(*delta), reason, &format!("demo-seed-{n}")).context("demo entry")?;
            match ledger::append(&mut *db.acquire().await?, site, &member, &change, now).await {
                // Seeded before, by a version whose entry read differently: what is there stays.
                Ok(_) | Err(ledger::AppendError::KeyReused(_)) => {}
                Err(error) => return Err(error).context("seeding the demo ledger"),
            }
        }
        let lifetime = ledger::standing(db, SITE, id).await?.lifetime;
        if let Some(tier) = site.tier_at(lifetime).map(|i| &tiers[i]) {
            // Only on first seeding: a later tier-up must still be celebrated after a restart.
            members::mark_celebrated(db, SITE, id, tier.threshold).await?;
        }
    }
    // Codes for the "€5 off" reward; uploading them again adds none.
    let codes: Vec<String> = (1..=FIVE_OFF_CODES).map(|n| format!("FIVE-{n:04}")).collect();
    crate::features::surprises::store::add_codes(&mut *db.acquire().await?, SITE, "five-off", &codes, now).await?;
    Ok(())
}

/// Seeds the site, then (with `SiteWithHistory`) its history, once.
pub async fn seed_mode(db: &AnyPool, mode: Mode) -> anyhow::Result<()> {
    if !mode.is_on() {
        return Ok(());
    }
    let sites = Sites::new(&[site()])?;
    let site = sites.get(SITE).context("the demo site")?;
    seed(db, site).await?;
    if mode == Mode::SiteWithHistory {
        let started = std::time::Instant::now();
        if let Some(made) = history::generate(db, site, now_ms()).await? {
            tracing::info!(
                members = made.members,
                page_views = made.page_views,
                answers = made.answers,
                cases = made.cases,
                orders = made.orders,
                ms = started.elapsed().as_millis() as u64,
                seed = history::SEED,
                "generated the demo site's {} days of history",
                history::DAYS
            );
        }
    }
    Ok(())
}

/// How many codes the demo's "€5 off" pool starts with.
pub const FIVE_OFF_CODES: u32 = 200;

/// The demo cart's total: what the shop's backend charges and vouches for.
pub const ORDER_VALUE: f64 = 79.0;

/// The demo shop's backend takes an order from its logged-in member (`POST /demo/orders`) and
/// answers the proof its page hands to `element.track("purchase", { value, proof })`: signed
/// with the site's secret, naming the member, the event, the value and the order (`jti`).
pub fn place_order(sites: &Sites) -> Option<serde_json::Value> {
    let secret = sites.get(SITE)?.settings.member_token_secrets.first()?;
    let order = format!("order-{}", uuid::Uuid::new_v4().simple());
    let now = now_ms() / 1000;
    let claims = serde_json::json!({
        "aud": SITE, "sub": SHOP_MEMBER, "event": "purchase", "value": ORDER_VALUE, "jti": order, "iat": now, "exp": now + 600,
    });
    let proof = crate::platform::signed_token::sign(&claims, secret);
    Some(serde_json::json!({ "order": order, "value": ORDER_VALUE, "proof": proof }))
}

/// What the demo shop's own backend would render into its page for its logged-in member.
pub fn member_token(sites: &Sites) -> Option<String> {
    let site = sites.get(SITE)?;
    let secret = site.settings.member_token_secrets.first()?;
    let now = now_ms() / 1000;
    let claims = MemberClaims {
        sub: SHOP_MEMBER.into(),
        name: Some("Alice".into()),
        locale: None,
        birthday: None,
    };
    Some(member_token::mint(
        &claims,
        SITE,
        secret,
        now,
        now + member_token::MAX_LIFETIME_SECS,
    ))
}
