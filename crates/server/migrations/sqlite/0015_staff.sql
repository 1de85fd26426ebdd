-- Staff in the database: people (a login, a password once they accepted their invitation)
-- and their role on each site they work on.
CREATE TABLE staff_members (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    -- An email address or a name, lowercased: one person, one login.
    login             TEXT    NOT NULL UNIQUE,
    -- argon2; none until the invitation is accepted.
    password_hash     TEXT,
    -- SHA-256 of the invitation's token, until it is used or runs out.
    invite_hash       TEXT    UNIQUE,
    invite_expires_at INTEGER,
    created_at        INTEGER NOT NULL,
    created_by        TEXT    NOT NULL
);

CREATE TABLE staff_roles (
    site       TEXT    NOT NULL,
    staff_id   INTEGER NOT NULL REFERENCES staff_members (id) ON DELETE CASCADE,
    -- `owner`, `marketer`, `support` or `viewer`.
    role       TEXT    NOT NULL,
    granted_at INTEGER NOT NULL,
    granted_by TEXT    NOT NULL,
    PRIMARY KEY (site, staff_id)
);
CREATE INDEX staff_roles_by_member ON staff_roles (staff_id);
