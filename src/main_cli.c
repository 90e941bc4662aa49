/*
 * main_cli.c: dnadb, the operator's command line. Each command is a row in
 * a table: its name, its one-line help and its function.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "dnadb.h"
#include "import.h"
#include "seg.h"
#include "store.h"
#include "store_migrate.h"
#include "token.h"

struct cli_cmd {
	const char *name;
	const char *help;
	int       (*run)(const struct config *cfg, int argc, char *argv[]);
};

/* err(3)-style report of the operator's tool: "dnadb[ cmd]: message",
 * a newline added. cmd is the subcommand ("import", "token create"), or
 * NULL. */
static void cli_warn(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cli_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dnadb%s%s: ", cmd != NULL ? " " : "",
	    cmd != NULL ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int cli_migrate(const struct config *, int, char *[]);
static int cli_status(const struct config *, int, char *[]);
static int cli_config(const struct config *, int, char *[]);
static int cli_reindex(const struct config *, int, char *[]);
static int cli_import(const struct config *, int, char *[]);
static int cli_token(const struct config *, int, char *[]);

static const struct cli_cmd cli_cmds[] = {
	{ "migrate", "apply the missing schema migrations (safe to re-run)", cli_migrate },
	{ "migrations", "list the migrations and whether each is applied", cli_status },
	{ "config", "print the effective configuration (file + environment)", cli_config },
	{ "reindex", "rebuild the search index from the stored sequences", cli_reindex },
	{ "import", "import FASTA, FASTQ or one-per-line files, gzip or not: import [--quiet] FILE... (- is stdin)", cli_import },
	{ "token", "API tokens: token create --name NAME --scope read|write, token list, token revoke NAME", cli_token },
};

#define CLI_NCMDS (sizeof(cli_cmds) / sizeof(cli_cmds[0]))

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out,
	    "usage: dnadb [--config FILE] COMMAND\n"
	    "\n"
	    "The dnadb operator's tool.\n"
	    "\n"
	    "Commands:\n");
	for (i = 0; i < CLI_NCMDS; i++)
		fprintf(out, "  %-12s %s\n", cli_cmds[i].name, cli_cmds[i].help);
	fprintf(out,
	    "\n"
	    "Options:\n"
	    "  -c, --config FILE  configuration file (default: $DNADB_CONFIG, else\n"
	    "                     built-in defaults); DNADB_<KEY> variables override it,\n"
	    "                     e.g. DNADB_DATABASE_URL='host=/run/postgresql dbname=dnadb'\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      print the version\n");
}

static PGconn *
cli_connect(const struct config *cfg)
{
	char err[512];
	PGconn *conn = db_connect_cli(cfg, err, sizeof(err));

	if (conn == NULL) {
		cli_warn(NULL, "cannot connect to the database: %s", err);
		fputs("dnadb: the connection is set by owner_database_url in the "
		    "configuration file (--config) or DNADB_OWNER_DATABASE_URL; on the "
		    "local stack, deploy/stack dnadb ARGS... runs this with the "
		    "stack's settings\n", stderr);
	}
	return conn;
}

static void
cli_token_usage(FILE *out)
{
	fprintf(out,
	    "usage: dnadb token create --name NAME --scope read|write\n"
	    "       dnadb token list\n"
	    "       dnadb token revoke NAME\n"
	    "\n"
	    "create prints the new token once, alone on standard output; only its\n"
	    "hash is stored. read tokens may search and get; write tokens may also\n"
	    "add, import and delete. Send it as Authorization: Bearer <token>.\n");
}

static int
cli_token(const struct config *cfg, int argc, char *argv[])
{
	const char *name = NULL, *scope = NULL;
	PGconn *conn;
	int i, rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_token_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "create") == 0) {
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
				name = argv[++i];
			else if (strcmp(argv[i], "--scope") == 0 && i + 1 < argc)
				scope = argv[++i];
			else {
				cli_warn("token create", "unexpected '%.80s'", argv[i]);
				cli_token_usage(stderr);
				return 2;
			}
		}
		if (name == NULL || scope == NULL || auth_scope_parse(scope) == AUTH_NONE) {
			cli_token_usage(stderr);
			return 2;
		}
	} else if (strcmp(argv[1], "list") == 0) {
		if (argc != 2) {
			cli_token_usage(stderr);
			return 2;
		}
	} else if (strcmp(argv[1], "revoke") == 0) {
		if (argc != 3) {
			cli_token_usage(stderr);
			return 2;
		}
		name = argv[2];
	} else {
		cli_warn("token", "unknown subcommand '%.80s'", argv[1]);
		cli_token_usage(stderr);
		return 2;
	}
	if ((conn = cli_connect(cfg)) == NULL)
		return 1;
	if (strcmp(argv[1], "create") == 0)
		rc = token_create(conn, name, auth_scope_parse(scope), stdout, stderr);
	else if (strcmp(argv[1], "list") == 0)
		rc = token_list(conn, stdout, stderr);
	else
		rc = token_revoke(conn, name, stdout, stderr);
	db_close_cli(conn);
	return rc;
}

