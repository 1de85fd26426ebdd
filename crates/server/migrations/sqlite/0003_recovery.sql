-- Service recovery: every low answer opens a case for the site's staff.
CREATE TABLE recovery_cases (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    site        TEXT    NOT NULL,
    -- The feedback event that opened it: one case per answer, however often it is resent.
    event_id    TEXT    NOT NULL,
    visitor_id  TEXT    NOT NULL,
    member_id   TEXT,
    scale       TEXT    NOT NULL,
    score       INTEGER NOT NULL,
    -- Goodwill points granted with it, if any.
    points      INTEGER,
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    note        TEXT,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    UNIQUE (site, event_id)
);
CREATE INDEX recovery_cases_by_status ON recovery_cases (site, status, id);

-- Whether a visitor answered lately (the feedback cooldown).
CREATE INDEX events_by_visitor ON events (site, visitor_id, type, received_at);

