-- New figures in the rollups (context rows by key, for the inbox's filter; exposures by
-- experiment and variant, for the experiments pages): the days already folded lack them, so
-- the fold starts over from each site's first row (pages read the raw rows until it has
-- caught up, exact meanwhile, as after `--rebuild-rollups`).
DELETE FROM daily_rollups;
DELETE FROM rollup_watermarks;

-- The fold's read of exposures, by time.
CREATE INDEX exposures_by_time ON exposures (site, exposed_at);
