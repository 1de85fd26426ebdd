//! Answers, comments, dismissals and tracked events in the database: one row per client-made
//! event id, and the reads of them the API, the dashboard and the feedback cooldown need.

use moments_protocol::InvalidInput;
use moments_protocol::context::Context;
use moments_protocol::domain::Score;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AnyExecutor};

/// One row of the events table, as a batch writes it.
pub struct NewEvent<'a> {
    pub site: &'a str,
    pub id: &'a str,
    pub session_id: &'a str,
    pub visitor_id: &'a str,
    pub member_id: Option<&'a str>,
    /// `feedback`, `dismiss` or `track`.
    pub kind: &'static str,
    pub score: Option<Score>,
    pub comment: Option<&'a str>,
    pub name: Option<&'a str>,
    pub value: Option<f64>,
    /// The fact a tracked event's proof vouched for.
    pub verified_key: Option<&'a str>,
    /// What an answer's visit was about, as the host said.
    pub context: Option<&'a Context>,
    pub occurred_at: i64,
    pub received_at: i64,
}

impl<'a> NewEvent<'a> {
    /// An event with nothing said yet of what kind it is; the caller fills that in.
    pub fn new(
        site: &'a str,
        id: &'a str,
        session_id: &'a str,
        visitor_id: &'a str,
        member_id: Option<&'a str>,
        occurred_at: i64,
        received_at: i64,
    ) -> Self {
        Self {
            site,
            id,
            session_id,
            visitor_id,
            member_id,
            kind: "",
            score: None,
            comment: None,
            name: None,
            value: None,
            verified_key: None,
            context: None,
            occurred_at,
            received_at,
        }
    }
}

