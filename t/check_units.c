/*
 * check_units.c: unit tests of the input-facing modules: validation,
 * JSON bodies, query strings, cursors, routing, configuration and the
 * error table. One behaviour per test case.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "config.h"
#include "cursor.h"
#include "db.h"
#include "dnadb.h"
#include "jbody.h"
#include "qs.h"
#include "route.h"
#include "auth.h"
#include "valid.h"

/* --- valid ---------------------------------------------------------- */

START_TEST(test_valid_dna_folds_case)
{
	char s[] = "acGTtgCA";
	struct dna_fail f;

	fail_init(&f);
	ck_assert_int_eq(valid_dna(s, 8, 100, DNA_E_INVALID_SEQUENCE, "field",
	    "sequence", &f), DNA_OK);
	ck_assert_str_eq(s, "ACGTTGCA");
	fail_clear(&f);
}
END_TEST

START_TEST(test_valid_dna_reports_first_bad_position)
{
	char s[] = "ACGNXT";
	struct dna_fail f;

	fail_init(&f);
	ck_assert_int_eq(valid_dna(s, 6, 100, DNA_E_INVALID_SEQUENCE, "field",
	    "sequence", &f), DNA_E_INVALID_SEQUENCE);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(f.details,
	    "position")), 4);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(f.details,
	    "field")), "sequence");
	fail_clear(&f);
}
END_TEST

START_TEST(test_valid_dna_rejects_embedded_nul)
{
	char s[] = { 'A', 'C', '\0', 'G' };
	struct dna_fail f;

	fail_init(&f);
	ck_assert_int_eq(valid_dna(s, 4, 100, DNA_E_INVALID_SEQUENCE, "field",
	    "sequence", &f), DNA_E_INVALID_SEQUENCE);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(f.details,
	    "position")), 3);
	fail_clear(&f);
}
END_TEST

START_TEST(test_valid_dna_rejects_iupac_and_space)
{
	static const char *bad[] = { "N", "ACGU", "AC GT", "R", "acgt\n", "-" };
	struct dna_fail f;
	size_t i;
	char s[16];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fail_init(&f);
		snprintf(s, sizeof(s), "%s", bad[i]);
		ck_assert_msg(valid_dna(s, strlen(s), 100, DNA_E_INVALID_SEQUENCE,
		    "field", "sequence", &f) == DNA_E_INVALID_SEQUENCE, "%s", bad[i]);
		fail_clear(&f);
	}
}
END_TEST

START_TEST(test_valid_dna_empty_is_invalid)
{
	char s[1] = "";
	struct dna_fail f;

	fail_init(&f);
	ck_assert_int_eq(valid_dna(s, 0, 100, DNA_E_INVALID_SEQUENCE, "field",
	    "sequence", &f), DNA_E_INVALID_SEQUENCE);
	ck_assert_ptr_null(json_object_object_get(f.details, "position"));
	fail_clear(&f);
}
END_TEST

START_TEST(test_valid_dna_too_long)
{
	char s[] = "ACGTA";
	struct dna_fail f;

	fail_init(&f);
	ck_assert_int_eq(valid_dna(s, 5, 4, DNA_E_INVALID_SEQUENCE, "field",
	    "sequence", &f), DNA_E_SEQUENCE_TOO_LONG);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(f.details,
	    "max_length")), 4);
	fail_clear(&f);
	fail_init(&f);
	ck_assert_int_eq(valid_dna(s, 5, 4, DNA_E_INVALID_PARAMETER, "parameter",
	    "q", &f), DNA_E_INVALID_PARAMETER);
	fail_clear(&f);
}
END_TEST

START_TEST(test_valid_uint_ranges_and_syntax)
{
	long long v;

	ck_assert(valid_uint("0", 1, 0, 10, &v) && v == 0);
	ck_assert(valid_uint("10", 2, 0, 10, &v) && v == 10);
	ck_assert(valid_uint("007", 3, 0, 10, &v) && v == 7);
	ck_assert(!valid_uint("11", 2, 0, 10, &v));
	ck_assert(!valid_uint("", 0, 0, 10, &v));
	ck_assert(!valid_uint("-1", 2, 0, 10, &v));
	ck_assert(!valid_uint("+1", 2, 0, 10, &v));
	ck_assert(!valid_uint(" 1", 2, 0, 10, &v));
	ck_assert(!valid_uint("1 ", 2, 0, 10, &v));
	ck_assert(!valid_uint("1.5", 3, 0, 10, &v));
	ck_assert(!valid_uint("0x1", 3, 0, 10, &v));
	ck_assert(!valid_uint("1234567890123456789", 19, 0, 999999999999999999LL, &v));
	ck_assert(valid_uint("999999999999999999", 18, 0, 999999999999999999LL, &v));
	ck_assert(valid_uint("9223372036854775807", 19, 0, LLONG_MAX, &v) &&
	    v == LLONG_MAX);
	ck_assert(!valid_uint("9223372036854775808", 19, 0, LLONG_MAX, &v));
	ck_assert(!valid_uint("99999999999999999999", 20, 0, LLONG_MAX, &v));
}
END_TEST

