/*
 * resp.c: responses and the error envelope; see resp.h.
 */
#include <stdio.h>
#include <string.h>

#include "resp.h"

struct resp_reason {
	int         status;
	const char *reason;
};

static const struct resp_reason resp_reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 409, "Conflict" }, { 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" }, { 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
};

static const char *
resp_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(resp_reasons) / sizeof(resp_reasons[0]); i++)
		if (resp_reasons[i].status == status)
			return resp_reasons[i].reason;
	return "Unknown";
}

int
resp_json(struct req *r, int status, json_object *body, const char *extra)
{
	const char *text;
	char head[1024];
	size_t len;
	int hlen;

	r->status = status;
	text = body == NULL ? NULL : json_object_to_json_string_length(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text == NULL) {
		/* Out of memory: a fixed body needs none. */
		static const char oom[] = "{\"error\":{\"code\":\"internal_error\","
		    "\"message\":\"The server ran out of memory.\"}}";
		r->status = status = 500;
		text = oom;
		len = sizeof(oom) - 1;
	}
	/* Formatted here, not with FCGX_FPrintF: libfcgi's own printf
	 * does not know every conversion (%zu among them). */
	hlen = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s\r\n",
	    status, resp_reason(status), len + 1, r->id,
	    extra != NULL ? extra : "");
	if (hlen < 0 || (size_t)hlen >= sizeof(head) ||
	    FCGX_PutStr(head, hlen, r->fr->out) < 0)
		return -1;
	if (r->method == METHOD_HEAD)
		return 0;
	if (FCGX_PutStr(text, (int)len, r->fr->out) < 0 ||
	    FCGX_PutChar('\n', r->fr->out) < 0)
		return -1;
	return 0;
}

int
resp_empty(struct req *r, int status)
{
	return resp_empty_extra(r, status, NULL);
}

int
resp_empty_extra(struct req *r, int status, const char *extra)
{
	char head[512];
	int hlen;

	r->status = status;
	hlen = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s\r\n", status, resp_reason(status), r->id,
	    extra != NULL ? extra : "");
	if (hlen < 0 || (size_t)hlen >= sizeof(head) ||
	    FCGX_PutStr(head, hlen, r->fr->out) < 0)
		return -1;
	return 0;
}

int
resp_fail(struct req *r, const struct dna_fail *f, const char *extra)
{
	json_object *root, *err;
	enum dna_err e = f->err == DNA_OK ? DNA_E_INTERNAL : f->err;
	int rc;

	root = json_object_new_object();
	err = json_object_new_object();
	if (root == NULL || err == NULL) {
		json_object_put(root);
		json_object_put(err);
		return resp_json(r, 500, NULL, NULL);
	}
	if (json_object_object_add(root, "error", err) != 0) {
		json_object_put(err);
		json_object_put(root);
		return resp_json(r, 500, NULL, NULL);
	}
	json_object_object_add(err, "code",
	    json_object_new_string(dna_err_code(e)));
	json_object_object_add(err, "message", json_object_new_string(
	    f->msg[0] != '\0' ? f->msg : dna_err_message(e)));
	if (f->details != NULL) {
		json_object_object_foreach(f->details, key, val)
			json_object_object_add(err, key, json_object_get(val));
	}
	rc = resp_json(r, dna_err_status(e), root, extra);
	json_object_put(root);
	return rc;
}

int
resp_error(struct req *r, enum dna_err e, const char *fmt, ...)
{
	struct dna_fail f;
	va_list ap;
	int rc;

	fail_init(&f);
	f.err = e;
	if (fmt == NULL)
		snprintf(f.msg, sizeof(f.msg), "%s", dna_err_message(e));
	else {
		va_start(ap, fmt);
		vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
		va_end(ap);
	}
	rc = resp_fail(r, &f, NULL);
	fail_clear(&f);
	return rc;
}
