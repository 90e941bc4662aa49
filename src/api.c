/*
 * api.c: the handlers of /api; see api.h and docs/api.md.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "cursor.h"
#include "import.h"
#include "jbody.h"
#include "log.h"
#include "qs.h"
#include "resp.h"
#include "search.h"
#include "store.h"
#include "valid.h"

typedef void (*api_handler)(struct api_ctx *, struct req *, const char *arg,
    size_t arglen);

static void api_health(struct api_ctx *, struct req *, const char *, size_t);
static void api_auth(struct api_ctx *, struct req *, const char *, size_t);
static void api_add(struct api_ctx *, struct req *, const char *, size_t);
static void api_sequence(struct api_ctx *, struct req *, const char *, size_t);
static void api_search(struct api_ctx *, struct req *, const char *, size_t);
static void api_import(struct api_ctx *, struct req *, const char *, size_t);

static const api_handler api_handlers[ROUTE__MAX] = {
	[ROUTE_HEALTH] = api_health,
	[ROUTE_AUTH] = api_auth,
	[ROUTE_SEQUENCES] = api_add,
	[ROUTE_IMPORT] = api_import,
	[ROUTE_SEQUENCE] = api_sequence,
	[ROUTE_SEARCH] = api_search,
};

/* The Retry-After header of a 503 import_busy. */
static const char api_retry_import[] = "Retry-After: "
    DNA_IMPORT_RETRY_S "\r\n";

/* Adds a member to a JSON object; the value's reference is consumed. */
static void
api_put(json_object *o, const char *key, json_object *v)
{
	if (json_object_object_add(o, key, v) != 0)
		json_object_put(v);
}

/* Builds a sequence record from strings the database returned. */
static json_object *
api_record(long long id, const char *seq, size_t seqlen, long long length,
    const char *created_at)
{
	json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	api_put(o, "id", json_object_new_int64(id));
	api_put(o, "sequence", json_object_new_string_len(seq, (int)seqlen));
	api_put(o, "length", json_object_new_int64(length));
	if (created_at != NULL)
		api_put(o, "created_at", json_object_new_string(created_at));
	return o;
}

