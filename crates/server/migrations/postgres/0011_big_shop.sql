-- A big shop (100,000 members, a million events): figures too heavy to compute on every page
-- view (the Loyalty page, an experiment's results) are kept here, recomputed when older than a
-- few minutes by whichever server claims the refresh first, and served from here meanwhile.
CREATE TABLE report_snapshots (
    site             TEXT    NOT NULL,
    report           TEXT    NOT NULL,
    range_key        TEXT    NOT NULL,
    computed_at      BIGINT NOT NULL,
    body             TEXT    NOT NULL,
    -- Claimed by a server recomputing it, until then: the others serve what is here.
    refreshing_until BIGINT,
    PRIMARY KEY (site, report, range_key)
);
CREATE INDEX report_snapshots_by_age ON report_snapshots (computed_at);

-- The reports' lookups by member and time, by time, and by the day members joined.
CREATE INDEX sessions_by_member_time ON sessions (site, member_id, started_at);
CREATE INDEX sessions_by_site_time ON sessions (site, started_at);
CREATE INDEX surprises_by_member_time ON surprises (site, member_id, created_at);
CREATE INDEX points_ledger_by_member_time ON points_ledger (site, member_id, created_at, delta);
CREATE INDEX recovery_cases_by_time ON recovery_cases (site, created_at);
CREATE INDEX members_by_first_seen ON members (site, first_seen_at);
