//! Refer a friend. A member's link carries their code; the friend's click is attributed to
//! the friend's browser for a window; when the host vouches for the friend's first order (a
//! signed proof or the admin API, as for every value), both sides are paid, once, in the
//! order's transaction. What the browser says alone (a click) pays nothing. Every refusal is
//! stored with its reason, so the rules can be inspected on the Referrals page.

pub mod report;
pub mod store;
pub mod texts;

use moments_protocol::Locale;
use moments_protocol::domain::{MemberId, PointsChange, SERVER_KEY_PREFIX};
use moments_protocol::wire::{ReferralOffer, ReferralSettings};
use sqlx::AnyConnection;

use self::store::{NewClick, Settle, Stored};
use crate::config::{Attribution, ReferralConfig};
use crate::features::ledger;
use crate::features::sites::Site;
use crate::features::surprises::store::Recipient;
use crate::features::webhooks::emit;
use crate::features::webhooks::event_types::{Event, Referral};
use crate::platform::clock::DAY_MS;

/// The surprise rule key the friend's coupon is given under.
pub const GIFT_RULE: &str = "referral";
/// What the referrer reads in their points history.
const REFERRER_REASON: &str = "A friend you referred placed their first order";
const FRIEND_REASON: &str = "Welcome: your first order through a friend's link";
/// Letters that cannot be mistaken for each other when a code is read aloud.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// 12 of 31 letters: 59 bits, unguessable at any rate the rate limits allow.
const CODE_LEN: usize = 12;

/// Why a referral was refused or held. The names are the API's and the dashboard's.
pub mod reasons {
    pub const OWN_CODE: &str = "own_code";
    pub const ALREADY_MEMBER: &str = "already_member";
    pub const ALREADY_BOUGHT: &str = "already_bought";
    pub const CLAIMED_BY_ANOTHER: &str = "claimed_by_another";
    pub const REPLACED_BY_LATER_CLICK: &str = "replaced_by_later_click";
    pub const REFERRER_CAP: &str = "referrer_cap";
    pub const ADDRESS_VELOCITY: &str = "address_velocity";
    pub const ORDER_BELOW_MINIMUM: &str = "order_below_minimum";
    pub const WINDOW_EXPIRED: &str = "window_expired";
    pub const REFUSED_BY_STAFF: &str = "refused_by_staff";
    pub const REVIEW_VALUE: &str = "review_value";
    pub const REVIEW_VELOCITY: &str = "review_velocity";
    /// Every reason, in the order the Referrals page lists them.
    pub const ALL: [&str; 12] = [
        OWN_CODE,
        ALREADY_MEMBER,
        ALREADY_BOUGHT,
        CLAIMED_BY_ANOTHER,
        REPLACED_BY_LATER_CLICK,
        REFERRER_CAP,
        ADDRESS_VELOCITY,
        ORDER_BELOW_MINIMUM,
        WINDOW_EXPIRED,
        REFUSED_BY_STAFF,
        REVIEW_VALUE,
        REVIEW_VELOCITY,
    ];
}

fn program(site: &Site) -> Option<&ReferralConfig> {
    Some(&site.settings.referrals).filter(|r| r.enabled)
}

pub fn offer(config: &ReferralConfig) -> ReferralOffer {
    ReferralOffer {
        referrer_points: Some(config.referrer_points).filter(|p| *p > 0),
        friend_points: Some(config.friend_points).filter(|p| *p > 0),
        friend_coupon: config.friend_coupon_pool.is_some(),
        min_order_value: config.min_order_value,
    }
}

/// The shop's page with the code in the parameter (before any `#fragment`).
pub fn link(config: &ReferralConfig, code: &str) -> String {
    let url = config.share_url.as_deref().unwrap_or_default();
    let (page, fragment) = url.split_once('#').map_or((url, None), |(p, f)| (p, Some(f)));
    let joiner = if page.contains('?') { '&' } else { '?' };
    let mut link = format!("{page}{joiner}{}={code}", config.param);
    if let Some(fragment) = fragment {
        link.push('#');
        link.push_str(fragment);
    }
    link
}

fn new_code() -> String {
    let random = uuid::Uuid::new_v4().as_u128();
    (0..CODE_LEN)
        .map(|i| CODE_ALPHABET[((random >> (i * 6)) % CODE_ALPHABET.len() as u128) as usize] as char)
        .collect()
}

