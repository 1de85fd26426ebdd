//! The demo shop's past: 90 days of members and anonymous visitors coming and going, buying,
//! answering (in English and Chinese), complaining and being looked after, opening gifts and
//! spending points, through one finished and one running experiment. Generated once from a
//! fixed seed, through the same store functions the API writes with, so every dashboard page
//! opens on figures that hang together. Every id it writes starts with `demo-`.
//!
//! Over 500 lines: one seeded story of 90 days, whose parts depend on each other's figures.

use std::collections::BTreeMap;

use moments_protocol::Locale;
use moments_protocol::context::{Context, Entries};
use moments_protocol::domain::{MemberId, PointsChange, Score};
use moments_protocol::wire::Scale;
use sqlx::{AnyConnection, AnyPool};

use super::SITE;
use super::texts::{Mood, comment_then, member_name, resolution_note};
use crate::features::experiments::definition::{Definition, Experiment, VariantDefinition};
use crate::features::experiments::{assignment, store as experiments};
use crate::features::members::{self, Profile};
use crate::features::sessions::{self, NewSession};
use crate::features::sites::Site;
use crate::features::surprises::store::{self as surprises, Claimer, Recipient};
use crate::features::verified_events::{self, Fact, Source};
use crate::features::visitor_events::{self, NewEvent};
use crate::features::{ledger, recovery, rewards};
use crate::platform::clock::DAY_MS;

/// The seed every demo history is generated from: the same shop, every time.
pub const SEED: i64 = 20_261_201;
pub const DAYS: i64 = 90;
const MEMBERS: usize = 320;
const ANONYMOUS: usize = 700;
const APOLOGY_CODES: u32 = 100;
/// Members who joined before the 90 days, with the points they earned then.
const LONG_STANDING_SHARE: f64 = 0.25;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const PAGES: [&str; 6] = [
    "/",
    "/shop.html",
    "/products/linen-shirt",
    "/products/canvas-tote",
    "/cart",
    "/support.html",
];
const ORIGIN: &str = "https://harborandpine.example";

/// What was generated, for the start-up log.
#[derive(Debug, Default)]
pub struct Summary {
    pub members: usize,
    pub page_views: usize,
    pub answers: usize,
    pub cases: usize,
    pub orders: usize,
    pub referral_clicks: usize,
}

/// Generates the history unless it was generated before (`None`), in one transaction.
pub async fn generate(db: &AnyPool, site: &Site, now: i64) -> anyhow::Result<Option<Summary>> {
    let mut conn = db.acquire().await?;
    let first_day = now.div_euclid(DAY_MS) - DAYS;
    // The codes staff uploaded for apologies (uploading them again adds none).
    let codes: Vec<String> = (1..=APOLOGY_CODES).map(|n| format!("SORRY-{n:03}")).collect();
    surprises::add_codes(&mut conn, SITE, "apology", &codes, (first_day - 1) * DAY_MS).await?;
    let mut tx = crate::platform::db::begin_write_on(&mut conn).await?;
    if !super::store::begin_history(&mut tx, SITE, SEED, now).await? {
        return Ok(None);
    }
    let mut shop = Shop {
        tx: &mut tx,
        site,
        rng: Rng(SEED as u64),
        now,
        origin: first_day * DAY_MS,
        ids: 0,
        summary: Summary::default(),
        experiments: Vec::new(),
    };
    shop.experiments().await?;
    for n in 0..MEMBERS + ANONYMOUS {
        shop.person(n, n < MEMBERS).await?;
    }
    let origin = shop.origin;
    shop.summary.referral_clicks =
        super::referral_history::generate(&mut *shop.tx, site, &mut shop.rng, origin, now).await?;
    let summary = std::mem::take(&mut shop.summary);
    // Every row above is dated in the past: the rollups count those days again.
    crate::features::rollups::store::start_over(&mut tx, SITE, first_day - 1).await?;
    crate::features::themes::start_over(&mut tx, SITE, first_day - 1).await?;
    tx.commit().await?;
    Ok(Some(summary))
}