/* --- jbody ---------------------------------------------------------- */

static enum dna_err
add(const char *body, char **seq, size_t *len, struct dna_fail *f)
{
	fail_init(f);
	return jbody_add(body, strlen(body), 1000, seq, len, f);
}

START_TEST(test_jbody_accepts_and_folds)
{
	struct dna_fail f;
	char *seq;
	size_t len;

	ck_assert_int_eq(add(" {\"sequence\": \"acgt\"}\n", &seq, &len, &f), DNA_OK);
	ck_assert_str_eq(seq, "ACGT");
	ck_assert_uint_eq(len, 4);
	free(seq);
	fail_clear(&f);
}
END_TEST

START_TEST(test_jbody_invalid_json_cases)
{
	static const char *bad[] = {
		"", "{", "{\"sequence\": \"ACGT\"", "{\"sequence\": \"ACGT\"} x",
		"{\"sequence\": \"ACGT\"}{}", "[\"ACGT\"]", "\"ACGT\"", "12",
		"null", "{'sequence': 'ACGT'}", "{\"sequence\": \"ACGT\",}",
		"{\"a\":[[[[[[[[[[1]]]]]]]]]]}", "\xef\xbb\xbf{}",
		"{\"sequence\": \"AC\xff\"}",
		"{\"sequence\": \"AC\x01GT\"}", "{\"sequence\": \"AC\tGT\"}",
		"{\"sequence\":\x01\"ACGT\"}",
		"{\"sequence\\u0000x\": \"ACGT\"}",
		"{\"sequence\\u0000\" : \"ACGT\"}",
		"{\"sequence\": \"ACGT\", \"sequence\": \"GGGG\"}",
		"{\"sequence\":\"ACGT\",\"sequence\" :\"ACGT\"}",
	};
	struct dna_fail f;
	char *seq;
	size_t len, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(add(bad[i], &seq, &len, &f) == DNA_E_INVALID_JSON,
		    "case %zu: %s gave %s", i, bad[i], dna_err_code(f.err));
		ck_assert_ptr_null(seq);
		fail_clear(&f);
	}
}
END_TEST

START_TEST(test_jbody_missing_and_unknown_fields)
{
	struct dna_fail f;
	char *seq;
	size_t len;

	ck_assert_int_eq(add("{}", &seq, &len, &f), DNA_E_MISSING_FIELD);
	fail_clear(&f);
	ck_assert_int_eq(add("{\"sequence\": \"A\", \"name\": 1}", &seq, &len, &f),
	    DNA_E_UNKNOWN_FIELD);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(f.details,
	    "field")), "name");
	fail_clear(&f);
}
END_TEST

START_TEST(test_jbody_sequence_type_and_nul)
{
	struct dna_fail f;
	char *seq;
	size_t len;

	ck_assert_int_eq(add("{\"sequence\": 12}", &seq, &len, &f),
	    DNA_E_INVALID_SEQUENCE);
	fail_clear(&f);
	ck_assert_int_eq(add("{\"sequence\": \"AC\\u0000GT\"}", &seq, &len, &f),
	    DNA_E_INVALID_SEQUENCE);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(f.details,
	    "position")), 3);
	fail_clear(&f);
	ck_assert_int_eq(add("{\"sequence\": \"\"}", &seq, &len, &f),
	    DNA_E_INVALID_SEQUENCE);
	fail_clear(&f);
}
END_TEST

START_TEST(test_jbody_depth_limit)
{
	struct dna_fail f;
	json_object *o;
	const char *ok = "{\"a\":[[[[[[[1]]]]]]]}";     /* depth 8 */
	const char *deep = "{\"a\":[[[[[[[[1]]]]]]]]}"; /* depth 9 */
	const char *const allowed[] = { "a" };

	fail_init(&f);
	ck_assert_int_eq(jbody_parse(ok, strlen(ok), allowed, 1, &o, &f), DNA_OK);
	json_object_put(o);
	ck_assert_int_eq(jbody_parse(deep, strlen(deep), allowed, 1, &o, &f),
	    DNA_E_INVALID_JSON);
	fail_clear(&f);
}
END_TEST

