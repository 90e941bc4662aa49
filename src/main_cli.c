/*
 * main_cli.c: dnadb, the operator's command line. Each command is a row in
 * a table: its name, its one-line help and its function.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "dnadb.h"
#include "idx.h"
#include "migrate.h"

struct cli_cmd {
	const char *name;
	const char *help;
	int       (*run)(const struct config *cfg, int argc, char *argv[]);
};

static int cli_migrate(const struct config *, int, char *[]);
static int cli_status(const struct config *, int, char *[]);
static int cli_config(const struct config *, int, char *[]);
static int cli_reindex(const struct config *, int, char *[]);

static const struct cli_cmd cli_cmds[] = {
	{ "migrate", "apply the missing schema migrations (safe to re-run)", cli_migrate },
	{ "migrations", "list the migrations and whether each is applied", cli_status },
	{ "config", "print the effective configuration (file + environment)", cli_config },
	{ "reindex", "rebuild the search index from the stored sequences", cli_reindex },
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

	if (conn == NULL)
		fprintf(stderr, "dnadb: cannot connect to the database: %s", err);
	return conn;
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
	rc = migrate_run(conn, stdout, stderr);
	PQfinish(conn);
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
	rc = migrate_status(conn, stdout, stderr);
	PQfinish(conn);
	return rc == 0 ? 0 : 1;
}

static int
cli_reindex(const struct config *cfg, int argc, char *argv[])
{
	PGconn *conn;
	PGresult *res;
	int rc = 1;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: dnadb reindex\n");
		return 2;
	}
	if ((conn = cli_connect(cfg)) == NULL)
		return 1;
	res = PQexecParams(conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK &&
	    idx_rebuild(conn, stdout, stderr) == 0) {
		PQclear(res);
		res = PQexecParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			rc = 0;
		else
			fprintf(stderr, "dnadb: %s", PQerrorMessage(conn));
	}
	PQclear(res);
	PQfinish(conn);
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
		fprintf(stderr, "dnadb: unknown command '%s'\n\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (config_load(cfgpath, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnadb: %s\n", err);
		return 1;
	}
	return cli_cmds[i].run(&cfg, argc - optind, argv + optind);
}
