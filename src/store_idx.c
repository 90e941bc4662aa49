/*
 * store_idx.c: bulk writes of the segment index (the storage layer; see
 * store.h): the index rows of an import batch, written sorted with one
 * COPY, and the rebuild of the whole index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "seg.h"
#include "store.h"

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

/* Runs one static statement that returns nothing the caller reads. */
static enum dna_err
store_idx_cmd(PGconn *conn, const char *sql, int n, const char *const *params,
    ExecStatusType want, struct dna_fail *f)
{
	PGresult *res;

	if ((res = db_run(conn, sql, n, params, want, f)) == NULL)
		return f->err;
	PQclear(res);
	return DNA_OK;
}

/* Sends rows[0..n) as COPY text data, in chunks. */
static enum dna_err
store_idx_copy(PGconn *conn, const struct idx_row *rows, size_t n,
    struct dna_fail *f)
{
	PGresult *res;
	struct buf b;
	size_t i;
	enum dna_err rc = DNA_OK;

	if (store_idx_cmd(conn, "COPY seq_segments (key, id) FROM STDIN", 0, NULL,
	    PGRES_COPY_IN, f) != DNA_OK)
		return f->err;
	buf_init(&b, (size_t)1 << 22);
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
	if (PQputCopyEnd(conn, NULL) != 1) {
		db_fail(conn, NULL, f);
		rc = f->err;
	}
	goto end;
abort:
	PQputCopyEnd(conn, "dnadb: out of memory while writing the index");
	rc = fail_set(f, DNA_E_INTERNAL, NULL);
	fail_detail(f, "out of memory while writing the index");
end:
	/* Collect the COPY's result (and any error) so the connection is
	 * ready for the next command. */
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == DNA_OK) {
			db_fail(conn, res, f);
			rc = f->err;
		}
		PQclear(res);
	}
	buf_free(&b);
	return rc;
}

long
store_idx_add(PGconn *conn, const PGresult *res, struct dna_fail *f)
{
	struct idx_row *rows;
	int64_t *keys;
	size_t n = 0, cap = 0, most = 0, k, m;
	long long id;
	int r, nt = PQntuples(res);
	char *end;
	long rc;

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
			fail_set(f, DNA_E_INTERNAL, NULL);
			fail_detail(f, "bad id from the database");
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
	rc = store_idx_copy(conn, rows, n, f) == DNA_OK ? (long)n : -1;
	free(rows);
	return rc;
oom:
	fail_set(f, DNA_E_INTERNAL, NULL);
	fail_detail(f, "out of memory");
	return -1;
}

/* Bases of sequence one round trip of a rebuild reads at most (or one
 * row, if longer), so that `dnadb reindex` and the migrations that
 * rebuild the index hold a bounded amount whatever the rows' lengths. */
#define IDX_BATCH_BYTES ((size_t)32 << 20)

/* Indexes the rows whose ids are the first n of ids (sorted), fetched in
 * one statement. Returns the number of keys written or -1 with f set. */
static long
store_idx_ids(PGconn *conn, const int64_t *ids, size_t n, struct dna_fail *f)
{
	struct buf arr;
	const char *params[1];
	PGresult *res;
	long rc = -1;

	buf_init(&arr, n * 21 + 16);
	if (!store_array(&arr, ids, n)) {
		fail_set(f, DNA_E_INTERNAL, NULL);
		fail_detail(f, "out of memory");
		goto out;
	}
	params[0] = arr.p;
	if ((res = db_run(conn, "SELECT id, sequence FROM sequences"
	    " WHERE id = ANY ($1::bigint[])", 1, params, PGRES_TUPLES_OK,
	    f)) == NULL)
		goto out;
	rc = store_idx_add(conn, res, f);
	PQclear(res);
out:
	buf_free(&arr);
	return rc;
}

enum dna_err
store_idx_rebuild(PGconn *conn, long *seqs, long *keys, struct dna_fail *f)
{
	const char *scheme[1] = { SEG_SCHEME };
	PGresult *res;
	int64_t *ids;
	char *end;
	size_t bytes, len, i, j;
	long n;
	int rows;
	enum dna_err rc = DNA_OK;

	*seqs = 0;
	*keys = 0;
	if ((ids = calloc(20000, sizeof(*ids))) == NULL) {
		fail_set(f, DNA_E_INTERNAL, NULL);
		fail_detail(f, "out of memory");
		return f->err;
	}
	if (store_idx_cmd(conn, "TRUNCATE seq_segments", 0, NULL,
	    PGRES_COMMAND_OK, f) != DNA_OK ||
	    store_idx_cmd(conn, "DECLARE dnadb_reindex NO SCROLL CURSOR FOR"
	    " SELECT id, length FROM sequences ORDER BY id", 0, NULL,
	    PGRES_COMMAND_OK, f) != DNA_OK)
		goto fail;
	for (;;) {
		if ((res = db_run(conn, "FETCH FORWARD 20000 FROM dnadb_reindex", 0,
		    NULL, PGRES_TUPLES_OK, f)) == NULL)
			goto fail;
		if ((rows = PQntuples(res)) == 0) {
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
			if ((n = store_idx_ids(conn, ids, j - i, f)) < 0) {
				PQclear(res);
				goto fail;
			}
			*keys += n;
		}
		*seqs += rows;
		PQclear(res);
	}
	if (store_idx_cmd(conn, "CLOSE dnadb_reindex", 0, NULL, PGRES_COMMAND_OK,
	    f) != DNA_OK ||
	    store_idx_cmd(conn, "INSERT INTO dnadb_meta (name, value)"
	    " VALUES ('segment_scheme', $1::text)"
	    " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
	    1, scheme, PGRES_COMMAND_OK, f) != DNA_OK)
		goto fail;
	goto out;
fail:
	rc = f->err;
out:
	free(ids);
	return rc;
}

enum dna_err
store_reindex(PGconn *conn, long *seqs, long *keys, struct dna_fail *f)
{
	PGresult *res;

	if (store_idx_cmd(conn, "BEGIN", 0, NULL, PGRES_COMMAND_OK, f) != DNA_OK)
		return f->err;
	if (store_idx_rebuild(conn, seqs, keys, f) == DNA_OK &&
	    store_idx_cmd(conn, "COMMIT", 0, NULL, PGRES_COMMAND_OK, f) == DNA_OK)
		return DNA_OK;
	if ((res = PQexecParams(conn, "ROLLBACK", 0, NULL, NULL, NULL, NULL,
	    0)) != NULL)
		PQclear(res);
	return f->err;
}
