/*
 * search.c: candidates from the segment index or a length scan, verified
 * in C, kept in a bounded heap; see search.h.
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
#include "seg.h"
#include "valid.h"

/* Rows fetched per round trip of a length scan, and the bytes of sequence
 * one batch of a scan or of candidates may carry: rows in the window are
 * about |q| long, so long queries get small batches and a worker never
 * holds more than this at once (or one row, if a row is longer). */
#define SEARCH_BATCH       2000
#define SEARCH_BATCH_BYTES ((size_t)8 << 20)
/* Candidates (id, length, hit count) read per round trip of the index, in
 * id order; when every row of the window is at most SEARCH_CAND_INLINE
 * bases (a batch then carries at most SEARCH_BATCH_BYTES), with their
 * sequences, else without (fetched in byte-bounded batches). */
#define SEARCH_CAND_BATCH  4096
#define SEARCH_CAND_INLINE (SEARCH_BATCH_BYTES / SEARCH_CAND_BATCH)
/* With their sequences inline, as many candidates per round trip as
 * SEARCH_BATCH_BYTES of the window's longest rows holds, up to this: each
 * round trip repeats every probe's index descent, which for thousands of
 * probes costs more than the rows (EXPLAIN of a k = 15 search of a
 * 110-base read: 37 ms of descents for 2,736 probes per batch). */
#define SEARCH_CAND_BATCH_MAX 65536
/* Sequences kept with heap entries, so that the page needs no second
 * fetch; past this, entries keep only their id and are fetched at the end. */
#define SEARCH_HEAP_BYTES  ((size_t)16 << 20)
/* A first stage at a smaller k answers the page alone when it already
 * holds limit + 1 results; worth trying from this k on. */
#define SEARCH_STAGE_MIN_K 4

struct search_cand {
	long long  id;
	unsigned   distance;
	long       length;
	char      *seq;   /* owned copy, or NULL (fetched at the end) */
};

/*
 * A bounded max-heap of candidates: it keeps the cap smallest (distance,
 * id) pairs seen, so memory is O(limit) however many rows match.
 */
struct search_heap {
	struct search_cand *v;
	size_t              n, cap;
	size_t              bytes;  /* of the sequences held */
};

/* One search in progress. */
struct search_ctx {
	struct store              *st;
	const struct config       *cfg;
	const struct search_query *sq;
	struct search_page        *page;
	struct search_heap         heap;
	double                     t0;     /* ms, monotonic */
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

static void
search_heap_swap(struct search_heap *h, size_t i, size_t j)
{
	struct search_cand t = h->v[i];

	h->v[i] = h->v[j];
	h->v[j] = t;
}

static void
search_heap_sift_down(struct search_heap *h, size_t i)
{
	size_t l, r, m;

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
		search_heap_swap(h, i, m);
		i = m;
	}
}

/* Empties the heap, freeing the sequences it holds. */
static void
search_heap_clear(struct search_heap *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i].seq);
	h->n = 0;
	h->bytes = 0;
}

/* Offers a verified result; s[0..len) is copied if the heap keeps it and
 * the byte budget allows. False only without memory. */
static bool
search_heap_push(struct search_heap *h, struct search_cand c, const char *s,
    size_t len)
{
	size_t i, p;

	if (h->n == h->cap && search_cmp(&c, &h->v[0]) >= 0)
		return true;
	c.seq = NULL;
	if (h->bytes + len <= SEARCH_HEAP_BYTES) {
		if ((c.seq = malloc(len + 1)) == NULL)
			return false;
		memcpy(c.seq, s, len);
		c.seq[len] = '\0';
		h->bytes += len;
	}
	if (h->n == h->cap) {
		if (h->v[0].seq != NULL)
			h->bytes -= (size_t)h->v[0].length;
		free(h->v[0].seq);
		h->v[0] = c;
		search_heap_sift_down(h, 0);
		return true;
	}
	i = h->n++;
	h->v[i] = c;
	while (i > 0) {
		p = (i - 1) / 2;
		if (search_cmp(&h->v[i], &h->v[p]) <= 0)
			break;
		search_heap_swap(h, i, p);
		i = p;
	}
	return true;
}

