#!/usr/bin/env python3
"""t/load/loadgen.py: load, fault-under-load, nothing-lost, overload and soak
tools for a running dnadb stack (see t/load/README.md).

Python 3 standard library only. Every HTTP request goes over a keep-alive
http.client connection whose socket operations all have a timeout. Each
subcommand prints its figures for people, then one last line

    RESULT {"subcommand": ..., "pass": true|false, ...}

and exits 0 when its pass criteria hold, 1 when they do not (2 for a usage
error).

Subcommands:
  reads         GET mix (health, search, by id) from C threads, optionally
                while a shell command runs every few seconds
  nothing-lost  COUNT distinct POSTs retried through faults, then each one
                must be found exactly once with the id it was given
  overload      N clients searching as fast as they can; health must still
                answer quickly, nothing may hang
  mixed         wrk with t/load/mixed.lua: 80 % search, 10 % by id, 10 % POST
  soak          mixed for a long time while worker RSS and PostgreSQL
                connections are sampled every 10 s
"""

import argparse
import http.client
import json
import math
import os
import random
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
MIXED_LUA = os.path.join(HERE, "mixed.lua")
BASES = "ACGT"
CONN_ERROR = "conn_error"


# --- output -------------------------------------------------------------

def say(msg=""):
    print(msg, flush=True)


def finish(result):
    """Prints the RESULT line and returns the exit status."""
    print("RESULT " + json.dumps(result, sort_keys=True, separators=(",", ":")),
          flush=True)
    return 0 if result.get("pass") else 1


def pct(sorted_vals, p):
    """Nearest-rank percentile p (0..100) of an already sorted list."""
    if not sorted_vals:
        return None
    i = max(0, math.ceil(p / 100.0 * len(sorted_vals)) - 1)
    return sorted_vals[min(i, len(sorted_vals) - 1)]


def lat_summary(lats_ms):
    s = sorted(lats_ms)
    if not s:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    return {"n": len(s), "p50_ms": round(pct(s, 50), 2), "p99_ms": round(pct(s, 99), 2),
            "max_ms": round(s[-1], 2)}


def fmt_lat(d):
    if not d["n"]:
        return "no samples"
    return "p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)" % (
        d["p50_ms"], d["p99_ms"], d["max_ms"], d["n"])


def fmt_counts(c):
    return " ".join("%s:%d" % (k, v) for k, v in sorted(c.items(), key=lambda kv: str(kv[0]))) or "-"


# --- HTTP ---------------------------------------------------------------