/// Stores the event unless its id is stored already (with its context, a row per key, in the
/// same transaction). True: stored now.
pub async fn insert(tx: &mut AnyConnection, e: &NewEvent<'_>) -> Result<bool, sqlx::Error> {
    let context = e
        .context
        .map(|c| serde_json::to_string(c.entries()))
        .transpose()
        .map_err(|error| sqlx::Error::Encode(error.into()))?;
    let inserted = sqlx::query(
        "INSERT INTO events (site, id, session_id, visitor_id, member_id, type, scale, score, comment, name, value, verified_key, occurred_at, received_at, context)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (site, id) DO NOTHING",
    )
    .bind(e.site)
    .bind(e.id)
    .bind(e.session_id)
    .bind(e.visitor_id)
    .bind(e.member_id)
    .bind(e.kind)
    .bind(e.score.map(|s| s.scale().name()))
    .bind(e.score.map(|s| i64::from(s.value())))
    .bind(e.comment)
    .bind(e.name)
    .bind(e.value)
    .bind(e.verified_key)
    .bind(e.occurred_at)
    .bind(e.received_at)
    .bind(context)
    .persistent(crate::platform::db::may_keep_prepared(tx, &[e.value]))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1
        && let Some(context) = e.context
    {
        for (key, value) in context.entries() {
            sqlx::query(
                "INSERT INTO answer_context (site, event_id, key, value, received_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(e.site)
            .bind(e.id)
            .bind(key)
            .bind(value)
            .bind(e.received_at)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(inserted == 1)
}

/// A comment joins the answer it follows (one row per answer). Sending it again changes
/// nothing; a different comment for an answer that has one is refused.
pub async fn add_comment(
    tx: &mut AnyConnection,
    site: &str,
    visitor: &str,
    feedback_id: &str,
    comment: &str,
) -> Result<Result<bool, InvalidInput>, sqlx::Error> {
    let existing: Option<Option<String>> = sqlx::query_scalar(
        "SELECT comment FROM events WHERE site = $1 AND id = $2 AND visitor_id = $3 AND type = 'feedback'",
    )
    .bind(site)
    .bind(feedback_id)
    .bind(visitor)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(match existing {
        None => Err(InvalidInput::new(
            "unknown_feedback",
            "feedback_id names no answer of this visitor; send the answer first",
        )),
        Some(Some(stored)) if stored == comment => Ok(false),
        Some(Some(_)) => Err(InvalidInput::new("comment_exists", "this answer has a comment already")),
        Some(None) => {
            sqlx::query("UPDATE events SET comment = $1 WHERE site = $2 AND id = $3 AND comment IS NULL")
                .bind(comment)
                .bind(site)
                .bind(feedback_id)
                .execute(&mut *tx)
                .await?;
            Ok(true)
        }
    })
}

/// Whether the visitor answered after `since` (the feedback cooldown).
pub async fn answered_since(
    db: impl AnyExecutor<'_>,
    site: &str,
    visitor: &str,
    since: i64,
) -> Result<bool, sqlx::Error> {
    let answered: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM events WHERE site = $1 AND visitor_id = $2 AND type = 'feedback' AND received_at > $3 LIMIT 1",
    )
    .bind(site)
    .bind(visitor)
    .bind(since)
    .fetch_optional(db)
    .await?;
    Ok(answered.is_some())
}

/// Which answers to read: every field narrows, absent ones do not.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// Received at or after this time (ms since the Unix epoch).
    pub from: Option<i64>,
    /// Received before this time (ms since the Unix epoch).
    pub to: Option<i64>,
    pub min_score: Option<i64>,
    pub max_score: Option<i64>,
    /// Only answers with (true) or without (false) a comment.
    pub has_comment: Option<bool>,
    /// `csat5`, `nps` or `thumbs`.
    pub scale: Option<String>,
    /// Page size, 1 to 100 (default 20); CSV exports ignore it and send everything.
    pub limit: Option<u32>,
    /// A previous page's `next_cursor`.
    pub cursor: Option<i64>,
    /// `csv` streams every matching answer as CSV instead of a JSON page.
    pub format: Option<String>,
    /// Only answers whose context has this key (`agent`, `topic`...),
    pub context_key: Option<String>,
    /// with this value.
    pub context_value: Option<String>,
    /// Only answers whose comment has this term (a Themes list's `term`: stemmed words joined
    /// by a space), counted about a minute after the answer,
    pub term: Option<String>,
    /// in this band (`low`, `mid` or `high`).
    pub band: Option<String>,
}

/// The filter of `FeedbackQuery` on events `e` (`$1` the site, `$2` the cursor, `$3`..`$8`
/// and `$10`..`$13` the filter's fields, `$9` the page size), shared by the API's pages and the dashboard's inbox. The context's
/// `LIMIT 1 OFFSET 0` keeps PostgreSQL from hashing every context row with the key and value
/// (which grows with the history) to test the few dozen answers a page walks: with an OFFSET
/// it looks each answer's context up by its key instead, as SQLite does.
const FEEDBACK_FILTER: &str = "e.site = $1 AND e.type = 'feedback' AND e.rowid < $2
    AND ($3 IS NULL OR e.received_at >= $3) AND ($4 IS NULL OR e.received_at < $4)
    AND ($5 IS NULL OR e.score >= $5) AND ($6 IS NULL OR e.score <= $6)
    AND ($7 IS NULL OR (e.comment IS NOT NULL) = $7) AND ($8 IS NULL OR e.scale = $8)
    AND ($10 IS NULL OR EXISTS (SELECT 1 FROM answer_context AS c WHERE c.site = e.site AND c.event_id = e.id AND c.key = $10 AND ($11 IS NULL OR c.value = $11) LIMIT 1 OFFSET 0))
    AND ($12 IS NULL OR EXISTS (SELECT 1 FROM answer_terms AS t WHERE t.site = e.site AND t.event_id = e.id AND t.term = $12 AND ($13 IS NULL OR t.band = $13)))";

/// The rows a filtered read walks: the events, or (with a term) the page of answers with that
/// term, picked first from the term's answers (`CROSS JOIN` keeps SQLite from walking every
/// answer instead), so a rare term costs its answers and a sort, and the columns a page adds
/// (its page address, the variants seen) are read for that page only.
fn walked(f: &FeedbackQuery) -> String {
    if f.term.is_none() {
        return "events AS e".to_owned();
    }
    format!(
        "(SELECT e.rowid AS rowid, e.site, e.id, e.type, e.session_id, e.visitor_id, e.member_id, e.scale, e.score,
                 e.comment, e.context, e.occurred_at, e.received_at
          FROM answer_terms AS t CROSS JOIN events AS e
          WHERE t.site = $1 AND t.term = $12 AND ($13 IS NULL OR t.band = $13) AND e.site = t.site AND e.id = t.event_id
            AND {FEEDBACK_FILTER}
          ORDER BY e.rowid DESC LIMIT $9) AS e"
    )
}

