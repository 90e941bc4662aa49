/*
 * route.c: the route table; see route.h.
 */
#include <string.h>

#include "route.h"

#define M(x) (1u << (x))

/* The query parameters of GET and HEAD /api/search. */
static const char *const route_search_query[] = {
	"q", "max_distance", "limit", "cursor", NULL
};

struct route_row {
	const char *prefix;   /* the path, or the part before the argument */
	bool        has_arg;  /* one more non-empty segment follows */
	unsigned    methods;  /* bit set of enum method (OPTIONS: always) */
	bool        open;     /* no token needed for any of them */
	unsigned    writes;   /* the methods that need a write token; the
	                       * others need a read token */
	/* The query parameters each method takes (NULL-terminated); NULL
	 * for none, which is every method not named. */
	const char *const *query[METHOD__MAX];
	/* Said after the refusal of a query parameter, where it helps. */
	const char *query_note[METHOD__MAX];
};

static const struct route_row route_table[ROUTE__MAX] = {
	[ROUTE_HEALTH]    = { "/api/health", false,
	    M(METHOD_GET) | M(METHOD_HEAD), true, 0 },
	[ROUTE_AUTH]      = { "/api/auth", false,
	    M(METHOD_GET) | M(METHOD_HEAD), true, 0 },
	[ROUTE_SEQUENCES] = { "/api/sequences", false,
	    M(METHOD_POST), false, M(METHOD_POST) },
	[ROUTE_IMPORT]    = { "/api/sequences/import", false,
	    M(METHOD_POST), false, M(METHOD_POST) },
	[ROUTE_SEQUENCE]  = { "/api/sequences/", true,
	    M(METHOD_GET) | M(METHOD_HEAD) | M(METHOD_DELETE), false,
	    M(METHOD_DELETE) },
	/* POST /api/search is a read: the body only carries a long query;
	 * it takes no query string, so that nothing in the URL can be
	 * silently ignored or disagree with the body. */
	[ROUTE_SEARCH]    = { "/api/search", false,
	    M(METHOD_GET) | M(METHOD_HEAD) | M(METHOD_POST), false, 0,
	    .query = { [METHOD_GET] = route_search_query,
	               [METHOD_HEAD] = route_search_query },
	    .query_note = { [METHOD_POST] = "POST /api/search takes q, "
	        "max_distance, limit and cursor as members of its JSON body "
	        "only" } },
};

static const char *const method_names[METHOD__MAX] = {
	[METHOD_GET] = "GET",
	[METHOD_HEAD] = "HEAD",
	[METHOD_POST] = "POST",
	[METHOD_PUT] = "PUT",
	[METHOD_PATCH] = "PATCH",
	[METHOD_DELETE] = "DELETE",
	[METHOD_OPTIONS] = "OPTIONS",
	[METHOD_OTHER] = "OTHER",
};

enum method
route_method(const char *name)
{
	int i;

	if (name == NULL)
		return METHOD_OTHER;
	for (i = 0; i < METHOD_OTHER; i++)
		if (strcmp(name, method_names[i]) == 0)
			return (enum method)i;
	return METHOD_OTHER;
}

const char *
route_method_name(enum method m)
{
	if ((int)m < 0 || m >= METHOD__MAX)
		m = METHOD_OTHER;
	return method_names[m];
}

size_t
route_allow(enum route r, char *out, size_t outsz)
{
	size_t o = 0, n;
	int m;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	for (m = 0; m < METHOD_OTHER; m++) {
		if (!route_allows(r, (enum method)m))
			continue;
		n = strlen(method_names[m]);
		if (o + n + 3 > outsz)
			break;
		if (o > 0) {
			out[o++] = ',';
			out[o++] = ' ';
		}
		memcpy(out + o, method_names[m], n + 1);
		o += n;
	}
	return o;
}

bool
route_allows(enum route r, enum method m)
{
	return m == METHOD_OPTIONS || (route_table[r].methods & M(m)) != 0;
}

size_t
route_query(enum route r, enum method m, const char *const **names,
    const char **note)
{
	size_t n = 0;

	*names = NULL;
	*note = NULL;
	if ((int)r < 0 || r >= ROUTE__MAX || (int)m < 0 || m >= METHOD__MAX ||
	    !route_allows(r, m))
		return 0;
	*names = route_table[r].query[m];
	*note = route_table[r].query_note[m];
	while (*names != NULL && (*names)[n] != NULL)
		n++;
	return n;
}

enum route_access
route_access(enum route r, enum method m)
{
	if (!route_allows(r, m))
		return ROUTE_WRITE;
	if (route_table[r].open || m == METHOD_OPTIONS)
		return ROUTE_OPEN;
	return (route_table[r].writes & M(m)) != 0 ? ROUTE_WRITE : ROUTE_READ;
}

enum route_result
route_match(enum method m, const char *path, enum route *r,
    const char **arg, size_t *arglen)
{
	size_t plen, i, n;
	const char *rest;

	*arg = NULL;
	*arglen = 0;
	if (path == NULL)
		return ROUTE_NO_PATH;
	for (i = 0; i < ROUTE__MAX; i++) {
		const struct route_row *row = &route_table[i];
		plen = strlen(row->prefix);
		if (strncmp(path, row->prefix, plen) != 0)
			continue;
		rest = path + plen;
		if (row->has_arg) {
			n = strlen(rest);
			if (n == 0 || memchr(rest, '/', n) != NULL)
				continue;
			*arg = rest;
			*arglen = n;
		} else if (*rest != '\0')
			continue;
		*r = (enum route)i;
		return route_allows(*r, m) ? ROUTE_OK : ROUTE_NO_METHOD;
	}
	return ROUTE_NO_PATH;
}
