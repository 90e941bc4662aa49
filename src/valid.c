/*
 * valid.c: validation of DNA strings and decimal integers; see valid.h.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "valid.h"

/* Upper-case base for each byte, 0 for a byte that is not a base. A table
 * rather than a chain of ifs: one load per byte, and the rule is visible. */
static const unsigned char dna_fold[256] = {
	['A'] = 'A', ['C'] = 'C', ['G'] = 'G', ['T'] = 'T',
	['a'] = 'A', ['c'] = 'C', ['g'] = 'G', ['t'] = 'T',
};

size_t
valid_dna_scan(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (dna_fold[(unsigned char)s[i]] == 0)
			return i;
	return len;
}

/* Describes a byte for an error message: printable ASCII as itself, other
 * bytes as a hex escape. out must hold at least 8 bytes. */
static void
valid_describe_byte(unsigned char c, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";

	if (c >= 0x20 && c < 0x7f && c != '\'' && c != '"' && c != '\\') {
		out[0] = (char)c;
		out[1] = '\0';
	} else if (outsz >= 5) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		out[4] = '\0';
	}
}

enum dna_err
valid_dna(char *s, size_t len, size_t maxlen, enum dna_err err,
    const char *nameKey, const char *name, struct dna_fail *f)
{
	char what[8];
	size_t bad, i;

	if (len == 0) {
		fail_set(f, err, "%s: must hold at least one base (A, C, G or T)", name);
		fail_str(f, nameKey, name);
		return err;
	}
	if (len > maxlen) {
		fail_set(f, err == DNA_E_INVALID_SEQUENCE ?
		    DNA_E_SEQUENCE_TOO_LONG : err,
		    "%s: %zu bases is more than the maximum of %zu", name, len, maxlen);
		fail_str(f, nameKey, name);
		fail_int(f, "length", (long long)len);
		fail_int(f, "max_length", (long long)maxlen);
		return f->err;
	}
	bad = valid_dna_scan(s, len);
	if (bad < len) {
		valid_describe_byte((unsigned char)s[bad], what, sizeof(what));
		fail_set(f, err, "%s: '%s' at position %zu is not one of A, C, G, T",
		    name, what, bad + 1);
		fail_str(f, nameKey, name);
		fail_int(f, "position", (long long)bad + 1);
		return err;
	}
	for (i = 0; i < len; i++)
		s[i] = (char)dna_fold[(unsigned char)s[i]];
	return DNA_OK;
}

bool
valid_uint(const char *s, size_t len, long long min, long long max,
    long long *out)
{
	long long v = 0;
	size_t i;
	int d;

	if (len == 0 || len > 19)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = s[i] - '0';
		if (v > (LLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

size_t
valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1fu;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0fu;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07u;
		} else
			return i; /* continuation byte, 0xc0/0xc1 (overlong) or > 0xf4 */
		if (len - i <= n)
			return i;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return i;
		i += n + 1;
	}
	return len;
}
