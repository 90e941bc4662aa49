/*
 * idx.c: bulk writes of the segment index; see idx.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "idx.h"
#include "seg.h"

struct idx_row {
	int64_t key;
	int64_t id;
};

static int
idx_cmp(const void *a, const void *b)
{
	const struct idx_row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Runs one static statement; 0 or -1 with the server's message. */
static int
idx_cmd(PGconn *conn, const char *sql, char *err, size_t errsz)
{
	PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;

	if (rc != 0)
		snprintf(err, errsz, "%s", PQerrorMessage(conn));
	PQclear(res);
	return rc;
}

/* Sends rows[0..n) as COPY text data, in chunks. */
static int
idx_copy(PGconn *conn, const struct idx_row *rows, size_t n, char *err,
    size_t errsz, char state[8])
{
	const char *st;

	PGresult *res;
	struct buf b;
	size_t i;
	int rc = -1;

	buf_init(&b, (size_t)1 << 22);
	res = PQexecParams(conn, "COPY seq_segments (key, id) FROM STDIN",
	    0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		snprintf(err, errsz, "%s", PQerrorMessage(conn));
		if ((st = PQresultErrorField(res, PG_DIAG_SQLSTATE)) != NULL)
			snprintf(state, 8, "%s", st);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (i = 0; i < n; i++) {
		if (!buf_printf(&b, "%lld\t%lld\n", (long long)rows[i].key,
		    (long long)rows[i].id)) {
			if (PQputCopyData(conn, b.p, (int)b.len) != 1)
				goto abort;
			buf_reset(&b);
			if (!buf_printf(&b, "%lld\t%lld\n", (long long)rows[i].key,
			    (long long)rows[i].id))
				goto abort;
		}
	}
	if (b.len > 0 && PQputCopyData(conn, b.p, (int)b.len) != 1)
		goto abort;
	if (PQputCopyEnd(conn, NULL) != 1)
		goto fail;
	rc = 0;
	goto end;
abort:
	PQputCopyEnd(conn, "dnadb: out of memory while writing the index");
fail:
	snprintf(err, errsz, "%s", PQerrorMessage(conn));
end:
	/* Collect the COPY's result (and any error) so the connection is
	 * ready for the next command. */
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
			snprintf(err, errsz, "%s", PQresultErrorMessage(res));
			if ((st = PQresultErrorField(res, PG_DIAG_SQLSTATE)) != NULL)
				snprintf(state, 8, "%s", st);
			rc = -1;
		}
		PQclear(res);
	}
	buf_free(&b);
	return rc;
}

long
idx_add_rows(PGconn *conn, const PGresult *res, char *err, size_t errsz,
    char state[8])
{
	struct idx_row *rows;
	int64_t *keys;
	size_t n = 0, cap = 0, most = 0, k, m;
	long long id;
	int r, nt = PQntuples(res);
	char *end;
	long rc;

	state[0] = '\0';
	for (r = 0; r < nt; r++) {
		m = seg_count((size_t)PQgetlength(res, r, 1));
		cap += m;
		if (m > most)
			most = m;
	}
	if (cap == 0)
		return 0;
	if ((rows = calloc(cap, sizeof(*rows))) == NULL)
		goto oom;
	if ((keys = calloc(most, sizeof(*keys))) == NULL) {
		free(rows);
		goto oom;
	}
	for (r = 0; r < nt; r++) {
		id = strtoll(PQgetvalue(res, r, 0), &end, 10);
		if (*end != '\0' || id < 1) {
			snprintf(err, errsz, "bad id from the database");
			free(keys);
			free(rows);
			return -1;
		}
		m = seg_keys(PQgetvalue(res, r, 1), (size_t)PQgetlength(res, r, 1),
		    keys);
		for (k = 0; k < m && n < cap; k++) {
			rows[n].key = keys[k];
			rows[n].id = id;
			n++;
		}
	}
	free(keys);
	qsort(rows, n, sizeof(*rows), idx_cmp);
	rc = idx_copy(conn, rows, n, err, errsz, state) == 0 ? (long)n : -1;
	free(rows);
	return rc;
oom:
	snprintf(err, errsz, "out of memory");
	return -1;
}

