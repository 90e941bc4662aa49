/*
 * lev.c: the bounded edit-distance kernel (see lev.h for the contract).
 *
 * Method: Landau-Vishkin diagonal transition. Diagonal d holds the cells
 * (i, i + d) of the usual DP matrix, i indexing a and i + d indexing b. For
 * each error count e = 0, 1, ... we keep, per diagonal, the furthest row i
 * reachable with at most e edits; from one level to the next a diagonal
 * takes the best of a substitution (same diagonal, one row on), a deletion
 * (from diagonal d + 1, one row on) and an insertion (from diagonal d - 1,
 * same row), then "slides" down while the bytes match, which is free. The
 * distance is the first e at which the target diagonal lb - la reaches row
 * la. Only O(k) diagonals and k + 1 levels are ever looked at, so a pair
 * that is within k costs about O(n + k^2) and a pair that is not costs
 * O(k * n) at worst and is abandoned as soon as e passes k.
 */
#include <stdint.h>
#include <string.h>

#include "lev.h"

/*
 * The slide compares eight bytes at a time: XOR two words and find the
 * first set bit. Which end of the word holds the first byte depends on the
 * byte order, so pick the bit scan to match; on a compiler or byte order
 * we cannot identify, fall back to comparing bytes one by one.
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LEV_WORDS 1
/* Index of the lowest-addressed differing byte in a nonzero XOR word. */
#define LEV_FIRST_BYTE(z) ((size_t)__builtin_ctzll(z) >> 3)
/* Count of equal bytes at the high-address end of a nonzero XOR word. */
#define LEV_LAST_BYTES(z) ((size_t)__builtin_clzll(z) >> 3)
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LEV_WORDS 1
#define LEV_FIRST_BYTE(z) ((size_t)__builtin_clzll(z) >> 3)
#define LEV_LAST_BYTES(z) ((size_t)__builtin_ctzll(z) >> 3)
#else
#define LEV_WORDS 0
#endif

/*
 * Returns how many leading bytes a[0..n) and b[0..n) have in common. This is
 * the hot loop of the whole kernel (every slide and the prefix strip), which
 * is why it works a word at a time; memcpy keeps the unaligned loads legal.
 */
