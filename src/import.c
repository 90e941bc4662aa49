/*
 * import.c: streaming bulk import; see import.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dnadb.h"
#include "idx.h"
#include "import.h"

/* Bytes of COPY data gathered before a PQputCopyData, and the bases of
 * sequence that one insert batch brings back (INSERT ... RETURNING). */
#define IMPORT_COPY_CHUNK   ((size_t)1 << 20)
#define IMPORT_BATCH_BASES  ((size_t)64 << 20)
/* Advisory lock key of imports (an arbitrary constant). */
#define IMPORT_LOCK "4852742"

/* Notes a database failure from res (may be NULL) or the connection. */
static enum import_status
import_dberr(struct import *im, const PGresult *res)
{
	const char *st = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	snprintf(im->sqlstate, sizeof(im->sqlstate), "%s", st != NULL ? st : "");
	snprintf(im->err, sizeof(im->err), "%s",
	    res != NULL && PQresultErrorMessage(res)[0] != '\0' ?
	    PQresultErrorMessage(res) : PQerrorMessage(im->conn));
	im->status = IMPORT_DB;
	return IMPORT_DB;
}

/* Runs a static statement with text parameters; IMPORT_OK or IMPORT_DB. */
static enum import_status
import_cmd(struct import *im, const char *sql, int n, const char *const *params)
{
	PGresult *res = PQexecParams(im->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	enum import_status rc = IMPORT_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = import_dberr(im, res);
	PQclear(res);
	return rc;
}

/* Sends the gathered COPY data. */
static bool
import_flush(struct import *im)
{
	if (im->copy.len == 0)
		return true;
	if (PQputCopyData(im->conn, im->copy.p, (int)im->copy.len) != 1) {
		import_dberr(im, NULL);
		return false;
	}
	buf_reset(&im->copy);
	im->copy.len = 0;
	return true;
}

/* fastx callback: one record becomes one COPY line "n\tline\tSEQ\n". */
static bool
import_emit(void *arg, const char *seq, size_t len, unsigned long long line)
{
	struct import *im = arg;
	char head[48];
	int hn;

	im->n++;
	hn = snprintf(head, sizeof(head), "%llu\t%llu\t", im->n, line);
	if (hn < 0)
		return false;
	if (im->copy.len + (size_t)hn + len + 1 > IMPORT_COPY_CHUNK &&
	    !import_flush(im))
		return false;
	if (!buf_reserve(&im->copy, (size_t)hn + len + 1)) {
		im->status = IMPORT_NOMEM;
		return false;
	}
	buf_append(&im->copy, head, (size_t)hn);
	buf_append(&im->copy, seq, len);
	buf_append(&im->copy, "\n", 1);
	return true;
}

enum import_status
import_begin(struct import *im, PGconn *conn, size_t maxlen, bool wait)
{
	PGresult *res;
	bool got;

	memset(im, 0, sizeof(*im));
	im->t_start = dna_now_ms();
	im->conn = conn;
	im->status = IMPORT_OK;
	fastx_init(&im->fx, maxlen, import_emit, im);
	/* A record can be up to maxlen bases: the buffer must hold one. */
	buf_init(&im->copy, IMPORT_COPY_CHUNK + maxlen + 64);
	if (import_cmd(im, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL) != IMPORT_OK)
		return IMPORT_DB;
	im->open = true;
	/* An import may take minutes: the per-statement limit of the API
	 * does not apply inside it. */
	if (import_cmd(im, "SET LOCAL statement_timeout = 0", 0, NULL) != IMPORT_OK)
		return IMPORT_DB;
	if (wait) {
		if (import_cmd(im, "SELECT pg_advisory_xact_lock(" IMPORT_LOCK ")",
		    0, NULL) != IMPORT_OK)
			return IMPORT_DB;
	} else {
		res = PQexecParams(conn,
		    "SELECT pg_try_advisory_xact_lock(" IMPORT_LOCK ")",
		    0, NULL, NULL, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
			import_dberr(im, res);
			PQclear(res);
			return IMPORT_DB;
		}
		got = PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		if (!got) {
			im->status = IMPORT_BUSY;
			return IMPORT_BUSY;
		}
	}
	if (import_cmd(im, "CREATE TEMPORARY TABLE import_rows"
	    " (n bigint NOT NULL, line bigint NOT NULL, seq text NOT NULL)"
	    " ON COMMIT DROP", 0, NULL) != IMPORT_OK)
		return IMPORT_DB;
	res = PQexecParams(conn, "COPY import_rows (n, line, seq) FROM STDIN",
	    0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		import_dberr(im, res);
		PQclear(res);
		return IMPORT_DB;
	}
	PQclear(res);
	im->copying = true;
	return IMPORT_OK;
}

enum import_status
import_feed(struct import *im, const char *buf, size_t len)
{
	if (im->status != IMPORT_OK)
		return im->status;
	if (!fastx_feed(&im->fx, buf, len) && im->status == IMPORT_OK)
		im->status = im->fx.reason == FASTX_NOMEM ? IMPORT_NOMEM :
		    IMPORT_INVALID;
	return im->status;
}

/* Ends the COPY (with an error message to abort it, or NULL) and collects
 * its result. */
static enum import_status
import_copy_end(struct import *im, const char *abort_msg)
{
	PGresult *res;
	enum import_status rc = IMPORT_OK;

	im->copying = false;
	if (PQputCopyEnd(im->conn, abort_msg) != 1)
		return abort_msg != NULL ? IMPORT_OK : import_dberr(im, NULL);
	while ((res = PQgetResult(im->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && abort_msg == NULL &&
		    rc == IMPORT_OK)
			rc = import_dberr(im, res);
		PQclear(res);
	}
	return rc;
}

/* Inserts records [from, to) in file order and indexes the new rows. */
static enum import_status
import_batch(struct import *im, unsigned long long from, unsigned long long to)
{
	char a[24], b[24], msg[512];
	const char *params[2] = { a, b };
	PGresult *res;

	double t0 = dna_now_ms(), t1;

	snprintf(a, sizeof(a), "%llu", from);
	snprintf(b, sizeof(b), "%llu", to);
	/* A sequence already stored, or met earlier in the file (inserted by
	 * an earlier row of this statement or batch), conflicts and is
	 * skipped. */
	res = PQexecParams(im->conn,
	    "INSERT INTO sequences (sequence)"
	    " SELECT seq FROM import_rows WHERE n >= $1::bigint AND n < $2::bigint"
	    " ORDER BY n"
	    " ON CONFLICT DO NOTHING"
	    " RETURNING id, sequence", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		import_dberr(im, res);
		PQclear(res);
		return IMPORT_DB;
	}
	im->inserted += (unsigned long long)PQntuples(res);
	t1 = dna_now_ms();
	im->ms_insert += t1 - t0;
	if (idx_add_rows(im->conn, res, msg, sizeof(msg), im->sqlstate) < 0) {
		PQclear(res);
		snprintf(im->err, sizeof(im->err), "%s", msg);
		im->status = IMPORT_DB;
		return IMPORT_DB;
	}
	PQclear(res);
	im->ms_index += dna_now_ms() - t1;
	return IMPORT_OK;
}

enum import_status
import_finish(struct import *im)
{
	unsigned long long from, step, total;
	PGresult *res;

	if (im->status != IMPORT_OK)
		return im->status;
	if (!fastx_finish(&im->fx)) {
		if (im->status == IMPORT_OK)
			im->status = im->fx.reason == FASTX_NOMEM ? IMPORT_NOMEM :
			    IMPORT_INVALID;
		return im->status;
	}
	if (!import_flush(im) || import_copy_end(im, NULL) != IMPORT_OK)
		return IMPORT_DB;
	im->ms_copy = dna_now_ms() - im->t_start;
	if (import_cmd(im, "CREATE INDEX ON import_rows (n)", 0, NULL) != IMPORT_OK ||
	    import_cmd(im, "ANALYZE import_rows", 0, NULL) != IMPORT_OK)
		return IMPORT_DB;
	total = im->n;
	step = IMPORT_BATCH_BASES / (im->fx.bases / (total > 0 ? total : 1) + 1);
	if (step < 1)
		step = 1;
	for (from = 1; from <= total; from += step) {
		if (im->progress != NULL)
			im->progress(im->progress_arg, from - 1, total);
		if (import_batch(im, from, from + step) != IMPORT_OK)
			return IMPORT_DB;
	}
	if (im->progress != NULL)
		im->progress(im->progress_arg, total, total);
	im->duplicates = total - im->inserted;
	im->open = false;
	res = PQexecParams(im->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		import_dberr(im, res);
		PQclear(res);
		if (PQstatus(im->conn) != CONNECTION_OK || im->sqlstate[0] == '\0') {
			im->status = IMPORT_UNKNOWN;
			return IMPORT_UNKNOWN;
		}
		return IMPORT_DB;
	}
	PQclear(res);
	return IMPORT_OK;
}

void
import_end(struct import *im)
{
	PGresult *res;

	if (im->copying)
		import_copy_end(im, "dnadb: import abandoned");
	if (im->open) {
		res = PQexecParams(im->conn, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0);
		PQclear(res);
		im->open = false;
	}
	fastx_free(&im->fx);
	buf_free(&im->copy);
}
