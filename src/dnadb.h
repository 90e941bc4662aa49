/*
 * dnadb.h: the caps on every untrusted size, and the error vocabulary.
 *
 * Every limit the server enforces on input that comes from outside is named
 * here, so that a reader sees them all at once and tests can refer to them.
 * Configurable limits have a default here and a hard ceiling that the
 * configuration may not exceed. Over a cap is a 4xx, never a truncation.
 *
 * It also declares dna_now_ms(), the one clock for durations.
 *
 * The error enum is the one way modules report failure: functions return
 * DNA_OK (0) or an error, and only resp.c turns an error into an HTTP status
 * and a JSON body.
 */
#ifndef DNADB_H
#define DNADB_H

#include <stddef.h>
#include <stdarg.h>

#include <json-c/json.h>

#define DNADB_VERSION "0.1.0"

/* Sequence length in bases: default and hard ceiling of max_sequence_length. */
#define DNA_SEQ_LEN_DEFAULT   1000000L
#define DNA_SEQ_LEN_HARD      16000000L
/* Request body in bytes: default and ceiling of max_body_bytes. */
#define DNA_BODY_DEFAULT      1048576L
#define DNA_BODY_HARD         (64L * 1048576L)
/* A gzip import once inflated, in bytes: default and ceiling of
 * max_import_inflated_bytes (the compressed body is bounded by
 * max_import_bytes; this bounds what a decompression bomb can make). */
#define DNA_INFLATED_DEFAULT  (16L << 30)
#define DNA_INFLATED_HARD     (1L << 42)
/* How long an add waits for a row lock before it asks whether an import
 * holds it (then 503 import_busy at once, not a worker held for
 * lock_timeout), in milliseconds; and the Retry-After it then sends. */
#define DNA_ADD_LOCK_WAIT_MS  "200ms"
#define DNA_IMPORT_RETRY_S    "5"
/* Search: max_distance default cap and ceiling (the kernel's LEV_K_MAX). */
#define DNA_K_CAP_DEFAULT     64L
#define DNA_K_CAP_HARD        255L
/* Search page size. */
#define DNA_LIMIT_DEFAULT     50L
#define DNA_LIMIT_MAX         1000L
/* Bases carried by one search page (at least one result is always sent). */
#define DNA_PAGE_BASES_DEFAULT 8000000L
/* JSON nesting depth accepted in a request body. */
#define DNA_JSON_DEPTH        8
/* Query string: number of parameters and one value's decoded bytes are
 * bounded by the query length, itself bounded by nginx's buffer; these caps
 * guard the worker when it runs behind another front end. */
#define DNA_QS_PARAMS_MAX     8
#define DNA_QS_BYTES_MAX      (DNA_SEQ_LEN_HARD * 3L + 4096L)
/* Cursor text length. */
#define DNA_CURSOR_MAX        128
/* Request id: 32 hex digits (nginx's $request_id) plus NUL. */
#define DNA_REQID_SIZE        33
/* One human-readable error message. */
#define DNA_MSG_SIZE          320

/*
 * The error vocabulary. The table in err.c gives each its code string (the
 * API's "code"), its HTTP status and a default message; the order of this
 * enum and that table must match (err.c asserts the size at compile time).
 */
enum dna_err {
	DNA_OK = 0,
	DNA_E_INVALID_JSON,
	DNA_E_MISSING_FIELD,
	DNA_E_UNKNOWN_FIELD,
	DNA_E_INVALID_SEQUENCE,
	DNA_E_SEQUENCE_TOO_LONG,
	DNA_E_INCOMPLETE_BODY,
	DNA_E_INVALID_PARAMETER,
	DNA_E_NOT_FOUND,
	DNA_E_METHOD_NOT_ALLOWED,
	DNA_E_DUPLICATE,
	DNA_E_BODY_TOO_LARGE,
	DNA_E_UNSUPPORTED_MEDIA_TYPE,
	DNA_E_INTERNAL,
	DNA_E_DB_UNAVAILABLE,
	DNA_E_TIMEOUT,
	DNA_E_QUERY_TOO_BROAD,
	DNA_E_INVALID_RECORD,
	DNA_E_IMPORT_BUSY,
	DNA_E_AUTH_REQUIRED,
	DNA_E_INVALID_TOKEN,
	DNA_E_INSUFFICIENT_SCOPE,
	DNA_E_INVALID_GZIP,
	DNA_E_INFLATED_TOO_LARGE,
	DNA_E_UNSUPPORTED_ENCODING,
	DNA_E__MAX
};

/* Milliseconds on the monotonic clock, for durations. */
double dna_now_ms(void);

/* The API's snake_case code of an error, e.g. "invalid_json". */
const char *dna_err_code(enum dna_err e);
/* The HTTP status of an error, e.g. 400. */
int dna_err_status(enum dna_err e);
/* The default message of an error: a sentence a person can act on. */
const char *dna_err_message(enum dna_err e);

/*
 * A failure with its details, filled by the module that detects it and
 * rendered by resp.c. The caller owns the struct (usually on the stack):
 * initialise with fail_init(), release with fail_clear(). details is a JSON
 * object of extra members of the error envelope ("field", "position", ...),
 * owned by the struct.
 */
struct dna_fail {
	enum dna_err  err;
	char          msg[DNA_MSG_SIZE];
	json_object  *details;
	/* For the log or a terminal, never for a client: what the database
	 * said (SQLSTATE and message) when it caused the failure; "" if not. */
	char          detail[DNA_MSG_SIZE];
};

void fail_init(struct dna_fail *f);
/* Releases the details; the struct may be reused after fail_init(). */
void fail_clear(struct dna_fail *f);
/* Sets the error and a printf-style message (NULL fmt: the default message).
 * Returns e, so that callers can write `return fail_set(f, E, ...)`. */
enum dna_err fail_set(struct dna_fail *f, enum dna_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds a detail member; silently drops it if memory runs out (the error
 * itself is still reported). Both return nothing: details are best effort. */
void fail_int(struct dna_fail *f, const char *key, long long v);
/* Sets f->detail (printf-style). */
void fail_detail(struct dna_fail *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fail_str(struct dna_fail *f, const char *key, const char *v);
/* Adds a detail member holding v, whose reference is consumed (NULL is
 * ignored). */
void fail_json(struct dna_fail *f, const char *key, json_object *v);

#endif /* DNADB_H */
