/*
 * search.c: length-window scan with verification in C; see search.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "lev.h"
#include "log.h"
#include "search.h"
#include "valid.h"

/* Rows fetched per round trip of the scan, and the bytes of sequence one
 * batch may carry: rows in the window are about |q| long, so long queries
 * get small batches and a worker never holds more than this. */
#define SEARCH_BATCH       2000
#define SEARCH_BATCH_BYTES ((size_t)32 << 20)

struct search_cand {
	long long id;
	unsigned  distance;
	long      length;
};

/* (distance, id) order: negative if a comes first. */
static int
search_cmp(const struct search_cand *a, const struct search_cand *b)
{
	if (a->distance != b->distance)
		return a->distance < b->distance ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

static int
search_qcmp(const void *a, const void *b)
{
	return search_cmp(a, b);
}

/*
 * A bounded max-heap of candidates: it keeps the cap smallest (distance,
 * id) pairs seen, so memory is O(limit) however many rows match.
 */
struct search_heap {
	struct search_cand *v;
	size_t              n, cap;
};

static void
search_heap_sift_down(struct search_heap *h, size_t i)
{
	size_t l, r, m;
	struct search_cand t;

	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < h->n && search_cmp(&h->v[l], &h->v[m]) > 0)
			m = l;
		if (r < h->n && search_cmp(&h->v[r], &h->v[m]) > 0)
			m = r;
		if (m == i)
			return;
		t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
}

static void
search_heap_push(struct search_heap *h, const struct search_cand *c)
{
	size_t i, p;
	struct search_cand t;

	if (h->n == h->cap) {
		if (search_cmp(c, &h->v[0]) >= 0)
			return;
		h->v[0] = *c;
		search_heap_sift_down(h, 0);
		return;
	}
	i = h->n++;
	h->v[i] = *c;
	while (i > 0) {
		p = (i - 1) / 2;
		if (search_cmp(&h->v[i], &h->v[p]) <= 0)
			break;
		t = h->v[i];
		h->v[i] = h->v[p];
		h->v[p] = t;
		i = p;
	}
}

static double
search_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Scans the length window and fills the heap with verified candidates. */
static enum dna_err
search_scan(struct db *db, const struct config *cfg,
    const struct search_query *sq, struct search_heap *heap, size_t *scanned,
    struct dna_fail *f)
{
	char lo[24], hi[24], alen[24], aid[24], batch[24];
	const char *params[5] = { lo, hi, alen, aid, batch };
	long long minlen, maxlen;
	double t0 = search_now_ms();
	size_t per, nbatch;
	PGresult *res;
	int rows, i;
	struct search_cand c;

	minlen = (long long)sq->qlen - (long long)sq->k;
	if (minlen < 1)
		minlen = 1;
	maxlen = (long long)sq->qlen + (long long)sq->k;
	snprintf(lo, sizeof(lo), "%lld", minlen);
	snprintf(hi, sizeof(hi), "%lld", maxlen);
	snprintf(alen, sizeof(alen), "%lld", minlen - 1);
	snprintf(aid, sizeof(aid), "0");
	per = sq->qlen + sq->k;
	nbatch = SEARCH_BATCH_BYTES / (per > 0 ? per : 1);
	if (nbatch < 1)
		nbatch = 1;
	if (nbatch > SEARCH_BATCH)
		nbatch = SEARCH_BATCH;
	snprintf(batch, sizeof(batch), "%zu", nbatch);
	for (;;) {
		if ((res = db_exec(db, DB_SCAN, 5, params, f)) == NULL)
			return f->err;
		rows = PQntuples(res);
		for (i = 0; i < rows; i++) {
			const char *s = PQgetvalue(res, i, 1);
			size_t slen = (size_t)PQgetlength(res, i, 1);
			long long id;

			if (!valid_uint(PQgetvalue(res, i, 0),
			    (size_t)PQgetlength(res, i, 0), 1,
			    LLONG_MAX, &id)) {
				PQclear(res);
				log_msg("error", NULL, "search: bad id from database");
				return fail_set(f, DNA_E_INTERNAL, NULL);
			}
			c.id = id;
			c.length = (long)slen;
			c.distance = lev_bounded(sq->q, sq->qlen, s, slen, sq->k);
			(*scanned)++;
			if (c.distance > sq->k)
				continue;
			if (sq->after && (c.distance < sq->after_distance ||
			    (c.distance == sq->after_distance && c.id <= sq->after_id)))
				continue;
			search_heap_push(heap, &c);
		}
		if (rows > 0) {
			snprintf(alen, sizeof(alen), "%s", PQgetvalue(res, rows - 1, 2));
			snprintf(aid, sizeof(aid), "%s", PQgetvalue(res, rows - 1, 0));
		}
		PQclear(res);
		if ((size_t)rows < nbatch)
			return DNA_OK;
		if (cfg->statement_timeout_ms > 0 &&
		    search_now_ms() - t0 > (double)cfg->statement_timeout_ms)
			return fail_set(f, DNA_E_TIMEOUT,
			    "the search ran longer than %ld ms; use a smaller max_distance",
			    cfg->statement_timeout_ms);
	}
}

