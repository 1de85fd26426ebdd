-- A new figure in the rollups (context rows by key, for the inbox's filter): the days already
-- folded lack it, so the fold starts over from each site's first row (pages read the raw rows
-- until it has caught up, exact meanwhile, as after `--rebuild-rollups`).
DELETE FROM daily_rollups;
DELETE FROM rollup_watermarks;
