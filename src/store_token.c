/*
 * store_token.c: the operator's statements on api_tokens (the storage
 * layer; see store.h): create, list, revoke, over the owner's
 * connection. The request-time look-up is store_token_get() in store.c.
 */
#include <stdio.h>
#include <string.h>

#include "store.h"

#define STORE_TOKEN_TS(col) \
	"coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-')"

enum dna_err
store_token_insert(PGconn *conn, const char *name, const char *scope,
    const char *selector, const char *hash, struct dna_fail *f)
{
	const char *p[4] = { name, scope, selector, hash };
	PGresult *res;

	if ((res = db_run(conn,
	    "INSERT INTO api_tokens (name, scope, selector, secret_sha256)"
	    " VALUES ($1::text, $2::text, $3::text, $4::text)",
	    4, p, PGRES_COMMAND_OK, f)) == NULL)
		return f->err;
	PQclear(res);
	return DNA_OK;
}

enum dna_err
store_token_list(PGconn *conn, store_token_fn fn, void *arg,
    struct dna_fail *f)
{
	struct store_token_info t;
	PGresult *res;
	int i, n;

	if ((res = db_run(conn,
	    "SELECT name, scope, " STORE_TOKEN_TS("created_at") ", "
	    STORE_TOKEN_TS("last_used_at") ", CASE WHEN revoked_at IS NULL"
	    " THEN 'live' ELSE 'revoked ' || " STORE_TOKEN_TS("revoked_at") " END"
	    " FROM api_tokens ORDER BY revoked_at IS NOT NULL, name, id",
	    0, NULL, PGRES_TUPLES_OK, f)) == NULL)
		return f->err;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		t.name = PQgetvalue(res, i, 0);
		t.scope = PQgetvalue(res, i, 1);
		t.created = PQgetvalue(res, i, 2);
		t.last_used = PQgetvalue(res, i, 3);
		t.state = PQgetvalue(res, i, 4);
		fn(arg, &t);
	}
	PQclear(res);
	return DNA_OK;
}

enum dna_err
store_token_revoke(PGconn *conn, const char *name, bool *revoked,
    struct dna_fail *f)
{
	const char *p[1] = { name };
	PGresult *res;

	if ((res = db_run(conn,
	    "UPDATE api_tokens SET revoked_at = now()"
	    " WHERE name = $1::text AND revoked_at IS NULL",
	    1, p, PGRES_COMMAND_OK, f)) == NULL)
		return f->err;
	*revoked = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	return DNA_OK;
}
