/*
 * fuzz_query.c: libFuzzer harness for the query string of GET
 * /api/search: qs_parse, then the validators and the cursor decoder on
 * whatever values come out, as the handler uses them.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "qs.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qs_param qp[4] = {
		{ "q", NULL, 0 }, { "max_distance", NULL, 0 },
		{ "limit", NULL, 0 }, { "cursor", NULL, 0 },
	};
	struct dna_fail f;
	struct cursor c;
	long long v;

	fail_init(&f);
	if (qs_parse((const char *)data, size, qp, 4, &f) == DNA_OK) {
		if (qp[0].value != NULL)
			(void)valid_dna(qp[0].value, qp[0].len, 1000,
			    DNA_E_INVALID_PARAMETER, "parameter", "q", &f);
		if (qp[1].value != NULL)
			(void)valid_uint(qp[1].value, qp[1].len, 0, 64, &v);
		if (qp[2].value != NULL)
			(void)valid_uint(qp[2].value, qp[2].len, 1, 1000, &v);
		if (qp[3].value != NULL)
			(void)cursor_decode(qp[3].value, qp[3].len, &c);
	}
	qs_free(qp, 4);
	fail_clear(&f);
	/* The cursor decoder on raw bytes, and a round trip when it accepts. */
	if (cursor_decode((const char *)data, size, &c)) {
		char text[DNA_CURSOR_MAX + 1];
		struct cursor d;
		size_t n = cursor_encode(&c, text);
		if (!cursor_decode(text, n, &d) || d.id != c.id ||
		    d.distance != c.distance || d.fp != c.fp)
			abort();
	}
	return 0;
}
