/*
 * lev_ref.h: the test-only reference Levenshtein distance. It is the oracle
 * the fast kernel (src/lev.c) and the search service are checked against,
 * so it is the plainest possible full dynamic program: no bound, no band,
 * no early exit, nothing clever to get wrong.
 */
#ifndef LEV_REF_H
#define LEV_REF_H

#include <stddef.h>

/*
 * Returns the exact Levenshtein distance (unit-cost insert, delete,
 * substitute) between the byte arrays a[0..la) and b[0..lb), which need not
 * be NUL-terminated and may contain NUL bytes. Takes O(la * lb) time and
 * O(lb) heap memory; aborts the program if that memory cannot be had, since
 * a test oracle that cannot answer must not pretend to.
 */
size_t lev_ref(const char *a, size_t la, const char *b, size_t lb);

/*
 * min(lev_ref(a, b), k + 1), computed on the diagonal band |i - j| <= k
 * only: cells outside it cannot lie on a path of cost <= k. O(la * k).
 * check_lev compares it with lev_ref on many random pairs.
 */
size_t lev_ref_banded(const char *a, size_t la, const char *b, size_t lb,
    size_t k);

#endif /* LEV_REF_H */