/* Bases of sequence one round trip of a rebuild reads at most (or one
 * row, if longer), so that `dnadb reindex` and the migrations that
 * rebuild the index hold a bounded amount whatever the rows' lengths. */
#define IDX_BATCH_BYTES ((size_t)32 << 20)

/* Indexes the rows whose ids are the first n of ids (sorted), fetched in
 * one statement. Returns the number of keys written or -1 with msg. */
static long
idx_add_ids(PGconn *conn, const long long *ids, size_t n, char *msg,
    size_t msgsz)
{
	struct buf arr;
	const char *params[1];
	PGresult *res;
	char state[8];
	size_t i;
	long rc = -1;

	buf_init(&arr, n * 24 + 16);
	if (!buf_append(&arr, "{", 1))
		goto oom;
	for (i = 0; i < n; i++)
		if (!buf_printf(&arr, "%s%lld", i > 0 ? "," : "", ids[i]))
			goto oom;
	if (!buf_append(&arr, "}", 1))
		goto oom;
	params[0] = arr.p;
	res = PQexecParams(conn, "SELECT id, sequence FROM sequences"
	    " WHERE id = ANY ($1::bigint[])", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		snprintf(msg, msgsz, "%s", PQerrorMessage(conn));
	else
		rc = idx_add_rows(conn, res, msg, msgsz, state);
	PQclear(res);
	buf_free(&arr);
	return rc;
oom:
	snprintf(msg, msgsz, "out of memory");
	buf_free(&arr);
	return -1;
}

int
idx_rebuild(PGconn *conn, FILE *out, FILE *err)
{
	char msg[512], *end;
	PGresult *res;
	long total = 0, seqs = 0, n;
	long long *ids = NULL;
	size_t bytes, len, i, j;
	int rows;

	if (idx_cmd(conn, "TRUNCATE seq_segments", msg, sizeof(msg)) != 0 ||
	    idx_cmd(conn, "DECLARE dnadb_reindex NO SCROLL CURSOR FOR"
	    " SELECT id, length FROM sequences ORDER BY id", msg,
	    sizeof(msg)) != 0)
		goto fail;
	if ((ids = calloc(20000, sizeof(*ids))) == NULL) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	for (;;) {
		res = PQexecParams(conn, "FETCH FORWARD 20000 FROM dnadb_reindex",
		    0, NULL, NULL, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
			PQclear(res);
			goto fail;
		}
		rows = PQntuples(res);
		if (rows == 0) {
			PQclear(res);
			break;
		}
		/* The ids of this fetch, read in batches of at most
		 * IDX_BATCH_BYTES bases. */
		for (i = 0; i < (size_t)rows; i = j) {
			bytes = 0;
			for (j = i; j < (size_t)rows; j++) {
				len = (size_t)strtoull(PQgetvalue(res, (int)j, 1), &end, 10);
				if (j > i && bytes + len > IDX_BATCH_BYTES)
					break;
				bytes += len;
				ids[j - i] = strtoll(PQgetvalue(res, (int)j, 0), &end, 10);
			}
			if ((n = idx_add_ids(conn, ids, j - i, msg, sizeof(msg))) < 0) {
				PQclear(res);
				goto fail;
			}
			total += n;
		}
		seqs += rows;
		PQclear(res);
	}
	if (idx_cmd(conn, "CLOSE dnadb_reindex", msg, sizeof(msg)) != 0)
		goto fail;
	res = PQexecParams(conn, "INSERT INTO dnadb_meta (name, value)"
	    " VALUES ('segment_scheme', $1::text)"
	    " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
	    1, NULL, (const char *const[]){ SEG_SCHEME }, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	fprintf(out, "indexed %ld sequences (%ld segment keys, scheme %s)\n",
	    seqs, total, SEG_SCHEME);
	free(ids);
	return 0;
fail:
	free(ids);
	fprintf(err, "dnadb: rebuilding the index failed: %s", msg);
	return -1;
}
