-- Webhooks: endpoints per site (from the config file or the admin API), their signing
-- secrets, and the outbox. A message is one fact (one webhook-id); it becomes one delivery per
-- endpoint that wants it, written in the same transaction as the fact.
CREATE TABLE webhook_endpoints (
    site                 TEXT    NOT NULL,
    id                   TEXT    NOT NULL,
    url                  TEXT    NOT NULL,
    -- JSON array of event types.
    events               TEXT    NOT NULL,
    -- `standard` (Standard Webhooks JSON) or `slack` (text and blocks).
    format               TEXT    NOT NULL DEFAULT 'standard',
    description          TEXT,
    include_coupon_codes INTEGER NOT NULL DEFAULT 0,
    -- Disabled: no deliveries are made for it. Paused: deliveries wait until it resumes.
    enabled              INTEGER NOT NULL DEFAULT 1,
    paused               INTEGER NOT NULL DEFAULT 0,
    -- Written by the config file at start-up; the admin API may not change it.
    from_config          INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    PRIMARY KEY (site, id)
);

CREATE TABLE webhook_secrets (
    site        TEXT    NOT NULL,
    endpoint    TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    -- A rotated-out secret still signs until then, so receivers can switch without a gap.
    expires_at  INTEGER,
    PRIMARY KEY (site, endpoint, secret)
);

CREATE TABLE webhook_messages (
    id          TEXT    NOT NULL PRIMARY KEY,
    site        TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    -- The event's `data`, JSON.
    data        TEXT    NOT NULL,
    -- Whom it is about, so erasing a person erases what was to be sent about them.
    member_id   TEXT,
    visitor_id  TEXT,
    created_at  INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    message_id       TEXT    NOT NULL,
    site             TEXT    NOT NULL,
    endpoint         TEXT    NOT NULL,
    -- `pending`, `delivered` or `failed`.
    status           TEXT    NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    -- A worker holds it until then; after that (a killed server) another may take it.
    leased_until     INTEGER,
    -- Which claim holds the lease: only it may record the outcome.
    leased_by        TEXT,
    last_attempt_at  INTEGER,
    response_status  INTEGER,
    -- The receiver's answer (its first 1 KiB), or what went wrong before it answered.
    response_body    TEXT,
    error            TEXT,
    delivered_at     INTEGER,
    created_at       INTEGER NOT NULL,
    -- Retries stop three days after this: the first try, or the last "send again".
    window_from      INTEGER NOT NULL,
    UNIQUE (message_id, endpoint)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (site, endpoint, id);
-- The dashboard's list: the newest of each status, without sorting the site's whole history.
CREATE INDEX webhook_deliveries_by_status ON webhook_deliveries (site, status, id);
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (created_at);
CREATE INDEX webhook_deliveries_by_message ON webhook_deliveries (message_id);
CREATE INDEX webhook_messages_by_member ON webhook_messages (site, member_id);
CREATE INDEX webhook_messages_by_visitor ON webhook_messages (site, visitor_id);
