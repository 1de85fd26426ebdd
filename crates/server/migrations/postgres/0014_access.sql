-- Many shops on one server: API keys that reach one site with named scopes, and the audit
-- trail of every change made through the admin API or the dashboard.

-- A key's secret is shown once and kept only as its SHA-256; `prefix` is what a list shows.
CREATE TABLE site_keys (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    -- Space-separated, e.g. "points:write members:read".
    scopes       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    created_by   TEXT    NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    revoked_by   TEXT
);
CREATE INDEX site_keys_by_site ON site_keys (site, id);

-- Written in the transaction of the change it records. Append-only like the ledger: erasing a
-- member pseudonymises the rows naming them, and rows older than a year may be purged (the
-- retention setting says when; the trigger only refuses purging anything younger).
CREATE TABLE audit_log (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site           TEXT    NOT NULL,
    at             BIGINT  NOT NULL,
    -- `operator` (the admin key), `key` (a site key) or `staff`.
    actor_kind     TEXT    NOT NULL,
    actor_id       TEXT    NOT NULL,
    actor_name     TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target_kind    TEXT    NOT NULL,
    target_id      TEXT    NOT NULL,
    summary        TEXT    NOT NULL,
    request_id     TEXT,
    client_address TEXT
);
CREATE INDEX audit_log_by_site ON audit_log (site, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.target_id NOT LIKE 'erased:%' AND NEW.target_id LIKE 'erased:%'
       AND NEW.id = OLD.id AND NEW.site = OLD.site AND NEW.at = OLD.at
       AND NEW.actor_kind = OLD.actor_kind AND NEW.actor_id = OLD.actor_id AND NEW.actor_name = OLD.actor_name
       AND NEW.action = OLD.action AND NEW.target_kind = OLD.target_kind AND NEW.summary = OLD.summary
       AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
       AND NEW.client_address IS NOT DISTINCT FROM OLD.client_address THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND OLD.at < (extract(epoch FROM now())::BIGINT - 365 * 86400) * 1000 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