/* The largest max_distance, up to k, at which the index filters every
 * length of the query's window (so that nothing is scanned). */
static unsigned
search_filterable_k(size_t qlen, unsigned k)
{
	unsigned j;
	size_t len;

	for (j = k; j > 0; j--) {
		for (len = qlen > j ? qlen - j : 1; len <= qlen + j; len++)
			if (seg_plan_of(len, j).how == SEG_SCAN)
				break;
		if (len > qlen + j)
			return j;
	}
	return 0;
}

/* Sets query_too_broad with advice the caller can act on: the
 * max_distance the index filters completely when that is smaller than k,
 * else the reason (too many stored sequences near the query) and the
 * budget. */
static enum dna_err
search_too_broad(struct search_ctx *sc, unsigned k, struct dna_fail *f)
{
	unsigned fk = search_filterable_k(sc->sq->qlen, k);

	if (fk < k)
		fail_set(f, DNA_E_QUERY_TOO_BROAD,
		    "max_distance %u over a %zu-base query reaches stored "
		    "lengths that the index does not filter at that distance "
		    "(it filters k up to 18 %% of a row's length, at least 6 "
		    "from 28 bases on and at most 23, for rows of 16 to 255 "
		    "bases), more than can be read within the search budget "
		    "(%ld ms); use max_distance %u or less, "
		    "which the index filters", k, sc->sq->qlen,
		    sc->cfg->search_budget_ms, fk);
	else
		fail_set(f, DNA_E_QUERY_TOO_BROAD,
		    "max_distance %u over a %zu-base query reaches more stored "
		    "sequences than can be verified within the search budget "
		    "(%ld ms, %zu verified); use a smaller max_distance, or ask "
		    "the operator for a larger search_budget_ms", k,
		    sc->sq->qlen, sc->cfg->search_budget_ms,
		    sc->page->candidates + sc->page->scanned);
	fail_int(f, "budget_ms", sc->cfg->search_budget_ms);
	fail_int(f, "max_filterable_distance", (long long)fk);
	return DNA_E_QUERY_TOO_BROAD;
}

/* Fails with query_too_broad once the search has used its budget. */
static enum dna_err
search_budget(struct search_ctx *sc, unsigned k, struct dna_fail *f)
{
	if (sc->cfg->search_budget_ms <= 0 ||
	    dna_now_ms() - sc->t0 <= (double)sc->cfg->search_budget_ms)
		return DNA_OK;
	return search_too_broad(sc, k, f);
}

/* A statement timeout inside a search means the search is too broad. */
static enum dna_err
search_db_fail(struct search_ctx *sc, unsigned k, struct dna_fail *f)
{
	if (f->err != DNA_E_TIMEOUT)
		return f->err;
	return search_too_broad(sc, k, f);
}

/* Verifies one row and offers it to the heap if it is a result after the
 * cursor. */
static enum dna_err
search_consider(struct search_ctx *sc, unsigned k, long long id,
    const char *s, size_t slen, struct dna_fail *f)
{
	const struct search_query *sq = sc->sq;
	struct search_cand c;

	c.id = id;
	c.length = (long)slen;
	c.seq = NULL;
	c.distance = lev_bounded(sq->q, sq->qlen, s, slen, k);
	if (c.distance > k)
		return DNA_OK;
	if (sq->after && (c.distance < sq->after_distance ||
	    (c.distance == sq->after_distance && c.id <= sq->after_id)))
		return DNA_OK;
	if (!search_heap_push(&sc->heap, c, s, slen))
		return fail_set(f, DNA_E_INTERNAL, NULL);
	return DNA_OK;
}

/* A candidate the index proposed: its id and length, before its
 * sequence is fetched. */
struct search_id {
	long long id;
	size_t    length;
};

