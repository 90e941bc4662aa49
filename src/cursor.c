/*
 * cursor.c: encoding and strict decoding of search cursors; see cursor.h.
 * The plain text is "c1.<distance>.<id>.<fp as 16 hex digits>".
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "valid.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint64_t
cursor_fingerprint(const char *q, size_t qlen, unsigned k)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	h = (h ^ (uint64_t)k) * 0x100000001b3ULL;
	h = (h ^ (uint64_t)(k >> 8)) * 0x100000001b3ULL;
	for (i = 0; i < qlen; i++)
		h = (h ^ (unsigned char)q[i]) * 0x100000001b3ULL;
	return h;
}

size_t
cursor_encode(const struct cursor *c, char *out)
{
	char plain[80];
	size_t n, i, o = 0;
	uint32_t v;
	int pn;

	pn = snprintf(plain, sizeof(plain), "c1.%u.%lld.%016llx", c->distance,
	    c->id, (unsigned long long)c->fp);
	n = pn < 0 ? 0 : (size_t)pn;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)(unsigned char)plain[i] << 16 |
		    (uint32_t)(unsigned char)plain[i + 1] << 8 |
		    (uint32_t)(unsigned char)plain[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)(unsigned char)plain[i] << 16;
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)(unsigned char)plain[i] << 16 |
		    (uint32_t)(unsigned char)plain[i + 1] << 8;
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

static int
cursor_b64val(unsigned char ch)
{
	const char *p;

	if (ch == '\0' || (p = strchr(b64, ch)) == NULL)
		return -1;
	return (int)(p - b64);
}

/* Parses one '.'-terminated (or final) decimal field of plain text. */
static bool
cursor_field(const char **p, const char *end, long long max, long long *out)
{
	const char *dot = memchr(*p, '.', (size_t)(end - *p));
	const char *stop = dot != NULL ? dot : end;

	if (!valid_uint(*p, (size_t)(stop - *p), 0, max, out))
		return false;
	*p = dot != NULL ? dot + 1 : end;
	return dot != NULL;
}

bool
cursor_decode(const char *s, size_t len, struct cursor *c)
{
	char plain[DNA_CURSOR_MAX];
	size_t i, o = 0;
	uint32_t v = 0;
	int bits = 0, d;
	const char *p, *end;
	long long dist, id;
	uint64_t fp = 0;

	if (len == 0 || len > DNA_CURSOR_MAX || len % 4 == 1)
		return false;
	for (i = 0; i < len; i++) {
		if ((d = cursor_b64val((unsigned char)s[i])) < 0)
			return false;
		v = (v << 6 | (uint32_t)d) & 0xffffffu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= sizeof(plain))
				return false;
			plain[o++] = (char)(v >> bits & 0xff);
		}
	}
	/* Canonical form only: leftover bits must be zero. */
	if ((v & ((1u << bits) - 1)) != 0)
		return false;
	p = plain;
	end = plain + o;
	if (o < 3 || memcmp(p, "c1.", 3) != 0)
		return false;
	p += 3;
	if (!cursor_field(&p, end, DNA_K_CAP_HARD, &dist))
		return false;
	if (!cursor_field(&p, end, LLONG_MAX, &id) || id < 1)
		return false;
	if (end - p != 16)
		return false;
	for (; p < end; p++) {
		if ((d = (*p >= '0' && *p <= '9') ? *p - '0' :
		    (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 : -1) < 0)
			return false;
		fp = fp << 4 | (uint64_t)d;
	}
	c->distance = (unsigned)dist;
	c->id = id;
	c->fp = fp;
	return true;
}
