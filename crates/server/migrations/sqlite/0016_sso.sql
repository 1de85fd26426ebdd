-- Sign-in through an identity provider (OpenID Connect). An attempt lives from the redirect
-- to the provider until its callback, which uses it once: a replayed or forged callback finds
-- nothing. The PKCE verifier and the nonce never leave the server.
CREATE TABLE sso_attempts (
    state_hash    TEXT    PRIMARY KEY,
    pkce_verifier TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    next          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX sso_attempts_by_time ON sso_attempts (created_at);

-- The provider's subject of a person who signs in through it.
ALTER TABLE staff_members ADD COLUMN sso_subject TEXT;