START_TEST(test_jbody_rejects_malformed_utf8)
{
	static const char *bad[] = {
		"{\"sequence\": \"A\xc1\x81\"}",         /* overlong 'A' */
		"{\"sequence\": \"A\xe0\x80\x80\"}",     /* overlong NUL */
		"{\"sequence\": \"A\xed\xa0\x80\"}",     /* surrogate */
		"{\"sequence\": \"A\xf4\x90\x80\x80\"}", /* past U+10FFFF */
		"{\"sequence\": \"A\x80\"}",             /* lone continuation */
		"{\"sequence\": \"A\xe2\x82\"}",         /* truncated */
	};
	struct dna_fail f;
	char *seq;
	size_t len, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(add(bad[i], &seq, &len, &f) == DNA_E_INVALID_JSON,
		    "case %zu gave %s", i, dna_err_code(f.err));
		fail_clear(&f);
	}
	ck_assert_uint_eq(valid_utf8((const unsigned char *)"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10), 10);
}
END_TEST

/*
 * Where json-c's own message is vague, the refusal names what was found
 * at the offset; a repeated member is named with the offset of its second
 * occurrence.
 */
START_TEST(test_jbody_messages_name_what_and_where)
{
	static const struct {
		const char *body; long long offset; const char *has;
	} bad[] = {
		{ "{\"sequence\":\"ACGT\",\"sequence\":\"ACGT\"}", 19,
		  "member 'sequence' appears more than once" },
		{ "{\"q\":\"ACGT\", \"q\" : \"A\", \"q\":\"C\"}", 13, "'q'" },
		{ "{\"q\":\"ACGT\",\"\\u0071\":\"A\"}", 12, "'q'" },
		{ "{\"q\":\"ACGT\",\"limit\":nan}", 20, "'nan' is not a JSON value" },
		{ "{\"q\":\"ACGT\",\"limit\":nan}", 20, "true, false and null" },
		{ "{\"max_distance\":01}", 16, "'01' is not a JSON value" },
		{ "{\"max_distance\":01}", 16, "leading zero" },
		{ "{\"limit\":.5}", 9, "'.5' is not a JSON value" },
		{ "{\"q\":\"ACGT\",}", 12, "'}' found" },
		{ "{\"q\":\"ACGT\",}", 12, "trailing comma" },
		{ "{\"q\" \"ACGT\"}", 5, "'\"' found" },
		{ "{\"q\":\"ACGT\"\x7f}", 11, "'\\x7f'" },
	};
	static const char *const allowed[] = { "q", "max_distance", "limit",
	    "sequence" };
	struct dna_fail f;
	json_object *o;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fail_init(&f);
		ck_assert_msg(jbody_parse(bad[i].body, strlen(bad[i].body), allowed,
		    4, &o, &f) == DNA_E_INVALID_JSON, "case %zu: %s gave %s", i,
		    bad[i].body, dna_err_code(f.err));
		ck_assert_msg(strstr(f.msg, bad[i].has) != NULL,
		    "case %zu: '%s' lacks '%s'", i, f.msg, bad[i].has);
		ck_assert_msg(json_object_get_int64(json_object_object_get(
		    f.details, "offset")) == bad[i].offset,
		    "case %zu: offset %s, want %lld (%s)", i,
		    json_object_to_json_string(f.details), bad[i].offset, f.msg);
		fail_clear(&f);
	}
}
END_TEST

/*
 * json-c 0.16 takes NaN, Infinity, -Infinity and numbers like "1." even in
 * strict mode: each is invalid_json with the offset of the word, and
 * every number that JSON allows still parses.
 */