static void
api_health(struct api_ctx *ctx, struct req *r, const char *arg, size_t arglen)
{
	struct dna_fail f;
	json_object *o;

	(void)arg;
	(void)arglen;
	fail_init(&f);
	if (store_ping(ctx->st, &f) != DNA_OK) {
		resp_fail(r, &f, NULL);
		fail_clear(&f);
		return;
	}
	if ((o = json_object_new_object()) == NULL) {
		resp_error(r, DNA_E_INTERNAL, NULL);
		return;
	}
	api_put(o, "status", json_object_new_string("ok"));
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

/*
 * GET /api/auth: whether reads are public, and the token presented (its
 * name and scope), so that a client can tell what it may do. An invalid
 * token never gets here (401 from api_dispatch).
 */
static void
api_auth(struct api_ctx *ctx, struct req *r, const char *arg, size_t arglen)
{
	json_object *o, *t = NULL;

	(void)arg;
	(void)arglen;
	if ((o = json_object_new_object()) == NULL) {
		resp_error(r, DNA_E_INTERNAL, NULL);
		return;
	}
	api_put(o, "public_read", json_object_new_boolean(ctx->cfg->public_read != 0));
	if (ctx->token.scope != AUTH_NONE && (t = json_object_new_object()) != NULL) {
		api_put(t, "name", json_object_new_string(ctx->token.name));
		api_put(t, "scope", json_object_new_string(
		    auth_scope_name(ctx->token.scope)));
	}
	api_put(o, "token", t);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
}

/* POST /api/sequences: validate, then store (src/store.c retries). */
static void
api_add(struct api_ctx *ctx, struct req *r, const char *arg, size_t arglen)
{
	struct dna_fail f;
	struct store_rec rec;
	char *seq = NULL, loc[64];
	size_t seqlen;
	json_object *o;
	enum store_added out;

	(void)arg;
	(void)arglen;
	fail_init(&f);
	memset(&rec, 0, sizeof(rec));
	if (!req_is_json(r)) {
		fail_set(&f, DNA_E_UNSUPPORTED_MEDIA_TYPE,
		    "send the body as Content-Type: application/json (got %s)",
		    r->content_type != NULL ? "another type" : "none");
		goto fail;
	}
	if (req_read_body(r, (size_t)ctx->cfg->max_body_bytes, &f) != DNA_OK)
		goto fail;
	if (jbody_add(r->body.p, r->body.len,
	    (size_t)ctx->cfg->max_sequence_length, &seq, &seqlen, &f) != DNA_OK)
		goto fail;
	if (store_add(ctx->st, seq, &out, &rec, &f) != DNA_OK)
		goto fail;
	switch (out) {
	case STORE_CREATED:
		if ((o = api_record(rec.id, seq, seqlen, rec.length,
		    rec.created_at)) == NULL) {
			fail_set(&f, DNA_E_INTERNAL, NULL);
			goto fail;
		}
		snprintf(loc, sizeof(loc), "Location: /api/sequences/%lld\r\n",
		    rec.id);
		resp_json(r, 201, o, loc);
		json_object_put(o);
		goto out;
	case STORE_DUPLICATE:
		fail_set(&f, DNA_E_DUPLICATE,
		    "this sequence is already stored as id %lld", rec.id);
		fail_int(&f, "id", rec.id);
		goto fail;
	case STORE_IMPORT_BUSY:
		fail_set(&f, DNA_E_IMPORT_BUSY, "an import that is running holds "
		    "this sequence (not committed yet); retry when it has finished: "
		    "the sequence will then be a duplicate or free to add");
		resp_fail(r, &f, api_retry_import);
		goto out;
	}
fail:
	resp_fail(r, &f, NULL);
out:
	store_rec_clear(&rec);
	free(seq);
	fail_clear(&f);
}

/* Reads the import's Content-Encoding: none or identity (the body is
 * looked at: gzip magic or not), gzip or x-gzip (the body must be gzip).
 * False with f set for any other. */
static bool
api_import_encoding(const struct req *r, bool *gzip, struct dna_fail *f)
{
	const char *e = r->content_encoding;

	*gzip = false;
	if (e == NULL || strcasecmp(e, "identity") == 0)
		return true;
	if (strcasecmp(e, "gzip") == 0 || strcasecmp(e, "x-gzip") == 0) {
		*gzip = true;
		return true;
	}
	fail_set(f, DNA_E_UNSUPPORTED_ENCODING, "Content-Encoding: this "
	    "endpoint takes gzip or identity, not a list or another coding");
	return false;
}

/* The error of an import that the gzip layer refused. */
static void
api_import_gzip_fail(const struct api_ctx *ctx, const struct import *im,
    struct dna_fail *f)
{
	if (im->gz.status == GZ_TOO_LARGE) {
		fail_set(f, DNA_E_INFLATED_TOO_LARGE, "the gzip file inflates to "
		    "more than %ld bytes (max_import_inflated_bytes); nothing "
		    "was stored", ctx->cfg->max_import_inflated_bytes);
		fail_int(f, "max_inflated_bytes",
		    ctx->cfg->max_import_inflated_bytes);
		return;
	}
	fail_set(f, DNA_E_INVALID_GZIP, "%s; nothing was stored", im->gz.err);
	fail_str(f, "reason", gz_status_code(im->gz.status));
}

/*
 * POST /api/sequences/import: a FASTA, FASTQ or plain file in the body
 * (any Content-Type: the format is told by the first byte), gzip or not,
 * streamed into PostgreSQL as it is read. All or nothing.
 */
static void
api_import(struct api_ctx *ctx, struct req *r, const char *arg, size_t arglen)
{
	struct dna_fail f;
	struct import im;
	struct import_opts opts;
	PGconn *conn;
	char chunk[65536];
	size_t want, got = 0;
	int n;
	enum import_status st;
	json_object *o;
	double t0 = req_elapsed_ms(r);

	(void)arg;
	(void)arglen;
	fail_init(&f);
	if (r->content_length > ctx->cfg->max_import_bytes) {
		fail_set(&f, DNA_E_BODY_TOO_LARGE,
		    "the file of %lld bytes is over the import limit of %ld bytes",
		    r->content_length, ctx->cfg->max_import_bytes);
		fail_int(&f, "max_bytes", ctx->cfg->max_import_bytes);
		resp_fail(r, &f, NULL);
		fail_clear(&f);
		return;
	}
	memset(&opts, 0, sizeof(opts));
	opts.maxlen = (size_t)ctx->cfg->max_sequence_length;
	opts.max_inflated = (unsigned long long)ctx->cfg->max_import_inflated_bytes;
	if (!api_import_encoding(r, &opts.gzip, &f)) {
		resp_fail(r, &f, NULL);
		fail_clear(&f);
		return;
	}
	want = r->content_length < 0 ? 0 : (size_t)r->content_length;
	if ((conn = db_conn(store_db(ctx->st, STORE_WRITE), &f)) == NULL) {
		resp_fail(r, &f, NULL);
		fail_clear(&f);
		return;
	}
	st = import_begin(&im, conn, &opts);
	if (st == IMPORT_DB && im.fail.err == DNA_E_DB_UNAVAILABLE) {
		/* The connection was stale (the database restarted since the
		 * last request): nothing is read yet, so start again on a new
		 * one. */
		import_end(&im);
		db_drop_conn(store_db(ctx->st, STORE_WRITE));
		if ((conn = db_conn(store_db(ctx->st, STORE_WRITE), &f)) == NULL) {
			resp_fail(r, &f, NULL);
			fail_clear(&f);
			return;
		}
		st = import_begin(&im, conn, &opts);
	}
	while (st == IMPORT_OK && got < want) {
		size_t ask = want - got < sizeof(chunk) ? want - got : sizeof(chunk);
		if ((n = FCGX_GetStr(chunk, (int)ask, r->fr->in)) <= 0)
			break;
		got += (size_t)n;
		st = import_feed(&im, chunk, (size_t)n);
	}
	if (st == IMPORT_OK && got < want) {
		fail_set(&f, DNA_E_INCOMPLETE_BODY,
		    "the body ended after %zu of the %zu bytes its Content-Length announced",
		    got, want);
		fail_int(&f, "expected_bytes", (long long)want);
		fail_int(&f, "received_bytes", (long long)got);
		goto fail;
	}
	if (st == IMPORT_OK)
		st = import_finish(&im);
	switch (st) {
	case IMPORT_OK:
		if ((o = json_object_new_object()) == NULL) {
			fail_set(&f, DNA_E_INTERNAL, NULL);
			goto fail;
		}
		api_put(o, "inserted", json_object_new_int64((int64_t)im.inserted));
		api_put(o, "duplicates", json_object_new_int64((int64_t)im.duplicates));
		api_put(o, "records", json_object_new_int64((int64_t)im.fx.records));
		api_put(o, "bases", json_object_new_int64((int64_t)im.fx.bases));
		api_put(o, "format", json_object_new_string(
		    fastx_format_name(im.fx.format)));
		api_put(o, "gzip", json_object_new_boolean(im.gz.gzip));
		resp_json(r, 200, o, NULL);
		json_object_put(o);
		log_msg("info", r->id, "import format=%s gzip=%d records=%llu "
		    "bases=%llu inserted=%llu duplicates=%llu ms=%.0f (read+copy "
		    "%.0f, insert %.0f, index %.0f, analyze %.0f%s)",
		    fastx_format_name(im.fx.format), im.gz.gzip ? 1 : 0,
		    im.fx.records, im.fx.bases, im.inserted, im.duplicates,
		    req_elapsed_ms(r) - t0, im.ms_copy, im.ms_insert, im.ms_index,
		    im.ms_analyze, im.analyzed ? "" : ", not needed");
		if (im.analyze_fail.err != DNA_OK)
			log_msg("warn", r->id, "import: the statistics were not "
			    "refreshed (run dnadb migrate?): %s",
			    im.analyze_fail.detail);
		goto out;
	case IMPORT_GZIP:
		api_import_gzip_fail(ctx, &im, &f);
		goto fail;
	case IMPORT_INVALID:
		if (im.fx.err_column == 0)
			fail_set(&f, DNA_E_INVALID_RECORD,
			    "line %llu: %s; nothing was stored",
			    im.fx.err_line, im.fx.err_msg);
		else
			fail_set(&f, DNA_E_INVALID_RECORD,
			    "line %llu, column %zu: %s; nothing was stored",
			    im.fx.err_line, im.fx.err_column, im.fx.err_msg);
		fail_int(&f, "line", (long long)im.fx.err_line);
		if (im.fx.err_column > 0)
			fail_int(&f, "column", (long long)im.fx.err_column);
		fail_str(&f, "reason", fastx_reason_code(im.fx.reason));
		goto fail;
	case IMPORT_UNKNOWN:
		log_msg("error", r->id, "import: COMMIT failed: %s",
		    im.fail.detail);
		fail_set(&f, DNA_E_DB_UNAVAILABLE,
		    "the database went away while committing the import, so whether "
		    "it was stored is unknown; importing the file again is safe "
		    "(stored sequences count as duplicates)");
		goto fail;
	case IMPORT_NOMEM:
		fail_set(&f, DNA_E_INTERNAL, NULL);
		goto fail;
	case IMPORT_BUSY:
		fail_set(&f, DNA_E_IMPORT_BUSY, NULL);
		resp_fail(r, &f, api_retry_import);
		goto out;
	case IMPORT_DB:
		log_msg("error", r->id, "import: database error: %s",
		    im.fail.detail[0] != '\0' ? im.fail.detail : im.fail.msg);
		fail_set(&f, im.fail.err, NULL);
		goto fail;
	}
fail:
	resp_fail(r, &f, NULL);
out:
	import_end(&im);
	db_check(store_db(ctx->st, STORE_WRITE));
	fail_clear(&f);
}

/* Validates a path id: a positive decimal integer. */
static bool
api_id(const char *arg, size_t arglen, long long *id, struct dna_fail *f)
{
	if (valid_uint(arg, arglen, 1, LLONG_MAX, id))
		return true;
	fail_set(f, DNA_E_INVALID_PARAMETER,
	    "id: must be a positive integer (at most 9223372036854775807)");
	fail_str(f, "parameter", "id");
	return false;
}

static void
api_get(struct api_ctx *ctx, struct req *r, const char *arg, size_t arglen)
{
	struct dna_fail f;
	struct store_rec rec;
	json_object *o;
	long long id;

	fail_init(&f);
	memset(&rec, 0, sizeof(rec));
	if (!api_id(arg, arglen, &id, &f))
		goto fail;
	if (store_get(ctx->st, id, &rec, &f) != DNA_OK)
		goto fail;
	o = api_record(rec.id, rec.seq, rec.seqlen, rec.length, rec.created_at);
	if (o == NULL) {
		fail_set(&f, DNA_E_INTERNAL, NULL);
		goto fail;
	}
	resp_json(r, 200, o, NULL);
	json_object_put(o);
	goto out;
fail:
	resp_fail(r, &f, NULL);
out:
	store_rec_clear(&rec);
	fail_clear(&f);
}

/* DELETE /api/sequences/{id}: 204, or 404 if there is no such id. */
static void
api_delete(struct api_ctx *ctx, struct req *r, const char *arg, size_t arglen)
{
	struct dna_fail f;
	long long id;

	fail_init(&f);
	if (!api_id(arg, arglen, &id, &f) ||
	    store_delete(ctx->st, id, &f) != DNA_OK) {
		resp_fail(r, &f, NULL);
		fail_clear(&f);
		return;
	}
	resp_empty(r, 204);
	log_msg("info", r->id, "deleted sequence %lld", id);
	fail_clear(&f);
}

/* /api/sequences/{id}: GET and HEAD read, DELETE deletes. */
static void
api_sequence(struct api_ctx *ctx, struct req *r, const char *arg,
    size_t arglen)
{
	if (r->method == METHOD_DELETE)
		api_delete(ctx, r, arg, arglen);
	else
		api_get(ctx, r, arg, arglen);
}

enum { QS_Q, QS_K, QS_LIMIT, QS_CURSOR, QS__MAX };

/* Reads an optional integer parameter within [min, max]. */
static bool
api_int_param(const struct qs_param *p, long long min, long long max,
    long long def, long long *out, struct dna_fail *f)
{
	if (p->value == NULL) {
		*out = def;
		return true;
	}
	if (valid_uint(p->value, p->len, min, max, out))
		return true;
	fail_set(f, DNA_E_INVALID_PARAMETER,
	    "%s: must be an integer from %lld to %lld", p->name, min, max);
	fail_str(f, "parameter", p->name);
	fail_int(f, "min", min);
	fail_int(f, "max", max);
	return false;
}

/*
 * Reads the parameters of POST /api/search from its JSON body into qp[],
 * as text, so that GET and POST share one validation path. q and cursor
 * are strings (cursor may be null), max_distance and limit integers.
 * The values are owned by qp (qs_free releases them).
 */
static enum dna_err
api_search_body(struct api_ctx *ctx, struct req *r, struct qs_param *qp,
    size_t n, struct dna_fail *f)
{
	static const char *const allowed[QS__MAX] = {
		[QS_Q] = "q", [QS_K] = "max_distance", [QS_LIMIT] = "limit",
		[QS_CURSOR] = "cursor",
	};
	json_object *obj = NULL, *v;
	const char *text;
	char num[24];
	size_t i, len;
	enum dna_err rc;

	if (!req_is_json(r)) {
		fail_set(f, DNA_E_UNSUPPORTED_MEDIA_TYPE,
		    "send the body as Content-Type: application/json");
		return DNA_E_UNSUPPORTED_MEDIA_TYPE;
	}
	if ((rc = req_read_body(r, (size_t)ctx->cfg->max_body_bytes, f)) != DNA_OK)
		return rc;
	if ((rc = jbody_parse(r->body.p, r->body.len, allowed, QS__MAX, &obj, f))
	    != DNA_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (!json_object_object_get_ex(obj, qp[i].name, &v) ||
		    (i == QS_CURSOR && v == NULL))
			continue;
		if (i == QS_Q || i == QS_CURSOR) {
			if (!json_object_is_type(v, json_type_string))
				goto badtype;
			text = json_object_get_string(v);
			len = (size_t)json_object_get_string_len(v);
		} else {
			if (!json_object_is_type(v, json_type_int))
				goto badtype;
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_object_get_int64(v));
			text = num;
			len = strlen(num);
		}
		if ((qp[i].value = malloc(len + 1)) == NULL) {
			rc = fail_set(f, DNA_E_INTERNAL, NULL);
			goto out;
		}
		memcpy(qp[i].value, text, len);
		qp[i].value[len] = '\0';
		qp[i].len = len;
	}
	rc = DNA_OK;
	goto out;
badtype:
	fail_set(f, DNA_E_INVALID_PARAMETER, "%s: must be %s", qp[i].name,
	    i == QS_Q ? "a string of bases" : i == QS_CURSOR ?
	    "the next_cursor string of the previous page" : "an integer");
	fail_str(f, "parameter", qp[i].name);
	rc = DNA_E_INVALID_PARAMETER;
out:
	json_object_put(obj);
	return rc;
}

