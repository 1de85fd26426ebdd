-- Comment themes: each answer's terms (words, and runs of two or three words), counted per
-- UTC day and band (low, mid, high) by a background fold from a watermark, so the Themes
-- section costs the same on a shop's first day and after five years.

-- The terms of one answer's comment (each once), with the answer's band and time: the
-- inbox's filter by term, the groups (context, experiment arm) and an erasure read them.
-- The term '' marks the answer itself (how many answers with a comment there were).
CREATE TABLE answer_terms (
    site         TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    term         TEXT    NOT NULL,
    band         TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    PRIMARY KEY (site, event_id, term)
);
CREATE INDEX answer_terms_by_time ON answer_terms (site, received_at);

-- How many answers of a band had the term, per site and UTC day (term '': answers with a
-- comment). Counts only: no comment's words can be read back from it, so retention keeps it.
CREATE TABLE theme_counts (
    site     TEXT    NOT NULL,
    day      INTEGER NOT NULL,
    band     TEXT    NOT NULL,
    term     TEXT    NOT NULL,
    answers  INTEGER NOT NULL,
    PRIMARY KEY (site, day, band, term)
);

-- The same per group of answers: `dimension` `context:<key>` (its `value` the context's) or
-- `experiment:<key>` (the variant seen before answering), counted with the answers, so the
-- Themes section per agent or per variant is as fast as without.
CREATE TABLE theme_group_counts (
    site       TEXT    NOT NULL,
    dimension  TEXT    NOT NULL,
    day        INTEGER NOT NULL,
    value      TEXT    NOT NULL,
    band       TEXT    NOT NULL,
    term       TEXT    NOT NULL,
    answers    INTEGER NOT NULL,
    PRIMARY KEY (site, dimension, day, value, band, term)
);

-- The inbox's filter by term: the answers with it, newest first after a sort.
CREATE INDEX answer_terms_by_term ON answer_terms (site, term, band);

-- A term as shown: the words the first comment with it wrote (keys are stemmed).
CREATE TABLE theme_labels (
    site   TEXT NOT NULL,
    term   TEXT NOT NULL,
    label  TEXT NOT NULL,
    PRIMARY KEY (site, term)
);

-- Per site: every answer received before `folded_to` (ms) is counted; moved on by the one
-- server whose transaction finds it unchanged.
CREATE TABLE theme_watermarks (
    site       TEXT    NOT NULL PRIMARY KEY,
    folded_to  INTEGER NOT NULL
);

-- A term that rose sharply among a week's low answers: one row (and one theme.rising event)
-- per site, week (its Monday, a UTC day number) and term, whichever server saw it first.
CREATE TABLE theme_alerts (
    site          TEXT    NOT NULL,
    week          INTEGER NOT NULL,
    term          TEXT    NOT NULL,
    label         TEXT    NOT NULL,
    answers       INTEGER NOT NULL,
    low_answers   INTEGER NOT NULL,
    share_before  REAL    NOT NULL,
    raised_at     INTEGER NOT NULL,
    PRIMARY KEY (site, week, term)
);
