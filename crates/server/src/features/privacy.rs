//! What we hold about one member or one browser (visitor id): all of it, to export, then none
//! of it. Erasing keeps what the accounts and the statistics need, under names that lead
//! nowhere: ledger rows (the points a program owes must still add up) and scores stay, with
//! a random `erased:` pseudonym in place of the member or visitor id; profiles, comments,
//! page addresses and the links between a member and their browsers go.

use moments_protocol::domain::ERASED_PREFIX;
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{AnyConnection, Column, Row, ValueRef};

use crate::features::{rollups, themes};

/// Who an export or an erasure is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Member(&'a str),
    Visitor(&'a str),
}

/// How a section's rows become JSON.
#[derive(Clone, Copy)]
enum Shape {
    /// The first row as an object, or null.
    Object,
    /// Every row, an object each.
    Rows,
    /// The first column of every row.
    Values,
}

/// One part of an export: a name, its shape and its query (`$1` the site, `$2` the member or
/// visitor id). Plain SELECTs, the same on every database; the JSON is made here.
type Section = (&'static str, Shape, &'static str);

const MEMBER_SECTIONS: &[Section] = &[
    ("profile", Shape::Object, "SELECT name, birthday, first_seen_at, last_seen_at FROM members WHERE site = $1 AND member_id = $2"),
    ("ledger", Shape::Rows, "SELECT id, delta, reason, idempotency_key, created_at, balance_after FROM points_ledger WHERE site = $1 AND member_id = $2 ORDER BY id"),
    ("visitor_ids", Shape::Values, "SELECT visitor_id FROM sessions WHERE site = $1 AND member_id = $2
                                   UNION SELECT visitor_id FROM assignments WHERE site = $1 AND member_id = $2 ORDER BY 1"),
    ("sessions", Shape::Rows, "SELECT id, visitor_id, locale, page_url, started_at FROM sessions WHERE site = $1 AND member_id = $2 ORDER BY started_at"),
    ("answers", Shape::Rows, "SELECT id, scale, score, comment, context, occurred_at, received_at FROM events
                              WHERE site = $1 AND member_id = $2 AND type = 'feedback' ORDER BY received_at"),
    ("events", Shape::Rows, "SELECT id, type, name, value, CASE WHEN verified_key IS NULL THEN 0 ELSE 1 END AS vouched, occurred_at, received_at
                             FROM events WHERE site = $1 AND member_id = $2 AND type <> 'feedback' ORDER BY received_at"),
    ("vouched_events", Shape::Rows, "SELECT key, name, value, source, created_at FROM verified_events WHERE site = $1 AND member_id = $2 ORDER BY created_at"),
    ("surprises", Shape::Rows, "SELECT id, rule, kind, points, coupon_code, created_at, expires_at, claimed_at FROM surprises
                                WHERE site = $1 AND member_id = $2 ORDER BY seq"),
    ("redemptions", Shape::Rows, "SELECT reward, points, code, created_at FROM redemptions WHERE site = $1 AND member_id = $2 ORDER BY id"),
    ("experiments", Shape::Rows, "SELECT a.experiment, a.variant, a.visitor_id, a.assigned_at, x.exposed_at FROM assignments AS a
                                  LEFT JOIN exposures AS x ON x.site = a.site AND x.experiment = a.experiment AND x.visitor_id = a.visitor_id
                                  WHERE a.site = $1 AND a.member_id = $2 ORDER BY a.assigned_at"),
    ("recovery_cases", Shape::Rows, "SELECT id, scale, score, points, status, note, created_at, resolved_at FROM recovery_cases
                                     WHERE site = $1 AND member_id = $2 ORDER BY id"),
    ("referral_code", Shape::Object, "SELECT code, created_at FROM referral_codes WHERE site = $1 AND member_id = $2"),
    ("referrals", Shape::Rows, "SELECT id, CASE WHEN referrer_id = $2 THEN 'referrer' ELSE 'friend' END AS side, status, reason,
                                order_value, referrer_points, friend_points, clicked_at, decided_at FROM referrals
                                WHERE site = $1 AND (referrer_id = $2 OR friend_id = $2) ORDER BY seq"),
];

const VISITOR_SECTIONS: &[Section] = &[
    ("sessions", Shape::Rows, "SELECT id, member_id, locale, page_url, started_at FROM sessions WHERE site = $1 AND visitor_id = $2 ORDER BY started_at"),
    ("answers", Shape::Rows, "SELECT id, scale, score, comment, context, occurred_at, received_at FROM events
                              WHERE site = $1 AND visitor_id = $2 AND type = 'feedback' ORDER BY received_at"),
    ("events", Shape::Rows, "SELECT id, type, name, value, occurred_at, received_at FROM events
                             WHERE site = $1 AND visitor_id = $2 AND type <> 'feedback' ORDER BY received_at"),
    ("surprises", Shape::Rows, "SELECT id, rule, kind, created_at, claimed_at FROM surprises WHERE site = $1 AND visitor_id = $2 ORDER BY seq"),
    ("experiments", Shape::Rows, "SELECT a.experiment, a.variant, a.assigned_at, x.exposed_at FROM assignments AS a
                                  LEFT JOIN exposures AS x ON x.site = a.site AND x.experiment = a.experiment AND x.visitor_id = a.visitor_id
                                  WHERE a.site = $1 AND a.visitor_id = $2 ORDER BY a.assigned_at"),
    ("recovery_cases", Shape::Rows, "SELECT id, scale, score, status, created_at FROM recovery_cases WHERE site = $1 AND visitor_id = $2 ORDER BY id"),
    ("referrals", Shape::Rows, "SELECT id, status, reason, clicked_at, decided_at FROM referrals WHERE site = $1 AND visitor_id = $2 ORDER BY seq"),
];

/// Everything stored about the subject, by section; `None` when there is nothing at all.
pub async fn export(
    conn: &mut AnyConnection,
    site: &str,
    subject: Subject<'_>,
) -> Result<Option<Map<String, Value>>, sqlx::Error> {
    let (sections, id) = match subject {
        Subject::Member(id) => (MEMBER_SECTIONS, id),
        Subject::Visitor(id) => (VISITOR_SECTIONS, id),
    };
    let mut export = Map::new();
    let mut found = false;
    for (name, shape, query) in sections {
        let rows = sqlx::query(sqlx::AssertSqlSafe(*query))
            .bind(site)
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        found |= !rows.is_empty();
        let value = match shape {
            Shape::Object => rows.first().map_or(Ok(Value::Null), row_object)?,
            Shape::Rows => Value::Array(rows.iter().map(row_object).collect::<Result<_, _>>()?),
            Shape::Values => Value::Array(rows.iter().map(|row| column_value(row, 0)).collect::<Result<_, _>>()?),
        };
        export.insert((*name).to_owned(), value);
    }
    Ok(found.then_some(export))
}

fn row_object(row: &AnyRow) -> Result<Value, sqlx::Error> {
    let mut object = Map::new();
    for column in row.columns() {
        object.insert(column.name().to_owned(), column_value(row, column.ordinal())?);
    }
    Ok(Value::Object(object))
}

/// A column's value as JSON, by the type the database gave it.
fn column_value(row: &AnyRow, index: usize) -> Result<Value, sqlx::Error> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    Ok(match raw.type_info().kind() {
        AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
            Value::from(row.try_get::<i64, _>(index)?)
        }
        AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => Value::from(row.try_get::<f64, _>(index)?),
        AnyTypeInfoKind::Bool => Value::from(row.try_get::<bool, _>(index)?),
        _ => Value::from(row.try_get::<String, _>(index)?),
    })
}

/// What an erasure changed, by kind (all 0 when there was nothing left to erase).
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Erased {
    /// Profiles deleted (0 or 1).
    pub profile: u64,
    /// Ledger entries kept for the accounts under a pseudonym.
    pub ledger_entries: u64,
    /// Page views deleted.
    pub sessions: u64,
    /// Answers and events kept anonymously (comments removed).
    pub events: u64,
    /// Browsers (visitor ids) the member used, erased with them.
    pub visitors: u64,
}

fn pseudonym() -> String {
    format!("{ERASED_PREFIX}{}", uuid::Uuid::new_v4().simple())
}

/// Runs `statement` for `$1` the site, `$2` the subject's id and, where it uses one, `$3` its pseudonym.
async fn run(
    tx: &mut AnyConnection,
    statement: &'static str,
    site: &str,
    id: &str,
    pseudonym: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let mut query = sqlx::query(statement).bind(site).bind(id);
    if let Some(pseudonym) = pseudonym {
        query = query.bind(pseudonym);
    }
    Ok(query.execute(&mut *tx).await?.rows_affected())
}

/// Erases a member and the browsers they used, in `tx` (one transaction: all or nothing).
pub async fn erase_member(tx: &mut AnyConnection, site: &str, member: &str) -> Result<Erased, sqlx::Error> {
    let visitors: Vec<String> = sqlx::query_scalar(
        "SELECT visitor_id FROM sessions WHERE site = $1 AND member_id = $2 UNION SELECT visitor_id FROM assignments WHERE site = $1 AND member_id = $2
         UNION SELECT visitor_id FROM events WHERE site = $1 AND member_id = $2",
    )
    .bind(site)
    .bind(member)
    .fetch_all(&mut *tx)
    .await?;
    let mut erased = Erased {
        visitors: visitors.len() as u64,
        ..Erased::default()
    };
    for visitor in &visitors {
        let by_visitor = erase_visitor(tx, site, visitor).await?;
        erased.sessions += by_visitor.sessions;
        erased.events += by_visitor.events;
    }
    let alias = pseudonym();
    crate::features::audit::store::pseudonymise(tx, site, "member", member, &alias).await?;
    // The only change the ledger's trigger allows: the member id, to a pseudonym, once.
    erased.ledger_entries = run(
        tx,
        "UPDATE points_ledger SET member_id = $3 WHERE site = $1 AND member_id = $2",
        site,
        member,
        Some(&alias),
    )
    .await?;
    erased.profile = run(
        tx,
        "DELETE FROM members WHERE site = $1 AND member_id = $2",
        site,
        member,
        None,
    )
    .await?;
    crate::features::webhooks::store::erase(tx, site, crate::features::webhooks::store::Subject::Member, member)
        .await?;
    // A context may name the person (a ticket number): it goes with the comment, and out of
    // the rollups that count it.
    rollups::forget(tx, site, rollups::Erased::Member(member)).await?;
    themes::forget(tx, site, themes::Erased::Member(member)).await?;
    run(tx, "DELETE FROM answer_context WHERE site = $1 AND event_id IN (SELECT id FROM events WHERE site = $1 AND member_id = $2)", site, member, None).await?;
    erased.events += run(
        tx,
        "UPDATE events SET member_id = NULL, comment = NULL, context = NULL WHERE site = $1 AND member_id = $2",
        site,
        member,
        None,
    )
    .await?;
    for renamed in [
        "UPDATE verified_events SET member_id = $3 WHERE site = $1 AND member_id = $2",
        // Kept for the stock and the codes given out, under the pseudonym.
        "UPDATE redemptions SET member_id = $3 WHERE site = $1 AND member_id = $2",
        "UPDATE surprises SET member_id = $3, recipient = 'm:' || $3 WHERE site = $1 AND member_id = $2",
        "UPDATE surprise_holdouts SET member_id = $3, recipient = 'm:' || $3 WHERE site = $1 AND member_id = $2",
        // Kept for the program's figures and caps, under the pseudonym.
        "UPDATE referrals SET referrer_id = $3 WHERE site = $1 AND referrer_id = $2",
        "UPDATE referrals SET friend_id = $3 WHERE site = $1 AND friend_id = $2",
    ] {
        run(tx, renamed, site, member, Some(&alias)).await?;
    }
    crate::features::webhooks::store::erase_mentions(tx, site, "referral.", &["referrer_id", "friend_id"], member)
        .await?;
    // Their link stops working: a code leads to a person.
    run(
        tx,
        "DELETE FROM referral_codes WHERE site = $1 AND member_id = $2",
        site,
        member,
        None,
    )
    .await?;
    for unlinked in [
        "UPDATE recovery_cases SET member_id = NULL WHERE site = $1 AND member_id = $2",
        "UPDATE assignments SET member_id = NULL WHERE site = $1 AND member_id = $2",
        "UPDATE exposures SET member_id = NULL WHERE site = $1 AND member_id = $2",
        "UPDATE sessions SET member_id = NULL WHERE site = $1 AND member_id = $2",
    ] {
        run(tx, unlinked, site, member, None).await?;
    }
    Ok(erased)
}

/// Erases one browser: its page views go; what it answered stays, anonymous and without comments.
pub async fn erase_visitor(tx: &mut AnyConnection, site: &str, visitor: &str) -> Result<Erased, sqlx::Error> {
    let alias = pseudonym();
    crate::features::audit::store::pseudonymise(tx, site, "visitor", visitor, &alias).await?;
    rollups::forget(tx, site, rollups::Erased::Visitor(visitor)).await?;
    themes::forget(tx, site, themes::Erased::Visitor(visitor)).await?;
    let sessions = run(
        tx,
        "DELETE FROM sessions WHERE site = $1 AND visitor_id = $2",
        site,
        visitor,
        None,
    )
    .await?;
    crate::features::webhooks::store::erase(tx, site, crate::features::webhooks::store::Subject::Visitor, visitor)
        .await?;
    run(tx, "DELETE FROM answer_context WHERE site = $1 AND event_id IN (SELECT id FROM events WHERE site = $1 AND visitor_id = $2)", site, visitor, None).await?;
    let events = run(
        tx,
        "UPDATE events SET visitor_id = $3, session_id = $3, member_id = NULL, comment = NULL, context = NULL WHERE site = $1 AND visitor_id = $2",
        site,
        visitor,
        Some(&alias),
    )
    .await?;
    for statement in [
        "UPDATE assignments SET visitor_id = $3, member_id = NULL WHERE site = $1 AND visitor_id = $2",
        "UPDATE exposures SET visitor_id = $3, session_id = $3, member_id = NULL WHERE site = $1 AND visitor_id = $2",
        "UPDATE recovery_cases SET visitor_id = $3, member_id = NULL WHERE site = $1 AND visitor_id = $2",
        "UPDATE surprises SET visitor_id = $3, recipient = CASE WHEN member_id IS NULL THEN 'v:' || $3 ELSE recipient END WHERE site = $1 AND visitor_id = $2",
        "UPDATE surprise_holdouts SET visitor_id = $3, recipient = CASE WHEN member_id IS NULL THEN 'v:' || $3 ELSE recipient END WHERE site = $1 AND visitor_id = $2",
        "UPDATE referrals SET visitor_id = $3, device_id = NULL, address = NULL WHERE site = $1 AND visitor_id = $2",
    ] {
        run(tx, statement, site, visitor, Some(&alias)).await?;
    }
    Ok(Erased {
        sessions,
        events,
        ..Erased::default()
    })
}
