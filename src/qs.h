/*
 * qs.h: strict query-string parsing (application/x-www-form-urlencoded).
 * The caller names the parameters it takes; anything else, a repeat or a
 * malformed escape is an error naming the parameter. Values are decoded
 * ('+' is a space, %XX a byte) into memory the caller frees with qs_free().
 */
#ifndef QS_H
#define QS_H

#include <stdbool.h>
#include <stddef.h>

#include "dnadb.h"

struct qs_param {
	const char *name;   /* set by the caller; borrowed */
	char       *value;  /* decoded, NUL-terminated, owned; NULL if absent */
	size_t      len;    /* decoded length (the value may hold NUL bytes) */
};

/*
 * Parses qs[0..len) into params[0..n). Returns DNA_OK, or
 * DNA_E_INVALID_PARAMETER with "parameter" set in f, or DNA_E_INTERNAL if
 * memory ran out. On error the values decoded so far are still owned by
 * params: call qs_free() either way.
 */
enum dna_err qs_parse(const char *qs, size_t len, struct qs_param *params,
    size_t n, struct dna_fail *f);

/* Frees the decoded values and sets them to NULL. */
void qs_free(struct qs_param *params, size_t n);

#endif /* QS_H */
