/*
 * store.h: the storage layer of the worker. Every statement a request
 * runs, every PGresult, transaction and retry, and the encoding of
 * arrays for PostgreSQL live in store.c; callers get typed values and
 * never see libpq. The connection itself (connect, prepare, reconnect,
 * the statement table and the SQLSTATE mapping) is db.c's.
 *
 * Each call runs on the connection of its role: STORE_READ for reads
 * that a standby could answer, STORE_WRITE for writes and for reads that
 * must see the latest commit. Today both roles share the worker's one
 * connection; sending reads elsewhere changes only store_new().
 *
 * Ownership: strings in a struct store_rec are borrowed from the storage
 * layer until store_rec_clear(); strings in a struct store_row are
 * borrowed for the duration of the callback that receives it.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "dnadb.h"

enum store_role {
	STORE_READ,   /* may be answered by a standby */
	STORE_WRITE,  /* the primary */
	STORE_ROLE__MAX
};

struct store;

/* Makes a storage layer for cfg (borrowed; must outlive it). Does not
 * connect. NULL without memory. Free with store_free(). */
struct store *store_new(const struct config *cfg);
void store_free(struct store *st);

/* The connection of a role, for work that streams (COPY: the import).
 * Borrowed from st. */
struct db *store_db(struct store *st, enum store_role role);

/* A stored sequence. */
struct store_rec {
	long long   id;
	long long   length;
	const char *seq;         /* borrowed until store_rec_clear() */
	size_t      seqlen;
	const char *created_at;  /* ISO 8601 UTC, borrowed likewise */
	void       *own;         /* what the strings point into */
};

/* Releases what rec borrows; rec may be zeroed or already cleared. */
void store_rec_clear(struct store_rec *rec);

/* SELECT 1 on the read connection: DNA_OK or DNA_E_DB_UNAVAILABLE. */
enum dna_err store_ping(struct store *st, struct dna_fail *f);

/* What store_add() did. */
enum store_added {
	STORE_CREATED,      /* rec is the new row */
	STORE_DUPLICATE,    /* the sequence is stored already as rec->id */
	STORE_IMPORT_BUSY   /* an import that is running holds it */
};

/*
 * Stores seq (validated: upper-case bases, NUL-terminated) and its index
 * rows in one transaction. A duplicate is answered without drawing an id;
 * a concurrent add of the same sequence is waited for briefly; a
 * transaction cut by a lost connection before its COMMIT is run again (at
 * most three attempts). On DNA_OK *out says what happened and rec is
 * filled (id only for STORE_DUPLICATE; clear it with store_rec_clear() in
 * every case). Otherwise f says why.
 */
enum dna_err store_add(struct store *st, const char *seq,
    enum store_added *out, struct store_rec *rec, struct dna_fail *f);

/* The row of id into rec (clear it with store_rec_clear()), or
 * DNA_E_NOT_FOUND. */
enum dna_err store_get(struct store *st, long long id, struct store_rec *rec,
    struct dna_fail *f);

/* Deletes the row of id and its index rows in one transaction (run again
 * if cut before COMMIT, at most three attempts); DNA_E_NOT_FOUND if there
 * is no such row. */
enum dna_err store_delete(struct store *st, long long id, struct dna_fail *f);

/* The id of seq in *id, 0 if it is not stored. */
enum dna_err store_find(struct store *st, const char *seq, long long *id,
    struct dna_fail *f);

/* An API token's row, looked up by its selector. */
struct store_token {
	long long id;
	char      name[65];           /* the api_tokens CHECK: 1..64 */
	char      scope[8];           /* "read" or "write" */
	char      secret_sha256[65];  /* hex; "" if the row holds another form */
	bool      revoked;
	bool      stale;              /* its last use is worth recording */
};

/* The token of selector in t with *found, or *found false. */
enum dna_err store_token_get(struct store *st, const char *selector,
    struct store_token *t, bool *found, struct dna_fail *f);

/* Records that token id was used now. */
enum dna_err store_token_touch(struct store *st, long long id,
    struct dna_fail *f);

/* A row handed to a search callback; seq is NULL when it was not read. */
struct store_row {
	long long   id;
	long long   length;
	long long   hits;    /* candidates: segments shared with the probes */
	const char *seq;     /* borrowed for the callback */
	size_t      seqlen;
};

/* Called for each row; anything but DNA_OK stops the statement's rows
 * and is returned (f set by the callback). */
typedef enum dna_err (*store_row_fn)(void *arg, const struct store_row *row,
    struct dna_fail *f);

/* Where a length scan resumes: after (length, id). */
struct store_after {
	long long length;
	long long id;
};

/*
 * One batch of a length scan: the rows of lengths lo..hi after *after in
 * (length, id) order, at most batch of them, with their sequences, each
 * given to fn; *rows receives their number and *after the last one.
 */
enum dna_err store_scan(struct store *st, long long lo, long long hi,
    struct store_after *after, size_t batch, store_row_fn fn, void *arg,
    size_t *rows, struct dna_fail *f);

/* The rows of ids[0..n), with their sequences, each given to fn; rows
 * deleted meanwhile are absent. */
