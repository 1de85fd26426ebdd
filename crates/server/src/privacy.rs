//! What we hold about one member or one browser (visitor id): all of it, to export, then none
//! of it. Erasing keeps what the accounts and the statistics need, under names that lead
//! nowhere: ledger rows (the points a program owes must still add up) and scores stay, with
//! a random `erased:` pseudonym in place of the member or visitor id; profiles, comments,
//! page addresses and the links between a member and their browsers go.

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::SqliteConnection;

use moments_protocol::domain::ERASED_PREFIX;

/// Who an export or an erasure is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Member(&'a str),
    Visitor(&'a str),
}

/// One part of an export: a name and the query that returns it as one JSON text (`?1` the
/// site, `?2` the member or visitor id).
type Section = (&'static str, &'static str);

const MEMBER_SECTIONS: &[Section] = &[
    ("profile", "SELECT json_object('name', name, 'birthday', birthday, 'first_seen_at', first_seen_at, 'last_seen_at', last_seen_at)
                 FROM members WHERE site = ?1 AND member_id = ?2"),
    ("ledger", "SELECT json_group_array(json_object('id', id, 'delta', delta, 'reason', reason, 'idempotency_key', idempotency_key,
                  'created_at', created_at, 'balance_after', balance_after))
                FROM (SELECT * FROM points_ledger WHERE site = ?1 AND member_id = ?2 ORDER BY id)"),
    ("visitor_ids", "SELECT json_group_array(visitor_id) FROM (SELECT visitor_id FROM sessions WHERE site = ?1 AND member_id = ?2
                       UNION SELECT visitor_id FROM assignments WHERE site = ?1 AND member_id = ?2 ORDER BY 1)"),
    ("sessions", "SELECT json_group_array(json_object('id', id, 'visitor_id', visitor_id, 'locale', locale, 'page_url', page_url, 'started_at', started_at))
                  FROM (SELECT * FROM sessions WHERE site = ?1 AND member_id = ?2 ORDER BY started_at)"),
    ("answers", ANSWERS_WHERE_MEMBER),
    ("events", "SELECT json_group_array(json_object('id', id, 'type', type, 'name', name, 'value', value, 'vouched', verified_key IS NOT NULL,
                  'occurred_at', occurred_at, 'received_at', received_at))
                FROM (SELECT * FROM events WHERE site = ?1 AND member_id = ?2 AND type <> 'feedback' ORDER BY received_at)"),
    ("vouched_events", "SELECT json_group_array(json_object('key', key, 'name', name, 'value', value, 'source', source, 'created_at', created_at))
                        FROM (SELECT * FROM verified_events WHERE site = ?1 AND member_id = ?2 ORDER BY created_at)"),
    ("surprises", SURPRISES_WHERE_MEMBER),
    ("experiments", "SELECT json_group_array(json_object('experiment', a.experiment, 'variant', a.variant, 'visitor_id', a.visitor_id,
                       'assigned_at', a.assigned_at, 'exposed_at', x.exposed_at))
                     FROM (SELECT * FROM assignments WHERE site = ?1 AND member_id = ?2 ORDER BY assigned_at) AS a
                     LEFT JOIN exposures AS x ON x.site = a.site AND x.experiment = a.experiment AND x.visitor_id = a.visitor_id"),
    ("recovery_cases", "SELECT json_group_array(json_object('id', id, 'scale', scale, 'score', score, 'points', points, 'status', status,
                          'note', note, 'created_at', created_at, 'resolved_at', resolved_at))
                        FROM (SELECT * FROM recovery_cases WHERE site = ?1 AND member_id = ?2 ORDER BY id)"),
];

const ANSWERS_WHERE_MEMBER: &str = "SELECT json_group_array(json_object('id', id, 'scale', scale, 'score', score, 'comment', comment,
      'occurred_at', occurred_at, 'received_at', received_at))
    FROM (SELECT * FROM events WHERE site = ?1 AND member_id = ?2 AND type = 'feedback' ORDER BY received_at)";

