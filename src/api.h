/*
 * api.h: the HTTP API's handlers, one per route, and the dispatcher that
 * the worker calls for every request. Each handler validates its own
 * input at the edge (valid.c, qs.c, jbody.c: a 4xx naming what is wrong
 * and where) before anything reaches search.c or the storage layer
 * (store.h), and answers through resp.c. No handler calls libpq.
 */
#ifndef API_H
#define API_H

#include "auth.h"
#include "config.h"
#include "store.h"
#include "req.h"

/* What a handler needs besides the request: the long-lived state of the
 * worker process. cfg and st are borrowed. */
struct api_ctx {
	const struct config *cfg;
	struct store        *st;
	struct auth_token    token;  /* the request's token, set by
	                              * api_dispatch (scope AUTH_NONE: none) */
};

/*
 * Routes r to its handler and answers it (404 and 405 included). This is
 * the one place where a check that applies to every route (such as
 * authentication) goes, before the handler runs.
 */
void api_dispatch(struct api_ctx *ctx, struct req *r);

#endif /* API_H */
