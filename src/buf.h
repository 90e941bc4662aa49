/*
 * buf.h: growable byte buffers with a hard maximum (in the manner of curl's
 * dynbuf). Appending past the maximum fails and leaves the buffer as it
 * was; nothing is ever truncated silently. The contents are always
 * NUL-terminated for convenience, but may hold NUL bytes: len is the truth.
 */
#ifndef BUF_H
#define BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char   *p;    /* owned; NULL until the first append */
	size_t  len;  /* bytes in use, not counting the terminating NUL */
	size_t  cap;  /* bytes allocated */
	size_t  max;  /* largest len allowed */
};

/* Makes an empty buffer that may grow to max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Frees the contents; the buffer is empty (and reusable) afterwards. */
void buf_free(struct buf *b);
/* Empties the buffer but keeps its memory for reuse. */
void buf_reset(struct buf *b);
/* Makes room for n more bytes. False if that would pass max or memory ran
 * out; the buffer is unchanged then. */
bool buf_reserve(struct buf *b, size_t n);
/* Appends n bytes. False (and unchanged) past max or without memory. */
bool buf_append(struct buf *b, const void *p, size_t n);
/* Appends a printf-formatted string. False (and unchanged) past max. */
bool buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* BUF_H */