/* A stage's verification of the rows the storage layer hands back. */
struct search_pass {
	struct search_ctx *sc;
	unsigned           k;
	size_t             segs;   /* slot probes: the need depends on the length */
	struct search_id  *ids;    /* candidates without their sequence */
	size_t             nids;
};

/* store_row_fn: verifies a row that came with its sequence. */
static enum dna_err
search_row_verify(void *arg, const struct store_row *row, struct dna_fail *f)
{
	struct search_pass *sp = arg;

	if (row->seq == NULL)
		return DNA_OK;
	return search_consider(sp->sc, sp->k, row->id, row->seq, row->seqlen, f);
}

/* Scans the rows of lengths lo..hi in (length, id) order, in batches. */
static enum dna_err
search_scan(struct search_ctx *sc, unsigned k, long long lo, long long hi,
    struct dna_fail *f)
{
	struct search_pass sp = { sc, k, 0, NULL, 0 };
	struct store_after after = { lo - 1, 0 };
	size_t per = sc->sq->qlen + k, nbatch, rows;
	enum dna_err rc;

	nbatch = SEARCH_BATCH_BYTES / (per > 0 ? per : 1);
	if (nbatch < 1)
		nbatch = 1;
	if (nbatch > SEARCH_BATCH)
		nbatch = SEARCH_BATCH;
	for (;;) {
		if (store_scan(sc->st, lo, hi, &after, nbatch, search_row_verify,
		    &sp, &rows, f) != DNA_OK)
			return search_db_fail(sc, k, f);
		sc->page->scanned += rows;
		if (rows < nbatch)
			return DNA_OK;
		if ((rc = search_budget(sc, k, f)) != DNA_OK)
			return rc;
	}
}

/* Fetches the sequences of ids[0..n) in one statement and verifies them.
 * Rows deleted meanwhile are simply absent. */
static enum dna_err
search_verify(struct search_ctx *sc, unsigned k, const struct search_id *ids,
    size_t n, struct dna_fail *f)
{
	struct search_pass sp = { sc, k, 0, NULL, 0 };
	int64_t *v;
	size_t i;
	enum dna_err rc;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return fail_set(f, DNA_E_INTERNAL, NULL);
	for (i = 0; i < n; i++)
		v[i] = ids[i].id;
	if ((rc = store_fetch(sc->st, v, n, search_row_verify, &sp, f)) != DNA_OK)
		rc = search_db_fail(sc, k, f);
	free(v);
	return rc;
}

/* store_row_fn for candidates: a row whose own length needs more shared
 * slots than the statement asked for is dropped; one with its sequence
 * is verified at once; the others are kept for search_verify(). */
static enum dna_err
search_row_cand(void *arg, const struct store_row *row, struct dna_fail *f)
{
	struct search_pass *sp = arg;

	sp->sc->page->candidates++;
	/* The statement used the least need of the window; a row's own
	 * length may require more shared segments. */
	if (sp->segs > 0 && row->hits < seg_need_of((size_t)row->length, sp->k,
	    sp->segs))
		return DNA_OK;
	if (row->seq != NULL)
		return search_consider(sp->sc, sp->k, row->id, row->seq,
		    row->seqlen, f);
	sp->ids[sp->nids].id = row->id;
	sp->ids[sp->nids].length = (size_t)row->length;
	sp->nids++;
	return DNA_OK;
}

/*
 * The rows of lengths lo..hi that share at least need keys with the probes
 * in arr (a PostgreSQL array literal), verified. With segs > 0 (slot
 * probes, whose need depends on the row's length), a row must also share
 * seg_need_of(its length, k, segs). The index is read in id order,
 * SEARCH_CAND_BATCH candidates at a time (short windows: SEARCH_BATCH_BYTES
 * of their longest rows, up to SEARCH_CAND_BATCH_MAX): for short windows
 * with their sequences, verified at once; otherwise ids, lengths and hit
 * counts only, whose sequences are fetched and verified in batches of at most
 * SEARCH_BATCH_BYTES, each freed before the next: a worker's memory
 * stays bounded however many rows the index proposes and however long
 * they are; only the time budget ends the search.
 */
