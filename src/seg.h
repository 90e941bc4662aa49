/*
 * seg.h: the segment scheme of the edit-distance index: which keys a
 * stored sequence has in seq_segments, which keys a query probes, and how
 * many of them a row within k edits is sure to share (partition filters
 * in the manner of PassJoin, Li, Deng, Wang, Feng, PVLDB 2011).
 *
 * The principle: cut a stored string s into disjoint segments. An edit
 * touches at most one segment, so if ed(q, s) <= k, at least (segments -
 * k) of them occur unchanged in q, each shifted by t = (insertions -
 * deletions before it), where |t| + |(|q| - |s|) - t| <= k. Probing the
 * query's substrings at those shifts and keeping the rows that match
 * enough of them yields a superset of the answer, which the kernel then
 * verifies exactly (src/lev.c).
 *
 * Two schemes, by the length L of the stored row:
 *
 * Tiers, for SEG_TIER_MIN <= L <= SEG_TIER_MAX (reads, amplicons,
 * junctions). The row is cut into m *even* segments (the first m - L % m
 * of L / m bases, the rest one longer) for two values of m, its tiers:
 *   m_hi(L) = min(SEG_TIER_MMAX, L / SEG_TIER_SEGMIN,
 *                 max(SEG_TIER_KMIN, L * SEG_TIER_PCT / 100) + 1)
 *   m_lo(L) = ceil(3 m_hi(L) / 4)
 * so that a search with k up to 18 % of the row's length (at least 6, at
 * most 23) finds a tier with m >= k + 1 whose segments are as long as
 * that k allows; smaller k use the tier with the longer segments. (Why
 * 3/4: the cost of a search is its probes and its candidates, and a
 * random row matches a probe with odds 4^-(segment length); m_lo = m_hi
 * / 2 left k just above m_lo with segments half as long as it needs, and
 * thousands of candidates at k = 15 on 115 bases; a third tier would
 * cost another 15-20 keys per row.) 18 %,
 * not 15: a query searched at 15 % of its own length reaches rows 15 %
 * shorter than itself, for which the same k is 17.6 % of their length.
 * A key holds m, L, the segment's number i and its bases (2 bits each),
 * so a probe only ever meets rows of one length, one tier and one
 * segment number. For
 * rows of length L a search at k uses the first tier with m >= k + 1 and
 * probes k + 1 of its segments, the middle ones (the ends of real
 * sequences are the parts most alike), with the multi-match-aware shifts
 * of PassJoin: the r-th chosen segment (from 0) at shifts t with |t| <= r
 * and |D - t| <= k - r, D = |q| - L; a row within k matches at least one
 * probe. Exact: of k + 1 disjoint segments in order and at most k edits,
 * let r be the first chosen segment that is intact with at most r edits
 * before it (one exists: otherwise, by induction, at least r + 1 edits
 * fall before the end of segment r, k + 1 in all). Segments 0..r-1 each
 * failed, so by the same induction at least r edits come before segment
 * r: exactly r, and so at most k - r after it. The shift t is the
 * insertions less the deletions before it, D - t those after it.
 * Lengths where neither tier has k + 1 segments are not filtered at that
 * k (the search scans them).
 *
 * Slots, for L > SEG_TIER_MAX (long sequences): L / SEG_W slots of SEG_W
 * bases at fixed positions 0, SEG_W, 2 SEG_W, ...; m(L) = min(L / SEG_W,
 * max(SEG_MIN, L / SEG_PER_K + 1)) of them are indexed: slots 0 to
 * SEG_MIN - 1, then one slot per SEG_PER_K bases (seg_slot(i) = 19 i / 12
 * - 1), spread over the whole length. A key is (slot << 32) | bases. A
 * query for rows of lengths lo..hi probes, at every shift, either every
 * slot of the longest row (when it has at most SEG_PROBE_SLOTS) or u =
 * max(SEG_PROBE_SLOTS, k + 1) slots spread evenly over the m(lo) slots
 * that every row of the window has, and keeps rows matching at least
 * min(m(L), u) - k of them. Rows with fewer than k + 1 slots are scanned.
 *
 * Rows shorter than SEG_TIER_MIN have no keys: searches scan them (k = 0
 * is a hash look-up and never uses this index).
 *
 * The scheme is part of the stored data: changing any constant here or
 * the key layout changes which keys a row must have, so SEG_SCHEME
 * (recorded in dnadb_meta by dnadb migrate and dnadb reindex) changes
 * with it, and a worker refuses to serve an index built with another
 * scheme until `dnadb reindex` (or the migration that came with the
 * change) has rebuilt it.
 */
#ifndef SEG_H
#define SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tiers. */
#define SEG_TIER_MIN    16  /* shortest row with tier keys */
#define SEG_TIER_MAX    255 /* longest (the length takes 8 bits of a key) */
#define SEG_TIER_PCT    18  /* k served: SEG_TIER_PCT % of the length ... */
#define SEG_TIER_KMIN   6   /* ... but at least this ... */
#define SEG_TIER_MMAX   24  /* ... and at most SEG_TIER_MMAX - 1 */
#define SEG_TIER_SEGMIN 4   /* segments are at least this long */
/* Longest tier segment (check_seg proves it for every length): its bases
 * fill the 44 low bits of a key. */
#define SEG_TIER_SEGMAX 22

