/*
 * search.h: exact Levenshtein search over the stored sequences, one page
 * at a time in (distance, id) order.
 *
 * This version scans the length window [|q| - k, |q| + k] in PostgreSQL in
 * bounded batches (keyset order on (length, id), never the whole window in
 * memory) and verifies every row in C with lev_bounded(). Only the top
 * (limit + 1) results after the cursor are kept. The handlers only see
 * this interface, so an index can replace the inside without touching them.
 */
#ifndef SEARCH_H
#define SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "db.h"
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
	size_t             scanned;   /* rows verified (for the log) */
};

struct search_query {
	const char *q;        /* upper-case bases, borrowed */
	size_t      qlen;
	unsigned    k;
	size_t      limit;
	bool        after;    /* resume after (after_distance, after_id) */
	unsigned    after_distance;
	long long   after_id;
};

/*
 * Fills page with the next results of sq. Returns DNA_OK or an error in f
 * (database unavailable, timeout: the scan stops once it has run longer
 * than the configured statement timeout). Release with search_page_free()
 * in every case.
 */
enum dna_err search_run(struct db *db, const struct config *cfg,
    const struct search_query *sq, struct search_page *page,
    struct dna_fail *f);

void search_page_free(struct search_page *page);

#endif /* SEARCH_H */
