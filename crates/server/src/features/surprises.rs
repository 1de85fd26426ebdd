//! Surprise rewards: gifts a visitor did not expect, given by rules the site configures and
//! decided only here. Points go through the ledger when the gift is claimed.

pub mod chance;
pub mod rules;
pub mod store;

use moments_protocol::wire::SurpriseOffer;
use sqlx::AnyConnection;

use self::chance::Chance;
use self::rules::{SurpriseRule, Trigger, birthday_occasion};
use self::store::Recipient;
use crate::config::AnonymousSurprises;
use crate::features::ledger;
use crate::features::member_token::MemberClaims;
use crate::features::sites::Site;
use crate::platform::clock::date_of_ms;

/// Whether `rule` may give anything to this visitor: members get every kind of gift; anonymous
/// visitors thank-you gifts, where the site allows them.
fn may_give(site: &Site, rule: &SurpriseRule, is_member: bool) -> bool {
    is_member || (!rule.gives_value() && site.settings.surprises.anonymous == AnonymousSurprises::Messages)
}

/// A session has started (and is stored, in `conn`): gives what the session rules earn. The
/// gifts waiting for the visitor are read after the commit (`waiting`).
pub async fn give_at_session_start(
    conn: &mut AnyConnection,
    chance: &Chance,
    site: &Site,
    visitor_id: &str,
    member: Option<&MemberClaims>,
    session_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let key = site.settings.key.as_str();
    let to = Recipient {
        member_id: member.map(|m| m.sub.as_str()),
        visitor_id: Some(visitor_id),
    };
    let mut lifetime = None;
    for rule in site
        .surprise_rules
        .iter()
        .filter(|r| may_give(site, r, member.is_some()))
    {
        let occasion = match &rule.trigger {
            Trigger::Random { probability } => chance.happens(*probability).then(|| format!("session:{session_id}")),
            Trigger::NthVisit { every } => {
                let visits = visits(&mut *conn, key, to).await?;
                (visits > 0 && visits % i64::from(*every) == 0).then(|| format!("visit:{visits}"))
            }
            Trigger::Birthday { within_days } => member
                .and_then(|m| m.birthday.as_deref())
                .and_then(|birthday| birthday.get(5..))
                .and_then(|month_day| birthday_occasion(month_day, date_of_ms(now), *within_days))
                .map(|year| format!("birthday:{year}")),
            Trigger::Milestone { threshold } => match member {
                Some(m) => {
                    let points = match lifetime {
                        Some(points) => points,
                        None => *lifetime.insert(ledger::standing(&mut *conn, key, &m.sub).await?.lifetime),
                    };
                    (points >= *threshold).then(|| format!("milestone:{threshold}"))
                }
                None => None,
            },
            Trigger::AfterEvent { .. } | Trigger::Manual => None,
        };
        if let Some(occasion) = occasion {
            give_or_hold_out(&mut *conn, key, rule, to, &occasion, now).await?;
        }
    }
    Ok(())
}

/// Every gift waiting for this member or browser, oldest first.
pub async fn waiting(
    db: impl sqlx::AnyExecutor<'_>,
    site: &Site,
    visitor_id: &str,
    member: Option<&MemberClaims>,
    now: i64,
) -> Result<Vec<SurpriseOffer>, sqlx::Error> {
    // No rule to give anything: nothing to read (the referral friend's coupon is a gift too).
    if site.surprise_rules.is_empty() && site.referral_gift.is_none() {
        return Ok(Vec::new());
    }
    let to = Recipient {
        member_id: member.map(|m| m.sub.as_str()),
        visitor_id: Some(visitor_id),
    };
    store::waiting(db, &site.settings.key, to, now).await
}

/// What a tracked event rests on: the browser's word alone, or a fact the host vouched for.
#[derive(Debug, Clone, Copy)]
pub enum Grounds<'a> {
    /// Only the browser says so (`element.track` without a proof): thank-yous at most.
    BrowserSays { event_id: &'a str },
    /// A proof the host signed, or its call to the admin API.
    HostVouches { key: &'a str },
}

/// A tracked event was stored (in `tx`, the transaction that stored it): gives what it earns,
/// once per event, or once per vouched-for fact however often it is reported.
pub async fn after_event(
    tx: &mut AnyConnection,
    site: &Site,
    to: Recipient<'_>,
    grounds: Grounds<'_>,
    name: &str,
    value: Option<f64>,
    now: i64,
) -> Result<Vec<SurpriseOffer>, sqlx::Error> {
    let (occasion, vouched) = match grounds {
        Grounds::BrowserSays { event_id } => (format!("event:{event_id}"), false),
        Grounds::HostVouches { key } => (crate::features::verified_events::occasion(key), true),
    };
    let earns = |r: &&SurpriseRule| {
        r.matches_event(name, value) && (vouched || !r.gives_value()) && may_give(site, r, to.member_id.is_some())
    };
    let mut given = Vec::new();
    for rule in site.surprise_rules.iter().filter(earns) {
        given.extend(give_or_hold_out(&mut *tx, &site.settings.key, rule, to, &occasion, now).await?);
    }
    Ok(given)
}

/// Gives the rule's gift, unless the recipient is in the rule's holdout: then the gift that
/// would have been given is recorded as held out (under the same limits, none of them spent)
/// and nothing is revealed.
pub async fn give_or_hold_out(
    conn: &mut AnyConnection,
    site: &str,
    rule: &SurpriseRule,
    to: Recipient<'_>,
    occasion: &str,
    now: i64,
) -> Result<Option<SurpriseOffer>, sqlx::Error> {
    if rule.held_out(&to.key()) {
        store::hold_out(conn, site, rule, to, occasion, now).await?;
        return Ok(None);
    }
    store::give(conn, site, rule, to, occasion, now).await
}

/// Sessions of this member (or, for anonymous visitors, this browser), this one included.
async fn visits(conn: &mut AnyConnection, site: &str, to: Recipient<'_>) -> Result<i64, sqlx::Error> {
    let query = match to.member_id {
        Some(member) => sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE site = $1 AND member_id = $2")
            .bind(site)
            .bind(member),
        None => sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE site = $1 AND visitor_id = $2")
            .bind(site)
            .bind(to.visitor_id),
    };
    query.fetch_one(conn).await
}