/// Whether a code has the shape of one: a probe for anything else is refused before a read.
pub fn is_code(text: &str) -> bool {
    text.len() == CODE_LEN && text.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// What a page view is told: the parameter to take, and a member's own link (their code made
/// on their first page view with the program on) with its words in `locale`. `ask_promoters`:
/// the farewell variant's choice while an experiment decides it.
pub async fn for_session(
    tx: &mut AnyConnection,
    site: &Site,
    member: Option<&str>,
    ask_promoters: Option<bool>,
    locale: Locale,
    now: i64,
) -> Result<Option<ReferralSettings>, sqlx::Error> {
    let Some(config) = program(site) else { return Ok(None) };
    let mut settings = ReferralSettings {
        param: config.param.clone(),
        link: None,
        promise: None,
        ask: None,
    };
    if let Some(member) = member {
        let code = store::code_of(tx, &site.settings.key, member, &new_code(), now).await?;
        let offer = offer(config);
        settings.link = Some(link(config, &code));
        settings.promise = Some(texts::promise(&offer, locale, false));
        settings.ask = ask_promoters
            .unwrap_or(config.ask_promoters)
            .then(|| texts::promise(&offer, locale, true));
    }
    Ok(Some(settings))
}

/// A member signed in on a browser that clicked a link: the referral now waits for their
/// first order. Read first, so the many sessions without one write nothing.
pub async fn member_signed_in(
    tx: &mut AnyConnection,
    site: &Site,
    visitor: &str,
    member: &str,
) -> Result<(), sqlx::Error> {
    if program(site).is_none() || !store::pending_for_visitor(&mut *tx, &site.settings.key, visitor).await? {
        return Ok(());
    }
    store::link_friend(tx, &site.settings.key, visitor, member).await
}

/// A click as the widget reports it.
pub struct Click<'a> {
    pub code: &'a str,
    pub visitor: &'a str,
    pub device: Option<&'a str>,
    /// The member signed in on the page view, if any.
    pub member: Option<&'a str>,
    /// The client address, hashed with the site.
    pub address: Option<&'a str>,
}

#[derive(Debug)]
pub enum ClickError {
    /// The program is off on this site.
    Off,
    UnknownCode,
}

