/*
 * seg.h: the segment scheme of the edit-distance index (a partition
 * filter in the manner of PassJoin, Li et al., VLDB 2011).
 *
 * A stored sequence of length L is cut into segments of SEG_W bases at
 * fixed positions 0, SEG_W, 2 SEG_W, ..., of which the first m(L) =
 * min(L / SEG_W, max(SEG_MIN, L / SEG_PER_K + 1), SEG_MAX) are indexed
 * (fewer keys per row make inserts cheaper; m(L) grows with L so that a
 * query searched with k up to 5 % of its own length is filtered). Each segment becomes
 * one key: (segment number << 32) | the segment's bases packed two bits
 * each. If ed(q, s) <= k, each edit destroys at most one segment, so at
 * least m(L) - k segments of s occur unchanged in q, segment i at a
 * position 12 i + t with |t| + |(|q| - L) - t| <= k. A query therefore
 * probes the keys of every such substring of q and keeps the rows that
 * match at least m(L) - k of them: a superset of the answer, which the
 * kernel then verifies. When m(L) - k < 1 the filter says nothing and
 * those lengths are scanned instead.
 *
 * The scheme is part of the stored data: changing any of SEG_W, SEG_MIN,
 * SEG_PER_K or SEG_MAX changes which keys a row must have, so SEG_SCHEME
 * (recorded in dnadb_meta by migration 002 and by dnadb reindex) changes
 * with them, and a worker refuses to serve an index built with another
 * scheme until `dnadb reindex` has rebuilt it.
 */
#ifndef SEG_H
#define SEG_H

#include <stddef.h>
#include <stdint.h>

#define SEG_W     12  /* bases per segment: 4^12 = 16.7 M distinct codes */
#define SEG_MIN   6   /* segments kept when the length allows */
#define SEG_PER_K 19  /* beyond SEG_MIN, one segment per 19 bases ... */
#define SEG_MAX   72  /* ... up to 72 (the first 864 bases) */

#define SEG_XSTR(x) SEG_STR(x)
#define SEG_STR(x)  #x
/* The name of the scheme, e.g. "w12-min6-per19-max72-v1". */
#define SEG_SCHEME "w" SEG_XSTR(SEG_W) "-min" SEG_XSTR(SEG_MIN) "-per" \
	SEG_XSTR(SEG_PER_K) "-max" SEG_XSTR(SEG_MAX) "-v1"

/* The number of indexed segments of a sequence of length len. */
size_t seg_count(size_t len);

/* The least number of segments a row of length len must share with the
 * query to be within k edits (may be zero or negative: no filtering). */
long seg_need(size_t len, unsigned k);

/* The shortest length whose rows the index can filter for k (need >= 1),
 * or 0 if no length can be (k >= SEG_MAX). */
size_t seg_min_len(unsigned k);

/* Writes the keys of s[0..len) (upper-case ACGT) into keys[0..seg_count(len))
 * and returns their number. keys must hold SEG_MAX entries. */
size_t seg_keys(const char *s, size_t len, int64_t *keys);

/*
 * Computes the distinct, sorted probe keys of query q[0..qlen) for rows
 * with lengths lo..hi (lo >= seg_min_len(k)) within k edits. Writes at
 * most cap keys; returns their number, or (size_t)-1 if cap is too small
 * (seg_probe_cap() is always enough).
 */
size_t seg_probes(const char *q, size_t qlen, unsigned k, size_t lo,
    size_t hi, int64_t *keys, size_t cap);

/* A number of probe keys that seg_probes() never exceeds for k. */
size_t seg_probe_cap(unsigned k);

#endif /* SEG_H */
