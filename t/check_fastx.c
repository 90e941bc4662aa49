/*
 * check_fastx.c: the streaming FASTA / FASTQ / plain parser (src/fastx.c):
 * what each format yields, that chunk boundaries never matter, and that
 * every refusal names the right line, column and reason.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "fastx.h"

/* Collected records: "SEQ@line;" for each. */
static bool
collect(void *arg, const char *seq, size_t len, unsigned long long line)
{
	struct buf *b = arg;

	return buf_append(b, seq, len) && buf_printf(b, "@%llu;", line);
}

/* Parses text in chunks of `chunk` bytes (0: all at once). Returns the
 * parser's verdict; the records go to out. */
static bool
parse(const char *text, size_t chunk, size_t maxlen, struct fastx *p,
    struct buf *out)
{
	size_t len = strlen(text), off = 0, n;
	bool ok = true;

	buf_init(out, 1 << 20);
	fastx_init(p, maxlen, collect, out);
	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	while (ok && off < len) {
		n = len - off < chunk ? len - off : chunk;
		ok = fastx_feed(p, text + off, n);
		off += n;
	}
	return ok && fastx_finish(p);
}

static void
expect_records(const char *text, const char *want, enum fastx_format fmt)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 7, 64 };
	struct fastx p;
	struct buf out;
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		ck_assert_msg(parse(text, chunks[i], 1000, &p, &out),
		    "chunk %zu: refused: %s (line %llu)", chunks[i], p.err_msg,
		    p.err_line);
		ck_assert_msg(strcmp(out.p != NULL ? out.p : "", want) == 0,
		    "chunk %zu: got '%s' want '%s'", chunks[i], out.p, want);
		ck_assert_int_eq(p.format, fmt);
		fastx_free(&p);
		buf_free(&out);
	}
}

static void
expect_refusal(const char *text, enum fastx_reason why,
    unsigned long long line, size_t column, size_t maxlen)
{
	static const size_t chunks[] = { 0, 1, 5 };
	struct fastx p;
	struct buf out;
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		ck_assert_msg(!parse(text, chunks[i], maxlen, &p, &out),
		    "chunk %zu: accepted '%s'", chunks[i], text);
		ck_assert_msg(p.reason == why && p.err_line == line &&
		    p.err_column == column,
		    "chunk %zu: got %s at %llu:%zu, want %s at %llu:%zu (%s)",
		    chunks[i], fastx_reason_code(p.reason), p.err_line,
		    p.err_column, fastx_reason_code(why), line, column, p.err_msg);
		fastx_free(&p);
		buf_free(&out);
	}
}

START_TEST(test_fastx_plain_lines_fold_and_skip_blanks)
{
	expect_records("acgt\nAC\r\n\nGGTT", "ACGT@1;AC@2;GGTT@4;", FASTX_PLAIN);
}
END_TEST

START_TEST(test_fastx_fasta_joins_wrapped_lines)
{
	expect_records(">r1 first\nACGT\nacg\n\n>r2\r\nTT\r\n",
	    "ACGTACG@1;TT@5;", FASTX_FASTA);
}
END_TEST

START_TEST(test_fastx_fastq_four_line_records)
{
	expect_records("@r1\nACGT\n+\nIIII\n@r2\nggc\n+r2\n!!~\n",
	    "ACGT@1;GGC@5;", FASTX_FASTQ);
}
END_TEST

