//! Seeds a big shop for `scripts/bench-dashboard.sh`: the demo site with 100,000 members,
//! 200,000 anonymous browsers, 1,000,000 events (answers, dismissals, tracked purchases) over
//! 90 days (90 more per further million, each with as many new members and browsers: a bigger
//! shop is an older one, as busy a day), with the page views, ledger, vouched purchases, gifts,
//! redemptions, recovery cases, exposures and contexts that go with them. Rows are written in
//! large multi-row INSERTs, straight into the tables: a benchmark fixture, not a path the
//! product takes.
//! `cargo run -p moments-server --profile server --example big_shop -- sqlite:///tmp/big.db [members] [events]`
//!
//! Over 500 lines: a fixture that writes every table the dashboard reads.

use std::time::Instant;

use moments_protocol::Locale;
// The demo history's generator: the same shop from the same seed.
use moments_server::features::demo::history::Rng;
use moments_server::features::demo::texts::{self, Mood};
use moments_server::features::experiments::assignment::in_holdout;
use sqlx::AnyConnection;

const DAY: i64 = 86_400_000;
const SITE: &str = "demo";
/// Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 2_000;

#[derive(Clone)]
enum Value {
    Int(i64),
    Real(f64),
    Text(String),
    Null,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Rows of one table, written a statement at a time as they fill up.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
    written: u64,
}

