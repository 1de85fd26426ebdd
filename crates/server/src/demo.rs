//! `--demo`: a site called `demo` with members, points and tiers, so there is something to see.
//! Its token secret is public (`demo-secret`): never use this site for real visitors.

use anyhow::Context;
use sqlx::SqlitePool;

use crate::configuration::{Settings, SiteSettings};
use crate::db::now_ms;
use crate::member_token::{self, MemberClaims};
use crate::state::AppState;

pub const SITE: &str = "demo";
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
/// make a second run change nothing.
pub async fn seed(db: &SqlitePool) -> anyhow::Result<()> {
    let now = now_ms();
    let members: [SeedMember; 2] = [
        (SHOP_MEMBER, "Alice", &[(1000, "Welcome bonus"), (300, "Order #1042"), (-60, "Redeemed: free shipping")]),
        ("bob", "Bob", &[(80, "Order #1043")]),
    ];
    let mut tx = db.begin().await?;
    for (id, name, entries) in members {
        sqlx::query(
            "INSERT INTO members (site, member_id, name, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(SITE)
        .bind(id)
        .bind(name)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for (n, (delta, reason)) in entries.iter().enumerate() {
            sqlx::query(
                "INSERT INTO points_ledger (site, member_id, delta, reason, idempotency_key, created_at)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(SITE)
            .bind(id)
            .bind(delta)
            .bind(reason)
            .bind(format!("demo-seed-{n}"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await.context("seeding the demo site")?;
    Ok(())
}

/// What the demo shop's own backend would render into its page for its logged-in member.
pub fn member_token(state: &AppState) -> Option<String> {
    let site = state.sites.get(SITE)?;
    let secret = site.settings.member_token_secrets.first()?;
    let now = now_ms() / 1000;
    let claims = MemberClaims { sub: SHOP_MEMBER.into(), name: Some("Alice".into()), locale: None, birthday: None };
    Some(member_token::mint(&claims, SITE, secret, now, now + member_token::MAX_LIFETIME_SECS))
}
