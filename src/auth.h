/*
 * auth.h: API tokens. The token format, its generation and hashing, and
 * the check of a request's Authorization header against api_tokens.
 *
 * A token reads dnadb_<selector>_<secret>: a selector of 16 hex digits
 * (8 random bytes) that finds its row, and a secret of 43 base64url
 * characters (32 random bytes, 256 bits). Only the SHA-256 of the secret
 * is stored; the worker hashes what the client sent and compares the two
 * hashes in constant time. The token itself is never logged or stored.
 *
 * Scopes are ordered: a write token may also read.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "dnadb.h"

enum auth_scope {
	AUTH_NONE = 0,   /* no token needed (or none presented) */
	AUTH_READ,       /* search, get */
	AUTH_WRITE       /* also add, import, delete */
};

#define AUTH_SELECTOR_LEN  16
#define AUTH_SECRET_LEN    43
/* "dnadb_" selector "_" secret, and a NUL. */
#define AUTH_TOKEN_LEN     (6 + AUTH_SELECTOR_LEN + 1 + AUTH_SECRET_LEN)
#define AUTH_TOKEN_SIZE    (AUTH_TOKEN_LEN + 1)
#define AUTH_HASH_SIZE     65    /* SHA-256 in hex, and a NUL */
/* Longest Authorization header value looked at; longer is refused. */
#define AUTH_HEADER_MAX    256
/* Token names: what the api_tokens CHECK allows. */
#define AUTH_NAME_MAX      64

/* A token as the database knows it, after a successful check. */
struct auth_token {
	long long        id;
	char             name[AUTH_NAME_MAX + 1];
	enum auth_scope  scope;
};

/* "read" / "write" to a scope; AUTH_NONE if neither. */
enum auth_scope auth_scope_parse(const char *s);
const char *auth_scope_name(enum auth_scope s);

/* True if name is a valid token name (1..64 of [A-Za-z0-9._@-], first
 * alphanumeric). */
bool auth_name_valid(const char *name);

/*
 * Makes a new random token: token (AUTH_TOKEN_SIZE bytes) receives the
 * text to show once; selector (AUTH_SELECTOR_LEN + 1) and hash
 * (AUTH_HASH_SIZE) what to store. Returns 0, or -1 if the system's
 * random source or the hash failed.
 */
int auth_token_new(char *token, char *selector, char *hash);

/*
 * Parses an Authorization header value ("Bearer dnadb_..._..."; the
 * scheme in any case). On success fills selector and hash (of the
 * secret) and returns true; false if it is not a well-formed bearer
 * token of ours. Reads at most AUTH_HEADER_MAX bytes.
 */
bool auth_parse(const char *header, char *selector, char *hash);

/* Compares n bytes in time that does not depend on where they differ. */
bool auth_ct_equal(const char *a, const char *b, size_t n);

/*
 * Checks the Authorization header value of a request (not NULL) against
 * the database. DNA_OK with *tok filled; DNA_E_INVALID_TOKEN if it is
 * malformed, unknown or revoked; DNA_E_DB_UNAVAILABLE and friends if the
 * database cannot say. Refreshes the token's last-used time at most once
 * a minute (a failure to do so is logged, not reported).
 */
enum dna_err auth_check(struct store *st, const char *header,
    struct auth_token *tok, struct dna_fail *f);

#endif /* AUTH_H */