class Target:
    def __init__(self, base_url):
        u = urllib.parse.urlsplit(base_url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise SystemExit("loadgen: --base-url must be http(s)://host[:port]")
        self.scheme = u.scheme
        self.host = u.hostname
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.prefix = u.path.rstrip("/")
        self.url = base_url.rstrip("/")


class Reply:
    __slots__ = ("status", "body", "headers", "t0", "t1", "error")

    def __init__(self, status, body, headers, t0, t1, error=None):
        self.status = status          # int, or None on a connection error
        self.body = body              # bytes
        self.headers = headers        # dict, lower-case names
        self.t0 = t0                  # time.monotonic() at send
        self.t1 = t1                  # time.monotonic() at the end
        self.error = error            # exception text on a connection error

    @property
    def ms(self):
        return (self.t1 - self.t0) * 1000.0

    @property
    def key(self):
        return str(self.status) if self.status is not None else CONN_ERROR

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def code(self):
        """The error envelope's code, or None."""
        if self.status is None or 200 <= self.status < 300:
            return None
        j = self.json()
        if isinstance(j, dict) and isinstance(j.get("error"), dict):
            return j["error"].get("code")
        return None

    def describe(self):
        if self.status is None:
            return "connection error: %s" % self.error
        return "%d %s (request id %s)" % (
            self.status, self.body[:200].decode("utf-8", "replace").strip(),
            self.headers.get("x-request-id", "-"))


class Client:
    """One keep-alive connection; reconnects after any connection error.
    Not thread-safe: one Client per thread."""

    def __init__(self, target, token=None, timeout=30.0):
        self.t = target
        self.timeout = timeout
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = "Bearer " + token
        self.conn = None

    def _open(self):
        cls = http.client.HTTPSConnection if self.t.scheme == "https" else http.client.HTTPConnection
        self.conn = cls(self.t.host, self.t.port, timeout=self.timeout)

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None

    def request(self, method, path, body=None):
        if self.conn is None:
            self._open()
        hdrs = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        t0 = time.monotonic()
        try:
            self.conn.request(method, self.t.prefix + path, body=data, headers=hdrs)
            r = self.conn.getresponse()
            payload = r.read()
            t1 = time.monotonic()
            h = {k.lower(): v for k, v in r.getheaders()}
            return Reply(r.status, payload, h, t0, t1)
        except (OSError, http.client.HTTPException) as e:
            t1 = time.monotonic()
            self.close()
            return Reply(None, b"", {}, t0, t1, "%s: %s" % (type(e).__name__, e))


# --- sequences ----------------------------------------------------------

def rand_seq(rng, n):
    return "".join(rng.choice(BASES) for _ in range(n))


def distinct_seqs(rng, count, lmin, lmax):
    seen, out = set(), []
    while len(out) < count:
        s = rand_seq(rng, rng.randint(lmin, lmax))
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def mutate(rng, s, edits):
    """s with `edits` random substitutions, insertions or deletions."""
    s = list(s)
    for _ in range(edits):
        op = rng.randrange(3)
        if op == 0 and s:
            i = rng.randrange(len(s))
            s[i] = rng.choice([b for b in BASES if b != s[i]])
        elif op == 1 or len(s) <= 1:
            s.insert(rng.randrange(len(s) + 1), rng.choice(BASES))
        else:
            del s[rng.randrange(len(s))]
    return "".join(s)


def retry_after(reply, fallback):
    v = reply.headers.get("retry-after")
    try:
        return max(0.0, min(float(v), 30.0))
    except (TypeError, ValueError):
        return fallback


class WriteOutcome:
    __slots__ = ("seq", "id", "final", "attempts", "statuses", "first", "error", "bad_4xx")

    def __init__(self, seq):
        self.seq = seq
        self.id = None
        self.final = None        # 201 or 409 when resolved
        self.attempts = 0
        self.statuses = Counter()
        self.first = None        # status key of the first attempt
        self.error = None        # why it was not resolved
        self.bad_4xx = None      # description of a 4xx other than 409/429


def post_until_stored(client, seq, deadline_s=60.0):
    """POSTs seq until 201 or 409: 5xx and connection errors are retried with
    exponential backoff (50 ms doubling to 1 s), 429 after its Retry-After,
    all within deadline_s. Any other 4xx ends it at once."""
    o = WriteOutcome(seq)
    deadline = time.monotonic() + deadline_s
    delay = 0.05
    while True:
        r = client.request("POST", "/api/sequences", {"sequence": seq})
        o.attempts += 1
        o.statuses[r.key] += 1
        if o.first is None:
            o.first = r.key
        if r.status in (201, 409):
            j = r.json() or {}
            ident = j.get("id") if r.status == 201 else (j.get("error") or {}).get("id")
            if not isinstance(ident, int):
                o.error = "%d without an integer id: %s" % (r.status, r.describe())
                return o
            if r.status == 201 and j.get("sequence") != seq:
                o.error = "201 with another sequence than sent: %s" % r.describe()
                return o
            o.id, o.final = ident, r.status
            return o
        if r.status is not None and 400 <= r.status < 500 and r.status != 429:
            o.bad_4xx = r.describe()
            o.error = o.bad_4xx
            return o
        now = time.monotonic()
        if now >= deadline:
            o.error = "gave up after %d attempts in %.0f s, last: %s" % (o.attempts, deadline_s, r.describe())
            return o
        if r.status == 429:
            wait = retry_after(r, delay)
        elif r.status is None or r.status >= 500:
            wait = delay
            delay = min(delay * 2, 1.0)
        else:
            o.error = "unexpected answer: %s" % r.describe()
            return o
        time.sleep(min(wait, max(0.0, deadline - now)))


def get_until_answered(client, path, deadline_s=60.0):
    """GET retried like a write (5xx, connection errors, 429); returns the
    last reply."""
    deadline = time.monotonic() + deadline_s
    delay = 0.05
    while True:
        r = client.request("GET", path)
        if r.status is not None and r.status < 500 and r.status != 429:
            return r
        now = time.monotonic()
        if now >= deadline:
            return r
        wait = retry_after(r, delay) if r.status == 429 else delay
        if r.status != 429:
            delay = min(delay * 2, 1.0)
        time.sleep(min(wait, max(0.0, deadline - now)))


def parallel_map(target, args, items, threads, fn, on_start=None):
    """fn(client, item) for every item, on `threads` threads that each keep
    one keep-alive Client; returns the results in the items' order.
    on_start() runs once the threads have started (e.g. the --during
    chaos)."""
    out = [None] * len(items)
    order = iter(range(len(items)))
    lock = threading.Lock()

    def worker():
        c = Client(target, args.token, args.timeout)
        try:
            while True:
                with lock:
                    i = next(order, None)
                if i is None:
                    break
                out[i] = fn(c, items[i])
        finally:
            c.close()

    ts = [threading.Thread(target=worker, daemon=True)
          for _ in range(max(1, min(threads, len(items))))]
    for t in ts:
        t.start()
    if on_start:
        on_start()
    for t in ts:
        t.join()
    return out


def preload(args, target, rng, n, lmin, lmax):
    """Stores n seeded sequences (8 threads) so that ids and searches have
    hits; a sequence already stored (409) is as good. Returns
    (list of (id, seq), list of problems)."""
    seqs = distinct_seqs(rng, n, lmin, lmax)
    t0 = time.monotonic()
    out = parallel_map(target, args, seqs, 8,
                       lambda c, seq: post_until_stored(c, seq, 30.0))
    known = [(o.id, o.seq) for o in out if o is not None and o.id is not None]
    problems = [o.error for o in out if o is not None and o.id is None]
    fresh = sum(1 for o in out if o is not None and o.final == 201)
    say("preload: %d sequences of %d..%d bases stored (%d new, %d already there) in %.1f s" % (
        len(known), lmin, lmax, fresh, len(known) - fresh, time.monotonic() - t0))
    if problems:
        say("preload: %d not stored, first: %s" % (len(problems), problems[0]))
    return known, problems


class Pacer:
    """Spaces requests of all threads rate per second apart (0: no limit)."""

    def __init__(self, rate):
        self.gap = 1.0 / rate if rate and rate > 0 else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, end):
        """Sleeps until this thread's slot; False if the slot is past end."""
        if not self.gap:
            return True
        with self.lock:
            slot = max(self.next, time.monotonic())
            self.next = slot + self.gap
        if slot >= end:
            return False
        time.sleep(max(0.0, slot - time.monotonic()))
        return True


# --- the periodic fault command ----------------------------------------

