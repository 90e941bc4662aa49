/*
 * super.c: the worker supervisor; see super.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dnadb.h"
#include "log.h"
#include "super.h"

/* Backoff of a worker that keeps dying young. */
#define SUPER_YOUNG_MS    1000.0  /* a death before this age is "young" */
#define SUPER_DELAY_MS     100.0  /* first delay after a young death */
#define SUPER_DELAY_MAX   1000.0  /* the delay never exceeds this */

struct super_slot {
	pid_t   pid;         /* 0: not running */
	double  started;     /* dna_now_ms() at fork */
	double  respawn_at;  /* when pid is 0: fork again at this time */
	int     young;       /* deaths in a row before SUPER_YOUNG_MS */
	bool    retire;      /* SIGHUP: stop it, and start a new one */
};

/* The signals the supervisor waits for; blocked so that they queue. */
static void
super_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGHUP);
}

/* Forks one worker into slot s. On failure (no memory, too many
 * processes) the slot is retried after the longest delay. */
static void
super_spawn(struct super_slot *s, int idx, pid_t parent, super_worker_fn fn,
    void *arg, const sigset_t *oldmask)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_msg("error", NULL, "supervisor: cannot start worker %d: %s; "
		    "retrying in 1 s", idx, strerror(errno));
		s->respawn_at = dna_now_ms() + SUPER_DELAY_MAX;
		return;
	}
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		/* Die with the supervisor; if it is already gone, go now. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		_exit(fn(arg));
	}
	s->pid = pid;
	s->started = dna_now_ms();
	s->retire = false;
}

/* Describes a wait status into buf. */
static const char *
super_status(int st, char *buf, size_t sz)
{
	if (WIFEXITED(st))
		snprintf(buf, sz, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sz, "signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else
		snprintf(buf, sz, "status 0x%x", (unsigned)st);
	return buf;
}

/* Reaps every dead worker; when not stopping, schedules its respawn.
 * Returns the number still running. */
static int
super_reap(struct super_slot *slots, int n, bool stopping)
{
	char why[64];
	double now, age, delay;
	pid_t pid;
	int st, i, running = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < n && slots[i].pid != pid; i++)
			;
		if (i == n)
			continue;
		now = dna_now_ms();
		age = now - slots[i].started;
		slots[i].pid = 0;
		if (stopping)
			continue;
		if (slots[i].retire) {
			slots[i].young = 0;
			slots[i].respawn_at = now;
			continue;
		}
		slots[i].young = age < SUPER_YOUNG_MS ? slots[i].young + 1 : 0;
		delay = 0;
		if (slots[i].young > 0) {
			delay = SUPER_DELAY_MS;
			for (st = 1; st < slots[i].young && delay < SUPER_DELAY_MAX; st++)
				delay *= 2;
			if (delay > SUPER_DELAY_MAX)
				delay = SUPER_DELAY_MAX;
		}
		slots[i].respawn_at = now + delay;
		log_msg(slots[i].young > 1 ? "error" : "warn", NULL,
		    "supervisor: worker %d (pid %ld) ended after %.0f ms with %s; "
		    "replacing it in %.0f ms", i, (long)pid, age,
		    super_status(st, why, sizeof(why)), delay);
	}
	for (i = 0; i < n; i++)
		running += slots[i].pid != 0;
	return running;
}

/* Sends sig to every running worker. */
static void
super_signal_all(struct super_slot *slots, int n, int sig)
{
	int i;

	for (i = 0; i < n; i++)
		if (slots[i].pid != 0)
			kill(slots[i].pid, sig);
}

int
super_run(int nworkers, double drain_s, super_worker_fn fn,
    super_reopen_fn reopen, void *arg)
{
	struct super_slot slots[SUPER_MAX_WORKERS];
	sigset_t set, oldmask;
	siginfo_t info;
	struct timespec ts;
	double now, next, deadline = 0;
	pid_t self = getpid();
	bool stopping = false, retire_sent = false;
	int i, sig, running, retiring = -1;

	if (nworkers < 1 || nworkers > SUPER_MAX_WORKERS)
		return 1;
	memset(slots, 0, sizeof(slots));
	super_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, &oldmask) != 0)
		return 1;
	log_msg("info", NULL, "supervisor: pid %ld, starting %d workers",
	    (long)self, nworkers);
	for (;;) {
		now = dna_now_ms();
		if (!stopping) {
			for (i = 0; i < nworkers; i++)
				if (slots[i].pid == 0 && now >= slots[i].respawn_at)
					super_spawn(&slots[i], i, self, fn, arg, &oldmask);
			/* SIGHUP: one worker at a time, so that the others
			 * keep serving. A retired slot is done once it has
			 * been forked again (super_spawn clears retire). */
			if (retiring >= 0 && retiring < nworkers) {
				struct super_slot *rs = &slots[retiring];
				if (!retire_sent) {
					if (rs->pid != 0) {
						rs->retire = true;
						retire_sent = true;
						kill(rs->pid, SIGTERM);
					} else
						retiring++;
				} else if (!rs->retire) {
					retire_sent = false;
					retiring++;
				}
			}
			if (retiring >= nworkers)
				retiring = -1;
		}
		/* Wake at the next respawn, or in 1 s at the latest. */
		next = now + 1000.0;
		for (i = 0; i < nworkers; i++)
			if (slots[i].pid == 0 && slots[i].respawn_at < next)
				next = slots[i].respawn_at;
		if (stopping && deadline < next)
			next = deadline;
		if (next < now + 1.0)
			next = now + 1.0;
		ts.tv_sec = (time_t)((next - now) / 1000.0);
		ts.tv_nsec = (long)(((next - now) - (double)ts.tv_sec * 1000.0) * 1e6);
		sig = sigtimedwait(&set, &info, &ts);
		running = super_reap(slots, nworkers, stopping);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) {
			if (!stopping) {
				log_msg("info", NULL, "supervisor: %s: stopping %d "
				    "workers (each finishes its request first; "
				    "%.0f s at most)", strsignal(sig), running, drain_s);
				stopping = true;
				deadline = dna_now_ms() + drain_s * 1000.0;
				super_signal_all(slots, nworkers, SIGTERM);
			}
		} else if (sig == SIGHUP && !stopping) {
			log_msg("info", NULL, "supervisor: SIGHUP: reopening the log, "
			    "replacing the workers one by one");
			if (reopen != NULL)
				reopen(arg);
			retiring = 0;
			retire_sent = false;
		}
		if (stopping) {
			if (running == 0)
				break;
			if (dna_now_ms() >= deadline) {
				log_msg("warn", NULL, "supervisor: %d workers still busy "
				    "after %.0f s: killing them", running, drain_s);
				super_signal_all(slots, nworkers, SIGKILL);
				while (super_reap(slots, nworkers, true) > 0)
					usleep(10000);
				break;
			}
		}
	}
	log_msg("info", NULL, "supervisor: stopped");
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return 0;
}
