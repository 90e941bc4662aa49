/*
 * oracle.c: the brute-force answer key for the black-box search tests. It
 * reads stored strings and queries, compares every query with every stored
 * string using the plain reference distance (t/lev_ref.c, never the fast
 * kernel under test), and prints what a correct search must return.
 *
 * Input, on stdin, one item per line, in any order:
 *   S <id> <SEQ>   a stored string and its integer id (ids must be unique)
 *   Q <k> <SEQ>    a query and its largest allowed distance k (k >= 0)
 * Empty lines are ignored; anything else is malformed (exit status 2).
 * Output: one line per Q line, in input order, holding the space-separated
 * "<id>:<distance>" of every stored string within distance k of the query,
 * sorted by distance and then id; an empty line when there is none.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lev_ref.h"

static const char USAGE[] =
    "usage: oracle < INPUT\n"
    "\n"
    "Reads lines 'S <id> <SEQ>' (a stored string with a unique integer id)\n"
    "and 'Q <k> <SEQ>' (a query with its largest allowed distance k) from\n"
    "standard input. Then, for each Q line in input order, prints one line:\n"
    "the space-separated '<id>:<distance>' of every stored string whose\n"
    "Levenshtein distance to the query is at most k, sorted by distance and\n"
    "then id (an empty line if there is none). Distances come from a plain\n"
    "full dynamic program. SEQ is any run of bytes other than space, tab,\n"
    "CR or LF, and may be empty. Empty lines are ignored.\n"
    "\n"
    "Exit status: 0 on success, 1 on an I/O or memory error, 2 on malformed\n"
    "input or bad arguments.\n";

/* One S or Q line: for S, num is the id; for Q, it is k (never negative). */
struct item {
	long long num;
	char *seq;	/* owned, not NUL-terminated */
	size_t len;
};

/* A growable array of items. */
struct items {
	struct item *v;
	size_t n, cap;
};

/* One hit of a query: a stored id and its distance. */
struct match {
	size_t dist;
	long long id;
};

/* Reports an out-of-memory condition and stops: the oracle has no way to
 * give a partial answer that a test could trust. */
static void
die_nomem(void)
{
	fprintf(stderr, "oracle: out of memory\n");
	exit(1);
}

/* Reports malformed input at a 1-based line number and stops with status
 * 2, so a broken test fixture is never mistaken for a search bug. */
static void
die_input(unsigned long lineno, const char *why)
{
	fprintf(stderr, "oracle: stdin line %lu: %s\n", lineno, why);
	exit(2);
}

/* Appends an item, taking ownership of seq. */
static void
items_push(struct items *it, long long num, char *seq, size_t len)
{
	if (it->n == it->cap) {
		size_t ncap = it->cap == 0 ? 256 : it->cap * 2;
		struct item *nv = realloc(it->v, ncap * sizeof *nv);

		if (nv == NULL)
			die_nomem();
		it->v = nv;
		it->cap = ncap;
	}
	it->v[it->n].num = num;
	it->v[it->n].seq = seq;
	it->v[it->n].len = len;
	it->n++;
}

/*
 * Parses s[0..n) as a whole decimal integer: an optional '-' (only when
 * allow_neg), then one or more digits, nothing else, no overflow. Done by
 * hand because the field is not NUL-terminated and may hold any byte.
 * Returns 1 and sets *out on success, 0 otherwise.
 */
