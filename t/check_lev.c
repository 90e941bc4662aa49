/*
 * check_lev.c: unit tests for the bounded edit-distance kernel (src/lev.c).
 * Hand-made edge cases pin down the boundaries (empty strings, k = 0, the
 * clamp at LEV_K_MAX, the 8-byte slide), and many seeded random pairs are
 * compared with the plain dynamic-programming reference in t/lev_ref.c.
 *
 * The number of random pairs can be scaled down with DNADB_LEV_PAIRS (for
 * valgrind runs); the default is 100000.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lev.h"
#include "lev_ref.h"
#include "testrng.h"

#define SEED 0x5eed1e7dca5cadeULL
#define DEFAULT_PAIRS 100000UL
#define TIMEOUT_S 120

/* Random pairs for test_lev_random_vs_reference; set once in main. */
static unsigned long n_pairs = DEFAULT_PAIRS;

/* ---- deterministic random numbers: t/testrng.h ---- */

static const char BASES[] = "ACGT";

static char
rng_base(struct rng *r)
{
	return BASES[rng_below(r, 4)];
}

/* ---- test-data builders ---- */

/* Fills s[0..n) with uniform random bases. */
static void
fill_random(struct rng *r, char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = rng_base(r);
}

/* Fills s[0..n) with a short random unit (1 to 4 bases) repeated, such as
 * AAAA... or ACACAC...: such strings match themselves at many shifts, which
 * makes the slide run long on several diagonals at once. */
static void
fill_repeat(struct rng *r, char *s, size_t n)
{
	char unit[4];
	size_t p = rng_range(r, 1, 4), i;

	for (i = 0; i < p; i++)
		unit[i] = rng_base(r);
	for (i = 0; i < n; i++)
		s[i] = unit[i % p];
}

/*
 * Copies src[0..n) to dst and applies `edits` random substitutions,
 * insertions and deletions to the copy (so the distance is at most
 * `edits`). dst must have room for n + edits bytes. Returns the new length.
 */
static size_t
mutate(struct rng *r, const char *src, size_t n, char *dst, size_t edits)
{
	size_t len = n, e;

	if (n > 0)
		memcpy(dst, src, n);
	for (e = 0; e < edits; e++) {
		size_t op = len == 0 ? 1 : rng_below(r, 3), pos;

		switch (op) {
		case 0:	/* substitute (possibly by the same base) */
			dst[rng_below(r, len)] = rng_base(r);
			break;
		case 1:	/* insert */
			pos = rng_below(r, len + 1);
			memmove(dst + pos + 1, dst + pos, len - pos);
			dst[pos] = rng_base(r);
			len++;
			break;
		default: /* delete */
			pos = rng_below(r, len);
			memmove(dst + pos, dst + pos + 1, len - pos - 1);
			len--;
			break;
		}
	}
	return len;
}