START_TEST(test_fastx_refusals_name_line_and_column)
{
	expect_refusal("ACGT\nACNT\n", FASTX_INVALID_BASE, 2, 3, 1000);
	expect_refusal("ACGT\nAC GT\n", FASTX_INVALID_BASE, 2, 3, 1000);
	expect_refusal(">a\nACGT\n>b\n>c\nAC\n", FASTX_EMPTY_RECORD, 3, 0, 1000);
	expect_refusal(">a\nACGT\n>b\n", FASTX_EMPTY_RECORD, 3, 0, 1000);
	expect_refusal(">a\nACGT\nAC\n", FASTX_TOO_LONG, 1, 0, 5);
	expect_refusal("ACGTAC\n", FASTX_TOO_LONG, 1, 0, 5);
	expect_refusal("@a\nACGT\nIIII\n", FASTX_FASTQ_PLUS, 3, 0, 1000);
	expect_refusal("@a\nACGT\n+\nIII\n", FASTX_FASTQ_QUALITY, 4, 0, 1000);
	expect_refusal("@a\nACGT\n+\nII I\n", FASTX_FASTQ_QUALITY, 4, 3, 1000);
	expect_refusal("@a\nACGT\n+\nIIII\nACGT\n", FASTX_FASTQ_HEADER, 5, 0, 1000);
	expect_refusal("@a\nACGT\n+\n", FASTX_TRUNCATED, 1, 0, 1000);
	expect_refusal("@a\n\n+\n\n", FASTX_EMPTY_RECORD, 1, 0, 1000);
	expect_refusal("\n\n", FASTX_EMPTY_FILE, 1, 0, 1000);
	expect_refusal(";comment\nACGT\n", FASTX_INVALID_BASE, 1, 1, 1000);
}
END_TEST

START_TEST(test_fastx_empty_input_is_refused)
{
	struct fastx p;
	struct buf out;

	ck_assert(!parse("", 0, 1000, &p, &out));
	ck_assert_int_eq(p.reason, FASTX_EMPTY_FILE);
	fastx_free(&p);
	buf_free(&out);
}
END_TEST

START_TEST(test_fastx_counts_records_and_bases)
{
	struct fastx p;
	struct buf out;

	ck_assert(parse(">a\nACGT\nAC\n>b\nT\n", 3, 1000, &p, &out));
	ck_assert_uint_eq(p.records, 2);
	ck_assert_uint_eq(p.bases, 7);
	fastx_free(&p);
	buf_free(&out);
}
END_TEST

START_TEST(test_fastx_long_line_bounded)
{
	struct fastx p;
	struct buf out;
	char *big = malloc(3 << 20);

	memset(big, 'A', (3 << 20) - 1);
	big[(3 << 20) - 1] = '\0';
	ck_assert(!parse(big, 65536, 1000, &p, &out));
	ck_assert(p.reason == FASTX_LINE_TOO_LONG || p.reason == FASTX_TOO_LONG);
	fastx_free(&p);
	buf_free(&out);
	free(big);
}
END_TEST

START_TEST(test_fastx_skips_utf8_bom)
{
	expect_records("\xef\xbb\xbf>r1\nACGT\n", "ACGT@1;", FASTX_FASTA);
	expect_records("\xef\xbb\xbf@r1\nACGT\n+\nIIII\n", "ACGT@1;",
	    FASTX_FASTQ);
	expect_records("\xef\xbb\xbf" "acgt\nGG\n", "ACGT@1;GG@2;", FASTX_PLAIN);
	/* Only at the start of the file. */
	expect_refusal("ACGT\n\xef\xbb\xbf" "AC\n", FASTX_INVALID_BASE, 2, 1, 1000);
}
END_TEST

START_TEST(test_fastx_skips_leading_blank_lines)
{
	expect_records("\n>r1\nACGT\n", "ACGT@2;", FASTX_FASTA);
	expect_records("\r\n\n\n@r1\nACGT\n+\nIIII\n", "ACGT@4;", FASTX_FASTQ);
	expect_records("\xef\xbb\xbf\n\nACGT\n", "ACGT@3;", FASTX_PLAIN);
}
END_TEST

START_TEST(test_fastx_crlf_line_ends)
{
	expect_records(">r1\r\nAC\r\nGT\r\n>r2\r\nTT\r\n", "ACGT@1;TT@4;",
	    FASTX_FASTA);
	expect_records("@r1\r\nACGT\r\n+\r\nIIII\r\n@r2\r\nGG\r\n+\r\n!!",
	    "ACGT@1;GG@5;", FASTX_FASTQ);
	/* Line numbers count a "\r\n" once. */
	expect_refusal("ACGT\r\nAC\r\nANT\r\n", FASTX_INVALID_BASE, 3, 2, 1000);
}
END_TEST

