/*
 * store_import.c: the database side of a bulk import (the storage
 * layer; see store.h): its transaction and lock, the staging table and
 * its COPY, the batches that insert and index, the COMMIT and the
 * statistics after it. import.c streams the file into these steps.
 */
#include <stdio.h>
#include <string.h>

#include "dnadb.h"
#include "import.h"
#include "store.h"

/* Runs a static statement that returns nothing the caller reads. */
static enum dna_err
store_import_cmd(struct store_import *si, const char *sql, int n,
    const char *const *params, struct dna_fail *f)
{
	PGresult *res;

	if ((res = db_run(si->conn, sql, n, params, PGRES_COMMAND_OK, f)) == NULL)
		return f->err;
	PQclear(res);
	return DNA_OK;
}

/* Takes the import lock: queued (wait) or at once, *busy if another
 * import holds it. */
static enum dna_err
store_import_lock(struct store_import *si, bool wait, bool *busy,
    struct dna_fail *f)
{
	PGresult *res;

	*busy = false;
	res = db_run(si->conn, wait ?
	    "SELECT pg_advisory_xact_lock(" IMPORT_LOCK ")" :
	    "SELECT pg_try_advisory_xact_lock(" IMPORT_LOCK ")",
	    0, NULL, PGRES_TUPLES_OK, f);
	if (res == NULL)
		return f->err;
	if (!wait)
		*busy = PQntuples(res) != 1 || PQgetvalue(res, 0, 0)[0] != 't';
	PQclear(res);
	return DNA_OK;
}

enum dna_err
store_import_open(struct store_import *si, PGconn *conn, bool wait,
    bool *busy, struct dna_fail *f)
{
	PGresult *res;

	memset(si, 0, sizeof(*si));
	si->conn = conn;
	*busy = false;
	if (store_import_cmd(si, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL,
	    f) != DNA_OK)
		return f->err;
	si->open = true;
	/* An import may take minutes: the per-statement limit of the API
	 * does not apply inside it. */
	if (store_import_cmd(si, "SET LOCAL statement_timeout = 0", 0, NULL,
	    f) != DNA_OK || store_import_lock(si, wait, busy, f) != DNA_OK)
		return f->err;
	if (*busy)
		return DNA_OK;
	if (store_import_cmd(si, "CREATE TEMPORARY TABLE import_rows"
	    " (n bigint NOT NULL, line bigint NOT NULL, seq text NOT NULL)"
	    " ON COMMIT DROP", 0, NULL, f) != DNA_OK)
		return f->err;
	if ((res = db_run(conn, "COPY import_rows (n, line, seq) FROM STDIN", 0,
	    NULL, PGRES_COPY_IN, f)) == NULL)
		return f->err;
	PQclear(res);
	si->copying = true;
	return DNA_OK;
}

enum dna_err
store_import_put(struct store_import *si, const char *p, size_t n,
    struct dna_fail *f)
{
	if (n == 0)
		return DNA_OK;
	if (PQputCopyData(si->conn, p, (int)n) != 1) {
		db_fail(si->conn, NULL, f);
		return f->err;
	}
	return DNA_OK;
}

/* Ends the COPY (with an error message to abort it, or NULL) and collects
 * its result. */
static enum dna_err
store_import_copy_end(struct store_import *si, const char *abort_msg,
    struct dna_fail *f)
{
	PGresult *res;
	enum dna_err rc = DNA_OK;

