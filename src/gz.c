/*
 * gz.c: streaming gunzip in front of a sink; see gz.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gz.h"

/* Inflated bytes handed to the sink at a time. */
#define GZ_OUT_CHUNK 65536

static const char *const gz_codes[GZ__MAX] = {
	[GZ_OK] = "ok",
	[GZ_NOT_GZIP] = "not_gzip",
	[GZ_CORRUPT] = "corrupt",
	[GZ_TRUNCATED] = "truncated",
	[GZ_TOO_LARGE] = "too_large",
	[GZ_SINK] = "sink",
	[GZ_NOMEM] = "out_of_memory",
};

const char *
gz_status_code(enum gz_status s)
{
	if ((int)s < 0 || s >= GZ__MAX)
		return "unknown";
	return gz_codes[s];
}

void
gz_init(struct gz *g, bool require, unsigned long long max_out,
    gz_sink sink, void *arg)
{
	memset(g, 0, sizeof(*g));
	g->require = require;
	g->max_out = max_out;
	g->sink = sink;
	g->arg = arg;
}

void
gz_free(struct gz *g)
{
	if (g->zinit)
		inflateEnd(&g->zs);
	g->zinit = false;
}

/* Records a refusal; returns false for the caller to return. */
static bool gz_fail(struct gz *g, enum gz_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
gz_fail(struct gz *g, enum gz_status s, const char *fmt, ...)
{
	va_list ap;

	g->status = s;
	va_start(ap, fmt);
	vsnprintf(g->err, sizeof(g->err), fmt, ap);
	va_end(ap);
	return false;
}

/* Hands inflated bytes to the sink, minding max_out: the bytes up to the
 * bound are handed over first, so that where a file is refused does not
 * depend on how its bytes were chunked. */
static bool
gz_out(struct gz *g, const unsigned char *buf, size_t len)
{
	size_t room = g->max_out - g->out < len ?
	    (size_t)(g->max_out - g->out) : len;

	g->out += room;
	if (room > 0 && !g->sink(g->arg, (const char *)buf, room))
		return gz_fail(g, GZ_SINK, "%s", "the inflated data was refused");
	if (room < len)
		return gz_fail(g, GZ_TOO_LARGE, "the file inflates to more than "
		    "%llu bytes", g->max_out);
	return true;
}

/* Inflates buf[0..len), starting a new member wherever one ended. */
static bool
gz_inflate(struct gz *g, const unsigned char *buf, size_t len)
{
	unsigned char out[GZ_OUT_CHUNK];
	size_t have;
	unsigned before;
	bool pending = false;   /* inflate may hold output it could not give */
	int rc;

	if (!g->zinit) {
		memset(&g->zs, 0, sizeof(g->zs));
		/* 16 + MAX_WBITS: a gzip wrapper, not zlib or raw deflate. */
		if (inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK)
			return gz_fail(g, GZ_NOMEM, "%s", "out of memory");
		g->zinit = true;
	}
	g->zs.next_in = buf;
	g->zs.avail_in = 0;
	for (;;) {
		/* avail_in is an unsigned int: a huge chunk goes in parts. */
		if (g->zs.avail_in == 0 && len > 0) {
			g->zs.avail_in = len > 1u << 30 ? 1u << 30 : (unsigned)len;
			len -= g->zs.avail_in;
		}
		if (g->zs.avail_in == 0 && !pending)
			break;
		/* After a member, anything but the next member's first byte
		 * (or anything after such bytes) is the tail: zero padding is
		 * allowed, other bytes are refused by gz_finish(). */
		if (!g->in_member && g->members > 0 &&
		    (g->tail > 0 || *g->zs.next_in != 0x1f)) {
			if (g->tail == 0)
				g->tail_at = g->used;
			for (have = 0; have < g->zs.avail_in; have++)
				if (g->zs.next_in[have] != 0)
					g->tail_junk = true;
			g->tail += g->zs.avail_in;
			g->used += g->zs.avail_in;
			g->zs.next_in += g->zs.avail_in;
			g->zs.avail_in = 0;
			continue;
		}
		if (!g->in_member) {
			if (g->members > 0 && inflateReset(&g->zs) != Z_OK)
				return gz_fail(g, GZ_NOMEM, "%s", "out of memory");
			g->in_member = true;
			g->members++;
		}
		g->zs.next_out = out;
		g->zs.avail_out = sizeof(out);
		before = g->zs.avail_in;
		rc = inflate(&g->zs, Z_NO_FLUSH);
		g->used += before - g->zs.avail_in;
		have = sizeof(out) - g->zs.avail_out;
		if (have > 0 && !gz_out(g, out, have))
			return false;
		pending = g->zs.avail_out == 0;
		switch (rc) {
		case Z_STREAM_END:
			g->in_member = false;
			pending = false;
			break;
		case Z_OK:
		case Z_BUF_ERROR:	/* no progress possible: needs more input */
			break;
		case Z_MEM_ERROR:
			return gz_fail(g, GZ_NOMEM, "%s", "out of memory");
		default:		/* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
			return gz_fail(g, GZ_CORRUPT, "gzip member %llu is corrupt "
			    "(%s) near byte %llu of the body", g->members,
			    g->zs.msg != NULL ? g->zs.msg : "invalid data", g->used);
		}
	}
	return true;
}

/* Decides from the first two bytes head[0..2) whether the body is gzip. */
static bool
gz_decide(struct gz *g, const unsigned char *two, size_t n)
{
	g->decided = true;
	g->gzip = n == 2 && two[0] == 0x1f && two[1] == 0x8b;
	if (!g->gzip && g->require)
		return gz_fail(g, GZ_NOT_GZIP, "the body was sent with "
		    "Content-Encoding: gzip but is not gzip (it does not start "
		    "with the bytes 1f 8b)");
	return true;
}

bool
gz_feed(struct gz *g, const char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	unsigned char two[2];

	if (g->status != GZ_OK)
		return false;
	if (len == 0)
		return true;
	g->in += len;
	if (!g->decided) {
		if (g->nhead + len < 2) {
			g->head[g->nhead++] = b[0];
			return true;
		}
		two[0] = g->nhead > 0 ? g->head[0] : b[0];
		two[1] = g->nhead > 0 ? b[0] : b[1];
		if (!gz_decide(g, two, 2))
			return false;
		/* Pass on the byte held back from an earlier call. */
		if (g->nhead > 0) {
			if (g->gzip ? !gz_inflate(g, g->head, 1) :
			    !g->sink(g->arg, (const char *)g->head, 1))
				return g->status != GZ_OK ? false :
				    gz_fail(g, GZ_SINK, "%s", "refused");
			g->nhead = 0;
		}
	}
	if (g->gzip)
		return gz_inflate(g, b, len);
	if (!g->sink(g->arg, buf, len))
		return gz_fail(g, GZ_SINK, "%s", "the data was refused");
	return true;
}

bool
gz_finish(struct gz *g)
{
	if (g->status != GZ_OK)
		return false;
	if (!g->decided) {
		if (!gz_decide(g, g->head, g->nhead))
			return false;
		if (g->nhead > 0 && !g->sink(g->arg, (const char *)g->head, 1))
			return gz_fail(g, GZ_SINK, "%s", "the data was refused");
		g->nhead = 0;
	}
	if (g->gzip && g->tail_junk)
		return gz_fail(g, GZ_CORRUPT, "%llu bytes after the end of the gzip "
		    "data (from byte %llu of the body) are not another gzip member",
		    g->tail, g->tail_at);
	if (g->gzip && g->in_member)
		return gz_fail(g, GZ_TRUNCATED, "the gzip data ends in the middle "
		    "of member %llu (the file is truncated)", g->members);
	return true;
}