START_TEST(test_fastx_cr_only_line_ends)
{
	expect_records(">r1\rAC\rGT\r>r2\rTT\r", "ACGT@1;TT@4;", FASTX_FASTA);
	expect_records("@r1\rACGT\r+\rIIII\r@r2\rGG\r+\r!!\r",
	    "ACGT@1;GG@5;", FASTX_FASTQ);
	expect_records("ACGT\rGG\r\rT", "ACGT@1;GG@2;T@4;", FASTX_PLAIN);
	expect_refusal("@r1\rACGT\r+\rIII\r", FASTX_FASTQ_QUALITY, 4, 0, 1000);
}
END_TEST

START_TEST(test_fastx_whitespace_only_lines_are_blank)
{
	/* Lines of only spaces and tabs count as blank wherever a blank
	 * line is allowed: before the first record and between records. */
	expect_records(" \n>x\nACGT\n", "ACGT@2;", FASTX_FASTA);
	expect_records("\t \r\n>a\nAC\n \t\nGT\n  \n>b\nTT\n",
	    "ACGT@2;TT@7;", FASTX_FASTA);
	expect_records(" \n@a\nACGT\n+\nIIII\n\t\n@b\nGG\n+\n!!\n",
	    "ACGT@2;GG@7;", FASTX_FASTQ);
	expect_records("\t\nACGT\n   \nGG\n", "ACGT@2;GG@4;", FASTX_PLAIN);
	expect_refusal(" \t\n\t\n", FASTX_EMPTY_FILE, 1, 0, 1000);
	/* Not inside a FASTQ record, where the line has a meaning. */
	expect_refusal("@a\n \n+\n\n", FASTX_EMPTY_RECORD, 1, 0, 1000);
}
END_TEST

START_TEST(test_fastx_trailing_blanks_are_stripped)
{
	/* Spaces and tabs at the end of a line (spreadsheet and instrument
	 * exports) are dropped; inside or before the bases they are not. */
	expect_records(">a \nAC \t\nGT\t\n", "ACGT@1;", FASTX_FASTA);
	expect_records("ACGT  \r\nGG\t\n", "ACGT@1;GG@2;", FASTX_PLAIN);
	expect_records("@a\nACGT \n+ \nIIII\t\n", "ACGT@1;", FASTX_FASTQ);
	expect_refusal("ACGT\n AC\n", FASTX_INVALID_BASE, 2, 1, 1000);
	expect_refusal("ACGT\nA\tC\n", FASTX_INVALID_BASE, 2, 2, 1000);
}
END_TEST

static Suite *
fastx_suite(void)
{
	Suite *s = suite_create("fastx");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fastx_plain_lines_fold_and_skip_blanks);
	tcase_add_test(tc, test_fastx_fasta_joins_wrapped_lines);
	tcase_add_test(tc, test_fastx_fastq_four_line_records);
	tcase_add_test(tc, test_fastx_refusals_name_line_and_column);
	tcase_add_test(tc, test_fastx_empty_input_is_refused);
	tcase_add_test(tc, test_fastx_counts_records_and_bases);
	tcase_add_test(tc, test_fastx_long_line_bounded);
	tcase_add_test(tc, test_fastx_skips_utf8_bom);
	tcase_add_test(tc, test_fastx_skips_leading_blank_lines);
	tcase_add_test(tc, test_fastx_crlf_line_ends);
	tcase_add_test(tc, test_fastx_cr_only_line_ends);
	tcase_add_test(tc, test_fastx_whitespace_only_lines_are_blank);
	tcase_add_test(tc, test_fastx_trailing_blanks_are_stripped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fastx_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
