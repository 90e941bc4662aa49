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

/* gz sink: the (inflated) bytes of the file go to the parser. */
static bool
import_parse(void *arg, const char *buf, size_t len)
{
	struct import *im = arg;

	return fastx_feed(&im->fx, buf, len);
}

enum import_status
import_begin(struct import *im, PGconn *conn, const struct import_opts *o)
{
	PGresult *res;
	bool got;

	memset(im, 0, sizeof(*im));
	im->t_start = dna_now_ms();
	im->conn = conn;
	im->status = IMPORT_OK;
	im->vacuum = o->vacuum;
	gz_init(&im->gz, o->gzip, o->max_inflated, import_parse, im);
	fastx_init(&im->fx, o->maxlen, import_emit, im);
	/* A record can be up to maxlen bases: the buffer must hold one. */
	buf_init(&im->copy, IMPORT_COPY_CHUNK + o->maxlen + 64);
	if (import_cmd(im, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL) != IMPORT_OK)
		return IMPORT_DB;
	im->open = true;
	/* An import may take minutes: the per-statement limit of the API
	 * does not apply inside it. */
	if (import_cmd(im, "SET LOCAL statement_timeout = 0", 0, NULL) != IMPORT_OK)
		return IMPORT_DB;
	if (o->wait) {
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

/* Sets the status after the gzip layer or the parser refused the file,
 * unless a database failure (in import_emit) already set it. */
static enum import_status
import_refused(struct import *im)
{
	if (im->status != IMPORT_OK)
		return im->status;
	if (im->gz.status == GZ_SINK || im->gz.status == GZ_OK)
		im->status = im->fx.reason == FASTX_NOMEM ? IMPORT_NOMEM :
		    IMPORT_INVALID;
	else
		im->status = im->gz.status == GZ_NOMEM ? IMPORT_NOMEM :
		    IMPORT_GZIP;
	return im->status;
}

enum import_status
import_feed(struct import *im, const char *buf, size_t len)
{
	if (im->status != IMPORT_OK)
		return im->status;
	if (!gz_feed(&im->gz, buf, len))
		return import_refused(im);
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
	/* A sequence already stored, or met earlier in the file, is left out
	 * before the INSERT, so that it does not draw a value from the
	 * identity (ON CONFLICT alone would skip it only after drawing one).
	 * ON CONFLICT still covers a concurrent add of the same sequence. */
	res = PQexecParams(im->conn,
	    "INSERT INTO sequences (sequence)"
	    " SELECT r.seq FROM import_rows AS r"
	    " WHERE r.n >= $1::bigint AND r.n < $2::bigint"
	    " AND NOT EXISTS (SELECT 1 FROM import_rows AS e"
	    "                 WHERE e.seq = r.seq AND e.n < r.n)"
	    " AND NOT EXISTS (SELECT 1 FROM sequences AS s"
	    "                 WHERE s.sequence = r.seq)"
	    " ORDER BY r.n"
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

/*
 * Refreshes the planner statistics of the store after a committed import,
 * through dnadb_analyze_after_import (sql/005: runs as the owner, since
 * only a table's owner may ANALYZE it, and decides whether the import
 * changed the tables enough to need it). Without this the tables stay
 * unanalysed until autovacuum comes, and the search statement is planned
 * blind (a parallel bitmap scan, 30 times slower). On the owner's
 * connection it also VACUUMs them, which sets the visibility map of the
 * new pages (the application role may not, and VACUUM cannot run inside a
 * function); until autovacuum does that, an index-only scan of new rows
 * visits their heap pages too. Best effort: a failure is noted in
 * im->analyze_err, the import stands.
 */
static void
import_analyze(struct import *im)
{
	char n[24];
	const char *params[1] = { n };
	PGresult *res;
	double t0 = dna_now_ms();

	snprintf(n, sizeof(n), "%llu", im->inserted);
	res = PQexecParams(im->conn, "SELECT dnadb_analyze_after_import($1::bigint)",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		im->analyzed = PQgetvalue(res, 0, 0)[0] == 't';
	else
		snprintf(im->analyze_err, sizeof(im->analyze_err), "%s",
		    PQresultErrorMessage(res));
	PQclear(res);
	if (im->vacuum && im->analyzed) {
		res = PQexecParams(im->conn, "VACUUM sequences", 0, NULL, NULL,
		    NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			PQclear(res);
			res = PQexecParams(im->conn, "VACUUM seq_segments", 0, NULL,
			    NULL, NULL, NULL, 0);
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			snprintf(im->analyze_err, sizeof(im->analyze_err), "%s",
			    PQresultErrorMessage(res));
		PQclear(res);
	}
	im->ms_analyze = dna_now_ms() - t0;
}

enum import_status
import_finish(struct import *im)
{
	unsigned long long from, step, total;
	PGresult *res;

	if (im->status != IMPORT_OK)
		return im->status;
	if (!gz_finish(&im->gz) || !fastx_finish(&im->fx))
		return import_refused(im);
	if (!import_flush(im) || import_copy_end(im, NULL) != IMPORT_OK)
		return IMPORT_DB;
	im->ms_copy = dna_now_ms() - im->t_start;
	/* By position for the batches, by content for the repeats. */
	if (import_cmd(im, "CREATE INDEX ON import_rows (n)", 0, NULL) != IMPORT_OK ||
	    import_cmd(im, "CREATE INDEX ON import_rows USING hash (seq)", 0,
	    NULL) != IMPORT_OK ||
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
	import_analyze(im);
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
	gz_free(&im->gz);
	fastx_free(&im->fx);
	buf_free(&im->copy);
}