START_TEST(test_jbody_refuses_non_json_numbers)
{
	static const struct { const char *body; long long offset; } bad[] = {
		{ "{\"q\":\"ACGT\",\"max_distance\":NaN}", 27 },
		{ "{\"q\":\"ACGT\",\"max_distance\":Infinity}", 27 },
		{ "{\"q\":\"ACGT\",\"max_distance\":-Infinity}", 27 },
		{ "{\"q\":\"ACGT\",\"limit\":1.}", 20 },
		{ "{\"q\":\"ACGT\",\"limit\":-1.}", 20 },
		{ "{\"q\":\"ACGT\",\"limit\":1.e5}", 20 },
		{ "{\"q\":\"ACGT\",\"limit\":0.}", 20 },
		{ "{\"q\":\"ACGT\", \"cursor\":[NaN]}", 23 },
		{ "{\"limit\": 1 , \"q\":\"N\\\"aN\", \"x\":NaN}", 31 },
	};
	static const char *const good[] = {
		"{\"q\":\"NaN Infinity 1.\",\"limit\":1}",
		"{\"q\":\"ACGT\",\"limit\":-0}", "{\"q\":\"ACGT\",\"limit\":1.0}",
		"{\"q\":\"ACGT\",\"limit\":1e5}", "{\"q\":\"ACGT\",\"limit\":1E+2}",
		"{\"q\":\"ACGT\",\"limit\":-0.5e-3}",
		"{\"q\":\"ACGT\",\"cursor\":[true,false,null,0,10]}",
		"{\"q\":\"a\\\\\",\"limit\":2}",
	};
	static const char *const allowed[] = { "q", "max_distance", "limit",
	    "cursor", "x" };
	struct dna_fail f;
	json_object *o;
	char *seq;
	size_t len, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fail_init(&f);
		ck_assert_msg(jbody_parse(bad[i].body, strlen(bad[i].body), allowed,
		    5, &o, &f) == DNA_E_INVALID_JSON, "case %zu: %s gave %s", i,
		    bad[i].body, dna_err_code(f.err));
		ck_assert_ptr_null(o);
		ck_assert_int_eq(json_object_get_int64(json_object_object_get(
		    f.details, "offset")), bad[i].offset);
		fail_clear(&f);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		fail_init(&f);
		ck_assert_msg(jbody_parse(good[i], strlen(good[i]), allowed, 5, &o,
		    &f) == DNA_OK, "case %zu: %s gave %s: %s", i, good[i],
		    dna_err_code(f.err), f.msg);
		json_object_put(o);
		fail_clear(&f);
	}
	ck_assert_int_eq(add("{\"sequence\":NaN}", &seq, &len, &f),
	    DNA_E_INVALID_JSON);
	ck_assert_ptr_null(seq);
	fail_clear(&f);
}
END_TEST

/* --- qs ------------------------------------------------------------- */

START_TEST(test_qs_decodes_and_rejects)
{
	struct qs_param p[2] = { { "q", NULL, 0 }, { "limit", NULL, 0 } };
	struct dna_fail f;
	const char *s;

	fail_init(&f);
	s = "q=AC%47t&limit=5";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 2, &f), DNA_OK);
	ck_assert_str_eq(p[0].value, "ACGt");
	ck_assert_str_eq(p[1].value, "5");
	qs_free(p, 2);

	s = "q=A&q=C";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 2, &f), DNA_E_INVALID_PARAMETER);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(f.details,
	    "parameter")), "q");
	qs_free(p, 2);
	fail_clear(&f);

	s = "foo=1";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 2, &f), DNA_E_INVALID_PARAMETER);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(f.details,
	    "parameter")), "foo");
	qs_free(p, 2);
	fail_clear(&f);

	s = "q=%4";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 2, &f), DNA_E_INVALID_PARAMETER);
	qs_free(p, 2);
	fail_clear(&f);
	s = "q=%zz";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 2, &f), DNA_E_INVALID_PARAMETER);
	qs_free(p, 2);
	fail_clear(&f);

	s = "&&q=A&";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 2, &f), DNA_OK);
	ck_assert_str_eq(p[0].value, "A");
	ck_assert_ptr_null(p[1].value);
	qs_free(p, 2);

	s = "q=A%00C";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 2, &f), DNA_OK);
	ck_assert_uint_eq(p[0].len, 3);
	qs_free(p, 2);
	fail_clear(&f);
}
END_TEST

/* --- cursor --------------------------------------------------------- */

START_TEST(test_cursor_round_trip)
{
	struct cursor c = { 7, 123456789012LL, 0 }, d;
	char text[DNA_CURSOR_MAX + 1];
	size_t n;

	c.fp = cursor_fingerprint("ACGT", 4, 7);
	n = cursor_encode(&c, text);
	ck_assert_uint_eq(n, strlen(text));
	ck_assert_uint_le(n, DNA_CURSOR_MAX);
	ck_assert(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n);
	ck_assert(cursor_decode(text, n, &d));
	ck_assert_uint_eq(d.distance, 7);
	ck_assert_int_eq(d.id, 123456789012LL);
	ck_assert(d.fp == c.fp);
}
END_TEST

START_TEST(test_cursor_rejects_garbage_and_tampering)
{
	struct cursor c = { 1, 5, 42 }, d;
	char text[DNA_CURSOR_MAX + 1];
	size_t n;

	ck_assert(!cursor_decode("", 0, &d));
	ck_assert(!cursor_decode("abc", 3, &d));
	ck_assert(!cursor_decode("!!!!", 4, &d));
	ck_assert(!cursor_decode("YzEuMS4x", 8, &d)); /* "c1.1.1" without fp */
	n = cursor_encode(&c, text);
	text[n - 1] = text[n - 1] == 'A' ? 'B' : 'A';
	/* A changed last character either fails or decodes to another value. */
	if (cursor_decode(text, n, &d))
		ck_assert(d.fp != c.fp || d.id != c.id || d.distance != c.distance);
}
END_TEST

