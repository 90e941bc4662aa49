/*
 * check_seg.c: the segment scheme of the index (src/seg.c). The property
 * that makes search exact: for any stored s and query q with ed(q, s) <= k
 * whose length is filtered at k (seg_plan_of()), s shares at least the
 * plan's need of keys with the probes of q for a window holding |s|.
 * Checked on seeded random pairs at every length and k where the tiers or
 * the slots change, with a plain DP as the judge of ed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lev_ref.h"
#include "seg.h"
#include "testrng.h"

static void
fill(struct rng *r, char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = "ACGT"[rng_below(r, 4)];
}

/* Applies e random edits to a[0..la) into b; returns the new length. */
static size_t
mutate(struct rng *r, const char *a, size_t la, char *b, size_t e)
{
	size_t lb = la, p, i;

	memcpy(b, a, la);
	for (i = 0; i < e; i++) {
		switch (rng_below(r, 3)) {
		case 0:
			if (lb == 0)
				break;
			b[rng_below(r, lb)] = "ACGT"[rng_below(r, 4)];
			break;
		case 1:
			p = rng_below(r, lb + 1);
			memmove(b + p + 1, b + p, lb - p);
			b[p] = "ACGT"[rng_below(r, 4)];
			lb++;
			break;
		default:
			if (lb <= 1)
				break;
			p = rng_below(r, lb);
			memmove(b + p, b + p + 1, lb - p - 1);
			lb--;
		}
	}
	return lb;
}

/* A tier key holds the tier, the row's length, the segment's number and
 * its bases; a slot key the slot number and 12 bases. */
START_TEST(test_seg_keys_pack_bases)
{
	int64_t keys[64];
	char s[400];
	size_t n, start, len;
	uint64_t k0;

	memset(s, 'A', sizeof(s));
	s[0] = 'C';
	s[44] = 'T';
	/* 45 bases: tier 7 (segments 6, 6, 6, 6, 7, 7, 7) then tier 9
	 * (segments of 5). */
	ck_assert_uint_eq(seg_tier_hi(45), 9);
	ck_assert_uint_eq(seg_tier_lo(45), 7);
	n = seg_keys(s, 45, keys);
	ck_assert_uint_eq(n, 16);
	k0 = (uint64_t)1 << 62 | (uint64_t)7 << 57 | (uint64_t)45 << 49;
	ck_assert(keys[0] == (int64_t)(k0 | (uint64_t)1 << 10));  /* CAAAAA */
	ck_assert(keys[1] == (int64_t)(k0 | (uint64_t)1 << 44));
	ck_assert(keys[6] == (int64_t)(k0 | (uint64_t)6 << 44 | 3)); /* AAAAAAT */
	seg_part(45, 7, 6, &start, &len);
	ck_assert_uint_eq(start, 38);
	ck_assert_uint_eq(len, 7);
	seg_part(46, 7, 3, &start, &len);   /* 6, 6, 6, 7, 7, 7, 7 */
	ck_assert_uint_eq(start, 18);
	ck_assert_uint_eq(len, 7);
	ck_assert(keys[7] == (int64_t)((uint64_t)1 << 62 | (uint64_t)9 << 57 |
	    (uint64_t)45 << 49 | (uint64_t)1 << 8));              /* CAAAA (5) */
	/* Slots, beyond SEG_TIER_MAX bases. */
	memset(s, 'A', sizeof(s));
	s[11] = 'C';
	s[12] = 'T';
	n = seg_keys(s, 300, keys);
	ck_assert_uint_eq(n, seg_slot_count(300));
	ck_assert(keys[0] == 1);                              /* ...AAAC */
	ck_assert(keys[1] == ((int64_t)1 << 32 | (int64_t)3 << 22)); /* TAAA... */
	ck_assert_uint_eq(seg_count(15), 0);
	ck_assert_uint_eq(seg_count(16), 4 + 3);
	ck_assert_uint_eq(seg_count(45), 9 + 7);
	ck_assert_uint_eq(seg_count(115), 21 + 16);
	ck_assert_uint_eq(seg_count(150), 24 + 18);
	ck_assert_uint_eq(seg_count(255), 24 + 18);
	ck_assert_uint_eq(seg_count(256), 256 / 19 + 1);
	ck_assert_uint_eq(seg_count(5000), 5000 / 19 + 1);   /* no cap */
	ck_assert_uint_eq(seg_count(67000), 3527);
}
END_TEST