/// Records a click (once per browser and code: a second one answers as the first did).
pub async fn click(
    tx: &mut AnyConnection,
    site: &Site,
    c: &Click<'_>,
    now: i64,
) -> Result<Result<Stored, ClickError>, sqlx::Error> {
    let Some(config) = program(site) else {
        return Ok(Err(ClickError::Off));
    };
    let key = site.settings.key.as_str();
    if !is_code(c.code) {
        return Ok(Err(ClickError::UnknownCode));
    }
    let Some(referrer) = store::referrer_of(&mut *tx, key, c.code).await? else {
        return Ok(Err(ClickError::UnknownCode));
    };
    if let Some(earlier) = store::click_of(&mut *tx, key, c.visitor, c.code).await? {
        return Ok(Ok(earlier));
    }
    let mut refused = if c.member == Some(referrer.as_str())
        || store::own_browser(&mut *tx, key, &referrer, c.visitor, c.device).await?
    {
        Some(reasons::OWN_CODE)
    } else if c.member.is_some() {
        Some(reasons::ALREADY_MEMBER)
    } else {
        None
    };
    if refused.is_none()
        && let Some(other) = store::open_for_visitor(&mut *tx, key, c.visitor).await?
    {
        let replace = config.attribution == Attribution::LastClick && other.referral.status == "pending";
        if replace {
            refuse(tx, site, &other, "pending", reasons::REPLACED_BY_LATER_CLICK, None, now).await?;
        } else {
            refused = Some(reasons::CLAIMED_BY_ANOTHER);
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    let row = NewClick {
        id: &id,
        site: key,
        code: c.code,
        referrer: &referrer,
        visitor: c.visitor,
        device: c.device,
        address: c.address,
        refused,
        now,
        expires_at: now + i64::from(config.window_days) * DAY_MS,
    };
    if !store::insert(tx, &row).await? {
        // Another request of this browser got there first: its answer is this one's.
        let earlier = store::click_of(&mut *tx, key, c.visitor, c.code).await?;
        return Ok(earlier.ok_or(ClickError::UnknownCode));
    }
    announce(tx, key, &id, Event::ReferralClicked, now).await?;
    if refused.is_some() {
        announce(tx, key, &id, Event::ReferralRefused, now).await?;
    }
    let stored = store::get(&mut *tx, key, &id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok(Ok(stored))
}

/// An order the host vouched for.
pub struct Order<'a> {
    pub member: &'a str,
    /// The browser it was tracked from, when it came with a proof.
    pub visitor: Option<&'a str>,
    /// The fact's key (order number).
    pub key: &'a str,
    pub name: &'a str,
    pub value: Option<f64>,
}

/// A vouched-for fact was recorded now (in `tx`): if it is the friend's first order, the
/// referral waiting for it is settled by the rules, in the same transaction.
pub async fn after_vouched(
    tx: &mut AnyConnection,
    site: &Site,
    order: &Order<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(config) = program(site) else { return Ok(()) };
    if order.name != config.order_event {
        return Ok(());
    }
    let key = site.settings.key.as_str();
    if let Some(visitor) = order.visitor {
        member_signed_in(tx, site, visitor, order.member).await?;
    }
    let Some(referral) = store::pending_for_friend(&mut *tx, key, order.member).await? else {
        return Ok(());
    };
    let value = order.value.unwrap_or(0.0);
    let r = &referral.referral;
    let refused = if now > referral.expires_at {
        Some(reasons::WINDOW_EXPIRED)
    } else if order.member == r.referrer_id
        || store::shares_a_browser(&mut *tx, key, &r.referrer_id, order.member).await?
    {
        Some(reasons::OWN_CODE)
    } else if store::other_orders(&mut *tx, key, order.member, order.name, order.key).await? > 0 {
        Some(reasons::ALREADY_BOUGHT)
    } else if store::member_since(&mut *tx, key, order.member)
        .await?
        .is_some_and(|since| since < r.clicked_at)
    {
        Some(reasons::ALREADY_MEMBER)
    } else if config.min_order_value.is_some_and(|min| value < min) {
        Some(reasons::ORDER_BELOW_MINIMUM)
    } else if store::paid_since(&mut *tx, key, &r.referrer_id, now - 30 * DAY_MS, None).await?
        >= i64::from(config.monthly_cap)
    {
        Some(reasons::REFERRER_CAP)
    } else if let Some(address) = referral.address.as_deref()
        && store::paid_since(&mut *tx, key, &r.referrer_id, now - 7 * DAY_MS, Some(address)).await?
            >= i64::from(config.address_weekly_limit)
    {
        Some(reasons::ADDRESS_VELOCITY)
    } else {
        None
    };
    let placed = Some((order.key, order.value));
    if let Some(reason) = refused {
        return refuse(tx, site, &referral, "pending", reason, placed, now).await;
    }
    let held = if config.review_above_value.is_some_and(|above| value >= above) {
        Some(reasons::REVIEW_VALUE)
    } else if let Some(velocity) = config.review_velocity
        && store::paid_since(&mut *tx, key, &r.referrer_id, now - DAY_MS, None).await? >= i64::from(velocity)
    {
        Some(reasons::REVIEW_VELOCITY)
    } else {
        None
    };
    match held {
        Some(reason) => {
            let settle = Settle {
                status: "held",
                reason: Some(reason),
                order_key: Some(order.key),
                order_value: order.value,
                referrer_points: None,
                friend_points: None,
                decided_by: None,
            };
            store::settle(tx, key, &r.id, "pending", &settle, now).await?;
            Ok(())
        }
        None => pay(tx, site, &referral, "pending", placed, None, now).await.map(|_| ()),
    }
}

/// Refuses a referral that is still `from`, with the reason, and says so to the webhooks.
async fn refuse(
    tx: &mut AnyConnection,
    site: &Site,
    referral: &Stored,
    from: &str,
    reason: &str,
    order: Option<(&str, Option<f64>)>,
    now: i64,
) -> Result<(), sqlx::Error> {
    refuse_by(tx, site, referral, from, reason, order, None, now)
        .await
        .map(|_| ())
}

#[allow(clippy::too_many_arguments)]
async fn refuse_by(
    tx: &mut AnyConnection,
    site: &Site,
    referral: &Stored,
    from: &str,
    reason: &str,
    order: Option<(&str, Option<f64>)>,
    decided_by: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let key = site.settings.key.as_str();
    let settle = Settle {
        status: "refused",
        reason: Some(reason),
        order_key: order.map(|(k, _)| k),
        order_value: order.and_then(|(_, v)| v),
        referrer_points: None,
        friend_points: None,
        decided_by,
    };
    if !store::settle(tx, key, &referral.referral.id, from, &settle, now).await? {
        return Ok(false);
    }
    announce(tx, key, &referral.referral.id, Event::ReferralRefused, now).await?;
    Ok(true)
}

/// Tells the webhooks what became of referral `id`, as it is stored now.
async fn announce(
    tx: &mut AnyConnection,
    key: &str,
    id: &str,
    event: fn(Referral) -> Event,
    now: i64,
) -> Result<Referral, sqlx::Error> {
    let stored = store::get(&mut *tx, key, id).await?.ok_or(sqlx::Error::RowNotFound)?;
    emit::send(tx, key, event(stored.referral.clone()), now).await?;
    Ok(stored.referral)
}

/// Completes a referral that is still `from` and pays both sides, each once: the status
/// changes in one conditional UPDATE, and each credit has its own ledger key.
async fn pay(
    tx: &mut AnyConnection,
    site: &Site,
    referral: &Stored,
    from: &str,
    order: Option<(&str, Option<f64>)>,
    decided_by: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    // A referral held while the program was on is still paid as it is configured now.
    let config = &site.settings.referrals;
    let key = site.settings.key.as_str();
    let r = &referral.referral;
    let Some(friend) = r.friend_id.clone() else {
        return Ok(false);
    };
    let offer = offer(config);
    let settle = Settle {
        status: "completed",
        reason: None,
        order_key: order.map(|(k, _)| k),
        order_value: order.and_then(|(_, v)| v),
        referrer_points: offer.referrer_points,
        friend_points: offer.friend_points,
        decided_by,
    };
    if !store::settle(tx, key, &r.id, from, &settle, now).await? {
        return Ok(false);
    }
    for (member, points, side, reason) in [
        (&r.referrer_id, offer.referrer_points, "referrer", REFERRER_REASON),
        (&friend, offer.friend_points, "friend", FRIEND_REASON),
    ] {
        let (Some(points), Ok(member)) = (points, MemberId::parse(member)) else {
            continue;
        };
        let change = PointsChange {
            delta: points,
            reason: reason.to_owned(),
            idempotency_key: format!("{SERVER_KEY_PREFIX}referral:{}:{side}", r.id),
        };
        match ledger::append(tx, site, &member, &change, now).await {
            Ok(_) => {}
            Err(ledger::AppendError::Database(e)) => return Err(e),
            // A positive credit under a key of its own cannot be refused but for the database.
            Err(other) => return Err(sqlx::Error::Protocol(other.to_string())),
        }
    }
    if let Some(rule) = &site.referral_gift {
        let to = Recipient {
            member_id: Some(&friend),
            visitor_id: Some(&referral.visitor_id),
        };
        if let Some(gift) =
            crate::features::surprises::store::give(tx, key, rule, to, &format!("referral:{}", r.id), now).await?
        {
            store::set_friend_coupon(tx, key, &r.id, &gift.id).await?;
        }
    }
    announce(tx, key, &r.id, Event::ReferralCompleted, now).await?;
    Ok(true)
}

/// Staff's decision on a held referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Refuse,
}

#[derive(Debug)]
pub enum DecideError {
    Unknown,
    /// Only held referrals wait for a decision; this one is in another state.
    NotHeld(String),
}

/// Approves (pays) or refuses a held referral, once: a second decision finds it decided.
pub async fn decide(
    tx: &mut AnyConnection,
    site: &Site,
    id: &str,
    decision: Decision,
    decided_by: &str,
    now: i64,
) -> Result<Result<Referral, DecideError>, sqlx::Error> {
    let key = site.settings.key.as_str();
    let Some(referral) = store::get(&mut *tx, key, id).await? else {
        return Ok(Err(DecideError::Unknown));
    };
    if referral.referral.status != "held" {
        return Ok(Err(DecideError::NotHeld(referral.referral.status)));
    }
    let done = match decision {
        Decision::Approve => pay(tx, site, &referral, "held", None, Some(decided_by), now).await?,
        Decision::Refuse => {
            refuse_by(
                tx,
                site,
                &referral,
                "held",
                reasons::REFUSED_BY_STAFF,
                None,
                Some(decided_by),
                now,
            )
            .await?
        }
    };
    let now_stored = store::get(&mut *tx, key, id).await?.ok_or(sqlx::Error::RowNotFound)?;
    if !done {
        return Ok(Err(DecideError::NotHeld(now_stored.referral.status)));
    }
    Ok(Ok(now_stored.referral))
}
