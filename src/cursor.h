/*
 * cursor.h: the opaque search cursor. A cursor is the position after the
 * last result of a page, (distance, id), bound to the query it was issued
 * for by a fingerprint of (q, max_distance). It is text in base64url so it
 * travels in a URL unescaped. It carries no secret and grants nothing: a
 * forged cursor can only select a different page of the same query.
 */
#ifndef CURSOR_H
#define CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnadb.h"

struct cursor {
	unsigned  distance;  /* of the last result returned */
	long long id;        /* of the last result returned */
	uint64_t  fp;        /* cursor_fingerprint() of its query */
};

/* The fingerprint of a query: FNV-1a over k and the (upper-cased) bases. */
uint64_t cursor_fingerprint(const char *q, size_t qlen, unsigned k);

/* Writes the cursor's text into out (DNA_CURSOR_MAX + 1 bytes), NUL
 * terminated. Returns its length. */
size_t cursor_encode(const struct cursor *c, char *out);

/* Parses s[0..len). False if it is not a cursor this server wrote. */
bool cursor_decode(const char *s, size_t len, struct cursor *c);

#endif /* CURSOR_H */
