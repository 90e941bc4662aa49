/*
 * seg.c: the segment scheme of the edit-distance index; see seg.h for the
 * filters and why they are exact.
 */
#include <stdlib.h>

#include "seg.h"

/* 2-bit codes of the bases; the caller has validated the alphabet. */
static const uint8_t seg_code[256] = {
	['A'] = 0, ['C'] = 1, ['G'] = 2, ['T'] = 3,
};

/* Tier key layout: flag, m, length, segment number, bases (low bits). */
#define SEG_TIER_FLAG   ((uint64_t)1 << 62)
#define SEG_TIER_M_SHIFT   57
#define SEG_TIER_LEN_SHIFT 49
#define SEG_TIER_I_SHIFT   44

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

/* The bases p[0..n) packed two bits each, first base most significant. */
static uint64_t
seg_pack(const char *p, size_t n)
{
	uint64_t code = 0;
	size_t j;

	for (j = 0; j < n; j++)
		code = code << 2 | seg_code[(unsigned char)p[j]];
	return code;
}

/* ---- Tiers ---- */

size_t
seg_tier_hi(size_t len)
{
	size_t k, m;

	if (len < SEG_TIER_MIN || len > SEG_TIER_MAX)
		return 0;
	k = len * SEG_TIER_PCT / 100;
	if (k < SEG_TIER_KMIN)
		k = SEG_TIER_KMIN;
	m = k + 1;
	if (m > SEG_TIER_MMAX)
		m = SEG_TIER_MMAX;
	if (m > len / SEG_TIER_SEGMIN)
		m = len / SEG_TIER_SEGMIN;
	return m;
}

size_t
seg_tier_lo(size_t len)
{
	/* ceil(3 m_hi / 4): segments a third longer than m_hi's. */
	return (3 * seg_tier_hi(len) + 3) / 4;
}

void
seg_part(size_t len, size_t m, size_t i, size_t *start, size_t *n)
{
	size_t q = len / m, r = len % m, shorter = m - r;

	/* PassJoin's even partition: m - r segments of q bases, then r of
	 * q + 1. */
	*start = i * q + (i > shorter ? i - shorter : 0);
	*n = q + (i >= shorter ? 1 : 0);
}

/* The key of segment i of tier m of a row of length len whose bases are
 * p[0..n). */
static int64_t
seg_tier_key(size_t m, size_t len, size_t i, const char *p, size_t n)
{
	return (int64_t)(SEG_TIER_FLAG | (uint64_t)m << SEG_TIER_M_SHIFT |
	    (uint64_t)len << SEG_TIER_LEN_SHIFT | (uint64_t)i << SEG_TIER_I_SHIFT |
	    seg_pack(p, n));
}

/* Writes the keys of tier m of s[0..len) into keys; returns m. */
static size_t
seg_tier_keys(const char *s, size_t len, size_t m, int64_t *keys)
{
	size_t i, start, n;

	for (i = 0; i < m; i++) {
		seg_part(len, m, i, &start, &n);
		keys[i] = seg_tier_key(m, len, i, s + start, n);
	}
	return m;
}

size_t
seg_tier_probe_cap(unsigned k)
{
	return ((size_t)k + 1) * (2 * (size_t)k + 1);
}

bool
seg_tier_probes(const char *q, size_t qlen, unsigned k, size_t len,
    const struct seg_plan *p, int64_t *keys, size_t *n, size_t cap)
{
	long d = (long)qlen - (long)len, lk = (long)k, tlo, thi, t, pos;
	size_t first = (p->m - ((size_t)k + 1)) / 2, r, i, start, sn;

	/* k + 1 segments of the tier, the middle ones (the ends of real
	 * sequences are the parts most alike: primers, V and J genes), each
	 * at the multi-match-aware shifts: the r-th chosen segment with at
	 * most r edits before it and at most k - r after it (see seg.h). */
	for (r = 0; r <= (size_t)k; r++) {
		i = first + r;
		seg_part(len, p->m, i, &start, &sn);
		tlo = -(long)r;
		if (d - (lk - (long)r) > tlo)
			tlo = d - (lk - (long)r);
		thi = (long)r;
		if (d + (lk - (long)r) < thi)
			thi = d + (lk - (long)r);
		for (t = tlo; t <= thi; t++) {
			pos = (long)start + t;
			if (pos < 0 || (size_t)pos + sn > qlen)
				continue;
			if (*n == cap)
				return false;
			keys[(*n)++] = seg_tier_key(p->m, len, i, q + pos, sn);
		}
	}
	return true;
}

/* ---- Slots ---- */

