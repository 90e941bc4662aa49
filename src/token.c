/*
 * token.c: dnadb token create|list|revoke; see token.h.
 */
#include <string.h>

#include "token.h"

#define TOKEN_TS(col) \
	"coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-')"

int
token_create(PGconn *conn, const char *name, enum auth_scope scope,
    FILE *out, FILE *err)
{
	char token[AUTH_TOKEN_SIZE], selector[AUTH_SELECTOR_LEN + 1],
	    hash[AUTH_HASH_SIZE];
	const char *p[4] = { name, auth_scope_name(scope), selector, hash };
	PGresult *res;
	const char *state;
	int rc;

	if (!auth_name_valid(name)) {
		fprintf(err, "dnadb token: a name is 1 to %d letters, digits or "
		    "._@- and starts with a letter or digit (got '%.80s')\n",
		    AUTH_NAME_MAX, name);
		return 2;
	}
	if (scope != AUTH_READ && scope != AUTH_WRITE) {
		fprintf(err, "dnadb token: the scope is read or write\n");
		return 2;
	}
	if (auth_token_new(token, selector, hash) != 0) {
		fprintf(err, "dnadb token: the system's random source failed\n");
		return 1;
	}
	res = PQexecParams(conn,
	    "INSERT INTO api_tokens (name, scope, selector, secret_sha256)"
	    " VALUES ($1::text, $2::text, $3::text, $4::text)",
	    4, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		fprintf(out, "%s\n", token);
		fflush(out);
		fprintf(err, "dnadb token: created %s token '%s'. This is the only "
		    "time it is shown: keep it safe (it is stored only as a hash).\n",
		    auth_scope_name(scope), name);
		rc = 0;
	} else {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state != NULL && strcmp(state, "23505") == 0)
			fprintf(err, "dnadb token: a live token is already called "
			    "'%s'; revoke it first or choose another name\n", name);
		else
			fprintf(err, "dnadb token: %s", PQerrorMessage(conn));
		rc = 1;
	}
	PQclear(res);
	explicit_bzero(token, sizeof(token));
	return rc;
}

int
token_list(PGconn *conn, FILE *out, FILE *err)
{
	PGresult *res;
	int i, n;

	res = PQexecParams(conn,
	    "SELECT name, scope, " TOKEN_TS("created_at") ", "
	    TOKEN_TS("last_used_at") ", CASE WHEN revoked_at IS NULL THEN 'live'"
	    " ELSE 'revoked ' || " TOKEN_TS("revoked_at") " END"
	    " FROM api_tokens ORDER BY revoked_at IS NOT NULL, name, id",
	    0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(err, "dnadb token: %s", PQerrorMessage(conn));
		PQclear(res);
		return 1;
	}
	n = PQntuples(res);
	fprintf(out, "%-24s %-6s %-20s %-20s %s\n", "NAME", "SCOPE",
	    "CREATED (UTC)", "LAST USED (UTC)", "STATE");
	for (i = 0; i < n; i++)
		fprintf(out, "%-24s %-6s %-20s %-20s %s\n", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
	PQclear(res);
	return 0;
}

int
token_revoke(PGconn *conn, const char *name, FILE *out, FILE *err)
{
	const char *p[1] = { name };
	PGresult *res;
	int rc;

	res = PQexecParams(conn,
	    "UPDATE api_tokens SET revoked_at = now()"
	    " WHERE name = $1::text AND revoked_at IS NULL",
	    1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(err, "dnadb token: %s", PQerrorMessage(conn));
		rc = 1;
	} else if (strcmp(PQcmdTuples(res), "1") != 0) {
		fprintf(err, "dnadb token: no live token is called '%.80s'\n", name);
		rc = 1;
	} else {
		fprintf(out, "revoked token '%s': requests with it now get 401\n",
		    name);
		rc = 0;
	}
	PQclear(res);
	return rc;
}
