/*
 * db.c: connection, prepared statements, reconnection and SQLSTATE
 * mapping; see db.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "import.h"
#include "log.h"
#include "seg.h"

struct db_stmt_row {
	const char *name;
	const char *sql;
	int         nparams;
	bool        readonly;  /* safe to retry after a lost connection */
};

#define DB_TS(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static const struct db_stmt_row db_stmts[DB_STMT__MAX] = {
	[DB_PING] = { "dnadb_ping", "SELECT 1", 0, true },
	[DB_ADD] = { "dnadb_add",
	    "WITH ins AS ("
	    " INSERT INTO sequences (sequence) VALUES ($1::text)"
	    " ON CONFLICT DO NOTHING"
	    " RETURNING id, length, created_at)"
	    " SELECT id, length, " DB_TS("created_at") " FROM ins", 1, false },
	[DB_FIND] = { "dnadb_find",
	    "SELECT id FROM sequences WHERE sequence = $1::text", 1, true },
	[DB_GET] = { "dnadb_get",
	    "SELECT id, sequence, length, " DB_TS("created_at")
	    " FROM sequences WHERE id = $1::bigint", 1, true },
	[DB_SCAN] = { "dnadb_scan",
	    "SELECT id, sequence, length FROM sequences"
	    " WHERE length BETWEEN $1::integer AND $2::integer"
	    " AND (length, id) > ($3::integer, $4::bigint)"
	    " ORDER BY length, id LIMIT $5::integer", 5, true },
	[DB_FETCH_IDS] = { "dnadb_fetch_ids",
	    "SELECT id, sequence, length FROM sequences"
	    " WHERE id = ANY ($1::bigint[])", 1, true },
	[DB_ADD_SEGS] = { "dnadb_add_segs",
	    "INSERT INTO seq_segments (key, id)"
	    " SELECT unnest($1::bigint[]), $2::bigint", 2, false },
	/* The ids sharing at least $2 keys with the probes, in the length
	 * window, after id $5 in id order, $6 at most: candidates without
	 * their sequences (fetched in byte-bounded batches by
	 * DB_FETCH_IDS). Each probe is one index-only descent of
	 * seq_segments_key_id; the probes are distinct, and a row has one
	 * key per segment (tier, length and segment number, or slot), so
	 * count(*) counts its matched segments (tier searches need 1). The
	 * lateral subquery (OFFSET 0 keeps it apart) looks each candidate's
	 * length up by primary key: the generic plan cannot then hash the
	 * whole length window instead, whatever the statistics say. With $7
	 * true the rows come with their sequences (short windows: one round
	 * trip), else without (NULL, never read from TOAST). */
	[DB_CANDIDATES] = { "dnadb_candidates",
	    "SELECT c.id, s.length, c.hits, s.sequence"
	    " FROM (SELECT id, count(*) AS hits FROM seq_segments"
	    "       WHERE key = ANY ($1::bigint[]) AND id > $5::bigint"
	    "       GROUP BY id HAVING count(*) >= $2::integer) AS c"
	    " CROSS JOIN LATERAL (SELECT q.length, CASE WHEN $7::boolean"
	    "       THEN q.sequence END AS sequence FROM sequences AS q"
	    "       WHERE q.id = c.id OFFSET 0) AS s"
	    " WHERE s.length BETWEEN $3::integer AND $4::integer"
	    " ORDER BY c.id LIMIT $6::integer", 7, true },
	[DB_DELETE] = { "dnadb_delete",
	    "DELETE FROM sequences WHERE id = $1::bigint RETURNING sequence",
	    1, false },
	[DB_DEL_SEGS] = { "dnadb_del_segs",
	    "DELETE FROM seq_segments"
	    " WHERE key = ANY ($1::bigint[]) AND id = $2::bigint", 2, false },
	/* stale: the last use is worth recording again (once a minute at
	 * most, so that reads do not turn into writes). */
	[DB_TOKEN_GET] = { "dnadb_token_get",
	    "SELECT id, name, scope, secret_sha256, revoked_at IS NOT NULL,"
	    " last_used_at IS NULL OR last_used_at < now() - interval '1 minute'"
	    " FROM api_tokens WHERE selector = $1::text", 1, true },
	[DB_TOKEN_TOUCH] = { "dnadb_token_touch",
	    "UPDATE api_tokens SET last_used_at = now() WHERE id = $1::bigint",
	    1, false },
	[DB_LOCK_WAIT] = { "dnadb_lock_wait",
	    "SELECT set_config('lock_timeout', $1::text, true)", 1, false },
	/* The advisory lock of import.c (one bigint key: classid is its high
	 * half, objid its low half, objsubid 1), held in this database. */
	[DB_IMPORT_RUNNING] = { "dnadb_import_running",
	    "SELECT EXISTS (SELECT 1 FROM pg_locks"
	    " WHERE locktype = 'advisory' AND granted"
	    " AND database = (SELECT oid FROM pg_database"
	    "                 WHERE datname = current_database())"
	    " AND classid = 0 AND objid = " IMPORT_LOCK " AND objsubid = 1)",
	    0, true },
};

