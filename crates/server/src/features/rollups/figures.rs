//! What the rollups count: each figure is one grouped query over one source's raw rows, the
//! same text whether it is folded into the rollups, read raw for the rows after the watermark,
//! or taken back out at an erasure. So a figure read from rollups cannot drift from the raw one.

/// One figure: per UTC day of `time` and its dimensions, `n` and `total` (as SQL expressions).
pub struct Figure {
    pub name: &'static str,
    /// FROM and WHERE of the source's rows; `$1` is the site.
    rows: &'static str,
    /// The column stamping a row (ms since the Unix epoch), set by the server when it happens.
    time: &'static str,
    /// Expressions of `dim1`, `dim2` (text), `scale` (text) and `score` (integer).
    dims: [&'static str; 4],
    /// The non-constant ones among `dims`, to group by.
    group: &'static str,
    n: &'static str,
    total: &'static str,
    /// Conditions naming the rows an erasure removes: a member's (`$2`), a visitor's (`$2`).
    /// `None`: an erasure renames or unlinks the rows, their counts stay.
    pub erased_with_member: Option<&'static str>,
    pub erased_with_visitor: Option<&'static str>,
}

/// Answers by scale and score.
pub const ANSWERS: Figure = Figure {
    name: "answers",
    rows: "events e WHERE e.site = $1 AND e.type = 'feedback' AND e.scale IS NOT NULL AND e.score IS NOT NULL",
    time: "e.received_at",
    dims: ["''", "''", "e.scale", "e.score"],
    group: "e.scale, e.score",
    n: "COUNT(*)",
    total: "0",
    erased_with_member: None,
    erased_with_visitor: None,
};

/// Answers with a context, by key, value, scale and score (the rows go at an erasure: a value
/// may name the person).
pub const CONTEXT_ANSWERS: Figure = Figure {
    name: "context_answers",
    rows: "answer_context c JOIN events e ON e.site = c.site AND e.id = c.event_id
           WHERE c.site = $1 AND e.type = 'feedback' AND e.scale IN ('csat5', 'nps') AND e.score IS NOT NULL",
    time: "c.received_at",
    dims: ["c.key", "c.value", "e.scale", "e.score"],
    group: "c.key, c.value, e.scale, e.score",
    n: "COUNT(*)",
    total: "0",
    erased_with_member: Some("e.member_id = $2"),
    erased_with_visitor: Some("e.visitor_id = $2"),
};

/// Context rows by key, whatever the answer's scale (the inbox's filter lists the keys in use,
/// most used first); they go at an erasure, as the rows do.
pub const CONTEXT_KEYS: Figure = Figure {
    name: "context_keys",
    rows: "answer_context c JOIN events e ON e.site = c.site AND e.id = c.event_id WHERE c.site = $1",
    time: "c.received_at",
    dims: ["c.key", "''", "''", "-1"],
    group: "c.key",
    n: "COUNT(*)",
    total: "0",
    erased_with_member: Some("e.member_id = $2"),
    erased_with_visitor: Some("e.visitor_id = $2"),
};

/// Visitors first exposed to an experiment, by experiment and variant (an erasure renames the
/// visitor: the count stays).
pub const EXPOSURES: Figure = Figure {
    name: "exposures",
    rows: "exposures x WHERE x.site = $1",
    time: "x.exposed_at",
    dims: ["x.experiment", "x.variant", "''", "-1"],
    group: "x.experiment, x.variant",
    n: "COUNT(*)",
    total: "0",
    erased_with_member: None,
    erased_with_visitor: None,
};

/// Answers that carry any context (an answer's context rows share its time: counted once).
pub const ANSWERS_WITH_CONTEXT: Figure = Figure {
    name: "answers_with_context",
    rows: "answer_context c JOIN events e ON e.site = c.site AND e.id = c.event_id WHERE c.site = $1",
    time: "c.received_at",
    dims: ["''", "''", "''", "-1"],
    group: "",
    n: "COUNT(DISTINCT c.event_id)",
    total: "0",
    erased_with_member: Some("e.member_id = $2"),
    erased_with_visitor: Some("e.visitor_id = $2"),
};

pub const PAGE_VIEWS: Figure = Figure {
    name: "page_views",
    rows: "sessions s WHERE s.site = $1",
    time: "s.started_at",
    dims: ["''", "''", "''", "-1"],
    group: "",
    n: "COUNT(*)",
    total: "0",
    erased_with_member: None,
    erased_with_visitor: Some("s.visitor_id = $2"),
};

/// Ledger entries, credits and debits apart: how many, and their points.
pub const POINTS: Figure = counted(
    "points",
    "points_ledger l WHERE l.site = $1",
    "l.created_at",
    "CASE WHEN l.delta > 0 THEN 'credit' ELSE 'debit' END",
    "CAST(SUM(l.delta) AS BIGINT)",
);

/// Redemptions per reward, and the points they cost.
pub const REDEMPTIONS: Figure = counted(
    "redemptions",
    "redemptions r WHERE r.site = $1",
    "r.created_at",
    "r.reward",
    "CAST(SUM(r.points) AS BIGINT)",
);

/// Surprises given, per rule.
pub const GIFTS_GIVEN: Figure = counted(
    "gifts_given",
    "surprises g WHERE g.site = $1",
    "g.created_at",
    "g.rule",
    "0",
);

/// Surprises opened, per rule, on the day they were opened.
pub const GIFTS_OPENED: Figure = counted(
    "gifts_opened",
    "surprises g WHERE g.site = $1 AND g.claimed_at IS NOT NULL",
    "g.claimed_at",
    "g.rule",
    "0",
);

pub const RECOVERY_OPENED: Figure = Figure {
    name: "recovery_opened",
    rows: "recovery_cases c WHERE c.site = $1",
    time: "c.created_at",
    dims: ["''", "''", "c.scale", "-1"],
    group: "c.scale",
    n: "COUNT(*)",
    total: "0",
    erased_with_member: None,
    erased_with_visitor: None,
};

pub const RECOVERY_RESOLVED: Figure = Figure {
    name: "recovery_resolved",
    rows: "recovery_cases c WHERE c.site = $1 AND c.resolved_at IS NOT NULL",
    time: "c.resolved_at",
    dims: ["''", "''", "c.scale", "-1"],
    group: "c.scale",
    n: "COUNT(*)",
    total: "CAST(COALESCE(SUM(c.points), 0) AS BIGINT)",
    erased_with_member: None,
    erased_with_visitor: None,
};

/// A figure of one source counted per day and `by` (an expression of the row): how many rows,
/// and `total`; an erasure renames or unlinks these rows, their counts stay.
const fn counted(
    name: &'static str,
    rows: &'static str,
    time: &'static str,
    by: &'static str,
    total: &'static str,
) -> Figure {
    Figure {
        name,
        rows,
        time,
        dims: [by, "''", "''", "-1"],
        group: by,
        n: "COUNT(*)",
        total,
        erased_with_member: None,
        erased_with_visitor: None,
    }
}

/// Every figure the fold keeps.
pub const ALL: [&Figure; 12] = [
    &ANSWERS,
    &CONTEXT_ANSWERS,
    &CONTEXT_KEYS,
    &ANSWERS_WITH_CONTEXT,
    &PAGE_VIEWS,
    &POINTS,
    &REDEMPTIONS,
    &GIFTS_GIVEN,
    &GIFTS_OPENED,
    &RECOVERY_OPENED,
    &RECOVERY_RESOLVED,
    &EXPOSURES,
];

impl Figure {
    /// The grouped rows whose time also satisfies `condition` (more `$n` may follow `$1`):
    /// columns day, dim1, dim2, scale, score, n, total.
    pub fn grouped(&self, condition: &str) -> String {
        let Figure { rows, time, dims, .. } = self;
        let [dim1, dim2, scale, score] = dims;
        let group = if self.group.is_empty() {
            String::new()
        } else {
            format!(", {}", self.group)
        };
        format!(
            "SELECT {time} / 86400000 AS day, {dim1} AS dim1, {dim2} AS dim2, {scale} AS scale, CAST({score} AS BIGINT) AS score,
                    CAST({n} AS BIGINT) AS n, CAST({total} AS BIGINT) AS total
             FROM {rows} AND {condition}
             GROUP BY {time} / 86400000{group}",
            n = self.n,
            total = self.total,
        )
    }

    /// The time of the source's first row of `$1`'s site.
    pub fn first(&self) -> String {
        format!(
            "SELECT CAST(MIN({time}) AS BIGINT) FROM {rows}",
            time = self.time,
            rows = self.rows
        )
    }

    /// `{time} >= {from} AND {time} < {to}`.
    pub fn between(&self, from: &str, to: &str) -> String {
        format!("{time} >= {from} AND {time} < {to}", time = self.time)
    }
}
