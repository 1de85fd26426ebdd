-- The inbox shows, beside each answer, the variants its visitor had seen: looked up by
-- visitor. PostgreSQL, which cannot skip the experiment column of the primary key, scanned
-- every exposure for each answer shown (905 ms for a page on a big shop).
CREATE INDEX exposures_by_visitor ON exposures (site, visitor_id, exposed_at);
