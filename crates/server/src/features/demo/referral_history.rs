//! The demo shop's referrals: members' links clicked by friends over the 90 days, through
//! the same feature functions the API runs, so the rules decide what completed and what was
//! refused (own links, friends who were members already, small first orders, a large order
//! held for review).

use sqlx::AnyConnection;

use super::SITE;
use super::history::Rng;
use crate::features::members::{self, Profile};
use crate::features::referrals::{self, Click, Order};
use crate::features::sessions::{self, NewSession};
use crate::features::sites::Site;
use crate::features::verified_events::{self, Fact, Source};
use crate::platform::clock::DAY_MS;

/// Members who share their link, and the friends each brings at most.
const REFERRERS: usize = 14;
const MOST_FRIENDS: i64 = 6;
const CODE_LETTERS: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A page view of `visitor` (signed in as `member`), as the session start writes it.
async fn page_view(tx: &mut AnyConnection, visitor: &str, member: Option<&str>, at: i64) -> anyhow::Result<()> {
    let id = format!("demo-session-{visitor}-{at}");
    let view = NewSession {
        id: &id,
        site: SITE,
        visitor_id: visitor,
        member_id: member,
        locale: "en",
        page_url: Some("https://harborandpine.example/shop.html"),
        device_id: None,
        started_at: at,
    };
    sessions::insert(&mut *tx, &view).await?;
    Ok(())
}

/// Clicks, sign-ups and first orders; returns the clicks made.
pub async fn generate(
    tx: &mut AnyConnection,
    site: &Site,
    rng: &mut Rng,
    origin: i64,
    now: i64,
) -> anyhow::Result<usize> {
    let mut clicks = 0;
    let mut previous: Option<String> = None;
    for r in 0..REFERRERS {
        let referrer = format!("demo-member-{:03}", r * 7);
        let shared = origin + rng.between(0, 60) * DAY_MS;
        // A code of the real alphabet, the same every time.
        let code: String = (0..12).map(|i| CODE_LETTERS[(r * 7 + i * 13) % 31] as char).collect();
        let code = referrals::store::code_of(tx, SITE, &referrer, &code, shared).await?;
        for f in 0..rng.between(1, MOST_FRIENDS) {
            let at = shared + rng.between(DAY_MS / 4, 25 * DAY_MS);
            if at >= now {
                break;
            }
            let friend = format!("demo-friend-{r:02}{f:02}");
            let browser = format!("demo-visitor-{friend}");
            // One referrer in five tries their own link from their own browser.
            let (visitor, member) = if f == 0 && r % 5 == 0 {
                (format!("demo-visitor-{:04}", r * 7), None)
            } else if rng.chance(0.1) {
                // A friend who was a member already, signed in.
                (
                    browser.clone(),
                    Some(format!("demo-member-{:03}", 100 + r * 3 + f as usize)),
                )
            } else {
                (browser.clone(), None)
            };
            page_view(tx, &visitor, member.as_deref(), at).await?;
            let address = format!("demo-address-{}", rng.between(0, 1_000_000));
            let click = Click {
                code: &code,
                visitor: &visitor,
                device: None,
                member: member.as_deref(),
                address: Some(&address),
            };
            let Ok(stored) = referrals::click(tx, site, &click, at).await? else {
                continue;
            };
            clicks += 1;
            // Now and then the friend had another member's link too: the first click keeps them.
            if let Some(other) = previous.as_deref().filter(|_| f == 1) {
                let again = Click { code: other, ..click };
                if referrals::click(tx, site, &again, at + 60_000).await?.is_ok() {
                    clicks += 1;
                }
            }
            if stored.referral.status != "pending" || !rng.chance(0.7) {
                continue;
            }
            // The friend joins, and most of them order.
            let joined = at + rng.between(10 * 60_000, 2 * DAY_MS);
            if joined >= now {
                continue;
            }
            let profile = Profile {
                name: None,
                birthday: None,
            };
            members::upsert(&mut *tx, SITE, &friend, profile, joined).await?;
            page_view(tx, &visitor, Some(&friend), joined).await?;
            referrals::member_signed_in(tx, site, &visitor, &friend).await?;
            let ordered = joined + rng.between(60_000, 5 * DAY_MS);
            if ordered >= now || !rng.chance(0.8) {
                continue;
            }
            // A small first order now and then (below the minimum), and a large one held for review.
            let value = match (f, rng.between(0, 10)) {
                (2, _) => 19.9,
                (_, 0) => 420.0,
                _ => (35 + rng.between(0, 90)) as f64 - 0.1,
            };
            let key = format!("demo-order-{friend}");
            let fact = Fact {
                key: &key,
                member_id: &friend,
                name: "purchase",
                value: Some(value),
                source: Source::Admin,
                event_id: None,
            };
            verified_events::record(tx, SITE, &fact, ordered).await?;
            let order = Order {
                member: &friend,
                visitor: None,
                key: &key,
                name: "purchase",
                value: Some(value),
            };
            referrals::after_vouched(tx, site, &order, ordered).await?;
        }
        previous = Some(code);
    }
    Ok(clicks)
}