START_TEST(test_cursor_fingerprint_depends_on_query_and_k)
{
	ck_assert(cursor_fingerprint("ACGT", 4, 1) != cursor_fingerprint("ACGT", 4, 2));
	ck_assert(cursor_fingerprint("ACGT", 4, 1) != cursor_fingerprint("ACGA", 4, 1));
	ck_assert(cursor_fingerprint("ACGT", 4, 1) == cursor_fingerprint("ACGT", 4, 1));
}
END_TEST

/* --- route ---------------------------------------------------------- */

/* Who may do what: the access table behind every 401/403. */
START_TEST(test_route_access)
{
	ck_assert_int_eq(route_access(ROUTE_HEALTH, METHOD_GET), ROUTE_OPEN);
	ck_assert_int_eq(route_access(ROUTE_AUTH, METHOD_GET), ROUTE_OPEN);
	ck_assert_int_eq(route_access(ROUTE_SEARCH, METHOD_GET), ROUTE_READ);
	ck_assert_int_eq(route_access(ROUTE_SEARCH, METHOD_HEAD), ROUTE_READ);
	ck_assert_int_eq(route_access(ROUTE_SEARCH, METHOD_POST), ROUTE_READ);
	ck_assert_int_eq(route_access(ROUTE_SEQUENCE, METHOD_GET), ROUTE_READ);
	ck_assert_int_eq(route_access(ROUTE_SEQUENCE, METHOD_DELETE), ROUTE_WRITE);
	ck_assert_int_eq(route_access(ROUTE_SEQUENCES, METHOD_POST), ROUTE_WRITE);
	ck_assert_int_eq(route_access(ROUTE_IMPORT, METHOD_POST), ROUTE_WRITE);
	ck_assert_int_eq(route_access(ROUTE_HEALTH, METHOD_POST), ROUTE_WRITE);
}
END_TEST

/* Which query parameters each route and method takes: only GET and HEAD
 * /api/search take any; POST /api/search says where its parameters go. */
START_TEST(test_route_query_table)
{
	const char *const *names;
	const char *note;
	int r, m;

	for (r = 0; r < ROUTE__MAX; r++)
		for (m = 0; m < METHOD__MAX; m++) {
			size_t n = route_query((enum route)r, (enum method)m, &names,
			    &note);
			bool search_get = r == ROUTE_SEARCH && (m == METHOD_GET ||
			    m == METHOD_HEAD);
			ck_assert_msg(n == (search_get ? 4u : 0u),
			    "route %d method %d takes %zu parameters", r, m, n);
			ck_assert(n <= DNA_QS_PARAMS_MAX);
		}
	ck_assert_uint_eq(route_query(ROUTE_SEARCH, METHOD_GET, &names, &note), 4);
	ck_assert_str_eq(names[0], "q");
	ck_assert_str_eq(names[1], "max_distance");
	ck_assert_str_eq(names[2], "limit");
	ck_assert_str_eq(names[3], "cursor");
	ck_assert_ptr_null(names[4]);
	ck_assert_ptr_null(note);
	ck_assert_uint_eq(route_query(ROUTE_SEARCH, METHOD_POST, &names, &note), 0);
	ck_assert_ptr_nonnull(strstr(note, "JSON body"));
	ck_assert_uint_eq(route_query(ROUTE_SEQUENCE, METHOD_DELETE, &names,
	    &note), 0);
	ck_assert_ptr_null(names);
	ck_assert_ptr_null(note);
	/* OPTIONS is answered on every path, without a token. */
	for (r = 0; r < ROUTE__MAX; r++) {
		ck_assert(route_allows((enum route)r, METHOD_OPTIONS));
		ck_assert_int_eq(route_access((enum route)r, METHOD_OPTIONS),
		    ROUTE_OPEN);
	}
}
END_TEST

/* A query string against an empty list of parameters: every name is
 * unknown, and the message says the endpoint takes none. */
START_TEST(test_qs_no_parameters_taken)
{
	struct qs_param p[1] = { { "q", NULL, 0 } };
	struct dna_fail f;
	const char *s;

	fail_init(&f);
	s = "dry_run=1";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 0, &f), DNA_E_INVALID_PARAMETER);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(f.details,
	    "parameter")), "dry_run");
	ck_assert_ptr_nonnull(strstr(f.msg, "takes no query parameters"));
	fail_clear(&f);
	s = "&&";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 0, &f), DNA_OK);
	s = "x";
	ck_assert_int_eq(qs_parse(s, strlen(s), p, 1, &f), DNA_E_INVALID_PARAMETER);
	ck_assert_ptr_nonnull(strstr(f.msg, "takes only q"));
	qs_free(p, 1);
	fail_clear(&f);
}
END_TEST

/* --- auth: token format, parsing, comparison ------------------------- */

