/*
 * lev_ref.c: the reference Levenshtein distance used as a test oracle; see
 * lev_ref.h. Textbook Wagner-Fischer with two rows.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lev_ref.h"

/*
 * Row i of the DP matrix holds D[i][j], the distance between a[0..i) and
 * b[0..j), for j = 0..lb. D[0][j] = j and D[i][0] = i (all insertions or all
 * deletions); every other cell is the cheapest of deleting a[i-1], inserting
 * b[j-1], or matching/substituting a[i-1] with b[j-1]. Only the previous row
 * is needed to compute the next, so two rows are kept and swapped.
 */
size_t
lev_ref(const char *a, size_t la, const char *b, size_t lb)
{
	size_t *prev, *cur, *tmp;
	size_t i, j, result;

	prev = calloc(lb + 1, sizeof *prev);
	cur = calloc(lb + 1, sizeof *cur);
	if (prev == NULL || cur == NULL) {
		fprintf(stderr, "lev_ref: out of memory for %zu-column rows\n",
		    lb + 1);
		abort();
	}
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1;
			size_t ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] +
			    (a[i - 1] == b[j - 1] ? 0 : 1);
			size_t best = del;

			if (ins < best)
				best = ins;
			if (sub < best)
				best = sub;
			cur[j] = best;
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	result = prev[lb];
	free(prev);
	free(cur);
	return result;
}

/*
 * The same dynamic program restricted to the band |i - j| <= k. Any
 * alignment path through a cell outside the band already costs more than
 * k (it has made more than k insertions or deletions net), so treating
 * those cells as k + 1 changes no distance that is at most k (Ukkonen,
 * 1985). O(la * k) time: the oracle's answer for large, mostly distant
 * sets. Returns min(distance, k + 1).
 */
size_t
lev_ref_banded(const char *a, size_t la, const char *b, size_t lb, size_t k)
{
	size_t inf = k + 1, *prev, *cur, *tmp, i, j, lo, hi, v, d;

	if ((la > lb ? la - lb : lb - la) > k)
		return inf;
	prev = malloc((lb + 2) * sizeof(*prev));
	cur = malloc((lb + 2) * sizeof(*cur));
	if (prev == NULL || cur == NULL)
		abort();
	for (j = 0; j <= lb + 1; j++)
		prev[j] = j <= k && j <= lb ? j : inf;
	for (i = 1; i <= la; i++) {
		lo = i > k ? i - k : 0;
		hi = i + k < lb ? i + k : lb;
		/* The cells just outside this row's band, which the next row
		 * reads, are out of reach. */
		if (lo > 0)
			cur[lo - 1] = inf;
		if (hi + 1 <= lb + 1)
			cur[hi + 1] = inf;
		for (j = lo; j <= hi; j++) {
			if (j == 0) {
				cur[0] = i <= k ? i : inf;
				continue;
			}
			d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			v = prev[j] + 1;
			if (v < d)
				d = v;
			v = cur[j - 1] + 1;
			if (v < d)
				d = v;
			cur[j] = d < inf ? d : inf;
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	v = prev[lb] < inf ? prev[lb] : inf;
	free(prev);
	free(cur);
	return v;
}