/* SQLSTATE prefixes (class or exact code) to errors, first match wins. */
struct db_state_row {
	const char   *prefix;
	enum dna_err  err;
};

static const struct db_state_row db_states[] = {
	{ "23505", DNA_E_DUPLICATE },        /* unique_violation */
	{ "23P01", DNA_E_DUPLICATE },        /* exclusion_violation */
	{ "57014", DNA_E_TIMEOUT },          /* query_canceled (statement_timeout) */
	{ "55P03", DNA_E_TIMEOUT },          /* lock_not_available (lock_timeout) */
	{ "08",    DNA_E_DB_UNAVAILABLE },   /* connection exception */
	{ "53",    DNA_E_DB_UNAVAILABLE },   /* insufficient resources */
	{ "57P",   DNA_E_DB_UNAVAILABLE },   /* admin/crash shutdown, cannot connect now */
	{ "58",    DNA_E_DB_UNAVAILABLE },   /* system error */
	{ "40",    DNA_E_DB_UNAVAILABLE },   /* serialization failure, deadlock: retry */
};

struct db {
	const struct config *cfg;
	PGconn              *conn;
	bool                 in_tx;    /* between db_begin and commit/rollback */
	bool                 tx_lost;  /* the connection died inside it */
};

struct db *
db_new(const struct config *cfg)
{
	struct db *db = calloc(1, sizeof(*db));

	if (db != NULL)
		db->cfg = cfg;
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db);
}

enum dna_err
db_map_error(const char *sqlstate, bool conn_bad, struct dna_fail *f)
{
	size_t i;

	if (conn_bad)
		return fail_set(f, DNA_E_DB_UNAVAILABLE, NULL);
	if (sqlstate != NULL)
		for (i = 0; i < sizeof(db_states) / sizeof(db_states[0]); i++)
			if (strncmp(sqlstate, db_states[i].prefix,
			    strlen(db_states[i].prefix)) == 0)
				return fail_set(f, db_states[i].err, NULL);
	return fail_set(f, DNA_E_INTERNAL, NULL);
}

PGresult *
db_run(PGconn *conn, const char *sql, int n, const char *const *params,
    ExecStatusType want, struct dna_fail *f)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) == want)
		return res;
	db_fail(conn, res, f);
	PQclear(res);
	return NULL;
}

void
db_fail(PGconn *conn, const PGresult *res, struct dna_fail *f)
{
	const char *state = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res != NULL && PQresultErrorMessage(res)[0] != '\0' ?
	    PQresultErrorMessage(res) : PQerrorMessage(conn);
	size_t len;

	/* Without a SQLSTATE, libpq lost the connection (as db_conn_lost()). */
	db_map_error(state, PQstatus(conn) != CONNECTION_OK || state == NULL, f);
	fail_detail(f, "%s: %s", state != NULL ? state : "no sqlstate", msg);
	/* The server's messages end with a newline. */
	len = strlen(f->detail);
	while (len > 0 && (f->detail[len - 1] == '\n' || f->detail[len - 1] == ' '))
		f->detail[--len] = '\0';
}

/* Closes the connection so that the next db_ready() opens a new one. */
static void
db_drop(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	if (db->in_tx)
		db->tx_lost = true;
	db->in_tx = false;
}

/* True if a failed result (res may be NULL) means the connection is gone:
 * libpq reports a dropped connection without a SQLSTATE and may leave
 * PQstatus() at OK until the next call; the server says 08xxx or 57P0x
 * when it goes away. */
static bool
db_conn_lost(const struct db *db, const char *state)
{
	return PQstatus(db->conn) != CONNECTION_OK || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0;
}

/* Opens a connection with our application name and connect timeout; the
 * configured string may override neither of the keywords that follow it. */
static PGconn *
db_open(const struct config *cfg, const char *url, const char *app)
{
	char timeout[16];
	const char *keys[] = { "dbname", "connect_timeout",
	    "application_name", NULL };
	const char *vals[] = { url, timeout, app, NULL };

	snprintf(timeout, sizeof(timeout), "%ld", cfg->connect_timeout_s);
	return PQconnectdbParams(keys, vals, 1);
}