class During(threading.Thread):
    """Runs a shell command (bash -c) every `every` seconds from t0 (first
    run at t0 + every) until stop() or `until`; a run that overlaps the next
    tick makes that tick be skipped. Records every run."""

    def __init__(self, cmd, every, t0, until=None, timeout=120.0):
        super().__init__(daemon=True)
        self.cmd, self.every, self.t0, self.until = cmd, every, t0, until
        self.timeout = timeout
        self.runs = []            # dicts: start, end (s from t0), rc, err
        self._stop_ev = threading.Event()

    def stop(self):
        self._stop_ev.set()

    def run(self):
        tick = 1
        while True:
            due = self.t0 + tick * self.every
            if self.until is not None and due >= self.until:
                return
            if self._stop_ev.wait(max(0.0, due - time.monotonic())):
                return
            s = time.monotonic()
            rec = {"start": round(s - self.t0, 3)}
            # Output goes to a file, not a pipe: a daemon the command starts
            # (pg_ctl restart) keeps its inherited descriptors open, and a
            # pipe would then never reach end-of-file.
            with tempfile.TemporaryFile() as out:
                try:
                    p = subprocess.run(["bash", "-c", self.cmd], stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=out, timeout=self.timeout)
                    rec["rc"] = p.returncode
                except subprocess.TimeoutExpired:
                    rec["rc"] = None
                    rec["err"] = "timed out after %.0f s" % self.timeout
                if rec["rc"] != 0:
                    out.seek(0)
                    text = out.read()[-300:].decode("utf-8", "replace").strip()
                    rec["err"] = (rec.get("err", "") + " " + text).strip()
            rec["end"] = round(time.monotonic() - self.t0, 3)
            self.runs.append(rec)
            tick = max(tick + 1, int((time.monotonic() - self.t0) // self.every) + 1)

    def report(self):
        fails = [r for r in self.runs if r["rc"] != 0]
        say("during: %r every %g s: %d runs, %d failed" % (self.cmd, self.every, len(self.runs), len(fails)))
        notable = [r for r in self.runs if r["rc"] != 0 or (r["end"] - r["start"]) > 1.0]
        for r in notable[:10]:
            say("  run at %.1f s..%.1f s: exit %s%s" % (
                r["start"], r["end"], r["rc"], (" " + r["err"]) if r.get("err") else ""))
        if len(notable) > 10:
            say("  ... and %d more failed or slow runs" % (len(notable) - 10))
        if not self.runs:
            say("  WARNING: the command never ran (run shorter than --every)")
        return {"cmd": self.cmd, "every": self.every, "runs": len(self.runs),
                "failed": len(fails), "failures": fails[:10],
                "run_times": [[r["start"], r["end"]] for r in self.runs]}


# --- reads --------------------------------------------------------------

ALLOWED_503 = ("database_unavailable", "timeout")


def cmd_reads(args):
    target = Target(args.base_url)
    rng = random.Random(args.seed)
    known, problems = preload(args, target, rng, args.preload, 20, 60)
    if not known:
        say("reads: nothing could be stored, cannot run")
        return finish({"subcommand": "reads", "pass": False, "error": "preload failed",
                       "preload_problems": problems[:5]})
    say("reads: %d threads for %g s against %s" % (args.concurrency, args.duration, target.url))

    t0 = time.monotonic()
    end = t0 + args.duration
    recs = [[] for _ in range(args.concurrency)]   # (start, end, ms, key, code, kind)
    samples = [[] for _ in range(args.concurrency)]  # first failures per thread

    pace = Pacer(args.rate)

    def worker(i):
        r_ = random.Random(args.seed * 7919 + i)
        c = Client(target, args.token, args.timeout)
        out = recs[i]
        while time.monotonic() < end:
            if not pace.wait(end):
                break
            x = r_.random()
            if x < 0.2:
                kind, path = "health", "/api/health"
            elif x < 0.7:
                kind = "search"
                k = r_.randint(0, 3)
                if r_.random() < 0.8:
                    q = mutate(r_, r_.choice(known)[1], r_.randint(0, k))
                else:
                    q = rand_seq(r_, r_.randint(20, 60))
                path = "/api/search?q=%s&max_distance=%d" % (q, k)
            else:
                kind, path = "id", "/api/sequences/%d" % r_.choice(known)[0]
            r = c.request("GET", path)
            code = r.code
            if kind == "search" and r.status == 200 and b'"results":[]' not in r.body:
                kind = "search_hit"
            out.append((r.t0 - t0, r.t1 - t0, r.ms, r.key, code, kind))
            if not (r.status is not None and 200 <= r.status < 300) and len(samples[i]) < 3 \
                    and not (r.status == 429 and args.allow_429):
                samples[i].append("%.2f s %s %s: %s" % (r.t1 - t0, kind, path[:80], r.describe()))
            if r.status == 429:
                # Rate limited: wait as told (Retry-After), then go on.
                time.sleep(max(0.0, min(retry_after(r, 1.0), end - time.monotonic())))
        c.close()

    during = During(args.during, args.every, t0, until=end) if args.during else None
    ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.concurrency)]
    for t in ts:
        t.start()
    if during:
        during.start()
    for t in ts:
        t.join(max(0.0, end + args.timeout + 10 - time.monotonic()))
    hung = sum(1 for t in ts if t.is_alive())
    if during:
        during.join()
    elapsed = time.monotonic() - t0

    allr = sorted((r for lst in recs for r in list(lst)), key=lambda r: r[1])
    by_status = Counter(r[3] for r in allr)
    by_code = Counter("%s %s" % (r[3], r[4]) for r in allr if r[4])
    hits = sum(1 for r in allr if r[5] == "search_hit")
    allr = [r if r[5] != "search_hit" else r[:5] + ("search",) for r in allr]
    by_kind = defaultdict(Counter)
    for r in allr:
        by_kind[r[5]][r[3]] += 1
    lat = lat_summary([r[2] for r in allr])
    lat_kind = {k: lat_summary([r[2] for r in allr if r[5] == k]) for k in ("health", "search", "id")}
    per_sec = defaultdict(Counter)
    for r in allr:
        per_sec[int(r[1])][r[3]] += 1

    def ok2xx(r):
        return r[3] != CONN_ERROR and 200 <= int(r[3]) < 300

    def allowed503(r):
        return r[3] == "503" and r[4] in ALLOWED_503

    failed = [r for r in allr if not ok2xx(r)]
    disallowed = [r for r in failed if not (args.allow_503_window and allowed503(r))
                  and not (args.allow_429 and r[3] == "429")]
    fine_after = ("200", "429") if args.allow_429 else ("200",)
    windows = []
    window_problems = []
    recovery = None
    if args.allow_503_window:
        w503 = [r for r in allr if allowed503(r)]
        for r in w503:
            if windows and r[1] - windows[-1]["last"] <= args.window_gap:
                windows[-1]["last"] = r[1]
                windows[-1]["n"] += 1
            else:
                windows.append({"first": r[1], "last": r[1], "n": 1})
        if w503:
            last = w503[-1][1]
            after = [r for r in allr if r[0] >= last]
            not200 = [r for r in after if r[3] not in fine_after]
            recovery = {"requests_after_last_503": len(after), "non_200_after": len(not200),
                        "seconds_after_last_503": round(elapsed - last, 2)}
            if not200:
                window_problems.append("%d requests after the last 503 were not %s" % (
                    len(not200), " or ".join(fine_after)))
            if not after or elapsed - last < 1.0:
                window_problems.append("the run ended within 1 s of the last 503: recovery not seen")
        # A window must sit inside a run of the fault command (plus a grace).
        if during is not None:
            for w in windows:
                # A request in flight when the fault began may answer 503:
                # what must fall inside the run is when the first 503
                # arrived, not when its request was sent.
                inside = any(run["start"] <= w["first"] + 0.001 and
                             w["last"] <= run["end"] + args.window_grace
                             for run in during.runs)
                w["inside_fault"] = inside
                if not inside:
                    window_problems.append("503 window %.2f..%.2f s is outside every fault-command run"
                                           % (w["first"], w["last"]))

    # --- report
    say("")
    say("requests: %d in %.1f s (%.0f/s), hung threads: %d" % (len(allr), elapsed, len(allr) / max(elapsed, 1e-9), hung))
    say("by status: %s" % fmt_counts(by_status))
    if by_code:
        say("error codes: %s" % fmt_counts(by_code))
    for k in ("health", "search", "id"):
        say("  %-6s %s  | %s" % (k, fmt_lat(lat_kind[k]), fmt_counts(by_kind[k])))
    say("latency all: %s" % fmt_lat(lat))
    say("searches with hits: %d of %d" % (hits, sum(by_kind["search"].values())))
    say("connection errors: %d" % by_status.get(CONN_ERROR, 0))
    say("per second (by completion):")
    for s in sorted(per_sec):
        say("  %3d s  %s" % (s, fmt_counts(per_sec[s])))
    dinfo = during.report() if during else None
    if args.allow_503_window:
        if windows:
            for w in windows:
                say("503 window: %.2f..%.2f s (%.2f s, %d responses)%s" % (
                    w["first"], w["last"], w["last"] - w["first"], w["n"],
                    "" if w.get("inside_fault", True) else "  OUTSIDE the fault command"))
            say("after the last 503: %s" % recovery)
        else:
            say("no 503 window")
        for p in window_problems:
            say("FAIL: " + p)
    shown = 0
    for lst in samples:
        for s in lst:
            if shown < 10:
                say("not 2xx: " + s)
                shown += 1
    passed = not disallowed and not window_problems and not hung and len(allr) > 0
    say("reads: %s (%d failed requests, %d not allowed)" % ("PASS" if passed else "FAIL", len(failed), len(disallowed)))
    return finish({
        "subcommand": "reads", "pass": passed, "seed": args.seed,
        "concurrency": args.concurrency, "duration_s": round(elapsed, 2),
        "rate_limit_rps": args.rate, "allow_429": args.allow_429,
        "requests": len(allr), "rps": round(len(allr) / max(elapsed, 1e-9), 1),
        "by_status": dict(by_status), "by_code": dict(by_code),
        "connection_errors": by_status.get(CONN_ERROR, 0),
        "failed": len(failed), "failed_not_allowed": len(disallowed),
        "latency": lat, "latency_by_kind": lat_kind, "search_hits": hits,
        "per_second": {str(s): dict(c) for s, c in sorted(per_sec.items())},
        "windows_503": [{"from_s": round(w["first"], 3), "to_s": round(w["last"], 3),
                         "length_s": round(w["last"] - w["first"], 3), "responses": w["n"]}
                        for w in windows],
        "window_problems": window_problems, "recovery": recovery,
        "hung_threads": hung, "during": dinfo,
        "failure_samples": [s for lst in samples for s in lst][:10],
    })


