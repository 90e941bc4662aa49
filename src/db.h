/*
 * db.h: the worker's PostgreSQL connection. One connection per worker
 * process, opened lazily and re-opened after a loss; every statement is
 * static SQL prepared once per connection and run with out-of-line
 * parameters. SQLSTATEs are mapped to the error enum here and nowhere else.
 */
#ifndef DB_H
#define DB_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "config.h"
#include "dnadb.h"

enum db_stmt {
	DB_PING,        /* () */
	DB_ADD,         /* (sequence) -> id, length, created_at; 0 rows if stored */
	DB_FIND,        /* (sequence) -> id */
	DB_GET,         /* (id) -> id, sequence, length, created_at */
	DB_SCAN,        /* (minlen, maxlen, after_len, after_id, batch) -> id, sequence, length */
	DB_FETCH_IDS,   /* (id[]) -> id, sequence, length */
	DB_ADD_SEGS,    /* (key[], id): index rows of a new sequence */
	DB_CANDIDATES,  /* (key[], need, minlen, maxlen, after_id, batch, with_seq) -> id, length, hits, sequence|NULL */
	DB_DELETE,      /* (id) -> sequence of the deleted row; 0 rows if absent */
	DB_DEL_SEGS,    /* (key[], id): index rows of a deleted sequence */
	DB_TOKEN_GET,   /* (selector) -> id, name, scope, secret_sha256, revoked, stale */
	DB_TOKEN_TOUCH, /* (id): last_used_at = now() */
	DB_LOCK_WAIT,   /* (lock_timeout): for the rest of the transaction */
	DB_IMPORT_RUNNING, /* () -> whether an import holds its lock */
	DB_STMT__MAX
};

struct db;

/* Makes a handle for cfg (borrowed; must outlive the handle). Does not
 * connect. NULL without memory. Free with db_free(). */
struct db *db_new(const struct config *cfg);
void db_free(struct db *db);

/* Makes sure the connection is up and the statements are prepared,
 * connecting or resetting as needed. DNA_E_DB_UNAVAILABLE if not. */
enum dna_err db_ready(struct db *db, struct dna_fail *f);

/*
 * Runs a prepared statement with n text parameters (values[i] NUL
 * terminated; NULL is SQL NULL). Returns a result with PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK that the caller frees with PQclear(), or NULL with f
 * set. A read-only statement that meets a lost connection is retried once
 * on a fresh one; a write is never retried, since whether it committed is
 * unknown: it fails with DNA_E_DB_UNAVAILABLE.
 */
PGresult *db_exec(struct db *db, enum db_stmt s, int n,
    const char *const *values, struct dna_fail *f);

/*
 * Transactions, for writes. A statement that meets a lost connection
 * inside a transaction is not retried by db_exec(); it fails with
 * DNA_E_DB_UNAVAILABLE and db_tx_lost() is true: nothing was committed,
 * so the caller may run the whole transaction again. db_commit() failing
 * on a lost connection is the one case whose outcome is unknown: it is
 * reported as such and never retried.
 */
enum dna_err db_begin(struct db *db, struct dna_fail *f);
enum dna_err db_commit(struct db *db, struct dna_fail *f);
/* Rolls back if a transaction is open; never fails (a lost connection
 * rolls back by itself). */
void db_rollback(struct db *db);
/* True if the last transaction was cut by a lost connection before its
 * COMMIT was sent. */
bool db_tx_lost(const struct db *db);

/* The open connection (connecting if needed), for work that needs libpq
 * directly (COPY); NULL with f set if the database is unavailable. Borrowed:
 * call db_check() afterwards so that a connection that died is replaced. */
PGconn *db_conn(struct db *db, struct dna_fail *f);
void db_check(struct db *db);
/* Closes the connection whatever its state; the next call reconnects. */
void db_drop_conn(struct db *db);

/* Maps a failed result (or, when res is NULL, the connection state) to an
 * error, filling f. Exposed for tests of the mapping. */
enum dna_err db_map_error(const char *sqlstate, bool conn_bad,
    struct dna_fail *f);

/* Connects for the command line as the owner (owner_database_url, or
 * database_url if that is empty): returns an open connection
 * the caller closes with PQfinish(), or NULL with a message in err. */
PGconn *db_connect_cli(const struct config *cfg, char *err, size_t errsz);

/* Closes a connection of db_connect_cli(). */
void db_close_cli(PGconn *conn);

/* Whether conn is still up. */
bool db_conn_ok(PGconn *conn);

/*
 * For the storage layer's bulk and administrative work (store_*.c), on
 * a connection it holds itself: runs static sql with n text parameters
 * and returns the result when its status is want (the caller PQclears
 * it), or NULL with f set by db_fail().
 */
PGresult *db_run(PGconn *conn, const char *sql, int n,
    const char *const *params, ExecStatusType want, struct dna_fail *f);

/* Fills f from a failed result (res may be NULL: the connection's
 * error): the error mapped from its SQLSTATE (a lost connection:
 * DNA_E_DB_UNAVAILABLE) and f->detail with the server's message. */
void db_fail(PGconn *conn, const PGresult *res, struct dna_fail *f);

#endif /* DB_H */
