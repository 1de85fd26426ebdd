-- Refer a friend. A member's code is stable and unguessable; a referral is one friend's
-- click on one code, kept until their first vouched-for order completes it (both sides paid
-- once, in the order's transaction) or a fraud rule refuses it, with the reason.
CREATE TABLE referral_codes (
    site        TEXT    NOT NULL,
    member_id   TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (site, member_id),
    UNIQUE (site, code)
);

CREATE TABLE referrals (
    seq             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    site            TEXT    NOT NULL,
    code            TEXT    NOT NULL,
    referrer_id     TEXT    NOT NULL,
    -- The friend's browser and the widget's device id, as they clicked.
    visitor_id      TEXT    NOT NULL,
    device_id       TEXT,
    -- SHA-256 of the site and the client address: compared, never shown.
    address         TEXT,
    -- Set when the friend is a member (signed in on the clicking browser).
    friend_id       TEXT,
    -- 'pending', 'held' (waits for review), 'completed' or 'refused'.
    status          TEXT    NOT NULL,
    reason          TEXT,
    clicked_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    order_key       TEXT,
    order_value     REAL,
    referrer_points INTEGER,
    friend_points   INTEGER,
    friend_coupon   TEXT,
    decided_at      INTEGER,
    -- Who decided a held referral ('staff:<name>', 'key:<id>'); rules decide the rest.
    decided_by      TEXT,
    UNIQUE (site, visitor_id, code)
);
-- One friend counts for one referrer: the database refuses a second open referral.
CREATE UNIQUE INDEX referrals_one_per_friend ON referrals (site, visitor_id) WHERE status IN ('pending', 'held', 'completed');
CREATE INDEX referrals_by_friend ON referrals (site, friend_id) WHERE friend_id IS NOT NULL;
CREATE INDEX referrals_by_referrer ON referrals (site, referrer_id, status, decided_at);
CREATE INDEX referrals_by_time ON referrals (site, clicked_at);
CREATE INDEX referrals_by_decision ON referrals (site, decided_at);

-- The widget's device id, kept with each page view (a referrer's own browsers).
ALTER TABLE sessions ADD COLUMN device_id TEXT;
CREATE INDEX sessions_by_device ON sessions (site, device_id) WHERE device_id IS NOT NULL;