# --- nothing-lost -------------------------------------------------------

def cmd_nothing_lost(args):
    target = Target(args.base_url)
    rng = random.Random(args.seed)
    seqs = distinct_seqs(rng, args.count, 30, 200)
    n = len(seqs)
    say("nothing-lost: %d distinct sequences (30..200 bases, seed %d), %d threads, against %s" % (
        n, args.seed, args.concurrency, target.url))

    t0 = time.monotonic()
    during = During(args.during, args.every, t0) if args.during else None
    outcomes = parallel_map(target, args, seqs, args.concurrency,
                            lambda c, seq: post_until_stored(c, seq, args.retry_for),
                            on_start=during.start if during else None)
    write_s = time.monotonic() - t0
    if during:
        during.stop()
        during.join()

    # Verification: each sequence found exactly once, at distance 0, with
    # the id its 201/409 reported.
    def verify(c, i):
        """Why sequence i is not stored exactly once as reported, or None."""
        o = outcomes[i]
        r = get_until_answered(c, "/api/search?q=%s&max_distance=0&limit=1000" % seqs[i], args.retry_for)
        if r.status != 200:
            return "search answered %s" % r.describe()
        j = r.json() or {}
        res = j.get("results")
        if not isinstance(res, list):
            return "search without results: %s" % r.describe()
        same = [x for x in res if x.get("sequence") == seqs[i]]
        if len(same) != 1:
            return "found %d times (results %s)" % (len(same), [x.get("id") for x in res][:10])
        if same[0].get("distance") != 0:
            return "found at distance %r" % same[0].get("distance")
        if len(res) != 1:
            return "max_distance=0 returned %d results" % len(res)
        if o is not None and o.id is not None and same[0].get("id") != o.id:
            return "stored as id %r but the %d said id %r" % (same[0].get("id"), o.final, o.id)
        return None

    t1 = time.monotonic()
    problems = parallel_map(target, args, list(range(n)), args.concurrency, verify)
    verify_s = time.monotonic() - t1

    attempts = sum(o.attempts for o in outcomes)
    statuses = Counter()
    for o in outcomes:
        statuses.update(o.statuses)
    c201 = sum(1 for o in outcomes if o.final == 201)
    c409 = sum(1 for o in outcomes if o.final == 409)
    c409_first = sum(1 for o in outcomes if o.final == 409 and o.attempts == 1)
    retried = sum(1 for o in outcomes if o.attempts > 1)
    unresolved = [(seqs[i], o.error) for i, o in enumerate(outcomes) if o.id is None]
    bad4xx = [o.bad_4xx for o in outcomes if o.bad_4xx]
    lost = [(i, p) for i, p in enumerate(problems) if p]
    # A sequence that was not resolved cannot be checked against an id, but
    # its search result still says whether it is stored.
    stored_once = n - len(lost)

    say("")
    say("writes: %d sequences, %d attempts, %d retries (%d sequences retried) in %.1f s (%.0f sequences/s)" % (
        n, attempts, attempts - n, retried, write_s, n / max(write_s, 1e-9)))
    say("  attempt statuses: %s" % fmt_counts(statuses))
    say("  resolved: %d x 201, %d x 409 (%d of them on the first attempt: already stored before this run), %d unresolved" % (
        c201, c409, c409_first, len(unresolved)))
    if c409_first:
        say("  note: %d sequences existed before the run (same --seed as an earlier run?); "
            "their write path was not exercised" % c409_first)
    for s, e in unresolved[:5]:
        say("  unresolved %s...: %s" % (s[:20], e))
    if bad4xx:
        say("  %d answered a 4xx other than 409/429 (listed above among the unresolved)" % len(bad4xx))
    say("verify: %d searched in %.1f s: %d stored exactly once with the reported id, %d problems" % (
        n, verify_s, stored_once, len(lost)))
    for i, p in lost[:10]:
        say("  %s... (%d bases): %s" % (seqs[i][:20], len(seqs[i]), p))
    dinfo = during.report() if during else None
    passed = not lost and not unresolved and not bad4xx
    say("nothing-lost: %s" % ("PASS" if passed else "FAIL"))
    return finish({
        "subcommand": "nothing-lost", "pass": passed, "seed": args.seed, "count": n,
        "concurrency": args.concurrency, "attempts": attempts, "retries": attempts - n,
        "sequences_retried": retried, "created_201": c201, "duplicate_409": c409,
        "duplicate_409_first_attempt": c409_first, "attempt_statuses": dict(statuses),
        "unresolved": len(unresolved), "other_4xx": len(bad4xx),
        "stored_exactly_once": stored_once, "problems": len(lost),
        "problem_samples": ["%s: %s" % (seqs[i][:30], p) for i, p in lost[:10]],
        "write_s": round(write_s, 2), "verify_s": round(verify_s, 2), "during": dinfo,
    })


