/*
 * fuzz_jbody.c: libFuzzer harness feeding bytes straight into the JSON
 * body decoders (jbody_add, jbody_parse). Any crash, leak or sanitizer
 * report is a bug. Built and run by deploy/stack (test: a few seconds;
 * see the README).
 */
#include <stdint.h>
#include <stdlib.h>

#include "jbody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "q", "max_distance", "limit", "cursor" };
	struct dna_fail f;
	json_object *obj = NULL;
	char *seq = NULL;
	size_t len;

	fail_init(&f);
	if (jbody_add((const char *)data, size, 1000, &seq, &len, &f) == DNA_OK)
		free(seq);
	fail_clear(&f);
	if (jbody_parse((const char *)data, size, allowed, 4, &obj, &f) == DNA_OK)
		json_object_put(obj);
	fail_clear(&f);
	return 0;
}
