-- Greeting and farewell experiments.
CREATE TABLE experiments (
    site         TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    slot         TEXT    NOT NULL CHECK (slot IN ('greeting', 'farewell')),
    seed         TEXT    NOT NULL,
    coverage     REAL    NOT NULL CHECK (coverage >= 0 AND coverage <= 1),
    control      TEXT    NOT NULL,
    -- JSON: [{"key", "weight", "text": {"<locale>": "..."}}]
    variants     TEXT    NOT NULL,
    -- The host-tracked event whose rate is the conversion metric (for example "purchase").
    metric_event TEXT,
    status       TEXT    NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'stopped')),
    -- Once stopped: the variant everyone sees (NULL: the slot's default text again).
    shipped      TEXT,
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    stopped_at   INTEGER,
    PRIMARY KEY (site, key)
);
-- One running experiment per slot: two would fight over the same message.
CREATE UNIQUE INDEX experiments_one_running_per_slot ON experiments (site, slot) WHERE status = 'running';

-- Sticky assignment: a visitor keeps their variant, and a member keeps the one they saw
-- before they signed in, on every device.
CREATE TABLE assignments (
    site        TEXT    NOT NULL,
    experiment  TEXT    NOT NULL,
    visitor_id  TEXT    NOT NULL,
    member_id   TEXT,
    variant     TEXT    NOT NULL,
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (site, experiment, visitor_id)
);
CREATE INDEX assignments_by_member ON assignments (site, experiment, member_id);

-- A message really shown: once per visitor and experiment, whatever the reloads.
CREATE TABLE exposures (
    site        TEXT    NOT NULL,
    experiment  TEXT    NOT NULL,
    visitor_id  TEXT    NOT NULL,
    variant     TEXT    NOT NULL,
    member_id   TEXT,
    session_id  TEXT    NOT NULL,
    exposed_at  INTEGER NOT NULL,
    PRIMARY KEY (site, experiment, visitor_id)
);
CREATE INDEX exposures_by_variant ON exposures (site, experiment, variant);
