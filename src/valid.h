/*
 * valid.h: validators for untrusted values. Each takes raw bytes and a
 * length (never trusting a NUL terminator), and either yields a typed value
 * or fills a struct dna_fail that names what is wrong and where. Handlers
 * only ever see values that passed through here.
 */
#ifndef VALID_H
#define VALID_H

#include <stdbool.h>
#include <stddef.h>

#include "dnadb.h"

/*
 * Checks that s[0..len) is a DNA sequence of 1..maxlen bases from ACGT in
 * either case, and folds it to upper case in place. On failure fills f with
 * err (DNA_E_INVALID_SEQUENCE for add, DNA_E_INVALID_PARAMETER for a query)
 * or DNA_E_SEQUENCE_TOO_LONG, the name of the field or parameter under
 * nameKey ("field" or "parameter"), and "position" (1-based) of the first
 * bad byte. name and nameKey are borrowed.
 */
enum dna_err valid_dna(char *s, size_t len, size_t maxlen, enum dna_err err,
    const char *nameKey, const char *name, struct dna_fail *f);

/* Returns the 0-based offset of the first byte of s[0..len) that is not in
 * ACGTacgt, or len if there is none. */
size_t valid_dna_scan(const char *s, size_t len);

/*
 * Parses s[0..len) as a plain decimal integer (digits only: no sign, no
 * spaces; overflow past LLONG_MAX is rejected) in [min, max]. True and
 * *out on success.
 */
bool valid_uint(const char *s, size_t len, long long min, long long max,
    long long *out);

/* Returns the offset of the first byte of s[0..len) that does not belong
 * to well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF), or len if it is all well-formed. */
size_t valid_utf8(const unsigned char *s, size_t len);

#endif /* VALID_H */
