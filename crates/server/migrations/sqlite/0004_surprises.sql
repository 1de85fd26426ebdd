-- Surprise rewards. A row is a gift given: the rules that give them are in the site config,
-- and every cap and budget is checked by the one INSERT that gives a gift, so any number of
-- server processes agree.
CREATE TABLE surprises (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    site        TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    -- 'm:<member id>' or 'v:<visitor id>': whom the per-recipient cap counts.
    recipient   TEXT    NOT NULL,
    member_id   TEXT,
    visitor_id  TEXT,
    -- What earned it (a session, a tracked event, a year's birthday, a threshold, an admin
    -- request's key): the same occasion never gives a rule's gift twice.
    occasion    TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('points', 'coupon', 'message')),
    points      INTEGER,
    coupon_pool TEXT,
    coupon_code TEXT,
    -- The UTC day (days since the Unix epoch) the budgets count it in.
    day         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    claimed_at  INTEGER,
    UNIQUE (site, rule, recipient, occasion),
    -- Each code is given out once.
    UNIQUE (site, coupon_pool, coupon_code)
);
CREATE INDEX surprises_by_budget ON surprises (site, rule, day);
CREATE INDEX surprises_by_recipient ON surprises (site, rule, recipient, created_at);
CREATE INDEX surprises_by_member ON surprises (site, member_id, claimed_at);
CREATE INDEX surprises_by_visitor ON surprises (site, visitor_id, claimed_at);

-- Codes a site uploaded; one is free while no surprise holds it.
CREATE TABLE coupon_codes (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    site        TEXT    NOT NULL,
    pool        TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    uploaded_at INTEGER NOT NULL,
    UNIQUE (site, pool, code)
);

-- Every Nth visit counts a member's sessions.
CREATE INDEX sessions_by_member ON sessions (site, member_id);
