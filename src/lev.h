/*
 * lev.h: the bounded edit-distance kernel. It answers one question, "is the
 * Levenshtein distance between these two byte strings at most k, and if so
 * what is it?", fast enough to run against every candidate a search visits.
 */
#ifndef LEV_H
#define LEV_H

#include <stddef.h>

#define LEV_K_MAX 255u  /* largest bound the kernel accepts */

/*
 * Returns the Levenshtein distance (unit-cost insert, delete, substitute)
 * between a[0..la) and b[0..lb) if it is at most k, otherwise k + 1. k must
 * be <= LEV_K_MAX (a larger k is clamped to LEV_K_MAX, so the "too far"
 * answer is then LEV_K_MAX + 1). Any lengths (up to millions of bytes); the
 * strings are byte arrays, not NUL-terminated, and may contain NUL bytes.
 * Allocates nothing on the heap and keeps no state, so it is safe to call
 * from any number of threads at once. Cost is O(la + lb + k * k) when the
 * strings are similar and O(k * (la + lb)) at worst.
 */
unsigned lev_bounded(const char *a, size_t la, const char *b, size_t lb,
    unsigned k);

#endif /* LEV_H */
