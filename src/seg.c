/*
 * seg.c: the segment scheme of the edit-distance index; see seg.h for the
 * filter and why it is exact.
 */
#include <stdlib.h>

#include "seg.h"

/* 2-bit codes of the bases; the caller has validated the alphabet. */
static const uint8_t seg_code[256] = {
	['A'] = 0, ['C'] = 1, ['G'] = 2, ['T'] = 3,
};

size_t
seg_count(size_t len)
{
	size_t m = len / SEG_W, cap = len / SEG_PER_K + 1;

	/* Every segment costs an index row on insert; a row needs only about
	 * k + 1 of them for the filter to work at k. Keep at least SEG_MIN
	 * (k <= SEG_MIN - 1 for every row long enough), and enough that a
	 * query searched with k = 5 % of its length can use the index for
	 * every row of its length window, the shortest being 95 % of the
	 * query: len / 19 + 1 >= 0.05 len / 0.95 + 1 (check_seg tests it). */
	if (cap < SEG_MIN)
		cap = SEG_MIN;
	return m > cap ? cap : m;
}

size_t
seg_slot(size_t i)
{
	/* The i-th segment (i >= SEG_MIN) is indexed from length
	 * SEG_PER_K i on (seg_count()), whose last whole slot is
	 * SEG_PER_K i / SEG_W - 1: the farthest slot every such row has
	 * (check_seg tests that the first seg_count(len) slots fit). */
	if (i < SEG_MIN)
		return i;
	return (size_t)SEG_PER_K * i / SEG_W - 1;
}

long
seg_need(size_t len, unsigned k)
{
	return (long)seg_count(len) - (long)k;
}

long
seg_need_of(size_t len, unsigned k, size_t segs)
{
	size_t m = seg_count(len);

	return (long)(m < segs ? m : segs) - (long)k;
}

size_t
seg_min_len(unsigned k)
{
	size_t len;

	/* seg_count() is nondecreasing in the length: the first length with
	 * k + 1 segments. */
	for (len = (size_t)(k + 1) * SEG_W; seg_count(len) < k + 1; len++)
		;
	return len;
}

/* The key of the segment in slot i, whose bases start at p. */
static int64_t
seg_key(const char *p, size_t i)
{
	uint32_t code = 0;
	size_t j;

	for (j = 0; j < SEG_W; j++)
		code = code << 2 | seg_code[(unsigned char)p[j]];
	return (int64_t)((uint64_t)i << 32 | code);
}

size_t
seg_keys(const char *s, size_t len, int64_t *keys)
{
	size_t m = seg_count(len), i;

	for (i = 0; i < m; i++)
		keys[i] = seg_key(s + seg_slot(i) * SEG_W, seg_slot(i));
	return m;
}

size_t
seg_probe_segs(unsigned k, size_t lo, size_t hi)
{
	size_t m = seg_count(hi), mlo = seg_count(lo), u = SEG_PROBE_SLOTS;

	if (m <= SEG_PROBE_SLOTS)
		return m;
	if (u < (size_t)k + 1)
		u = (size_t)k + 1;
	return u < mlo ? u : mlo;
}

/* The index (into seg_slot()) of the j-th of the u probed slots. */
static size_t
seg_probe_index(size_t j, size_t u, size_t lo, size_t hi)
{
	size_t m = seg_count(hi), mlo;

	if (m <= SEG_PROBE_SLOTS)
		return j;
	mlo = seg_count(lo);
	return j * mlo / u;
}

size_t
seg_probe_cap(unsigned k, size_t lo, size_t hi)
{
	return seg_probe_segs(k, lo, hi) * (2 * (size_t)k + 1);
}

/* floor(a / 2) and ceil(a / 2) for negative a too. */
static long
seg_floor2(long a)
{
	return a >= 0 ? a / 2 : -((-a + 1) / 2);
}

static long
seg_ceil2(long a)
{
	return a >= 0 ? (a + 1) / 2 : -((-a) / 2);
}

static int
seg_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

size_t
seg_probes(const char *q, size_t qlen, unsigned k, size_t lo, size_t hi,
    int64_t *keys, size_t cap)
{
	long dmin, dmax, tlo, thi, t, p;
	size_t u, j, slot, n = 0, i, o;

	if (lo > hi || lo == 0)
		return 0;
	/* Shifts allowed for some length in lo..hi (see seg.h), within [-k, k]. */
	dmin = (long)qlen - (long)hi;
	dmax = (long)qlen - (long)lo;
	tlo = seg_ceil2(dmin - (long)k);
	thi = seg_floor2(dmax + (long)k);
	if (tlo < -(long)k)
		tlo = -(long)k;
	if (thi > (long)k)
		thi = (long)k;
	u = seg_probe_segs(k, lo, hi);
	for (j = 0; j < u; j++) {
		slot = seg_slot(seg_probe_index(j, u, lo, hi));
		for (t = tlo; t <= thi; t++) {
			p = (long)(slot * SEG_W) + t;
			if (p < 0 || (size_t)p + SEG_W > qlen)
				continue;
			if (n == cap)
				return (size_t)-1;
			keys[n++] = seg_key(q + p, slot);
		}
	}
	if (n == 0)
		return 0;
	qsort(keys, n, sizeof(*keys), seg_cmp);
	for (i = 1, o = 1; i < n; i++)
		if (keys[i] != keys[o - 1])
			keys[o++] = keys[i];
	return o;
}
