-- Times are milliseconds since the Unix epoch (UTC).

CREATE TABLE sessions (
    id          TEXT    NOT NULL PRIMARY KEY,
    site        TEXT    NOT NULL,
    visitor_id  TEXT    NOT NULL,
    member_id   TEXT,
    locale      TEXT    NOT NULL,
    page_url    TEXT,
    started_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_visitor ON sessions (site, visitor_id, started_at);

CREATE TABLE members (
    site          TEXT    NOT NULL,
    member_id     TEXT    NOT NULL,
    name          TEXT,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    PRIMARY KEY (site, member_id)
);

-- Append-only: a balance is the sum of a member's entries, never a stored number.
CREATE TABLE points_ledger (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    site            TEXT    NOT NULL,
    member_id       TEXT    NOT NULL,
    delta           INTEGER NOT NULL CHECK (delta <> 0),
    reason          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (site, member_id, idempotency_key)
);

-- One row per client-made event id per site: resending an event changes nothing.
CREATE TABLE events (
    site        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    session_id  TEXT    NOT NULL,
    visitor_id  TEXT    NOT NULL,
    member_id   TEXT,
    type        TEXT    NOT NULL CHECK (type IN ('feedback', 'dismiss', 'track')),
    scale       TEXT,
    score       INTEGER,
    comment     TEXT,
    name        TEXT,
    value       REAL,
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (site, id)
);
CREATE INDEX events_by_time ON events (site, type, received_at);
