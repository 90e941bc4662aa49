/*
 * store.c: the worker's storage layer; see store.h. The statements are
 * db.c's table (static SQL, prepared once per connection); this file
 * decides which to run, in which transaction, how often, and turns their
 * results into typed values.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "seg.h"
#include "store.h"
#include "valid.h"

/* Attempts at a write whose transaction a lost connection cut before its
 * COMMIT (nothing was stored, so running it again is safe). */
#define STORE_ATTEMPTS 3

struct store {
	struct db *db;   /* both roles, for now */
};

struct store *
store_new(const struct config *cfg)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	if ((st->db = db_new(cfg)) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	db_free(st->db);
	free(st);
}

struct db *
store_db(struct store *st, enum store_role role)
{
	(void)role;
	return st->db;
}

void
store_rec_clear(struct store_rec *rec)
{
	PQclear(rec->own);
	memset(rec, 0, sizeof(*rec));
}

bool
store_array(struct buf *b, const int64_t *v, size_t n)
{
	size_t i;

	if (!buf_append(b, "{", 1))
		return false;
	for (i = 0; i < n; i++)
		if (!buf_printf(b, "%s%lld", i > 0 ? "," : "", (long long)v[i]))
			return false;
	return buf_append(b, "}", 1);
}

/* Reads column c of row r as an integer in [min, LLONG_MAX]. */
static bool
store_ll(const PGresult *res, int r, int c, long long min, long long *v)
{
	if (PQgetisnull(res, r, c))
		return false;
	return valid_uint(PQgetvalue(res, r, c), (size_t)PQgetlength(res, r, c),
	    min, LLONG_MAX, v);
}

/* A row the database should not have sent: logged, DNA_E_INTERNAL. */
static enum dna_err
store_bad_row(const char *what, struct dna_fail *f)
{
	log_msg("error", NULL, "store: bad %s row from the database", what);
	return fail_set(f, DNA_E_INTERNAL, NULL);
}

enum dna_err
store_ping(struct store *st, struct dna_fail *f)
{
	PGresult *res;

	if ((res = db_exec(store_db(st, STORE_READ), DB_PING, 0, NULL, f)) == NULL)
		return f->err;
	PQclear(res);
	return DNA_OK;
}

/* Writes (add) or removes (!add) the index rows of seq for the row
 * idtext, in the caller's transaction. */
static enum dna_err
store_segments(struct db *db, const char *seq, const char *idtext, bool add,
    struct dna_fail *f)
{
	struct buf arr;
	const char *params[2];
	PGresult *res;
	int64_t *keys;
	size_t len = strlen(seq), n;
	enum dna_err rc = DNA_OK;

	/* At most 21 bytes per key (20 digits and a comma). */
	buf_init(&arr, (seg_count(len) + 1) * 21 + 64);
	if ((keys = calloc(seg_count(len) + 1, sizeof(*keys))) == NULL) {
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
		goto out;
	}
	if ((n = seg_keys(seq, len, keys)) == 0)
		goto out;
	if (!store_array(&arr, keys, n)) {
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
		goto out;
	}
	params[0] = arr.p;
	params[1] = idtext;
	if ((res = db_exec(db, add ? DB_ADD_SEGS : DB_DEL_SEGS, 2, params,
	    f)) == NULL) {
		rc = f->err;
		goto out;
	}
	PQclear(res);
out:
	free(keys);
	buf_free(&arr);
	return rc;
}

/* Fills rec from row 0 of a DB_GET-shaped result (id, sequence, length,
 * created_at) or a DB_ADD one (id, length, created_at) with seq given;
 * rec takes res. */
static enum dna_err
store_rec_take(struct store_rec *rec, PGresult *res, const char *seq,
    struct dna_fail *f)
{
	int cl = seq == NULL ? 2 : 1, cc = seq == NULL ? 3 : 2;