static int
cli_migrate(const struct config *cfg, int argc, char *argv[])
{
	PGconn *conn;
	int rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: dnadb migrate\n");
		return 2;
	}
	if ((conn = cli_connect(cfg)) == NULL)
		return 1;
	rc = store_migrate(conn, stdout, stderr);
	db_close_cli(conn);
	return rc == 0 ? 0 : 1;
}

static int
cli_status(const struct config *cfg, int argc, char *argv[])
{
	PGconn *conn;
	int rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: dnadb migrations\n");
		return 2;
	}
	if ((conn = cli_connect(cfg)) == NULL)
		return 1;
	rc = store_migrations(conn, stdout, stderr);
	db_close_cli(conn);
	return rc == 0 ? 0 : 1;
}

static int
cli_reindex(const struct config *cfg, int argc, char *argv[])
{
	struct dna_fail f;
	PGconn *conn;
	long seqs, keys;
	int rc = 1;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: dnadb reindex\n");
		return 2;
	}
	if ((conn = cli_connect(cfg)) == NULL)
		return 1;
	fail_init(&f);
	if (store_reindex(conn, &seqs, &keys, &f) == DNA_OK) {
		printf("indexed %ld sequences (%ld segment keys, scheme %s)\n",
		    seqs, keys, SEG_SCHEME);
		rc = 0;
	} else
		cli_warn(NULL, "rebuilding the index failed: %s",
		    f.detail[0] != '\0' ? f.detail : f.msg);
	fail_clear(&f);
	db_close_cli(conn);
	return rc;
}

