/*
 * err.c: the error table (code, HTTP status, default message) and the
 * struct dna_fail helpers. The only place an error's status is decided.
 * Also the monotonic clock of dnadb.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dnadb.h"

struct err_row {
	const char *code;
	int         status;
	const char *message;
};

static const struct err_row err_table[DNA_E__MAX] = {
	[DNA_OK] = { "ok", 200, "OK." },
	[DNA_E_INVALID_JSON] = { "invalid_json", 400,
	    "The request body is not a single valid JSON object." },
	[DNA_E_MISSING_FIELD] = { "missing_field", 400,
	    "A required member is missing from the JSON object." },
	[DNA_E_UNKNOWN_FIELD] = { "unknown_field", 400,
	    "The JSON object has a member this endpoint does not take." },
	[DNA_E_INVALID_SEQUENCE] = { "invalid_sequence", 400,
	    "A sequence holds only the letters A, C, G and T." },
	[DNA_E_SEQUENCE_TOO_LONG] = { "sequence_too_long", 400,
	    "The sequence is longer than this server accepts." },
	[DNA_E_INCOMPLETE_BODY] = { "incomplete_body", 400,
	    "The request body ended before its Content-Length." },
	[DNA_E_INVALID_PARAMETER] = { "invalid_parameter", 400,
	    "A request parameter is missing or invalid." },
	[DNA_E_NOT_FOUND] = { "not_found", 404,
	    "Nothing is here." },
	[DNA_E_METHOD_NOT_ALLOWED] = { "method_not_allowed", 405,
	    "This path does not take that method; see the Allow header." },
	[DNA_E_DUPLICATE] = { "duplicate", 409,
	    "This sequence is already stored." },
	[DNA_E_BODY_TOO_LARGE] = { "body_too_large", 413,
	    "The request body is larger than this server accepts." },
	[DNA_E_UNSUPPORTED_MEDIA_TYPE] = { "unsupported_media_type", 415,
	    "Send the body as Content-Type: application/json." },
	[DNA_E_INTERNAL] = { "internal_error", 500,
	    "Something went wrong inside the server; please report it with the request id." },
	[DNA_E_DB_UNAVAILABLE] = { "database_unavailable", 503,
	    "The database cannot be reached just now; retry in a few seconds." },
	[DNA_E_TIMEOUT] = { "timeout", 503,
	    "The database did not answer in time; retry later or narrow the request." },
	[DNA_E_INVALID_RECORD] = { "invalid_record", 400,
	    "A record of the file is invalid; nothing was stored." },
	[DNA_E_IMPORT_BUSY] = { "import_busy", 503,
	    "Another import is running; imports run one at a time. Retry when it has finished." },
	[DNA_E_AUTH_REQUIRED] = { "auth_required", 401,
	    "This request needs an API token: send Authorization: Bearer <token>." },
	[DNA_E_INVALID_TOKEN] = { "invalid_token", 401,
	    "The API token is not valid here: unknown, revoked or malformed." },
	[DNA_E_INSUFFICIENT_SCOPE] = { "insufficient_scope", 403,
	    "The API token may not do this: it needs the write scope." },
	[DNA_E_INVALID_GZIP] = { "invalid_gzip", 400,
	    "The body is not valid gzip (corrupt, truncated, or not gzip at all); nothing was stored." },
	[DNA_E_INFLATED_TOO_LARGE] = { "inflated_too_large", 413,
	    "The gzip file inflates to more than this server accepts; nothing was stored." },
	[DNA_E_UNSUPPORTED_ENCODING] = { "unsupported_encoding", 415,
	    "The import takes Content-Encoding: gzip or identity only." },
	[DNA_E_QUERY_TOO_BROAD] = { "query_too_broad", 422,
	    "The search cannot be answered within its time budget; use a smaller max_distance." },
};

_Static_assert(sizeof(err_table) / sizeof(err_table[0]) == DNA_E__MAX,
    "err_table must have one row per enum dna_err");

static const struct err_row *
err_row(enum dna_err e)
{
	if ((int)e < 0 || e >= DNA_E__MAX)
		e = DNA_E_INTERNAL;
	return &err_table[e];
}

double
dna_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *
dna_err_code(enum dna_err e)
{
	return err_row(e)->code;
}

int
dna_err_status(enum dna_err e)
{
	return err_row(e)->status;
}

const char *
dna_err_message(enum dna_err e)
{
	return err_row(e)->message;
}

void
fail_init(struct dna_fail *f)
{
	f->err = DNA_OK;
	f->msg[0] = '\0';
	f->details = NULL;
	f->detail[0] = '\0';
}

void
fail_clear(struct dna_fail *f)
{
	if (f->details != NULL)
		json_object_put(f->details);
	fail_init(f);
}

enum dna_err
fail_set(struct dna_fail *f, enum dna_err e, const char *fmt, ...)
{
	va_list ap;

	f->err = e;
	if (fmt == NULL) {
		snprintf(f->msg, sizeof(f->msg), "%s", dna_err_message(e));
	} else {
		va_start(ap, fmt);
		vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
		va_end(ap);
	}
	return e;
}

void
fail_detail(struct dna_fail *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
}

/* Returns the details object, creating it on first use; NULL without memory. */
static json_object *
fail_details(struct dna_fail *f)
{
	if (f->details == NULL)
		f->details = json_object_new_object();
	return f->details;
}

void
fail_int(struct dna_fail *f, const char *key, long long v)
{
	json_object *d = fail_details(f);
	json_object *n;

	if (d == NULL)
		return;
	if ((n = json_object_new_int64(v)) == NULL)
		return;
	if (json_object_object_add(d, key, n) != 0)
		json_object_put(n);
}

void
fail_str(struct dna_fail *f, const char *key, const char *v)
{
	json_object *d = fail_details(f);
	json_object *s;

	if (d == NULL)
		return;
	if ((s = json_object_new_string(v)) == NULL)
		return;
	if (json_object_object_add(d, key, s) != 0)
		json_object_put(s);
}

void
fail_json(struct dna_fail *f, const char *key, json_object *v)
{
	json_object *d;

	if (v == NULL)
		return;
	if ((d = fail_details(f)) == NULL ||
	    json_object_object_add(d, key, v) != 0)
		json_object_put(v);
}