	rec->own = res;
	if (!store_ll(res, 0, 0, 1, &rec->id) ||
	    !store_ll(res, 0, cl, 0, &rec->length))
		return store_bad_row("sequence", f);
	if (seq != NULL) {
		rec->seq = seq;
		rec->seqlen = strlen(seq);
	} else {
		rec->seq = PQgetvalue(res, 0, 1);
		rec->seqlen = (size_t)PQgetlength(res, 0, 1);
	}
	rec->created_at = PQgetisnull(res, 0, cc) ? NULL : PQgetvalue(res, 0, cc);
	return DNA_OK;
}

/* The outcome of one attempt at an add. */
enum store_try {
	TRY_CREATED,     /* rec is the new row */
	TRY_DUPLICATE,   /* rec->id is the stored row */
	TRY_RETRY,       /* nothing stored: run it again */
	TRY_LOCKED,      /* an identical row's lock was held past the quick wait */
	TRY_FAILED       /* f says why */
};

/* Looks seq up: TRY_DUPLICATE with rec->id if it is stored, TRY_RETRY if
 * not, TRY_FAILED with f set. */
static enum store_try
store_add_find(struct db *db, const char *seq, struct store_rec *rec,
    struct dna_fail *f)
{
	const char *params[1] = { seq };
	PGresult *r;
	enum store_try out = TRY_RETRY;

	if ((r = db_exec(db, DB_FIND, 1, params, f)) == NULL)
		return TRY_FAILED;
	if (PQntuples(r) >= 1 && store_ll(r, 0, 0, 1, &rec->id))
		out = TRY_DUPLICATE;
	PQclear(r);
	return out;
}

/*
 * Looks the sequence up first, so that a duplicate is answered without
 * drawing a value from the id sequence; then one transaction: INSERT ...
 * ON CONFLICT DO NOTHING, and if that stored nothing (a concurrent add
 * committed it meanwhile), look it up again. The lookup is a separate
 * statement, so it runs on a fresh snapshot and sees a row that a
 * concurrent transaction committed while the INSERT waited for it. With
 * quick, the INSERT waits at most DNA_ADD_LOCK_WAIT_MS for the row lock of
 * an uncommitted identical row (TRY_LOCKED): a concurrent add commits
 * within that, an import may hold it for minutes.
 */
static enum store_try
store_add_once(struct db *db, const char *seq, bool quick,
    struct store_rec *rec, struct dna_fail *f)
{
	const char *params[1] = { seq };
	const char *wait[1] = { DNA_ADD_LOCK_WAIT_MS };
	PGresult *r = NULL;
	enum store_try out;

	if ((out = store_add_find(db, seq, rec, f)) != TRY_RETRY)
		return out;
	if (db_begin(db, f) != DNA_OK)
		return TRY_FAILED;
	if (quick) {
		if ((r = db_exec(db, DB_LOCK_WAIT, 1, wait, f)) == NULL)
			goto fail;
		PQclear(r);
	}
	if ((r = db_exec(db, DB_ADD, 1, params, f)) == NULL)
		goto fail;
	if (PQntuples(r) == 1) {
		if (store_segments(db, seq, PQgetvalue(r, 0, 0), true, f) != DNA_OK ||
		    db_commit(db, f) != DNA_OK)
			goto fail;
		return store_rec_take(rec, r, seq, f) == DNA_OK ?
		    TRY_CREATED : TRY_FAILED;
	}
	PQclear(r);
	if ((r = db_exec(db, DB_FIND, 1, params, f)) == NULL)
		goto fail;
	db_rollback(db);
	out = PQntuples(r) >= 1 && store_ll(r, 0, 0, 1, &rec->id) ?
	    TRY_DUPLICATE : TRY_RETRY;
	PQclear(r);
	return out;
fail:
	PQclear(r);
	db_rollback(db);
	if (quick && f->err == DNA_E_TIMEOUT)
		return TRY_LOCKED;
	return db_tx_lost(db) ? TRY_RETRY : TRY_FAILED;
}

/* After TRY_LOCKED: is an import running (it holds the lock until it
 * ends)? */
static enum dna_err
store_import_running(struct db *db, bool *busy, struct dna_fail *f)
{
	PGresult *r;

	if ((r = db_exec(db, DB_IMPORT_RUNNING, 0, NULL, f)) == NULL)
		return f->err;
	*busy = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return DNA_OK;
}

