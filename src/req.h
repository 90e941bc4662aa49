/*
 * req.h: one FastCGI request as the handlers see it: method, path, query,
 * content type and length taken from the FastCGI parameters, a request id,
 * and a body read with a hard cap. Everything here lives until req_end();
 * the strings are borrowed from libfcgi's parameter block.
 */
#ifndef REQ_H
#define REQ_H

#include <stdbool.h>
#include <time.h>

#include <fcgiapp.h>

#include "buf.h"
#include "dnadb.h"
#include "route.h"

struct req {
	FCGX_Request    *fr;
	char             id[DNA_REQID_SIZE]; /* request id, hex */
	enum method      method;
	const char      *method_name;   /* as sent, for the log */
	const char      *path;          /* DOCUMENT_URI (decoded, normalised) */
	const char      *query;         /* QUERY_STRING, "" if none */
	const char      *content_type;  /* NULL if none */
	const char      *content_encoding; /* HTTP_CONTENT_ENCODING, NULL if
	                                 * none or empty */
	const char      *authorization; /* HTTP_AUTHORIZATION, NULL if none;
	                                 * a secret: never log it */
	long long        content_length; /* -1 if none or not a number */
	double           start_ms;      /* dna_now_ms() at req_begin() */
	int              status;        /* set by resp_*() */
	struct buf       body;
};

/* Fills r from an accepted FastCGI request. Never fails: missing
 * parameters are NULL or -1 and handlers reject them. */
void req_begin(struct req *r, FCGX_Request *fr);

/*
 * Reads the whole body into r->body, at most max bytes. Fails with
 * DNA_E_BODY_TOO_LARGE (Content-Length over max, or more bytes than it
 * said) or DNA_E_INCOMPLETE_BODY (fewer bytes than Content-Length).
 */
enum dna_err req_read_body(struct req *r, size_t max, struct dna_fail *f);

/* True if Content-Type is application/json (any case, any parameters). */
bool req_is_json(const struct req *r);

/* Milliseconds since req_begin(). */
double req_elapsed_ms(const struct req *r);

/* Releases the body. */
void req_end(struct req *r);

#endif /* REQ_H */
