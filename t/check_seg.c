/*
 * check_seg.c: the segment scheme of the index (src/seg.c). The property
 * that makes search exact: for any stored s and query q with ed(q, s) <= k
 * and seg_need(|s|, k) >= 1, at least seg_need(|s|, k) keys of s are among
 * the probes of q for a window holding |s|. Checked on seeded random pairs
 * near every threshold, with a plain DP as the judge of ed.
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

START_TEST(test_seg_keys_pack_bases)
{
	int64_t keys[16];
	char s[64];

	memset(s, 'A', sizeof(s));
	s[11] = 'C';
	s[12] = 'T';
	ck_assert_uint_eq(seg_keys(s, 24, keys), 2);
	ck_assert(keys[0] == 1);                              /* ...AAAC */
	ck_assert(keys[1] == ((int64_t)1 << 32 | (int64_t)3 << 22)); /* TAAA... */
	ck_assert_uint_eq(seg_count(11), 0);
	ck_assert_uint_eq(seg_count(12), 1);
	ck_assert_uint_eq(seg_count(100), 6);
	ck_assert_uint_eq(seg_count(150), 8);
	ck_assert_uint_eq(seg_count(120), 7);
	ck_assert_uint_eq(seg_count(94), 6);
	ck_assert_uint_eq(seg_count(200), 11);
	ck_assert_uint_eq(seg_count(5000), 5000 / 19 + 1);   /* no cap */
	ck_assert_uint_eq(seg_count(67000), 3527);
}
END_TEST

/* The indexed slots: 0..5, then one per 19 bases; a row of 150 bases
 * has slots 0-5, 8 and 10 (so its keys reach base 131, not 96). */
START_TEST(test_seg_slots_spread_over_the_length)
{
	int64_t keys[16];
	char s[150];
	size_t i, n;

	ck_assert_uint_eq(seg_slot(5), 5);
	ck_assert_uint_eq(seg_slot(6), 8);
	ck_assert_uint_eq(seg_slot(7), 10);
	ck_assert_uint_eq(seg_slot(8), 11);
	memset(s, 'A', sizeof(s));
	s[10 * SEG_W] = 'T';
	n = seg_keys(s, sizeof(s), keys);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < 6; i++)
		ck_assert(keys[i] == (int64_t)i << 32);
	ck_assert(keys[6] == (int64_t)8 << 32);
	ck_assert(keys[7] == ((int64_t)10 << 32 | (int64_t)3 << 22));
}
END_TEST

/* Every indexed slot lies inside the row, the slots increase, and the
 * last one of a long row is near its end (the whole length is covered). */
