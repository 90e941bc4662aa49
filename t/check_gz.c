/*
 * check_gz.c: the streaming gunzip in front of the import parser
 * (src/gz.c): plain bodies pass through, gzip ones inflate member after
 * member whatever the chunk size, and every refusal (not gzip when gzip
 * was required, corrupt, truncated, over the inflated bound) is named.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "gz.h"

static bool
collect(void *arg, const char *buf, size_t len)
{
	return buf_append(arg, buf, len);
}

/* Compresses text (one gzip member) into out, which it initialises. */
static void
gzip_member(const char *text, size_t len, struct buf *out)
{
	z_stream zs;
	unsigned char tmp[1 << 16];

	buf_init(out, 1 << 24);
	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (const unsigned char *)text;
	zs.avail_in = (unsigned)len;
	for (;;) {
		zs.next_out = tmp;
		zs.avail_out = sizeof(tmp);
		int rc = deflate(&zs, Z_FINISH);
		ck_assert(buf_append(out, (const char *)tmp,
		    sizeof(tmp) - zs.avail_out));
		if (rc == Z_STREAM_END)
			break;
		ck_assert_int_eq(rc, Z_OK);
	}
	deflateEnd(&zs);
}

/* Feeds data in chunks of `chunk` bytes (0: whole). Returns the verdict;
 * the output goes to out (initialised here). */
static bool
run(const char *data, size_t len, size_t chunk, bool require,
    unsigned long long max_out, struct gz *g, struct buf *out)
{
	size_t off = 0, n;
	bool ok = true;

	buf_init(out, (size_t)1 << 26);
	gz_init(g, require, max_out, collect, out);
	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	while (ok && off < len) {
		n = len - off < chunk ? len - off : chunk;
		ok = gz_feed(g, data + off, n);
		off += n;
	}
	ok = ok && gz_finish(g);
	gz_free(g);
	return ok;
}

static const size_t chunks[] = { 0, 1, 2, 3, 1000 };

START_TEST(test_gz_plain_passes_through)
{
	struct gz g;
	struct buf out;
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		ck_assert(run(">a\nACGT\n", 8, chunks[i], false, 100, &g, &out));
		ck_assert(!g.gzip);
		ck_assert_uint_eq(out.len, 8);
		ck_assert(memcmp(out.p, ">a\nACGT\n", 8) == 0);
		buf_free(&out);
		/* One byte only. */
		ck_assert(run("A", 1, chunks[i], false, 100, &g, &out));
		ck_assert_uint_eq(out.len, 1);
		buf_free(&out);
	}
}
END_TEST

START_TEST(test_gz_inflates_by_magic_in_any_chunks)
{
	static const char text[] = "@r\nACGT\n+\nIIII\n";
	struct gz g;
	struct buf z, out;
	size_t i;

	gzip_member(text, strlen(text), &z);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		ck_assert_msg(run(z.p, z.len, chunks[i], false, 1000, &g, &out),
		    "chunk %zu: %s", chunks[i], g.err);
		ck_assert(g.gzip);
		ck_assert_uint_eq(out.len, strlen(text));
		ck_assert(memcmp(out.p, text, out.len) == 0);
		buf_free(&out);
		/* Required, and it is gzip. */
		ck_assert(run(z.p, z.len, chunks[i], true, 1000, &g, &out));
		buf_free(&out);
	}
	buf_free(&z);
}
END_TEST

START_TEST(test_gz_multi_member)
{
	struct gz g;
	struct buf a, b, both, out;
	size_t i;

	gzip_member("ACGT\n", 5, &a);
	gzip_member("GGCC\nTT\n", 8, &b);
	buf_init(&both, 1 << 20);
	ck_assert(buf_append(&both, a.p, a.len) && buf_append(&both, b.p, b.len));
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		ck_assert_msg(run(both.p, both.len, chunks[i], true, 1000, &g, &out),
		    "chunk %zu: %s", chunks[i], g.err);
		ck_assert_uint_eq(g.members, 2);
		ck_assert_uint_eq(out.len, 13);
		ck_assert(memcmp(out.p, "ACGT\nGGCC\nTT\n", 13) == 0);
		buf_free(&out);
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&both);
}
END_TEST

