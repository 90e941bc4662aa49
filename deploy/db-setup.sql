-- deploy/db-setup.sql: dnadb's two PostgreSQL roles and its database, once
-- per cluster, as a superuser. Safe to run again (it creates what is
-- missing and resets the role settings):
--
--   psql -v ON_ERROR_STOP=1 -d postgres -f deploy/db-setup.sql
--
-- dnadb_owner owns the database and its schema: `dnadb migrate`, `dnadb
-- reindex`, `dnadb token` and `dnadb import` connect as it
-- (owner_database_url). dnadb_app is what the workers connect as
-- (database_url): migration 004 grants it row access and nothing else.
-- deploy/stack runs this file on its private cluster. On a shared
-- server, give both roles passwords (ALTER ROLE ... PASSWORD) or use
-- peer or certificate authentication in pg_hba.conf; see SECURITY.md.

SELECT 'CREATE ROLE dnadb_owner LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dnadb_owner') \gexec
SELECT 'CREATE ROLE dnadb_app LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dnadb_app') \gexec

ALTER ROLE dnadb_owner NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE dnadb_app NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- Safety nets for every session of the role, whatever the client sets
-- first. The workers also set statement_timeout from their configuration
-- (statement_timeout_ms); a bulk import lifts it for its own transaction.
ALTER ROLE dnadb_app SET statement_timeout = '15s';
ALTER ROLE dnadb_app SET lock_timeout = '5s';
ALTER ROLE dnadb_app SET idle_in_transaction_session_timeout = '60s';
-- The workers' statements take well under a millisecond: JIT compilation
-- (tens of ms) and parallel workers (about 10 ms to start) only cost,
-- and an estimate gone wrong must not buy them. The workers set the same
-- at connection time, for servers where this file was not run.
ALTER ROLE dnadb_app SET jit = off;
ALTER ROLE dnadb_app SET max_parallel_workers_per_gather = 0;
-- The owner's work (migrations, reindex of millions of rows) is long:
-- no statement limit, but it must not sit on locks or open transactions.
ALTER ROLE dnadb_owner SET statement_timeout = 0;
ALTER ROLE dnadb_owner SET lock_timeout = '60s';
ALTER ROLE dnadb_owner SET idle_in_transaction_session_timeout = '10min';

SELECT 'CREATE DATABASE dnadb OWNER dnadb_owner ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'dnadb') \gexec

REVOKE ALL ON DATABASE dnadb FROM PUBLIC;
GRANT CONNECT ON DATABASE dnadb TO dnadb_owner;
-- TEMPORARY: a bulk import stages its rows in a temporary table, private
-- to its session and gone at its end; it cannot touch the schema.
GRANT CONNECT, TEMPORARY ON DATABASE dnadb TO dnadb_app;
