/*
 * seg.h: the segment scheme of the edit-distance index (a partition
 * filter in the manner of PassJoin, Li et al., VLDB 2011).
 *
 * A stored sequence of length L has L / SEG_W slots of SEG_W bases at
 * fixed positions 0, SEG_W, 2 SEG_W, ...; m(L) = min(L / SEG_W,
 * max(SEG_MIN, L / SEG_PER_K + 1)) of them are indexed (fewer keys per row
 * make inserts cheaper; m(L) grows with L so that a query searched with k
 * up to 5 % of its own length is filtered). The indexed slots are the
 * first m(L) of one fixed sequence of slot numbers, seg_slot(0),
 * seg_slot(1), ...: slots 0 to SEG_MIN - 1, then one slot per SEG_PER_K
 * bases (seg_slot(i) = 19 i / 12 - 1), so the segments of a long sequence
 * are spread over its whole length, not only its start, and two rows of
 * nearby lengths share their slot numbers. Each segment becomes one key:
 * (slot number << 32) | the segment's bases packed two bits each.
 *
 * If ed(q, s) <= k, each edit destroys at most one segment (they are
 * disjoint), so at least m(L) - k segments of s occur unchanged in q, a
 * segment at position p of s at position p + t of q with
 * |t| + |(|q| - L) - t| <= k (the edits before it shift it by t, those
 * after it account for the rest of the length difference). The same
 * holds for any subset of the segments: if u of them are probed, at
 * least u - k are intact. A query for rows of lengths lo..hi therefore
 * probes, at every such shift, either every indexed slot of the longest
 * row (when it has at most SEG_PROBE_SLOTS) or u = max(SEG_PROBE_SLOTS,
 * k + 1) slots spread evenly over the m(lo) slots that every row of the
 * window has (so that the work per search does not grow with the length
 * of the query while the probes still cover its whole length), and keeps
 * the rows that match at least min(m(L), u) - k of them: a superset of
 * the answer, which the kernel then verifies. When that is < 1 the
 * filter says nothing and those lengths are scanned instead.
 *
 * The scheme is part of the stored data: changing any of SEG_W, SEG_MIN,
 * SEG_PER_K or seg_slot() changes which keys a row must have, so
 * SEG_SCHEME (recorded in dnadb_meta by dnadb migrate and dnadb reindex)
 * changes with them, and a worker refuses to serve an index built with
 * another scheme until `dnadb reindex` (or the migration that came with
 * the change) has rebuilt it.
 */
#ifndef SEG_H
#define SEG_H

#include <stddef.h>
#include <stdint.h>

#define SEG_W     12  /* bases per segment: 4^12 = 16.7 M distinct codes */
#define SEG_MIN   6   /* segments kept when the length allows */
#define SEG_PER_K 19  /* beyond SEG_MIN, one segment per 19 bases */
/* Slots a search probes (at each of its 2 k + 1 shifts at most) when a
 * row has more, unless k + 1 are needed: at most 256 x 511 keys. */
#define SEG_PROBE_SLOTS 72

#define SEG_XSTR(x) SEG_STR(x)
#define SEG_STR(x)  #x
/* The name of the scheme, e.g. "w12-min6-per19-spread-v2". */
#define SEG_SCHEME "w" SEG_XSTR(SEG_W) "-min" SEG_XSTR(SEG_MIN) "-per" \
	SEG_XSTR(SEG_PER_K) "-spread-v2"

/* The number of indexed segments of a sequence of length len. */
size_t seg_count(size_t len);

/* The slot number of the i-th indexed segment of every sequence long
 * enough to have it (its bases start at SEG_W * seg_slot(i)). */
size_t seg_slot(size_t i);

/* The least number of segments a row of length len must share with the
 * query to be within k edits (may be zero or negative: no filtering). */
long seg_need(size_t len, unsigned k);

/* The same when the probes cover segs slots that the row has, or (when
 * the row has fewer) all of its own (seg_probe_segs()):
 * min(seg_count(len), segs) - k. */
long seg_need_of(size_t len, unsigned k, size_t segs);

/* The shortest length whose rows the index can filter for k (need >= 1). */
size_t seg_min_len(unsigned k);

/* Writes the keys of s[0..len) (upper-case ACGT) into keys[0..seg_count(len))
 * and returns their number. keys must hold seg_count(len) entries. */
size_t seg_keys(const char *s, size_t len, int64_t *keys);

/* The number of slots the probes of a window lo..hi (lo >=
 * seg_min_len(k)) cover at k: seg_count(hi) if that is at most
 * SEG_PROBE_SLOTS, else max(SEG_PROBE_SLOTS, k + 1) spread over the first
 * seg_count(lo) slots. */
size_t seg_probe_segs(unsigned k, size_t lo, size_t hi);

/*
 * Computes the distinct, sorted probe keys of query q[0..qlen) for rows
 * with lengths lo..hi (lo >= seg_min_len(k)) within k edits, over the
 * seg_probe_segs(k, lo, hi) slots. Writes at most cap keys; returns their
 * number, or (size_t)-1 if cap is too small (seg_probe_cap(k, lo, hi) is
 * always enough).
 */
size_t seg_probes(const char *q, size_t qlen, unsigned k, size_t lo,
    size_t hi, int64_t *keys, size_t cap);

/* A number of probe keys that seg_probes() never exceeds. */
size_t seg_probe_cap(unsigned k, size_t lo, size_t hi);

#endif /* SEG_H */