	si->copying = false;
	if (PQputCopyEnd(si->conn, abort_msg) != 1) {
		if (abort_msg != NULL)
			return DNA_OK;
		db_fail(si->conn, NULL, f);
		return f->err;
	}
	while ((res = PQgetResult(si->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && abort_msg == NULL &&
		    rc == DNA_OK) {
			db_fail(si->conn, res, f);
			rc = f->err;
		}
		PQclear(res);
	}
	return rc;
}

enum dna_err
store_import_staged(struct store_import *si, struct dna_fail *f)
{
	if (store_import_copy_end(si, NULL, f) != DNA_OK)
		return f->err;
	/* By position for the batches, by content for the repeats. */
	if (store_import_cmd(si, "CREATE INDEX ON import_rows (n)", 0, NULL,
	    f) != DNA_OK ||
	    store_import_cmd(si, "CREATE INDEX ON import_rows USING hash (seq)",
	    0, NULL, f) != DNA_OK ||
	    store_import_cmd(si, "ANALYZE import_rows", 0, NULL, f) != DNA_OK)
		return f->err;
	return DNA_OK;
}

enum dna_err
store_import_batch(struct store_import *si, unsigned long long from,
    unsigned long long to, unsigned long long *inserted, double *ms_insert,
    double *ms_index, struct dna_fail *f)
{
	char a[24], b[24];
	const char *params[2] = { a, b };
	PGresult *res;
	double t0 = dna_now_ms(), t1;
	long n;

	snprintf(a, sizeof(a), "%llu", from);
	snprintf(b, sizeof(b), "%llu", to);
	/* A sequence already stored, or met earlier in the file, is left out
	 * before the INSERT, so that it does not draw a value from the
	 * identity (ON CONFLICT alone would skip it only after drawing one).
	 * ON CONFLICT still covers a concurrent add of the same sequence. */
	res = db_run(si->conn,
	    "INSERT INTO sequences (sequence)"
	    " SELECT r.seq FROM import_rows AS r"
	    " WHERE r.n >= $1::bigint AND r.n < $2::bigint"
	    " AND NOT EXISTS (SELECT 1 FROM import_rows AS e"
	    "                 WHERE e.seq = r.seq AND e.n < r.n)"
	    " AND NOT EXISTS (SELECT 1 FROM sequences AS s"
	    "                 WHERE s.sequence = r.seq)"
	    " ORDER BY r.n"
	    " ON CONFLICT DO NOTHING"
	    " RETURNING id, sequence", 2, params, PGRES_TUPLES_OK, f);
	if (res == NULL)
		return f->err;
	*inserted += (unsigned long long)PQntuples(res);
	t1 = dna_now_ms();
	*ms_insert += t1 - t0;
	n = store_idx_add(si->conn, res, f);
	PQclear(res);
	if (n < 0)
		return f->err;
	*ms_index += dna_now_ms() - t1;
	return DNA_OK;
}

enum dna_err
store_import_commit(struct store_import *si, bool *unknown,
    struct dna_fail *f)
{
	PGresult *res;

	*unknown = false;
	si->open = false;
	res = PQexecParams(si->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		return DNA_OK;
	}
	/* The connection died while COMMIT was in flight (no SQLSTATE):
	 * whether it committed is unknown, and it is not guessed. A refusal
	 * with a SQLSTATE rolled back. */
	*unknown = !db_conn_ok(si->conn) ||
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) == NULL;
	db_fail(si->conn, res, f);
	PQclear(res);
	return f->err;
}

void
store_import_analyze(struct store_import *si, unsigned long long inserted,
    bool vacuum, bool *analyzed, struct dna_fail *f)
{
	char n[24];
	const char *params[1] = { n };
	PGresult *res;

	*analyzed = false;
	snprintf(n, sizeof(n), "%llu", inserted);
	if ((res = db_run(si->conn, "SELECT dnadb_analyze_after_import($1::bigint)",
	    1, params, PGRES_TUPLES_OK, f)) == NULL)
		return;
	*analyzed = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (vacuum && *analyzed &&
	    store_import_cmd(si, "VACUUM sequences", 0, NULL, f) == DNA_OK)
		store_import_cmd(si, "VACUUM seq_segments", 0, NULL, f);
}

void
store_import_close(struct store_import *si)
{
	struct dna_fail f;
	PGresult *res;

	fail_init(&f);
	if (si->copying)
		store_import_copy_end(si, "dnadb: import abandoned", &f);
	if (si->open) {
		if ((res = db_run(si->conn, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK,
		    &f)) != NULL)
			PQclear(res);
		si->open = false;
	}
	fail_clear(&f);
}