/*
 * GET /api/search?q=...&max_distance=...&limit=...&cursor=..., or the same
 * parameters as a JSON object in POST /api/search (for queries too long
 * for a URL).
 */
static void
api_search(struct api_ctx *ctx, struct req *r, const char *arg, size_t arglen)
{
	struct qs_param qp[QS__MAX] = {
		[QS_Q] = { "q", NULL, 0 },
		[QS_K] = { "max_distance", NULL, 0 },
		[QS_LIMIT] = { "limit", NULL, 0 },
		[QS_CURSOR] = { "cursor", NULL, 0 },
	};
	struct dna_fail f;
	struct search_query sq;
	struct search_page page;
	struct cursor cur;
	char next[DNA_CURSOR_MAX + 1];
	long long k, limit;
	json_object *o, *arr;
	size_t i;

	(void)arg;
	(void)arglen;
	fail_init(&f);
	memset(&page, 0, sizeof(page));
	memset(&sq, 0, sizeof(sq));
	if (r->method == METHOD_POST) {
		if (api_search_body(ctx, r, qp, QS__MAX, &f) != DNA_OK)
			goto fail;
	} else if (qs_parse(r->query, strlen(r->query), qp, QS__MAX, &f) != DNA_OK)
		goto fail;
	if (qp[QS_Q].value == NULL) {
		fail_set(&f, DNA_E_INVALID_PARAMETER,
		    "q: the query sequence is required");
		fail_str(&f, "parameter", "q");
		goto fail;
	}
	if (valid_dna(qp[QS_Q].value, qp[QS_Q].len,
	    (size_t)ctx->cfg->max_sequence_length, DNA_E_INVALID_PARAMETER,
	    "parameter", "q", &f) != DNA_OK)
		goto fail;
	if (!api_int_param(&qp[QS_K], 0, ctx->cfg->max_distance, 0, &k, &f) ||
	    !api_int_param(&qp[QS_LIMIT], 1, DNA_LIMIT_MAX, DNA_LIMIT_DEFAULT,
	    &limit, &f))
		goto fail;
	sq.q = qp[QS_Q].value;
	sq.qlen = qp[QS_Q].len;
	sq.k = (unsigned)k;
	sq.limit = (size_t)limit;
	if (qp[QS_CURSOR].value != NULL) {
		if (!cursor_decode(qp[QS_CURSOR].value, qp[QS_CURSOR].len, &cur)) {
			fail_set(&f, DNA_E_INVALID_PARAMETER,
			    "cursor: not a cursor from this server; pass next_cursor unchanged");
			fail_str(&f, "parameter", "cursor");
			goto fail;
		}
		if (cur.fp != cursor_fingerprint(sq.q, sq.qlen, sq.k) ||
		    cur.distance > sq.k) {
			fail_set(&f, DNA_E_INVALID_PARAMETER,
			    "cursor: it belongs to another query; use it with the same q and max_distance");
			fail_str(&f, "parameter", "cursor");
			goto fail;
		}
		sq.after = true;
		sq.after_distance = cur.distance;
		sq.after_id = cur.id;
	}
	if (search_run(ctx->st, ctx->cfg, &sq, &page, &f) != DNA_OK)
		goto fail;

	o = json_object_new_object();
	arr = json_object_new_array_ext((int)page.n);
	if (o == NULL || arr == NULL) {
		json_object_put(o);
		json_object_put(arr);
		fail_set(&f, DNA_E_INTERNAL, NULL);
		goto fail;
	}
	api_put(o, "query", json_object_new_string_len(sq.q, (int)sq.qlen));
	api_put(o, "max_distance", json_object_new_int64(k));
	api_put(o, "limit", json_object_new_int64(limit));
	for (i = 0; i < page.n; i++) {
		json_object *h = api_record(page.hits[i].id, page.hits[i].sequence,
		    strlen(page.hits[i].sequence), page.hits[i].length, NULL);
		if (h != NULL)
			api_put(h, "distance",
			    json_object_new_int64(page.hits[i].distance));
		if (h == NULL || json_object_array_add(arr, h) != 0)
			json_object_put(h);
	}
	api_put(o, "results", arr);
	if (page.more) {
		cur.distance = page.last_distance;
		cur.id = page.last_id;
		cur.fp = cursor_fingerprint(sq.q, sq.qlen, sq.k);
		cursor_encode(&cur, next);
		api_put(o, "next_cursor", json_object_new_string(next));
	} else
		api_put(o, "next_cursor", NULL);
	resp_json(r, 200, o, NULL);
	json_object_put(o);
	log_msg("info", r->id, "search qlen=%zu k=%u limit=%zu after=%d "
	    "stage_k=%u probes=%zu candidates=%zu scanned=%zu returned=%zu "
	    "more=%d", sq.qlen, sq.k, sq.limit, sq.after, page.stage_k,
	    page.probes, page.candidates, page.scanned, page.n, page.more);
	goto out;
fail:
	resp_fail(r, &f, NULL);
out:
	search_page_free(&page);
	qs_free(qp, QS__MAX);
	fail_clear(&f);
}

