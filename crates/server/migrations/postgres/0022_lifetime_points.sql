-- Each member's lifetime points (every credit added up, what tiers go by) beside their balance:
-- the Loyalty page's tiers read a row per member instead of summing the whole ledger (their
-- cost grew with the shop's history). Kept by the same trigger, in the appending transaction.
ALTER TABLE member_points ADD COLUMN earned BIGINT NOT NULL DEFAULT 0;

UPDATE member_points SET earned = (
    SELECT COALESCE(SUM(l.delta), 0) FROM points_ledger l
    WHERE l.site = member_points.site AND l.member_id = member_points.member_id AND l.delta > 0
);

CREATE OR REPLACE FUNCTION member_points_on_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.member_id NOT LIKE 'erased:%' THEN
        INSERT INTO member_points (site, member_id, balance, last_entry_at, earned)
        VALUES (NEW.site, NEW.member_id, NEW.delta, NEW.created_at, GREATEST(NEW.delta, 0))
        ON CONFLICT (site, member_id) DO UPDATE SET
            balance = member_points.balance + EXCLUDED.balance,
            last_entry_at = GREATEST(member_points.last_entry_at, EXCLUDED.last_entry_at),
            earned = member_points.earned + EXCLUDED.earned;
    END IF;
    RETURN NULL;
END
$$;

-- Vouched purchases in a range (the Loyalty page's purchasers), down time, not every
-- member's whole history.
CREATE INDEX verified_events_by_time ON verified_events (site, name, created_at, member_id);
