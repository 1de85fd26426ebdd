-- Dashboard sign-ins: the cookie holds a random token; only its SHA-256 is stored, so a
-- copy of the database signs nobody in. Every form carries the session's CSRF token.
CREATE TABLE staff_sessions (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    staff      TEXT    NOT NULL,
    csrf       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