const SURPRISES_WHERE_MEMBER: &str = "SELECT json_group_array(json_object('id', id, 'rule', rule, 'kind', kind, 'points', points,
      'coupon_code', coupon_code, 'created_at', created_at, 'expires_at', expires_at, 'claimed_at', claimed_at))
    FROM (SELECT * FROM surprises WHERE site = ?1 AND member_id = ?2 ORDER BY seq)";

const VISITOR_SECTIONS: &[Section] = &[
    ("sessions", "SELECT json_group_array(json_object('id', id, 'member_id', member_id, 'locale', locale, 'page_url', page_url, 'started_at', started_at))
                  FROM (SELECT * FROM sessions WHERE site = ?1 AND visitor_id = ?2 ORDER BY started_at)"),
    ("answers", "SELECT json_group_array(json_object('id', id, 'scale', scale, 'score', score, 'comment', comment,
                   'occurred_at', occurred_at, 'received_at', received_at))
                 FROM (SELECT * FROM events WHERE site = ?1 AND visitor_id = ?2 AND type = 'feedback' ORDER BY received_at)"),
    ("events", "SELECT json_group_array(json_object('id', id, 'type', type, 'name', name, 'value', value, 'occurred_at', occurred_at,
                  'received_at', received_at))
                FROM (SELECT * FROM events WHERE site = ?1 AND visitor_id = ?2 AND type <> 'feedback' ORDER BY received_at)"),
    ("surprises", "SELECT json_group_array(json_object('id', id, 'rule', rule, 'kind', kind, 'created_at', created_at, 'claimed_at', claimed_at))
                   FROM (SELECT * FROM surprises WHERE site = ?1 AND visitor_id = ?2 ORDER BY seq)"),
    ("experiments", "SELECT json_group_array(json_object('experiment', a.experiment, 'variant', a.variant, 'assigned_at', a.assigned_at,
                       'exposed_at', x.exposed_at))
                     FROM (SELECT * FROM assignments WHERE site = ?1 AND visitor_id = ?2 ORDER BY assigned_at) AS a
                     LEFT JOIN exposures AS x ON x.site = a.site AND x.experiment = a.experiment AND x.visitor_id = a.visitor_id"),
    ("recovery_cases", "SELECT json_group_array(json_object('id', id, 'scale', scale, 'score', score, 'status', status, 'created_at', created_at))
                        FROM (SELECT * FROM recovery_cases WHERE site = ?1 AND visitor_id = ?2 ORDER BY id)"),
];

/// Everything stored about the subject, by section; `None` when there is nothing at all.
pub async fn export(conn: &mut SqliteConnection, site: &str, subject: Subject<'_>) -> Result<Option<Map<String, Value>>, sqlx::Error> {
    let (sections, id) = match subject {
        Subject::Member(id) => (MEMBER_SECTIONS, id),
        Subject::Visitor(id) => (VISITOR_SECTIONS, id),
    };
    let mut export = Map::new();
    let mut found = false;
    for (name, query) in sections {
        let text: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(*query)).bind(site).bind(id).fetch_optional(&mut *conn).await?;
        let value = text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
        found |= match &value {
            Value::Array(items) => !items.is_empty(),
            other => !other.is_null(),
        };
        export.insert((*name).to_owned(), value);
    }
    Ok(found.then_some(export))
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

/// Runs `statement` for `?1` the site, `?2` the subject's id and, where it uses one, `?3` its pseudonym.
async fn run(tx: &mut SqliteConnection, statement: &'static str, site: &str, id: &str, pseudonym: Option<&str>) -> Result<u64, sqlx::Error> {
    let mut query = sqlx::query(statement).bind(site).bind(id);
    if let Some(pseudonym) = pseudonym {
        query = query.bind(pseudonym);
    }
    Ok(query.execute(&mut *tx).await?.rows_affected())
}

