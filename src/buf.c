/*
 * buf.c: bounded growable buffers; see buf.h for the contract.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b, b->max);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

bool
buf_reserve(struct buf *b, size_t n)
{
	size_t need, ncap;
	char *np;

	if (n > b->max || b->len > b->max - n)
		return false;
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		return false;
	b->p = np;
	b->cap = ncap;
	return true;
}

bool
buf_append(struct buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return false;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

bool
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}
