-- 004: least privilege for the application role (SECURITY.md).
--
-- The workers connect as dnadb_app (or a login role that is a member of
-- it): they read and write rows, and nothing else. They cannot change
-- the schema, TRUNCATE, mint or revoke tokens, or read another column of
-- api_tokens than the ones below; they may touch last_used_at. The
-- database's owner runs the migrations and `dnadb token`, `reindex`.
-- The role is created once per cluster by deploy/db-setup.sql (which
-- also sets its statement, lock and idle-in-transaction timeouts).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dnadb_app') THEN
        RAISE EXCEPTION 'role dnadb_app does not exist; create it first with deploy/db-setup.sql (see SECURITY.md)';
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO dnadb_app;

GRANT SELECT, INSERT, DELETE ON sequences TO dnadb_app;
GRANT SELECT, INSERT, DELETE ON seq_segments TO dnadb_app;
GRANT SELECT ON dnadb_meta, schema_migrations TO dnadb_app;
GRANT SELECT (id, name, scope, selector, secret_sha256, last_used_at, revoked_at)
    ON api_tokens TO dnadb_app;
GRANT UPDATE (last_used_at) ON api_tokens TO dnadb_app;
