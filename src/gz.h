/*
 * gz.h: streaming gunzip in front of a byte sink. Bytes are pushed in
 * chunks of any size; a body that starts with the gzip magic (1f 8b) is
 * inflated, member after member (bgzip and `cat a.gz b.gz` write several),
 * and the inflated bytes are handed to the sink as they come; any other
 * body is handed over unchanged, unless gzip was required (the request
 * said Content-Encoding: gzip). Memory is one z_stream and one output
 * buffer, whatever the size of the file.
 *
 * The inflated size is bounded by max_out (a decompression bomb is
 * refused as GZ_TOO_LARGE as soon as it passes the bound); the compressed
 * size is the caller's to bound.
 *
 * Zero bytes after the last member (padding, as gzip(1) accepts) are
 * ignored; any other bytes there that do not start a member (0x1f) make
 * the body GZ_CORRUPT at gz_finish(), with their count.
 */
#ifndef GZ_H
#define GZ_H

#include <stdbool.h>
#include <stddef.h>

/* next_in is const: the input is never written. */
#define ZLIB_CONST
#include <zlib.h>

enum gz_status {
	GZ_OK = 0,
	GZ_NOT_GZIP,    /* gzip was required, the body does not start with 1f 8b */
	GZ_CORRUPT,     /* not a valid gzip stream (bad header, data or CRC) */
	GZ_TRUNCATED,   /* the body ends inside a gzip member */
	GZ_TOO_LARGE,   /* more than max_out bytes once inflated */
	GZ_SINK,        /* the sink refused bytes */
	GZ_NOMEM,
	GZ__MAX
};

/* Receives buf[0..len); returns false to stop (GZ_SINK). */
typedef bool (*gz_sink)(void *arg, const char *buf, size_t len);

struct gz {
	bool                require;   /* refuse a body that is not gzip */
	bool                decided;   /* the first two bytes have been seen */
	bool                gzip;      /* ... and they are the gzip magic */
	bool                zinit;     /* zs is initialised */
	bool                in_member; /* inside a member (not at its end) */
	unsigned char       head[2];   /* the first byte, while undecided */
	size_t              nhead;
	z_stream            zs;
	unsigned long long  max_out, in, out;
	unsigned long long  used;      /* compressed bytes inflate has read */
	unsigned long long  members;   /* members begun */
	unsigned long long  tail;      /* bytes after the last member */
	unsigned long long  tail_at;   /* ... from this byte of the body */
	bool                tail_junk; /* ... not all of them zero */
	gz_sink             sink;
	void               *arg;
	enum gz_status      status;
	char                err[200];
};

/* Prepares g. require: the body must be gzip. max_out bounds the inflated
 * bytes. Allocates nothing until gzip bytes arrive; release with
 * gz_free(). */
void gz_init(struct gz *g, bool require, unsigned long long max_out,
    gz_sink sink, void *arg);
void gz_free(struct gz *g);

/* Passes buf[0..len) on. Returns false once refused (g->status, g->err);
 * later calls do nothing. */
bool gz_feed(struct gz *g, const char *buf, size_t len);

/* Ends the body: a body that ends inside a member is GZ_TRUNCATED. */
bool gz_finish(struct gz *g);

/* The API's snake_case name of a status, e.g. "truncated". */
const char *gz_status_code(enum gz_status s);

#endif /* GZ_H */