/* Every tier of every length is an even partition of the whole row,
 * with segments of SEG_TIER_SEGMIN..SEG_TIER_SEGMAX bases (the key has
 * room for SEG_TIER_SEGMAX), and m_lo < m_hi. */
START_TEST(test_seg_tiers_partition_the_row)
{
	size_t len, t, m, i, start, n, at, lo, hi;

	ck_assert_uint_eq(seg_tier_hi(SEG_TIER_MIN - 1), 0);
	ck_assert_uint_eq(seg_tier_hi(SEG_TIER_MAX + 1), 0);
	for (len = SEG_TIER_MIN; len <= SEG_TIER_MAX; len++) {
		lo = seg_tier_lo(len);
		hi = seg_tier_hi(len);
		ck_assert_msg(lo >= 3 && lo < hi && hi <= SEG_TIER_MMAX,
		    "len %zu: tiers %zu, %zu", len, lo, hi);
		for (t = 0; t < 2; t++) {
			m = t == 0 ? lo : hi;
			for (i = 0, at = 0; i < m; i++) {
				seg_part(len, m, i, &start, &n);
				ck_assert_uint_eq(start, at);
				ck_assert_msg(n >= SEG_TIER_SEGMIN && n <= SEG_TIER_SEGMAX,
				    "len %zu m %zu segment %zu: %zu bases", len, m, i, n);
				ck_assert(n == len / m || n == len / m + 1);
				at += n;
			}
			ck_assert_uint_eq(at, len);
		}
	}
}
END_TEST

/* What the index filters, as docs/api.md states it: rows of 28-255 bases
 * at every k up to 18 % of their length (at least 6, at most 23), each
 * with a tier of k + 1 segments or more, the one with the longest
 * segments; beyond that, those lengths are scanned. So a query searched
 * at up to 15 % of its own length (at least 6, at most 23) finds every
 * row of 28-255 bases in its window indexed. */
START_TEST(test_seg_tiers_serve_fifteen_percent)
{
	struct seg_plan p;
	size_t len, kmax, q;
	unsigned k;

	for (len = 28; len <= SEG_TIER_MAX; len++) {
		kmax = len * 18 / 100;
		kmax = kmax < 6 ? 6 : kmax > 23 ? 23 : kmax;
		for (k = 1; k <= kmax; k++) {
			p = seg_plan_of(len, k);
			ck_assert_msg(p.how == SEG_TIER, "len %zu k %u not filtered",
			    len, k);
			ck_assert_uint_ge(p.m, k + 1);
			ck_assert_int_eq(p.need, 1);
			ck_assert_uint_eq(p.m, k + 1 <= seg_tier_lo(len) ?
			    seg_tier_lo(len) : seg_tier_hi(len));
		}
		ck_assert(seg_plan_of(len, (unsigned)seg_tier_hi(len)).how ==
		    SEG_SCAN);
	}
	for (len = 1; len < SEG_TIER_MIN; len++)
		ck_assert(seg_plan_of(len, 1).how == SEG_SCAN);
	ck_assert(seg_plan_of(300, 3).how == SEG_SLOT);
	ck_assert(seg_plan_of(300, 30).how == SEG_SCAN);
	for (q = 28; q <= 300; q++) {
		kmax = q * 15 / 100;
		kmax = kmax < 6 ? 6 : kmax > 23 ? 23 : kmax;
		for (k = 1; k <= kmax; k++)
			for (len = q - k; len <= q + k; len++)
				if (len >= 28 && len <= SEG_TIER_MAX)
					ck_assert_msg(seg_plan_of(len, k).how == SEG_TIER,
					    "|q| %zu k %u: rows of %zu scanned", q, k, len);
	}
}
END_TEST

/* The indexed slots: 0..5, then one per 19 bases; a row of 300 bases
 * has slots 0-5, 8, 10, 11, 13, 14, 16, 18, 19, 21 and 22. */
