-- Randomized holdouts. A surprise rule with a holdout records here, instead of giving, the
-- gift a held-out recipient would have got (under the same limits, none of them spent), so
-- the Loyalty page can compare the gifted with the held out: the gift's effect, not the
-- effect of being the kind of member who gets gifts.
CREATE TABLE surprise_holdouts (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    site        TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    -- 'm:<member id>' or 'v:<visitor id>', as surprises.recipient.
    recipient   TEXT    NOT NULL,
    member_id   TEXT,
    visitor_id  TEXT,
    occasion    TEXT    NOT NULL,
    points      INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (site, rule, recipient, occasion)
);
CREATE INDEX surprise_holdouts_by_recipient ON surprise_holdouts (site, rule, recipient, created_at);
CREATE INDEX surprise_holdouts_by_time ON surprise_holdouts (site, created_at);

-- A low answer whose member's goodwill credit was held out (recovery.goodwill_holdout).
ALTER TABLE recovery_cases ADD COLUMN goodwill_held_out INTEGER NOT NULL DEFAULT 0;

-- A member's answers, whichever browser gave them (the holdouts' later CSAT and NPS).
CREATE INDEX events_by_member ON events (site, member_id, received_at) WHERE member_id IS NOT NULL;