/* The methods of a route as a JSON array, e.g. ["GET", "HEAD"]. */
static json_object *
api_allow_array(enum route route)
{
	json_object *a = json_object_new_array();
	int m;

	for (m = 0; a != NULL && m < METHOD_OTHER; m++)
		if (route_allows(route, (enum method)m))
			json_object_array_add(a,
			    json_object_new_string(route_method_name((enum method)m)));
	return a;
}

/*
 * Lets a request in, or answers it: 401 (with WWW-Authenticate) when a
 * token is needed and missing, or one was sent that is not valid; 403
 * when the token's scope is too small; 503 when the database cannot say.
 * A token that is sent is checked even where none is needed. Fills
 * ctx->token (scope AUTH_NONE without a token).
 */
static bool
api_authorize(struct api_ctx *ctx, struct req *r, enum route_access need)
{
	struct dna_fail f;
	const char *hdr = NULL;

	memset(&ctx->token, 0, sizeof(ctx->token));
	fail_init(&f);
	if (r->authorization != NULL) {
		if (auth_check(ctx->st, r->authorization, &ctx->token, &f) != DNA_OK) {
			if (f.err == DNA_E_INVALID_TOKEN)
				hdr = "WWW-Authenticate: Bearer realm=\"dnadb\", "
				    "error=\"invalid_token\"\r\n";
			goto deny;
		}
		log_msg("info", r->id, "token %s (%s)", ctx->token.name,
		    auth_scope_name(ctx->token.scope));
	}
	if (need == ROUTE_OPEN || (need == ROUTE_READ &&
	    (ctx->cfg->public_read || ctx->token.scope >= AUTH_READ)))
		return true;
	if (ctx->token.scope == AUTH_NONE) {
		fail_set(&f, DNA_E_AUTH_REQUIRED, "%s %s needs a %s token: send "
		    "Authorization: Bearer <token>", route_method_name(r->method),
		    r->path, need == ROUTE_WRITE ? "write" : "read or write");
		hdr = "WWW-Authenticate: Bearer realm=\"dnadb\"\r\n";
		goto deny;
	}
	if (need == ROUTE_WRITE && ctx->token.scope < AUTH_WRITE) {
		fail_set(&f, DNA_E_INSUFFICIENT_SCOPE, "token %s has the %s scope; "
		    "%s %s needs a write token", ctx->token.name,
		    auth_scope_name(ctx->token.scope), route_method_name(r->method),
		    r->path);
		fail_str(&f, "scope", "write");
		hdr = "WWW-Authenticate: Bearer realm=\"dnadb\", "
		    "error=\"insufficient_scope\", scope=\"write\"\r\n";
		goto deny;
	}
	return true;
deny:
	resp_fail(r, &f, hdr);
	fail_clear(&f);
	return false;
}