/* Loads the sequences of page->hits[0..n) by id. Hits whose row has gone
 * meanwhile are dropped. */
static enum dna_err
search_fetch(struct db *db, struct search_page *page, struct dna_fail *f)
{
	struct buf ids;
	const char *params[1];
	PGresult *res = NULL;
	size_t i, j, keep;
	int rows, r;
	enum dna_err rc = DNA_OK;

	buf_init(&ids, (size_t)1 << 20);
	if (!buf_append(&ids, "{", 1))
		goto oom;
	for (i = 0; i < page->n; i++)
		if (!buf_printf(&ids, "%s%lld", i > 0 ? "," : "", page->hits[i].id))
			goto oom;
	if (!buf_append(&ids, "}", 1))
		goto oom;
	params[0] = ids.p;
	if ((res = db_exec(db, DB_FETCH_IDS, 1, params, f)) == NULL) {
		rc = f->err;
		goto out;
	}
	rows = PQntuples(res);
	for (r = 0; r < rows; r++) {
		long long id;
		if (!valid_uint(PQgetvalue(res, r, 0), (size_t)PQgetlength(res, r, 0),
		    1, LLONG_MAX, &id))
			continue;
		for (i = 0; i < page->n; i++) {
			size_t len;
			if (page->hits[i].id != id || page->hits[i].sequence != NULL)
				continue;
			len = (size_t)PQgetlength(res, r, 1);
			if ((page->hits[i].sequence = malloc(len + 1)) == NULL)
				goto oom;
			memcpy(page->hits[i].sequence, PQgetvalue(res, r, 1), len + 1);
			break;
		}
	}
	for (i = 0, keep = 0; i < page->n; i++) {
		if (page->hits[i].sequence == NULL)
			continue;
		if (keep != i)
			page->hits[keep] = page->hits[i];
		keep++;
	}
	for (j = keep; j < page->n; j++)
		page->hits[j].sequence = NULL;
	page->n = keep;
	goto out;
oom:
	rc = fail_set(f, DNA_E_INTERNAL, NULL);
out:
	PQclear(res);
	buf_free(&ids);
	return rc;
}

enum dna_err
search_run(struct db *db, const struct config *cfg,
    const struct search_query *sq, struct search_page *page,
    struct dna_fail *f)
{
	struct search_heap heap;
	size_t i, take, bases;
	enum dna_err rc;

	memset(page, 0, sizeof(*page));
	heap.n = 0;
	heap.cap = sq->limit + 1;
	if ((heap.v = calloc(heap.cap, sizeof(*heap.v))) == NULL)
		return fail_set(f, DNA_E_INTERNAL, NULL);
	rc = search_scan(db, cfg, sq, &heap, &page->scanned, f);
	if (rc != DNA_OK)
		goto out;
	qsort(heap.v, heap.n, sizeof(*heap.v), search_qcmp);
	/* Take up to limit hits, within the page's base budget (but always
	 * at least one): whatever is left over means another page follows. */
	for (take = 0, bases = 0; take < heap.n && take < sq->limit; take++) {
		if (take > 0 && bases + (size_t)heap.v[take].length >
		    (size_t)cfg->max_response_bases)
			break;
		bases += (size_t)heap.v[take].length;
	}
	page->more = take < heap.n;
	if (take == 0)
		goto out;
	page->last_distance = heap.v[take - 1].distance;
	page->last_id = heap.v[take - 1].id;
	if ((page->hits = calloc(take, sizeof(*page->hits))) == NULL) {
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
		goto out;
	}
	for (i = 0; i < take; i++) {
		page->hits[i].id = heap.v[i].id;
		page->hits[i].distance = heap.v[i].distance;
		page->hits[i].length = heap.v[i].length;
	}
	page->n = take;
	rc = search_fetch(db, page, f);
out:
	free(heap.v);
	return rc;
}

void
search_page_free(struct search_page *page)
{
	size_t i;

	for (i = 0; i < page->n; i++)
		free(page->hits[i].sequence);
	free(page->hits);
	memset(page, 0, sizeof(*page));
}
