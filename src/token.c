/*
 * token.c: dnadb token create|list|revoke; see token.h.
 */
#include <string.h>

#include "token.h"

/* Prints why a statement failed: the server's words. */
static void
token_fail(FILE *err, const struct dna_fail *f)
{
	fprintf(err, "dnadb token: %s\n", f->detail[0] != '\0' ? f->detail :
	    f->msg);
}

int
token_create(PGconn *conn, const char *name, enum auth_scope scope,
    FILE *out, FILE *err)
{
	char token[AUTH_TOKEN_SIZE], selector[AUTH_SELECTOR_LEN + 1],
	    hash[AUTH_HASH_SIZE];
	struct dna_fail f;
	int rc = 1;

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
	fail_init(&f);
	if (store_token_insert(conn, name, auth_scope_name(scope), selector, hash,
	    &f) == DNA_OK) {
		fprintf(out, "%s\n", token);
		fflush(out);
		fprintf(err, "dnadb token: created %s token '%s'. This is the only "
		    "time it is shown: keep it safe (it is stored only as a hash).\n",
		    auth_scope_name(scope), name);
		rc = 0;
	} else if (f.err == DNA_E_DUPLICATE)
		fprintf(err, "dnadb token: a live token is already called "
		    "'%s'; revoke it first or choose another name\n", name);
	else
		token_fail(err, &f);
	fail_clear(&f);
	explicit_bzero(token, sizeof(token));
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

/* store_token_fn: one line of the list. */
static void
token_line(void *arg, const struct store_token_info *t)
{
	fprintf(arg, "%-24s %-6s %-20s %-20s %s\n", t->name, t->scope,
	    t->created, t->last_used, t->state);
}

int
token_list(PGconn *conn, FILE *out, FILE *err)
{
	struct dna_fail f;
	int rc = 0;

	fail_init(&f);
	fprintf(out, "%-24s %-6s %-20s %-20s %s\n", "NAME", "SCOPE",
	    "CREATED (UTC)", "LAST USED (UTC)", "STATE");
	if (store_token_list(conn, token_line, out, &f) != DNA_OK) {
		token_fail(err, &f);
		rc = 1;
	}
	fail_clear(&f);
	return rc;
}

int
token_revoke(PGconn *conn, const char *name, FILE *out, FILE *err)
{
	struct dna_fail f;
	bool revoked;
	int rc = 1;

	fail_init(&f);
	if (store_token_revoke(conn, name, &revoked, &f) != DNA_OK)
		token_fail(err, &f);
	else if (!revoked)
		fprintf(err, "dnadb token: no live token is called '%.80s'\n", name);
	else {
		fprintf(out, "revoked token '%s': requests with it now get 401\n",
		    name);
		rc = 0;
	}
	fail_clear(&f);
	return rc;
}
