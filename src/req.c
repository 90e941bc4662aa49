/*
 * req.c: the request as handlers see it; see req.h.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "req.h"
#include "valid.h"

/* Takes nginx's $request_id when it is 1..32 hex digits, or makes one. */
static void
req_make_id(struct req *r, const char *given)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	size_t i, n;

	if (given != NULL) {
		n = strlen(given);
		if (n > 0 && n < DNA_REQID_SIZE &&
		    strspn(given, "0123456789abcdef") == n) {
			memcpy(r->id, given, n + 1);
			return;
		}
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)((unsigned long long)ts.tv_nsec >> (i % 8 * 8) ^ i);
	}
	for (i = 0; i < sizeof(rnd); i++) {
		r->id[2 * i] = hex[rnd[i] >> 4];
		r->id[2 * i + 1] = hex[rnd[i] & 15];
	}
	r->id[32] = '\0';
}

void
req_begin(struct req *r, FCGX_Request *fr)
{
	const char *cl;
	long long n;

	memset(r, 0, sizeof(*r));
	r->start_ms = dna_now_ms();
	r->fr = fr;
	r->method_name = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	r->method = route_method(r->method_name);
	if (r->method_name == NULL)
		r->method_name = "-";
	r->path = FCGX_GetParam("DOCUMENT_URI", fr->envp);
	if (r->path == NULL)
		r->path = FCGX_GetParam("SCRIPT_NAME", fr->envp);
	r->query = FCGX_GetParam("QUERY_STRING", fr->envp);
	if (r->query == NULL)
		r->query = "";
	r->content_type = FCGX_GetParam("CONTENT_TYPE", fr->envp);
	r->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", fr->envp);
	r->content_encoding = FCGX_GetParam("HTTP_CONTENT_ENCODING", fr->envp);
	if (r->content_encoding != NULL && r->content_encoding[0] == '\0')
		r->content_encoding = NULL;
	if (r->authorization != NULL && r->authorization[0] == '\0')
		r->authorization = NULL;
	if (r->content_type != NULL && r->content_type[0] == '\0')
		r->content_type = NULL;
	r->content_length = -1;
	cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	if (cl != NULL && valid_uint(cl, strlen(cl), 0, LLONG_MAX, &n))
		r->content_length = n;
	req_make_id(r, FCGX_GetParam("REQUEST_ID", fr->envp));
	buf_init(&r->body, 0);
}

enum dna_err
req_read_body(struct req *r, size_t max, struct dna_fail *f)
{
	size_t want;
	int got;
	char probe;

	buf_free(&r->body);
	buf_init(&r->body, max);
	want = r->content_length < 0 ? 0 : (size_t)r->content_length;
	if (r->content_length > (long long)max) {
		fail_set(f, DNA_E_BODY_TOO_LARGE,
		    "the request body of %lld bytes is over the limit of %zu bytes",
		    r->content_length, max);
		fail_int(f, "max_bytes", (long long)max);
		return DNA_E_BODY_TOO_LARGE;
	}
	if (!buf_reserve(&r->body, want))
		return fail_set(f, DNA_E_INTERNAL, NULL);
	while (r->body.len < want) {
		size_t chunk = want - r->body.len;
		if (chunk > 65536)
			chunk = 65536;
		got = FCGX_GetStr(r->body.p + r->body.len, (int)chunk, r->fr->in);
		if (got <= 0)
			break;
		r->body.len += (size_t)got;
	}
	r->body.p[r->body.len] = '\0';
	if (r->body.len < want) {
		fail_set(f, DNA_E_INCOMPLETE_BODY,
		    "the body ended after %zu of the %zu bytes its Content-Length announced",
		    r->body.len, want);
		fail_int(f, "expected_bytes", (long long)want);
		fail_int(f, "received_bytes", (long long)r->body.len);
		return DNA_E_INCOMPLETE_BODY;
	}
	/* More bytes than announced: the front end should never send them. */
	if (FCGX_GetStr(&probe, 1, r->fr->in) > 0) {
		fail_set(f, DNA_E_BODY_TOO_LARGE,
		    "the request body is longer than its Content-Length");
		fail_int(f, "max_bytes", (long long)max);
		return DNA_E_BODY_TOO_LARGE;
	}
	return DNA_OK;
}

bool
req_is_json(const struct req *r)
{
	static const char mt[] = "application/json";
	const char *p = r->content_type;
	size_t n = sizeof(mt) - 1;

	if (p == NULL)
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, mt, n) != 0)
		return false;
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || *p == ';';
}

double
req_elapsed_ms(const struct req *r)
{
	return dna_now_ms() - r->start_ms;
}

void
req_end(struct req *r)
{
	buf_free(&r->body);
}
