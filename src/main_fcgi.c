/*
 * main_fcgi.c: dnadb-fcgi, the FastCGI server: a supervisor (super.c)
 * and its worker processes. A worker handles one request at a time:
 * accept, dispatch, finish, repeat. It keeps only its configuration and
 * its database connection between requests; everything else is per
 * request. SIGTERM (or SIGINT, SIGQUIT, SIGUSR1) lets a busy worker
 * finish the request in hand, then exit.
 */
#include <err.h>
#include <errno.h>
#include <stdbool.h>
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
#include "super.h"
#include "valid.h"

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
	    "usage: dnadb-fcgi [--config FILE] [--socket PATH] [--workers N]\n"
	    "                  [--pidfile FILE] [--single]\n"
	    "\n"
	    "The dnadb FastCGI server: answers the HTTP API (docs/api.md) behind\n"
	    "nginx, talking to PostgreSQL. It runs as a supervisor and N worker\n"
	    "processes (config key workers), each handling one request at a time.\n"
	    "A worker that dies is replaced within a second, forever.\n"
	    "\n"
	    "The listening socket is, in this order: --socket PATH (a Unix socket\n"
	    "it creates, mode 0660); the socket systemd passes (LISTEN_FDS, see\n"
	    "deploy/systemd); or standard input, the FastCGI convention (spawn-fcgi).\n"
	    "\n"
	    "  -c, --config FILE   configuration file (default: $DNADB_CONFIG, else\n"
	    "                      built-in defaults); DNADB_<KEY> variables override it\n"
	    "  -s, --socket PATH   listen on this Unix socket (mode 0660)\n"
	    "  -w, --workers N     worker processes (default: the workers key)\n"
	    "  -p, --pidfile FILE  write the supervisor's pid to FILE\n"
	    "  -1, --single        no supervisor: one worker in this process (for\n"
	    "                      debugging, valgrind, or another supervisor)\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version\n"
	    "\n"
	    "Signals to the supervisor: SIGTERM, SIGINT or SIGQUIT stop the workers\n"
	    "gracefully (each finishes its request; drain_timeout_s at most), then\n"
	    "exit; SIGHUP reopens the log and replaces the workers one by one.\n"
	    "A worker given SIGTERM, SIGINT, SIGQUIT or SIGUSR1 finishes its\n"
	    "request, then exits.\n");
}

/* What a worker process needs: its configuration and listening socket. */
struct worker_arg {
	struct config *cfg;
	int            fd;
};

/* One worker: accept, dispatch, finish, until a stop signal. Returns the
 * process's exit status. */
static int
worker_main(void *argp)
{
	struct worker_arg *wa = argp;
	struct api_ctx ctx;
	struct sigaction sa;
	sigset_t stopset, oldset;
	FCGX_Request fr;
	struct req r;
	char fmethod[32], fpath[256], fquery[256];
	unsigned long served = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked accept() must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = wa->cfg;
	if ((ctx.st = store_new(wa->cfg)) == NULL) {
		log_msg("error", NULL, "worker: out of memory");
		return 1;
	}
	if (FCGX_InitRequest(&fr, wa->fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_msg("error", NULL, "worker: FCGX_InitRequest failed");
		store_free(ctx.st);
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
	log_msg("info", NULL, "worker %ld started (dnadb %s)", (long)getpid(),
	    DNADB_VERSION);
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
	log_msg("info", NULL, "worker %ld stopping after %lu requests",
	    (long)getpid(), served);
	FCGX_Free(&fr, 1);
	store_free(ctx.st);
	return 0;
}

/* SIGHUP in the supervisor: reopen the log file (after rotation). */
static void
reopen_log(void *argp)
{
	struct worker_arg *wa = argp;

	if (log_open(wa->cfg->log_file) != 0)
		log_msg("error", NULL, "supervisor: cannot reopen log %s: %s",
		    wa->cfg->log_file, strerror(errno));
}

/* The socket systemd passed (socket activation), or -1. */
static int
systemd_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long p, n;

	if (pid == NULL || fds == NULL)
		return -1;
	p = strtol(pid, &end, 10);
	if (*end != '\0' || p != (long)getpid())
		return -1;
	n = strtol(fds, &end, 10);
	if (*end != '\0' || n != 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 3; /* SD_LISTEN_FDS_START */
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "single", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfgpath = getenv("DNADB_CONFIG"), *sockpath = NULL,
	    *pidpath = NULL, *workers = NULL;
	struct config cfg;
	struct worker_arg wa;
	char err[512];
	int c, fd = 0, rc;
	bool single = false;
	long long n;
	FILE *pf;

	while ((c = getopt_long(argc, argv, "c:s:w:p:1hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 's':
			sockpath = optarg;
			break;
		case 'w':
			workers = optarg;
			break;
		case 'p':
			pidpath = optarg;
			break;
		case '1':
			single = true;
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
		warnx("%s", err);
		return 1;
	}
	if (workers != NULL) {
		if (!valid_uint(workers, strlen(workers), 1, SUPER_MAX_WORKERS, &n)) {
			warnx("--workers must be 1 to %d",
			    SUPER_MAX_WORKERS);
			return 2;
		}
		cfg.workers = (long)n;
	}
	if (log_open(cfg.log_file) != 0) {
		warnx("cannot open log %s: %s",
		    cfg.log_file, strerror(errno));
		return 1;
	}
	if (FCGX_Init() != 0) {
		warnx("FCGX_Init failed");
		return 1;
	}
	if (sockpath != NULL) {
		/* Mode 0660: nginx reaches it through the group. */
		mode_t old = umask(0117);
		fd = FCGX_OpenSocket(sockpath, 128);
		umask(old);
		if (fd < 0) {
			warnx("cannot listen on %s", sockpath);
			return 1;
		}
	} else if ((fd = systemd_socket()) >= 0) {
		/* systemd made the socket (deploy/systemd/dnadb-fcgi.socket) */
	} else if (FCGX_IsCGI()) {
		warnx("no socket to listen on: standard input is\n"
		    "not a FastCGI socket. Give --socket PATH, or run it under\n"
		    "systemd socket activation or spawn-fcgi (see --help).");
		return 2;
	} else
		fd = 0;
	if (pidpath != NULL) {
		if ((pf = fopen(pidpath, "w")) == NULL) {
			warnx("cannot write %s: %s", pidpath,
			    strerror(errno));
			return 1;
		}
		fprintf(pf, "%ld\n", (long)getpid());
		fclose(pf);
	}
	wa.cfg = &cfg;
	wa.fd = fd;
	if (single)
		rc = worker_main(&wa);
	else
		rc = super_run((int)cfg.workers, (double)cfg.drain_timeout_s,
		    worker_main, reopen_log, &wa);
	if (pidpath != NULL)
		unlink(pidpath);
	if (sockpath != NULL)
		unlink(sockpath);
	return rc;
}
