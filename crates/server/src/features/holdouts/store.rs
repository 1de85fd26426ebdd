//! The units of randomized holdouts and what each did in the 30 days after its exposure.

use sqlx::AnyPool;

/// A unit (a member, or a visitor for thank-you rules) at its first exposure in the range:
/// whether it was treated (given) or held out, then its outcomes in the window after.
#[derive(Debug, sqlx::FromRow)]
pub struct Unit {
    pub treated: i64,
    /// A page view 30 minutes to 30 days later.
    pub returned: i64,
    /// A purchase the host vouched for within 30 days.
    pub purchased: i64,
    /// Points credited within 30 days, surprise gifts and goodwill left out (the treatment
    /// itself is not an outcome).
    pub points: i64,
}

/// An answer given within 30 days of the unit's exposure.
#[derive(Debug, sqlx::FromRow)]
pub struct LaterAnswer {
    pub treated: i64,
    pub scale: String,
    pub score: i64,
}

/// `units` (columns treated, member_id, visitor_id, at) measured: `$1` site, `$2` and `$3` the
/// range, `$4` the rule (unused by goodwill), `$5` a new visit's gap, `$6` the window.
fn outcomes(units: &str) -> String {
    format!(
        "WITH units AS ({units})
         SELECT CAST(u.treated AS BIGINT) AS treated,
           CAST(CASE WHEN u.member_id IS NOT NULL THEN
                 CASE WHEN EXISTS (SELECT 1 FROM sessions AS s WHERE s.site = $1 AND s.member_id = u.member_id
                   AND s.started_at >= u.at + $5 AND s.started_at <= u.at + $6) THEN 1 ELSE 0 END
               ELSE
                 CASE WHEN EXISTS (SELECT 1 FROM sessions AS s WHERE s.site = $1 AND s.visitor_id = u.visitor_id
                   AND s.started_at >= u.at + $5 AND s.started_at <= u.at + $6) THEN 1 ELSE 0 END
               END AS BIGINT) AS returned,
           CAST(CASE WHEN EXISTS (SELECT 1 FROM verified_events AS v WHERE v.site = $1 AND v.member_id = u.member_id
                 AND v.name = 'purchase' AND v.created_at > u.at AND v.created_at <= u.at + $6) THEN 1 ELSE 0 END AS BIGINT) AS purchased,
           CAST(COALESCE((SELECT SUM(l.delta) FROM points_ledger AS l WHERE l.site = $1 AND l.member_id = u.member_id
                 AND l.delta > 0 AND l.created_at > u.at AND l.created_at <= u.at + $6
                 AND l.idempotency_key NOT LIKE 'moments:surprise:%' AND l.idempotency_key NOT LIKE 'moments:recovery:%'
                 AND l.idempotency_key NOT LIKE 'moments:goodwill:%'), 0) AS BIGINT) AS points
         FROM units AS u WHERE u.at >= $2 AND u.at < $3"
    )
}

/// Members' answers by member (whichever browser), visitors' by their browser.
fn later_answers(units: &str) -> String {
    let answer = |unit: &str| {
        format!(
            "SELECT CAST(u.treated AS BIGINT) AS treated, e.scale, CAST(e.score AS BIGINT) AS score FROM units AS u
             JOIN events AS e ON e.site = $1 AND {unit} AND e.type = 'feedback'
               AND e.received_at > u.at AND e.received_at <= u.at + $6
             WHERE u.at >= $2 AND u.at < $3 AND $5 >= 0 AND e.scale IN ('csat5', 'nps')"
        )
    };
    format!(
        "WITH units AS ({units}) {} UNION ALL {}",
        answer("u.member_id IS NOT NULL AND e.member_id = u.member_id"),
        answer("u.member_id IS NULL AND e.visitor_id = u.visitor_id")
    )
}

/// Each recipient of rule `$4` at its first gift or holdout, since the rule's first holdout (a
/// gift given before there was a holdout was not randomized). A recipient on both sides (the
/// share was changed) is left out.
const SURPRISE_UNITS: &str = "
    SELECT g.hi AS treated, g.member_id, g.visitor_id, g.at FROM (
      SELECT recipient, MIN(member_id) AS member_id, MIN(visitor_id) AS visitor_id, MIN(at) AS at,
             MIN(treated) AS lo, MAX(treated) AS hi
      FROM (SELECT recipient, member_id, visitor_id, created_at AS at, 1 AS treated
              FROM surprises WHERE site = $1 AND rule = $4
            UNION ALL
            SELECT recipient, member_id, visitor_id, created_at, 0
              FROM surprise_holdouts WHERE site = $1 AND rule = $4) AS exposed
      GROUP BY recipient) AS g
    WHERE g.lo = g.hi
      AND g.at >= (SELECT MIN(created_at) FROM surprise_holdouts WHERE site = $1 AND rule = $4)";

/// Each member at their first low answer that was credited goodwill or held out of it, since
/// the first one held out. `$4` is bound and unused.
const GOODWILL_UNITS: &str = "
    SELECT c.treated, c.member_id, NULL AS visitor_id, c.at FROM (
      SELECT CASE WHEN MAX(goodwill_held_out) = 1 THEN 0 ELSE 1 END AS treated, member_id, MIN(created_at) AS at,
             COUNT(DISTINCT goodwill_held_out) AS sides
        FROM recovery_cases WHERE site = $1 AND member_id IS NOT NULL AND $4 = $4
          AND (points IS NOT NULL OR goodwill_held_out = 1)
        GROUP BY member_id) AS c
    WHERE c.sides = 1
      AND c.at >= (SELECT MIN(created_at) FROM recovery_cases WHERE site = $1 AND goodwill_held_out = 1)";

/// What is measured: a surprise rule's gift, or recovery's goodwill credit.
#[derive(Debug, Clone, Copy)]
pub enum Treatment<'a> {
    Surprise { rule: &'a str },
    Goodwill,
}

impl<'a> Treatment<'a> {
    fn units(self) -> &'static str {
        match self {
            Treatment::Surprise { .. } => SURPRISE_UNITS,
            Treatment::Goodwill => GOODWILL_UNITS,
        }
    }

    fn rule(self) -> &'a str {
        match self {
            Treatment::Surprise { rule } => rule,
            Treatment::Goodwill => "",
        }
    }
}

/// Each unit of treatment `t` first exposed in `range`, with its outcomes in `window` (a new
/// visit's gap, and how long after the exposure outcomes count).
pub async fn units(
    db: &AnyPool,
    site: &str,
    t: Treatment<'_>,
    range: (i64, i64),
    window: (i64, i64),
) -> Result<Vec<Unit>, sqlx::Error> {
    measured(db, outcomes(t.units()), site, t, range, window).await
}

/// The CSAT and NPS answers of those units within the window.
pub async fn answers(
    db: &AnyPool,
    site: &str,
    t: Treatment<'_>,
    range: (i64, i64),
    window: (i64, i64),
) -> Result<Vec<LaterAnswer>, sqlx::Error> {
    measured(db, later_answers(t.units()), site, t, range, window).await
}

/// The rows of `sql` with its six parameters bound (see `outcomes`).
async fn measured<T>(
    db: &AnyPool,
    sql: String,
    site: &str,
    t: Treatment<'_>,
    range: (i64, i64),
    window: (i64, i64),
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(range.0)
        .bind(range.1)
        .bind(t.rule())
        .bind(window.0)
        .bind(window.1)
        .fetch_all(db)
        .await
}