impl Table {
    fn new(name: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            name,
            columns,
            rows: Vec::new(),
            written: 0,
        }
    }

    async fn push(&mut self, db: &mut AnyConnection, row: Vec<Value>) -> anyhow::Result<()> {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
        if (self.rows.len() + 1) * self.columns.len() > MAX_PARAMS {
            self.flush(db).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, db: &mut AnyConnection) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        // A NULL is written as such, not bound: PostgreSQL would take a bound NULL for text.
        let mut next = 0;
        let tuples: Vec<String> = self
            .rows
            .iter()
            .map(|row| {
                let cells: Vec<String> = row
                    .iter()
                    .map(|v| match v {
                        Value::Null => "NULL".to_owned(),
                        _ => {
                            next += 1;
                            format!("${next}")
                        }
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.name,
            self.columns.join(", "),
            tuples.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for value in self.rows.drain(..).flatten() {
            query = match value {
                Value::Int(v) => query.bind(v),
                Value::Real(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
                Value::Null => query,
            };
        }
        self.written += query.execute(&mut *db).await?.rows_affected();
        Ok(())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "sqlite:///tmp/moments-big-shop.db".into());
    let members: i64 = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let target_events: i64 = args.next().map_or(Ok(1_000_000), |n| n.parse())?;
    let anonymous = 2 * members;
    let started = Instant::now();
    let pool = moments_server::platform::db::connect(&url).await?;
    moments_server::features::demo::seed_mode(&pool, moments_server::features::demo::Mode::Site).await?;
    // One connection writes it all, without waiting for the disk after each statement: a
    // fixture, rebuilt if lost. The file is checkpointed and closed properly at the end.
    let mut connection = pool.acquire().await?;
    let db: &mut AnyConnection = &mut connection;
    let sqlite = url.starts_with("sqlite:");
    sqlx::query(if sqlite {
        "PRAGMA synchronous = OFF"
    } else {
        "SET synchronous_commit = off"
    })
    .execute(&mut *db)
    .await?;

    let now = moments_server::platform::clock::now_ms();
    // 90 days per million events: a bigger shop is an older one, as busy per day (the
    // dashboard's cost must follow the period asked for, not the history behind it). Each 90
    // days (a generation) bring their own members and browsers, as many and as active as the
    // first 90: spreading the same people over a longer history made its last days busier.
    let generations = (target_events / 1_000_000).max(1);
    let days = 90 * generations;
    let origin = (now / DAY - days) * DAY;
    // The experiments ran in the last 90 days, whatever the history's length.
    let recent = (now / DAY - 90) * DAY;
    // The two experiments the exposures below are of: one finished, one running.
    let variants =
        r#"[{"key":"a","weight":0.5,"text":{"en":"Hello"}},{"key":"b","weight":0.5,"text":{"en":"Hello again!"}}]"#;
    for (key, slot, status, shipped, started, stopped) in [
        (
            "greeting-warmth",
            "greeting",
            "stopped",
            Some("b"),
            recent + 5 * DAY,
            Some(recent + 47 * DAY),
        ),
        ("farewell-ask", "farewell", "running", None, recent + 68 * DAY, None),
    ] {
        sqlx::query(
            "INSERT INTO experiments (site, key, slot, seed, coverage, control, variants, metric_event, status, shipped, created_at, started_at, stopped_at)
             VALUES ($1, $2, $3, $2, 1.0, 'a', $4, 'purchase', $5, $6, $7, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(SITE)
        .bind(key)
        .bind(slot)
        .bind(variants)
        .bind(status)
        .bind(shipped)
        .bind(started)
        .bind(stopped)
        .execute(&mut *db)
        .await?;
    }
    let mut rng = Rng(20_261_201);
    let mut t = Tables::new();
    // Events per page view, so the events come to about the target.
    let page_views_expected = (members * 10 + anonymous * 5 / 2) * generations;
    let events_per_view = target_events as f64 / page_views_expected as f64;
    let mut n: u64 = 0;
    let mut next_id = |kind: &str| {
        n += 1;
        format!("{kind}-{n:09}")
    };
    let big_order_holdout = demo_rule_holdout("big-order");

    for person in 0..(members + anonymous) * generations {
        let (generation, index) = (person / (members + anonymous), person % (members + anonymous));
        let from = origin + generation * 90 * DAY;
        let until = if generation + 1 == generations {
            now
        } else {
            from + 90 * DAY
        };
        let member = (index < members).then(|| format!("member-{:06}", generation * members + index));
        let visitor = format!("visitor-{person:07}");
        let joined = if member.is_some() {
            rng.between(from - 180 * DAY, until)
        } else {
            rng.between(from, until)
        };
        let views = if member.is_some() {
            rng.between(1, 20)
        } else {
            rng.between(1, 5)
        };
        let mut balance = 0_i64;
        if let Some(member) = &member {
            t.members
                .push(
                    &mut *db,
                    vec![
                        SITE.into(),
                        member.clone().into(),
                        format!("Member {person}").into(),
                        joined.into(),
                        now.into(),
                    ],
                )
                .await?;
        }
        let mut exposed = [false; 2];
        for _ in 0..views {
            let at = rng.between(joined.max(from), until);
            let session = next_id("session");
            t.sessions
                .push(
                    &mut *db,
                    vec![
                        session.clone().into(),
                        SITE.into(),
                        visitor.clone().into(),
                        member.clone().into(),
                        "en".into(),
                        "https://shop.example/".into(),
                        at.into(),
                    ],
                )
                .await?;
            for (i, (experiment, from, to)) in [
                ("greeting-warmth", recent + 5 * DAY, recent + 47 * DAY),
                ("farewell-ask", recent + 68 * DAY, now),
            ]
            .into_iter()
            .enumerate()
            {
                if (from..to).contains(&at) && !exposed[i] && rng.chance(0.5) {
                    exposed[i] = true;
                    let variant = if rng.chance(0.5) { "a" } else { "b" };
                    t.exposures
                        .push(
                            &mut *db,
                            vec![
                                SITE.into(),
                                experiment.into(),
                                visitor.clone().into(),
                                variant.into(),
                                member.clone().into(),
                                session.clone().into(),
                                at.into(),
                            ],
                        )
                        .await?;
                }
            }
            if !rng.chance(events_per_view.min(1.0)) {
                continue;
            }
            let event = next_id("event");
            let kind = rng.unit();
            if kind < 0.3 {
                let score = [1, 2, 3, 4, 4, 5, 5, 5][rng.between(0, 8) as usize];
                let context = rng.chance(0.1).then(|| {
                    let agent = ["may", "lee", "ana", "sam"][rng.between(0, 4) as usize];
                    let topic = ["returns", "shipping", "sizing", "payment"][rng.between(0, 4) as usize];
                    (agent, topic)
                });
                let context_json = context.map(|(a, topic)| format!(r#"{{"agent":"{a}","topic":"{topic}"}}"#));
                // Comments as the demo shop's: in English, simplified and traditional Chinese,
                // more often after a low score (the Themes section's words).
                let mood = match score {
                    1 | 2 => Mood::Unhappy,
                    3 | 4 => Mood::Mixed,
                    _ => Mood::Happy,
                };
                let locale = [Locale::En, Locale::En, Locale::ZhCn, Locale::ZhTw][rng.between(0, 4) as usize];
                let comment = rng
                    .chance(if score <= 2 { 0.5 } else { 0.2 })
                    .then(|| texts::comment(locale, mood, rng.between(0, 1000) as usize));
                t.events
                    .push(
                        &mut *db,
                        event_row(
                            &event,
                            &session,
                            &visitor,
                            &member,
                            "feedback",
                            Some(score),
                            comment,
                            None,
                            None,
                            None,
                            context_json,
                            at,
                        ),
                    )
                    .await?;
                if let Some((agent, topic)) = context {
                    for (key, value) in [("agent", agent), ("topic", topic)] {
                        t.answer_context
                            .push(
                                &mut *db,
                                vec![SITE.into(), event.clone().into(), key.into(), value.into(), at.into()],
                            )
                            .await?;
                    }
                }
                if score <= 2 {
                    let status = if rng.chance(0.65) { "resolved" } else { "open" };
                    t.recovery
                        .push(
                            &mut *db,
                            vec![
                                SITE.into(),
                                event.clone().into(),
                                visitor.clone().into(),
                                member.clone().into(),
                                "csat5".into(),
                                score.into(),
                                status.into(),
                                at.into(),
                            ],
                        )
                        .await?;
                }
            } else if kind < 0.45 {
                t.events
                    .push(
                        &mut *db,
                        event_row(
                            &event, &session, &visitor, &member, "dismiss", None, None, None, None, None, None, at,
                        ),
                    )
                    .await?;
            } else {
                let value = (10.0 + 150.0 * rng.unit()).round();
                let vouched = member.as_ref().map(|_| next_id("order"));
                t.events
                    .push(
                        &mut *db,
                        event_row(
                            &event,
                            &session,
                            &visitor,
                            &member,
                            "track",
                            None,
                            None,
                            Some("purchase"),
                            Some(value),
                            vouched.clone(),
                            None,
                            at,
                        ),
                    )
                    .await?;
                let (Some(member), Some(order)) = (&member, vouched) else {
                    continue;
                };
                t.verified
                    .push(
                        &mut *db,
                        vec![
                            SITE.into(),
                            order.clone().into(),
                            member.clone().into(),
                            "purchase".into(),
                            value.into(),
                            "proof".into(),
                            event.clone().into(),
                            at.into(),
                        ],
                    )
                    .await?;
                let points = (value * 5.0) as i64;
                balance += points;
                t.ledger
                    .push(
                        &mut *db,
                        vec![
                            SITE.into(),
                            member.clone().into(),
                            points.into(),
                            "Order".into(),
                            order.clone().into(),
                            at.into(),
                            balance.into(),
                        ],
                    )
                    .await?;
                let recipient = format!("m:{member}");
                let gifted = value >= 50.0 && rng.chance(0.3);
                // The demo's big-order rule holds out a fifth: their would-be gifts are recorded
                // as held out, so the Loyalty page's randomized comparison has its real load.
                if gifted && in_holdout("surprise:big-order", &recipient, big_order_holdout) {
                    t.holdouts
                        .push(
                            &mut *db,
                            vec![
                                SITE.into(),
                                "big-order".into(),
                                recipient.clone().into(),
                                member.clone().into(),
                                visitor.clone().into(),
                                format!("fact:{order}").into(),
                                100_i64.into(),
                                at.into(),
                            ],
                        )
                        .await?;
                } else if gifted {
                    let gift = next_id("gift");
                    let claimed = rng.chance(0.8).then_some(at + 60_000);
                    t.surprises
                        .push(
                            &mut *db,
                            vec![
                                gift.clone().into(),
                                SITE.into(),
                                "big-order".into(),
                                recipient.clone().into(),
                                member.clone().into(),
                                visitor.clone().into(),
                                format!("fact:{order}").into(),
                                "points".into(),
                                100_i64.into(),
                                (at / DAY).into(),
                                at.into(),
                                (at + 30 * DAY).into(),
                                claimed.into(),
                            ],
                        )
                        .await?;
                    if let Some(claimed) = claimed {
                        balance += 100;
                        t.ledger
                            .push(
                                &mut *db,
                                vec![
                                    SITE.into(),
                                    member.clone().into(),
                                    100_i64.into(),
                                    "Surprise".into(),
                                    format!("moments:surprise:{gift}").into(),
                                    claimed.into(),
                                    balance.into(),
                                ],
                            )
                            .await?;
                    }
                }
                if balance >= 300 && rng.chance(0.15) {
                    balance -= 300;
                    let key = next_id("redeem");
                    t.ledger
                        .push(
                            &mut *db,
                            vec![
                                SITE.into(),
                                member.clone().into(),
                                (-300_i64).into(),
                                "Redeemed: Free shipping".into(),
                                format!("moments:redeem:free-shipping:{key}").into(),
                                (at + 1000).into(),
                                balance.into(),
                            ],
                        )
                        .await?;
                    t.redemptions
                        .push(
                            &mut *db,
                            vec![
                                SITE.into(),
                                member.clone().into(),
                                "free-shipping".into(),
                                300_i64.into(),
                                Value::Null,
                                format!("FREESHIP-{key}").into(),
                                key.into(),
                                (at + 1000).into(),
                            ],
                        )
                        .await?;
                }
            }
        }
    }
    let written = t.flush(&mut *db).await?;
    // A shop this old has had its page views thinned by the hourly retention job: without
    // this, a server's first start spends minutes deleting them (beside whatever is timed).
    let sessions_days = moments_server::config::RetentionSettings::default().sessions_days;
    sqlx::query("DELETE FROM sessions WHERE started_at < $1")
        .bind(now - i64::from(sessions_days) * DAY)
        .execute(&mut *db)
        .await?;
    // PostgreSQL: VACUUM too, as autovacuum would have by then; otherwise it and the hint bits
    // of millions of fresh rows are written beside the first pages timed.
    sqlx::query(if sqlite { "ANALYZE" } else { "VACUUM ANALYZE" })
        .execute(&mut *db)
        .await?;
    if sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *db).await?;
    }
    drop(connection);
    pool.close().await;
    println!(
        "{url}: {} members, {} anonymous browsers; {written} in {:.1} s",
        members * generations,
        anonymous * generations,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn event_row(
    id: &str,
    session: &str,
    visitor: &str,
    member: &Option<String>,
    kind: &str,
    score: Option<i64>,
    comment: Option<&str>,
    name: Option<&str>,
    value: Option<f64>,
    verified_key: Option<String>,
    context: Option<String>,
    at: i64,
) -> Vec<Value> {
    let scale = score.map(|_| "csat5");
    vec![
        SITE.into(),
        id.into(),
        session.into(),
        visitor.into(),
        member.clone().into(),
        kind.into(),
        scale.into(),
        score.into(),
        comment.into(),
        name.into(),
        value.into(),
        verified_key.into(),
        context.into(),
        at.into(),
        at.into(),
    ]
}

/// The share the demo site's rule holds out (its `site.toml`).
fn demo_rule_holdout(rule: &str) -> f64 {
    moments_server::features::demo::site()
        .surprises
        .rules
        .iter()
        .find(|r| r.key == rule)
        .map_or(0.0, |r| r.holdout)
}

struct Tables {
    members: Table,
    sessions: Table,
    events: Table,
    answer_context: Table,
    recovery: Table,
    verified: Table,
    ledger: Table,
    surprises: Table,
    holdouts: Table,
    redemptions: Table,
    exposures: Table,
}

impl Tables {
    fn new() -> Self {
        Self {
            members: Table::new(
                "members",
                &["site", "member_id", "name", "first_seen_at", "last_seen_at"],
            ),
            sessions: Table::new(
                "sessions",
                &[
                    "id",
                    "site",
                    "visitor_id",
                    "member_id",
                    "locale",
                    "page_url",
                    "started_at",
                ],
            ),
            events: Table::new(
                "events",
                &[
                    "site",
                    "id",
                    "session_id",
                    "visitor_id",
                    "member_id",
                    "type",
                    "scale",
                    "score",
                    "comment",
                    "name",
                    "value",
                    "verified_key",
                    "context",
                    "occurred_at",
                    "received_at",
                ],
            ),
            answer_context: Table::new("answer_context", &["site", "event_id", "key", "value", "received_at"]),
            recovery: Table::new(
                "recovery_cases",
                &[
                    "site",
                    "event_id",
                    "visitor_id",
                    "member_id",
                    "scale",
                    "score",
                    "status",
                    "created_at",
                ],
            ),
            verified: Table::new(
                "verified_events",
                &[
                    "site",
                    "key",
                    "member_id",
                    "name",
                    "value",
                    "source",
                    "event_id",
                    "created_at",
                ],
            ),
            ledger: Table::new(
                "points_ledger",
                &[
                    "site",
                    "member_id",
                    "delta",
                    "reason",
                    "idempotency_key",
                    "created_at",
                    "balance_after",
                ],
            ),
            surprises: Table::new(
                "surprises",
                &[
                    "id",
                    "site",
                    "rule",
                    "recipient",
                    "member_id",
                    "visitor_id",
                    "occasion",
                    "kind",
                    "points",
                    "day",
                    "created_at",
                    "expires_at",
                    "claimed_at",
                ],
            ),
            holdouts: Table::new(
                "surprise_holdouts",
                &[
                    "site",
                    "rule",
                    "recipient",
                    "member_id",
                    "visitor_id",
                    "occasion",
                    "points",
                    "created_at",
                ],
            ),
            redemptions: Table::new(
                "redemptions",
                &[
                    "site",
                    "member_id",
                    "reward",
                    "points",
                    "coupon_pool",
                    "code",
                    "idempotency_key",
                    "created_at",
                ],
            ),
            exposures: Table::new(
                "exposures",
                &[
                    "site",
                    "experiment",
                    "visitor_id",
                    "variant",
                    "member_id",
                    "session_id",
                    "exposed_at",
                ],
            ),
        }
    }

    /// Writes what is left; a summary of the rows per table.
    async fn flush(&mut self, db: &mut AnyConnection) -> anyhow::Result<String> {
        let mut summary = Vec::new();
        for table in [
            &mut self.members,
            &mut self.sessions,
            &mut self.events,
            &mut self.answer_context,
            &mut self.recovery,
            &mut self.verified,
            &mut self.ledger,
            &mut self.surprises,
            &mut self.holdouts,
            &mut self.redemptions,
            &mut self.exposures,
        ] {
            table.flush(&mut *db).await?;
            summary.push(format!("{} {}", table.written, table.name));
        }
        Ok(summary.join(", "))
    }
}