static enum dna_err
search_candidates(struct search_ctx *sc, unsigned k,
    const struct store_probes *probes, long need, size_t lo, size_t hi,
    size_t segs, struct dna_fail *f)
{
	struct search_pass sp = { sc, k, segs, NULL, 0 };
	bool inline_seq = hi <= SEARCH_CAND_INLINE;
	size_t batch = SEARCH_CAND_BATCH, rows, i, j, bytes, len;
	long long after = 0;
	enum dna_err rc = DNA_OK;

	if (inline_seq) {
		batch = SEARCH_BATCH_BYTES / (hi > 0 ? hi : 1);
		if (batch > SEARCH_CAND_BATCH_MAX)
			batch = SEARCH_CAND_BATCH_MAX;
		if (batch < SEARCH_CAND_BATCH)
			batch = SEARCH_CAND_BATCH;
	}
	if ((sp.ids = calloc(batch, sizeof(*sp.ids))) == NULL)
		return fail_set(f, DNA_E_INTERNAL, NULL);
	for (;;) {
		sp.nids = 0;
		if ((rc = store_candidates(sc->st, probes, need, lo, hi, &after,
		    batch, inline_seq, search_row_cand, &sp, &rows, f)) != DNA_OK) {
			rc = search_db_fail(sc, k, f);
			goto out;
		}
		/* Verify in batches of at most SEARCH_BATCH_BYTES bases. */
		for (i = 0; i < sp.nids; i = j) {
			if ((rc = search_budget(sc, k, f)) != DNA_OK)
				goto out;
			bytes = 0;
			for (j = i; j < sp.nids; j++) {
				len = sp.ids[j].length;
				if (j > i && bytes + len > SEARCH_BATCH_BYTES)
					break;
				bytes += len;
			}
			if ((rc = search_verify(sc, k, sp.ids + i, j - i, f)) != DNA_OK)
				goto out;
		}
		if (rows < batch)
			break;
		if ((rc = search_budget(sc, k, f)) != DNA_OK)
			goto out;
	}
out:
	free(sp.ids);
	return rc;
}

/* Sends keys[0..n) (sorted, distinct) as the probes of one candidates
 * search; nothing to do when there are none. */
static enum dna_err
search_probe(struct search_ctx *sc, unsigned k, const int64_t *keys,
    size_t n, long need, size_t lo, size_t hi, size_t segs,
    struct dna_fail *f)
{
	struct store_probes probes;
	enum dna_err rc;

	sc->page->probes += n;
	if (n == 0)
		return DNA_OK;
	if (!store_probes_init(&probes, keys, n))
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
	else
		rc = search_candidates(sc, k, &probes, need, lo, hi, segs, f);
	store_probes_free(&probes);
	return rc;
}
/* The rows of lengths lo..hi (all > SEG_TIER_MAX and filterable by slots
 * at k), from the slot probes. */
static enum dna_err
search_slots(struct search_ctx *sc, unsigned k, size_t lo, size_t hi,
    struct dna_fail *f)
{
	size_t cap = seg_probe_cap(k, lo, hi), segs = seg_probe_segs(k, lo, hi);
	size_t n;
	int64_t *keys;
	enum dna_err rc;

	if ((keys = calloc(cap + 1, sizeof(*keys))) == NULL)
		return fail_set(f, DNA_E_INTERNAL, NULL);
	n = seg_probes(sc->sq->q, sc->sq->qlen, k, lo, hi, keys, cap);
	if (n == (size_t)-1) {
		log_msg("error", NULL, "search: probe capacity exceeded");
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
	} else
		rc = search_probe(sc, k, keys, n, seg_need_of(lo, k, segs), lo,
		    hi, segs, f);
	free(keys);
	return rc;
}

/* The rows of lengths lo..hi (all planned SEG_TIER at k), from the tier
 * probes of every length. */