size_t
seg_slot_count(size_t len)
{
	size_t m = len / SEG_W, cap = len / SEG_PER_K + 1;

	if (len <= SEG_TIER_MAX)
		return 0;
	/* Every segment costs an index row on insert; a row needs only about
	 * k + 1 of them for the filter to work at k. Keep at least SEG_MIN,
	 * and enough that a query searched with k = 5 % of its length can
	 * use the index for every row of its length window, the shortest
	 * being 95 % of the query: len / 19 + 1 >= 0.05 len / 0.95 + 1
	 * (check_seg tests it). */
	if (cap < SEG_MIN)
		cap = SEG_MIN;
	return m > cap ? cap : m;
}

size_t
seg_slot(size_t i)
{
	/* The i-th segment (i >= SEG_MIN) is indexed from length
	 * SEG_PER_K i on (seg_slot_count()), whose last whole slot is
	 * SEG_PER_K i / SEG_W - 1: the farthest slot every such row has
	 * (check_seg tests that the first seg_slot_count(len) slots fit). */
	if (i < SEG_MIN)
		return i;
	return (size_t)SEG_PER_K * i / SEG_W - 1;
}

long
seg_need_of(size_t len, unsigned k, size_t segs)
{
	size_t m = seg_slot_count(len);

	return (long)(m < segs ? m : segs) - (long)k;
}

size_t
seg_slot_min_len(unsigned k)
{
	size_t len;

	/* seg_slot_count() is nondecreasing in the length: the first length
	 * with k + 1 slots. */
	len = (size_t)(k + 1) * SEG_W;
	if (len <= SEG_TIER_MAX)
		len = SEG_TIER_MAX + 1;
	for (; seg_slot_count(len) < (size_t)k + 1; len++)
		;
	return len;
}

/* The key of the slot i, whose bases start at p. */
static int64_t
seg_slot_key(const char *p, size_t i)
{
	return (int64_t)((uint64_t)i << 32 | seg_pack(p, SEG_W));
}

size_t
seg_probe_segs(unsigned k, size_t lo, size_t hi)
{
	size_t m = seg_slot_count(hi), mlo = seg_slot_count(lo);
	size_t u = SEG_PROBE_SLOTS;

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
	if (seg_slot_count(hi) <= SEG_PROBE_SLOTS)
		return j;
	return j * seg_slot_count(lo) / u;
}

size_t
seg_probe_cap(unsigned k, size_t lo, size_t hi)
{
	return seg_probe_segs(k, lo, hi) * (2 * (size_t)k + 1);
}

static int
seg_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

size_t
seg_sort_unique(int64_t *keys, size_t n)
{
	size_t i, o;

	if (n == 0)
		return 0;
	qsort(keys, n, sizeof(*keys), seg_cmp);
	for (i = 1, o = 1; i < n; i++)
		if (keys[i] != keys[o - 1])
			keys[o++] = keys[i];
	return o;
}

size_t
seg_probes(const char *q, size_t qlen, unsigned k, size_t lo, size_t hi,
    int64_t *keys, size_t cap)
{
	long dmin, dmax, tlo, thi, t, p;
	size_t u, j, slot, n = 0;

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
			keys[n++] = seg_slot_key(q + p, slot);
		}
	}
	return seg_sort_unique(keys, n);
}

/* ---- Both ---- */

struct seg_plan
seg_plan_of(size_t len, unsigned k)
{
	struct seg_plan p = { SEG_SCAN, 0, 0 };
	size_t lo = seg_tier_lo(len), hi = seg_tier_hi(len);

	if (len > SEG_TIER_MAX) {
		if (len >= seg_slot_min_len(k))
			p.how = SEG_SLOT;
		return p;
	}
	/* The tier with the longest segments that still has k + 1. */
	if (lo >= (size_t)k + 1)
		p.m = lo;
	else if (hi >= (size_t)k + 1)
		p.m = hi;
	else
		return p;
	p.how = SEG_TIER;
	p.need = 1;
	return p;
}

size_t
seg_count(size_t len)
{
	if (len > SEG_TIER_MAX)
		return seg_slot_count(len);
	return seg_tier_hi(len) + seg_tier_lo(len);
}

size_t
seg_keys(const char *s, size_t len, int64_t *keys)
{
	size_t m, i, n;

	if (len > SEG_TIER_MAX) {
		m = seg_slot_count(len);
		for (i = 0; i < m; i++)
			keys[i] = seg_slot_key(s + seg_slot(i) * SEG_W, seg_slot(i));
		return m;
	}
	if (seg_tier_hi(len) == 0)
		return 0;
	n = seg_tier_keys(s, len, seg_tier_lo(len), keys);
	return n + seg_tier_keys(s, len, seg_tier_hi(len), keys + n);
}
