/*
 * token.h: administration of API tokens for the operator's tool
 * (dnadb token create|list|revoke), over the owner's connection. The
 * token format and the request-time check are in auth.h.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stdio.h>

#include "auth.h"
#include "store.h"

/* Creates a token; prints it alone on a line to out (the only time it is
 * ever shown) and a note to err. Returns 0, 1 on failure (said on err),
 * 2 for a bad name. A live token of the same name is an error. */
int token_create(PGconn *conn, const char *name, enum auth_scope scope,
    FILE *out, FILE *err);

/* Lists every token: name, scope, created, last used, state. */
int token_list(PGconn *conn, FILE *out, FILE *err);

/* Revokes the live token called name. 0, or 1 if there is none. */
int token_revoke(PGconn *conn, const char *name, FILE *out, FILE *err);

#endif /* TOKEN_H */