/* Sets the session's statement timeout and prepares every statement.
 * Returns false (and logs why) if any of it fails. */
static bool
db_setup(struct db *db)
{
	PGresult *res;
	char ms[24];
	const char *p[1] = { ms };
	int i;
	bool ok;

	snprintf(ms, sizeof(ms), "%ld", db->cfg->statement_timeout_ms);
	/* Generic plans for the prepared statements: every one of them is
	 * an index lookup whatever its parameters, and a plan fixed at
	 * prepare time cannot flip to a scan when a custom plan misjudges an
	 * array parameter (EXPLAIN in the README). No JIT and no parallel
	 * workers: the statements take well under a millisecond, JIT
	 * compilation takes tens and starting workers about ten, and an
	 * estimate gone wrong (tables not analysed yet) must not buy either.
	 * deploy/db-setup.sql sets the same for the role; here they hold
	 * where that file was not run. */
	res = PQexecParams(db->conn,
	    "SELECT set_config('statement_timeout', $1::text, false),"
	    " set_config('plan_cache_mode', 'force_generic_plan', false),"
	    " set_config('jit', 'off', false),"
	    " set_config('max_parallel_workers_per_gather', '0', false)",
	    1, NULL, p, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		log_msg("error", NULL, "db: cannot set statement_timeout: %s",
		    PQerrorMessage(db->conn));
	PQclear(res);
	/* The index must have been built with this build's segment scheme
	 * (src/seg.h): with another, search could miss matches. */
	if (ok) {
		res = PQexecParams(db->conn, "SELECT value FROM dnadb_meta"
		    " WHERE name = 'segment_scheme'", 0, NULL, NULL, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
			log_msg("error", NULL, "db: no segment scheme recorded (%s); "
			    "run dnadb migrate", PQresultErrorMessage(res));
			ok = false;
		} else if (strcmp(PQgetvalue(res, 0, 0), SEG_SCHEME) != 0) {
			log_msg("error", NULL, "db: the index was built with segment "
			    "scheme %s, this build uses %s: run dnadb reindex",
			    PQgetvalue(res, 0, 0), SEG_SCHEME);
			ok = false;
		}
		PQclear(res);
	}
	for (i = 0; ok && i < DB_STMT__MAX; i++) {
		res = PQprepare(db->conn, db_stmts[i].name, db_stmts[i].sql,
		    db_stmts[i].nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_msg("error", NULL, "db: cannot prepare %s: %s",
			    db_stmts[i].name, PQerrorMessage(db->conn));
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}

enum dna_err
db_ready(struct db *db, struct dna_fail *f)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return DNA_OK;
	db_drop(db);
	db->conn = db_open(db->cfg, db->cfg->database_url, "dnadb");
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		log_msg("error", NULL, "db: cannot connect: %s",
		    db->conn != NULL ? PQerrorMessage(db->conn) : "out of memory");
		goto fail;
	}
	if (!db_setup(db))
		goto fail;
	log_msg("info", NULL, "db: connected, %d statements prepared",
	    (int)DB_STMT__MAX);
	return DNA_OK;
fail:
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	return fail_set(f, DNA_E_DB_UNAVAILABLE, NULL);
}

PGresult *
db_exec(struct db *db, enum db_stmt s, int n, const char *const *values,
    struct dna_fail *f)
{
	const struct db_stmt_row *st = &db_stmts[s];
	PGresult *res;
	ExecStatusType rs;
	const char *state;
	int attempt;
	bool bad;

	if (n != st->nparams) {
		log_msg("error", NULL, "db: %s takes %d parameters, got %d",
		    st->name, st->nparams, n);
		fail_set(f, DNA_E_INTERNAL, NULL);
		return NULL;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		if (db->in_tx && (db->conn == NULL ||
		    PQstatus(db->conn) != CONNECTION_OK)) {
			db_drop(db);
			fail_set(f, DNA_E_DB_UNAVAILABLE, NULL);
			return NULL;
		}
		if (db_ready(db, f) != DNA_OK)
			return NULL;
		res = PQexecPrepared(db->conn, st->name, n, values, NULL, NULL, 0);
		rs = PQresultStatus(res);
		if (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK)
			return res;
		state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		bad = db_conn_lost(db, state);
		/* A read outside a transaction is retried once on a new
		 * connection; inside one, the caller retries the transaction. */
		if (!(bad && st->readonly && !db->in_tx && attempt == 0)) {
			db_map_error(state, bad, f);
			if (f->err == DNA_E_INTERNAL || f->err == DNA_E_DB_UNAVAILABLE)
				log_msg("error", NULL, "db: %s failed (%s): %s",
				    st->name, state != NULL ? state : "no sqlstate",
				    PQerrorMessage(db->conn));
			PQclear(res);
			if (bad)
				db_drop(db);
			return NULL;
		}
		log_msg("warn", NULL, "db: connection lost during %s; reconnecting",
		    st->name);
		PQclear(res);
		db_drop(db);
	}
	return NULL;
}

/* Runs BEGIN, COMMIT or ROLLBACK. Returns the result status's verdict and
 * sets *state to the SQLSTATE of a failure (borrowed until PQclear, so
 * copied into statebuf). */
static bool
db_tx_cmd(struct db *db, const char *cmd, char *statebuf, size_t statesz)
{
	PGresult *res = PQexecParams(db->conn, cmd, 0, NULL, NULL, NULL, NULL, 0);
	const char *state;
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	statebuf[0] = '\0';
	if (!ok && (state = PQresultErrorField(res, PG_DIAG_SQLSTATE)) != NULL)
		snprintf(statebuf, statesz, "%s", state);
	PQclear(res);
	return ok;
}

enum dna_err
db_begin(struct db *db, struct dna_fail *f)
{
	char state[8];
	int attempt;

	db->tx_lost = false;
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_ready(db, f) != DNA_OK)
			return f->err;
		/* The duplicate lookup after ON CONFLICT needs a fresh snapshot
		 * per statement, whatever the role's default isolation. */
		if (db_tx_cmd(db, "BEGIN ISOLATION LEVEL READ COMMITTED", state,
		    sizeof(state))) {
			db->in_tx = true;
			return DNA_OK;
		}
		if (!db_conn_lost(db, state[0] != '\0' ? state : NULL))
			break;
		log_msg("warn", NULL, "db: connection lost at BEGIN; reconnecting");
		db_drop(db);
	}
	return db_map_error(state[0] != '\0' ? state : NULL, db->conn == NULL, f);
}