/// Erases a member and the browsers they used, in `tx` (one transaction: all or nothing).
pub async fn erase_member(tx: &mut SqliteConnection, site: &str, member: &str) -> Result<Erased, sqlx::Error> {
    let visitors: Vec<String> = sqlx::query_scalar(
        "SELECT visitor_id FROM sessions WHERE site = ?1 AND member_id = ?2 UNION SELECT visitor_id FROM assignments WHERE site = ?1 AND member_id = ?2
         UNION SELECT visitor_id FROM events WHERE site = ?1 AND member_id = ?2",
    )
    .bind(site)
    .bind(member)
    .fetch_all(&mut *tx)
    .await?;
    let mut erased = Erased { visitors: visitors.len() as u64, ..Erased::default() };
    for visitor in &visitors {
        let by_visitor = erase_visitor(tx, site, visitor).await?;
        erased.sessions += by_visitor.sessions;
        erased.events += by_visitor.events;
    }
    let alias = pseudonym();
    // The only change the ledger's trigger allows: the member id, to a pseudonym, once.
    erased.ledger_entries = run(tx, "UPDATE points_ledger SET member_id = ?3 WHERE site = ?1 AND member_id = ?2", site, member, Some(&alias)).await?;
    erased.profile = run(tx, "DELETE FROM members WHERE site = ?1 AND member_id = ?2", site, member, None).await?;
    erased.events += run(tx, "UPDATE events SET member_id = NULL, comment = NULL WHERE site = ?1 AND member_id = ?2", site, member, None).await?;
    for renamed in [
        "UPDATE verified_events SET member_id = ?3 WHERE site = ?1 AND member_id = ?2",
        "UPDATE surprises SET member_id = ?3, recipient = 'm:' || ?3 WHERE site = ?1 AND member_id = ?2",
    ] {
        run(tx, renamed, site, member, Some(&alias)).await?;
    }
    for unlinked in [
        "UPDATE recovery_cases SET member_id = NULL WHERE site = ?1 AND member_id = ?2",
        "UPDATE assignments SET member_id = NULL WHERE site = ?1 AND member_id = ?2",
        "UPDATE exposures SET member_id = NULL WHERE site = ?1 AND member_id = ?2",
        "UPDATE sessions SET member_id = NULL WHERE site = ?1 AND member_id = ?2",
    ] {
        run(tx, unlinked, site, member, None).await?;
    }
    Ok(erased)
}

/// Erases one browser: its page views go; what it answered stays, anonymous and without comments.
pub async fn erase_visitor(tx: &mut SqliteConnection, site: &str, visitor: &str) -> Result<Erased, sqlx::Error> {
    let alias = pseudonym();
    let sessions = run(tx, "DELETE FROM sessions WHERE site = ?1 AND visitor_id = ?2", site, visitor, None).await?;
    let events = run(
        tx,
        "UPDATE events SET visitor_id = ?3, session_id = ?3, member_id = NULL, comment = NULL WHERE site = ?1 AND visitor_id = ?2",
        site,
        visitor,
        Some(&alias),
    )
    .await?;
    for statement in [
        "UPDATE assignments SET visitor_id = ?3, member_id = NULL WHERE site = ?1 AND visitor_id = ?2",
        "UPDATE exposures SET visitor_id = ?3, session_id = ?3, member_id = NULL WHERE site = ?1 AND visitor_id = ?2",
        "UPDATE recovery_cases SET visitor_id = ?3, member_id = NULL WHERE site = ?1 AND visitor_id = ?2",
        "UPDATE surprises SET visitor_id = ?3, recipient = CASE WHEN member_id IS NULL THEN 'v:' || ?3 ELSE recipient END WHERE site = ?1 AND visitor_id = ?2",
    ] {
        run(tx, statement, site, visitor, Some(&alias)).await?;
    }
    Ok(Erased { sessions, events, ..Erased::default() })
}