# --- overload -----------------------------------------------------------

def cmd_overload(args):
    target = Target(args.base_url)
    rng = random.Random(args.seed)
    known, problems = preload(args, target, rng, args.preload, 80, 150)
    if not known:
        say("overload: nothing could be stored, cannot run")
        return finish({"subcommand": "overload", "pass": False, "error": "preload failed",
                       "preload_problems": problems[:5]})
    timeout = args.timeout if args.timeout_given else args.max_latency + 5.0
    say("overload: %d clients for %g s against %s (max latency %g s, health within %g s, socket timeout %g s)" % (
        args.clients, args.duration, target.url, args.max_latency, args.health_max, timeout))

    t0 = time.monotonic()
    end = t0 + args.duration
    recs = [[] for _ in range(args.clients)]
    samples = [[] for _ in range(args.clients)]
    probes = []
    go = threading.Event()

    def client_loop(i):
        r_ = random.Random(args.seed * 7919 + i)
        c = Client(target, args.token, timeout)
        go.wait()
        out = recs[i]
        while time.monotonic() < end:
            k = r_.randint(2, 4)
            if r_.random() < 0.8:
                q = mutate(r_, r_.choice(known)[1], r_.randint(0, k))
            else:
                q = rand_seq(r_, r_.randint(80, 150))
            r = c.request("GET", "/api/search?q=%s&max_distance=%d" % (q, k))
            out.append((r.t1 - t0, r.ms, r.key, r.code))
            if r.status != 200 and r.status != 429 and len(samples[i]) < 3:
                samples[i].append("%.2f s: %s" % (r.t1 - t0, r.describe()))
        c.close()

    def monitor():
        c = Client(target, args.token, max(args.health_max * 2, 5.0))
        go.wait()
        tick = 0
        while True:
            due = t0 + tick * 0.2
            if due >= end:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            r = c.request("GET", "/api/health")
            probes.append((r.t0 - t0, r.ms, r.key, r.code))
            tick = max(tick + 1, int((time.monotonic() - t0) / 0.2) + 1)
        c.close()

    ts = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(args.clients)]
    mt = threading.Thread(target=monitor, daemon=True)
    for t in ts:
        t.start()
    mt.start()
    t0 = time.monotonic()
    end = t0 + args.duration
    go.set()
    deadline = end + 15.0
    for t in ts + [mt]:
        t.join(max(0.0, deadline - time.monotonic()))
    hung = sum(1 for t in ts + [mt] if t.is_alive())
    elapsed = time.monotonic() - t0

    allr = [r for lst in recs for r in list(lst)]
    by_status = Counter(r[2] for r in allr)
    by_code = Counter("%s %s" % (r[2], r[3]) for r in allr if r[3])
    lat = lat_summary([r[1] for r in allr])
    lat200 = lat_summary([r[1] for r in allr if r[2] == "200"])
    over = [r for r in allr if r[1] > args.max_latency * 1000.0]
    bad = [r for r in allr if r[2] not in ("200", "429")]
    probes = list(probes)
    plat = lat_summary([p[1] for p in probes])
    pstat = Counter(p[2] for p in probes)
    pbad = [p for p in probes if p[2] != "200" or p[1] > args.health_max * 1000.0]
    per_sec = defaultdict(Counter)
    for r in allr:
        per_sec[int(r[0])][r[2]] += 1

    say("")
    say("requests: %d in %.1f s (%.0f/s), hung threads: %d" % (len(allr), elapsed, len(allr) / max(elapsed, 1e-9), hung))
    say("by status: %s" % fmt_counts(by_status))
    if by_code:
        say("error codes: %s" % fmt_counts(by_code))
    say("latency all: %s" % fmt_lat(lat))
    say("latency 200: %s" % fmt_lat(lat200))
    say("over %g s: %d" % (args.max_latency, len(over)))
    say("health probes: %d, %s, %s; %d failed or slower than %g s" % (
        len(probes), fmt_counts(pstat), fmt_lat(plat), len(pbad), args.health_max))
    for p in pbad[:5]:
        say("  probe at %.2f s: %s in %.0f ms" % (p[0], p[2] + (" " + p[3] if p[3] else ""), p[1]))
    say("per second (by completion):")
    for s in sorted(per_sec):
        say("  %3d s  %s" % (s, fmt_counts(per_sec[s])))
    shown = 0
    for lst in samples:
        for s in lst:
            if shown < 10:
                say("not 2xx: " + s)
                shown += 1
    passed = (not bad and not over and not pbad and not hung and len(allr) > 0
              and len(probes) > 0)
    say("overload: %s" % ("PASS" if passed else "FAIL"))
    return finish({
        "subcommand": "overload", "pass": passed, "seed": args.seed, "clients": args.clients,
        "duration_s": round(elapsed, 2), "requests": len(allr),
        "rps": round(len(allr) / max(elapsed, 1e-9), 1),
        "by_status": dict(by_status), "by_code": dict(by_code),
        "latency": lat, "latency_200": lat200, "over_max_latency": len(over),
        "max_latency_s": args.max_latency, "not_200_or_429": len(bad),
        "health": {"probes": len(probes), "by_status": dict(pstat), "latency": plat,
                   "failed_or_slow": len(pbad), "health_max_s": args.health_max},
        "hung_threads": hung,
        "per_second": {str(s): dict(c) for s, c in sorted(per_sec.items())},
        "failure_samples": [s for lst in samples for s in lst][:10],
    })