enum dna_err
store_add(struct store *st, const char *seq, enum store_added *out,
    struct store_rec *rec, struct dna_fail *f)
{
	struct db *db = store_db(st, STORE_WRITE);
	enum store_try t = TRY_RETRY;
	bool quick = true, busy;
	int attempt;

	memset(rec, 0, sizeof(*rec));
	for (attempt = 0; attempt < STORE_ATTEMPTS && t == TRY_RETRY; attempt++) {
		fail_clear(f);
		t = store_add_once(db, seq, quick, rec, f);
		if (t != TRY_LOCKED)
			continue;
		fail_clear(f);
		if (store_import_running(db, &busy, f) != DNA_OK)
			return f->err;
		if (busy) {
			*out = STORE_IMPORT_BUSY;
			return DNA_OK;
		}
		/* A concurrent add: wait the usual lock_timeout now. */
		quick = false;
		t = TRY_RETRY;
	}
	switch (t) {
	case TRY_CREATED:
		*out = STORE_CREATED;
		return DNA_OK;
	case TRY_DUPLICATE:
		*out = STORE_DUPLICATE;
		return DNA_OK;
	case TRY_RETRY:
	case TRY_LOCKED:
		if (f->err == DNA_OK)
			fail_set(f, DNA_E_DB_UNAVAILABLE, "the sequence could not be "
			    "stored after %d attempts; retry", STORE_ATTEMPTS);
		return f->err;
	case TRY_FAILED:
		return f->err;
	}
	return fail_set(f, DNA_E_INTERNAL, NULL);
}

enum dna_err
store_get(struct store *st, long long id, struct store_rec *rec,
    struct dna_fail *f)
{
	char idtext[24];
	const char *params[1] = { idtext };
	PGresult *res;

	memset(rec, 0, sizeof(*rec));
	snprintf(idtext, sizeof(idtext), "%lld", id);
	if ((res = db_exec(store_db(st, STORE_READ), DB_GET, 1, params, f)) == NULL)
		return f->err;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return fail_set(f, DNA_E_NOT_FOUND, "no sequence has id %lld", id);
	}
	return store_rec_take(rec, res, NULL, f);
}

/* The outcome of one attempt at a delete. */
enum store_del {
	DEL_DELETED,   /* the row and its index rows are gone */
	DEL_ABSENT,    /* no such id */
	DEL_RETRY,     /* nothing changed: the connection died before COMMIT */
	DEL_FAILED     /* f says why */
};

/* One transaction: delete the row, then its index rows, whose keys are
 * computed from the sequence the DELETE returned. */
static enum store_del
store_delete_once(struct db *db, const char *idtext, struct dna_fail *f)
{
	const char *params[1] = { idtext };
	PGresult *r = NULL;

	if (db_begin(db, f) != DNA_OK)
		return DEL_FAILED;
	if ((r = db_exec(db, DB_DELETE, 1, params, f)) == NULL)
		goto fail;
	if (PQntuples(r) != 1) {
		PQclear(r);
		db_rollback(db);
		return DEL_ABSENT;
	}
	if (store_segments(db, PQgetvalue(r, 0, 0), idtext, false, f) != DNA_OK ||
	    db_commit(db, f) != DNA_OK)
		goto fail;
	PQclear(r);
	return DEL_DELETED;
fail:
	PQclear(r);
	db_rollback(db);
	return db_tx_lost(db) ? DEL_RETRY : DEL_FAILED;
}

enum dna_err
store_delete(struct store *st, long long id, struct dna_fail *f)
{
	struct db *db = store_db(st, STORE_WRITE);
	char idtext[24];
	int attempt;
	enum store_del out = DEL_RETRY;

	snprintf(idtext, sizeof(idtext), "%lld", id);
	for (attempt = 0; attempt < STORE_ATTEMPTS && out == DEL_RETRY; attempt++) {
		fail_clear(f);
		out = store_delete_once(db, idtext, f);
	}
	switch (out) {
	case DEL_DELETED:
		return DNA_OK;
	case DEL_ABSENT:
		return fail_set(f, DNA_E_NOT_FOUND, "no sequence has id %lld", id);
	case DEL_RETRY:
		if (f->err == DNA_OK)
			fail_set(f, DNA_E_DB_UNAVAILABLE, "the sequence could not be "
			    "deleted after %d attempts; retry", STORE_ATTEMPTS);
		return f->err;
	case DEL_FAILED:
		return f->err;
	}
	return fail_set(f, DNA_E_INTERNAL, NULL);
}

