-- Trust and privacy.

-- Facts the host's backend vouched for: a proof it signed (carried by the browser) or its
-- call to the admin API. `key` is the proof's jti or the call's idempotency key, so the same
-- order vouched for twice, either way, is one fact.
CREATE TABLE verified_events (
    site       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    member_id  TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    value      REAL,
    source     TEXT    NOT NULL CHECK (source IN ('proof', 'admin')),
    -- The browser event that carried the proof.
    event_id   TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site, key)
);
CREATE INDEX verified_events_by_member ON verified_events (site, member_id, created_at);
-- A fact reported again answers with the gifts it gave.
CREATE INDEX surprises_by_occasion ON surprises (site, occasion);
-- The fact a tracked event's proof vouched for; NULL: only the browser says so.
ALTER TABLE events ADD COLUMN verified_key TEXT;

-- Secrets the server made for itself (the key that signs session ids). In the database, so
-- every process on it signs alike and a restored backup still knows the sessions it issued.
CREATE TABLE server_secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    secret     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);

-- Failed dashboard sign-ins by 'address:<ip>' and 'name:<staff name>': the guessing limit.
CREATE TABLE login_failures (
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at);

-- A fingerprint of the credential a dashboard session was opened with: a staff account
-- removed from the config (or a changed password or admin key) ends its sessions.
ALTER TABLE staff_sessions ADD COLUMN credential TEXT NOT NULL DEFAULT '';

-- Recovery cases opened per visitor per day are capped.
CREATE INDEX recovery_cases_by_visitor ON recovery_cases (site, visitor_id, created_at);

-- The retention job deletes by age.
CREATE INDEX sessions_by_time ON sessions (started_at);
CREATE INDEX events_by_received ON events (received_at);

-- Erasing a member pseudonymises their ledger rows: the one change the ledger allows, once
-- per row, touching nothing but the member id.
DROP TRIGGER points_ledger_no_update;
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
WHEN NOT (OLD.member_id NOT LIKE 'erased:%' AND NEW.member_id LIKE 'erased:%'
          AND NEW.id = OLD.id AND NEW.site = OLD.site AND NEW.delta = OLD.delta AND NEW.reason = OLD.reason
          AND NEW.idempotency_key = OLD.idempotency_key AND NEW.created_at = OLD.created_at
          AND NEW.balance_after IS OLD.balance_after)
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only: add a correcting entry instead'); END;