START_TEST(test_seg_slots_fit_and_cover_the_length)
{
	size_t len, m;

	for (len = 1; len < 2000000; len += len < 20000 ? 1 : 997) {
		m = seg_count(len);
		if (m == 0)
			continue;
		ck_assert_msg((seg_slot(m - 1) + 1) * SEG_W <= len,
		    "len %zu: slot %zu of %zu past the end", len, seg_slot(m - 1), m);
		if (m > 1)
			ck_assert(seg_slot(m - 1) > seg_slot(m - 2));
		if (len >= 200)
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
	ck_assert_str_eq(SEG_SCHEME, "w12-min6-per19-spread-v2");
}
END_TEST

START_TEST(test_seg_min_len_is_first_filterable_length)
{
	unsigned k;
	size_t len;

	for (k = 0; k <= 300; k++) {
		len = seg_min_len(k);
		ck_assert_uint_gt(len, 0);
		ck_assert_uint_le(k + 1, seg_probe_segs(k, len, len + 2 * k));
		ck_assert_msg(seg_need(len, k) >= 1, "k=%u len=%zu", k, len);
		ck_assert_msg(seg_need(len - 1, k) < 1, "k=%u len-1=%zu", k, len - 1);
	}
}
END_TEST

/* A query searched with k = 5 % of its length (at most 64) can use the
 * index for every row of its length window that is at least 12 (k + 1)
 * long: the scheme keeps enough segments. */
START_TEST(test_seg_five_percent_is_always_indexed)
{
	size_t q, len;
	unsigned k;

	for (q = 20; q < 6000; q++) {
		k = (unsigned)(q * 5 / 100 > 64 ? 64 : q * 5 / 100);
		for (len = q > k ? q - k : 1; len <= q + k; len++)
			if (len >= (size_t)SEG_W * (k + 1))
				ck_assert_msg(seg_need(len, k) >= 1,
				    "|q|=%zu k=%u: a row of %zu bases has %zu segments",
				    q, k, len, seg_count(len));
	}
}
END_TEST

START_TEST(test_seg_count_is_nondecreasing)
{
	size_t len;

	for (len = 1; len < 3000; len++)
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
 * The exactness property for one pair: if ed(q, s) <= k and s's length is
 * filterable at k, s shares at least seg_need_of(|s|, k, u) keys with the
 * probes of q for a window holding |s|, as search builds it. Returns 1 if
 * the pair was checked, 0 if it is not a match or not filterable.
 */
static int
check_pair(const char *s, size_t ls, const char *q, size_t lq, unsigned k,
    const char *what, int iter)
{
	int64_t *keys, *probes;
	size_t cap, n, np, lo, hi, i, shared, segs;
	long need;

	if (seg_min_len(k) == 0 || seg_need(ls, k) < 1)
		return 0;
	if (lev_ref_banded(q, lq, s, ls, k) > k)
		return 0;
	/* A window holding ls, as search uses: the filterable part of
	 * |q| - k .. |q| + k. */
	lo = lq > k ? lq - k : 1;
	if (lo < seg_min_len(k))
		lo = seg_min_len(k);
	hi = lq + k;
	ck_assert(ls >= lo && ls <= hi);
	segs = seg_probe_segs(k, lo, hi);
	need = seg_need_of(ls, k, segs);
	ck_assert_msg(need >= 1, "%s %d: k=%u |s|=%zu: %zu probed slots",
	    what, iter, k, ls, segs);
	cap = seg_probe_cap(k, lo, hi);
	ck_assert_uint_le(cap, 256 * 511);
	probes = calloc(cap + 1, sizeof(*probes));
	keys = calloc(seg_count(ls) + 1, sizeof(*keys));
	ck_assert(probes != NULL && keys != NULL);
	np = seg_probes(q, lq, k, lo, hi, probes, cap);
	ck_assert(np != (size_t)-1);
	for (i = 1; i < np; i++)
		ck_assert(probes[i - 1] < probes[i]);
	n = seg_keys(s, ls, keys);
	for (i = 0, shared = 0; i < n; i++)
		if (bsearch(&keys[i], probes, np, sizeof(*probes), cmp_key) != NULL)
			shared++;
	ck_assert_msg((long)shared >= need,
	    "%s %d: |s|=%zu |q|=%zu k=%u shares %zu keys, needs %ld",
	    what, iter, ls, lq, k, shared, need);
	free(probes);
	free(keys);
	return 1;
}

/* The exactness property, on pairs built to sit near the thresholds:
 * lengths around seg_min_len(k), k = m - 1, edits up to k + 2. */
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
		case 0:  /* around the first filterable length */
			ls = seg_min_len(k) + rng_below(&r, 7);
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
		m = seg_count(lb);
		if (m == 0 || lb < 2)
			break;
		p = seg_slot(rng_below(r, m)) * SEG_W + rng_below(r, 3);
		if (rng_below(r, 2) == 0)
			p += SEG_W - 1;
		p = p >= 1 ? p - 1 : 0;
		if (p >= lb)
			p = lb - 1;
		switch (rng_below(r, 3)) {
		case 0:
			b[p] = "ACGT"[rng_below(r, 4)];
			break;
		case 1:
			memmove(b + p + 1, b + p, lb - p);
			b[p] = "ACGT"[rng_below(r, 4)];
			lb++;
			break;
		default:
			memmove(b + p, b + p + 1, lb - p - 1);
			lb--;
		}
	}
	return lb;
}

/* The filterable part of the window of a query of length lq, as search
 * uses it. */
static size_t
lo_of(size_t lq, unsigned k)
{
	size_t lo = lq > k ? lq - k : 1;

	return lo < seg_min_len(k) ? seg_min_len(k) : lo;
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
			if (seg_probe_segs(k, lo_of(lq, k), lq + k) < seg_count(ls))
				capped++;
		}
	}
	ck_assert_uint_gt(checked, 200);
	ck_assert_uint_gt(capped, 2);
}
END_TEST

START_TEST(test_seg_probes_are_sorted_and_distinct)
{
	char q[200];
	int64_t *p;
	size_t cap = seg_probe_cap(5, 195, 205), n, i;

	memset(q, 'A', sizeof(q));   /* every substring the same: many repeats */
	p = calloc(cap, sizeof(*p));
	n = seg_probes(q, sizeof(q), 5, 195, 205, p, cap);
	ck_assert_uint_gt(n, 0);
	for (i = 1; i < n; i++)
		ck_assert(p[i - 1] < p[i]);
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
	tcase_add_test(tc, test_seg_min_len_is_first_filterable_length);
	tcase_add_test(tc, test_seg_count_is_nondecreasing);
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