START_TEST(test_seg_slots_spread_over_the_length)
{
	int64_t keys[32];
	char s[300];
	size_t i, n;

	ck_assert_uint_eq(seg_slot(5), 5);
	ck_assert_uint_eq(seg_slot(6), 8);
	ck_assert_uint_eq(seg_slot(7), 10);
	ck_assert_uint_eq(seg_slot(8), 11);
	memset(s, 'A', sizeof(s));
	s[22 * SEG_W] = 'T';
	n = seg_keys(s, sizeof(s), keys);
	ck_assert_uint_eq(n, 16);
	for (i = 0; i < 6; i++)
		ck_assert(keys[i] == (int64_t)i << 32);
	ck_assert(keys[6] == (int64_t)8 << 32);
	ck_assert(keys[14] == (int64_t)21 << 32);
	ck_assert(keys[15] == ((int64_t)22 << 32 | (int64_t)3 << 22));
}
END_TEST

/* Every indexed slot lies inside the row, the slots increase, and the
 * last one of a long row is near its end (the whole length is covered). */
START_TEST(test_seg_slots_fit_and_cover_the_length)
{
	size_t len, m;

	for (len = 1; len < 2000000; len += len < 20000 ? 1 : 997) {
		m = seg_slot_count(len);
		if (len <= SEG_TIER_MAX) {
			ck_assert_uint_eq(m, 0);
			continue;
		}
		ck_assert_msg((seg_slot(m - 1) + 1) * SEG_W <= len,
		    "len %zu: slot %zu of %zu past the end", len, seg_slot(m - 1), m);
		if (m > 1)
			ck_assert(seg_slot(m - 1) > seg_slot(m - 2));
		ck_assert_msg((seg_slot(m - 1) + 1) * SEG_W + 2 * SEG_PER_K
		    + SEG_W >= len, "len %zu: last slot %zu", len,
		    seg_slot(m - 1));
	}
}
END_TEST

/* The scheme's name follows its constants; a change to them is a change
 * of the stored data: it needs a migration (and dnadb reindex). */
START_TEST(test_seg_scheme_name)
{
	ck_assert_str_eq(SEG_SCHEME,
	    "tiers-p18-lo75-k6-m24-s4-l16-255+w12-min6-per19-spread-v3");
}
END_TEST

START_TEST(test_seg_slot_min_len_is_first_filterable_length)
{
	unsigned k;
	size_t len;

	for (k = 0; k <= 300; k++) {
		len = seg_slot_min_len(k);
		ck_assert_uint_gt(len, SEG_TIER_MAX);
		ck_assert_uint_le(k + 1, seg_probe_segs(k, len, len + 2 * k));
		ck_assert(seg_slot_count(len) >= k + 1);
		ck_assert(len == SEG_TIER_MAX + 1 || seg_slot_count(len - 1) < k + 1);
		ck_assert(seg_plan_of(len, k > 0 ? k : 1).how == SEG_SLOT ||
		    k == 0);
	}
}
END_TEST

/* A query searched with k = 5 % of its length (at most 64) can use the
 * slots for every row of its length window that is at least 12 (k + 1)
 * long and longer than the tiers. */
START_TEST(test_seg_five_percent_is_always_indexed)
{
	size_t q, len;
	unsigned k;

	for (q = 20; q < 6000; q++) {
		k = (unsigned)(q * 5 / 100 > 64 ? 64 : q * 5 / 100);
		for (len = q > k ? q - k : 1; len <= q + k; len++)
			if (len > SEG_TIER_MAX && len >= (size_t)SEG_W * (k + 1))
				ck_assert_msg(seg_slot_count(len) >= k + 1,
				    "|q|=%zu k=%u: a row of %zu bases has %zu slots",
				    q, k, len, seg_slot_count(len));
	}
}
END_TEST

START_TEST(test_seg_count_is_nondecreasing_per_scheme)
{
	size_t len;

	for (len = SEG_TIER_MIN + 1; len <= SEG_TIER_MAX; len++)
		ck_assert(seg_count(len) >= seg_count(len - 1));
	for (len = SEG_TIER_MAX + 2; len < 3000; len++)
		ck_assert(seg_count(len) >= seg_count(len - 1));
}
END_TEST

