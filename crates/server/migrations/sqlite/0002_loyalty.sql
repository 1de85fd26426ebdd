-- Loyalty: what a member told us in their token, which tier they have been congratulated
-- on, and each ledger entry's balance right after it (so a replayed request gets the same
-- answer as the first).

ALTER TABLE members ADD COLUMN birthday TEXT;
-- The threshold of the highest tier the member has been congratulated on; NULL: none yet.
ALTER TABLE members ADD COLUMN celebrated_threshold INTEGER;

ALTER TABLE points_ledger ADD COLUMN balance_after INTEGER;
UPDATE points_ledger SET balance_after = (
    SELECT SUM(earlier.delta) FROM points_ledger AS earlier
    WHERE earlier.site = points_ledger.site AND earlier.member_id = points_ledger.member_id
      AND earlier.id <= points_ledger.id
);

-- The ledger is append-only, whoever connects: corrections are new entries.
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only: add a correcting entry instead'); END;
CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only: add a correcting entry instead'); END;