enum dna_err store_fetch(struct store *st, const int64_t *ids, size_t n,
    store_row_fn fn, void *arg, struct dna_fail *f);

/* A set of probe keys, encoded once for the batches that send it. */
struct store_probes {
	struct buf arr;
	size_t     n;
};

/* Encodes keys[0..n) (sorted, distinct); false without memory. Free with
 * store_probes_free() in every case. */
bool store_probes_init(struct store_probes *p, const int64_t *keys,
    size_t n);
void store_probes_free(struct store_probes *p);

/*
 * One batch of candidates: the rows of lengths lo..hi that share at least
 * need keys with the probes, with id after *after_id, in id order, at
 * most batch of them, each given to fn (with its sequence when with_seq,
 * else seq NULL). *rows receives their number and *after_id the last.
 */
enum dna_err store_candidates(struct store *st, const struct store_probes *p,
    long need, size_t lo, size_t hi, long long *after_id, size_t batch,
    bool with_seq, store_row_fn fn, void *arg, size_t *rows,
    struct dna_fail *f);

/*
 * Bulk work, on a connection the caller holds (the worker's write
 * connection, or the command line's): a failure fills f with the mapped
 * error and f->detail with what the server said.
 */

/* The database side of one import (src/import.c streams into it). */
struct store_import {
	PGconn *conn;     /* borrowed */
	bool    open;     /* a transaction is open */
	bool    copying;  /* COPY IN into the staging table is in progress */
};

/* Opens the transaction (no statement timeout inside it), takes the
 * import lock (wait: queue behind a running import; else *busy at once),
 * creates the staging table and starts its COPY. Call
 * store_import_close() in every case. */
enum dna_err store_import_open(struct store_import *si, PGconn *conn,
    bool wait, bool *busy, struct dna_fail *f);

/* Sends COPY text data (lines "n\tline\tSEQ\n"). */
enum dna_err store_import_put(struct store_import *si, const char *p,
    size_t n, struct dna_fail *f);

/* Ends the COPY and indexes the staging table for the batches. */
enum dna_err store_import_staged(struct store_import *si, struct dna_fail *f);

/* Inserts staged records [from, to) in file order, leaving out those
 * stored already or repeated earlier in the file before they draw an id,
 * and writes the new rows' index rows; adds to *inserted and to the
 * milliseconds spent inserting and indexing. */
enum dna_err store_import_batch(struct store_import *si,
    unsigned long long from, unsigned long long to,
    unsigned long long *inserted, double *ms_insert, double *ms_index,
    struct dna_fail *f);

/* COMMIT. On failure *unknown is true when the connection died with the
 * COMMIT in flight (the outcome is unknown), false when it rolled back. */
enum dna_err store_import_commit(struct store_import *si, bool *unknown,
    struct dna_fail *f);

/* After a COMMIT: refreshes the planner statistics when the import
 * changed the tables enough (dnadb_analyze_after_import, sql/005; then
 * *analyzed), and with vacuum (the owner's connection) VACUUMs them so
 * that index-only scans of the new rows need no heap visits. Best
 * effort: a failure is left in f for the caller to log. */
void store_import_analyze(struct store_import *si,
    unsigned long long inserted, bool vacuum, bool *analyzed,
    struct dna_fail *f);

/* Ends a COPY in progress and rolls back an open transaction. */
void store_import_close(struct store_import *si);

/* Writes the index rows (src/seg.h) of the rows of res (columns id,
 * sequence), sorted, with one COPY, in the caller's transaction. Returns
 * the number of index rows, or -1 with f set. */
long store_idx_add(PGconn *conn, const PGresult *res, struct dna_fail *f);

/* Rebuilds the whole index in the caller's transaction (a migration's or
 * store_reindex()'s) and records the segment scheme; *seqs and *keys
 * receive the rows indexed and the index rows written. */
enum dna_err store_idx_rebuild(PGconn *conn, long *seqs, long *keys,
    struct dna_fail *f);

/* store_idx_rebuild() in a transaction of its own. */
enum dna_err store_reindex(PGconn *conn, long *seqs, long *keys,
    struct dna_fail *f);

/* A token as `dnadb token list` shows it; strings borrowed for the
 * callback. */
struct store_token_info {
	const char *name, *scope, *created, *last_used, *state;
};
typedef void (*store_token_fn)(void *arg, const struct store_token_info *t);

/* Stores a new token (its selector and the hash of its secret);
 * DNA_E_DUPLICATE if a live token has that name. */
enum dna_err store_token_insert(PGconn *conn, const char *name,
    const char *scope, const char *selector, const char *hash,
    struct dna_fail *f);

/* Every token, live ones first, by name, each given to fn. */
enum dna_err store_token_list(PGconn *conn, store_token_fn fn, void *arg,
    struct dna_fail *f);

/* Revokes the live token called name; *revoked false if there is none. */
enum dna_err store_token_revoke(PGconn *conn, const char *name,
    bool *revoked, struct dna_fail *f);

/* Writes v[0..n) as a PostgreSQL bigint array literal ("{1,2,3}") into
 * b; false at b's cap or without memory. */
bool store_array(struct buf *b, const int64_t *v, size_t n);

#endif /* STORE_H */