# --- mixed (wrk) --------------------------------------------------------

def run_mixed(args, label="mixed", on_start=None):
    """Runs wrk with mixed.lua; returns the result dict (with "pass").
    on_start, if given, is called just before wrk starts (after the preload)."""
    target = Target(args.base_url)
    rng = random.Random(args.seed)
    res = {"subcommand": label, "seed": args.seed, "connections": args.connections,
           "duration_s": args.duration}
    known, problems = preload(args, target, rng, args.preload, 80, 150)
    if not known:
        res.update({"pass": False, "error": "preload failed", "preload_problems": problems[:5]})
        return res
    fd, known_file = tempfile.mkstemp(prefix="dnadb-mixed-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        for ident, s in known:
            f.write("%d %s\n" % (ident, s))
    threads = max(1, min(args.threads, args.connections))
    cmd = ["wrk", "-t%d" % threads, "-c%d" % args.connections, "-d%ds" % int(round(args.duration)),
           "--timeout", "%gs" % args.wrk_timeout, "--latency", "-s", MIXED_LUA, target.url,
           "--", "known=" + known_file, "seed=%d" % args.seed]
    env = dict(os.environ)
    if args.token:
        env["DNADB_LOAD_TOKEN"] = args.token
    else:
        env.pop("DNADB_LOAD_TOKEN", None)
    say("%s: %s" % (label, " ".join(shlex.quote(c) for c in cmd)))
    if on_start is not None:
        on_start()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=args.duration + args.wrk_timeout + 60)
    except FileNotFoundError:
        res.update({"pass": False, "error": "wrk not found (apt-get install -y wrk)"})
        return res
    except subprocess.TimeoutExpired:
        res.update({"pass": False, "error": "wrk did not finish in time"})
        return res
    finally:
        os.unlink(known_file)
    out = p.stdout
    summary = None
    for line in out.splitlines():
        if line.startswith("DNADB_MIXED "):
            try:
                summary = json.loads(line[len("DNADB_MIXED "):])
            except ValueError:
                summary = None
        elif not line.startswith("DNADB_MIXED"):
            say("  wrk| " + line)
    if p.stderr.strip():
        say("  wrk stderr: " + p.stderr.strip()[-500:])
    rps = None
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            try:
                rps = float(line.split()[1])
            except (IndexError, ValueError):
                pass
    if p.returncode != 0 or summary is None:
        res.update({"pass": False, "error": "wrk exit %d, summary %s" % (
            p.returncode, "missing" if summary is None else "present"), "wrk_stderr": p.stderr[-500:]})
        return res
    statuses = {k: int(v) for k, v in summary["statuses"].items()}
    errors = summary["errors"]
    bad = {k: v for k, v in statuses.items()
           if not (200 <= int(k) < 300 or k in ("409", "429"))}
    sock_err = sum(int(v) for v in errors.values())
    lu = summary["latency_us"]
    res.update({
        "requests": summary["requests"], "rps": rps, "by_status": statuses, "sent": summary["sent"],
        "socket_errors": errors, "bad_statuses": bad,
        "p50_ms": round(lu["p50"] / 1000.0, 3), "p99_ms": round(lu["p99"] / 1000.0, 3),
        "max_ms": round(lu["max"] / 1000.0, 3), "first_bad": summary.get("first_bad", ""),
    })
    n429 = statuses.get("429", 0)
    secs = summary["duration_us"] / 1e6 or args.duration
    res["rps_not_429"] = round((summary["requests"] - n429) / secs, 1)
    res["share_429"] = round(n429 / max(summary["requests"], 1), 4)
    res["pass"] = not bad and sock_err == 0 and summary["requests"] > 0
    say("%s: %d requests, %.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms" % (
        label, summary["requests"], rps or 0, res["p50_ms"], res["p99_ms"], res["max_ms"]))
    say("  sent: %s" % fmt_counts(summary["sent"]))
    say("  statuses: %s; socket errors: %s" % (fmt_counts(statuses), fmt_counts(errors)))
    say("  answered other than 429: %.0f req/s; 429: %.1f %% of all" % (res["rps_not_429"], 100 * res["share_429"]))
    if res["share_429"] > 0.5:
        say("  note: most requests were rate limited by nginx, so the figures above are mostly nginx's;"
            " raise the stack's limit_* for a load figure of the workers")
    if summary.get("first_bad"):
        say("  first unexpected response: %s" % summary["first_bad"])
    return res


