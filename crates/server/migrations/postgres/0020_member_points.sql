-- Each member's balance and the time of their last ledger entry, kept by the database as the
-- ledger grows, so the members whose points expire soon are found down an index instead of
-- by summing the whole ledger (the overview's cost grew with the shop's history). One row per
-- member, not per site: no hot row. An erased member's row goes (their entries are renamed
-- and keep their points, which nobody can spend or lose any more).
CREATE TABLE member_points (
    site           TEXT    NOT NULL,
    member_id      TEXT    NOT NULL,
    balance        BIGINT  NOT NULL,
    last_entry_at  BIGINT  NOT NULL,
    PRIMARY KEY (site, member_id)
);

INSERT INTO member_points (site, member_id, balance, last_entry_at)
SELECT site, member_id, SUM(delta), MAX(created_at) FROM points_ledger
WHERE member_id NOT LIKE 'erased:%' GROUP BY site, member_id;

-- Balances that can lapse, oldest last entry first.
CREATE INDEX member_points_due ON member_points (site, last_entry_at) WHERE balance > 0;

CREATE FUNCTION member_points_on_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.member_id NOT LIKE 'erased:%' THEN
        INSERT INTO member_points (site, member_id, balance, last_entry_at)
        VALUES (NEW.site, NEW.member_id, NEW.delta, NEW.created_at)
        ON CONFLICT (site, member_id) DO UPDATE SET
            balance = member_points.balance + EXCLUDED.balance,
            last_entry_at = GREATEST(member_points.last_entry_at, EXCLUDED.last_entry_at);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER member_points_on_entry AFTER INSERT ON points_ledger
    FOR EACH ROW EXECUTE FUNCTION member_points_on_entry();

CREATE FUNCTION member_points_on_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.member_id LIKE 'erased:%' AND OLD.member_id NOT LIKE 'erased:%' THEN
        DELETE FROM member_points WHERE site = OLD.site AND member_id = OLD.member_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER member_points_on_erasure AFTER UPDATE OF member_id ON points_ledger
    FOR EACH ROW EXECUTE FUNCTION member_points_on_erasure();
