/*
 * config.h: the one configuration of dnadb (conf/dnadb.conf), read by the
 * worker, the CLI and deploy/stack alike.
 *
 * The file holds `key = value` lines; `#` starts a comment. Every key may be
 * overridden by an environment variable DNADB_<KEY> (upper case), which
 * wins over the file. Unknown keys and out-of-range values are errors that
 * name the file, line and key: a typo must never silently fall back to a
 * default.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_STR_MAX 1024

struct config {
	char database_url[CONFIG_STR_MAX]; /* libpq: the workers (app role) */
	char owner_database_url[CONFIG_STR_MAX]; /* libpq: the CLI (owner role);
	                                    * "" means database_url */
	char log_file[CONFIG_STR_MAX];     /* "-" for standard error */
	long workers;                      /* FastCGI worker processes */
	long port;                         /* nginx's port (deploy/stack) */
	long max_sequence_length;          /* bases */
	long max_body_bytes;               /* request body */
	long max_import_bytes;             /* body of an import */
	long max_import_inflated_bytes;    /* a gzip import, once inflated */
	long max_distance;                 /* search k cap */
	long max_response_bases;           /* bases per search page */
	long statement_timeout_ms;         /* per SQL statement */
	long search_budget_ms;             /* a search's time budget */
	long connect_timeout_s;            /* libpq connect_timeout */
	long public_read;                  /* 1: search and get need no token */
	long limit_search_rps;             /* nginx: searches/s per client */
	long limit_search_burst;           /* nginx: their burst */
	long limit_write_rps;              /* nginx: writes/s per client */
	long limit_write_burst;            /* nginx: their burst */
	long limit_conn_per_client;        /* nginx: open API requests per client */
	long client_timeout_s;             /* nginx: header and body timeouts */
	long drain_timeout_s;              /* supervisor: wait for busy workers */
};

/* Fills cfg with the built-in defaults. */
void config_defaults(struct config *cfg);

/*
 * Loads path (NULL: defaults only) over the defaults, then applies the
 * environment overrides. Returns 0, or -1 with a message in err (errsz
 * bytes) naming the file, line and key that is wrong.
 */
int config_load(const char *path, struct config *cfg, char *err, size_t errsz);

/* Writes every key and its value, one per line, in the file's format
 * (database_url is printed without its password). */
void config_print(const struct config *cfg, FILE *out);

#endif /* CONFIG_H */