static size_t
common_prefix(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i = 0;

#if LEV_WORDS
	while (n - i >= 8) {
		uint64_t x, y, z;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		z = x ^ y;
		if (z != 0)
			return i + LEV_FIRST_BYTE(z);
		i += 8;
	}
#endif
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/*
 * Returns how many trailing bytes the n bytes ending just before ae and the
 * n bytes ending just before be have in common. Used once per call to strip
 * the common suffix, which otherwise would have to be slid over by every
 * diagonal near the target.
 */
static size_t
common_suffix(const unsigned char *ae, const unsigned char *be, size_t n)
{
	size_t i = 0;

#if LEV_WORDS
	while (n - i >= 8) {
		uint64_t x, y, z;

		memcpy(&x, ae - i - 8, 8);
		memcpy(&y, be - i - 8, 8);
		z = x ^ y;
		if (z != 0)
			return i + LEV_LAST_BYTES(z);
		i += 8;
	}
#endif
	while (i < n && ae[-1 - (ptrdiff_t)i] == be[-1 - (ptrdiff_t)i])
		i++;
	return i;
}

/*
 * Extends row i on diagonal d as far as the bytes of a and b agree, without
 * running off the end of either string. The caller guarantees the cell
 * (i, i + d) lies inside the matrix: 0 <= i <= la and 0 <= i + d <= lb.
 */
static ptrdiff_t
slide(const unsigned char *a, ptrdiff_t la, const unsigned char *b,
    ptrdiff_t lb, ptrdiff_t i, ptrdiff_t d)
{
	ptrdiff_t room_a = la - i, room_b = lb - (i + d);
	ptrdiff_t room = room_a < room_b ? room_a : room_b;

	return i + (ptrdiff_t)common_prefix(a + i, b + i + d, (size_t)room);
}

/*
 * Furthest-reaching rows, one slot per diagonal -LEV_K_MAX..LEV_K_MAX plus
 * one spare at each end, indexed by d + LEV_DIAG_BIAS.
 */
#define LEV_DIAG_BIAS ((ptrdiff_t)LEV_K_MAX + 1)
#define LEV_DIAG_SLOTS (2 * LEV_K_MAX + 3)

unsigned
lev_bounded(const char *a, size_t la, const char *b, size_t lb, unsigned k)
{
	const unsigned char *pa = (const unsigned char *)a;
	const unsigned char *pb = (const unsigned char *)b;
	ptrdiff_t buf0[LEV_DIAG_SLOTS], buf1[LEV_DIAG_SLOTS];
	ptrdiff_t *prev = buf0 + LEV_DIAG_BIAS, *cur = buf1 + LEV_DIAG_BIAS;
	ptrdiff_t n, m, dt, kk, e, plo, phi;
	size_t gap, shorter, pre, suf;

	if (k > LEV_K_MAX)
		k = LEV_K_MAX;

	/* Every edit changes the length by at most one. */
	gap = la > lb ? la - lb : lb - la;
	if (gap > k)
		return k + 1;

	/*
	 * A common prefix or suffix never needs editing (an optimal
	 * alignment can always match it), so drop both: the rest of the
	 * work then only sees the differing middle.
	 */
	shorter = la < lb ? la : lb;
	pre = common_prefix(pa, pb, shorter);
	pa += pre;
	pb += pre;
	la -= pre;
	lb -= pre;
	shorter -= pre;
	suf = common_suffix(pa + la, pb + lb, shorter);
	la -= suf;
	lb -= suf;
	/* With one side empty the distance is the other's length, <= k. */
	if (la == 0)
		return (unsigned)lb;
	if (lb == 0)
		return (unsigned)la;
	/* Both nonempty after stripping, so they differ: distance >= 1. */
	if (k == 0)
		return k + 1;

	n = (ptrdiff_t)la;
	m = (ptrdiff_t)lb;
	dt = m - n;	/* the diagonal holding the end cell (n, m) */
	kk = (ptrdiff_t)k;

	/* Level 0: only diagonal 0, reached by matching alone. */
	prev[0] = slide(pa, n, pb, m, 0, 0);
	if (dt == 0 && prev[0] == n)
		return 0;
	plo = phi = 0;

	for (e = 1; e <= kk; e++) {
		ptrdiff_t lo, hi, d;

		/*
		 * The band: diagonal d needs |d| edits just to be entered and
		 * |d - dt| more to get back to the target, so only d with
		 * |d| <= e and e + |d - dt| <= k can lie on a path that ends
		 * within k. Every ancestor of an in-band cell is in band too,
		 * so dropping the rest loses nothing. It must also stay in
		 * the matrix: -n <= d <= m. The band is never empty because
		 * |dt| <= k, and each of its diagonals has a neighbour (d - 1,
		 * d or d + 1) inside the previous level's band [plo, phi].
		 */
		lo = -e;
		if (lo < -n)
			lo = -n;
		if (lo < dt - (kk - e))
			lo = dt - (kk - e);
		hi = e;
		if (hi > m)
			hi = m;
		if (hi > dt + (kk - e))
			hi = dt + (kk - e);

		for (d = lo; d <= hi; d++) {
			ptrdiff_t i = -1;

			if (d >= plo && d <= phi)
				i = prev[d] + 1;		/* substitute */
			if (d + 1 >= plo && d + 1 <= phi &&
			    prev[d + 1] + 1 > i)
				i = prev[d + 1] + 1;	/* delete from a */
			if (d - 1 >= plo && d - 1 <= phi && prev[d - 1] > i)
				i = prev[d - 1];	/* insert into a */
			/*
			 * A move can step past the end of a string; the cell
			 * where the diagonal leaves the matrix is then still
			 * reachable with e edits (neighbouring DP cells differ
			 * by at most one), so clamp to it.
			 */
			if (i > n)
				i = n;
			if (i + d > m)
				i = m - d;
			cur[d] = slide(pa, n, pb, m, i, d);
		}
		if (dt >= lo && dt <= hi && cur[dt] == n)
			return (unsigned)e;

		{
			ptrdiff_t *t = prev;

			prev = cur;
			cur = t;
		}
		plo = lo;
		phi = hi;
	}
	return k + 1;
}