/*
 * Refuses a query string that holds a parameter the route and method do
 * not take (the route table in route.c says which), a repeated one or a
 * malformed escape: 400 invalid_parameter naming it, before anything is
 * read or changed. True if the request may go on. The values are parsed
 * again, and validated, by the handler that takes them.
 */
static bool
api_query_ok(struct req *r, enum route route)
{
	struct qs_param qp[DNA_QS_PARAMS_MAX];
	const char *const *names;
	const char *note;
	char msg[DNA_MSG_SIZE];
	struct dna_fail f;
	size_t n, i;
	bool ok;

	if (r->query == NULL || r->query[0] == '\0')
		return true;
	if ((n = route_query(route, r->method, &names, &note)) >
	    DNA_QS_PARAMS_MAX) {
		resp_error(r, DNA_E_INTERNAL, NULL);
		return false;
	}
	for (i = 0; i < n; i++)
		qp[i] = (struct qs_param){ names[i], NULL, 0 };
	fail_init(&f);
	ok = qs_parse(r->query, strlen(r->query), qp, n, &f) == DNA_OK;
	qs_free(qp, n);
	if (!ok) {
		if (note != NULL && f.err == DNA_E_INVALID_PARAMETER) {
			memcpy(msg, f.msg, sizeof(msg));
			fail_set(&f, f.err, "%s; %s", msg, note);
		}
		resp_fail(r, &f, NULL);
	}
	fail_clear(&f);
	return ok;
}

