/*
 * store_migrate.c: applying schema migrations (the storage layer); see
 * store_migrate.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "seg.h"
#include "store.h"
#include "store_migrate.h"

/* Work a migration needs beyond its SQL, run in its transaction after the
 * SQL: version and function, in order. */
struct migrate_hook {
	int   version;
	int (*run)(PGconn *conn, FILE *out, FILE *err);
};

/* Rebuilds the index in the migration's transaction (store_idx.c). */
static int
migrate_reindex(PGconn *conn, FILE *out, FILE *err)
{
	struct dna_fail f;
	long seqs, keys;
	int rc = 0;

	fail_init(&f);
	if (store_idx_rebuild(conn, &seqs, &keys, &f) == DNA_OK)
		fprintf(out, "indexed %ld sequences (%ld segment keys, scheme %s)\n",
		    seqs, keys, SEG_SCHEME);
	else {
		fprintf(err, "dnadb: rebuilding the index failed: %s\n",
		    f.detail[0] != '\0' ? f.detail : f.msg);
		rc = -1;
	}
	fail_clear(&f);
	return rc;
}

static const struct migrate_hook migrate_hooks[] = {
	{ 2, migrate_reindex },  /* index the sequences stored before the index */
	{ 6, migrate_reindex },  /* new segment scheme: segments over the whole length */
	{ 7, migrate_reindex },  /* new segment scheme: tiers of even segments */
};

/* Runs the hook of a version, if it has one. True if none or it succeeded. */
static bool
migrate_hook(PGconn *conn, int version, FILE *out, FILE *err)
{
	size_t i;

	for (i = 0; i < sizeof(migrate_hooks) / sizeof(migrate_hooks[0]); i++)
		if (migrate_hooks[i].version == version)
			return migrate_hooks[i].run(conn, out, err) == 0;
	return true;
}

/* An arbitrary constant: the advisory lock key of migrations. */
#define MIGRATE_LOCK "4852741"

static const char migrate_bootstrap[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

/* PostgreSQL's NOTICEs (such as "relation schema_migrations already
 * exists, skipping" from the idempotent bootstrap, on every run after
 * the first) are not for the operator: this session hears only
 * warnings and errors. */
static const char migrate_quiet[] = "SET client_min_messages = warning";

/* Runs one static single statement (the extended protocol refuses
 * more than one); true if it succeeded. */
static bool
migrate_cmd(PGconn *conn, const char *sql, FILE *err)
{
	PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(err, "dnadb migrate: %s: %s", sql, PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

/*
 * Runs a multi-statement script and checks the result of every statement
 * (PQexec would report only the last). True if all succeeded.
 */
static bool
migrate_script(PGconn *conn, const char *script, FILE *err)
{
	PGresult *res;
	ExecStatusType st;
	bool ok = true;

	if (!PQsendQuery(conn, script)) {
		fprintf(err, "%s", PQerrorMessage(conn));
		return false;
	}
	while ((res = PQgetResult(conn)) != NULL) {
		st = PQresultStatus(res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			if (ok)
				fprintf(err, "%s", PQresultErrorMessage(res));
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}

/* 1 if version is recorded, 0 if not, -1 on error. */
static int
migrate_applied(PGconn *conn, int version, FILE *err)
{
	char v[16];
	const char *p[1] = { v };
	PGresult *res;
	int rc;

	snprintf(v, sizeof(v), "%d", version);
	res = PQexecParams(conn,
	    "SELECT 1 FROM schema_migrations WHERE version = $1::integer",
	    1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(err, "dnadb migrate: %s", PQerrorMessage(conn));
		rc = -1;
	} else
		rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

static bool
migrate_record(PGconn *conn, const struct migration *m, FILE *err)
{
	char v[16];
	const char *p[2] = { v, m->name };
	PGresult *res;
	bool ok;

	snprintf(v, sizeof(v), "%d", m->version);
	res = PQexecParams(conn,
	    "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2::text)",
	    2, NULL, p, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(err, "dnadb migrate: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

int
store_migrate(PGconn *conn, FILE *out, FILE *err)
{
	size_t i, applied = 0;
	int a;

	if (!migrate_cmd(conn, migrate_quiet, err) ||
	    !migrate_cmd(conn, "BEGIN", err) ||
	    !migrate_cmd(conn, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", err) ||
	    !migrate_cmd(conn, migrate_bootstrap, err) ||
	    !migrate_cmd(conn, "COMMIT", err))
		goto fail;
	for (i = 0; i < migrations_count; i++) {
		const struct migration *m = &migrations[i];
		if (!migrate_cmd(conn, "BEGIN", err) ||
		    !migrate_cmd(conn, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", err))
			goto fail;
		if ((a = migrate_applied(conn, m->version, err)) < 0)
			goto fail;
		if (a == 1) {
			if (!migrate_cmd(conn, "COMMIT", err))
				goto fail;
			continue;
		}
		if (!migrate_script(conn, m->sql, err) ||
		    !migrate_hook(conn, m->version, out, err) ||
		    !migrate_record(conn, m, err) ||
		    !migrate_cmd(conn, "COMMIT", err)) {
			fprintf(err, "dnadb migrate: migration %s failed; rolled back\n",
			    m->name);
			goto fail;
		}
		fprintf(out, "applied %s\n", m->name);
		applied++;
	}
	fprintf(out, "schema is at version %d (%zu applied now)\n",
	    migrations_count > 0 ? migrations[migrations_count - 1].version : 0,
	    applied);
	return 0;
fail:
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		migrate_cmd(conn, "ROLLBACK", err);
	return -1;
}

int
store_migrations(PGconn *conn, FILE *out, FILE *err)
{
	size_t i;
	int a;

	if (!migrate_cmd(conn, migrate_quiet, err) ||
	    !migrate_cmd(conn, migrate_bootstrap, err))
		return -1;
	for (i = 0; i < migrations_count; i++) {
		if ((a = migrate_applied(conn, migrations[i].version, err)) < 0)
			return -1;
		fprintf(out, "%-8s %s\n", a ? "applied" : "pending",
		    migrations[i].name);
	}
	return 0;
}
