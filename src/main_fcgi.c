/*
 * main_fcgi.c: dnadb-fcgi, the FastCGI worker. One process handles one
 * request at a time: accept, dispatch, finish, repeat. It keeps only its
 * configuration and its database connection between requests; everything
 * else is per request. SIGTERM (or SIGINT, SIGQUIT, SIGUSR1) lets a busy
 * worker finish the request in hand, then exit.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "api.h"
#include "config.h"
#include "db.h"
#include "dnadb.h"
#include "log.h"
#include "req.h"
#include "resp.h"

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: dnadb-fcgi [--config FILE] [--socket PATH]\n"
	    "\n"
	    "The dnadb FastCGI worker: answers the HTTP API (docs/api.md) behind\n"
	    "nginx, one request at a time, talking to PostgreSQL.\n"
	    "\n"
	    "By default it accepts on standard input, the FastCGI convention, as\n"
	    "set up by spawn-fcgi and multiwatch (see deploy/stack). With\n"
	    "--socket it listens on a Unix socket of its own (mode 0660).\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default: $DNADB_CONFIG, else\n"
	    "                     built-in defaults); DNADB_<KEY> variables override it\n"
	    "  -s, --socket PATH  listen on this Unix socket instead of stdin\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      print the version\n"
	    "\n"
	    "Signals: SIGTERM, SIGINT, SIGQUIT or SIGUSR1 finish the current request,\n"
	    "then exit.\n");
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfgpath = getenv("DNADB_CONFIG"), *sockpath = NULL;
	struct config cfg;
	struct api_ctx ctx;
	struct sigaction sa;
	sigset_t stopset, oldset;
	FCGX_Request fr;
	struct req r;
	char err[512], fmethod[32], fpath[256], fquery[256];
	int c, fd = 0;
	unsigned long served = 0;

	while ((c = getopt_long(argc, argv, "c:s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 's':
			sockpath = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dnadb-fcgi %s\n", DNADB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_load(cfgpath, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnadb-fcgi: %s\n", err);
		return 1;
	}
	if (log_open(cfg.log_file) != 0) {
		fprintf(stderr, "dnadb-fcgi: cannot open log %s: %s\n",
		    cfg.log_file, strerror(errno));
		return 1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "dnadb-fcgi: FCGX_Init failed\n");
		return 1;
	}
	if (sockpath != NULL) {
		mode_t old = umask(0117);
		fd = FCGX_OpenSocket(sockpath, 64);
		umask(old);
		if (fd < 0) {
			fprintf(stderr, "dnadb-fcgi: cannot listen on %s\n", sockpath);
			return 1;
		}
	} else if (FCGX_IsCGI()) {
		fprintf(stderr, "dnadb-fcgi: standard input is not a FastCGI socket.\n"
		    "Run it under spawn-fcgi (see deploy/stack) or give --socket PATH.\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked accept() must return */
	/* multiwatch passes a stop on as SIGQUIT, whatever its --signal. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ctx.cfg = &cfg;
	if ((ctx.db = db_new(&cfg)) == NULL) {
		fprintf(stderr, "dnadb-fcgi: out of memory\n");
		return 1;
	}
	if (FCGX_InitRequest(&fr, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		fprintf(stderr, "dnadb-fcgi: FCGX_InitRequest failed\n");
		db_free(ctx.db);
		return 1;
	}
	/* The stop signals are blocked while a request is handled: libfcgi
	 * does not retry a read or write that a signal interrupts, so a
	 * signal then would cut the response short. A pending one is
	 * delivered when the mask is restored, before the next accept. */
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	sigaddset(&stopset, SIGQUIT);
	sigaddset(&stopset, SIGUSR1);
	log_msg("info", NULL, "worker started (dnadb %s)", DNADB_VERSION);
	while (!stopping) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		sigprocmask(SIG_BLOCK, &stopset, &oldset);
		req_begin(&r, &fr);
		log_set_rid(r.id);
		api_dispatch(&ctx, &r);
		log_msg("info", r.id, "%s %s%s%s %d %.1fms",
		    log_field(r.method_name, fmethod, sizeof(fmethod)),
		    log_field(r.path != NULL ? r.path : "-", fpath, sizeof(fpath)),
		    r.query[0] != '\0' ? "?" : "",
		    log_field(r.query, fquery, sizeof(fquery)), r.status,
		    req_elapsed_ms(&r));
		log_set_rid(NULL);
		req_end(&r);
		FCGX_Finish_r(&fr);
		served++;
		sigprocmask(SIG_SETMASK, &oldset, NULL);
	}
	log_msg("info", NULL, "worker stopping after %lu requests", served);
	FCGX_Free(&fr, 1);
	db_free(ctx.db);
	return 0;
}
