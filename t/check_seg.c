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
	int64_t keys[SEG_MAX];
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
	ck_assert_uint_eq(seg_count(5000), SEG_MAX);
}
END_TEST

/* The scheme's name follows its constants; a change to them is a change
 * of the stored data: it needs a migration (and dnadb reindex). */
START_TEST(test_seg_scheme_name)
{
	ck_assert_str_eq(SEG_SCHEME, "w12-min6-per19-max72-v1");
}
END_TEST

START_TEST(test_seg_min_len_is_first_filterable_length)
{
	unsigned k;
	size_t len;

	for (k = 0; k < SEG_MAX + 3; k++) {
		len = seg_min_len(k);
		if (k + 1 > SEG_MAX) {
			ck_assert_uint_eq(len, 0);
			continue;
		}
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

/* The exactness property, on pairs built to sit near the thresholds:
 * lengths around seg_min_len(k), k = m - 1, edits up to k + 2. */
START_TEST(test_seg_probes_find_every_match)
{
	static char s[6000], q[6100];
	int64_t keys[SEG_MAX], *probes;
	struct rng r;
	size_t cap, n, np, ls, lq, lo, hi, i, j, shared, checked = 0;
	unsigned k;
	long need;
	int iter;

	rng_init(&r, 20261126, 0);
	cap = seg_probe_cap(70);
	probes = calloc(cap, sizeof(*probes));
	ck_assert_ptr_nonnull(probes);
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
		if (lev_ref_banded(q, lq, s, ls, k) > k)
			continue;
		need = seg_need(ls, k);
		if (need < 1 || seg_min_len(k) == 0)
			continue;
		/* A window holding ls, as search uses: the filterable part of
		 * |q| - k .. |q| + k. */
		lo = lq > k ? lq - k : 1;
		if (lo < seg_min_len(k))
			lo = seg_min_len(k);
		hi = lq + k;
		ck_assert(ls >= lo && ls <= hi);
		np = seg_probes(q, lq, k, lo, hi, probes, cap);
		ck_assert(np != (size_t)-1);
		n = seg_keys(s, ls, keys);
		for (i = 0, shared = 0; i < n; i++)
			for (j = 0; j < np; j++)
				if (probes[j] == keys[i]) {
					shared++;
					break;
				}
		ck_assert_msg((long)shared >= need,
		    "iter %d: |s|=%zu |q|=%zu k=%u shares %zu keys, needs %ld",
		    iter, ls, lq, k, shared, need);
		checked++;
	}
	ck_assert_uint_gt(checked, 10000);
	free(probes);
}
END_TEST

START_TEST(test_seg_probes_are_sorted_and_distinct)
{
	char q[200];
	int64_t *p;
	size_t cap = seg_probe_cap(5), n, i;

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
