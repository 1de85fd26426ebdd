-- Rewards redeemed: points spent (the ledger entry has the same idempotency key, prefixed)
-- and the code handed over. A code from a pool is given once, by a surprise or here.
CREATE TABLE redemptions (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    site            TEXT    NOT NULL,
    member_id       TEXT    NOT NULL,
    reward          TEXT    NOT NULL,
    points          INTEGER NOT NULL,
    -- NULL for a fixed code, the same for everyone.
    coupon_pool     TEXT,
    code            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (site, member_id, idempotency_key),
    UNIQUE (site, coupon_pool, code)
);
CREATE INDEX redemptions_by_reward ON redemptions (site, reward, created_at);
CREATE INDEX redemptions_by_member ON redemptions (site, member_id, reward, created_at);