static enum dna_err
search_tiers(struct search_ctx *sc, unsigned k, size_t lo, size_t hi,
    long need, struct dna_fail *f)
{
	struct seg_plan p;
	size_t cap = 0, n = 0, len;
	int64_t *keys;
	enum dna_err rc = DNA_OK;

	for (len = lo; len <= hi; len++)
		cap += seg_tier_probe_cap(k);
	if ((keys = calloc(cap + 1, sizeof(*keys))) == NULL)
		return fail_set(f, DNA_E_INTERNAL, NULL);
	for (len = lo; len <= hi; len++) {
		p = seg_plan_of(len, k);
		if (!seg_tier_probes(sc->sq->q, sc->sq->qlen, k, len, &p, keys,
		    &n, cap)) {
			log_msg("error", NULL, "search: probe capacity exceeded");
			rc = fail_set(f, DNA_E_INTERNAL, NULL);
			goto out;
		}
	}
	n = seg_sort_unique(keys, n);
	rc = search_probe(sc, k, keys, n, need, lo, hi, 0, f);
out:
	free(keys);
	return rc;
}

/* k = 0: one look-up of the query in the hash index of sequences_unique;
 * never a candidate scan, whatever the length. */
static enum dna_err
search_exact(struct search_ctx *sc, struct dna_fail *f)
{
	long long id;

	if (store_find(sc->st, sc->sq->q, &id, f) != DNA_OK)
		return search_db_fail(sc, 0, f);
	if (id == 0)
		return DNA_OK;
	sc->page->candidates++;
	return search_consider(sc, 0, id, sc->sq->q, sc->sq->qlen, f);
}

/* True if rows of lengths planned a and b can be searched together: both
 * scanned, both slots, or tiers needing the same number of segments
 * (the keys hold the length and the tier, so one statement serves
 * several). */
static bool
search_same_run(const struct seg_plan *a, const struct seg_plan *b)
{
	return a->how == b->how && (a->how != SEG_TIER || a->need == b->need);
}

/* Collects every result within k (after the cursor) into the heap. The
 * length window |q| - k .. |q| + k is cut into runs of lengths planned
 * alike (seg_plan_of()): tier and slot runs come from the index, the
 * lengths it does not filter at k from a scan. */
static enum dna_err
search_stage(struct search_ctx *sc, unsigned k, struct dna_fail *f)
{
	struct seg_plan p, n;
	size_t lo, hi, len, end;
	enum dna_err rc = DNA_OK;

	search_heap_clear(&sc->heap);
	sc->page->stage_k = k;
	if (k == 0)
		return search_exact(sc, f);
	lo = sc->sq->qlen > k ? sc->sq->qlen - k : 1;
	hi = sc->sq->qlen + k;
	for (len = lo; len <= hi && rc == DNA_OK; len = end + 1) {
		p = seg_plan_of(len, k);
		for (end = len; end < hi; end++) {
			n = seg_plan_of(end + 1, k);
			if (!search_same_run(&p, &n))
				break;
		}
		if (len > lo && (rc = search_budget(sc, k, f)) != DNA_OK)
			break;
		switch (p.how) {
		case SEG_SCAN:
			rc = search_scan(sc, k, (long long)len, (long long)end, f);
			break;
		case SEG_TIER:
			rc = search_tiers(sc, k, len, end, p.need, f);
			break;
		case SEG_SLOT:
			rc = search_slots(sc, k, len, end, f);
			break;
		}
	}
	return rc;
}

/* store_row_fn of search_fetch(): gives a hit of the page its sequence. */
static enum dna_err
search_row_page(void *arg, const struct store_row *row, struct dna_fail *f)
{
	struct search_page *page = arg;
	size_t i;

	if (row->seq == NULL)
		return DNA_OK;
	for (i = 0; i < page->n; i++) {
		if (page->hits[i].id != row->id || page->hits[i].sequence != NULL)
			continue;
		if ((page->hits[i].sequence = malloc(row->seqlen + 1)) == NULL)
			return fail_set(f, DNA_E_INTERNAL, NULL);
		memcpy(page->hits[i].sequence, row->seq, row->seqlen);
		page->hits[i].sequence[row->seqlen] = '\0';
		break;
	}
	return DNA_OK;
}