START_TEST(test_auth_token_round_trip)
{
	char tok[AUTH_TOKEN_SIZE], sel[AUTH_SELECTOR_LEN + 1], hash[AUTH_HASH_SIZE];
	char tok2[AUTH_TOKEN_SIZE], sel2[AUTH_SELECTOR_LEN + 1], hash2[AUTH_HASH_SIZE];
	char psel[AUTH_SELECTOR_LEN + 1], phash[AUTH_HASH_SIZE], hdr[AUTH_HEADER_MAX + 2];
	size_t i;

	ck_assert_int_eq(auth_token_new(tok, sel, hash), 0);
	ck_assert_uint_eq(strlen(tok), AUTH_TOKEN_LEN);
	ck_assert_uint_eq(strlen(hash), 64);
	ck_assert(strncmp(tok, "dnadb_", 6) == 0);
	ck_assert(memcmp(tok + 6, sel, AUTH_SELECTOR_LEN) == 0);
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	ck_assert(auth_parse(hdr, psel, phash));
	ck_assert_str_eq(psel, sel);
	ck_assert_str_eq(phash, hash);
	/* The scheme in any case, extra spaces around the token. */
	snprintf(hdr, sizeof(hdr), "bEARER   %s  ", tok);
	ck_assert(auth_parse(hdr, psel, phash));
	ck_assert_str_eq(phash, hash);
	/* Two tokens differ in selector and secret. */
	ck_assert_int_eq(auth_token_new(tok2, sel2, hash2), 0);
	ck_assert_str_ne(sel, sel2);
	ck_assert_str_ne(hash, hash2);
	/* Any one character changed in the secret changes the hash. */
	for (i = 7 + AUTH_SELECTOR_LEN; i < AUTH_TOKEN_LEN; i += 7) {
		char t[AUTH_TOKEN_SIZE];
		memcpy(t, tok, sizeof(t));
		t[i] = t[i] == 'A' ? 'B' : 'A';
		snprintf(hdr, sizeof(hdr), "Bearer %s", t);
		ck_assert(auth_parse(hdr, psel, phash));
		ck_assert_str_ne(phash, hash);
	}
}
END_TEST

