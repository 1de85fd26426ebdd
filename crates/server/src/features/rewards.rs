//! Members spend points: a catalog of rewards per site, the offers a member sees, and
//! redemptions that debit the ledger, check stock and limits and hand over a code, exactly
//! once per idempotency key.

pub mod catalog;
pub mod store;

use catalog::Reward;
use moments_protocol::Locale;
use moments_protocol::wire::{Redemption, RewardOffer};
use sqlx::AnyConnection;
use store::StoredRedemption;

use crate::features::sites::Site;

/// The catalog as `member` sees it now: what each reward costs them, and why one cannot be
/// redeemed besides points (tier, stock, their limit).
pub async fn offers(
    conn: &mut AnyConnection,
    site: &Site,
    member: &str,
    balance: i64,
    lifetime: i64,
    locale: Locale,
    now: i64,
) -> Result<Vec<RewardOffer>, sqlx::Error> {
    let rewards = &site.catalog.rewards;
    if rewards.is_empty() {
        return Ok(Vec::new());
    }
    let key = site.settings.key.as_str();
    let redeemed = store::counts_by_reward(&mut *conn, key).await?;
    let longest_window = rewards
        .iter()
        .filter_map(|r| r.limit)
        .map(|l| i64::from(l.days))
        .max()
        .unwrap_or(0);
    let mine = store::member_counts_since(
        &mut *conn,
        key,
        member,
        now - longest_window * crate::platform::clock::DAY_MS,
    )
    .await?;
    let default = site.settings.default_locale;
    Ok(rewards
        .iter()
        .map(|reward| {
            let unavailable = if reward
                .min_tier
                .as_ref()
                .is_some_and(|(_, threshold)| lifetime < *threshold)
            {
                Some("tier_too_low")
            } else if reward
                .stock
                .is_some_and(|stock| redeemed.get(&reward.key).copied().unwrap_or(0) >= stock)
            {
                Some("sold_out")
            } else if reward.limit.is_some_and(|l| {
                let since = now - i64::from(l.days) * crate::platform::clock::DAY_MS;
                mine.get(&reward.key)
                    .map_or(0, |ats| ats.iter().filter(|at| **at > since).count())
                    >= l.count as usize
            }) {
                Some("limit_reached")
            } else {
                None
            };
            RewardOffer {
                key: reward.key.clone(),
                title: reward.title(locale, default),
                description: reward.description(locale, default),
                cost: reward.cost,
                points_needed: (reward.cost - balance).max(0),
                min_tier: reward
                    .min_tier
                    .as_ref()
                    .map(|(name, _)| site.tier_display_name(name, locale)),
                unavailable: unavailable.map(str::to_owned),
            }
        })
        .collect())
}

/// A stored redemption as the member sees it, in `locale`.
pub fn shown(site: &Site, stored: &StoredRedemption, locale: Locale) -> Redemption {
    let default = site.settings.default_locale;
    let reward: Option<&Reward> = site.catalog.get(&stored.reward);
    Redemption {
        reward: stored.reward.clone(),
        title: reward.map_or_else(|| stored.reward.clone(), |r| r.title(locale, default)),
        code: stored.code.clone(),
        how_to_use: reward.and_then(|r| r.how_to_use(locale, default)),
        points: stored.points,
        at: stored.created_at,
    }
}
