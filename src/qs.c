/*
 * qs.c: query-string parsing; see qs.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qs.h"

static int
qs_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes s[0..len) into out (at least len + 1 bytes). Returns the decoded
 * length, or (size_t)-1 on a malformed %-escape.
 */
static size_t
qs_decode(const char *s, size_t len, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (len - i < 3)
				return (size_t)-1;
			hi = qs_hex((unsigned char)s[i + 1]);
			lo = qs_hex((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return (size_t)-1;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return o;
}

/* Copies a decoded name into a printable form for messages: at most 40
 * bytes, anything but printable ASCII shown as '?'. */
static void
qs_printable(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i, n = len < outsz - 1 ? len : outsz - 1;

	if (n > 40)
		n = 40;
	for (i = 0; i < n; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' &&
		    s[i] != '\\') ? s[i] : '?';
	out[n] = '\0';
}

/* Writes the names of params[0..n), comma-separated, into out (outsz
 * bytes, NUL-terminated; cut short if it does not fit). */
static void
qs_names(const struct qs_param *params, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(out + o, outsz - o, "%s%s", i > 0 ? ", " : "",
		    params[i].name);
		if (w < 0 || (size_t)w >= outsz - o)
			return;
		o += (size_t)w;
	}
}

enum dna_err
qs_parse(const char *qs, size_t len, struct qs_param *params, size_t n,
    struct dna_fail *f)
{
	const char *seg, *end, *eq, *amp;
	char *name = NULL, *val = NULL, shown[48], known[160];
	size_t seglen, nlen, vlen, i;
	enum dna_err rc = DNA_OK;

	for (i = 0; i < n; i++) {
		params[i].value = NULL;
		params[i].len = 0;
	}
	if (len > (size_t)DNA_QS_BYTES_MAX) {
		fail_set(f, DNA_E_INVALID_PARAMETER, "the query string is too long");
		fail_str(f, "parameter", "");
		return DNA_E_INVALID_PARAMETER;
	}
	end = qs + len;
	for (seg = qs; seg < end; seg = amp + 1) {
		if ((amp = memchr(seg, '&', (size_t)(end - seg))) == NULL)
			amp = end;
		seglen = (size_t)(amp - seg);
		if (seglen == 0)
			continue;
		eq = memchr(seg, '=', seglen);
		nlen = eq != NULL ? (size_t)(eq - seg) : seglen;
		if ((name = malloc(nlen + 1)) == NULL) {
			rc = fail_set(f, DNA_E_INTERNAL, NULL);
			goto out;
		}
		if ((nlen = qs_decode(seg, nlen, name)) == (size_t)-1) {
			fail_set(f, DNA_E_INVALID_PARAMETER,
			    "a parameter name has a malformed %%-escape");
			fail_str(f, "parameter", "");
			rc = DNA_E_INVALID_PARAMETER;
			goto out;
		}
		for (i = 0; i < n; i++)
			if (strlen(params[i].name) == nlen &&
			    memcmp(params[i].name, name, nlen) == 0)
				break;
		if (i == n) {
			qs_printable(name, nlen, shown, sizeof(shown));
			qs_names(params, n, known, sizeof(known));
			fail_set(f, DNA_E_INVALID_PARAMETER,
			    "unknown parameter '%s': this endpoint takes %s%s", shown,
			    n == 0 ? "no query parameters" : "only ", known);
			fail_str(f, "parameter", shown);
			rc = DNA_E_INVALID_PARAMETER;
			goto out;
		}
		if (params[i].value != NULL) {
			fail_set(f, DNA_E_INVALID_PARAMETER,
			    "%s: given more than once", params[i].name);
			fail_str(f, "parameter", params[i].name);
			rc = DNA_E_INVALID_PARAMETER;
			goto out;
		}
		vlen = eq != NULL ? (size_t)(amp - eq - 1) : 0;
		if ((val = malloc(vlen + 1)) == NULL) {
			rc = fail_set(f, DNA_E_INTERNAL, NULL);
			goto out;
		}
		if ((vlen = qs_decode(eq != NULL ? eq + 1 : amp, vlen, val)) ==
		    (size_t)-1) {
			fail_set(f, DNA_E_INVALID_PARAMETER,
			    "%s: malformed %%-escape", params[i].name);
			fail_str(f, "parameter", params[i].name);
			rc = DNA_E_INVALID_PARAMETER;
			goto out;
		}
		params[i].value = val;
		params[i].len = vlen;
		val = NULL;
		free(name);
		name = NULL;
	}
out:
	free(name);
	free(val);
	return rc;
}

void
qs_free(struct qs_param *params, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(params[i].value);
		params[i].value = NULL;
		params[i].len = 0;
	}
}