enum dna_err
db_commit(struct db *db, struct dna_fail *f)
{
	char state[8];
	bool lost;

	if (!db->in_tx || db->conn == NULL)
		return fail_set(f, DNA_E_DB_UNAVAILABLE, NULL);
	db->in_tx = false;
	if (db_tx_cmd(db, "COMMIT", state, sizeof(state)))
		return DNA_OK;
	lost = db_conn_lost(db, state[0] != '\0' ? state : NULL);
	log_msg("error", NULL, "db: COMMIT failed (%s): %s",
	    state[0] != '\0' ? state : "no sqlstate", PQerrorMessage(db->conn));
	if (lost) {
		db_drop(db);
		db->tx_lost = false; /* the outcome is unknown: not retryable */
		return fail_set(f, DNA_E_DB_UNAVAILABLE,
		    "the database went away while committing, so whether the "
		    "write was stored is unknown; look it up, or repeat it");
	}
	return db_map_error(state, false, f);
}

void
db_rollback(struct db *db)
{
	char state[8];

	if (!db->in_tx || db->conn == NULL) {
		db->in_tx = false;
		return;
	}
	db->in_tx = false;
	if (!db_tx_cmd(db, "ROLLBACK", state, sizeof(state)))
		db_drop(db);
}

PGconn *
db_conn(struct db *db, struct dna_fail *f)
{
	if (db->in_tx) {
		fail_set(f, DNA_E_INTERNAL, NULL);
		return NULL;
	}
	return db_ready(db, f) == DNA_OK ? db->conn : NULL;
}

void
db_drop_conn(struct db *db)
{
	db_drop(db);
}

void
db_check(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) != CONNECTION_OK)
		db_drop(db);
}

bool
db_tx_lost(const struct db *db)
{
	return db->tx_lost;
}

PGconn *
db_connect_cli(const struct config *cfg, char *err, size_t errsz)
{
	size_t len;
	PGconn *conn = db_open(cfg, cfg->owner_database_url[0] != '\0' ?
	    cfg->owner_database_url : cfg->database_url, "dnadb-cli");

	if (conn == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		snprintf(err, errsz, "%s", PQerrorMessage(conn));
		/* libpq's messages end with a newline; ours add their own. */
		for (len = strlen(err); len > 0 && err[len - 1] == '\n'; len--)
			err[len - 1] = '\0';
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

void
db_close_cli(PGconn *conn)
{
	PQfinish(conn);
}

bool
db_conn_ok(PGconn *conn)
{
	return PQstatus(conn) == CONNECTION_OK;
}