/*
 * OPTIONS on any API path: 204 with the Allow header, and no CORS
 * headers. The API is same-origin only (docs/api.md), so a browser's
 * preflight from another origin fails here, deliberately.
 */
static void
api_options(struct req *r, enum route route)
{
	char methods[64], allow[96];

	route_allow(route, methods, sizeof(methods));
	snprintf(allow, sizeof(allow), "Allow: %s\r\n", methods);
	resp_empty_extra(r, 204, allow);
}

void
api_dispatch(struct api_ctx *ctx, struct req *r)
{
	struct dna_fail f;
	enum route route;
	const char *arg;
	size_t arglen;
	char methods[64], allow[96], mname[32];

	switch (route_match(r->method, r->path, &route, &arg, &arglen)) {
	case ROUTE_OK:
		if (!api_query_ok(r, route) ||
		    !api_authorize(ctx, r, route_access(route, r->method)))
			return;
		if (r->method == METHOD_OPTIONS)
			api_options(r, route);
		else
			api_handlers[route](ctx, r, arg, arglen);
		return;
	case ROUTE_NO_PATH:
		resp_error(r, DNA_E_NOT_FOUND, "there is no API endpoint at this path; see docs/api.md");
		return;
	case ROUTE_NO_METHOD:
		fail_init(&f);
		route_allow(route, methods, sizeof(methods));
		fail_set(&f, DNA_E_METHOD_NOT_ALLOWED,
		    "%s is not allowed here; allowed: %s",
		    log_field(r->method_name != NULL ? r->method_name : "-",
		    mname, sizeof(mname)), methods);
		snprintf(allow, sizeof(allow), "Allow: %s\r\n", methods);
		fail_json(&f, "allow", api_allow_array(route));
		resp_fail(r, &f, allow);
		fail_clear(&f);
		return;
	}
}