/* Loads the sequences the heap did not keep, by id. Hits whose row has
 * gone meanwhile are dropped. */
static enum dna_err
search_fetch(struct store *st, struct search_page *page, struct dna_fail *f)
{
	int64_t *ids;
	size_t i, keep, missing = 0;
	enum dna_err rc;

	for (i = 0; i < page->n; i++)
		if (page->hits[i].sequence == NULL)
			missing++;
	if (missing == 0)
		return DNA_OK;
	if ((ids = calloc(missing, sizeof(*ids))) == NULL)
		return fail_set(f, DNA_E_INTERNAL, NULL);
	for (i = 0, missing = 0; i < page->n; i++)
		if (page->hits[i].sequence == NULL)
			ids[missing++] = page->hits[i].id;
	rc = store_fetch(st, ids, missing, search_row_page, page, f);
	free(ids);
	if (rc != DNA_OK)
		return rc;
	for (i = 0, keep = 0; i < page->n; i++) {
		if (page->hits[i].sequence == NULL)
			continue;
		page->hits[keep++] = page->hits[i];
	}
	page->n = keep;
	return DNA_OK;
}

enum dna_err
search_run(struct store *st, const struct config *cfg,
    const struct search_query *sq, struct search_page *page,
    struct dna_fail *f)
{
	struct search_ctx sc;
	size_t i, take, bases;
	unsigned first;
	enum dna_err rc;

	memset(page, 0, sizeof(*page));
	sc.st = st;
	sc.cfg = cfg;
	sc.sq = sq;
	sc.page = page;
	sc.t0 = dna_now_ms();
	sc.heap.n = 0;
	sc.heap.bytes = 0;
	sc.heap.cap = sq->limit + 1;
	if ((sc.heap.v = calloc(sc.heap.cap, sizeof(*sc.heap.v))) == NULL)
		return fail_set(f, DNA_E_INTERNAL, NULL);

	/* Stage one at about half the distance: if it fills the page (limit
	 * + 1 results), every result it lacks is farther and sorts after
	 * them, so the page is exact without the wider search. */
	rc = DNA_OK;
	first = sq->k / 2;
	if (sq->after && first < sq->after_distance)
		first = sq->after_distance;
	if (sq->k >= SEARCH_STAGE_MIN_K && first < sq->k)
		rc = search_stage(&sc, first, f);
	if (rc == DNA_OK && (sq->k < SEARCH_STAGE_MIN_K || first >= sq->k ||
	    sc.heap.n < sc.heap.cap))
		rc = search_stage(&sc, sq->k, f);
	if (rc != DNA_OK)
		goto out;

	qsort(sc.heap.v, sc.heap.n, sizeof(*sc.heap.v), search_qcmp);
	/* Take up to limit hits, within the page's base budget (but always
	 * at least one): whatever is left over means another page follows. */
	for (take = 0, bases = 0; take < sc.heap.n && take < sq->limit; take++) {
		if (take > 0 && bases + (size_t)sc.heap.v[take].length >
		    (size_t)cfg->max_response_bases)
			break;
		bases += (size_t)sc.heap.v[take].length;
	}
	page->more = take < sc.heap.n;
	if (take == 0)
		goto out;
	page->last_distance = sc.heap.v[take - 1].distance;
	page->last_id = sc.heap.v[take - 1].id;
	if ((page->hits = calloc(take, sizeof(*page->hits))) == NULL) {
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
		goto out;
	}
	for (i = 0; i < take; i++) {
		page->hits[i].id = sc.heap.v[i].id;
		page->hits[i].distance = sc.heap.v[i].distance;
		page->hits[i].length = sc.heap.v[i].length;
		page->hits[i].sequence = sc.heap.v[i].seq;  /* ownership moves */
		sc.heap.v[i].seq = NULL;
	}
	page->n = take;
	rc = search_fetch(st, page, f);
out:
	search_heap_clear(&sc.heap);
	free(sc.heap.v);
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