START_TEST(test_gz_refusals)
{
	struct gz g;
	struct buf z, out;
	size_t i;
	char *big = malloc(1 << 20);

	gzip_member("ACGTACGTACGT\n", 13, &z);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		/* Content-Encoding: gzip on a plain body. */
		ck_assert(!run("ACGT\n", 5, chunks[i], true, 1000, &g, &out));
		ck_assert_int_eq(g.status, GZ_NOT_GZIP);
		buf_free(&out);
		ck_assert(!run("A", 1, chunks[i], true, 1000, &g, &out));
		ck_assert_int_eq(g.status, GZ_NOT_GZIP);
		buf_free(&out);
		/* Cut short: the CRC and size trailer, or more, are missing. */
		ck_assert(!run(z.p, z.len - 4, chunks[i], false, 1000, &g, &out));
		ck_assert_int_eq(g.status, GZ_TRUNCATED);
		buf_free(&out);
		ck_assert(!run(z.p, 12, chunks[i], false, 1000, &g, &out));
		ck_assert_int_eq(g.status, GZ_TRUNCATED);
		buf_free(&out);
		/* Only the magic. */
		ck_assert(!run(z.p, 2, chunks[i], false, 1000, &g, &out));
		ck_assert_int_eq(g.status, GZ_TRUNCATED);
		buf_free(&out);
	}
	/* A flipped bit in the data or the CRC. */
	z.p[z.len - 6] ^= 0x20;
	ck_assert(!run(z.p, z.len, 0, false, 1000, &g, &out));
	ck_assert_int_eq(g.status, GZ_CORRUPT);
	buf_free(&out);
	buf_free(&z);
	/* A bomb: 1 MiB of 'A' inflates past a 64 KiB bound. */
	memset(big, 'A', 1 << 20);
	gzip_member(big, 1 << 20, &z);
	ck_assert(z.len < 8192);
	ck_assert(!run(z.p, z.len, 0, false, 65536, &g, &out));
	ck_assert_int_eq(g.status, GZ_TOO_LARGE);
	ck_assert(out.len <= 65536);
	buf_free(&out);
	/* Trailing bytes that are not another member. */
	ck_assert(buf_append(&z, "junk", 4));
	ck_assert(!run(z.p, z.len, 0, false, 2 << 20, &g, &out));
	ck_assert_int_eq(g.status, GZ_CORRUPT);
	buf_free(&out);
	buf_free(&z);
	free(big);
}
END_TEST

START_TEST(test_gz_large_output_pending_is_flushed)
{
	/* More output than one inflate call gives, from a tiny input. */
	struct gz g;
	struct buf z, out;
	char *big = malloc(3 << 20);

	memset(big, 'C', 3 << 20);
	gzip_member(big, 3 << 20, &z);
	ck_assert(run(z.p, z.len, 0, false, 3 << 20, &g, &out));
	ck_assert_uint_eq(out.len, 3 << 20);
	buf_free(&out);
	ck_assert(run(z.p, z.len, 1, false, 3 << 20, &g, &out));
	ck_assert_uint_eq(out.len, 3 << 20);
	buf_free(&out);
	buf_free(&z);
	free(big);
}
END_TEST

START_TEST(test_gz_trailing_zeros_and_junk)
{
	struct gz g;
	struct buf z, out;
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		/* Zero padding after the last member (tape blocks, some
		 * tools) is accepted, as gzip(1) does. */
		gzip_member("ACGT\n", 5, &z);
		ck_assert(buf_append(&z, "\0\0\0\0\0", 5));
		ck_assert_msg(run(z.p, z.len, chunks[i], false, 1000, &g, &out),
		    "chunk %zu: %s", chunks[i], g.err);
		ck_assert_uint_eq(g.members, 1);
		ck_assert_uint_eq(out.len, 5);
		buf_free(&out);
		/* Anything else after it is refused, saying what it is. */
		ck_assert(buf_append(&z, "x\0", 2));
		ck_assert(!run(z.p, z.len, chunks[i], false, 1000, &g, &out));
		ck_assert_int_eq(g.status, GZ_CORRUPT);
		ck_assert_msg(strstr(g.err, "7 bytes after the end of the gzip "
		    "data") != NULL && strstr(g.err, "not another gzip member") !=
		    NULL, "chunk %zu: %s", chunks[i], g.err);
		buf_free(&out);
		buf_free(&z);
		gzip_member("ACGT\n", 5, &z);
		ck_assert(buf_append(&z, "junk", 4));
		ck_assert(!run(z.p, z.len, chunks[i], false, 1000, &g, &out));
		ck_assert_int_eq(g.status, GZ_CORRUPT);
		ck_assert_msg(strstr(g.err, "4 bytes after the end") != NULL,
		    "chunk %zu: %s", chunks[i], g.err);
		buf_free(&out);
		buf_free(&z);
	}
}
END_TEST

static Suite *
gz_suite(void)
{
	Suite *s = suite_create("gz");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_gz_plain_passes_through);
	tcase_add_test(tc, test_gz_inflates_by_magic_in_any_chunks);
	tcase_add_test(tc, test_gz_multi_member);
	tcase_add_test(tc, test_gz_refusals);
	tcase_add_test(tc, test_gz_large_output_pending_is_flushed);
	tcase_add_test(tc, test_gz_trailing_zeros_and_junk);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gz_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
