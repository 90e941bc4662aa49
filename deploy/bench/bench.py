#!/usr/bin/env python3
"""dnadb benchmark: import rate, index size, search latency and throughput
through the whole stack (nginx -> FastCGI workers -> PostgreSQL), and a
PostgreSQL fuzzystrmatch baseline with a cross-check of the results.

`deploy/stack bench [options]` builds and starts a throwaway stack
(var/bench, port 18090) and runs this script against it; see
deploy/bench/README.md. Python 3 standard library only; needs wrk and psql.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
LUA = os.path.join(HERE, "paths.lua")

DEFAULT_SEED = 20261126
SERVER_MAX_DISTANCE = 64          # conf/dnadb.conf max_distance (default)
SERVER_IMPORT_MAX = 1073741824    # conf/dnadb.conf max_import_bytes (default)
ALL_DATASETS = ("uniform", "clustered", "long", "junction", "junction-clustered")
# datasets run when --datasets is not given (the junction sets on request)
DEFAULT_DATASETS = ("uniform", "clustered", "long")
ALL_KS = ("0", "1", "2", "3", "4", "5", "6", "7", "10", "15", "5pct", "10pct", "15pct")
PCT_KS = {"5pct": 5, "10pct": 10, "15pct": 15}
# k swept per dataset when --ks is not given. --size tiny keeps the short
# list on the 80..150 nt sets, so that deploy/stack test stays quick.
DEFAULT_KS = {
    "uniform": ("0", "1", "2", "3", "4", "5", "7", "10", "15", "5pct", "10pct", "15pct"),
    "clustered": ("0", "1", "2", "3", "4", "5", "7", "10", "15", "5pct", "10pct", "15pct"),
    "long": ("0", "1", "2", "3", "5", "5pct"),
    "junction": ("0", "1", "2", "3", "4", "5", "6"),
    "junction-clustered": ("0", "1", "2", "3", "4", "5", "6"),
}
TINY_KS = ("0", "1", "2", "3", "5", "5pct")
# junction-clustered: the pools of conserved ends
JUNCTION_V_ENDS, JUNCTION_J_ENDS = 20, 6
JUNCTION_FAMILY = 50
BASELINE_MAX_LEN = 255            # levenshtein_less_equal refuses longer strings

# 256-entry table turning random bytes into bases (byte % 4).
BASES = b"ACGT"
BYTE2BASE = bytes(BASES[i % 4] for i in range(256))

EXIT_OK, EXIT_MISMATCH, EXIT_ENV, EXIT_INVALID = 0, 1, 2, 3


class BenchError(Exception):
    """An environment problem: printed as one line, exit status 2."""


def log(msg=""):
    print(msg, flush=True)


def step(msg):
    log("==> " + msg)


# --------------------------------------------------------------------------
# command line

# --size tiny: a check that the benchmark runs end to end (deploy/stack
# test runs it), not a measurement: a few thousand rows and about a second
# of load per k. These are its defaults for the options the user did not
# give.
TINY_ROWS = 3000
TINY_DEFAULTS = {"duration": 1, "immediate_duration": 1, "queries_per_k": 200,
                 "baseline_queries": 5}
FULL_DEFAULTS = {"duration": 10, "immediate_duration": 3, "queries_per_k": 2000,
                 "baseline_queries": 15}


def parse_size(text):
    t = text.strip().lower().replace("_", "").replace(",", "")
    if t == "tiny":
        return TINY_ROWS
    mult = 1
    if t.endswith("k"):
        mult, t = 1000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1000000, t[:-1]
    try:
        n = int(float(t) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size: {text!r} is not tiny, 100k, 1m, 10m or a number")
    if n < 100:
        raise argparse.ArgumentTypeError("--size: at least 100 rows")
    return n


def size_label(n, tiny=False):
    if tiny:
        return "tiny"
    if n % 1000000 == 0:
        return f"{n // 1000000}m"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def parse_list(text, allowed, what):
    items = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(
            f"{what}: {','.join(bad) or 'empty'} not among {','.join(allowed)}")
    # keep the canonical order, drop repeats
    return [x for x in allowed if x in items]


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="deploy/bench/bench.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Benchmark of a running dnadb stack. Normally started by

  deploy/stack bench [--keep] [options below]

which builds, starts a throwaway stack (var/bench, 127.0.0.1:18090, 4
workers unless DNADB_WORKERS is set) and runs this script against it with
--base-url, --psql, --as-user and --out filled in.

For each dataset (default uniform, clustered, long; see Datasets) it:
  1. generates the data with random.Random seeded from --seed into a file
     under OUT/tmp/ (plain format, one sequence a line) and the query sets;
  2. empties the tables (TRUNCATE sequences, seq_segments RESTART IDENTITY),
     streams the file to POST /api/sequences/import with the write token
     and reports the import rate (sequences/s, bases/s, wall time);
  3. immediately, with no maintenance of its own (what a user meets right
     after an import): runs wrk at 1 connection for --immediate-duration
     seconds per k (the k of step 5), and notes whether autovacuum
     analyzed the tables meanwhile;
  4. settles the store: VACUUM ANALYZE on both tables, then records
     pg_total_relation_size of sequences and of seq_segments (the index):
     bytes per stored base, index/table ratio, and the rows of
     seq_segments per tier (a key with bit 62 set belongs to the tier of
     m = key >> 57 & 31 segments; others are the older 12-base slot keys),
     each with its share of the index bytes (in proportion to rows);
  5. runs wrk with paths.lua for every k of the dataset's list (--ks; Npct
     = N % of the query length, clamped to the server cap 64) at 1 connection (1 thread)
     and 16 connections (2 threads) for --duration seconds each, sending
     GET /api/search?q=..&max_distance=k&limit=50 cycling through the query
     set: p50, p99 (wrk --latency), requests/s, non-2xx responses; the
     report puts the immediate p50 next to this settled one, with their
     ratio; 422 query_too_broad answers are counted per k (not an invalid
     run), and with --worker-log the probes, candidates and scanned rows
     per search are read from the workers' log lines;
  6. baseline (all but long: levenshtein_less_equal refuses strings over
     255 characters): for --baseline-queries queries per k,
     times the full-scan query a user would write with fuzzystrmatch,
       SELECT id, levenshtein_less_equal(sequence, q, k) AS d FROM sequences
       WHERE levenshtein_less_equal(sequence, q, k) <= k ORDER BY d, id
     in one psql session per k with \\timing on, times the same queries
     through the stack with http.client (limit=1000, following next_cursor
     to the whole result set), reports baseline p50, our p50 and the ratio,
     and cross-checks the two result sets (ids, distances, order).
Before the datasets it runs the same wrk runs against GET /api/health: the
latency floor of the stack without search.

Searches carry --read-token (or none: the stack must have public_read on);
imports carry --token, a write token (deploy/stack bench creates both with
the stack's dnadb CLI).

--size tiny (3,000 rows; defaults --duration 1 --immediate-duration 1
--queries-per-k 200 --baseline-queries 5) checks that the benchmark runs;
deploy/stack test runs it. Its figures are not measurements.

Datasets (rows = --size):
  uniform    random A/C/G/T, lengths uniform 80..150, --size rows
  clustered  like an immune repertoire: --size/100 families of 100 variants
             of a random founder (founder length 80..150, or 250..400 with
             --clustered-lengths long; the founder itself is not stored),
             each variant with 1..5 % random substitutions, insertions and
             deletions (so a few variants may repeat: counted as duplicates)
  long       lengths uniform 1,000..5,000, --size/10 rows (1m x 3 kb would
             be 3 GB)
  junction   random A/C/G/T, lengths uniform 30..60 (CDR3-junction-like)
  junction-clustered
             --size/50 clonal families of 50 variants (1..3 random edits)
             of a 30..60-base founder: a V end (10..15 nt) from a pool of
             20, a random middle, a J end (10..15 nt) from a pool of 6
The junction sets run only when named in --datasets.

k per dataset (without --ks): uniform, clustered 0,1,2,3,4,5,7,10,15,
5pct,10pct,15pct; long 0,1,2,3,5,5pct; junction sets 0..6. --size tiny
keeps 0,1,2,3,5,5pct on uniform, clustered and long.

Queries: per k, --queries-per-k stored sequences drawn at random, each
mutated with e random edits, e uniform in 0..k (for Npct, e uniform in
0..N % of the source's length, and the query's k = N % of its own length
rounded down, at most the server cap 64); for the long dataset a fraction
(--long-exact-fraction) is sent unmutated.

Output: a table on stdout, and OUT/<UTC timestamp>.md and .json. The
targets are shown met / not met: issue 10's (junction p50 <= 10 ms at k
<= 4, <= 25 ms and p99 <= 100 ms at k = 6, >= 30x the baseline at k 3..6;
junction-clustered at most 2x junction; uniform p50 <= 10 ms at k <= 10,
<= 25 ms at k = 15; index <= 8x table; import >= 70 % of the --before
report's rate), settled and right after the import, a k with any 422 not
met; then the earlier issues'. They apply to --size 1m; 10m: the measured
p50 and 422 count are printed, the target is no 422 and at most 3x the 1m
figure (the newest 1m report in OUT).

Exit status: 0 done; 1 the cross-check found a difference; 2 environment
or usage problem (wrk or psql missing, stack not answering, import
failed); 3 a wrk run had non-2xx responses or socket errors (the run is
invalid; the report is still written).
""")
    p.add_argument("--base-url", default="http://127.0.0.1:18090",
                   help="URL of the stack (default %(default)s)")
    p.add_argument("--psql", required=True,
                   help="psql command prefix for the stack's database as a superuser, "
                        "e.g. '/usr/lib/postgresql/15/bin/psql -h DIR -p 5432 -U dnadb -d dnadb' "
                        "(split with shlex; -X -q -A -t -v ON_ERROR_STOP=1 are added)")
    p.add_argument("--as-user", default=None,
                   help="when running as root, run psql as this user (runuser -u USER --)")
    p.add_argument("--out", default="bench/results",
                   help="directory of the reports; temporary files go to OUT/tmp/ "
                        "(default %(default)s)")
    p.add_argument("--size", default="1m",
                   help="rows of the uniform and clustered datasets: tiny (3,000, a check "
                        "that it runs), 100k, 1m or 10m (other numbers such as 20k work for "
                        "trials; targets apply to 1m). The long dataset has size/10 rows. "
                        "Default 1m")
    p.add_argument("--token", default=os.environ.get("DNADB_BENCH_TOKEN"),
                   help="write token for the imports (default: $DNADB_BENCH_TOKEN); "
                        "deploy/stack bench creates one")
    p.add_argument("--read-token", default=os.environ.get("DNADB_BENCH_READ_TOKEN"),
                   help="token sent with every search (default: $DNADB_BENCH_READ_TOKEN; "
                        "without one, searches are anonymous and need public_read)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help="seed of every random choice (default %(default)s)")
    p.add_argument("--datasets", default=",".join(DEFAULT_DATASETS),
                   type=lambda s: parse_list(s, ALL_DATASETS, "--datasets"),
                   help="comma-separated subset of " + ",".join(ALL_DATASETS)
                        + " (default " + ",".join(DEFAULT_DATASETS) + ")")
    p.add_argument("--ks", default=None,
                   type=lambda s: parse_list(s, ALL_KS, "--ks"),
                   help="comma-separated subset of " + ",".join(ALL_KS) + ", the same for "
                        "every dataset (default per dataset: uniform and clustered "
                        "0,1,2,3,4,5,7,10,15,5pct,10pct,15pct; long 0,1,2,3,5,5pct; junction and "
                        "junction-clustered 0..6; --size tiny: 0,1,2,3,5,5pct except on the "
                        "junction sets)")
    p.add_argument("--worker-log", default=None,
                   help="the workers' log file (DNADB_LOG_FILE; deploy/stack bench gives it): "
                        "its search lines give the probes, candidates and scanned rows per "
                        "query at each k; without it they are reported n/a")
    p.add_argument("--duration", type=int, default=None,
                   help="whole seconds of each settled wrk run (default 10; tiny 1)")
    p.add_argument("--immediate-duration", type=int, default=None,
                   help="whole seconds of the wrk run per k right after the import, "
                        "1 connection (default 3; tiny 1)")
    p.add_argument("--connections", default="1,16",
                   help="comma-separated wrk connection counts (default 1,16; threads: "
                        "1 for 1 connection, 2 otherwise)")
    p.add_argument("--queries-per-k", type=int, default=None,
                   help="queries in the wrk query set of each k (default 2000; tiny 200)")
    p.add_argument("--baseline-queries", type=int, default=None,
                   help="queries per k timed with the baseline and cross-checked; "
                        "0 skips the baseline (default 15; tiny 5)")
    p.add_argument("--long-exact-fraction", type=float, default=0.25,
                   help="fraction of the long dataset's queries sent unmutated (default %(default)s)")
    p.add_argument("--clustered-lengths", choices=("short", "long"), default="short",
                   help="founder lengths of the clustered dataset: short = 80..150 "
                        "(default; the baseline can run), long = 250..400 (no baseline)")
    p.add_argument("--format", choices=("plain", "fasta"), default="plain",
                   help="file format sent to the import (default %(default)s)")
    p.add_argument("--import-part-bytes", type=int, default=1000000000,
                   help="largest body of one import request; a larger dataset is cut "
                        "at record boundaries into several requests, their times summed "
                        "(default %(default)s, under the server's max_import_bytes 1 GiB)")
    p.add_argument("--wrk-timeout", type=float, default=10.0,
                   help="wrk's --timeout in seconds (default %(default)s)")
    p.add_argument("--before", default=None,
                   help="the JSON report of a run before a change (same size): the targets "
                        "compare this run's import rates with its (issue 10: at least 70 %%)")
    p.add_argument("--keep-tmp", action="store_true",
                   help="keep the dataset and query files under OUT/tmp/")
    a = p.parse_args(argv)
    try:
        a.tiny = a.size.strip().lower() == "tiny"
        a.size = parse_size(a.size)
    except argparse.ArgumentTypeError as e:
        p.error(str(e))
    for key, v in (TINY_DEFAULTS if a.tiny else FULL_DEFAULTS).items():
        if getattr(a, key) is None:
            setattr(a, key, v)
    if not a.token:
        p.error("--token: a write token is needed for the imports "
                "(deploy/stack bench creates one; or set DNADB_BENCH_TOKEN)")
    try:
        a.connections = sorted({int(x) for x in a.connections.split(",") if x.strip()})
    except ValueError:
        p.error("--connections: comma-separated integers")
    if not a.connections or min(a.connections) < 1:
        p.error("--connections: at least one positive number")
    if a.duration < 1 or a.immediate_duration < 1:
        p.error("--duration and --immediate-duration must be at least 1 (whole seconds)")
    if a.queries_per_k < 1:
        p.error("--queries-per-k must be at least 1")
    if a.baseline_queries < 0 or a.baseline_queries > a.queries_per_k:
        p.error("--baseline-queries must be 0..--queries-per-k")
    if not 0 <= a.long_exact_fraction <= 1:
        p.error("--long-exact-fraction must be 0..1")
    if a.import_part_bytes < 1 << 20:
        p.error("--import-part-bytes: at least 1 MiB")
    return a


# --------------------------------------------------------------------------
# psql

class Psql:
    def __init__(self, prefix, as_user):
        try:
            cmd = shlex.split(prefix)
        except ValueError as e:
            raise BenchError(f"--psql: {e}")
        if not cmd:
            raise BenchError("--psql is empty")
        if shutil.which(cmd[0]) is None:
            raise BenchError(f"--psql: {cmd[0]} not found")
        if os.geteuid() == 0 and as_user and as_user != "root":
            if shutil.which("runuser") is None:
                raise BenchError("running as root with --as-user needs runuser (util-linux)")
            cmd = ["runuser", "-u", as_user, "--"] + cmd
        self.cmd = cmd + ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]

    def run(self, sql=None, script=None, timeout=None):
        """Runs one -c command (sql) or a script on stdin; returns stdout."""
        args = list(self.cmd)
        if sql is not None:
            args += ["-c", sql]
        try:
            r = subprocess.run(args, input=script if script is not None else "",
                               capture_output=True, text=True, cwd="/", timeout=timeout)
        except FileNotFoundError as e:
            raise BenchError(f"psql: {e}")
        except subprocess.TimeoutExpired:
            raise BenchError(f"psql did not finish within {timeout} s")
        if r.returncode != 0:
            what = sql if sql is not None else "script"
            raise BenchError(f"psql failed ({what[:120]}): {r.stderr.strip()}")
        return r.stdout

    def value(self, sql):
        return self.run(sql).strip()