START_TEST(test_auth_parse_rejects)
{
	char tok[AUTH_TOKEN_SIZE], sel[AUTH_SELECTOR_LEN + 1], hash[AUTH_HASH_SIZE];
	char hdr[600];
	const char *bad[] = {
		"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token %s",
		"Bearer %s.", "Bearer x%s", "Bearer %s%s", "Bearer\t%s",
		"Bearer dnadb_0123456789abcdeF_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"Bearer dnadb_0123456789abcdef-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"Bearer dnadb_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
		"Bearer dnadb_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"Bearer DNADB_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	size_t i;

	ck_assert_int_eq(auth_token_new(tok, sel, hash), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Each %s of the pattern stands for the valid token. */
		const char *pat = bad[i], *pct;
		size_t o = 0, n;
		while ((pct = strstr(pat, "%s")) != NULL) {
			n = (size_t)(pct - pat);
			memcpy(hdr + o, pat, n);
			o += n;
			memcpy(hdr + o, tok, AUTH_TOKEN_LEN);
			o += AUTH_TOKEN_LEN;
			pat = pct + 2;
		}
		snprintf(hdr + o, sizeof(hdr) - o, "%s", pat);
		ck_assert_msg(!auth_parse(hdr, sel, hash), "case %zu accepted: %s", i, hdr);
	}
	/* Over AUTH_HEADER_MAX: refused without reading further. */
	memset(hdr, ' ', sizeof(hdr) - 1);
	hdr[sizeof(hdr) - 1] = '\0';
	memcpy(hdr, "Bearer ", 7);
	ck_assert(!auth_parse(hdr, sel, hash));
	ck_assert(auth_parse("Bearer dnadb_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    sel, hash));
	ck_assert_str_eq(sel, "0123456789abcdef");
}
END_TEST

START_TEST(test_auth_ct_equal_and_names)
{
	ck_assert(auth_ct_equal("abcdef", "abcdef", 6));
	ck_assert(!auth_ct_equal("abcdef", "abcdeg", 6));
	ck_assert(!auth_ct_equal("xbcdef", "abcdef", 6));
	ck_assert(auth_ct_equal("abcdef", "abcxyz", 3));
	ck_assert(auth_name_valid("alice"));
	ck_assert(auth_name_valid("ci.bot-2@lab_1"));
	ck_assert(!auth_name_valid(""));
	ck_assert(!auth_name_valid("-x"));
	ck_assert(!auth_name_valid("a b"));
	ck_assert(!auth_name_valid("a'b"));
	ck_assert(auth_name_valid("a123456789012345678901234567890123456789012345678901234567890123"));
	ck_assert(!auth_name_valid("a1234567890123456789012345678901234567890123456789012345678901234"));
	ck_assert_int_eq(auth_scope_parse("read"), AUTH_READ);
	ck_assert_int_eq(auth_scope_parse("write"), AUTH_WRITE);
	ck_assert_int_eq(auth_scope_parse("admin"), AUTH_NONE);
	ck_assert_int_eq(auth_scope_parse(NULL), AUTH_NONE);
	ck_assert_str_eq(auth_scope_name(AUTH_WRITE), "write");
}
END_TEST

START_TEST(test_route_table)
{
	enum route r;
	const char *arg;
	size_t n;

	ck_assert_int_eq(route_match(METHOD_GET, "/api/health", &r, &arg, &n), ROUTE_OK);
	ck_assert_int_eq(r, ROUTE_HEALTH);
	ck_assert_int_eq(route_match(METHOD_HEAD, "/api/health", &r, &arg, &n), ROUTE_OK);
	ck_assert_int_eq(route_match(METHOD_POST, "/api/sequences", &r, &arg, &n), ROUTE_OK);
	ck_assert_int_eq(r, ROUTE_SEQUENCES);
	ck_assert_int_eq(route_match(METHOD_GET, "/api/sequences", &r, &arg, &n), ROUTE_NO_METHOD);
	{
		char allow[64];
		route_allow(r, allow, sizeof(allow));
		ck_assert_str_eq(allow, "POST, OPTIONS");
		route_allow(ROUTE_SEARCH, allow, sizeof(allow));
		ck_assert_str_eq(allow, "GET, HEAD, POST, OPTIONS");
	}
	ck_assert_int_eq(route_match(METHOD_GET, "/api/sequences/42", &r, &arg, &n), ROUTE_OK);
	ck_assert_int_eq(r, ROUTE_SEQUENCE);
	ck_assert_uint_eq(n, 2);
	ck_assert(memcmp(arg, "42", 2) == 0);
	ck_assert_int_eq(route_match(METHOD_DELETE, "/api/sequences/42", &r, &arg, &n), ROUTE_OK);
	ck_assert_int_eq(route_match(METHOD_DELETE, "/api/sequences", &r, &arg, &n), ROUTE_NO_METHOD);
	ck_assert_int_eq(route_match(METHOD_GET, "/api/auth", &r, &arg, &n), ROUTE_OK);
	ck_assert_int_eq(r, ROUTE_AUTH);
	ck_assert_int_eq(route_match(METHOD_GET, "/api/sequences/", &r, &arg, &n), ROUTE_NO_PATH);
	ck_assert_int_eq(route_match(METHOD_GET, "/api/sequences/1/2", &r, &arg, &n), ROUTE_NO_PATH);
	ck_assert_int_eq(route_match(METHOD_GET, "/api/searchx", &r, &arg, &n), ROUTE_NO_PATH);
	ck_assert_int_eq(route_match(METHOD_GET, "/api/search", &r, &arg, &n), ROUTE_OK);
	ck_assert_int_eq(route_match(METHOD_GET, "/api/health/", &r, &arg, &n), ROUTE_NO_PATH);
	ck_assert_int_eq(route_match(METHOD_GET, NULL, &r, &arg, &n), ROUTE_NO_PATH);
	ck_assert_int_eq(route_method("GET"), METHOD_GET);
	ck_assert_int_eq(route_method("get"), METHOD_OTHER);
	ck_assert_int_eq(route_method("BREW"), METHOD_OTHER);
}
END_TEST

/* --- config, errors, buf ------------------------------------------- */

START_TEST(test_config_file_env_and_errors)
{
	char path[] = "/tmp/dnadb-check-XXXXXX", err[256];
	struct config cfg;
	FILE *fp;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs("# comment\n\nworkers = 3\n  max_distance=10  \n"
	    "database_url = host=/tmp dbname=x\n", fp);
	fclose(fp);
	unsetenv("DNADB_WORKERS");
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.workers, 3);
	ck_assert_int_eq(cfg.max_distance, 10);
	ck_assert_int_eq(cfg.max_sequence_length, DNA_SEQ_LEN_DEFAULT);
	ck_assert_str_eq(cfg.database_url, "host=/tmp dbname=x");
	setenv("DNADB_WORKERS", "5", 1);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.workers, 5);
	setenv("DNADB_WORKERS", "0", 1);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "DNADB_WORKERS"));
	unsetenv("DNADB_WORKERS");

	fp = fopen(path, "w");
	fputs("workers = 2\nmax_distanse = 3\n", fp);
	fclose(fp);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":2: unknown key 'max_distanse'"));
	fp = fopen(path, "w");
	fputs("max_distance = 256\n", fp);
	fclose(fp);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof(err)), -1);
	fp = fopen(path, "w");
	fputs("max_distance = 12abc\n", fp);
	fclose(fp);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof(err)), -1);
	unlink(path);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_err_table_statuses)
{
	ck_assert_str_eq(dna_err_code(DNA_E_INVALID_JSON), "invalid_json");
	ck_assert_int_eq(dna_err_status(DNA_E_INVALID_JSON), 400);
	ck_assert_int_eq(dna_err_status(DNA_E_NOT_FOUND), 404);
	ck_assert_int_eq(dna_err_status(DNA_E_METHOD_NOT_ALLOWED), 405);
	ck_assert_int_eq(dna_err_status(DNA_E_DUPLICATE), 409);
	ck_assert_int_eq(dna_err_status(DNA_E_BODY_TOO_LARGE), 413);
	ck_assert_int_eq(dna_err_status(DNA_E_UNSUPPORTED_MEDIA_TYPE), 415);
	ck_assert_int_eq(dna_err_status(DNA_E_DB_UNAVAILABLE), 503);
	ck_assert_int_eq(dna_err_status((enum dna_err)9999), 500);
}
END_TEST

