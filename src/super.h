/*
 * super.h: the worker supervisor. dnadb-fcgi runs as one supervisor
 * process and N worker processes that it forks, all accepting on one
 * listening socket. The supervisor handles no request and keeps no state
 * but the worker table:
 *
 *   - a worker that dies, for whatever reason, is replaced at once; one
 *     that dies again within a second of its start is replaced after a
 *     delay that doubles from 100 ms up to 1 s, and never given up on;
 *   - SIGTERM, SIGINT or SIGQUIT stop it: each worker gets SIGTERM,
 *     finishes the request in hand and exits; workers still busy after
 *     the drain timeout are killed; then the supervisor exits 0;
 *   - SIGHUP reopens the log (via the reopen callback) and replaces the
 *     workers one by one, gracefully.
 *
 * The workers die with the supervisor (PR_SET_PDEATHSIG), so a killed
 * supervisor never leaves orphans accepting on the socket; under systemd
 * the service restarts it (deploy/systemd).
 */
#ifndef SUPER_H
#define SUPER_H

/* The body of one worker: called in the child, returns its exit status. */
typedef int (*super_worker_fn)(void *arg);
/* Called in the supervisor on SIGHUP, before the workers are replaced. */
typedef void (*super_reopen_fn)(void *arg);

/* Most workers one supervisor runs. */
#define SUPER_MAX_WORKERS 256

/*
 * Runs nworkers workers until a stop signal, then drains them for at most
 * drain_s seconds. Returns the supervisor's exit status (0 after a clean
 * stop, 1 if it could not start). The caller has opened the listening
 * socket; the workers inherit it.
 */
int super_run(int nworkers, double drain_s, super_worker_fn fn,
    super_reopen_fn reopen, void *arg);

#endif /* SUPER_H */