fn filtered<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments>,
    site: &'q str,
    f: &'q FeedbackQuery,
    before: Option<i64>,
    limit: u32,
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments> {
    query
        .bind(site)
        .bind(before.unwrap_or(i64::MAX))
        .bind(f.from)
        .bind(f.to)
        .bind(f.min_score)
        .bind(f.max_score)
        .bind(f.has_comment)
        .bind(f.scale.as_deref())
        .bind(i64::from(limit))
        .bind(f.context_key.as_deref())
        .bind(f.context_value.as_deref())
        .bind(f.term.as_deref())
        .bind(f.band.as_deref())
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FeedbackItem {
    #[serde(skip)]
    pub rowid: i64,
    pub id: String,
    pub session_id: String,
    pub visitor_id: String,
    pub member_id: Option<String>,
    pub scale: String,
    pub score: i64,
    pub comment: Option<String>,
    /// What the visit was about, as the host said (`setContext`), if it did.
    #[serde(serialize_with = "context_object")]
    #[schema(value_type = Option<std::collections::BTreeMap<String, String>>)]
    pub context: Option<String>,
    /// By the visitor's clock.
    pub occurred_at: i64,
    pub received_at: i64,
}

/// The stored context (JSON text) as the object it is.
fn context_object<S: serde::Serializer>(context: &Option<String>, to: S) -> Result<S::Ok, S::Error> {
    context.as_deref().map(parse_context).serialize(to)
}

/// A stored context: the JSON object `events::insert` wrote.
fn parse_context(context: &str) -> std::collections::BTreeMap<String, String> {
    serde_json::from_str(context).unwrap_or_default()
}

/// A stored context (JSON text) as `key=value; key=value`, for a table cell or a CSV column.
pub fn context_text(context: Option<&str>) -> String {
    context
        .map(parse_context)
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The context keys answers of `site` carry, most used first (for the inbox's filter): from
/// the rollups, a row per key and day, so the cost does not grow with the answers.
pub async fn context_keys(db: &sqlx::AnyPool, site: &str) -> Result<Vec<String>, sqlx::Error> {
    use crate::features::rollups::{self, figures::CONTEXT_KEYS};
    let uses = rollups::counts_so_far(db, &CONTEXT_KEYS, site, rollups::Per::Range, |row| Some(row.dim1)).await?;
    let mut keys: Vec<(i64, String)> = uses.into_iter().map(|(key, n)| (-n, key)).collect();
    keys.sort();
    Ok(keys.into_iter().take(50).map(|(_, key)| key).collect())
}

/// Answers newest first, below `before` (a row id), at most `limit`.
pub async fn feedback_page(
    db: impl AnyExecutor<'_>,
    site: &str,
    f: &FeedbackQuery,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<FeedbackItem>, sqlx::Error> {
    let walked = walked(f);
    let sql = format!(
        "SELECT e.rowid, e.id, e.session_id, e.visitor_id, e.member_id, e.scale, e.score, e.comment, e.context, e.occurred_at, e.received_at
         FROM {walked} WHERE {FEEDBACK_FILTER} ORDER BY e.rowid DESC LIMIT $9"
    );
    filtered(sqlx::query_as(sqlx::AssertSqlSafe(sql)), site, f, before, limit)
        .fetch_all(db)
        .await
}

/// An answer as the dashboard's inbox shows it: with its page and the variants seen before it.
#[derive(sqlx::FromRow)]
pub struct InboxAnswer {
    pub rowid: i64,
    pub received_at: i64,
    pub scale: String,
    pub score: i64,
    pub comment: Option<String>,
    pub member_id: Option<String>,
    pub page_url: Option<String>,
    pub variants: Option<String>,
    pub context: Option<String>,
}

pub async fn inbox(
    db: impl AnyExecutor<'_>,
    site: &str,
    f: &FeedbackQuery,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<InboxAnswer>, sqlx::Error> {
    let walked = walked(f);
    let sql = format!(
        "SELECT e.rowid AS rowid, e.received_at, e.scale, e.score, e.comment, e.member_id, s.page_url, e.context,
                (SELECT string_agg(x.experiment || ': ' || x.variant, ', ') FROM exposures AS x
                 WHERE x.site = e.site AND x.visitor_id = e.visitor_id AND x.exposed_at <= e.received_at) AS variants
         FROM {walked} LEFT JOIN sessions AS s ON s.id = e.session_id
         WHERE {FEEDBACK_FILTER} ORDER BY e.rowid DESC LIMIT $9"
    );
    filtered(sqlx::query_as(sqlx::AssertSqlSafe(sql)), site, f, before, limit)
        .fetch_all(db)
        .await
}