static int
cmp_key(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The exactness property for one pair: if ed(q, s) <= k and s's length
 * is filtered at k (seg_plan_of()), s shares at least the plan's need of
 * keys with the probes search builds for a window holding |s|: the tier
 * probes of its length, or the slot probes of the slot part of the
 * window. Returns 1 if the pair was checked, 0 if it is not a match or
 * its length is scanned at k.
 */
static int
check_pair(const char *s, size_t ls, const char *q, size_t lq, unsigned k,
    const char *what, int iter)
{
	int64_t *keys, *probes;
	size_t cap, n, np = 0, lo, hi, i, shared, segs;
	struct seg_plan p;
	long need;

	if (k == 0)
		return 0;
	p = seg_plan_of(ls, k);
	if (p.how == SEG_SCAN)
		return 0;
	if (lev_ref_banded(q, lq, s, ls, k) > k)
		return 0;
	if (p.how == SEG_TIER) {
		cap = seg_tier_probe_cap(k);
		probes = calloc(cap + 1, sizeof(*probes));
		ck_assert(probes != NULL);
		ck_assert(seg_tier_probes(q, lq, k, ls, &p, probes, &np, cap));
		np = seg_sort_unique(probes, np);
		need = p.need;
	} else {
		/* The slot run of the window, as search cuts it. */
		lo = lq > k ? lq - k : 1;
		if (lo < seg_slot_min_len(k))
			lo = seg_slot_min_len(k);
		hi = lq + k;
		ck_assert(ls >= lo && ls <= hi);
		segs = seg_probe_segs(k, lo, hi);
		need = seg_need_of(ls, k, segs);
		ck_assert_msg(need >= 1, "%s %d: k=%u |s|=%zu: %zu probed slots",
		    what, iter, k, ls, segs);
		cap = seg_probe_cap(k, lo, hi);
		ck_assert_uint_le(cap, 256 * 511);
		probes = calloc(cap + 1, sizeof(*probes));
		ck_assert(probes != NULL);
		np = seg_probes(q, lq, k, lo, hi, probes, cap);
		ck_assert(np != (size_t)-1);
	}
	for (i = 1; i < np; i++)
		ck_assert(probes[i - 1] < probes[i]);
	keys = calloc(seg_count(ls) + 1, sizeof(*keys));
	ck_assert(keys != NULL);
	n = seg_keys(s, ls, keys);
	for (i = 0, shared = 0; i < n; i++)
		if (bsearch(&keys[i], probes, np, sizeof(*probes), cmp_key) != NULL)
			shared++;
	ck_assert_msg((long)shared >= need,
	    "%s %d: |s|=%zu |q|=%zu k=%u (m %zu) shares %zu keys, needs %ld",
	    what, iter, ls, lq, k, p.m, shared, need);
	free(probes);
	free(keys);
	return 1;
}

/* Applies one random edit (substitution, insertion or deletion) to
 * b[0..lb) at position p - 1 (clamped into the string), lb >= 2; returns
 * the new length. b must have room for one more base. */
static size_t
edit_near(struct rng *r, char *b, size_t lb, size_t p)
{
	p = p >= 1 ? p - 1 : 0;
	if (p >= lb)
		p = lb - 1;
	switch (rng_below(r, 3)) {
	case 0:
		b[p] = "ACGT"[rng_below(r, 4)];
		return lb;
	case 1:
		memmove(b + p + 1, b + p, lb - p);
		b[p] = "ACGT"[rng_below(r, 4)];
		return lb + 1;
	default:
		memmove(b + p, b + p + 1, lb - p - 1);
		return lb - 1;
	}
}

/* Applies e edits to a[0..la) into b, each at a position drawn near a
 * segment boundary of the tier m of a row of length la (the edge cases
 * of "an edit destroys at most one segment" and of the shift windows);
 * returns the new length. */
static size_t
mutate_at_parts(struct rng *r, const char *a, size_t la, char *b, size_t e,
    size_t m)
{
	size_t lb = la, p, i, start, n;

	memcpy(b, a, la);
	for (i = 0; i < e && lb >= 2; i++) {
		seg_part(la, m, rng_below(r, m), &start, &n);
		p = start + rng_below(r, 2) * (n - 1) + rng_below(r, 3);
		lb = edit_near(r, b, lb, p);
	}
	return lb;
}

/* The tiers never drop a match: pairs at every length where a tier
 * changes (and the lengths around it), at every k where the plan changes
 * (m_lo - 1, m_lo, m_hi - 1) and at random k, with up to k + 2 random
 * edits or edits at segment boundaries. */
START_TEST(test_seg_tier_probes_find_every_match)
{
	static char s[300], q[400];
	size_t edges[512], nedges = 0, len, ls, lq, m, checked = 0, exact = 0;
	struct rng r;
	unsigned k;
	int iter;

	for (len = SEG_TIER_MIN; len <= SEG_TIER_MAX && nedges < 500; len++)
		if (len == SEG_TIER_MIN || len == SEG_TIER_MAX ||
		    seg_tier_hi(len) != seg_tier_hi(len - 1) ||
		    seg_tier_lo(len) != seg_tier_lo(len - 1))
			edges[nedges++] = len;
	ck_assert_uint_gt(nedges, 20);
	rng_init(&r, 20261201, 10);
	for (iter = 0; iter < 120000; iter++) {
		ls = edges[rng_below(&r, nedges)] + rng_below(&r, 3);
		ls = ls > SEG_TIER_MIN ? ls - 1 : ls;
		if (iter % 4 == 0)
			ls = SEG_TIER_MIN + rng_below(&r, SEG_TIER_MAX - SEG_TIER_MIN + 1);
		if (ls > SEG_TIER_MAX)
			ls = SEG_TIER_MAX;
		switch (rng_below(&r, 4)) {
		case 0:
			k = (unsigned)seg_tier_lo(ls) - 1;
			break;
		case 1:
			k = (unsigned)seg_tier_lo(ls);
			break;
		case 2:
			k = (unsigned)seg_tier_hi(ls) - 1;
			break;
		default:
			k = 1 + (unsigned)rng_below(&r, seg_tier_hi(ls));
		}
		if (k == 0)
			k = 1;
		fill(&r, s, ls);
		m = seg_plan_of(ls, k).m;
		if (iter % 2 == 0 && m > 0)
			lq = mutate_at_parts(&r, s, ls, q, rng_below(&r, k + 3), m);
		else
			lq = mutate(&r, s, ls, q, rng_below(&r, k + 3));
		if (check_pair(s, ls, q, lq, k, "tier", iter) == 1) {
			checked++;
			if (seg_plan_of(ls, k).m == k + 1)
				exact++;
		}
	}
	ck_assert_uint_gt(checked, 40000);
	ck_assert_uint_gt(exact, 10000);   /* the tier has exactly k + 1 */
}
END_TEST

/* The exactness property, on pairs built to sit near the thresholds:
 * lengths around seg_slot_min_len(k), tier rows of 80-150 and 12-312
 * bases, long rows; random k, edits up to k + 2. */
START_TEST(test_seg_probes_find_every_match)
{
	static char s[6000], q[6100];
	struct rng r;
	size_t ls, lq, checked = 0;
	unsigned k;
	int iter;

	rng_init(&r, 20261126, 0);
	for (iter = 0; iter < 30000; iter++) {
		k = (unsigned)rng_below(&r, 12);
		if (iter % 10 == 0)
			k = (unsigned)rng_below(&r, 65);
		switch (rng_below(&r, 4)) {
		case 0:  /* around the first length the slots filter */
			ls = seg_slot_min_len(k) + rng_below(&r, 7);
			ls = ls > 3 ? ls - 3 : 1;
			break;
		case 1:
			ls = 80 + rng_below(&r, 71);
			break;
		case 2:
			ls = 12 + rng_below(&r, 300);
			break;
		default:
			ls = 1000 + rng_below(&r, 4000);
		}
		if (ls >= sizeof(s))
			ls = sizeof(s) - 1;
		fill(&r, s, ls);
		lq = mutate(&r, s, ls, q, rng_below(&r, k + 3));
		checked += (size_t)check_pair(s, ls, q, lq, k, "iter", iter);
	}
	ck_assert_uint_gt(checked, 10000);
}
END_TEST

/* Applies e edits to a[0..la) into b at positions drawn near the
 * boundaries of indexed slots anywhere in the sequence (the edge cases of
 * "an edit destroys at most one segment"); returns the new length. */
static size_t
mutate_at_slots(struct rng *r, const char *a, size_t la, char *b, size_t e)
{
	size_t lb = la, p, i, m;

	memcpy(b, a, la);
	for (i = 0; i < e; i++) {
		m = seg_slot_count(lb);
		if (m == 0 || lb < 2)
			break;
		p = seg_slot(rng_below(r, m)) * SEG_W + rng_below(r, 3);
		if (rng_below(r, 2) == 0)
			p += SEG_W - 1;
		lb = edit_near(r, b, lb, p);
	}
	return lb;
}

/* The filterable part of the window of a query of length lq, as search
 * uses it. */
static size_t
lo_of(size_t lq, unsigned k)
{
	size_t lo = lq > k ? lq - k : 1;

	return lo < seg_slot_min_len(k) ? seg_slot_min_len(k) : lo;
}

/* The same property for long sequences (up to 70,000 bases, many near
 * the length where the probes start to spread, and a few of
 * 150,000-200,000 at k up to 200, where the probes cover only some of the
 * slots), with edits anywhere along them, random or at slot boundaries. */
START_TEST(test_seg_probes_find_every_match_in_long_sequences)
{
	static char s[200001], q[200400];
	struct rng r;
	size_t ls, lq, e, checked = 0, capped = 0;
	unsigned k;
	int iter;

	rng_init(&r, 20261201, 0);
	for (iter = 0; iter < 400; iter++) {
		k = (unsigned)rng_below(&r, 13);
		ls = 865 + rng_below(&r, 70000 - 865);
		if (iter % 3 == 1)   /* around SEG_PROBE_SLOTS slots */
			ls = 1300 + rng_below(&r, 300);
		if (iter % 50 == 0) {
			k = 150 + (unsigned)rng_below(&r, 51);
			ls = 150000 + rng_below(&r, 50001);
		}
		fill(&r, s, ls);
		e = rng_below(&r, k + 3);
		if (iter % 2 == 0)
			lq = mutate_at_slots(&r, s, ls, q, e);
		else
			lq = mutate(&r, s, ls, q, e);
		if (check_pair(s, ls, q, lq, k, "long", iter) == 1) {
			checked++;
			if (seg_probe_segs(k, lo_of(lq, k), lq + k) < seg_slot_count(ls))
				capped++;
		}
	}
	ck_assert_uint_gt(checked, 200);
	ck_assert_uint_gt(capped, 2);
}
END_TEST

START_TEST(test_seg_probes_are_sorted_and_distinct)
{
	char q[400];
	int64_t *p;
	size_t cap = seg_probe_cap(5, 395, 405), n, i;
	struct seg_plan pl = seg_plan_of(100, 10);

	memset(q, 'A', sizeof(q));   /* every substring the same: many repeats */
	p = calloc(cap, sizeof(*p));
	n = seg_probes(q, sizeof(q), 5, 395, 405, p, cap);
	ck_assert_uint_gt(n, 0);
	for (i = 1; i < n; i++)
		ck_assert(p[i - 1] < p[i]);
	free(p);
	/* Tier probes repeat until seg_sort_unique(). */
	cap = seg_tier_probe_cap(10);
	p = calloc(cap, sizeof(*p));
	n = 0;
	ck_assert(seg_tier_probes(q, 100, 10, 100, &pl, p, &n, cap));
	ck_assert_uint_eq(pl.m, 15);   /* m_lo(100) = ceil(3 x 19 / 4) */
	ck_assert_uint_gt(n, 11);
	n = seg_sort_unique(p, n);
	ck_assert_uint_eq(n, 11);   /* one key per chosen segment: all A */
	for (i = 1; i < n; i++)
		ck_assert(p[i - 1] < p[i]);
	/* Too small a capacity is reported, not overrun. */
	n = 0;
	ck_assert(!seg_tier_probes(q, 100, 10, 100, &pl, p, &n, 3));
	ck_assert_uint_le(n, 3);
	free(p);
}
END_TEST

static Suite *
seg_suite(void)
{
	Suite *s = suite_create("seg");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_seg_keys_pack_bases);
	tcase_add_test(tc, test_seg_scheme_name);
	tcase_add_test(tc, test_seg_tiers_partition_the_row);
	tcase_add_test(tc, test_seg_tiers_serve_fifteen_percent);
	tcase_add_test(tc, test_seg_tier_probes_find_every_match);
	tcase_add_test(tc, test_seg_slot_min_len_is_first_filterable_length);
	tcase_add_test(tc, test_seg_count_is_nondecreasing_per_scheme);
	tcase_add_test(tc, test_seg_five_percent_is_always_indexed);
	tcase_add_test(tc, test_seg_probes_find_every_match);
	tcase_add_test(tc, test_seg_probes_find_every_match_in_long_sequences);
	tcase_add_test(tc, test_seg_slots_spread_over_the_length);
	tcase_add_test(tc, test_seg_slots_fit_and_cover_the_length);
	tcase_add_test(tc, test_seg_probes_are_sorted_and_distinct);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(seg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