/* Slots. */
#define SEG_W     12  /* bases per segment: 4^12 = 16.7 M distinct codes */
#define SEG_MIN   6   /* segments kept when the length allows */
#define SEG_PER_K 19  /* beyond SEG_MIN, one segment per 19 bases */
/* Slots a search probes (at each of its 2 k + 1 shifts at most) when a
 * row has more, unless k + 1 are needed: at most 256 x 511 keys. */
#define SEG_PROBE_SLOTS 72

#define SEG_XSTR(x) SEG_STR(x)
#define SEG_STR(x)  #x
/* The name of the scheme, e.g.
 * "tiers-p18-lo75-k6-m24-s4-l16-255+w12-min6-per19-spread-v3". */
#define SEG_SCHEME "tiers-p" SEG_XSTR(SEG_TIER_PCT) "-lo75-k" \
	SEG_XSTR(SEG_TIER_KMIN) "-m" SEG_XSTR(SEG_TIER_MMAX) "-s" \
	SEG_XSTR(SEG_TIER_SEGMIN) "-l" SEG_XSTR(SEG_TIER_MIN) "-" \
	SEG_XSTR(SEG_TIER_MAX) "+w" SEG_XSTR(SEG_W) "-min" SEG_XSTR(SEG_MIN) \
	"-per" SEG_XSTR(SEG_PER_K) "-spread-v3"

/* How a search at some k treats the stored rows of one length. */
enum seg_how {
	SEG_SCAN,   /* not filtered at this k: read them all */
	SEG_TIER,   /* tier m: probes from seg_tier_probes(), need 1 */
	SEG_SLOT    /* slots: probes from seg_probes() over the window */
};

struct seg_plan {
	enum seg_how how;
	size_t       m;     /* SEG_TIER: the tier's number of segments */
	long         need;  /* SEG_TIER: probes a row within k matches (1) */
};

/* The plan for stored rows of length len at distance k >= 1. */
struct seg_plan seg_plan_of(size_t len, unsigned k);

/* The keys a row of length len has (either scheme). */
size_t seg_count(size_t len);

/* Writes the keys of s[0..len) (upper-case ACGT) into keys[0..seg_count(len))
 * and returns their number. keys must hold seg_count(len) entries. */
size_t seg_keys(const char *s, size_t len, int64_t *keys);

/* Sorts keys[0..n) and drops repeats; returns the new count. */
size_t seg_sort_unique(int64_t *keys, size_t n);

/* --- Tiers (SEG_TIER_MIN <= len <= SEG_TIER_MAX; 0 outside) --- */

/* m_hi(len) and m_lo(len) (see above). */
size_t seg_tier_hi(size_t len);
size_t seg_tier_lo(size_t len);

/* The start and length of segment i (0 <= i < m) of an even partition of
 * len bases into m segments. */
void seg_part(size_t len, size_t m, size_t i, size_t *start, size_t *n);

/* The number of tier probes one stored length can need at k: a bound
 * for seg_tier_probes(). */
size_t seg_tier_probe_cap(unsigned k);

/*
 * Appends to keys[*n..cap) the probe keys of query q[0..qlen) for stored
 * rows of length len planned as p (p->how == SEG_TIER) at distance k.
 * Not sorted, may repeat. Returns false (and leaves *n anywhere <= cap) if
 * cap is too small.
 */
bool seg_tier_probes(const char *q, size_t qlen, unsigned k, size_t len,
    const struct seg_plan *p, int64_t *keys, size_t *n, size_t cap);

/* --- Slots (len > SEG_TIER_MAX) --- */

/* The number of indexed slots of a row of length len (0 if len <=
 * SEG_TIER_MAX). */
size_t seg_slot_count(size_t len);

/* The slot number of the i-th indexed slot of every row long enough to
 * have it (its bases start at SEG_W * seg_slot(i)). */
size_t seg_slot(size_t i);

/* The shortest length whose rows the slots filter at k (a row needs at
 * least k + 1 slots); always > SEG_TIER_MAX. */
size_t seg_slot_min_len(unsigned k);

/* The number of slots the probes of a window lo..hi (lo >=
 * seg_slot_min_len(k)) cover at k: seg_slot_count(hi) if that is at most
 * SEG_PROBE_SLOTS, else max(SEG_PROBE_SLOTS, k + 1) spread over the first
 * seg_slot_count(lo) slots. */
size_t seg_probe_segs(unsigned k, size_t lo, size_t hi);

/* The least number of keys a row of length len (a slot row) within k
 * shares with probes covering segs slots: min(seg_slot_count(len), segs)
 * - k. */
long seg_need_of(size_t len, unsigned k, size_t segs);

/*
 * Computes the distinct, sorted slot probe keys of query q[0..qlen) for
 * rows with lengths lo..hi (lo >= seg_slot_min_len(k)) within k edits,
 * over the seg_probe_segs(k, lo, hi) slots. Writes at most cap keys;
 * returns their number, or (size_t)-1 if cap is too small
 * (seg_probe_cap(k, lo, hi) is always enough).
 */
size_t seg_probes(const char *q, size_t qlen, unsigned k, size_t lo,
    size_t hi, int64_t *keys, size_t cap);

/* A number of slot probe keys that seg_probes() never exceeds. */
size_t seg_probe_cap(unsigned k, size_t lo, size_t hi);

#endif /* SEG_H */
