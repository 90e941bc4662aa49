/*
 * fuzz_fastx.c: libFuzzer harness for the streaming FASTA/FASTQ/plain
 * parser behind the streaming gunzip, as an import runs them (gz.c hands
 * a gzip input inflated to fastx.c, anything else as is). The input is
 * parsed twice, whole and in chunks whose size comes from its first byte;
 * both parses must agree on the verdict, the records and the error
 * position (chunk boundaries must never matter).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastx.h"
#include "gz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	unsigned long long n, bases, lines;
};

static bool
sink_emit(void *arg, const char *seq, size_t len, unsigned long long line)
{
	struct sink *s = arg;
	size_t i;

	for (i = 0; i < len; i++)
		if (seq[i] != 'A' && seq[i] != 'C' && seq[i] != 'G' && seq[i] != 'T')
			abort();
	s->n++;
	s->bases += len;
	s->lines += line;
	return true;
}

static bool
gz_to_fastx(void *arg, const char *buf, size_t len)
{
	return fastx_feed(arg, buf, len);
}

static bool
run(const uint8_t *data, size_t size, size_t chunk, struct sink *s,
    struct fastx *p, struct gz *g)
{
	size_t off = 0, n;
	bool ok = true;

	memset(s, 0, sizeof(*s));
	fastx_init(p, 200, sink_emit, s);
	gz_init(g, false, 1 << 20, gz_to_fastx, p);
	while (ok && off < size) {
		n = size - off < chunk ? size - off : chunk;
		ok = gz_feed(g, (const char *)data + off, n);
		off += n;
	}
	ok = ok && gz_finish(g) && fastx_finish(p);
	gz_free(g);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fastx a, b;
	struct gz ga, gb;
	struct sink sa, sb;
	bool oka, okb;
	size_t chunk = size > 0 ? (size_t)data[0] % 7 + 1 : 1;

	oka = run(data, size, size > 0 ? size : 1, &sa, &a, &ga);
	okb = run(data, size, chunk, &sb, &b, &gb);
	if (oka != okb || sa.n != sb.n || sa.bases != sb.bases ||
	    sa.lines != sb.lines || a.reason != b.reason ||
	    a.err_line != b.err_line || a.err_column != b.err_column ||
	    ga.status != gb.status || (oka && ga.out != gb.out))
		abort();
	fastx_free(&a);
	fastx_free(&b);
	return 0;
}