/// splitmix64: small, fast, and the same on every machine (the big-shop benchmark's too).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Uniform in [low, high).
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.unit() * (high - low) as f64) as i64
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.between(0, items.len() as i64) as usize]
    }
}

/// One experiment of the demo: when it ran, and how much more its challenger moves people.
struct Trial {
    experiment: Experiment,
    from: i64,
    until: i64,
    challenger: &'static str,
    lift: f64,
}

/// A visitor of the shop, member or not, as the simulation goes.
struct Person {
    visitor: String,
    member: Option<MemberId>,
    name: String,
    locale: Locale,
    /// Visits a week, and the daily chance of never coming back.
    rate: f64,
    leaving: f64,
    /// Their leaning, −1 (hard to please) to 1.
    mood: f64,
    answered_at: Option<i64>,
}

struct Shop<'t> {
    tx: &'t mut AnyConnection,
    site: &'t Site,
    rng: Rng,
    now: i64,
    /// Midnight (UTC) of the first day.
    origin: i64,
    ids: u64,
    summary: Summary,
    experiments: Vec<Trial>,
}

impl Shop<'_> {
    fn id(&mut self, kind: &str) -> String {
        self.ids += 1;
        format!("demo-{kind}-{:06}", self.ids)
    }

    fn day(&self, day: i64) -> i64 {
        self.origin + day * DAY_MS
    }

    /// A greeting test that ran from day 5 to day 47 and shipped its warmer text, and a
    /// farewell test running since day 68.
    async fn experiments(&mut self) -> anyhow::Result<()> {
        let text = |en: &str, cn: &str, tw: &str| {
            BTreeMap::from([
                ("en".into(), en.into()),
                ("zh-CN".into(), cn.into()),
                ("zh-TW".into(), tw.into()),
            ])
        };
        let trials = [
            (
                Definition {
                    key: "greeting-warmth".into(),
                    slot: "greeting".into(),
                    seed: None,
                    coverage: 1.0,
                    control: "plain".into(),
                    variants: vec![
                        VariantDefinition {
                            key: "plain".into(),
                            weight: 0.5,
                            share: None,
                            text: text(
                                "Welcome to Harbor & Pine.",
                                "欢迎光临 Harbor & Pine。",
                                "歡迎光臨 Harbor & Pine。",
                            ),
                        },
                        VariantDefinition {
                            key: "warm".into(),
                            weight: 0.5,
                            share: None,
                            text: text(
                                "Hello again, friend! Fresh linen just came in.",
                                "好久不见！新款亚麻刚到货。",
                                "好久不見！新款亞麻剛到貨。",
                            ),
                        },
                    ],
                    metric_event: Some("purchase".into()),
                },
                (5, Some(47)),
                "warm",
                1.3,
            ),
            (
                Definition {
                    key: "farewell-ask".into(),
                    slot: "farewell".into(),
                    seed: None,
                    coverage: 0.8,
                    control: "ask".into(),
                    variants: vec![
                        VariantDefinition {
                            key: "ask".into(),
                            weight: 0.5,
                            share: None,
                            text: text("Before you go: how was it?", "离开前，体验如何？", "離開前，體驗如何？"),
                        },
                        VariantDefinition {
                            key: "thanks-first".into(),
                            weight: 0.5,
                            share: None,
                            text: text(
                                "Thank you for visiting! One tap tells us how we did.",
                                "感谢光临！轻点一下告诉我们做得如何。",
                                "感謝光臨！輕點一下告訴我們做得如何。",
                            ),
                        },
                    ],
                    metric_event: None,
                },
                (68, None),
                "thanks-first",
                1.25,
            ),
        ];
        for (definition, (start, stop), challenger, lift) in trials {
            let experiment = Experiment::parse(definition, Locale::En)
                .map_err(|e| anyhow::anyhow!("demo experiment: {}", e.message))?;
            let (from, until) = (self.day(start), stop.map_or(i64::MAX, |d| self.day(d)));
            experiments::create(&mut *self.tx, SITE, &experiment, from - 2 * DAY_MS).await?;
            experiments::start(&mut *self.tx, SITE, &experiment.key, from).await?;
            if until != i64::MAX {
                experiments::stop_in(&mut *self.tx, SITE, &experiment.key, Some(challenger), until).await?;
            }
            self.experiments.push(Trial {
                experiment,
                from,
                until,
                challenger,
                lift,
            });
        }
        Ok(())
    }

    async fn person(&mut self, n: usize, is_member: bool) -> anyhow::Result<()> {
        let locale = *self.rng.pick(&[
            Locale::En,
            Locale::En,
            Locale::En,
            Locale::ZhCn,
            Locale::ZhCn,
            Locale::ZhTw,
        ]);
        let mut person = Person {
            visitor: format!("demo-visitor-{n:04}"),
            member: if is_member {
                Some(MemberId::parse(&format!("demo-member-{n:03}"))?)
            } else {
                None
            },
            name: member_name(locale, n).to_owned(),
            locale,
            rate: if is_member {
                0.4 + 3.0 * self.rng.unit().powi(2)
            } else {
                0.2 + 1.0 * self.rng.unit().powi(2)
            },
            leaving: if is_member { 0.006 } else { 0.05 },
            mood: self.rng.unit() * 2.0 - 0.8,
            answered_at: None,
        };
        let first_day = self.rng.between(0, DAYS);
        if let Some(member) = person.member.clone() {
            self.summary.members += 1;
            if self.rng.chance(LONG_STANDING_SHARE) {
                self.long_standing(&person, &member).await?;
            }
        }
        for day in first_day..DAYS {
            if self.rng.chance(person.leaving) {
                break;
            }
            // The first day is the day they came; later days bring them back at their rate.
            if day == first_day || self.rng.chance(person.rate / 7.0) {
                let at = self.day(day) + self.rng.between(8 * HOUR, 22 * HOUR);
                if at >= self.now {
                    break;
                }
                self.visit(&mut person, at).await?;
            }
        }
        if let Some(member) = &person.member {
            let lifetime = ledger::standing(&mut *self.tx, SITE, member.as_str()).await?.lifetime;
            if let Some(tier) = self.site.tier_at(lifetime).map(|i| &self.site.settings.tiers[i]) {
                members::mark_celebrated(&mut *self.tx, SITE, member.as_str(), tier.threshold).await?;
            }
        }
        Ok(())
    }

    /// A member who joined up to nine months before the 90 days, with the points of their
    /// orders then in one entry.
    async fn long_standing(&mut self, person: &Person, member: &MemberId) -> anyhow::Result<()> {
        let joined = self.origin - self.rng.between(7, 270) * DAY_MS;
        members::upsert(
            &mut *self.tx,
            SITE,
            member.as_str(),
            Profile {
                name: Some(&person.name),
                birthday: None,
            },
            joined,
        )
        .await?;
        let points = self.rng.between(4, 50) * 50;
        let change = PointsChange::parse(
            Some(points),
            "Orders before this program's report",
            "demo-earlier-orders",
        )?;
        ledger::append(&mut *self.tx, self.site, member, &change, joined).await?;
        Ok(())
    }

    async fn visit(&mut self, person: &mut Person, at: i64) -> anyhow::Result<()> {
        let member = person.member.as_ref().map(MemberId::as_str);
        if let Some(member) = member {
            members::upsert(
                &mut *self.tx,
                SITE,
                member,
                Profile {
                    name: Some(&person.name),
                    birthday: None,
                },
                at,
            )
            .await?;
        }
        let pages = self.rng.between(1, 5);
        let mut session = String::new();
        let mut last = at;
        let mut on_support = false;
        for page in 0..pages {
            session = self.id("session");
            last = at + page * self.rng.between(MINUTE, 6 * MINUTE);
            // A visit in four ends at the help centre, with a ticket.
            let path = if page == pages - 1 && self.rng.chance(0.25) {
                "/support.html"
            } else {
                *self.rng.pick(&PAGES)
            };
            on_support = path == "/support.html";
            let url = format!("{ORIGIN}{path}");
            let view = NewSession {
                id: &session,
                site: SITE,
                visitor_id: &person.visitor,
                member_id: member,
                locale: person.locale.tag(),
                page_url: Some(&url),
                device_id: None,
                started_at: last,
            };
            sessions::insert(&mut *self.tx, &view).await?;
            self.summary.page_views += 1;
        }
        let (buying, answering) = self.exposures(person, &session, at).await?;
        if self.rng.chance(if member.is_some() { 0.2 } else { 0.06 } * buying) {
            self.order(person, &session, last + MINUTE).await?;
        }
        if let Some(member) = &person.member {
            if self.rng.chance(0.04) {
                let key = self.id("review");
                ledger::append(
                    &mut *self.tx,
                    self.site,
                    member,
                    &PointsChange::parse(Some(50), "Product review", &key)?,
                    last + 2 * MINUTE,
                )
                .await?;
            }
            self.maybe_redeem(member, last + 3 * MINUTE).await?;
        }
        let ticket = if on_support { Some(self.ticket()?) } else { None };
        self.end_of_visit(person, &session, last + 4 * MINUTE, answering, ticket)
            .await
    }

    /// Shows each running experiment's message; how much more likely the visitor is to buy and
    /// to answer because of what they saw.
    async fn exposures(&mut self, person: &Person, session: &str, at: i64) -> anyhow::Result<(f64, f64)> {
        let (mut buying, mut answering) = (1.0, 1.0);
        let member = person.member.as_ref().map(MemberId::as_str);
        for trial in self.experiments.iter().filter(|t| (t.from..t.until).contains(&at)) {
            let Some(variant) =
                assignment::assign(&mut *self.tx, SITE, &trial.experiment, &person.visitor, member, at).await?
            else {
                continue;
            };
            let shown = assignment::expose(
                &mut *self.tx,
                SITE,
                &trial.experiment.key,
                &variant,
                &person.visitor,
                member,
                session,
                at,
            )
            .await?;
            shown.map_err(|e| anyhow::anyhow!("demo exposure: {}", e.message))?;
            if variant == trial.challenger {
                match trial.experiment.slot {
                    moments_protocol::wire::Slot::Greeting => buying *= trial.lift,
                    moments_protocol::wire::Slot::Farewell => answering *= trial.lift,
                }
            }
        }
        Ok((buying, answering))
    }

    /// An order: a tracked purchase; for a member, vouched for by the shop's backend (a proof),
    /// 5 points per euro, and from €50 the big-order surprise, usually opened.
    async fn order(&mut self, person: &mut Person, session: &str, at: i64) -> anyhow::Result<()> {
        let value = (15.0 + 145.0 * self.rng.unit().powf(1.6)).round() - 0.1;
        let order = self.id("order");
        let event = self.id("event");
        let member = person.member.as_ref();
        let vouched = member.map(|_| order.as_str());
        let row = NewEvent {
            kind: "track",
            name: Some("purchase"),
            value: Some(value),
            verified_key: vouched,
            ..NewEvent::new(
                SITE,
                &event,
                session,
                &person.visitor,
                member.map(MemberId::as_str),
                at,
                at,
            )
        };
        visitor_events::insert(&mut *self.tx, &row).await?;
        self.summary.orders += 1;
        let Some(member) = member else { return Ok(()) };
        let fact = Fact {
            key: &order,
            member_id: member.as_str(),
            name: "purchase",
            value: Some(value),
            source: Source::Proof,
            event_id: Some(&event),
        };
        verified_events::record(&mut *self.tx, SITE, &fact, at).await?;
        let reason = format!("Order #{}", 10_000 + self.summary.orders);
        ledger::append(
            &mut *self.tx,
            self.site,
            member,
            &PointsChange::parse(Some((value * 5.0) as i64), &reason, &order)?,
            at,
        )
        .await?;
        let Some(rule) = self
            .site
            .surprise_rule("big-order")
            .filter(|r| r.matches_event("purchase", Some(value)))
        else {
            return Ok(());
        };
        let to = Recipient {
            member_id: Some(member.as_str()),
            visitor_id: Some(&person.visitor),
        };
        let occasion = verified_events::occasion(&order);
        let Some(gift) =
            crate::features::surprises::give_or_hold_out(&mut *self.tx, SITE, rule, to, &occasion, at).await?
        else {
            return Ok(());
        };
        // A modest effect, for the Loyalty page's comparison to find: gifted members linger.
        person.rate *= 1.15;
        person.leaving *= 0.7;
        if self.rng.chance(0.85) {
            let opened = at + self.rng.between(MINUTE, 3 * HOUR);
            self.open_gift(person, &gift.id, opened).await?;
        }
        Ok(())
    }

    async fn open_gift(&mut self, person: &Person, gift: &str, at: i64) -> anyhow::Result<()> {
        if at >= self.now {
            return Ok(());
        }
        let claimer = Claimer {
            member_id: person.member.as_ref().map(MemberId::as_str),
            visitor_id: &person.visitor,
        };
        let reason = |rule: &str| {
            self.site
                .surprise_rule(rule)
                .map(|r| r.reason.clone())
                .unwrap_or_default()
        };
        surprises::claim_in(&mut *self.tx, self.site, gift, &claimer, reason, at).await?;
        Ok(())
    }

    /// Now and then a member spends points: the Gold tote bag from 1,500, €5 off from 500,
    /// free shipping from 300. The catalog's own rules (tier, stock, limits) still decide.
    async fn maybe_redeem(&mut self, member: &MemberId, at: i64) -> anyhow::Result<()> {
        let balance = ledger::standing(&mut *self.tx, SITE, member.as_str()).await?.balance;
        let key = if balance >= 1500 && self.rng.chance(0.08) {
            "tote-bag"
        } else if balance >= 500 && self.rng.chance(0.12) {
            "five-off"
        } else if balance >= 300 && self.rng.chance(0.15) {
            "free-shipping"
        } else {
            return Ok(());
        };
        let Some(reward) = self.site.catalog.get(key) else {
            return Ok(());
        };
        let default = self.site.settings.default_locale;
        let idempotency_key = self.id("redemption");
        let reason = format!("Redeemed: {}", reward.title(default, default));
        // A refusal (the monthly limit, a pool run dry) writes nothing: the member just doesn't.
        rewards::store::redeem(&mut *self.tx, self.site, reward, member, &idempotency_key, reason, at).await?;
        Ok(())
    }

    /// The end-of-visit question (once a month at most), a dismissal, or nothing; a low answer
    /// opens a case, which staff resolve two times in three, and that shows in who comes back.
    /// What the support portal says a visit that ends on it was about (`setContext`): the
    /// ticket, the agent who handled it and its topic; and how much that agent's way lifts or
    /// sinks the answer (one of them leaves people less happy, for the Support page to show).
    fn ticket(&mut self) -> anyhow::Result<(Context, f64)> {
        let (agent, lift) = *self
            .rng
            .pick(&[("may", 0.25), ("lee", 0.1), ("ana", 0.0), ("sam", -0.45)]);
        let topic = *self.rng.pick(&["returns", "shipping", "sizing", "payment"]);
        let ticket = format!("T-{}", 1000 + self.rng.between(0, 9000));
        let entries = Entries(vec![
            ("ticket".into(), ticket),
            ("agent".into(), agent.into()),
            ("topic".into(), topic.into()),
        ]);
        Ok((
            Context::parse(entries).map_err(|e| anyhow::anyhow!("demo context: {}", e.message))?,
            lift,
        ))
    }

    async fn end_of_visit(
        &mut self,
        person: &mut Person,
        session: &str,
        at: i64,
        answering: f64,
        ticket: Option<(Context, f64)>,
    ) -> anyhow::Result<()> {
        if person.answered_at.is_some_and(|t| at - t < 30 * DAY_MS) {
            return Ok(());
        }
        let event = self.id("event");
        let member = person.member.as_ref().map(MemberId::as_str);
        let base = NewEvent {
            kind: "dismiss",
            ..NewEvent::new(SITE, &event, session, &person.visitor, member, at, at)
        };
        // Closing a ticket ends the visit on the portal, which asks at once (`endSession`).
        let asked = if ticket.is_some() { 0.8 } else { 0.4 };
        if !self.rng.chance(asked * answering) {
            if self.rng.chance(0.2) {
                visitor_events::insert(&mut *self.tx, &base).await?;
            }
            return Ok(());
        }
        let faces = self.faces(person, ticket.as_ref().map_or(0.0, |t| t.1)).await?;
        let score = Score::parse(Scale::Csat5, faces)?;
        let mood = match faces {
            1 | 2 => Mood::Unhappy,
            3 => Mood::Mixed,
            _ => Mood::Happy,
        };
        let says = [0.0, 0.8, 0.7, 0.5, 0.3, 0.3][faces as usize];
        let after_courier_change = at >= self.now - 14 * DAY_MS;
        let text = self.rng.chance(says).then(|| {
            comment_then(
                person.locale,
                mood,
                self.rng.between(0, 1000) as usize,
                after_courier_change,
            )
        });
        visitor_events::insert(
            &mut *self.tx,
            &NewEvent {
                kind: "feedback",
                score: Some(score),
                comment: text,
                context: ticket.as_ref().map(|t| &t.0),
                ..base
            },
        )
        .await?;
        person.answered_at = Some(at);
        self.summary.answers += 1;
        let answer = recovery::Answer {
            event_id: &event,
            visitor_id: &person.visitor,
            member_id: member,
            score,
        };
        let Some((case, _)) = recovery::open_case(&mut *self.tx, self.site, &answer, at).await? else {
            return Ok(());
        };
        self.summary.cases += 1;
        let resolved_at = at + self.rng.between(2 * HOUR, 30 * HOUR);
        if self.rng.chance(0.65) && resolved_at < self.now {
            let note = resolution_note(self.rng.between(0, 1000) as usize);
            recovery::resolve(&mut *self.tx, SITE, case, note, resolved_at).await?;
            // Looked after, they come back more (the recovery paradox the Loyalty page measures).
            person.leaving *= 0.5;
            person.rate *= 1.3;
            person.mood += 0.3;
            if person.member.is_some() && self.rng.chance(0.4) {
                self.apology(person, case, resolved_at).await?;
            }
        } else {
            person.leaving *= 2.5;
            person.rate *= 0.5;
        }
        Ok(())
    }

    /// Faces 1 to 5: the person's leaning, a tier's comfort, and the day's luck.
    async fn faces(&mut self, person: &Person, lift: f64) -> anyhow::Result<i64> {
        let comfort = match &person.member {
            Some(member) => {
                let lifetime = ledger::standing(&mut *self.tx, SITE, member.as_str()).await?.lifetime;
                if lifetime >= 1500 {
                    0.25
                } else if lifetime >= 500 {
                    0.12
                } else {
                    0.05
                }
            }
            None => 0.0,
        };
        let x = person.mood + comfort + lift + (self.rng.unit() + self.rng.unit() - 1.0) * 1.2;
        Ok(match x {
            x if x < -0.9 => 1,
            x if x < -0.55 => 2,
            x if x < -0.15 => 3,
            x if x < 0.4 => 4,
            _ => 5,
        })
    }

    /// Staff send a resolved member the apology coupon; most open it.
    async fn apology(&mut self, person: &Person, case: i64, at: i64) -> anyhow::Result<()> {
        let Some(rule) = self.site.surprise_rule("apology-coupon") else {
            return Ok(());
        };
        let to = Recipient {
            member_id: person.member.as_ref().map(MemberId::as_str),
            visitor_id: Some(&person.visitor),
        };
        if let Some(gift) = surprises::give(&mut *self.tx, SITE, rule, to, &format!("demo-case-{case}"), at).await?
            && self.rng.chance(0.7)
        {
            let opened = at + self.rng.between(HOUR, 2 * DAY_MS);
            self.open_gift(person, &gift.id, opened).await?;
        }
        Ok(())
    }
}