/* The plural ending for a count: "" for 1, "s" otherwise. */
static const char *
cli_s(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* Progress of one file on a terminal: records, bases, rate, ETA. */
struct cli_progress {
	const char *name;
	off_t       size;      /* 0 if unknown (a pipe) */
	double      t0, last;  /* seconds */
	bool        tty;
};

static double
cli_now(void)
{
	return dna_now_ms() / 1e3;
}

static void
cli_show(struct cli_progress *p, const struct import *im, bool force)
{
	double now = cli_now(), el = now - p->t0, rate;

	if (!p->tty || (!force && now - p->last < 0.5))
		return;
	p->last = now;
	rate = el > 0 ? (double)im->fx.records / el : 0;
	fprintf(stderr, "\r%s: %llu records, %.1f Mb, %.0f records/s", p->name,
	    im->fx.records, (double)im->fx.bases / 1e6, rate);
	/* Compressed bytes read, for a gzip file: what the file size counts. */
	if (p->size > 0 && im->gz.in > 0 && im->gz.in < (unsigned long long)p->size)
		fprintf(stderr, ", ETA %.0f s",
		    el * ((double)p->size / (double)im->gz.in - 1.0));
	fprintf(stderr, "   ");
}

static void
cli_store_progress(void *arg, unsigned long long done, unsigned long long total)
{
	struct cli_progress *p = arg;

	if (!p->tty)
		return;
	fprintf(stderr, "\r%s: storing and indexing %llu of %llu records (%.0f%%)   ",
	    p->name, done, total, total > 0 ? 100.0 * (double)done / (double)total : 100.0);
}

/* Imports one file (all or nothing). 0, or 1 after printing why. */
static int
cli_import_file(PGconn *conn, const struct config *cfg, const char *path,
    bool quiet)
{
	struct import im;
	struct import_opts opts;
	struct cli_progress pr;
	struct stat stt;
	char chunk[1 << 16];
	size_t n;
	FILE *fp;
	enum import_status st;
	int rc = 1;

	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (fp == NULL) {
		cli_warn("import", "%s: %s", path, strerror(errno));
		return 1;
	}
	memset(&pr, 0, sizeof(pr));
	pr.name = strcmp(path, "-") == 0 ? "stdin" : path;
	pr.tty = !quiet && isatty(STDERR_FILENO);
	pr.t0 = pr.last = cli_now();
	if (fstat(fileno(fp), &stt) == 0 && S_ISREG(stt.st_mode))
		pr.size = stt.st_size;
	/* The operator's own file: a gzip file is inflated whatever its
	 * size (max_import_inflated_bytes guards the API from others'). */
	memset(&opts, 0, sizeof(opts));
	opts.maxlen = (size_t)cfg->max_sequence_length;
	opts.wait = true;
	opts.max_inflated = ULLONG_MAX;
	opts.vacuum = true;
	st = import_begin(&im, conn, &opts);
	im.progress = cli_store_progress;
	im.progress_arg = &pr;
	while (st == IMPORT_OK && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		st = import_feed(&im, chunk, n);
		cli_show(&pr, &im, false);
	}
	if (st == IMPORT_OK && ferror(fp)) {
		cli_warn("import", "%s: read error: %s", pr.name,
		    strerror(errno));
		goto out;
	}
	if (st == IMPORT_OK)
		st = import_finish(&im);
	if (pr.tty)
		fprintf(stderr, "\n");
	switch (st) {
	case IMPORT_OK:
		printf("%s: %s%s, %llu record%s, %llu base%s: %llu inserted, "
		    "%llu duplicate%s, %.1f s\n", pr.name,
		    fastx_format_name(im.fx.format), im.gz.gzip ? " (gzip)" : "",
		    im.fx.records, cli_s(im.fx.records), im.fx.bases,
		    cli_s(im.fx.bases), im.inserted, im.duplicates,
		    cli_s(im.duplicates), cli_now() - pr.t0);
		if (im.analyze_fail.err != DNA_OK)
			cli_warn("import", "%s: stored, but the statistics "
			    "were not refreshed (run dnadb migrate): %s", pr.name,
			    im.analyze_fail.detail);
		rc = 0;
		break;
	case IMPORT_GZIP:
		cli_warn("import", "%s: %s (%s); nothing from this file "
		    "was stored", pr.name, im.gz.err, gz_status_code(im.gz.status));
		break;
	case IMPORT_INVALID:
		if (im.fx.err_column > 0)
			cli_warn("import", "%s:%llu:%zu: %s (%s); nothing "
			    "from this file was stored", pr.name, im.fx.err_line,
			    im.fx.err_column, im.fx.err_msg,
			    fastx_reason_code(im.fx.reason));
		else
			cli_warn("import", "%s:%llu: %s (%s); nothing "
			    "from this file was stored", pr.name, im.fx.err_line,
			    im.fx.err_msg, fastx_reason_code(im.fx.reason));
		break;
	case IMPORT_UNKNOWN:
		cli_warn("import", "%s: the connection was lost during "
		    "COMMIT: whether the file was stored is unknown; importing it "
		    "again is safe", pr.name);
		break;
	case IMPORT_NOMEM:
		cli_warn("import", "%s: out of memory", pr.name);
		break;
	case IMPORT_BUSY:	/* not returned when waiting */
	case IMPORT_DB:
		cli_warn("import", "%s: database error: %s", pr.name,
		    im.fail.detail[0] != '\0' ? im.fail.detail : im.fail.msg);
		break;
	}
out:
	import_end(&im);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

static int
cli_import(const struct config *cfg, int argc, char *argv[])
{
	PGconn *conn;
	bool quiet = false;
	int i, first = 1, rc = 0;

	if (argc >= 2 && strcmp(argv[1], "--quiet") == 0) {
		quiet = true;
		first = 2;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: dnadb import [--quiet] FILE...   (- reads standard input)\n"
		    "Each file is imported all or nothing: FASTA, FASTQ or one sequence per line,\n"
		    "told apart by the first byte, gzip-compressed or not. Sequences already stored\n"
		    "are skipped and counted.\n");
		return 2;
	}
	if ((conn = cli_connect(cfg)) == NULL)
		return 1;
	for (i = first; i < argc && rc == 0; i++)
		rc = cli_import_file(conn, cfg, argv[i], quiet);
	db_close_cli(conn);
	return rc;
}

static int
cli_config(const struct config *cfg, int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	config_print(cfg, stdout);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfgpath = getenv("DNADB_CONFIG");
	struct config cfg;
	char err[512];
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dnadb %s\n", DNADB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < CLI_NCMDS; i++)
		if (strcmp(argv[optind], cli_cmds[i].name) == 0)
			break;
	if (i == CLI_NCMDS) {
		cli_warn(NULL, "unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (config_load(cfgpath, &cfg, err, sizeof(err)) != 0) {
		cli_warn(NULL, "%s", err);
		return 1;
	}
	return cli_cmds[i].run(&cfg, argc - optind, argv + optind);
}
