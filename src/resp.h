/*
 * resp.h: writing responses. The only module that turns an error into an
 * HTTP status and the JSON envelope {"error": {"code", "message", ...}}.
 * Every response carries Content-Type, Content-Length, Cache-Control:
 * no-store and X-Request-Id; a HEAD request gets the headers only.
 */
#ifndef RESP_H
#define RESP_H

#include <json-c/json.h>

#include "dnadb.h"
#include "req.h"

/*
 * Sends status and body (serialised compactly). extra is NULL or more
 * header lines, each ending in "\r\n" (e.g. a Location). body is borrowed.
 * Returns 0, or -1 if the client went away or memory ran out.
 */
int resp_json(struct req *r, int status, json_object *body, const char *extra);

/* Sends a status without a body (204). */
int resp_empty(struct req *r, int status);

/* The same with extra header lines, as for resp_json (e.g. an Allow). */
int resp_empty_extra(struct req *r, int status, const char *extra);

/* Sends the error envelope of f (its code's status, message and details). */
int resp_fail(struct req *r, const struct dna_fail *f, const char *extra);

/* Shorthand: the envelope of error e with a printf-style message. */
int resp_error(struct req *r, enum dna_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* RESP_H */
