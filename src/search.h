/*
 * search.h: exact Levenshtein search over the stored sequences, one page
 * at a time in (distance, id) order.
 *
 * At max_distance 0 the answer is one look-up of the query in the hash
 * index of the sequences' uniqueness constraint. Otherwise the length
 * window |q| - k .. |q| + k is cut into runs of lengths planned alike
 * (src/seg.h): lengths the segment index filters at k (tiers for rows of
 * 16-255 bases, slots for longer ones) come from the index, whose
 * probe keys select candidate ids, read in id order in batches, with
 * their sequences (short rows) or fetched in batches bounded in bytes;
 * the other lengths come from a scan in bounded batches. Every candidate is
 * verified in C with lev_bounded(); only the top (limit + 1) results after
 * the cursor are kept. The handlers see only this interface.
 */
#ifndef SEARCH_H
#define SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "store.h"
#include "dnadb.h"

struct search_hit {
	long long  id;
	unsigned   distance;
	long       length;
	char      *sequence;  /* owned by the page */
};

struct search_page {
	struct search_hit *hits;      /* owned; n entries in (distance, id) order */
	size_t             n;
	bool               more;      /* results follow the last hit */
	unsigned           last_distance; /* position of the last hit taken */
	long long          last_id;       /* (for the next cursor) */
	size_t             scanned;   /* rows read by length scans (for the log) */
	size_t             candidates;/* rows the index proposed (for the log) */
	size_t             probes;    /* probe keys sent (for the log) */
	unsigned           stage_k;   /* the k of the stage that completed */
};

struct search_query {
	const char *q;        /* upper-case bases, NUL-terminated, borrowed */
	size_t      qlen;
	unsigned    k;
	size_t      limit;
	bool        after;    /* resume after (after_distance, after_id) */
	unsigned    after_distance;
	long long   after_id;
};

/*
 * Fills page with the next results of sq. Returns DNA_OK or an error in f:
 * database unavailable, or DNA_E_QUERY_TOO_BROAD when the search would
 * take longer than the configured budget. Release with search_page_free()
 * in every case.
 */
enum dna_err search_run(struct store *st, const struct config *cfg,
    const struct search_query *sq, struct search_page *page,
    struct dna_fail *f);

void search_page_free(struct search_page *page);

#endif /* SEARCH_H */
