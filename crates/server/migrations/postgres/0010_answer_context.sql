-- What a visit was about, as the host said (`setContext`: a ticket, an agent, a topic): on the
-- answer as JSON, to show and export it, and a row per key, to filter and compare by it.
ALTER TABLE events ADD COLUMN context TEXT;
CREATE TABLE answer_context (
    site        TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    -- The answer's, so reports by range and the retention job need no join.
    received_at BIGINT NOT NULL,
    PRIMARY KEY (site, event_id, key)
);
CREATE INDEX answer_context_by_value ON answer_context (site, key, value, received_at);
CREATE INDEX answer_context_by_time ON answer_context (received_at);
