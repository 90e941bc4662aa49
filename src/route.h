/*
 * route.h: the API's paths and methods, as tables. route_match() maps a
 * request's method and path to one route and says which methods the path
 * allows; the handler for each route lives in api.c, indexed by the same
 * enum.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stdbool.h>
#include <stddef.h>

enum method {
	METHOD_GET,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_PUT,
	METHOD_PATCH,
	METHOD_DELETE,
	METHOD_OPTIONS,
	METHOD_OTHER,
	METHOD__MAX
};

enum route {
	ROUTE_HEALTH,     /* /api/health */
	ROUTE_AUTH,       /* /api/auth: who the token is */
	ROUTE_SEQUENCES,  /* /api/sequences */
	ROUTE_IMPORT,     /* /api/sequences/import (before {id}: first match wins) */
	ROUTE_SEQUENCE,   /* /api/sequences/{id} */
	ROUTE_SEARCH,     /* /api/search */
	ROUTE__MAX
};

enum route_result {
	ROUTE_OK,            /* route and method match */
	ROUTE_NO_PATH,       /* no such path: 404 */
	ROUTE_NO_METHOD      /* path exists, method does not: 405 */
};

/* Maps an HTTP method name to the enum (METHOD_OTHER if unknown). */
enum method route_method(const char *name);

/* The name of a method, e.g. "GET". */
const char *route_method_name(enum method m);

/*
 * Matches path (NUL-terminated, already normalised by nginx) and method.
 * On ROUTE_OK and ROUTE_NO_METHOD, *r is the route; for a route with a
 * path argument ({id}), *arg and *arglen point into path (borrowed).
 */
enum route_result route_match(enum method m, const char *path,
    enum route *r, const char **arg, size_t *arglen);

/* Writes the Allow header value of a route, e.g. "GET, HEAD", derived
 * from the route's methods, into out (outsz bytes, NUL-terminated).
 * Returns its length. */
size_t route_allow(enum route r, char *out, size_t outsz);

/* True if the route answers method m (HEAD where GET is allowed;
 * OPTIONS everywhere: it says what a path allows, with no CORS). */
bool route_allows(enum route r, enum method m);

/*
 * The query parameters route r takes with method m, from the route table:
 * *names points to a static list of that many names (NULL when none), and
 * *note to a sentence to add when a parameter is refused, or NULL. Every
 * other query parameter is refused (400 invalid_parameter). Returns the
 * number of names, at most DNA_QS_PARAMS_MAX.
 */
size_t route_query(enum route r, enum method m, const char *const **names,
    const char **note);

/* What a request needs to be let in. */
enum route_access {
	ROUTE_OPEN,    /* anyone (health, auth, OPTIONS anywhere): a token sent
	                * is still checked */
	ROUTE_READ,    /* a read or write token, or none if public_read is on */
	ROUTE_WRITE    /* a write token */
};

/* The access a route and method need (for a method the route does not
 * allow: ROUTE_WRITE, which is never reached since that is a 405). */
enum route_access route_access(enum route r, enum method m);

#endif /* ROUTE_H */