def cmd_mixed(args):
    res = run_mixed(args)
    if "error" in res:
        say("mixed: " + res["error"])
    say("mixed: %s" % ("PASS" if res["pass"] else "FAIL"))
    return finish(res)


# --- soak ---------------------------------------------------------------

def children_of(ppid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(ppid):
            kids.append(int(d))
    return sorted(kids)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def pg_connections(psql):
    q = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dnadb'"
    try:
        p = subprocess.run(shlex.split(psql) + ["-Atc", q], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if p.returncode != 0:
        return None, p.stderr.strip()[-200:]
    try:
        return int(p.stdout.strip()), None
    except ValueError:
        return None, "psql said %r" % p.stdout.strip()[:100]


def cmd_soak(args):
    if not os.path.exists("/proc/%d" % args.supervisor_pid):
        say("soak: no process %d" % args.supervisor_pid)
        return finish({"subcommand": "soak", "pass": False, "error": "supervisor pid not running"})
    samples = []
    warm = 0.2 * args.duration
    stop = threading.Event()
    t0 = [time.monotonic()]

    def sample(label=""):
        t = time.monotonic() - t0[0]
        ws = {}
        for pid in children_of(args.supervisor_pid):
            v = rss_kib(pid)
            if v is not None:
                ws[pid] = v
        conns, err = pg_connections(args.psql)
        samples.append({"t": round(t, 1), "workers": ws, "conns": conns, "err": err, "label": label})

    def sampler():
        # Every --sample-every seconds, plus one exactly at the end of the
        # warm-up (the baseline of the growth check).
        times = sorted(set([i * args.sample_every for i in range(int(args.duration // args.sample_every) + 1)]
                           + [warm]))
        for at in times:
            if at > args.duration:
                break
            if stop.wait(max(0.0, t0[0] + at - time.monotonic())):
                return
            sample("warm-up end" if at == warm else "")

    say("soak: %g s of mixed load, %d connections; supervisor %d; warm-up %.0f s" % (
        args.duration, args.connections, args.supervisor_pid, warm))
    st = threading.Thread(target=sampler, daemon=True)

    def start_sampling():
        # The clock starts with wrk, not with run_mixed's preload.
        t0[0] = time.monotonic()
        st.start()

    mres = run_mixed(args, "soak-mixed", on_start=start_sampling)
    stop.set()
    if st.is_alive():
        st.join()
    sample("end")

    # --- table
    pids = []
    for s in samples:
        for pid in s["workers"]:
            if pid not in pids:
                pids.append(pid)
    say("")
    say("samples (RSS in KiB):")
    say("  %7s %6s %7s  %s" % ("t (s)", "conns", "workers", "  ".join("%8d" % p for p in pids)))
    for s in samples:
        say("  %7.1f %6s %7d  %s  %s" % (
            s["t"], "?" if s["conns"] is None else s["conns"], len(s["workers"]),
            "  ".join("%8s" % (s["workers"].get(p, "-")) for p in pids), s["label"]))

    problems = []
    base = next((s for s in samples if s["label"] == "warm-up end"), None)
    last = samples[-1]
    growth = {}
    replaced = []
    if base is None:
        problems.append("no sample at the end of the warm-up (run aborted early?)")
    else:
        for pid, r0 in base["workers"].items():
            if pid not in last["workers"]:
                replaced.append(pid)
                continue
            r1 = last["workers"][pid]
            limit = max(0.10 * r0, 2048)
            growth[str(pid)] = {"base_kib": r0, "end_kib": r1, "growth_kib": r1 - r0,
                                "limit_kib": int(limit), "ok": (r1 - r0) <= limit}
            if r1 - r0 > limit:
                problems.append("worker %d grew %d KiB (%d -> %d), over its limit of %d KiB" % (
                    pid, r1 - r0, r0, r1, limit))
        new = [p for p in last["workers"] if p not in base["workers"]]
        if replaced or new:
            say("workers replaced mid-run: gone %s, new %s (reported, not failed)" % (replaced, new))
        after = [s for s in samples if s["t"] >= warm - 0.5 or s is base]
        counts = [s["conns"] for s in after]
        if any(c is None for c in counts):
            errs = [s["err"] for s in after if s["conns"] is None]
            problems.append("could not count connections: %s" % errs[0])
        else:
            if len(set(counts)) != 1:
                problems.append("PostgreSQL connections not constant after the warm-up: %s" % counts)
            for s in after:
                if s["conns"] != len(s["workers"]):
                    problems.append("at %.1f s: %d PostgreSQL connections for %d workers" % (
                        s["t"], s["conns"], len(s["workers"])))
                    break
        if not last["workers"]:
            problems.append("no workers at the end")
    if not mres.get("pass"):
        problems.append("mixed load failed: %s" % (mres.get("error") or mres.get("bad_statuses") or mres.get("socket_errors")))
    for g in growth.items():
        say("  worker %s: %+d KiB (%d -> %d, limit %d)" % (g[0], g[1]["growth_kib"], g[1]["base_kib"],
                                                         g[1]["end_kib"], g[1]["limit_kib"]))
    for p in problems:
        say("FAIL: " + p)
    passed = not problems
    say("soak: %s" % ("PASS" if passed else "FAIL"))
    return finish({
        "subcommand": "soak", "pass": passed, "seed": args.seed, "duration_s": args.duration,
        "warmup_s": warm, "rss_growth": growth, "replaced_workers": replaced,
        "samples": [{"t": s["t"], "conns": s["conns"], "rss_kib": {str(k): v for k, v in s["workers"].items()}}
                    for s in samples],
        "problems": problems, "mixed": mres,
    })


# --- command line -------------------------------------------------------

def main(argv):
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--base-url", default="http://127.0.0.1:8080",
                        help="the stack's URL (default %(default)s)")
    common.add_argument("--token", default=os.environ.get("DNADB_LOAD_TOKEN"),
                        help="send Authorization: Bearer TOKEN on every request "
                             "(default: $DNADB_LOAD_TOKEN); a write token for the POSTs")
    common.add_argument("--seed", type=int, default=None,
                        help="random seed (default: from the clock, printed in RESULT)")
    common.add_argument("--timeout", type=float, default=None,
                        help="timeout of every socket operation in seconds (default 30; "
                             "overload: --max-latency + 5)")
    common.add_argument("--preload", type=int, default=200,
                        help="sequences stored first so that ids and searches have hits (default 200)")

    p = argparse.ArgumentParser(prog="loadgen.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("reads", parents=[common], help="GET mix under an optional periodic fault")
    r.add_argument("--duration", type=float, default=30)
    r.add_argument("--concurrency", type=int, default=8)
    r.add_argument("--during", help="shell command run every --every seconds while the load runs")
    r.add_argument("--every", type=float, default=1.0)
    r.add_argument("--allow-503-window", action="store_true",
                   help="allow 503 database_unavailable/timeout inside contiguous windows "
                        "(within a run of --during), then only 200s")
    r.add_argument("--rate", type=float, default=0,
                   help="at most this many requests per second in all (default: no limit); "
                        "keeps the searches under nginx's per-client limit")
    r.add_argument("--allow-429", action="store_true",
                   help="a 429 (rate limited) is not a failure; it is reported, and the thread "
                        "waits its Retry-After either way")
    r.add_argument("--window-gap", type=float, default=1.0,
                   help="503s closer than this many seconds belong to one window (default 1)")
    r.add_argument("--window-grace", type=float, default=2.0,
                   help="a 503 window may end this long after the --during command returned (default 2)")

    n = sub.add_parser("nothing-lost", parents=[common], help="every acknowledged write is stored exactly once")
    n.add_argument("--count", type=int, default=5000)
    n.add_argument("--concurrency", type=int, default=8)
    n.add_argument("--during")
    n.add_argument("--every", type=float, default=1.0)
    n.add_argument("--retry-for", type=float, default=60.0,
                   help="seconds one sequence is retried before it counts as lost (default 60)")

    o = sub.add_parser("overload", parents=[common], help="many clients; health answers, nothing hangs")
    o.add_argument("--clients", type=int, default=200)
    o.add_argument("--duration", type=float, default=30)
    o.add_argument("--max-latency", type=float, default=10.0)
    o.add_argument("--health-max", type=float, default=2.0)

    for name, helptext in (("mixed", "wrk with mixed.lua"),
                           ("soak", "mixed for long, sampling worker RSS and PostgreSQL connections")):
        m = sub.add_parser(name, parents=[common], help=helptext)
        m.add_argument("--duration", type=float, default=10 if name == "mixed" else 600)
        m.add_argument("--connections", type=int, default=16)
        m.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
        m.add_argument("--wrk-timeout", type=float, default=10.0,
                       help="wrk's request timeout in seconds (default 10)")
        if name == "soak":
            m.add_argument("--supervisor-pid", type=int, required=True,
                           help="the worker supervisor; its children are the workers")
            m.add_argument("--psql", required=True,
                           help="psql command prefix (split with shlex); -Atc QUERY is appended")
            m.add_argument("--sample-every", type=float, default=10.0)

    args = p.parse_args(argv)
    if args.seed is None:
        args.seed = int(time.time() * 1000) % 1000000007
    args.timeout_given = args.timeout is not None
    if args.timeout is None:
        args.timeout = 30.0
    for attr in ("concurrency", "clients", "connections", "count"):
        if getattr(args, attr, 1) < 1:
            p.error("--%s must be at least 1" % attr)
    if getattr(args, "every", 1) <= 0:
        p.error("--every must be positive")
    say("loadgen %s: seed %d" % (args.cmd, args.seed))
    return {"reads": cmd_reads, "nothing-lost": cmd_nothing_lost, "overload": cmd_overload,
            "mixed": cmd_mixed, "soak": cmd_soak}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