enum dna_err
store_find(struct store *st, const char *seq, long long *id,
    struct dna_fail *f)
{
	const char *params[1] = { seq };
	PGresult *res;

	*id = 0;
	if ((res = db_exec(store_db(st, STORE_READ), DB_FIND, 1, params, f)) == NULL)
		return f->err;
	if (PQntuples(res) == 1 && !store_ll(res, 0, 0, 1, id)) {
		PQclear(res);
		return store_bad_row("sequence", f);
	}
	PQclear(res);
	return DNA_OK;
}

/* Copies column c of row 0 into dst (size dstsz); false if it does not
 * fit or is NULL. */
static bool
store_text(const PGresult *res, int c, char *dst, size_t dstsz)
{
	size_t len = (size_t)PQgetlength(res, 0, c);

	if (PQgetisnull(res, 0, c) || len >= dstsz)
		return false;
	memcpy(dst, PQgetvalue(res, 0, c), len + 1);
	return true;
}

enum dna_err
store_token_get(struct store *st, const char *selector, struct store_token *t,
    bool *found, struct dna_fail *f)
{
	const char *params[1] = { selector };
	PGresult *res;
	enum dna_err rc = DNA_OK;

	memset(t, 0, sizeof(*t));
	*found = false;
	/* The read role: a token created on the primary is usable as soon
	 * as a standby has replayed it, and its use is recorded on the
	 * primary (store_token_touch). */
	if ((res = db_exec(store_db(st, STORE_READ), DB_TOKEN_GET, 1, params,
	    f)) == NULL)
		return f->err;
	if (PQntuples(res) != 1)
		goto out;
	/* Columns: id, name, scope, secret_sha256, revoked, stale. */
	if (!store_ll(res, 0, 0, 1, &t->id) ||
	    !store_text(res, 1, t->name, sizeof(t->name)) ||
	    !store_text(res, 2, t->scope, sizeof(t->scope))) {
		rc = store_bad_row("api_tokens", f);
		goto out;
	}
	if (!store_text(res, 3, t->secret_sha256, sizeof(t->secret_sha256)))
		t->secret_sha256[0] = '\0';
	t->revoked = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	t->stale = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
	*found = true;
out:
	PQclear(res);
	return rc;
}

enum dna_err
store_token_touch(struct store *st, long long id, struct dna_fail *f)
{
	char idtext[24];
	const char *params[1] = { idtext };
	PGresult *res;

	snprintf(idtext, sizeof(idtext), "%lld", id);
	if ((res = db_exec(store_db(st, STORE_WRITE), DB_TOKEN_TOUCH, 1, params,
	    f)) == NULL)
		return f->err;
	PQclear(res);
	return DNA_OK;
}

/* Hands rows [0, n) of res to fn; columns id, length, hits (hc < 0: none)
 * and sequence (sc < 0 or NULL: not read). */
static enum dna_err
store_rows(PGresult *res, int lc, int hc, int sc, store_row_fn fn, void *arg,
    struct dna_fail *f)
{
	struct store_row row;
	int r, n = PQntuples(res);
	enum dna_err rc;

	for (r = 0; r < n; r++) {
		memset(&row, 0, sizeof(row));
		if (!store_ll(res, r, 0, 1, &row.id) ||
		    !store_ll(res, r, lc, 0, &row.length) ||
		    (hc >= 0 && !store_ll(res, r, hc, 0, &row.hits)))
			return store_bad_row("search", f);
		if (sc >= 0 && !PQgetisnull(res, r, sc)) {
			row.seq = PQgetvalue(res, r, sc);
			row.seqlen = (size_t)PQgetlength(res, r, sc);
		}
		if ((rc = fn(arg, &row, f)) != DNA_OK)
			return rc;
	}
	return DNA_OK;
}