/* Returns a fresh heap buffer of n bytes (at least one), or fails the test. */
static char *
xmalloc(size_t n)
{
	char *p = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* What lev_bounded must return for a pair whose true distance is ref. */
static size_t
expected(size_t ref, unsigned k)
{
	size_t kc = k > LEV_K_MAX ? LEV_K_MAX : k;

	return ref <= kc ? ref : kc + 1;
}

/*
 * Checks lev_bounded against a known true distance for one k. ck_abort_msg
 * is only reached on failure: check's ck_assert records a location on every
 * call, which would dominate the run time of the random tests.
 */
static void
check_one(const char *what, uint64_t seed, unsigned long idx, const char *a,
    size_t la, const char *b, size_t lb, unsigned k, size_t ref)
{
	unsigned got = lev_bounded(a, la, b, lb, k);
	size_t want = expected(ref, k);

	if (got != want)
		ck_abort_msg("%s: seed %#llx index %lu: la=%zu lb=%zu k=%u: "
		    "lev_bounded=%u, reference distance=%zu, expected %zu",
		    what, (unsigned long long)seed, idx, la, lb, k, got, ref,
		    want);
}

/*
 * Checks a pair against the reference at the k values where mistakes hide:
 * every k in 0..12, the three around the true distance, two random larger
 * ones, and one above LEV_K_MAX (which must be clamped). The kernel is given
 * exact-size heap copies, so that a read past either end shows up under
 * AddressSanitizer or valgrind instead of landing in the caller's buffer.
 */
static void
check_pair(struct rng *r, const char *what, uint64_t seed, unsigned long idx,
    const char *a_in, size_t la, const char *b_in, size_t lb)
{
	char *a = xmalloc(la), *b = xmalloc(lb);
	size_t ref = lev_ref(a_in, la, b_in, lb);
	unsigned ks[20], k;
	size_t nk = 0, i;

	if (la > 0)
		memcpy(a, a_in, la);
	if (lb > 0)
		memcpy(b, b_in, lb);

	for (k = 0; k <= 12; k++)
		ks[nk++] = k;
	if (ref >= 1 && ref - 1 <= LEV_K_MAX)
		ks[nk++] = (unsigned)ref - 1;
	if (ref <= LEV_K_MAX) {
		ks[nk++] = (unsigned)ref;
		ks[nk++] = (unsigned)ref + 1;
	}
	ks[nk++] = (unsigned)rng_range(r, 13, LEV_K_MAX);
	ks[nk++] = (unsigned)rng_range(r, 13, 40);
	ks[nk++] = (unsigned)rng_range(r, LEV_K_MAX + 1, 100000);
	for (i = 0; i < nk; i++)
		check_one(what, seed, idx, a, la, b, lb, ks[i], ref);
	free(a);
	free(b);
}

/* ---- the reference itself ---- */

/* The oracle must be right before anything is compared with it. */
START_TEST(test_ref_known_values)
{
	ck_assert_uint_eq(lev_ref("", 0, "", 0), 0);
	ck_assert_uint_eq(lev_ref("", 0, "abc", 3), 3);
	ck_assert_uint_eq(lev_ref("abc", 3, "", 0), 3);
	ck_assert_uint_eq(lev_ref("kitten", 6, "sitting", 7), 3);
	ck_assert_uint_eq(lev_ref("sitting", 7, "kitten", 6), 3);
	ck_assert_uint_eq(lev_ref("flaw", 4, "lawn", 4), 2);
	ck_assert_uint_eq(lev_ref("sunday", 6, "saturday", 8), 3);
	ck_assert_uint_eq(lev_ref("intention", 9, "execution", 9), 5);
	ck_assert_uint_eq(lev_ref("ACGT", 4, "ACGT", 4), 0);
	ck_assert_uint_eq(lev_ref("ACGT", 4, "CGTA", 4), 2);
	ck_assert_uint_eq(lev_ref("AAAA", 4, "TTTT", 4), 4);
	ck_assert_uint_eq(lev_ref("A\0C", 3, "A\0G", 3), 1);
}
END_TEST

/* ---- edge cases ---- */

START_TEST(test_lev_both_empty)
{
	ck_assert_uint_eq(lev_bounded("", 0, "", 0, 0), 0);
	ck_assert_uint_eq(lev_bounded("", 0, "", 0, 1), 0);
	ck_assert_uint_eq(lev_bounded("", 0, "", 0, LEV_K_MAX), 0);
	ck_assert_uint_eq(lev_bounded("", 0, "", 0, UINT_MAX), 0);
}
END_TEST

/* Against an empty string the distance is the other length, so whether it
 * is reported depends only on k versus that length. */
START_TEST(test_lev_empty_vs_nonempty)
{
	static const char s[] = "ACGTACGTAC";
	unsigned k;

	for (k = 0; k <= 20; k++) {
		unsigned want = k >= 10 ? 10 : k + 1;

		ck_assert_uint_eq(lev_bounded("", 0, s, 10, k), want);
		ck_assert_uint_eq(lev_bounded(s, 10, "", 0, k), want);
	}
	ck_assert_uint_eq(lev_bounded("", 0, "A", 1, 0), 1);
	ck_assert_uint_eq(lev_bounded("A", 1, "", 0, 1), 1);
}
END_TEST

START_TEST(test_lev_k0_equal)
{
	char *a = xmalloc(300), *b = xmalloc(300);
	struct rng r;
	size_t n;

	rng_init(&r, SEED, 1);
	fill_random(&r, a, 300);
	memcpy(b, a, 300);
	for (n = 0; n <= 300; n++)
		ck_assert_uint_eq(lev_bounded(a, n, b, n, 0), 0);
	free(a);
	free(b);
}
END_TEST

/* With k = 0 any difference at all, of content or length, is "too far". */
START_TEST(test_lev_k0_unequal)
{
	ck_assert_uint_eq(lev_bounded("A", 1, "C", 1, 0), 1);
	ck_assert_uint_eq(lev_bounded("ACGT", 4, "ACGA", 4, 0), 1);
	ck_assert_uint_eq(lev_bounded("ACGT", 4, "ACG", 3, 0), 1);
	ck_assert_uint_eq(lev_bounded("CGT", 3, "ACGT", 4, 0), 1);
	ck_assert_uint_eq(lev_bounded("AAAA", 4, "TTTT", 4, 0), 1);
}
END_TEST

/* Every pair drawn from {"", A, C, G, T}: distance 0 if equal, else 1. */
START_TEST(test_lev_length_one)
{
	static const char *const s[] = { "", "A", "C", "G", "T" };
	size_t i, j;
	unsigned k;

	for (i = 0; i < 5; i++)
		for (j = 0; j < 5; j++)
			for (k = 0; k <= 3; k++) {
				unsigned d = i == j ? 0 : 1;
				unsigned want = d <= k ? d : k + 1;

				ck_assert_uint_eq(lev_bounded(s[i],
				    strlen(s[i]), s[j], strlen(s[j]), k), want);
			}
}
END_TEST

/* Substitutes one base of a random string of each length 1..300 at pos(n). */
static void
check_single_substitution(size_t (*pos)(size_t n))
{
	char *a = xmalloc(300), *b = xmalloc(300);
	struct rng r;
	size_t n;

	rng_init(&r, SEED, 2);
	fill_random(&r, a, 300);
	for (n = 1; n <= 300; n++) {
		size_t p = pos(n);

		memcpy(b, a, n);
		b[p] = a[p] == 'A' ? 'C' : 'A';
		ck_assert_uint_eq(lev_bounded(a, n, b, n, 0), 1);
		ck_assert_uint_eq(lev_bounded(a, n, b, n, 1), 1);
		ck_assert_uint_eq(lev_bounded(b, n, a, n, 2), 1);
		ck_assert_uint_eq(lev_bounded(a, n, b, n, LEV_K_MAX), 1);
	}
	free(a);
	free(b);
}

/* Where check_single_substitution puts the difference in a string of n. */
static size_t
pos_first(size_t n)
{
	(void)n;
	return 0;
}

static size_t
pos_last(size_t n)
{
	return n - 1;
}

static size_t
pos_middle(size_t n)
{
	return n / 2;
}

START_TEST(test_lev_substitution_at_first_position)
{
	check_single_substitution(pos_first);
}
END_TEST

START_TEST(test_lev_substitution_at_last_position)
{
	check_single_substitution(pos_last);
}
END_TEST

START_TEST(test_lev_substitution_at_middle_position)
{
	check_single_substitution(pos_middle);
}
END_TEST

/*
 * Equal-length strings that differ at byte 0 and at byte 1 + off: after the
 * first edit, the slide on diagonal 0 must stop exactly off bytes further
 * on, which exercises the word compare's first-differing-byte arithmetic at
 * offsets 7, 8 and 9 (and every other offset up to 40). Two substitutions
 * and equal lengths make the distance exactly 2 (one edit would need a
 * Hamming distance of 1). The same pair with the bytes near the end
 * checks the backward (suffix) compare.
 */
START_TEST(test_lev_slide_difference_at_offsets_7_8_9)
{
	char a[64], b[64], ra[64], rb[64];
	struct rng r;
	size_t off, n = sizeof a, i;

	rng_init(&r, SEED, 3);
	fill_random(&r, a, n);
	for (off = 0; off <= 40; off++) {
		memcpy(b, a, n);
		b[0] = a[0] == 'A' ? 'C' : 'A';
		b[1 + off] = a[1 + off] == 'G' ? 'T' : 'G';
		for (i = 0; i < n; i++) {
			ra[i] = a[n - 1 - i];
			rb[i] = b[n - 1 - i];
		}
		ck_assert_uint_eq(lev_bounded(a, n, b, n, 1), 2);
		ck_assert_uint_eq(lev_bounded(a, n, b, n, 2), 2);
		ck_assert_uint_eq(lev_bounded(a, n, b, n, 10), 2);
		ck_assert_uint_eq(lev_bounded(ra, n, rb, n, 2), 2);
		/* A single difference at off is found by the prefix strip. */
		memcpy(b, a, n);
		b[off] = a[off] == 'G' ? 'T' : 'G';
		ck_assert_uint_eq(lev_bounded(a, n, b, n, 3), 1);
		ck_assert_uint_eq(lev_bounded(a, n, b, n, 0), 1);
		/* And an insertion right after off bytes of agreement. */
		memcpy(b, a, off);
		b[off] = 'N';
		memcpy(b + off + 1, a + off, n - off - 1);
		ck_assert_uint_eq(lev_bounded(a, n - 1, b, n, 3), 1);
		ck_assert_uint_eq(lev_bounded(b, n, a, n - 1, 3), 1);
	}
}
END_TEST

/* NUL is an ordinary byte: lengths, not terminators, delimit the strings. */
START_TEST(test_lev_embedded_nul)
{
	ck_assert_uint_eq(lev_bounded("AC\0GT", 5, "AC\0GT", 5, 0), 0);
	ck_assert_uint_eq(lev_bounded("AC\0GT", 5, "AC\0TT", 5, 3), 1);
	ck_assert_uint_eq(lev_bounded("AC\0GT", 5, "ACAGT", 5, 3), 1);
	ck_assert_uint_eq(lev_bounded("\0\0\0", 3, "\0\0", 2, 3), 1);
	ck_assert_uint_eq(lev_bounded("\0\0\0\0\0\0\0\0\0A", 10,
	    "\0\0\0\0\0\0\0\0\0C", 10, 3), 1);
	ck_assert_uint_eq(lev_bounded("\0", 1, "", 0, 1), 1);
	ck_assert_uint_eq(lev_bounded("A\0C\0G", 5, "A\0G", 3, 5), 2);
}
END_TEST

/* Bytes with the high bit set must compare as bytes, not as signed chars
 * that might compare equal after promotion. */
START_TEST(test_lev_high_bytes)
{
	ck_assert_uint_eq(lev_bounded("\xff\x80\x7f", 3, "\xff\x80\x7f", 3, 0),
	    0);
	ck_assert_uint_eq(lev_bounded("\xff\x80\x7f", 3, "\xff\x81\x7f", 3, 2),
	    1);
	ck_assert_uint_eq(lev_bounded("AAAAAAAA\xff" "CCCCCCCC", 17,
	    "AAAAAAAA\x7f" "CCCCCCCC", 17, 2), 1);
}
END_TEST

/* A k above LEV_K_MAX acts as LEV_K_MAX, without overflow at UINT_MAX. */
START_TEST(test_lev_k_above_max_clamped)
{
	char *a = xmalloc(300), *b = xmalloc(300);
	struct rng r;

	memset(a, 'A', 300);
	memset(b, 'C', 300);
	/* Length gap 300 > LEV_K_MAX. */
	ck_assert_uint_eq(lev_bounded(a, 300, "", 0, 1000), LEV_K_MAX + 1);
	ck_assert_uint_eq(lev_bounded(a, 300, "", 0, UINT_MAX), LEV_K_MAX + 1);
	/* Equal lengths, distance 300 (no shared byte at all). */
	ck_assert_uint_eq(lev_bounded(a, 300, b, 300, 1000), LEV_K_MAX + 1);
	ck_assert_uint_eq(lev_bounded(a, 300, b, 300, UINT_MAX), LEV_K_MAX + 1);
	/* A small distance is still reported exactly. */
	rng_init(&r, SEED, 4);
	fill_random(&r, a, 300);
	memcpy(b, a, 300);
	b[10] = a[10] == 'A' ? 'C' : 'A';
	b[200] = a[200] == 'A' ? 'C' : 'A';
	ck_assert_uint_eq(lev_bounded(a, 300, b, 300, 1000), 2);
	ck_assert_uint_eq(lev_bounded(a, 300, b, 300, UINT_MAX), 2);
	free(a);
	free(b);
}
END_TEST

/* A distance of exactly LEV_K_MAX is found at k = LEV_K_MAX, and one more
 * is reported as LEV_K_MAX + 1. A has no C, B is all C: the count of C
 * alone forces len(B) edits, and that many substitutions suffice. */
START_TEST(test_lev_distance_exactly_k_max)
{
	char a[LEV_K_MAX + 1], b[LEV_K_MAX + 1];
	struct rng r;
	size_t i;

	rng_init(&r, SEED, 5);
	for (i = 0; i <= LEV_K_MAX; i++)
		a[i] = "AGT"[rng_below(&r, 3)];
	memset(b, 'C', sizeof b);
	ck_assert_uint_eq(lev_bounded(a, LEV_K_MAX, b, LEV_K_MAX, LEV_K_MAX),
	    LEV_K_MAX);
	ck_assert_uint_eq(lev_bounded(a, LEV_K_MAX, b, LEV_K_MAX,
	    LEV_K_MAX - 1), LEV_K_MAX);
	ck_assert_uint_eq(lev_bounded(a, LEV_K_MAX + 1, b, LEV_K_MAX + 1,
	    LEV_K_MAX), LEV_K_MAX + 1);
	ck_assert_uint_eq(lev_bounded(a, LEV_K_MAX, "", 0, LEV_K_MAX),
	    LEV_K_MAX);
	ck_assert_uint_eq(lev_bounded("", 0, b, LEV_K_MAX + 1, LEV_K_MAX),
	    LEV_K_MAX + 1);
}
END_TEST

/* Lengths further apart than k are rejected whatever the content. */
START_TEST(test_lev_length_gap_over_k)
{
	ck_assert_uint_eq(lev_bounded("ACGTACGT", 8, "ACG", 3, 4), 5);
	ck_assert_uint_eq(lev_bounded("ACGTACGT", 8, "ACG", 3, 5), 5);
	ck_assert_uint_eq(lev_bounded("ACG", 3, "ACGTACGT", 8, 5), 5);
	ck_assert_uint_eq(lev_bounded("ACG", 3, "ACGTACGT", 8, 6), 5);
	ck_assert_uint_eq(lev_bounded("ACGTACGT", 8, "ACG", 3, 0), 1);
}
END_TEST

/* Three million equal bytes in two separate buffers: distance 0 at any k,
 * and the word-wise prefix strip makes it quick. */
START_TEST(test_lev_equal_long)
{
	size_t n = 3000000;
	char *a = xmalloc(n), *b = xmalloc(n);
	struct rng r;

	rng_init(&r, SEED, 6);
	fill_random(&r, a, n);
	memcpy(b, a, n);
	ck_assert_uint_eq(lev_bounded(a, n, b, n, 0), 0);
	ck_assert_uint_eq(lev_bounded(a, n, b, n, 5), 0);
	ck_assert_uint_eq(lev_bounded(a, n, b, n, LEV_K_MAX), 0);
	free(a);
	free(b);
}
END_TEST

/*
 * Two million bases from {A, G, T}; the copy gets C substituted at three
 * far-apart places and one C inserted. Each edit changes the number of Cs
 * by at most one, so the distance is at least 4, and those 4 edits give it:
 * exactly 4, on strings far too long for the reference.
 */
START_TEST(test_lev_long_sparse_edits_exact)
{
	size_t n = 2000000;
	char *a = xmalloc(n), *b = xmalloc(n + 1);
	struct rng r;
	size_t i;

	rng_init(&r, SEED, 7);
	for (i = 0; i < n; i++)
		a[i] = "AGT"[rng_below(&r, 3)];
	memcpy(b, a, 1000);
	b[1000] = 'C';				/* insertion */
	memcpy(b + 1001, a + 1000, n - 1000);
	b[1 + 5] = 'C';				/* substitutions */
	b[1 + 999999] = 'C';
	b[1 + n - 3] = 'C';
	ck_assert_uint_eq(lev_bounded(a, n, b, n + 1, 3), 4);
	ck_assert_uint_eq(lev_bounded(a, n, b, n + 1, 4), 4);
	ck_assert_uint_eq(lev_bounded(b, n + 1, a, n, 4), 4);
	ck_assert_uint_eq(lev_bounded(a, n, b, n + 1, 10), 4);
	ck_assert_uint_eq(lev_bounded(a, n, b, n + 1, LEV_K_MAX), 4);
	ck_assert_uint_eq(lev_bounded(a, n, b, n + 1, 0), 1);
	free(a);
	free(b);
}
END_TEST

/* ---- comparisons with the reference ---- */

static const size_t EDGE_LENS[] = { 0, 1, 2, 63, 64, 65, 127, 128, 129 };
#define N_EDGE_LENS (sizeof EDGE_LENS / sizeof EDGE_LENS[0])

/*
 * Builds and checks boundary pair idx: a random string of length la and,
 * for variant 0, an independent one of length lb; otherwise a mutated copy
 * of a (up to 2 * variant edits when the lengths agree), cut or padded with
 * random bases to length lb when they do not.
 */
static void
boundary_pair(unsigned long idx, size_t la, size_t lb, size_t variant)
{
	char a[256], b[256];
	struct rng r;

	rng_init(&r, SEED + 10, idx);
	fill_random(&r, a, la);
	if (variant == 0) {
		fill_random(&r, b, lb);
	} else if (la == lb) {
		lb = mutate(&r, a, la, b, rng_range(&r, 0, variant * 2));
	} else {
		size_t m = mutate(&r, a, la, b, rng_range(&r, 0, variant));

		if (m < lb)
			fill_random(&r, b + m, lb - m);
	}
	check_pair(&r, "boundary", SEED + 10, idx, a, la, b, lb);
}

/* Every pair of the word-boundary lengths, as mutated copies (few and many
 * edits) and as independent strings. */
START_TEST(test_lev_boundary_lengths_vs_reference)
{
	size_t i, j, variant;
	unsigned long idx = 0;

	for (i = 0; i < N_EDGE_LENS; i++)
		for (j = 0; j < N_EDGE_LENS; j++)
			for (variant = 0; variant < 8; variant++)
				boundary_pair(idx++, EDGE_LENS[i],
				    EDGE_LENS[j], variant);
}
END_TEST

/* Repeated units make many diagonals slide a long way; mutated repeats and
 * pairs of different repeats are both checked. */
START_TEST(test_lev_repeats_vs_reference)
{
	char a[400], b[400];
	struct rng r;
	unsigned long idx;

	for (idx = 0; idx < 4000; idx++) {
		size_t la, lb;

		rng_init(&r, SEED + 11, idx);
		la = rng_range(&r, 0, 300);
		fill_repeat(&r, a, la);
		if (idx % 4 == 0) {
			lb = la + rng_below(&r, 9);
			lb = lb < 4 ? lb : lb - 4;
			fill_repeat(&r, b, lb);
		} else {
			lb = mutate(&r, a, la, b, rng_range(&r, 0, 12));
		}
		check_pair(&r, "repeats", SEED + 11, idx, a, la, b, lb);
	}
}
END_TEST

/*
 * The main property test: n_pairs seeded random pairs. Lengths are the word
 * boundaries or uniform in 0..300; the first string is random or a repeat;
 * the second is usually a mutation of it (mostly few edits, sometimes up to
 * 40) and sometimes independent. Each pair is checked at many k.
 */
START_TEST(test_lev_random_vs_reference)
{
	char a[512], b[512];
	struct rng r;
	unsigned long idx;

	for (idx = 0; idx < n_pairs; idx++) {
		size_t la, lb, kind, edits;

		rng_init(&r, SEED, idx);
		la = rng_below(&r, 2) ? EDGE_LENS[rng_below(&r, N_EDGE_LENS)]
		    : rng_range(&r, 0, 300);
		if (rng_below(&r, 5) == 0)
			fill_repeat(&r, a, la);
		else
			fill_random(&r, a, la);
		kind = rng_below(&r, 20);
		if (kind < 2) {
			/* Independent, of any length. */
			lb = rng_range(&r, 0, 300);
			fill_random(&r, b, lb);
		} else if (kind < 4) {
			/* Independent, of nearly the same length. */
			lb = la + rng_below(&r, 13);
			lb = lb < 6 ? lb : lb - 6;
			fill_random(&r, b, lb);
		} else {
			size_t t = rng_below(&r, 10);

			edits = t < 6 ? rng_range(&r, 0, 3)
			    : t < 9 ? rng_range(&r, 4, 12)
			    : rng_range(&r, 13, 40);
			lb = mutate(&r, a, la, b, edits);
		}
		check_pair(&r, "random", SEED, idx, a, la, b, lb);
	}
}
END_TEST

/* The oracle's banded reference equals min(full reference, k + 1) for
 * every k, on mutated and independent pairs up to 300 bases. */
START_TEST(test_ref_banded_vs_full)
{
	char a[512], b[512];
	struct rng r;
	unsigned long idx;
	size_t la, lb, full, k;

	for (idx = 0; idx < 20000; idx++) {
		rng_init(&r, SEED + 23, idx);
		la = rng_range(&r, 0, 300);
		fill_random(&r, a, la);
		if (rng_below(&r, 4) == 0) {
			lb = rng_range(&r, 0, 300);
			fill_random(&r, b, lb);
		} else
			lb = mutate(&r, a, la, b, rng_range(&r, 0, 15));
		full = lev_ref(a, la, b, lb);
		for (k = 0; k <= 20; k++)
			ck_assert_msg(lev_ref_banded(a, la, b, lb, k) ==
			    (full <= k ? full : k + 1),
			    "pair %lu: la=%zu lb=%zu k=%zu banded=%zu full=%zu", idx,
			    la, lb, k, lev_ref_banded(a, la, b, lb, k), full);
	}
}
END_TEST

/* Fewer, longer pairs (2,000 to 6,000 bases), where rows run past any
 * small-number assumption; the reference is quadratic, hence the count. */
START_TEST(test_lev_long_random_vs_reference)
{
	unsigned long n_long = n_pairs / 4000 < 2 ? 2 : n_pairs / 4000;
	char *a = xmalloc(6000), *b = xmalloc(6000 + 300);
	struct rng r;
	unsigned long idx;

	for (idx = 0; idx < n_long; idx++) {
		size_t la, lb;

		rng_init(&r, SEED + 12, idx);
		la = rng_range(&r, 2000, 6000);
		if (idx % 5 == 4)
			fill_repeat(&r, a, la);
		else
			fill_random(&r, a, la);
		if (idx % 8 == 7) {
			lb = la - rng_below(&r, 20);
			fill_random(&r, b, lb);
		} else {
			lb = mutate(&r, a, la, b, idx % 3 == 0 ?
			    rng_range(&r, 0, 10) : rng_range(&r, 0, 300));
		}
		check_pair(&r, "long", SEED + 12, idx, a, la, b, lb);
	}
	free(a);
	free(b);
}
END_TEST

/* Distance is symmetric; the kernel must agree with itself both ways. */
START_TEST(test_lev_symmetric)
{
	char a[256], b[256];
	struct rng r;
	unsigned long idx;

	for (idx = 0; idx < 20000; idx++) {
		size_t la, lb;
		unsigned k, ab, ba;

		rng_init(&r, SEED + 13, idx);
		la = rng_range(&r, 0, 200);
		fill_random(&r, a, la);
		lb = mutate(&r, a, la, b, rng_range(&r, 0, 15));
		k = (unsigned)rng_range(&r, 0, 12);
		ab = lev_bounded(a, la, b, lb, k);
		ba = lev_bounded(b, lb, a, la, k);
		if (ab != ba)
			ck_abort_msg("symmetric: seed %#llx index %lu: la=%zu "
			    "lb=%zu k=%u: a,b gives %u but b,a gives %u",
			    (unsigned long long)(SEED + 13), idx, la, lb, k,
			    ab, ba);
	}
}
END_TEST

static Suite *
lev_suite(void)
{
	Suite *s = suite_create("lev");
	TCase *edge = tcase_create("edge");
	TCase *ref = tcase_create("reference");

	tcase_set_timeout(edge, TIMEOUT_S);
	tcase_add_test(edge, test_ref_known_values);
	tcase_add_test(edge, test_lev_both_empty);
	tcase_add_test(edge, test_lev_empty_vs_nonempty);
	tcase_add_test(edge, test_lev_k0_equal);
	tcase_add_test(edge, test_lev_k0_unequal);
	tcase_add_test(edge, test_lev_length_one);
	tcase_add_test(edge, test_lev_substitution_at_first_position);
	tcase_add_test(edge, test_lev_substitution_at_last_position);
	tcase_add_test(edge, test_lev_substitution_at_middle_position);
	tcase_add_test(edge, test_lev_slide_difference_at_offsets_7_8_9);
	tcase_add_test(edge, test_lev_embedded_nul);
	tcase_add_test(edge, test_lev_high_bytes);
	tcase_add_test(edge, test_lev_k_above_max_clamped);
	tcase_add_test(edge, test_lev_distance_exactly_k_max);
	tcase_add_test(edge, test_lev_length_gap_over_k);
	tcase_add_test(edge, test_lev_equal_long);
	tcase_add_test(edge, test_lev_long_sparse_edits_exact);
	suite_add_tcase(s, edge);

	tcase_set_timeout(ref, TIMEOUT_S);
	tcase_add_test(ref, test_lev_boundary_lengths_vs_reference);
	tcase_add_test(ref, test_lev_repeats_vs_reference);
	tcase_add_test(ref, test_lev_random_vs_reference);
	tcase_add_test(ref, test_lev_long_random_vs_reference);
	tcase_add_test(ref, test_lev_symmetric);
	tcase_add_test(ref, test_ref_banded_vs_full);
	suite_add_tcase(s, ref);
	return s;
}

/* Reads DNADB_LEV_PAIRS if set; false (with a message) if it is not a
 * positive decimal number. */
static int
read_pairs_env(void)
{
	const char *v = getenv("DNADB_LEV_PAIRS");
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return 1;
	n = strtoul(v, &end, 10);
	if (*end != '\0' || n == 0 || v[0] == '-') {
		fprintf(stderr, "check_lev: DNADB_LEV_PAIRS=%s is not a "
		    "positive number\n", v);
		return 0;
	}
	n_pairs = n;
	return 1;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (!read_pairs_env())
		return 2;
	sr = srunner_create(lev_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
