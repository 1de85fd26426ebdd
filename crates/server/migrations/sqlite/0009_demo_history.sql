-- `--demo` generates the demo site's past once: this row says it did, from which seed and when.
-- Every row it wrote carries ids starting with `demo-`.
CREATE TABLE demo_history (
    site         TEXT    NOT NULL PRIMARY KEY,
    seed         INTEGER  NOT NULL,
    generated_at INTEGER  NOT NULL
);