# --------------------------------------------------------------------------
# HTTP

def bearer(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


class Http:
    """The stack over http.client: searches (get) carry the read token,
    imports (post_file) the write token."""

    def __init__(self, base_url, read_token=None, write_token=None):
        u = urllib.parse.urlsplit(base_url)
        if u.scheme != "http" or not u.hostname:
            raise BenchError(f"--base-url: {base_url!r}: want http://host:port")
        self.base = base_url.rstrip("/")
        self.host = u.hostname
        self.port = u.port or 80
        self.conn = None
        self.read_token = read_token
        self.write_token = write_token

    def _conn(self, timeout=60):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        return self.conn

    def get(self, path, token=None):
        """GET on a kept-alive connection with token (default: the read
        token); returns (status, parsed JSON or text)."""
        headers = bearer(self.read_token if token is None else token)
        for attempt in (0, 1):
            c = self._conn()
            try:
                c.request("GET", path, headers=headers)
                r = c.getresponse()
                body = r.read()
                break
            except (http.client.HTTPException, OSError):
                c.close()
                self.conn = None
                if attempt:
                    raise
        if r.getheader("Connection", "").lower() == "close":
            c.close()
            self.conn = None
        try:
            return r.status, json.loads(body)
        except ValueError:
            return r.status, body.decode("utf-8", "replace")

    def post_file(self, path, filename):
        size = os.path.getsize(filename)
        c = http.client.HTTPConnection(self.host, self.port, timeout=7200,
                                       blocksize=1 << 20)
        try:
            with open(filename, "rb") as f:
                c.request("POST", path, body=f, headers={
                    "Content-Type": "text/plain", "Content-Length": str(size),
                    **bearer(self.write_token)})
                r = c.getresponse()
                body = r.read()
        finally:
            c.close()
        try:
            return r.status, json.loads(body)
        except ValueError:
            return r.status, body.decode("utf-8", "replace")

    def wait_health(self, seconds=15):
        deadline = time.monotonic() + seconds
        last = None
        while time.monotonic() < deadline:
            try:
                st, body = self.get("/api/health")
                if st == 200:
                    return
                last = f"HTTP {st}: {body}"
            except (OSError, http.client.HTTPException) as e:
                last = str(e)
                self.conn = None
            time.sleep(0.5)
        raise BenchError(f"{self.base}/api/health does not answer 200 ({last}); "
                         "is the stack up? (deploy/stack bench starts one)")

    def check_tokens(self):
        """Fails at once, before any data is generated, unless the write
        token may write and the searches are allowed (read token, or
        public_read on)."""
        st, body = self.get("/api/auth", token=self.write_token)
        scope = isinstance(body, dict) and (body.get("token") or {}).get("scope")
        if st != 200 or scope != "write":
            raise BenchError(f"--token is not a write token of this stack: GET /api/auth "
                             f"answered HTTP {st}: {str(body)[:300]}")
        st, body = self.get("/api/auth")
        if st != 200 or not isinstance(body, dict):
            raise BenchError(f"--read-token was refused: GET /api/auth answered HTTP {st}: "
                             f"{str(body)[:300]}")
        if body.get("token") is None and not body.get("public_read"):
            raise BenchError("searches need a token on this stack (public_read is off): "
                             "give --read-token")
        return "read token" if body.get("token") else "no token (public_read)"


# --------------------------------------------------------------------------
# data

def rand_seq(rng, n):
    return rng.randbytes(n).translate(BYTE2BASE)


def mutate(rng, s, e):
    """Applies e random edits (substitution, insertion, deletion) to bytes s."""
    b = bytearray(s)
    for _ in range(e):
        op = rng.randrange(3)
        if op == 2 and len(b) <= 1:
            op = 0
        if op == 0:      # substitution by another base
            i = rng.randrange(len(b))
            b[i] = BASES[(BASES.index(b[i]) + 1 + rng.randrange(3)) % 4]
        elif op == 1:    # insertion
            b.insert(rng.randrange(len(b) + 1), BASES[rng.randrange(4)])
        else:            # deletion
            del b[rng.randrange(len(b))]
    return bytes(b)


def dataset_rows(name, size):
    return size // 10 if name == "long" else size


def gen_rows(name, size, rng, clustered_lengths):
    """Yields the rows of a dataset (bytes, upper-case ACGT)."""
    n = dataset_rows(name, size)
    if name == "uniform":
        for _ in range(n):
            yield rand_seq(rng, rng.randint(80, 150))
    elif name == "long":
        for _ in range(n):
            yield rand_seq(rng, rng.randint(1000, 5000))
    elif name == "clustered":
        lo, hi = (80, 150) if clustered_lengths == "short" else (250, 400)
        done = 0
        while done < n:
            founder = rand_seq(rng, rng.randint(lo, hi))
            for _ in range(min(100, n - done)):
                rate = rng.uniform(0.01, 0.05)
                e = max(1, round(rate * len(founder)))
                yield mutate(rng, founder, e)
                done += 1
    elif name in ("junction", "junction-clustered"):
        yield from junction_rows(name, n, rng)
    else:
        raise ValueError(name)


def junction_rows(name, n, rng):
    """Junction-like rows, 30..60 nt. junction: random. junction-clustered:
    families of JUNCTION_FAMILY variants of a founder made of a V end
    (10..15 nt, one of JUNCTION_V_ENDS), a random middle and a J end
    (10..15 nt, one of JUNCTION_J_ENDS), founder 30..60 nt; each variant
    has 1..3 random substitutions, insertions and deletions (so a few
    repeat: counted as duplicates), its length kept in 30..60."""
    if name == "junction":
        for _ in range(n):
            yield rand_seq(rng, rng.randint(30, 60))
        return
    vends = [rand_seq(rng, rng.randint(10, 15)) for _ in range(JUNCTION_V_ENDS)]
    jends = [rand_seq(rng, rng.randint(10, 15)) for _ in range(JUNCTION_J_ENDS)]
    done = 0
    while done < n:
        v, j = rng.choice(vends), rng.choice(jends)
        mid = rand_seq(rng, max(3, rng.randint(30, 60) - len(v) - len(j)))
        founder = v + mid + j
        for _ in range(min(JUNCTION_FAMILY, n - done)):
            s = mutate(rng, founder, rng.randint(1, 3))
            while len(s) < 30:
                s += rand_seq(rng, 1)
            yield s[:60]
            done += 1


def k_of(kname, qlen):
    if kname in PCT_KS:
        return max(0, min(SERVER_MAX_DISTANCE, (qlen * PCT_KS[kname]) // 100))
    return int(kname)


def dataset_ks(args, name):
    """The k swept on a dataset: --ks, or its default list."""
    if args.ks:
        return list(args.ks)
    if args.tiny and name in ("uniform", "clustered", "long"):
        return list(TINY_KS)
    return list(DEFAULT_KS[name])


def write_dataset(args, name, tmpdir):
    """Writes the dataset into part files and returns (parts, stats, query
    sets). The query sources are picked before generation (their row
    numbers) and kept while the rows stream to disk."""
    n = dataset_rows(name, args.size)
    qrng = random.Random(f"{args.seed}:{name}:queries")
    kns = dataset_ks(args, name)
    picks = {kn: [qrng.randrange(n) for _ in range(args.queries_per_k)] for kn in kns}
    wanted = set()
    for v in picks.values():
        wanted.update(v)
    kept = {}
    rng = random.Random(f"{args.seed}:{name}:data")
    parts, part_sizes = [], []
    f = None
    cur = 0
    total_bases = 0
    lengths_min, lengths_max = None, 0
    t0 = time.monotonic()
    for i, seq in enumerate(gen_rows(name, args.size, rng, args.clustered_lengths)):
        if args.format == "fasta":
            rec = b">" + name.encode() + b"_" + str(i + 1).encode() + b"\n" + seq + b"\n"
        else:
            rec = seq + b"\n"
        if f is None or cur + len(rec) > args.import_part_bytes:
            if f is not None:
                f.close()
                part_sizes.append(cur)
            fn = os.path.join(tmpdir, f"{name}.part{len(parts) + 1}.{'fa' if args.format == 'fasta' else 'txt'}")
            f = open(fn, "wb", buffering=1 << 20)
            parts.append(fn)
            cur = 0
        f.write(rec)
        cur += len(rec)
        total_bases += len(seq)
        lengths_min = len(seq) if lengths_min is None else min(lengths_min, len(seq))
        lengths_max = max(lengths_max, len(seq))
        if i in wanted:
            kept[i] = seq
        if (i + 1) % 1000000 == 0:
            log(f"    {i + 1:,} rows generated")
    f.close()
    part_sizes.append(cur)
    gen_s = time.monotonic() - t0

    queries = {}
    for kn in kns:
        qs = []
        for j, row in enumerate(picks[kn]):
            src = kept[row]
            kmax = k_of(kn, len(src))
            if name == "long" and qrng.random() < args.long_exact_fraction:
                e = 0
            else:
                e = qrng.randint(0, kmax)
            q = mutate(qrng, src, e).decode()
            k = k_of(kn, len(q)) if kn in PCT_KS else kmax
            qs.append({"q": q, "k": k, "edits": e, "row": row + 1})
        queries[kn] = qs
    stats = {"rows": n, "bases": total_bases, "min_length": lengths_min,
             "max_length": lengths_max, "file_bytes": sum(part_sizes),
             "parts": len(parts), "generate_s": round(gen_s, 2)}
    return parts, stats, queries


# --------------------------------------------------------------------------
# wrk

TIME_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def parse_time_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        return None
    return float(m.group(1)) * TIME_UNITS[m.group(2)]


def parse_wrk(out):
    res = {"latency_ms": {}}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s*{pct}(?:\.\d+)?%\s+(\S+)\s*$", out, re.M)
        if m:
            res["latency_ms"][pct] = parse_time_ms(m.group(1))
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    res["rps"] = float(m.group(1)) if m else None
    m = re.search(r"^\s*(\d+) requests in ([\d.]+\w+),", out, re.M)
    if m:
        res["requests"] = int(m.group(1))
        res["elapsed_ms"] = parse_time_ms(m.group(2))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["wrk_non2xx3xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"^DNADB_BENCH (.*)$", out, re.M)
    lua = {}
    if m:
        rest = m.group(1)
        fb = rest.find(" first_bad=")
        if fb >= 0:
            lua["first_bad"] = rest[fb + len(" first_bad="):]
            rest = rest[:fb]
        for kv in rest.split():
            k, _, v = kv.partition("=")
            lua[k] = v
    res["lua"] = lua
    if lua:
        res["non2xx"] = int(lua.get("non2xx", "0"))
        # per-thread "code:n" lists, summed per status code
        codes = {}
        for item in lua.get("statuses", "").split(","):
            code, _, n = item.partition(":")
            if code and n.isdigit():
                codes[code] = codes.get(code, 0) + int(n)
        res["statuses"] = ",".join(f"{c}:{n}" for c, n in sorted(codes.items()))
        res["too_broad"] = codes.get("422", 0)
        # the Lua summary has microsecond precision; wrk's text rounds
        for pct in ("50", "75", "90", "99"):
            v = lua.get(f"p{pct}_us")
            if v is not None:
                res["latency_ms"][pct] = int(v) / 1000.0
        res["socket_errors"] = sum(int(lua.get(k, "0")) for k in ("connect", "read", "write", "timeout"))
    else:
        res["non2xx"] = res["wrk_non2xx3xx"]
        res["statuses"] = ""
        res["too_broad"] = 0
    return res


def run_wrk(args, url, pathsfile, conns, label, token=None, duration=None):
    """One wrk run of duration seconds (default --duration), each request
    with the token if one is given."""
    duration = duration or args.duration
    threads = 1 if conns == 1 else 2
    threads = min(threads, conns)
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency",
           f"--timeout", f"{args.wrk_timeout:g}s"] + auth + ["-s", LUA, url, "--",
           f"paths={pathsfile}", f"threads={threads}"]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       timeout=duration + args.wrk_timeout + 60)
    out = r.stdout
    if r.returncode != 0 or "Requests/sec" not in out:
        raise BenchError(f"wrk failed for {label} (exit {r.returncode}): "
                         f"{(r.stderr or out).strip()[:500]}")
    res = parse_wrk(out)
    res["threads"] = threads
    res["connections"] = conns
    # A 422 query_too_broad is the server's answer to a search that would
    # pass its budget: counted (too_broad), not an invalid run. Any other
    # non-2xx makes the run invalid.
    fb = res["lua"].get("first_bad", "")
    if res["too_broad"] and fb.startswith("422") and "query_too_broad" not in fb:
        res["too_broad"] = 0
    # A run in which no request completed has no latency to report (wrk
    # prints zeros): invalid, its percentiles None.
    if not res.get("requests"):
        res["latency_ms"] = {pct: None for pct in ("50", "75", "90", "99")}
    res["valid"] = (res["non2xx"] - res["too_broad"] == 0 and res["socket_errors"] == 0
                    and bool(res.get("requests")))
    # Requests slower than IDLE_AFTER_P99_MS may still be running when
    # wrk stops: wait for them before anything else is measured.
    p99 = res["latency_ms"].get("99")
    drained = wait_idle(args) if p99 is None or p99 >= IDLE_AFTER_P99_MS else 0.0
    res["waited_idle_after_s"] = round(drained, 2)
    res["wrk_output"] = out
    p = res["latency_ms"]
    log(f"    {label:<28} c={conns:<3} p50 {fmt_ms(p.get('50'))}  p99 {fmt_ms(p.get('99'))}  "
        f"{res['rps'] or 0:,.0f} req/s  non-2xx {res['non2xx']}"
        + (f" ({res['statuses']})" if res["statuses"] else "")
        + (f", {res['too_broad']} query_too_broad" if res["too_broad"] else "")
        + (f"  socket errors {res['socket_errors']}" if res["socket_errors"] else "")
        + ("  NO REQUEST COMPLETED" if not res.get("requests") else "")
        + (f"  (then waited {drained:.1f} s for an idle stack)" if drained >= 1 else ""))
    if res["non2xx"] and res["lua"].get("first_bad"):
        log(f"      first non-2xx: {res['lua']['first_bad'][:240]}")
    return res


WORKER_STARTED = re.compile(rb"\bworker (\d+) started\b")
IDLE_WINDOW_S, IDLE_TICKS, IDLE_MAX_S = 0.25, 2, 900
IDLE_AFTER_P99_MS = 50.0


def cpu_ticks(pids):
    """utime + stime (clock ticks) summed over the processes that still
    exist."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def stack_pids(args):
    """The processes that serve searches: the workers (their pids from
    the "worker N started" lines of --worker-log) and the database
    backends of the application role (pg_stat_activity)."""
    pids = set()
    if args.worker_log:
        try:
            with open(args.worker_log, "rb") as f:
                pids.update(int(m.group(1)) for m in WORKER_STARTED.finditer(f.read()))
        except OSError:
            pass
    try:
        out = args.psql_obj.run("SELECT pid FROM pg_stat_activity WHERE usename = 'dnadb_app'")
        pids.update(int(x) for x in out.split() if x.isdigit())
    except BenchError:
        pass
    return [p for p in pids if os.path.exists(f"/proc/{p}")]


def wait_idle(args):
    """Waits until the stack has finished the requests of a wrk run: wrk
    stops at its duration, but the requests it had in flight (up to one
    per connection, a scan may take seconds) still occupy the workers and
    would slow whatever is measured next down. Idle = the workers and
    their database backends used at most IDLE_TICKS clock ticks of CPU
    in each of two IDLE_WINDOW_S windows. Returns the seconds waited."""
    if getattr(args, "psql_obj", None) is None:
        return 0.0
    t0 = time.monotonic()
    quiet = 0
    while time.monotonic() - t0 < IDLE_MAX_S:
        pids = stack_pids(args)
        a = cpu_ticks(pids)
        time.sleep(IDLE_WINDOW_S)
        quiet = quiet + 1 if cpu_ticks(pids) - a <= IDLE_TICKS else 0
        if quiet >= 2:
            break
    return time.monotonic() - t0


SEARCH_LOG = re.compile(r"\bsearch qlen=(\d+) k=(\d+) .*?\bprobes=(\d+) candidates=(\d+) "
                        r"scanned=(\d+) returned=(\d+)")


def log_offset(args):
    """Size of the worker log now (None without --worker-log)."""
    if not args.worker_log:
        return None
    try:
        return os.path.getsize(args.worker_log)
    except OSError:
        return None


def search_work(args, start):
    """The work per search the workers logged since offset start: mean
    and max of probes, candidates and scanned rows over the search lines
    (each "search qlen=.. k=.. probes=.. candidates=.. scanned=.."), or
    None when there is no log or no such line."""
    if start is None:
        return None
    try:
        with open(args.worker_log, "rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    rows = [tuple(int(x) for x in m.groups()) for m in SEARCH_LOG.finditer(text)]
    if not rows:
        return None
    res = {"searches": len(rows)}
    for i, key in ((2, "probes"), (3, "candidates"), (4, "scanned")):
        vals = [r[i] for r in rows]
        res[key + "_mean"] = statistics.mean(vals)
        res[key + "_p50"] = statistics.median(vals)
        res[key + "_max"] = max(vals)
    return res


def fmt_work(w):
    if not w:
        return "n/a"
    return (f"{w['probes_mean']:,.0f} probes, {w['candidates_mean']:,.0f} candidates "
            f"(p50 {w['candidates_p50']:,.0f}, max {w['candidates_max']:,}), "
            f"{w['scanned_mean']:,.0f} scanned")


def write_paths(fn, queries, limit=50):
    with open(fn, "w") as f:
        for q in queries:
            f.write(f"/api/search?q={q['q']}&max_distance={q['k']}&limit={limit}\n")


# --------------------------------------------------------------------------
# our side of the sample, and the baseline

def search_all(web, q, k):
    """Whole result set of a search (limit=1000, following next_cursor):
    (list of (id, distance), seconds, pages, error)."""
    results = []
    cursor = None
    pages = 0
    t0 = time.perf_counter()
    while True:
        path = f"/api/search?q={q}&max_distance={k}&limit=1000"
        if cursor is not None:
            path += "&cursor=" + urllib.parse.quote(cursor, safe="")
        st, body = web.get(path)
        pages += 1
        if st != 200 or not isinstance(body, dict):
            return results, time.perf_counter() - t0, pages, f"HTTP {st}: {str(body)[:300]}"
        results.extend((r["id"], r["distance"]) for r in body["results"])
        cursor = body.get("next_cursor")
        if cursor is None:
            break
    return results, time.perf_counter() - t0, pages, None


def baseline_session(psql, sample):
    """Runs the sample in one psql session with \\timing on; returns a list
    of (rows, ms)."""
    lines = ["\\timing on"]
    for i, s in enumerate(sample):
        q, k = s["q"], s["k"]
        lines.append(f"\\echo @@Q {i}")
        lines.append(f"SELECT id, levenshtein_less_equal(sequence, '{q}', {k}) AS d "
                     f"FROM sequences WHERE levenshtein_less_equal(sequence, '{q}', {k}) <= {k} "
                     f"ORDER BY d, id;")
    out = psql.run(script="\n".join(lines) + "\n")
    res = [None] * len(sample)
    cur = None
    rows = []
    for line in out.splitlines():
        if line.startswith("@@Q "):
            cur = int(line[4:])
            rows = []
            continue
        m = re.match(r"^Time: ([\d.]+) ms", line)
        if m and cur is not None:
            res[cur] = (rows, float(m.group(1)))
            cur = None
            continue
        if line.strip() and cur is not None:
            a, _, b = line.partition("|")
            rows.append((int(a), int(b)))
    if any(r is None for r in res):
        raise BenchError("could not parse the baseline's psql output:\n" + out[-2000:])
    return res


# --------------------------------------------------------------------------
# machine

def machine_info(psql):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    kb = int(line.split()[1])
                    mem = f"{kb / 1048576:.1f} GiB"
                    break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    return {"nproc": nproc, "memory": mem, "cpu": cpu,
            "postgresql": psql.value("SELECT version()"),
            "max_parallel_workers_per_gather": psql.value("SHOW max_parallel_workers_per_gather"),
            "shared_buffers": psql.value("SHOW shared_buffers"),
            "wrk": (subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
                    .splitlines() or ["?"])[0].strip(),
            "kernel": os.uname().release}


# --------------------------------------------------------------------------
# formatting

def fmt_ms(v):
    if v is None:
        return "    -   "
    if v < 10:
        return f"{v:6.3f}ms"
    if v < 1000:
        return f"{v:6.1f}ms"
    return f"{v / 1000:6.2f}s "


def fmt_lat(r, pct):
    """A percentile of a wrk run in ms, "-" when the run has none."""
    v = r and r["latency_ms"].get(pct)
    return "-" if v is None else f"{v:.3f}"


def fmt_ratio(r):
    if r is None:
        return "-"
    return f"{r:.2f}x" if r < 10 else f"{r:,.0f}x"


def fmt_bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0


def table(headers, rows, align=None):
    cols = len(headers)
    w = [len(h) for h in headers]
    srows = [[str(c) for c in r] for r in rows]
    for r in srows:
        for i, c in enumerate(r):
            w[i] = max(w[i], len(c))
    align = align or ["<"] + [">"] * (cols - 1)
    txt = ["  ".join(f"{h:{a}{wi}}" for h, a, wi in zip(headers, align, w))]
    txt.append("  ".join("-" * wi for wi in w))
    for r in srows:
        txt.append("  ".join(f"{c:{a}{wi}}" for c, a, wi in zip(r, align, w)))
    return "\n".join(txt)


def md_table(headers, rows, align=None):
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


# --------------------------------------------------------------------------
# the run

def truncate(psql):
    """Empties the tables. No VACUUM or ANALYZE follows: the searches right
    after the import must meet the store as a user's import leaves it."""
    psql.run("TRUNCATE sequences, seq_segments RESTART IDENTITY")


def analyze_state(psql):
    """What PostgreSQL's statistics say about the two tables: per table
    the count of (auto)analyze runs, rows modified since the last one, and
    the planner's row estimate (pg_class.reltuples, -1 = never analyzed)."""
    out = psql.run(
        "SELECT s.relname, s.analyze_count, s.autoanalyze_count, s.n_mod_since_analyze, "
        "c.reltuples::bigint FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
        "WHERE s.relname IN ('sequences', 'seq_segments') ORDER BY 1")
    res = {}
    for line in out.splitlines():
        f = line.split("|")
        if len(f) == 5:
            res[f[0]] = {"analyze_count": int(f[1]), "autoanalyze_count": int(f[2]),
                         "n_mod_since_analyze": int(f[3]), "reltuples": int(f[4])}
    return res


def analyzed_between(before, after):
    """Tables some ANALYZE (the server's own, or autovacuum's) ran on
    between two analyze_state snapshots."""
    return [t for t in sorted(after) if t in before and
            (after[t]["analyze_count"] + after[t]["autoanalyze_count"]
             > before[t]["analyze_count"] + before[t]["autoanalyze_count"])]


def vacuum(psql):
    # VACUUM cannot run in a transaction block: one psql -c each.
    psql.run("VACUUM ANALYZE sequences")
    psql.run("VACUUM ANALYZE seq_segments")


def import_dataset(web, parts):
    agg = {"inserted": 0, "duplicates": 0, "records": 0, "bases": 0, "wall_s": 0.0,
           "format": None, "requests": len(parts)}
    for fn in parts:
        sz = os.path.getsize(fn)
        log(f"    POST /api/sequences/import  {os.path.basename(fn)}  {fmt_bytes(sz)}")
        t0 = time.perf_counter()
        try:
            st, body = web.post_file("/api/sequences/import", fn)
        except (OSError, http.client.HTTPException) as e:
            raise BenchError(f"import of {fn} failed: {e}")
        wall = time.perf_counter() - t0
        if st != 200 or not isinstance(body, dict):
            raise BenchError(f"import of {fn} answered HTTP {st}: {str(body)[:500]}")
        for k in ("inserted", "duplicates", "records", "bases"):
            agg[k] += int(body.get(k, 0))
        agg["format"] = body.get("format")
        agg["wall_s"] += wall
    agg["seq_per_s"] = agg["records"] / agg["wall_s"] if agg["wall_s"] else None
    agg["bases_per_s"] = agg["bases"] / agg["wall_s"] if agg["wall_s"] else None
    return agg


def table_sizes(psql):
    out = psql.value(
        "SELECT pg_total_relation_size('sequences'), pg_total_relation_size('seq_segments'), "
        "pg_relation_size('sequences'), pg_indexes_size('sequences'), "
        "pg_relation_size('seq_segments'), pg_indexes_size('seq_segments'), "
        "(SELECT count(*) FROM sequences), (SELECT coalesce(sum(length), 0) FROM sequences), "
        "(SELECT count(*) FROM seq_segments)")
    v = [int(x) for x in out.split("|")]
    seq_total, seg_total = v[0], v[1]
    rows, bases = v[6], v[7]
    return {"sequences_total_bytes": seq_total, "seq_segments_total_bytes": seg_total,
            "sequences_heap_bytes": v[2], "sequences_indexes_bytes": v[3],
            "seq_segments_heap_bytes": v[4], "seq_segments_indexes_bytes": v[5],
            "stored_rows": rows, "stored_bases": bases, "segment_rows": v[8],
            "index_bytes_per_base": seg_total / bases if bases else None,
            "table_bytes_per_base": seq_total / bases if bases else None,
            "index_table_ratio": seg_total / seq_total if seq_total else None,
            "tiers": segment_tiers(psql, v[8], seg_total, rows, bases)}


# A seq_segments key with bit 62 set is a tier key: its segmentation has
# m = (key >> 57) & 31 segments (issue 10's tiers, src/seg.h); a key
# without it is an older fixed 12-base slot key. Reported per m, "slot"
# for the others.
TIER_SQL = ("SELECT CASE WHEN key & (1::bigint << 62) <> 0 "
            "THEN ((key >> 57) & 31)::text ELSE 'slot' END, count(*) "
            "FROM seq_segments GROUP BY 1")


def segment_tiers(psql, seg_rows, seg_bytes, rows, bases):
    """Rows of seq_segments per tier (m segments, or "slot"), each with
    its share of the rows and of the index bytes (the bytes of
    seq_segments, heap and indexes, shared in proportion to rows): a list
    ordered by m, "slot" last; or a dict with "error" when the table's
    keys cannot be read that way."""
    try:
        out = psql.run(TIER_SQL)
    except BenchError as e:
        return {"error": str(e)[:300]}
    tiers = []
    for line in out.splitlines():
        f = line.split("|")
        if len(f) == 2:
            tiers.append({"tier": f[0] if f[0] == "slot" else int(f[0]), "rows": int(f[1])})
    tiers.sort(key=lambda t: (t["tier"] == "slot", t["tier"] if t["tier"] != "slot" else 0))
    total = sum(t["rows"] for t in tiers) or seg_rows
    for t in tiers:
        share = t["rows"] / total if total else 0.0
        t["share"] = share
        t["bytes"] = round(seg_bytes * share)
        t["bytes_per_base"] = seg_bytes * share / bases if bases else None
        t["rows_per_sequence"] = t["rows"] / rows if rows else None
    return tiers


def fmt_tiers(tiers):
    """One line: rows and share of the index per tier."""
    if isinstance(tiers, dict):
        return f"n/a ({tiers.get('error', '?')})"
    if not tiers:
        return "no rows"
    return ", ".join(f"{'slot' if t['tier'] == 'slot' else 'm=' + str(t['tier'])}: "
                     f"{t['rows']:,} rows ({t['share']:.1%}, {fmt_bytes(t['bytes'])})"
                     for t in tiers)


def run_dataset(args, name, web, psql, tmpdir, url):
    ds = {"name": name}
    n = dataset_rows(name, args.size)
    kns = dataset_ks(args, name)
    ds["ks"] = kns
    desc = {"uniform": "random ACGT, lengths 80..150",
            "clustered": f"{n // 100 if n >= 100 else 1:,} families of 100 variants (1..5 % edits) of "
                         + ("80..150" if args.clustered_lengths == "short" else "250..400")
                         + "-base founders",
            "long": "random ACGT, lengths 1,000..5,000 (size/10 rows)",
            "junction": "random ACGT, lengths 30..60 (junction-like)",
            "junction-clustered": f"{-(-n // JUNCTION_FAMILY):,} families of {JUNCTION_FAMILY} "
                                  f"variants (1..3 edits) of 30..60-base founders with one of "
                                  f"{JUNCTION_V_ENDS} V ends and {JUNCTION_J_ENDS} J ends "
                                  f"(10..15 nt each)"}[name]
    ds["description"] = desc
    step(f"dataset {name}: generating {n:,} rows ({desc})")
    parts, stats, queries = write_dataset(args, name, tmpdir)
    ds["data"] = stats
    log(f"    {stats['file_bytes']:,} bytes, {stats['bases']:,} bases, lengths "
        f"{stats['min_length']}..{stats['max_length']}, {stats['parts']} file(s), "
        f"{stats['generate_s']} s")

    step(f"dataset {name}: emptying the tables")
    truncate(psql)
    before_import = analyze_state(psql)
    step(f"dataset {name}: importing")
    imp = import_dataset(web, parts)
    ds["import"] = imp
    log(f"    {imp['records']:,} records ({imp['inserted']:,} inserted, {imp['duplicates']:,} "
        f"duplicates) in {imp['wall_s']:.2f} s: {imp['seq_per_s']:,.0f} sequences/s, "
        f"{imp['bases_per_s'] / 1e6:,.1f} Mbases/s")
    if imp["records"] != stats["rows"]:
        raise BenchError(f"import counted {imp['records']} records, the file has {stats['rows']}")

    # Right after the import: no maintenance of ours.
    paths = {}
    for kn in kns:
        paths[kn] = os.path.join(tmpdir, f"{name}.k{kn}.paths")
        write_paths(paths[kn], queries[kn])
    at_import = analyze_state(psql)
    step(f"dataset {name}: searches right after the import (no VACUUM or ANALYZE of ours), "
         f"{args.immediate_duration} s per k, 1 connection")
    ds["immediate"] = {}
    for kn in kns:
        ds["immediate"][kn] = run_wrk(args, url, paths[kn], 1, f"{name} k={kn} immediate",
                                      token=web.read_token, duration=args.immediate_duration)
    after_immediate = analyze_state(psql)
    ds["analyze_state"] = {"before_import": before_import, "at_import_return": at_import,
                           "after_immediate_searches": after_immediate,
                           "analyzed_by_the_import": analyzed_between(before_import, at_import),
                           "analyzed_during_immediate_searches":
                               analyzed_between(at_import, after_immediate)}
    log(f"    analyzed when the import returned: "
        f"{', '.join(ds['analyze_state']['analyzed_by_the_import']) or 'neither table'}; "
        f"analyzed during these searches (autovacuum): "
        f"{', '.join(ds['analyze_state']['analyzed_during_immediate_searches']) or 'neither table'}")

    step(f"dataset {name}: settling the store: VACUUM ANALYZE (the benchmark's own), sizes")
    t0 = time.monotonic()
    vacuum(psql)
    ds["vacuum_s"] = round(time.monotonic() - t0, 2)
    sz = table_sizes(psql)
    ds["sizes"] = sz
    log(f"    sequences {fmt_bytes(sz['sequences_total_bytes'])}, seq_segments (index) "
        f"{fmt_bytes(sz['seq_segments_total_bytes'])}: {sz['index_bytes_per_base']:.2f} B/base, "
        f"index/table {sz['index_table_ratio']:.2f}  (vacuum {ds['vacuum_s']} s)")
    log(f"    seq_segments per tier: {fmt_tiers(sz['tiers'])}")
    if not args.keep_tmp:
        for fn in parts:
            os.unlink(fn)

    # wrk runs on the settled store
    ds["search"] = {}
    for kn in kns:
        qs = queries[kn]
        pf = paths[kn]
        ks = sorted({q["k"] for q in qs})
        entry = {"queries": len(qs), "k_values": [ks[0], ks[-1]],
                 "mean_query_length": round(statistics.mean(len(q["q"]) for q in qs), 1),
                 "unmutated": sum(1 for q in qs if q["edits"] == 0), "runs": {}}
        step(f"dataset {name}: settled: wrk k={kn}" + (f" (k {ks[0]}..{ks[-1]})" if len(ks) > 1 else ""))
        off = log_offset(args)
        for c in args.connections:
            entry["runs"][str(c)] = run_wrk(args, url, pf, c, f"{name} k={kn} settled",
                                            token=web.read_token)
        entry["work"] = search_work(args, off)
        entry["too_broad"] = sum(r["too_broad"] for r in entry["runs"].values())
        entry["requests"] = sum(r.get("requests") or 0 for r in entry["runs"].values())
        log(f"    work per search (worker log): {fmt_work(entry['work'])}"
            + (f"; {entry['too_broad']} of {entry['requests']} answered 422 query_too_broad"
               if entry["too_broad"] else ""))
        im, se = ds["immediate"][kn]["latency_ms"], entry["runs"].get("1", {}).get("latency_ms", {})
        entry["immediate_over_settled_p50"] = (im["50"] / se["50"]
                                               if se.get("50") and im.get("50") is not None else None)
        ds["search"][kn] = entry
        if not args.keep_tmp:
            os.unlink(pf)

    # baseline and cross-check
    ds["baseline"] = {}
    if args.baseline_queries == 0:
        ds["baseline_note"] = "skipped (--baseline-queries 0)"
    elif stats["max_length"] > BASELINE_MAX_LEN:
        ds["baseline_note"] = (f"not run: levenshtein_less_equal refuses strings over "
                               f"{BASELINE_MAX_LEN} characters (longest row {stats['max_length']})")
        log(f"    baseline: {ds['baseline_note']}")
    else:
        psql.run("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
        for kn in kns:
            sample = queries[kn][:args.baseline_queries]
            step(f"dataset {name}: k={kn}: {len(sample)} sampled queries through the stack, "
                 f"then the fuzzystrmatch baseline")
            ours = []
            too_broad = 0
            for s in sample:
                r, secs, pages, err = search_all(web, s["q"], s["k"])
                if err and err.startswith("HTTP 422") and "query_too_broad" in err:
                    too_broad += 1
                    ours.append(None)
                    continue
                if err:
                    raise BenchError(f"search failed for a sampled query (k={s['k']}): {err}")
                ours.append((r, secs * 1000.0, pages))
            t0 = time.monotonic()
            base = baseline_session(psql, sample)
            bt = time.monotonic() - t0
            # the cross-check and our p50 cover the searches the server
            # answered; the baseline's p50 covers them all
            answered = [(s, o, b) for s, o, b in zip(sample, ours, base) if o is not None]
            mismatches = []
            for i, (s, (orows, oms, pages), (brows, bms)) in enumerate(answered):
                if orows != brows:
                    so, sb = set(orows), set(brows)
                    mismatches.append({
                        "query_index": i, "k": s["k"], "q": s["q"],
                        "ours_count": len(orows), "baseline_count": len(brows),
                        "only_ours": sorted(so - sb)[:20], "only_baseline": sorted(sb - so)[:20],
                        "same_set_other_order": so == sb})
            oks = [o for o in ours if o is not None]
            o_p50 = statistics.median(o[1] for o in oks) if oks else None
            b_p50 = statistics.median(b[1] for b in base)
            e = {"queries": len(sample), "too_broad": too_broad, "baseline_p50_ms": b_p50,
                 "baseline_max_ms": max(b[1] for b in base),
                 "ours_p50_ms": o_p50, "ours_max_ms": max(o[1] for o in oks) if oks else None,
                 "ratio": b_p50 / o_p50 if o_p50 else None,
                 "mean_results": statistics.mean(len(o[0]) for o in oks) if oks else 0,
                 "max_pages": max(o[2] for o in oks) if oks else 0,
                 "baseline_session_s": round(bt, 2),
                 "crosscheck": "ok" if not mismatches else "MISMATCH",
                 "mismatches": mismatches}
            ds["baseline"][kn] = e
            log(f"    baseline p50 {fmt_ms(b_p50)}, ours p50 {fmt_ms(o_p50)} "
                f"(whole result set, sequential): {fmt_ratio(e['ratio'])} faster; "
                f"{e['mean_results']:.1f} matches/query; cross-check "
                + ("ok" if not mismatches else f"MISMATCH in {len(mismatches)} queries")
                + (f"; {too_broad} answered 422 query_too_broad" if too_broad else ""))
            for mm in mismatches:
                log(f"      MISMATCH k={mm['k']} q={mm['q'][:60]}...: ours {mm['ours_count']} rows, "
                    f"baseline {mm['baseline_count']}; only ours {mm['only_ours'][:5]}, "
                    f"only baseline {mm['only_baseline'][:5]}"
                    + (" (same set, other order)" if mm["same_set_other_order"] else ""))
    return ds


def run_floor(args, url, tmpdir):
    step("floor: wrk GET /api/health")
    pf = os.path.join(tmpdir, "health.paths")
    with open(pf, "w") as f:
        f.write("/api/health\n")
    res = {str(c): run_wrk(args, url, pf, c, "GET /api/health") for c in args.connections}
    if not args.keep_tmp:
        os.unlink(pf)
    return res


# --------------------------------------------------------------------------
# targets

# issue 10's bounds on the 1 connection p50 (ms) per k: junction (30..60
# nt, random); uniform (80..150 nt): 10 ms for every k <= 10, 25 ms at
# k = 15 (10pct reaches k 15 and 15pct k 22 on the longest rows: they get
# the k = 15 bound). Junction k = 5 sits between the k <= 4 and k = 6
# bounds and gets the k = 6 one.
JUNCTION_P50_MS = {"0": 10.0, "1": 10.0, "2": 10.0, "3": 10.0, "4": 10.0, "5": 25.0, "6": 25.0}
JUNCTION_P99_MS = {"6": 100.0}
JUNCTION_SPEEDUP_KS = ("3", "4", "5", "6")
JUNCTION_SPEEDUP = 30
CLUSTERED_JUNCTION_FACTOR = 2.0
UNIFORM_P50_MS = {"0": 10.0, "1": 10.0, "2": 10.0, "3": 10.0, "4": 10.0, "5": 10.0, "7": 10.0,
                  "10": 10.0, "5pct": 10.0, "15": 25.0, "10pct": 25.0, "15pct": 25.0}
INDEX_TABLE_MAX = 8.0
IMPORT_KEEP = 0.70                # import rate at least 70 % of the rate before
TENM_FACTOR = 3.0                 # 10m: p50 at most 3x the 1m figure


def targets(report, before=None):
    """The targets next to the measured values: issue 10's first (short
    junctions at k 0..6, 80..150 nt at k up to 15 %, index size, import
    rate against the report before the change when --before gives one),
    then the earlier issues' that still hold. Every latency target is
    checked on the settled store and right after the import (immediate);
    a k with any 422 query_too_broad answer does not meet it."""
    size = report["config"]["size"]
    applies = size == 1000000
    ds = {d["name"]: d for d in report["datasets"]}
    rows = []

    def add(issue, target, measured, ok):
        if measured is None:
            status = "not measured"
        elif not applies:
            status = f"n/a (target is for 1m; this run {size_label(size, report['config'].get('tiny'))})"
        else:
            status = "met" if ok else "NOT MET"
        rows.append({"issue": issue, "target": target,
                     "measured": measured if measured is not None else "-", "status": status})

    def run_of(name, kn, when, c=1):
        """(wrk run, 422 answers, requests) of a k: the settled run at c
        connections with the 422 count of every settled run of the k, or
        the immediate run."""
        d = ds.get(name)
        if not d:
            return None, 0, 0
        if when == "immediate":
            r = d["immediate"].get(kn)
            return r, (r or {}).get("too_broad", 0), (r or {}).get("requests", 0)
        e = d["search"].get(kn)
        if not e:
            return None, 0, 0
        return e["runs"].get(str(c)), e.get("too_broad", 0), e.get("requests", 0)

    def p(r, pct):
        return r and r["latency_ms"].get(pct)

    def broad_note(broad, reqs):
        return f", {broad}/{reqs} answered 422" if broad else ""

    def latency(issue, name, kn, pct, limit, when, what=None):
        r, broad, reqs = run_of(name, kn, when)
        v = p(r, pct)
        if r and v is None:
            measured = "no request completed in the run"
        else:
            measured = v is not None and f"{v:.3f} ms{broad_note(broad, reqs)}" or None
        add(issue, f"1M {name} k={kn}{what or ''}: p{pct} <= {limit:g} ms ({when}, 1 conn)",
            measured, v is not None and v <= limit and not broad)

    def speedup(issue, name, kn, factor):
        b = ds.get(name, {}).get("baseline", {}).get(kn)
        ok = b and b["ratio"] is not None and b["ratio"] >= factor and not b.get("too_broad")
        add(issue, f"1M {name} k={kn}: >= {factor:g}x faster than levenshtein_less_equal (settled)",
            b and (fmt_ratio(b["ratio"]) if b["ratio"] is not None else "-")
            + (f", {b['too_broad']}/{b['queries']} answered 422" if b.get("too_broad") else "")
            or None, ok)

    whens = ("settled", "immediate")
    # issue 10: the distances repertoire work uses
    for kn, lim in JUNCTION_P50_MS.items():
        for when in whens:
            latency("10", "junction", kn, "50", lim, when,
                    " (under the k=6 bound)" if kn == "5" else None)
            if kn in JUNCTION_P99_MS:
                latency("10", "junction", kn, "99", JUNCTION_P99_MS[kn], when)
    for kn in JUNCTION_SPEEDUP_KS:
        speedup("10", "junction", kn, JUNCTION_SPEEDUP)
    f = CLUSTERED_JUNCTION_FACTOR
    for kn, lim in JUNCTION_P50_MS.items():
        for when in whens:
            rc, bc, nc = run_of("junction-clustered", kn, when)
            rj, bj, _ = run_of("junction", kn, when)
            vc, vj = p(rc, "50"), p(rj, "50")
            add("10", f"1M junction-clustered k={kn}: p50 <= {f:g}x junction's p50 of this run "
                      f"({when}, 1 conn)",
                vc is not None and vj and f"{vc:.3f} ms = {vc / vj:.2f}x {vj:.3f} ms"
                + broad_note(bc, nc) or None,
                vc is not None and vj and vc <= f * vj and not bc and not bj)
            latency("10", "junction-clustered", kn, "50", f * lim, when,
                    f" ({f:g}x junction's bound)")
            if kn in JUNCTION_P99_MS:
                latency("10", "junction-clustered", kn, "99", f * JUNCTION_P99_MS[kn], when,
                        f" ({f:g}x junction's bound)")
    for kn, lim in UNIFORM_P50_MS.items():
        for when in whens:
            latency("10", "uniform", kn, "50", lim, when)
    for name in (n for n in ALL_DATASETS if n in ds):
        sz = ds[name]["sizes"]
        add("10", f"1M {name}: index <= {INDEX_TABLE_MAX:g}x table",
            sz and f"{sz['index_table_ratio']:.2f}x ({sz['index_bytes_per_base']:.2f} B/base)",
            sz and sz["index_table_ratio"] <= INDEX_TABLE_MAX)
    for name in ALL_DATASETS:
        d = ds.get(name)
        if not d:
            continue
        imp = d["import"]
        was = None
        for bd in (before or {}).get("datasets", []):
            if bd.get("name") == name:
                was = (bd.get("import") or {}).get("seq_per_s")
        add("10", f"1M {name}: import >= {IMPORT_KEEP:.0%} of the rate before"
                  + (f" ({was:,.0f}/s, --before)" if was else " (--before REPORT.json gives it)"),
            was and f"{imp['seq_per_s']:,.0f}/s = {imp['seq_per_s'] / was:.0%}" or None,
            was and imp["seq_per_s"] >= IMPORT_KEEP * was)
    # earlier issues: low k stays fast on 80..150 nt
    for kn in ("0", "1", "2", "3"):
        for when in whens:
            latency("earlier", "uniform", kn, "50", 2.0, when)
        latency("earlier", "uniform", kn, "99", 10.0, "settled")
    latency("earlier", "uniform", "5", "50", 5.0, "settled")
    for kn in DEFAULT_KS["uniform"]:
        speedup("earlier", "uniform", kn, 300)
    for kn in ("0", "1", "2", "3"):
        latency("earlier", "clustered", kn, "50", 5.0, "settled")
    r, broad, reqs = run_of("uniform", "1", "settled", 16)
    add("earlier", "1M uniform k=1: >= 1,500 searches/s (settled, 16 conns)",
        r and f"{r['rps']:,.0f}/s{broad_note(broad, reqs)}", r and r["rps"] >= 1500 and not broad)
    for name in ("uniform", "clustered"):
        imp = ds.get(name) and ds[name]["import"]
        add("earlier", f"1M {name}: import >= 50,000 sequences/s",
            imp and f"{imp['seq_per_s']:,.0f}/s", imp and imp["seq_per_s"] >= 50000)
    return rows


def tenm_note(report, outdir):
    """10m (issue 10): no 422 query_too_broad, and p50 at most
    TENM_FACTOR x the 1m figure; print the measured figure, the 422
    count and, when a 1m report is in the out dir, that one's figure."""
    if report["config"]["size"] != 10000000:
        return None
    prev = None
    try:
        for fn in sorted(os.listdir(outdir), reverse=True):
            if fn.endswith(".json"):
                with open(os.path.join(outdir, fn)) as f:
                    j = json.load(f)
                if j.get("config", {}).get("size") == 1000000:
                    prev = (fn, j)
                    break
    except (OSError, ValueError):
        prev = None
    lines = []
    for d in report["datasets"]:
        for kn, e in d["search"].items():
            r = e["runs"].get("1")
            if not r or r["latency_ms"].get("50") is None:
                continue
            line = f"10M {d['name']} k={kn}: p50 {r['latency_ms']['50']:.3f} ms (1 conn)"
            if e.get("too_broad"):
                line += f", {e['too_broad']}/{e['requests']} answered 422 (NOT MET: target no 422)"
            if prev:
                for pd in prev[1].get("datasets", []):
                    if pd["name"] == d["name"] and kn in pd.get("search", {}):
                        pr = pd["search"][kn]["runs"].get("1")
                        if pr and pr["latency_ms"].get("50"):
                            p1 = pr["latency_ms"]["50"]
                            line += (f"; 1M figure {p1:.3f} ms in {prev[0]} -> "
                                     f"{r['latency_ms']['50'] / p1:.2f}x "
                                     f"({'met' if r['latency_ms']['50'] <= TENM_FACTOR * p1 else 'NOT MET'}, "
                                     f"target <= {TENM_FACTOR:g}x)")
            lines.append(line)
    if not prev:
        lines.append(f"(target: no 422 and p50 at most {TENM_FACTOR:g}x the 1M figure; no 1m report "
                     f"in the out dir to compare with)")
    return lines


# --------------------------------------------------------------------------
# report

def render(report, markdown):
    out = []
    cfg, m = report["config"], report["machine"]
    h = (lambda s: out.append(f"\n## {s}\n")) if markdown else (lambda s: out.append(f"\n{s}\n" + "=" * len(s)))
    tab = md_table if markdown else table
    out.append(("# " if markdown else "") + f"dnadb benchmark {report['started_utc']}")
    out.append("")
    out.append(f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, kernel {m['kernel']}")
    out.append(f"  (wrk, nginx, the workers and PostgreSQL all share these CPUs)")
    out.append(f"PostgreSQL: {m['postgresql']}")
    out.append(f"  shared_buffers {m['shared_buffers']}, max_parallel_workers_per_gather "
               f"{m['max_parallel_workers_per_gather']}; {m['wrk']}")
    out.append(f"Config: size {size_label(cfg['size'], cfg.get('tiny'))} ({cfg['size']:,} rows for uniform and clustered, "
               f"{cfg['size'] // 10:,} for long), seed {cfg['seed']}, wrk {cfg['duration']:g} s per settled run "
               f"and {cfg['immediate_duration']:g} s per run right after the import, "
               f"connections {','.join(map(str, cfg['connections']))} (threads 1 for 1 connection, 2 otherwise), "
               f"workers {cfg['workers']}, nginx's per-client search limit {cfg.get('limit_search_rps', '?')}/s, "
               f"{cfg['queries_per_k']} queries per k, "
               f"{cfg['baseline_queries']} baseline queries per k, import format {cfg['format']}, "
               f"clustered founders {cfg['clustered_lengths']}")
    out.append(f"Stack: {cfg['base_url']} (nginx -> FastCGI workers -> PostgreSQL); "
               f"search requests GET /api/search?q=..&max_distance=k&limit=50 with "
               f"{cfg['search_auth']}; imports with a write token")
    out.append("k=5pct, 10pct, 15pct: k = 5, 10, 15 % of the query length, at most the server cap 64. "
               "Queries: stored "
               "sequences with e edits, e uniform 0..k"
               + (f"; long dataset: {cfg['long_exact_fraction']:.0%} unmutated" if "long" in cfg["datasets"] else "")
               + ".")
    out.append("Two measurements of every search: IMMEDIATE, right after the import returns, with no "
               "maintenance of the benchmark's own (what a user meets); SETTLED, after the benchmark's "
               "own VACUUM ANALYZE on sequences and seq_segments (sizes are measured then too).")
    if cfg.get("tiny"):
        out.append("Size tiny: a check that the benchmark runs, not a measurement.")

    h("Floor: GET /api/health (the stack without search)")
    rows = []
    for c, r in report["floor"].items():
        rows.append([c, fmt_lat(r, "50"), fmt_lat(r, "99"),
                     f"{r['rps']:,.0f}", r["non2xx"] + r["socket_errors"]])
    out.append(tab(["conns", "p50 ms", "p99 ms", "req/s", "errors"], rows))

    for d in report["datasets"]:
        h(f"Dataset {d['name']}: {d['description']}")
        st, imp, sz = d["data"], d["import"], d["sizes"]
        out.append(f"Rows {st['rows']:,} ({imp['inserted']:,} inserted, {imp['duplicates']:,} duplicates), "
                   f"{st['bases']:,} bases, lengths {st['min_length']}..{st['max_length']}, "
                   f"file {fmt_bytes(st['file_bytes'])} in {imp['requests']} request(s)")
        out.append("")
        out.append(f"Import: {imp['wall_s']:.2f} s wall, {imp['seq_per_s']:,.0f} sequences/s, "
                   f"{imp['bases_per_s'] / 1e6:,.2f} Mbases/s (format {imp['format']})")
        out.append("")
        an = d["analyze_state"]
        rows = []
        for kn, e in d["search"].items():
            im = d["immediate"][kn]
            se = e["runs"].get("1")
            rows.append([kn, fmt_lat(im, "50"), fmt_lat(im, "99"),
                         fmt_lat(se, "50") if se else "-",
                         fmt_lat(se, "99") if se else "-",
                         fmt_ratio(e["immediate_over_settled_p50"]),
                         "ok" if im["valid"] else "INVALID"])
        out.append("Searches right after the import (immediate: no VACUUM or ANALYZE of the "
                   "benchmark's own) vs. settled (after the benchmark's own VACUUM ANALYZE), "
                   "1 connection:" + ("\n" if markdown else ""))
        out.append(tab(["k", "immediate p50 ms", "immediate p99 ms", "settled p50 ms",
                        "settled p99 ms", "immediate/settled p50", "run"], rows))
        out.append("")
        out.append(f"Tables analyzed when the import returned: "
                   f"{', '.join(an['analyzed_by_the_import']) or 'neither'}; analyzed (by autovacuum) "
                   f"during the immediate searches: {', '.join(an['analyzed_during_immediate_searches']) or 'neither'}.")
        out.append("")
        out.append(f"Sizes after VACUUM ANALYZE: sequences {fmt_bytes(sz['sequences_total_bytes'])} "
                   f"(heap {fmt_bytes(sz['sequences_heap_bytes'])}, its indexes "
                   f"{fmt_bytes(sz['sequences_indexes_bytes'])}), seq_segments {fmt_bytes(sz['seq_segments_total_bytes'])} "
                   f"({sz['segment_rows']:,} rows); {sz['stored_bases']:,} stored bases: "
                   f"index {sz['index_bytes_per_base']:.2f} bytes/base, table "
                   f"{sz['table_bytes_per_base']:.2f} bytes/base, index/table {sz['index_table_ratio']:.2f}")
        out.append("")
        tiers = sz.get("tiers")
        if isinstance(tiers, list) and tiers:
            out.append("seq_segments per tier (key bit 62 set: a tier of m segments, m = key >> 57 & 31; "
                       "slot: the older fixed 12-base slot keys; bytes = the index's bytes shared "
                       "in proportion to rows):" + ("\n" if markdown else ""))
            out.append(tab(["tier", "rows", "rows/sequence", "share", "bytes", "bytes/base"],
                           [["slot" if t["tier"] == "slot" else f"m={t['tier']}", f"{t['rows']:,}",
                             f"{t['rows_per_sequence']:.2f}" if t["rows_per_sequence"] is not None else "-",
                             f"{t['share']:.1%}", fmt_bytes(t["bytes"]),
                             f"{t['bytes_per_base']:.2f}" if t["bytes_per_base"] is not None else "-"]
                            for t in tiers]))
        else:
            out.append(f"seq_segments per tier: {fmt_tiers(tiers)}")
        out.append("")
        rows = []
        for kn, e in d["search"].items():
            for c, r in e["runs"].items():
                rows.append([kn, f"{e['k_values'][0]}" if e["k_values"][0] == e["k_values"][1]
                             else f"{e['k_values'][0]}..{e['k_values'][1]}",
                             c, fmt_lat(r, "50"), fmt_lat(r, "99"),
                             f"{r['rps']:,.0f}", r["requests"] if "requests" in r else "-",
                             r["non2xx"], r["socket_errors"], "ok" if r["valid"] else "INVALID"])
        krows = []
        for kn, e in d["search"].items():
            r = e["runs"].get("1") or next(iter(e["runs"].values()))
            b = d["baseline"].get(kn)
            w = e.get("work")
            krows.append([kn, f"{e['k_values'][0]}" if e["k_values"][0] == e["k_values"][1]
                         else f"{e['k_values'][0]}..{e['k_values'][1]}",
                         fmt_lat(r, "50"), fmt_lat(r, "99"),
                         f"{e.get('too_broad', 0)}/{e.get('requests', 0)}",
                         f"{w['probes_mean']:,.0f}" if w else "n/a",
                         f"{w['candidates_mean']:,.0f}" if w else "n/a",
                         f"{w['candidates_p50']:,.0f}" if w else "n/a",
                         f"{w['candidates_max']:,}" if w else "n/a",
                         f"{w['scanned_mean']:,.0f}" if w else "n/a",
                         f"{b['baseline_p50_ms']:.1f}" if b else "-",
                         fmt_ratio(b["ratio"]) if b else "-"])
        out.append("Per k (settled, 1 connection; 422 = searches answered 422 query_too_broad of all "
                   "settled wrk requests; probes, candidates and scanned rows are the means per search "
                   "from the workers' log lines during the settled runs (cand. p50 and max cand.: "
                   "the median and the largest candidate count), n/a without --worker-log; "
                   "baseline = levenshtein_less_equal p50 on the sampled queries, speed-up = baseline "
                   "p50 / ours p50 on the same queries):" + ("\n" if markdown else ""))
        out.append(tab(["k", "k values", "p50 ms", "p99 ms", "422", "probes", "candidates",
                        "cand. p50", "max cand.", "scanned", "baseline p50 ms", "speed-up"], krows))
        out.append("")
        out.append(("Settled: search through the stack (wrk, limit=50):" if not markdown else
                    "Settled: search through the stack (wrk, limit=50):\n"))
        out.append(tab(["k", "k values", "conns", "p50 ms", "p99 ms", "req/s", "requests",
                        "non-2xx", "sock err", "run"], rows))
        out.append("")
        if d["baseline"]:
            rows = []
            for kn, b in d["baseline"].items():
                rows.append([kn, b["queries"], f"{b['baseline_p50_ms']:.1f}",
                             f"{b['ours_p50_ms']:.3f}" if b["ours_p50_ms"] is not None else "-",
                             fmt_ratio(b["ratio"]), f"{b['mean_results']:.1f}",
                             b.get("too_broad", 0), b["crosscheck"]])
            out.append("Baseline: fuzzystrmatch levenshtein_less_equal full scan (psql \\timing) vs. the "
                       "same queries through the stack (http.client, sequential, whole result set with "
                       "limit=1000 and next_cursor); cross-check of ids, distances and order:"
                       + ("\n" if markdown else ""))
            out.append(tab(["k", "queries", "baseline p50 ms", "ours p50 ms", "speed-up",
                            "matches/query", "422", "cross-check"], rows))
        else:
            out.append(f"Baseline: {d.get('baseline_note', 'not run')}; no cross-check for this dataset.")

    h("Targets (issue 10, then the earlier issues')")
    if cfg.get("before"):
        out.append(f"Import rates compared with {cfg['before']} (--before).")
        out.append("")
    rows = [[t.get("issue", ""), t["target"], t["measured"], t["status"]] for t in report["targets"]]
    out.append(tab(["issue", "target", "measured", "status"], rows, align=["<", "<", ">", "<"]))
    if report.get("tenm"):
        out.append("")
        out.extend(report["tenm"])

    h("Verdict")
    out.append(report["verdict"])
    return "\n".join(out) + "\n"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = dt.datetime.now(dt.timezone.utc)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    try:
        if shutil.which("wrk") is None:
            raise BenchError("wrk not found: install it (apt-get install -y wrk; "
                             "deploy/stack bench installs it)")
        if not os.path.exists(LUA):
            raise BenchError(f"{LUA} is missing")
        if not os.path.isabs(args.out):
            args.out = os.path.abspath(args.out)
        os.makedirs(args.out, exist_ok=True)
        tmpdir = os.path.join(args.out, "tmp", stamp)
        os.makedirs(tmpdir, exist_ok=True)
        before = None
        if args.before:
            try:
                with open(args.before) as f:
                    before = json.load(f)
            except (OSError, ValueError) as e:
                raise BenchError(f"--before: {e}")
        web = Http(args.base_url, args.read_token, args.token)
        psql = Psql(args.psql, args.as_user)
        args.psql_obj = psql
        step(f"checking the stack at {args.base_url}, the tokens and the database")
        web.wait_health()
        search_auth = web.check_tokens()
        try:
            psql.value("SELECT 1")
        except BenchError as e:
            raise BenchError(f"cannot run psql against the stack's database: {e}")
        if psql.value("SELECT to_regclass('seq_segments') IS NOT NULL") != "t":
            raise BenchError("the database has no seq_segments table: not a migrated dnadb database?")
        if not psql.value("SELECT 1 FROM pg_available_extensions WHERE name = 'fuzzystrmatch'") \
                and args.baseline_queries:
            raise BenchError("the fuzzystrmatch extension is not available "
                             "(Debian: postgresql-contrib); or use --baseline-queries 0")
        # the biggest file is long: size/10 rows of ~3,000 bases
        need = max(dataset_rows(n, args.size) * (3001 if n == "long" else 117)
                   for n in args.datasets)
        free = shutil.disk_usage(tmpdir).free
        if free < need * 1.2:
            log(f"warning: {fmt_bytes(free)} free under {tmpdir}, a dataset file needs about "
                f"{fmt_bytes(need)} (and PostgreSQL several times that)")
        machine = machine_info(psql)
        log(f"    {machine['nproc']} CPUs, {machine['memory']}, {machine['cpu']}")
        log(f"    {machine['postgresql']}")

        report = {
            "started_utc": started.strftime("%Y-%m-%d %H:%M:%SZ"),
            "machine": machine,
            "config": {"size": args.size, "size_label": size_label(args.size, args.tiny),
                       "tiny": args.tiny, "seed": args.seed,
                       "duration": args.duration, "immediate_duration": args.immediate_duration,
                       "connections": args.connections, "search_auth": search_auth,
                       "workers": int(os.environ.get("DNADB_WORKERS", "4") or 4),
                       "limit_search_rps": os.environ.get("DNADB_LIMIT_SEARCH_RPS", "conf"),
                       "datasets": args.datasets,
                       "ks": {name: dataset_ks(args, name) for name in args.datasets},
                       "worker_log": args.worker_log, "before": args.before,
                       "queries_per_k": args.queries_per_k,
                       "baseline_queries": args.baseline_queries,
                       "long_exact_fraction": args.long_exact_fraction,
                       "clustered_lengths": args.clustered_lengths, "format": args.format,
                       "base_url": args.base_url, "server_max_distance": SERVER_MAX_DISTANCE},
        }
        report["floor"] = run_floor(args, args.base_url, tmpdir)
        report["datasets"] = []
        for name in args.datasets:
            report["datasets"].append(run_dataset(args, name, web, psql, tmpdir, args.base_url))
        if not args.keep_tmp:
            try:
                os.rmdir(tmpdir)
                os.rmdir(os.path.join(args.out, "tmp"))
            except OSError:
                pass
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr, flush=True)
        return EXIT_ENV
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr, flush=True)
        return 130

    report["targets"] = targets(report, before)
    report["tenm"] = tenm_note(report, args.out)
    mismatch = any(b["crosscheck"] != "ok" for d in report["datasets"] for b in d["baseline"].values())
    invalid = [f"{d['name']} k={kn} c={c}" for d in report["datasets"]
               for kn, e in d["search"].items() for c, r in e["runs"].items() if not r["valid"]]
    invalid += [f"{d['name']} k={kn} immediate" for d in report["datasets"]
                for kn, r in d["immediate"].items() if not r["valid"]]
    invalid += [f"health c={c}" for c, r in report["floor"].items() if not r["valid"]]
    checked = sum(b["queries"] - b.get("too_broad", 0)
                  for d in report["datasets"] for b in d["baseline"].values())
    broad = [f"{d['name']} k={kn}: {e['too_broad']} of {e['requests']}"
             for d in report["datasets"] for kn, e in d["search"].items() if e.get("too_broad")]
    verdict = []
    if mismatch:
        verdict.append("FAILED: the cross-check found differences between dnadb and the baseline "
                       "(see above and the JSON report).")
    elif checked:
        verdict.append(f"Cross-check: ok ({checked} sampled queries, identical ids, distances and order).")
    else:
        verdict.append("Cross-check: not run.")
    if invalid:
        verdict.append("INVALID runs (non-2xx responses other than 422 query_too_broad, socket "
                       "errors, or no request completed within the run): " + ", ".join(invalid) + ".")
    else:
        verdict.append("All wrk runs valid (no non-2xx responses other than 422 query_too_broad, "
                       "no socket errors).")
    if broad:
        verdict.append("Searches answered 422 query_too_broad (settled runs): " + "; ".join(broad) + ".")
    report["verdict"] = " ".join(verdict)
    report["finished_utc"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    report["result"] = "mismatch" if mismatch else ("invalid" if invalid else "ok")

    text = render(report, markdown=False)
    log("")
    log(text)
    md = os.path.join(args.out, f"{stamp}.md")
    js = os.path.join(args.out, f"{stamp}.json")
    with open(md, "w") as f:
        f.write(render(report, markdown=True))
    with open(js, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    log(f"report: {md}\n        {js}")
    if mismatch:
        return EXIT_MISMATCH
    if invalid:
        return EXIT_INVALID
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