START_TEST(test_db_sqlstate_mapping)
{
	struct dna_fail f;

	fail_init(&f);
	ck_assert_int_eq(db_map_error("23505", false, &f), DNA_E_DUPLICATE);
	ck_assert_int_eq(db_map_error("23P01", false, &f), DNA_E_DUPLICATE);
	ck_assert_int_eq(db_map_error("57014", false, &f), DNA_E_TIMEOUT);
	ck_assert_int_eq(db_map_error("08006", false, &f), DNA_E_DB_UNAVAILABLE);
	ck_assert_int_eq(db_map_error("57P01", false, &f), DNA_E_DB_UNAVAILABLE);
	ck_assert_int_eq(db_map_error("42601", false, &f), DNA_E_INTERNAL);
	ck_assert_int_eq(db_map_error(NULL, true, &f), DNA_E_DB_UNAVAILABLE);
	ck_assert_int_eq(db_map_error(NULL, false, &f), DNA_E_INTERNAL);
	fail_clear(&f);
}
END_TEST

START_TEST(test_buf_respects_max)
{
	struct buf b;

	buf_init(&b, 8);
	ck_assert(buf_append(&b, "abcd", 4));
	ck_assert(buf_printf(&b, "%d", 1234));
	ck_assert(!buf_append(&b, "x", 1));
	ck_assert(!buf_printf(&b, "%s", "y"));
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.p, "abcd1234");
	buf_free(&b);
}
END_TEST

static Suite *
units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_valid_dna_folds_case);
	tcase_add_test(tc, test_valid_dna_reports_first_bad_position);
	tcase_add_test(tc, test_valid_dna_rejects_embedded_nul);
	tcase_add_test(tc, test_valid_dna_rejects_iupac_and_space);
	tcase_add_test(tc, test_valid_dna_empty_is_invalid);
	tcase_add_test(tc, test_valid_dna_too_long);
	tcase_add_test(tc, test_valid_uint_ranges_and_syntax);
	tcase_add_test(tc, test_jbody_accepts_and_folds);
	tcase_add_test(tc, test_jbody_invalid_json_cases);
	tcase_add_test(tc, test_jbody_missing_and_unknown_fields);
	tcase_add_test(tc, test_jbody_sequence_type_and_nul);
	tcase_add_test(tc, test_jbody_depth_limit);
	tcase_add_test(tc, test_jbody_rejects_malformed_utf8);
	tcase_add_test(tc, test_jbody_refuses_non_json_numbers);
	tcase_add_test(tc, test_jbody_messages_name_what_and_where);
	tcase_add_test(tc, test_qs_decodes_and_rejects);
	tcase_add_test(tc, test_cursor_round_trip);
	tcase_add_test(tc, test_cursor_rejects_garbage_and_tampering);
	tcase_add_test(tc, test_cursor_fingerprint_depends_on_query_and_k);
	tcase_add_test(tc, test_route_table);
	tcase_add_test(tc, test_route_access);
	tcase_add_test(tc, test_route_query_table);
	tcase_add_test(tc, test_qs_no_parameters_taken);
	tcase_add_test(tc, test_auth_token_round_trip);
	tcase_add_test(tc, test_auth_parse_rejects);
	tcase_add_test(tc, test_auth_ct_equal_and_names);
	tcase_add_test(tc, test_config_file_env_and_errors);
	tcase_add_test(tc, test_err_table_statuses);
	tcase_add_test(tc, test_db_sqlstate_mapping);
	tcase_add_test(tc, test_buf_respects_max);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(units_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