static int
parse_int(const char *s, size_t n, int allow_neg, long long *out)
{
	unsigned long long v = 0, limit;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && s[0] == '-' && allow_neg) {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return 0;
	/* LLONG_MAX for positives, its magnitude + 1 for negatives. */
	limit = neg ? (unsigned long long)9223372036854775807LL + 1ULL
	    : (unsigned long long)9223372036854775807LL;
	for (; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return 0;
		d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == limit ? -9223372036854775807LL - 1
		    : -(long long)v;
	else
		*out = (long long)v;
	return 1;
}

/* True for the bytes that cannot appear inside a field. */
static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Parses one input line (without its newline) and files it under stored or
 * queries. Any deviation from "T NUM SEQ" with single spaces is fatal.
 */
static void
parse_line(const char *line, size_t len, unsigned long lineno,
    struct items *stored, struct items *queries)
{
	size_t p, num_start, num_end, i;
	long long num;
	char kind, *seq;

	if (len >= 1 && line[len - 1] == '\r')
		len--;		/* tolerate CRLF line ends */
	if (len == 0)
		return;
	kind = line[0];
	if (kind != 'S' && kind != 'Q')
		die_input(lineno, "expected a line starting with 'S ' or 'Q '");
	if (len < 2 || line[1] != ' ')
		die_input(lineno, "expected a single space after the line type");
	num_start = p = 2;
	while (p < len && line[p] != ' ')
		p++;
	num_end = p;
	if (!parse_int(line + num_start, num_end - num_start, kind == 'S',
	    &num))
		die_input(lineno, kind == 'S' ?
		    "the id is not an integer" :
		    "k is not a non-negative integer");
	if (p < len)
		p++;		/* the space before SEQ */
	for (i = p; i < len; i++)
		if (is_sep(line[i]))
			die_input(lineno, "the sequence holds whitespace "
			    "(fields must be separated by single spaces)");
	seq = malloc(len - p > 0 ? len - p : 1);
	if (seq == NULL)
		die_nomem();
	if (len > p)
		memcpy(seq, line + p, len - p);
	items_push(kind == 'S' ? stored : queries, num, seq, len - p);
}

/* Orders stored items by id, to find duplicates. */
static int
cmp_item_id(const void *x, const void *y)
{
	const struct item *a = x, *b = y;

	return (a->num > b->num) - (a->num < b->num);
}

/* Orders matches by (distance, id), the order the search API promises. */
static int
cmp_match(const void *x, const void *y)
{
	const struct match *a = x, *b = y;

	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/*
 * Prints the answer line for one query. A length difference above k is a
 * proven lower bound on the distance, so such pairs are skipped; every
 * other pair is measured with the banded reference (exact up to k; tested
 * against the full one in check_lev).
 */
static void
answer(const struct item *q, const struct items *stored,
    struct match *scratch)
{
	unsigned long long k = (unsigned long long)q->num;
	size_t i, n = 0;

	for (i = 0; i < stored->n; i++) {
		const struct item *s = &stored->v[i];
		size_t gap = s->len > q->len ? s->len - q->len
		    : q->len - s->len;
		size_t d;

		if (gap > k)
			continue;
		d = lev_ref_banded(q->seq, q->len, s->seq, s->len, (size_t)k);
		if (d <= k) {
			scratch[n].dist = d;
			scratch[n].id = s->num;
			n++;
		}
	}
	qsort(scratch, n, sizeof *scratch, cmp_match);
	for (i = 0; i < n; i++)
		printf("%s%lld:%zu", i > 0 ? " " : "", scratch[i].id,
		    scratch[i].dist);
	putchar('\n');
}

int
main(int argc, char **argv)
{
	struct items stored = { NULL, 0, 0 }, queries = { NULL, 0, 0 };
	struct match *scratch;
	char *line = NULL;
	size_t cap = 0, i;
	unsigned long lineno = 0;
	ssize_t got;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(USAGE, stdout);
		return 0;
	}
	if (argc != 1) {
		fputs(USAGE, stderr);
		return 2;
	}

	while ((got = getline(&line, &cap, stdin)) != -1) {
		size_t len = (size_t)got;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		parse_line(line, len, lineno, &stored, &queries);
	}
	if (ferror(stdin)) {
		perror("oracle: reading stdin");
		return 1;
	}
	free(line);

	/* Sorting a copy would cost memory; the order of stored items does
	 * not matter to the answers, so sort in place. */
	if (stored.n > 1) {
		qsort(stored.v, stored.n, sizeof *stored.v, cmp_item_id);
		for (i = 1; i < stored.n; i++)
			if (stored.v[i].num == stored.v[i - 1].num) {
				fprintf(stderr, "oracle: id %lld is stored "
				    "more than once\n", stored.v[i].num);
				return 2;
			}
	}

	scratch = malloc((stored.n > 0 ? stored.n : 1) * sizeof *scratch);
	if (scratch == NULL)
		die_nomem();
	for (i = 0; i < queries.n; i++)
		answer(&queries.v[i], &stored, scratch);

	for (i = 0; i < stored.n; i++)
		free(stored.v[i].seq);
	for (i = 0; i < queries.n; i++)
		free(queries.v[i].seq);
	free(stored.v);
	free(queries.v);
	free(scratch);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("oracle: writing stdout");
		return 1;
	}
	return 0;
}