enum dna_err
store_scan(struct store *st, long long lo, long long hi,
    struct store_after *after, size_t batch, store_row_fn fn, void *arg,
    size_t *rows, struct dna_fail *f)
{
	char plo[24], phi[24], alen[24], aid[24], pbatch[24];
	const char *params[5] = { plo, phi, alen, aid, pbatch };
	PGresult *res;
	enum dna_err rc;
	int n;

	*rows = 0;
	snprintf(plo, sizeof(plo), "%lld", lo);
	snprintf(phi, sizeof(phi), "%lld", hi);
	snprintf(alen, sizeof(alen), "%lld", after->length);
	snprintf(aid, sizeof(aid), "%lld", after->id);
	snprintf(pbatch, sizeof(pbatch), "%zu", batch);
	/* Columns: id, sequence, length. */
	if ((res = db_exec(store_db(st, STORE_READ), DB_SCAN, 5, params, f)) == NULL)
		return f->err;
	if ((rc = store_rows(res, 2, -1, 1, fn, arg, f)) == DNA_OK &&
	    (n = PQntuples(res)) > 0) {
		*rows = (size_t)n;
		if (!store_ll(res, n - 1, 2, 0, &after->length) ||
		    !store_ll(res, n - 1, 0, 1, &after->id))
			rc = store_bad_row("search", f);
	}
	PQclear(res);
	return rc;
}

enum dna_err
store_fetch(struct store *st, const int64_t *ids, size_t n, store_row_fn fn,
    void *arg, struct dna_fail *f)
{
	struct buf arr;
	const char *params[1];
	PGresult *res = NULL;
	enum dna_err rc;

	buf_init(&arr, n * 21 + 16);
	if (!store_array(&arr, ids, n)) {
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
		goto out;
	}
	params[0] = arr.p;
	/* Columns: id, sequence, length. */
	if ((res = db_exec(store_db(st, STORE_READ), DB_FETCH_IDS, 1, params,
	    f)) == NULL) {
		rc = f->err;
		goto out;
	}
	rc = store_rows(res, 2, -1, 1, fn, arg, f);
out:
	PQclear(res);
	buf_free(&arr);
	return rc;
}

bool
store_probes_init(struct store_probes *p, const int64_t *keys, size_t n)
{
	p->n = n;
	buf_init(&p->arr, n * 21 + 16);
	return store_array(&p->arr, keys, n);
}

void
store_probes_free(struct store_probes *p)
{
	buf_free(&p->arr);
	p->n = 0;
}

enum dna_err
store_candidates(struct store *st, const struct store_probes *p, long need,
    size_t lo, size_t hi, long long *after_id, size_t batch, bool with_seq,
    store_row_fn fn, void *arg, size_t *rows, struct dna_fail *f)
{
	char pneed[24], plo[24], phi[24], after[24], pbatch[24];
	const char *params[7] = { p->arr.p, pneed, plo, phi, after, pbatch,
	    with_seq ? "true" : "false" };
	PGresult *res;
	enum dna_err rc;
	int n;

	*rows = 0;
	snprintf(pneed, sizeof(pneed), "%ld", need);
	snprintf(plo, sizeof(plo), "%zu", lo);
	snprintf(phi, sizeof(phi), "%zu", hi);
	snprintf(after, sizeof(after), "%lld", *after_id);
	snprintf(pbatch, sizeof(pbatch), "%zu", batch);
	/* Columns: id, length, hits, sequence (NULL unless with_seq). */
	if ((res = db_exec(store_db(st, STORE_READ), DB_CANDIDATES, 7, params,
	    f)) == NULL)
		return f->err;
	if ((rc = store_rows(res, 1, 2, 3, fn, arg, f)) == DNA_OK &&
	    (n = PQntuples(res)) > 0) {
		*rows = (size_t)n;
		if (!store_ll(res, n - 1, 0, 1, after_id))
			rc = store_bad_row("search", f);
	}
	PQclear(res);
	return rc;
}
