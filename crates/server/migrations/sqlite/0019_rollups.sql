-- Daily rollups: each site's figures per UTC day, folded in by a background task from a
-- watermark (every row stamped before it is here; rows from it on are read raw), so a page
-- costs the same on a shop's first day and after five years. Counts and sums only: no
-- personal data, so retention of the raw rows keeps them.
CREATE TABLE daily_rollups (
    site    TEXT    NOT NULL,
    figure  TEXT    NOT NULL,
    day     INTEGER NOT NULL,
    dim1    TEXT    NOT NULL,
    dim2    TEXT    NOT NULL,
    scale   TEXT    NOT NULL,
    score   INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    total   INTEGER NOT NULL,
    PRIMARY KEY (site, figure, day, dim1, dim2, scale, score)
);

-- Per site: what the rollups hold, every row stamped before `folded_to` (ms); moved on by
-- the one server whose transaction finds it unchanged.
CREATE TABLE rollup_watermarks (
    site       TEXT    NOT NULL PRIMARY KEY,
    folded_to  INTEGER NOT NULL,
    folded_at  INTEGER NOT NULL
);

-- The fold's reads: each source's rows of a site by time.
CREATE INDEX points_ledger_by_time ON points_ledger (site, created_at);
CREATE INDEX redemptions_by_time ON redemptions (site, created_at);
CREATE INDEX surprises_by_time ON surprises (site, created_at);
CREATE INDEX surprises_by_claim ON surprises (site, claimed_at);
CREATE INDEX recovery_cases_by_resolution ON recovery_cases (site, resolved_at);
CREATE INDEX answer_context_by_site_time ON answer_context (site, received_at);
