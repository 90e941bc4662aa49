#!/usr/bin/env python3
"""Black-box HTTP tests for the dnadb API (docs/api.md is the contract).

    python3 t/http/test_api.py --base-url http://127.0.0.1:18080 --oracle t/oracle \
        [--seed 12345] [--only NAME_SUBSTRING]
    python3 t/http/test_api.py --self-test      # offline checks of the helpers

Standard library only.  The suite expects a fresh, throwaway database: every
row it stores is recorded in a registry (POST /api/sequences answering 201, or
409 for a sequence it sent), and the oracle test compares search results with
t/oracle run over that registry.  Rows that the API returns but this run did
not store are fetched and added, so a re-run against an old database still
checks everything the server returns; it cannot notice foreign rows the server
fails to return.
"""

import argparse
import datetime
import gzip
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

ALPHABET = "ACGT"
MAX_SEQUENCE_LENGTH = 1_000_000      # default max_sequence_length
MAX_BODY_BYTES = 1 << 20             # default max_body_bytes
MAX_DISTANCE_CAP = 64                # default max_distance cap
MAX_LIMIT = 1000
DEFAULT_LIMIT = 50

RID_RE = re.compile(r"^[0-9a-fA-F]+$")
CREATED_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$")
SEQ_RE = re.compile(r"^[ACGTacgt]+$")


# --------------------------------------------------------------------------
# failures and responses

class Fail(Exception):
    """A test assertion failed; resp (optional) is the offending response,
    False when no single response is to blame (nothing is printed)."""

    def __init__(self, msg, resp=None):
        super().__init__(msg)
        self.resp = resp


def check(cond, msg, resp=None):
    if not cond:
        raise Fail(msg, resp)


def short(s, n=80):
    s = str(s)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


_UNSET = object()


class Response:
    def __init__(self, method, path, status, reason, headers, body):
        self.method = method
        self.path = path
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes
        self._json = _UNSET

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def request_id(self):
        return self.header("X-Request-Id")

    @property
    def json(self):
        if self._json is _UNSET:
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise Fail("response body is not JSON (%s)" % e, self)
        return self._json

    def describe(self, limit=500):
        text = self.body.decode("utf-8", "replace")
        if len(text) > limit:
            text = text[:limit] + "...(%d bytes)" % len(self.body)
        return ("%s %s -> %s %s\n     X-Request-Id: %s\n     body: %s"
                % (self.method, short(self.path), self.status, self.reason,
                   self.request_id, text))


# --------------------------------------------------------------------------
# HTTP client: one persistent connection, reconnect on error

RETRYABLE = (ConnectionError, http.client.CannotSendRequest,
             http.client.ResponseNotReady, http.client.BadStatusLine)


class Client:
    def __init__(self, ctx):
        self.ctx = ctx
        self.conn = None
        self.used = False       # the current connection has served a request

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None

    def connect(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                self.ctx.host, self.ctx.port, timeout=self.ctx.timeout)
            self.used = False
        if self.conn.sock is None:
            self.conn.connect()
            self.used = False

    def request(self, method, path, body=None, ctype=_UNSET, headers=None):
        """Send one request and run the checks every response must pass.

        body: dict/list (JSON-encoded), str (UTF-8) or bytes.  ctype defaults
        to application/json when there is a body; None sends no Content-Type.
        """
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":")).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        hdrs = dict(headers or {})
        # Every request carries the suite's write token unless the test
        # says otherwise (Authorization: None sends none).
        if "Authorization" not in hdrs and self.ctx.token:
            hdrs["Authorization"] = "Bearer " + self.ctx.token
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        if ctype is _UNSET:
            ctype = "application/json" if body is not None else None
        if ctype is not None:
            hdrs["Content-Type"] = ctype
        full = self.ctx.prefix + path
        for attempt in (0, 1):
            reused = False
            try:
                self.connect()
                reused = self.used
                self.conn.request(method, full, body=body, headers=hdrs)
                r = self.conn.getresponse()
                data = r.read()
                self.used = True
                if r.will_close:
                    self.close()
                break
            except RETRYABLE:
                self.close()
                # a kept-alive connection the server closed while idle: retry
                # once on a new one; an error on a new connection is real
                if attempt == 0 and reused:
                    continue
                raise
            except Exception:
                self.close()
                raise
        resp = Response(method, path, r.status, r.reason,
                        r.getheaders(), data)
        self.ctx.after_response(resp, body)
        return resp

    def get(self, path):
        return self.request("GET", path)

    def post(self, body, ctype=_UNSET, headers=None):
        return self.request("POST", "/api/sequences", body, ctype, headers)


def raw_exchange(ctx, data, method="POST", path="/api/sequences",
                 half_close=False, timeout=None):
    """Send raw bytes on a new connection, tolerating the server closing
    early (as nginx does for 413), then read one response.

    Returns (Response or None, note); None when the connection was closed or
    reset without a response.
    """
    s = socket.create_connection((ctx.host, ctx.port),
                                 timeout=timeout or ctx.timeout)
    note = ""
    try:
        try:
            view = memoryview(data)
            for i in range(0, len(view), 65536):
                s.sendall(view[i:i + 65536])
        except (BrokenPipeError, ConnectionResetError) as e:
            note = "send stopped early (%s)" % type(e).__name__
        if half_close:
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        r = http.client.HTTPResponse(s, method=method)
        try:
            r.begin()
            body = r.read()
        except (http.client.RemoteDisconnected, ConnectionResetError,
                http.client.IncompleteRead) as e:
            return None, (note + "; " if note else "") + \
                "no response (%s)" % type(e).__name__
        resp = Response(method, path, r.status, r.reason, r.getheaders(), body)
        ctx.after_response(resp, None)
        return resp, note
    finally:
        s.close()


def raw_post(ctx, body, ctype="application/json", content_length=None,
             half_close=False, timeout=None, path="/api/sequences"):
    head = ["POST %s%s HTTP/1.1" % (ctx.prefix, path),
            "Host: %s:%d" % (ctx.host, ctx.port),
            "Content-Length: %d" % (len(body) if content_length is None
                                    else content_length),
            "Connection: close"]
    if ctx.token:
        head.append("Authorization: Bearer " + ctx.token)
    if ctype:
        head.append("Content-Type: " + ctype)
    data = ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body
    return raw_exchange(ctx, data, half_close=half_close, timeout=timeout,
                        path=path)


# --------------------------------------------------------------------------
# context shared by the tests

class Ctx:
    def __init__(self, base_url, oracle, seed, timeout):
        u = urllib.parse.urlsplit(base_url)
        if u.scheme != "http" or not u.hostname:
            raise SystemExit("--base-url must look like http://HOST:PORT")
        self.host = u.hostname
        self.port = u.port or 80
        self.prefix = u.path.rstrip("/")
        self.oracle = oracle
        self.seed = seed
        self.timeout = timeout
        self.lock = threading.Lock()
        self.registry = {}          # id -> upper-case sequence
        self.by_seq = {}            # upper-case sequence -> id
        self.foreign = set()        # ids seen in results but not stored by us
        self.fresh_db = False       # --fresh-db: foreign ids are a failure
        self.imported = set()       # sequences stored by imports (no ids)
        self.import_limit = 0       # --import-limit: the server's import cap
        self.scale_factor = 1.0     # --scale: size of the at-scale test
        self.state = {}             # fixtures shared between tests
        self.last_response = None
        self.rng = random.Random(seed)
        self.token = ""             # --token: the suite's write token
        self.tokens = {}            # scope/kind -> token for the auth tests
        self.public_read = False    # --public-read: the server's setting
        self.supervisor = 0         # --supervisor-pid: the workers' parent
        self.client = Client(self)

    def begin_test(self, name):
        self.rng = random.Random("%s/%s" % (self.seed, name))
        self.last_response = None

    # every response from every client passes through here
    def after_response(self, resp, sent_body):
        self.last_response = resp
        rid = resp.request_id
        check(rid is not None and rid != "",
              "response has no X-Request-Id header", resp)
        check(RID_RE.match(rid) is not None,
              "X-Request-Id %r is not hex" % rid, resp)
        if resp.path.startswith("/api") and resp.status != 204:
            # the same for the workers' answers and nginx's own errors
            ct = resp.header("Content-Type") or ""
            check(ct.lower() == "application/json; charset=utf-8",
                  "Content-Type is %r, not application/json; charset=utf-8"
                  % ct, resp)
        if resp.method == "POST" and resp.path == "/api/sequences":
            if resp.status == 201:
                b = resp.json
                check(isinstance(b, dict) and is_int(b.get("id"))
                      and isinstance(b.get("sequence"), str),
                      "201 body lacks integer id / string sequence", resp)
                self.register(b["id"], b["sequence"], resp)
            elif resp.status == 409 and sent_body:
                try:
                    sent = json.loads(sent_body.decode("utf-8"))
                    seq = sent.get("sequence")
                except (ValueError, UnicodeDecodeError, AttributeError):
                    seq = None
                b = resp.json
                e = b.get("error") if isinstance(b, dict) else None
                eid = e.get("id") if isinstance(e, dict) else None
                if isinstance(seq, str) and SEQ_RE.match(seq) and is_int(eid):
                    self.register(eid, seq.upper(), resp)

    def register(self, id_, seq, resp=None):
        with self.lock:
            old = self.registry.get(id_)
            check(old is None or old == seq,
                  "id %d given for two different sequences (%s / %s)"
                  % (id_, short(old, 40), short(seq, 40)), resp)
            oid = self.by_seq.get(seq)
            check(oid is None or oid == id_,
                  "sequence %s stored under two ids %d and %d"
                  % (short(seq, 40), oid or 0, id_), resp)
            self.registry[id_] = seq
            self.by_seq[seq] = id_

    def unregister(self, id_):
        """A sequence this run deleted: the oracle must not expect it."""
        with self.lock:
            seq = self.registry.pop(id_, None)
            if seq is not None and self.by_seq.get(seq) == id_:
                del self.by_seq[seq]

    # helpers used by many tests
    def scale(self, n):
        """n scaled by --scale (at least 1)."""
        return max(1, int(n * self.scale_factor))

    def uniq(self, n=32, rng=None):
        return rand_seq(rng or self.rng, n)

    def get(self, path):
        return self.client.get(path)

    def post(self, body, ctype=_UNSET, headers=None):
        return self.client.post(body, ctype, headers)

    def add(self, seq, client=None):
        """POST a sequence that must be new; return the 201 body."""
        r = (client or self.client).post({"sequence": seq})
        expect_status(r, 201)
        return r.json

    def search(self, params, client=None):
        """params: list of (name, value); values are percent-encoded."""
        qs = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        return (client or self.client).get("/api/search?" + qs)

    def expected_matches(self, q, k):
        """Python reference over the registry: sorted [(id, distance)]."""
        q = q.upper()
        with self.lock:
            rows = list(self.registry.items())
        out = []
        for id_, s in rows:
            if abs(len(s) - len(q)) <= k:
                d = lev_bounded(q, s, k)
                if d <= k:
                    out.append((id_, d))
        out.sort(key=lambda t: (t[1], t[0]))
        return out


def expect_status(resp, status):
    check(resp.status == status,
          "expected status %d, got %d" % (status, resp.status), resp)


ABSENT = object()   # detail must not be present
ANY = object()      # detail must be present, any value


def expect_error(resp, status, code, **details):
    """Check the error envelope; details: name=value, ABSENT or ANY."""
    expect_status(resp, status)
    b = resp.json
    check(isinstance(b, dict) and isinstance(b.get("error"), dict),
          "error body is not {\"error\": {...}}", resp)
    e = b["error"]
    check(e.get("code") == code,
          "expected error code %r, got %r" % (code, e.get("code")), resp)
    check(isinstance(e.get("message"), str) and e["message"] != "",
          "error.message missing or empty", resp)
    for name, want in details.items():
        if want is ABSENT:
            check(name not in e, "error.%s should be absent, is %r"
                  % (name, e.get(name)), resp)
        elif want is ANY:
            check(name in e, "error.%s missing" % name, resp)
        else:
            got = e.get(name, ABSENT)
            check(got is not ABSENT, "error.%s missing (want %r)"
                  % (name, want), resp)
            check(got == want and type(got) is type(want),
                  "error.%s is %r, want %r" % (name, got, want), resp)
    return e


URI_HINT = ("docs/api.md lets q hold up to max_sequence_length bases and "
            "answers 414 only above about 2 MB; is nginx's "
            "large_client_header_buffers too small?")


def check_not_414(resp):
    check(resp.status != 414, "414 for a %d-byte request line: %s"
          % (len(resp.path), URI_HINT), resp)


def check_record(resp, body, seq):
    """A 200/201 sequence record for the (upper-cased) sequence seq."""
    check(isinstance(body, dict), "record is not an object", resp)
    for k in ("id", "sequence", "length", "created_at"):
        check(k in body, "record lacks %r" % k, resp)
    check(is_int(body["id"]) and body["id"] > 0,
          "id %r is not a positive integer" % body["id"], resp)
    check(body["sequence"] == seq,
          "sequence %s is not the upper-cased input %s"
          % (short(body["sequence"], 40), short(seq, 40)), resp)
    check(is_int(body["length"]) and body["length"] == len(seq),
          "length %r != %d" % (body["length"], len(seq)), resp)
    ca = body["created_at"]
    m = CREATED_RE.match(ca) if isinstance(ca, str) else None
    check(m is not None,
          "created_at %r is not RFC 3339 UTC ending in Z" % (ca,), resp)
    try:
        datetime.datetime(*(int(m.group(i)) for i in range(1, 7)))
    except ValueError as e:
        raise Fail("created_at %r is not a valid date-time (%s)" % (ca, e),
                   resp)


# --------------------------------------------------------------------------
# sequences, edits and Levenshtein distance

def rand_seq(rng, n):
    return "".join(rng.choices(ALPHABET, k=n))


def mutate(rng, s, edits):
    """Apply `edits` random substitutions/insertions/deletions (never leaves
    the string empty).  The result is within distance `edits` of s."""
    s = list(s)
    for _ in range(edits):
        op = rng.choice("sid")
        if op == "d" and len(s) <= 1:
            op = rng.choice("si")
        if op == "s" and not s:
            op = "i"
        if op == "s":
            p = rng.randrange(len(s))
            s[p] = rng.choice([c for c in ALPHABET if c != s[p]])
        elif op == "i":
            s.insert(rng.randrange(len(s) + 1), rng.choice(ALPHABET))
        else:
            del s[rng.randrange(len(s))]
    return "".join(s)


def lev_bounded(a, b, k):
    """Levenshtein distance of a and b if it is <= k, else k + 1.

    Banded DP: row i keeps only columns j = i-k .. i+k, at index t = j-i+k.
    """
    n, m = len(a), len(b)
    big = k + 1
    if abs(n - m) > k:
        return big
    w = 2 * k + 1
    prev = [big] * (w + 1)          # slot w stays big: right of the band
    for t in range(w):
        if 0 <= t - k <= m:
            prev[t] = t - k
    for i in range(1, n + 1):
        cur = [big] * (w + 1)
        ai = a[i - 1]
        base = i - k
        rowmin = big
        for t in range(max(0, -base), min(w, m - base + 1)):
            j = base + t
            if j == 0:
                v = i                   # j >= i - k here, so i <= k
            else:
                v = prev[t] + (ai != b[j - 1])      # diagonal (i-1, j-1)
                u = prev[t + 1] + 1                 # up (i-1, j)
                if u < v:
                    v = u
                if t:
                    u = cur[t - 1] + 1              # left (i, j-1)
                    if u < v:
                        v = u
                if v > big:
                    v = big
            cur[t] = v
            if v < rowmin:
                rowmin = v
        if rowmin >= big:
            return big
        prev = cur
    return min(prev[m - n + k], big)


def lev_full(a, b):
    """Plain O(nm) Levenshtein, for the self-test."""
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] != b[j - 1]))
        prev = cur
    return prev[len(b)]


def founder_length(rng):
    r = rng.random()
    if r < 0.30:
        return rng.randint(1, 10)
    if r < 0.45:
        return rng.choice((63, 64, 65, 66, 127, 128, 129, 130))
    return rng.randint(11, 200)


def parse_oracle_output(text, nqueries):
    if not text.endswith("\n"):
        text += "\n"           # tolerate a missing final newline
    lines = text.split("\n")[:-1]
    if len(lines) != nqueries:
        raise Fail("oracle printed %d lines for %d queries"
                   % (len(lines), nqueries))
    out = []
    for n, line in enumerate(lines, 1):
        pairs = []
        for tok in line.split():
            i, sep, d = tok.partition(":")
            if not sep or not i.isdigit() or not d.isdigit():
                raise Fail("oracle line %d: bad token %r" % (n, tok))
            pairs.append((int(i), int(d)))
        if pairs != sorted(pairs, key=lambda t: (t[1], t[0])):
            raise Fail("oracle line %d is not sorted by (distance, id)" % n)
        out.append(pairs)
    return out


# --------------------------------------------------------------------------
# search helpers

def check_search_body(resp, q, k, limit):
    b = resp.json
    check(isinstance(b, dict), "search body is not an object", resp)
    for key in ("query", "max_distance", "limit", "results", "next_cursor"):
        check(key in b, "search body lacks %r" % key, resp)
    check(isinstance(b["query"], str) and b["query"].upper() == q.upper(),
          "query echo %s != %s" % (short(b["query"], 40), short(q, 40)), resp)
    check(b["max_distance"] == k and is_int(b["max_distance"]),
          "max_distance echo %r != %d" % (b["max_distance"], k), resp)
    check(b["limit"] == limit and is_int(b["limit"]),
          "limit echo %r != %d" % (b["limit"], limit), resp)
    res = b["results"]
    check(isinstance(res, list), "results is not an array", resp)
    check(len(res) <= limit, "page has %d results, limit %d"
          % (len(res), limit), resp)
    nc = b["next_cursor"]
    check(nc is None or (isinstance(nc, str) and nc != ""),
          "next_cursor %r is neither null nor a non-empty string" % (nc,),
          resp)
    keys = []
    for x in res:
        check(isinstance(x, dict), "result is not an object", resp)
        for f in ("id", "sequence", "length", "distance"):
            check(f in x, "result lacks %r" % f, resp)
        check(is_int(x["id"]) and x["id"] > 0, "bad result id %r"
              % x["id"], resp)
        check(isinstance(x["sequence"], str), "result sequence not str", resp)
        check(is_int(x["length"]) and x["length"] == len(x["sequence"]),
              "result %d: length %r != len(sequence) %d"
              % (x["id"], x["length"], len(x["sequence"])), resp)
        check(is_int(x["distance"]) and 0 <= x["distance"] <= k,
              "result %d: distance %r outside 0..%d"
              % (x["id"], x["distance"], k), resp)
        keys.append((x["distance"], x["id"]))
    check(keys == sorted(keys), "page not ordered by (distance, id)", resp)
    return b


def search_all(ctx, q, k, limit, client=None, between_pages=None,
               max_pages=100000, rids=None, post=False):
    """Follow next_cursor to the end; return (results, pages).  The
    X-Request-Id of every page is appended to rids when given.  With
    post, the pages are asked for with POST /api/search (JSON bodies: for
    queries too long for a URL)."""
    results, pages, cursor = [], 0, None
    while True:
        if post:
            body = {"q": q, "max_distance": k, "limit": limit}
            if cursor is not None:
                body["cursor"] = cursor
            r = search_post(ctx, body)
        else:
            params = [("q", q), ("max_distance", str(k)),
                      ("limit", str(limit))]
            if cursor is not None:
                params.append(("cursor", cursor))
            r = ctx.search(params, client)
        if rids is not None:
            rids.append(r.request_id)
        expect_status(r, 200)
        b = check_search_body(r, q, k, limit)
        pages += 1
        if results and b["results"]:
            a, z = results[-1], b["results"][0]
            check((a["distance"], a["id"]) < (z["distance"], z["id"]),
                  "page %d starts at (%d, %d), not after (%d, %d)"
                  % (pages, z["distance"], z["id"], a["distance"], a["id"]),
                  r)
        results.extend(b["results"])
        cursor = b["next_cursor"]
        if cursor is None:
            return results, pages
        check(b["results"], "empty page with a non-null next_cursor", r)
        check(pages < max_pages, "more than %d pages" % max_pages, r)
        if between_pages:
            between_pages(pages)


def run_threads(fns):
    """Run callables in threads; re-raise the first exception."""
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:      # noqa: B902 - reported below
                errors.append(e)
        return run

    ts = [threading.Thread(target=wrap(f)) for f in fns]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


# --------------------------------------------------------------------------
# tests (registered in order)

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def test_health_ok(ctx):
    r = ctx.get("/api/health")
    expect_status(r, 200)
    check(r.json == {"status": "ok"}, "body is not {\"status\": \"ok\"}", r)


@test
def test_add_returns_201_record_and_location(ctx):
    seq = ctx.uniq(40)
    r = ctx.post({"sequence": seq})
    expect_status(r, 201)
    b = r.json
    check_record(r, b, seq)
    loc = r.header("Location")
    check(loc == "/api/sequences/%d" % b["id"],
          "Location %r != /api/sequences/%d" % (loc, b["id"]), r)
    g = ctx.get("/api/sequences/%d" % b["id"])
    expect_status(g, 200)
    check(g.json == b, "GET body %s differs from POST body %s"
          % (short(g.json, 200), short(b, 200)), g)


@test
def test_add_folds_case_to_upper(ctx):
    seq = ctx.uniq(30)
    mixed = "".join(c.lower() if ctx.rng.random() < 0.5 else c for c in seq)
    mixed = mixed[:1].lower() + mixed[1:2].upper() + mixed[2:]
    r = ctx.post({"sequence": seq.lower()})
    expect_status(r, 201)
    check_record(r, r.json, seq)
    id_ = r.json["id"]
    g = ctx.get("/api/sequences/%d" % id_)
    expect_status(g, 200)
    check(g.json["sequence"] == seq, "stored sequence not upper-case", g)
    for variant in (seq, seq.lower(), mixed):
        d = ctx.post({"sequence": variant})
        expect_error(d, 409, "duplicate", id=id_)
    seq2 = ctx.uniq(30)
    mixed2 = "".join(c.lower() if i % 2 else c for i, c in enumerate(seq2))
    r2 = ctx.post({"sequence": mixed2})
    expect_status(r2, 201)
    check_record(r2, r2.json, seq2)


@test
def test_add_duplicate_409_with_id(ctx):
    seq = ctx.uniq(36)
    first = ctx.add(seq)
    r = ctx.post({"sequence": seq})
    expect_error(r, 409, "duplicate", id=first["id"])
    r = ctx.post({"sequence": seq})
    expect_error(r, 409, "duplicate", id=first["id"])


def _concurrent_round(ctx, seq, nthreads):
    clients = [Client(ctx) for _ in range(nthreads)]
    for c in clients:
        c.connect()
    barrier = threading.Barrier(nthreads, timeout=ctx.timeout)
    out = [None] * nthreads

    def worker(i):
        def run():
            barrier.wait()
            out[i] = clients[i].post({"sequence": seq})
        return run

    try:
        run_threads([worker(i) for i in range(nthreads)])
    finally:
        for c in clients:
            c.close()
    created = [r for r in out if r.status == 201]
    dups = [r for r in out if r.status == 409]
    statuses = sorted(r.status for r in out)
    check(len(created) == 1 and len(dups) == nthreads - 1,
          "%d concurrent POSTs gave statuses %s, want one 201 and the rest 409"
          % (nthreads, statuses), (created or out)[0])
    id_ = created[0].json["id"]
    check_record(created[0], created[0].json, seq)
    for d in dups:
        expect_error(d, 409, "duplicate", id=id_)
    return id_


@test
def test_concurrent_identical_posts_one_201_one_409(ctx):
    for _ in range(20):
        _concurrent_round(ctx, ctx.uniq(32), 2)
    return "20 rounds"


@test
def test_concurrent_identical_posts_eight_way(ctx):
    for _ in range(5):
        id_ = _concurrent_round(ctx, ctx.uniq(32), 8)
        g = ctx.get("/api/sequences/%d" % id_)
        expect_status(g, 200)
    return "5 rounds x 8 threads"


@test
def test_add_accepts_json_with_charset(ctx):
    seq = ctx.uniq(30)
    r = ctx.post({"sequence": seq}, ctype="application/json; charset=utf-8")
    expect_status(r, 201)
    check_record(r, r.json, seq)


@test
def test_add_accepts_whitespace_and_escapes(ctx):
    seq = ctx.uniq(30)
    body = ' \n\t{ "sequence" :\r\n "%s" } \n ' % seq
    r = ctx.post(body.encode())
    expect_status(r, 201)
    check_record(r, r.json, seq)
    # \u escapes of letters decode to the letters
    seq2 = ctx.uniq(30)
    esc = "\\u%04x\\u%04X" % (ord(seq2[0].lower()), ord(seq2[1]))
    r = ctx.post(('{"sequence":"%s%s"}' % (esc, seq2[2:])).encode())
    expect_status(r, 201)
    check_record(r, r.json, seq2)


@test
def test_invalid_json_400(ctx):
    seq = ctx.uniq(24)
    cases = [
        ("malformed, unclosed object", b'{"sequence": "ACGT"'),
        ("malformed, unquoted key", b'{sequence: "ACGT"}'),
        ("malformed, single quotes", b"{'sequence': 'ACGT'}"),
        ("malformed, trailing comma", b'{"sequence": "ACGT",}'),
        ("malformed, unterminated string", b'{"sequence": "ACGT}'),
        ("malformed, bad escape", b'{"sequence": "AC\\qGT"}'),
        ("trailing garbage", ('{"sequence": "%s"} x' % seq).encode()),
        ("two objects", ('{"sequence": "%s"}{}' % seq).encode()),
        ("not an object: array", ('["%s"]' % seq).encode()),
        ("not an object: string", ('"%s"' % seq).encode()),
        ("not an object: number", b"42"),
        ("not an object: null", b"null"),
        ("not an object: true", b"true"),
        ("nested deeper than 8", b'{"sequence": ' + b"[" * 20 + b"]" * 20
         + b"}"),
        ("nested far deeper than 8", b"[" * 100000 + b"]" * 100000),
        ("empty body", b""),
        ("whitespace only", b"  \n "),
        ("invalid UTF-8 byte 0xff in string", b'{"sequence": "AC\xffGT"}'),
        ("truncated UTF-8 sequence in string", b'{"sequence": "ACG\xc3"}'),
        ("overlong UTF-8 encoding in string", b'{"sequence": "AC\xc1\x81"}'),
        ("raw control character in string", b'{"sequence": "AC\x01GT"}'),
    ]
    for what, body in cases:
        r = ctx.post(body)
        try:
            e = expect_error(r, 400, "invalid_json")
            if "offset" in e:
                check(is_int(e["offset"]) and 0 <= e["offset"] <= len(body),
                      "offset %r outside 0..%d" % (e["offset"], len(body)), r)
        except Fail as f:
            raise Fail("%s: %s" % (what, f), f.resp)
    # the trailing-garbage request must not have stored anything
    r = ctx.post({"sequence": seq})
    expect_status(r, 201)
    return "%d bodies" % len(cases)


@test
def test_nesting_within_limit_is_not_invalid_json(ctx):
    # an object holding 7 nested arrays is at most 8 deep however counted
    r = ctx.post(b'{"sequence": ' + b"[" * 7 + b"]" * 7 + b"}")
    expect_error(r, 400, "invalid_sequence", field="sequence",
                 position=ABSENT)


@test
def test_missing_field_400(ctx):
    r = ctx.post({})
    expect_error(r, 400, "missing_field", field="sequence")


@test
def test_unknown_field_400(ctx):
    seq = ctx.uniq(30)
    r = ctx.post({"sequence": seq, "other": 1})
    expect_error(r, 400, "unknown_field", field="other")
    r = ctx.post({"Sequence": seq.lower(), "sequence": seq})
    expect_error(r, 400, "unknown_field", field="Sequence")
    r = ctx.post({"id": 5, "sequence": seq})
    expect_error(r, 400, "unknown_field", field="id")
    # nothing was stored by the rejected requests
    r = ctx.post({"sequence": seq})
    expect_status(r, 201)


@test
def test_invalid_sequence_400(ctx):
    cases = [
        ('"ACGN"', 4),
        ('"acgn"', 4),
        ('"AC GT"', 3),
        ('"NACGT"', 1),
        ('"ACGTU"', 5),
        ('"AC\\u0000GT"', 3),
        ('"ACG\\nT"', 4),
        ('"\\u0041\\u0043N"', 3),
        ('"ACG\\u00e9"', 4),
        ('"ACG\u00e9"', 4),            # raw UTF-8 é
        ('""', ABSENT),
        ("123", ABSENT),
        ("null", ABSENT),
        ("true", ABSENT),
        ('["ACGT"]', ABSENT),
        ('{"s": "ACGT"}', ABSENT),
    ]
    for value, pos in cases:
        body = ('{"sequence": %s}' % value).encode("utf-8")
        r = ctx.post(body)
        try:
            expect_error(r, 400, "invalid_sequence", field="sequence",
                         position=pos)
        except Fail as f:
            raise Fail("sequence %s: %s" % (value, f), f.resp)
    return "%d values" % len(cases)


@test
def test_sequence_too_long_400(ctx):
    seq = rand_seq(ctx.rng, MAX_SEQUENCE_LENGTH + 1)
    body = ('{"sequence":"%s"}' % seq).encode()
    check(len(body) < MAX_BODY_BYTES, "test premise: body under 1 MiB")
    r = ctx.post(body)
    expect_error(r, 400, "sequence_too_long", field="sequence",
                 length=MAX_SEQUENCE_LENGTH + 1,
                 max_length=MAX_SEQUENCE_LENGTH)


def fixture(ctx, name, build):
    """Build a shared fixture once per run; a failed build is not retried
    (later users fail with the original reason instead of cascading)."""
    st = ctx.state.get(name)
    if st is None:
        try:
            st = build()
        except Fail as e:
            st = e
        ctx.state[name] = st
    if isinstance(st, Fail):
        raise Fail("fixture %r failed: %s" % (name, st), st.resp)
    return st


def _million(ctx):
    """Store (once per run) a sequence of exactly max_sequence_length."""
    def build():
        rng = random.Random("%s/million" % ctx.seed)
        seq = rand_seq(rng, MAX_SEQUENCE_LENGTH)
        r = ctx.post({"sequence": seq})
        expect_status(r, 201)
        check_record(r, r.json, seq)
        return (r.json, seq)
    return fixture(ctx, "million", build)


@test
def test_sequence_of_max_length_accepted(ctx):
    rec, seq = _million(ctx)
    g = ctx.get("/api/sequences/%d" % rec["id"])
    expect_status(g, 200)
    check(g.json.get("length") == MAX_SEQUENCE_LENGTH,
          "length %r" % g.json.get("length"), g)
    check(g.json == rec, "GET body differs from POST body", g)


def search_post(ctx, body):
    """POST /api/search with a JSON body (dict, or raw bytes)."""
    if not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
    return ctx.client.request("POST", "/api/search", body,
                              ctype="application/json")


@test
def test_search_with_max_length_query_by_post(ctx):
    rec, seq = _million(ctx)
    r = search_post(ctx, {"q": seq.lower(), "max_distance": 0})
    expect_status(r, 200)
    b = check_search_body(r, seq, 0, DEFAULT_LIMIT)
    got = [(x["id"], x["distance"]) for x in b["results"]]
    check(got == [(rec["id"], 0)], "results %s, want [(%d, 0)]"
          % (short(got), rec["id"]), r)
    check(b["results"][0]["sequence"] == seq, "sequence differs", r)


@test
def test_search_query_too_long_400(ctx):
    q = rand_seq(ctx.rng, MAX_SEQUENCE_LENGTH + 1)
    r = search_post(ctx, {"q": q})
    expect_error(r, 400, "invalid_parameter", parameter="q")


@test
def test_search_get_long_query_within_uri_limit(ctx):
    # A request line is limited to 16 KiB: a GET query of 15,000 bases
    # goes through, one of 20,000 gets the JSON 414.
    q = rand_seq(ctx.rng, 15000)
    r = ctx.search([("q", q), ("max_distance", "3")])
    expect_status(r, 200)
    check_search_body(r, q, 3, DEFAULT_LIMIT)
    r = ctx.search([("q", rand_seq(ctx.rng, 20000))])
    expect_error(r, 414, "uri_too_long")


@test
def test_search_post_same_answer_as_get(ctx):
    core = ctx.uniq(40)
    for i in range(12):
        m = list(core)
        m[i] = "A" if m[i] != "A" else "C"
        ctx.post({"sequence": "".join(m)})
    got, _ = search_all(ctx, core, 2, 5)
    pages, cursor = [], None
    while True:
        body = {"q": core, "max_distance": 2, "limit": 5, "cursor": cursor}
        r = search_post(ctx, body)
        expect_status(r, 200)
        pages.extend((x["id"], x["distance"]) for x in r.json["results"])
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    want = [(x["id"], x["distance"]) for x in got]
    check(pages == want, "POST pages %s differ from GET pages %s"
          % (short(pages), short(want)), r)
    check(len(want) == 12, "expected 12 matches, got %d" % len(want), r)


@test
def test_search_post_errors(ctx):
    cases = [
        ({"q": 12}, 400, "invalid_parameter", "q"),
        ({"q": "ACGT", "max_distance": "2"}, 400, "invalid_parameter",
         "max_distance"),
        ({"q": "ACGT", "max_distance": 1.5}, 400, "invalid_parameter",
         "max_distance"),
        ({"q": "ACGT", "limit": 0}, 400, "invalid_parameter", "limit"),
        ({"q": "ACGT", "cursor": 5}, 400, "invalid_parameter", "cursor"),
        ({"q": "ACGN"}, 400, "invalid_parameter", "q"),
        ({"max_distance": 1}, 400, "invalid_parameter", "q"),
    ]
    for body, status, code, param in cases:
        r = search_post(ctx, body)
        try:
            expect_error(r, status, code, parameter=param)
        except Fail as f:
            raise Fail("%s: %s" % (body, f), f.resp)
    r = search_post(ctx, {"q": "ACGT", "k": 1})
    expect_error(r, 400, "unknown_field", field="k")
    r = search_post(ctx, b'{"q": "ACGT"')
    expect_error(r, 400, "invalid_json")
    r = ctx.client.request("POST", "/api/search", b'{"q": "ACGT"}',
                           ctype="text/plain")
    expect_error(r, 415, "unsupported_media_type")


@test
def test_body_too_large_413(ctx):
    seq = rand_seq(ctx.rng, MAX_BODY_BYTES * 3 // 2)
    body = ('{"sequence":"%s"}' % seq).encode()
    r, note = raw_post(ctx, body)
    check(r is not None, "no response to a 1.5 MiB body: " + note)
    expect_error(r, 413, "body_too_large", max_bytes=MAX_BODY_BYTES)
    return note


@test
def test_body_size_limit_is_inclusive(ctx):
    seq = ctx.uniq(32)
    body = ('{"sequence":"%s"}' % seq).encode()
    exact = body + b" " * (MAX_BODY_BYTES - len(body))
    r, note = raw_post(ctx, exact + b" ")
    check(r is not None, "no response to a 1 MiB + 1 byte body: " + note)
    expect_error(r, 413, "body_too_large", max_bytes=MAX_BODY_BYTES)
    r = ctx.post(exact)
    expect_status(r, 201)
    check_record(r, r.json, seq)


@test
def test_incomplete_body_400_or_dropped(ctx):
    body = b'{"sequence": "ACGT'
    r, note = raw_post(ctx, body, content_length=100, half_close=True,
                       timeout=15)
    if r is None:
        return "connection closed without a response (nginx drops it): " \
            + note
    expect_error(r, 400, "incomplete_body", expected_bytes=100,
                 received_bytes=len(body))
    return "worker answered incomplete_body"


@test
def test_uri_too_long_414(ctx):
    q = "A" * (4 << 20)
    data = ("GET %s/api/search?q=%s HTTP/1.1\r\nHost: %s:%d\r\n"
            "Authorization: Bearer %s\r\nConnection: close\r\n\r\n"
            % (ctx.prefix, q, ctx.host, ctx.port, ctx.token)).encode()
    r, note = raw_exchange(ctx, data, method="GET",
                           path="/api/search?q=AAAA...")
    check(r is not None, "no response to a 4 MB request line: " + note)
    expect_error(r, 414, "uri_too_long")


@test
def test_unsupported_media_type_415(ctx):
    seq = ctx.uniq(30)
    body = json.dumps({"sequence": seq}).encode()
    for ctype in ("text/plain", None, "application/x-www-form-urlencoded",
                  "application/jsonx", "text/json"):
        r = ctx.post(body, ctype=ctype)
        try:
            expect_error(r, 415, "unsupported_media_type")
        except Fail as f:
            raise Fail("Content-Type %r: %s" % (ctype, f), f.resp)
    r = ctx.post(body)
    expect_status(r, 201)


@test
def test_get_unknown_id_404(ctx):
    for id_ in ("999999999999", "9223372036854775807"):
        r = ctx.get("/api/sequences/" + id_)
        expect_error(r, 404, "not_found")


@test
def test_get_invalid_id_400(ctx):
    for id_ in ("abc", "0", "-1", "1x", "1.5", "1" * 30):
        r = ctx.get("/api/sequences/" + id_)
        try:
            expect_error(r, 400, "invalid_parameter", parameter="id")
        except Fail as f:
            raise Fail("id %r: %s" % (id_, f), f.resp)


@test
def test_unknown_path_404(ctx):
    for path in ("/api/nope", "/api/searchx", "/api/healthz"):
        r = ctx.get(path)
        expect_error(r, 404, "not_found")


@test
def test_wrong_method_405_with_allow(ctx):
    cases = [
        ("DELETE", "/api/health", None, "GET"),
        ("POST", "/api/health", {}, "GET"),
        ("PUT", "/api/sequences", {"sequence": "ACGT"}, "POST"),
        ("GET", "/api/sequences", None, "POST"),
        ("PUT", "/api/sequences/1", None, "DELETE"),
        ("POST", "/api/auth", {}, "GET"),
        ("PUT", "/api/search?q=ACGT", {}, "GET"),
    ]
    for method, path, body, must in cases:
        r = ctx.client.request(method, path, body)
        try:
            e = expect_error(r, 405, "method_not_allowed")
            allow = e.get("allow")
            check(isinstance(allow, list) and allow
                  and all(isinstance(m, str) for m in allow),
                  "error.allow %r is not a non-empty array of strings"
                  % (allow,), r)
            hdr = r.header("Allow")
            check(hdr is not None, "no Allow header", r)
            hset = {m.strip().upper() for m in hdr.split(",") if m.strip()}
            check(hset == {m.upper() for m in allow},
                  "Allow header %r differs from error.allow %r"
                  % (hdr, allow), r)
            check(must in hset and method not in hset,
                  "Allow %r should list %s and not %s"
                  % (hdr, must, method), r)
        except Fail as f:
            raise Fail("%s %s: %s" % (method, path, f), f.resp)


def _param_errors(ctx, cases, parameter):
    for qs, pos in cases:
        r = ctx.get("/api/search?" + qs)
        try:
            kw = {"parameter": parameter}
            if pos is not None:
                kw["position"] = pos
            expect_error(r, 400, "invalid_parameter", **kw)
        except Fail as f:
            raise Fail("?%s: %s" % (short(qs, 60), f), f.resp)
    return "%d queries" % len(cases)


@test
def test_search_missing_q_400(ctx):
    return _param_errors(ctx, [("", None), ("max_distance=1", None),
                               ("limit=5", None)], "q")


@test
def test_search_empty_q_400(ctx):
    return _param_errors(ctx, [("q=", None), ("q=&max_distance=1", None)],
                         "q")


@test
def test_search_bad_base_in_q_400(ctx):
    return _param_errors(ctx, [("q=ACGN", 4), ("q=acgn", 4),
                               ("q=AC%20GT", 3), ("q=NAC", 1),
                               ("q=ACG%00T", 4), ("q=ACG%C3%A9", 4)], "q")


@test
def test_search_bad_max_distance_400(ctx):
    vals = ["-1", "65", "abc", "1.5", "%201", "1%20", "%2B1", "", "1e1",
            "0x1", "99999999999999999999"]
    return _param_errors(ctx, [("q=ACGT&max_distance=" + v, None)
                               for v in vals], "max_distance")


@test
def test_search_bad_limit_400(ctx):
    vals = ["0", "1001", "x", "-5", "", "%2B5", "2.0",
            "99999999999999999999"]
    return _param_errors(ctx, [("q=ACGT&limit=" + v, None) for v in vals],
                         "limit")


@test
def test_search_bad_cursor_400(ctx):
    vals = ["garbage", "x", "AAAA", "%00", "eyJ4IjoxfQ", "-1", "A" * 500]
    return _param_errors(ctx, [("q=ACGT&cursor=" + v, None) for v in vals],
                         "cursor")


@test
def test_search_unknown_parameter_400(ctx):
    _param_errors(ctx, [("q=ACGT&foo=1", None), ("foo=1&q=ACGT", None)],
                  "foo")
    _param_errors(ctx, [("q=ACGT&Limit=5", None)], "Limit")


@test
def test_search_repeated_parameter_400(ctx):
    _param_errors(ctx, [("q=ACGT&q=ACGT", None), ("q=ACGT&q=TTTT", None)],
                  "q")
    _param_errors(ctx, [("q=ACGT&max_distance=1&max_distance=1", None)],
                  "max_distance")
    _param_errors(ctx, [("q=ACGT&limit=5&limit=6", None)], "limit")


@test
def test_search_parameter_bounds_accepted(ctx):
    for k, limit in ((0, 1), (MAX_DISTANCE_CAP, 1), (0, MAX_LIMIT), (3, 7)):
        r = ctx.search([("q", "ACGT"), ("max_distance", str(k)),
                        ("limit", str(limit))])
        expect_status(r, 200)
        check_search_body(r, "ACGT", k, limit)


@test
def test_search_exact_default(ctx):
    seq = ctx.uniq(40)
    rec = ctx.add(seq)
    r = ctx.get("/api/search?q=" + seq)
    expect_status(r, 200)
    b = check_search_body(r, seq, 0, DEFAULT_LIMIT)
    want = {"id": rec["id"], "sequence": seq, "length": 40, "distance": 0}
    got = [{k: x.get(k) for k in want} for x in b["results"]]
    check(got == [want], "results %s, want [%s]" % (short(got, 200), want), r)
    check(b["next_cursor"] is None, "next_cursor not null", r)


@test
def test_search_case_insensitive_q(ctx):
    seq = ctx.uniq(40)
    rec = ctx.add(seq)
    for q in (seq.lower(), "".join(c.lower() if i % 3 else c
                                   for i, c in enumerate(seq))):
        r = ctx.search([("q", q)])
        expect_status(r, 200)
        b = check_search_body(r, q, 0, DEFAULT_LIMIT)
        got = [(x["id"], x["sequence"], x["distance"]) for x in b["results"]]
        check(got == [(rec["id"], seq, 0)], "results %s" % short(got, 200), r)


@test
def test_search_no_match_empty(ctx):
    q = ctx.uniq(50)
    r = ctx.search([("q", q), ("max_distance", "2")])
    expect_status(r, 200)
    b = check_search_body(r, q, 2, DEFAULT_LIMIT)
    check(b["results"] == [] and b["next_cursor"] is None,
          "expected no results and a null cursor", r)


@test
def test_search_long_sequence_two_edits(ctx):
    rng = ctx.rng
    seq = rand_seq(rng, 5000)
    rec = ctx.add(seq)
    # two substitutions
    p1, p2 = rng.sample(range(5000), 2)
    q1 = list(seq)
    for p in (p1, p2):
        q1[p] = rng.choice([c for c in ALPHABET if c != seq[p]])
    q1 = "".join(q1)
    # an insertion near the start and a deletion near the end
    while True:
        i, j = rng.randrange(10, 200), rng.randrange(4700, 4990)
        q2 = seq[:i] + rng.choice(ALPHABET) + seq[i:j] + seq[j + 1:]
        if lev_bounded(seq, q2, 3) == 2:
            break
    for what, q in (("2 substitutions", q1), ("insertion+deletion", q2)):
        check(lev_bounded(seq, q, 3) == 2, "test premise: distance 2")
        got, _ = search_all(ctx, q, 2, MAX_LIMIT)
        mine = [x for x in got if x["id"] == rec["id"]]
        check(len(mine) == 1 and mine[0]["distance"] == 2,
              "%s: max_distance=2 gave %s for id %d, want distance 2"
              % (what, short([(x["id"], x["distance"]) for x in got]),
                 rec["id"]), ctx.last_response)
        check(mine[0]["sequence"] == seq, "%s: sequence differs" % what)
        got, _ = search_all(ctx, q, 1, MAX_LIMIT)
        check(all(x["id"] != rec["id"] for x in got),
              "%s: found at max_distance=1" % what, ctx.last_response)


def _store_cluster(ctx, core, n, rng, client=None):
    """Store n distinct strings within 1..3 edits of core; return ids."""
    ids = []
    seen = {core}
    while len(ids) < n:
        m = mutate(rng, core, rng.randint(1, 3))
        if m in seen:
            continue
        seen.add(m)
        ids.append(ctx.add(m, client)["id"])
    return ids


@test
def test_search_pagination_complete(ctx):
    rng = ctx.rng
    core = rand_seq(rng, 60)
    ids = _store_cluster(ctx, core, 120, rng)
    expected = ctx.expected_matches(core, 3)
    check(set(ids) <= {i for i, _ in expected},
          "test premise: cluster within distance 3")
    got, pages = search_all(ctx, core, 3, 7)
    got_pairs = [(x["id"], x["distance"]) for x in got]
    ids_seen = [i for i, _ in got_pairs]
    check(len(ids_seen) == len(set(ids_seen)),
          "an id was returned twice across pages")
    check(got_pairs == expected,
          "paged results differ from the registry: missing %s, extra %s"
          % (short(sorted(set(expected) - set(got_pairs))),
             short(sorted(set(got_pairs) - set(expected)))))
    r = ctx.search([("q", core), ("max_distance", "3"),
                    ("limit", str(MAX_LIMIT))])
    expect_status(r, 200)
    big = check_search_body(r, core, 3, MAX_LIMIT)
    check([(x["id"], x["distance"]) for x in big["results"]] == got_pairs,
          "one limit=1000 page differs from the limit=7 pages", r)
    for x in got:
        check(x["sequence"] == ctx.registry.get(x["id"]),
              "result %d: sequence differs from stored" % x["id"])
    return "%d results in %d pages" % (len(got), pages)


@test
def test_search_pagination_with_inserts_between_pages(ctx):
    rng = ctx.rng
    core = rand_seq(rng, 60)
    _store_cluster(ctx, core, 40, rng)
    before = ctx.expected_matches(core, 3)
    new_ids = set()
    extra = [core] + [mutate(rng, core, rng.randint(1, 3))
                      for _ in range(30)]
    extra = [s for i, s in enumerate(extra)
             if s not in ctx.by_seq and s not in extra[:i]]

    def insert(page):
        if page <= 5:
            for s in extra[(page - 1) * 3:page * 3]:
                new_ids.add(ctx.add(s)["id"])

    got, pages = search_all(ctx, core, 3, 7, between_pages=insert)
    ids = [x["id"] for x in got]
    check(len(ids) == len(set(ids)), "an id was returned twice: %s"
          % short(sorted(i for i in set(ids) if ids.count(i) > 1)))
    missing = [p for p in before if p[0] not in set(ids)]
    check(not missing, "rows that existed before the first page were "
          "skipped: %s" % short(missing))
    stray = set(ids) - {i for i, _ in before} - new_ids
    check(not stray, "unexpected ids %s" % short(sorted(stray)))
    dist = {x["id"]: x["distance"] for x in got}
    for i, d in before:
        check(dist[i] == d, "id %d distance %d, want %d" % (i, dist[i], d))
    return "%d results, %d of %d inserted rows seen" % (
        len(ids), len(set(ids) & new_ids), len(new_ids))


def _cursor_fixture(ctx):
    """Two stored strings at distance 1; a cursor after the first."""
    def build():
        rng = random.Random("%s/cursor" % ctx.seed)
        x = rand_seq(rng, 40)
        a = ctx.add(x)
        b = ctx.add(x + "A")
        r = ctx.search([("q", x), ("max_distance", "1"), ("limit", "1")])
        expect_status(r, 200)
        body = check_search_body(r, x, 1, 1)
        check([e["id"] for e in body["results"]] == [a["id"]],
              "first page %s, want [%d]" % (short(body["results"]),
                                             a["id"]), r)
        check(body["next_cursor"] is not None,
              "next_cursor is null though a second match exists", r)
        return (x, a["id"], b["id"], body["next_cursor"])
    return fixture(ctx, "cursor", build)


@test
def test_search_cursor_other_query_400(ctx):
    x, _, _, cur = _cursor_fixture(ctx)
    other = ctx.uniq(40)
    for params in ([("q", other), ("max_distance", "1")],
                   [("q", x[:-1]), ("max_distance", "1")],
                   [("q", x), ("max_distance", "2")],
                   [("q", x)]):
        r = ctx.search(params + [("limit", "1"), ("cursor", cur)])
        try:
            expect_error(r, 400, "invalid_parameter", parameter="cursor")
        except Fail as f:
            raise Fail("%s: %s" % (short(params), f), f.resp)


@test
def test_search_cursor_with_other_limit(ctx):
    x, a, b, cur = _cursor_fixture(ctx)
    r = ctx.search([("q", x), ("max_distance", "1"), ("limit", "5"),
                    ("cursor", cur)])
    expect_status(r, 200)
    body = check_search_body(r, x, 1, 5)
    got = [(e["id"], e["distance"]) for e in body["results"]]
    check(got == [(b, 1)], "second page %s, want [(%d, 1)]" % (got, b), r)
    check(body["next_cursor"] is None, "next_cursor not null", r)


@test
def test_request_id_on_every_response(ctx):
    seen = []
    seq = ctx.uniq(30)
    reqs = [("GET", "/api/health", None, 200),
            ("POST", "/api/sequences", {"sequence": seq}, 201),
            ("POST", "/api/sequences", {"sequence": seq}, 409),
            ("POST", "/api/sequences", {"sequence": "ACGN"}, 400),
            ("GET", "/api/search?q=ACGT&foo=1", None, 400),
            ("GET", "/api/nope", None, 404),
            ("GET", "/api/sequences/999999999999", None, 404),
            ("DELETE", "/api/health", None, 405)]
    for method, path, body, status in reqs:
        r = ctx.client.request(method, path, body)
        expect_status(r, status)
        seen.append(r.request_id)
    r = ctx.post(b"{}", ctype="text/plain")
    expect_status(r, 415)
    seen.append(r.request_id)
    r, note = raw_post(ctx, b" " * (MAX_BODY_BYTES + 100))
    check(r is not None, "no response to an oversized body: " + note)
    expect_status(r, 413)
    seen.append(r.request_id)
    for _ in range(10):
        seen.append(ctx.get("/api/health").request_id)
    check(len(set(seen)) == len(seen), "X-Request-Id values repeat: %s"
          % seen)
    return "%d responses" % len(seen)


# -------------------------- oracle comparison -----------------------------

def _post_many(ctx, strings, nthreads=4):
    def worker(part):
        def run():
            c = Client(ctx)
            try:
                for s in part:
                    r = c.post({"sequence": s})
                    check(r.status in (201, 409),
                          "POST %s: status %d" % (short(s, 40), r.status), r)
                    if r.status == 409:
                        expect_error(r, 409, "duplicate", id=ANY)
            finally:
                c.close()
        return run
    run_threads([worker(strings[i::nthreads]) for i in range(nthreads)])


def _fetch_all_queries(ctx, queries, limits, nthreads=4):
    out = [None] * len(queries)

    def worker(idx):
        def run():
            c = Client(ctx)
            try:
                for i in idx:
                    k, q = queries[i]
                    rids = []
                    res, pages = search_all(ctx, q, k, limits[i], client=c,
                                            rids=rids)
                    out[i] = (res, pages, rids)
            finally:
                c.close()
        return run
    run_threads([worker(range(t, len(queries), nthreads))
                 for t in range(nthreads)])
    return out


def _run_oracle(ctx, rows, queries):
    path = ctx.oracle
    check(os.path.exists(path), "oracle %s not found (build it first)" % path)
    lines = ["S %d %s\n" % (i, s) for i, s in rows]
    lines += ["Q %d %s\n" % (k, q) for k, q in queries]
    try:
        p = subprocess.run([os.path.abspath(path)],
                           input="".join(lines).encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=600)
    except subprocess.TimeoutExpired:
        raise Fail("oracle did not finish within 600 s")
    check(p.returncode == 0, "oracle exited %d: %s"
          % (p.returncode, short(p.stderr.decode("utf-8", "replace"), 300)))
    return parse_oracle_output(p.stdout.decode("ascii"), len(queries))


@test
def test_search_matches_oracle(ctx):
    rng = ctx.rng
    strings, seen = [], set()

    def keep(s):
        if s not in seen:
            seen.add(s)
            strings.append(s)

    for _ in range(300):
        f = rand_seq(rng, founder_length(rng))
        keep(f)
        for _ in range(9):
            keep(mutate(rng, f, rng.randint(1, 10)))
    _post_many(ctx, strings)

    queries = []
    for _ in range(250):
        k = rng.randint(0, 8)
        if rng.random() < 0.7:
            q = mutate(rng, rng.choice(strings), rng.randint(0, 10))
        else:
            q = rand_seq(rng, founder_length(rng))
        queries.append((k, q))
    limits = [rng.randint(1, 100) for _ in queries]

    fetched = _fetch_all_queries(ctx, queries, limits)

    # rows returned that this run did not store: fetch them (old database)
    with ctx.lock:
        unknown = {x["id"] for res, _, _ in fetched for x in res
                   if x["id"] not in ctx.registry}
    check(not (ctx.fresh_db and unknown),
          "search returned ids %s that this run never stored, on a database "
          "that should be fresh" % short(sorted(unknown)))
    for id_ in sorted(unknown):
        g = ctx.get("/api/sequences/%d" % id_)
        expect_status(g, 200)
        ctx.register(id_, g.json["sequence"], g)
        ctx.foreign.add(id_)

    # |len(a) - len(b)| <= lev(a, b): longer rows cannot match any query
    bound = max(len(q) for _, q in queries) + max(k for k, _ in queries)
    with ctx.lock:
        all_rows = sorted(ctx.registry.items())
    rows = [(i, s) for i, s in all_rows if len(s) <= bound]
    expected = _run_oracle(ctx, rows, queries)

    registry = dict(all_rows)
    bad = []
    total = pages_total = 0
    for n, ((k, q), (res, pages, _), want) in enumerate(
            zip(queries, fetched, expected)):
        total += len(res)
        pages_total += pages
        for x in res:
            check(x["sequence"] == registry[x["id"]],
                  "query %d: result %d sequence differs from stored"
                  % (n, x["id"]), False)
        got = [(x["id"], x["distance"]) for x in res]
        if got != want:
            bad.append((n, k, q, got, want))
    if bad:
        msgs = []
        for n, k, q, got, want in bad[:5]:
            gs, ws = set(got), set(want)
            detail = []
            for label, diff in (("missing", sorted(ws - gs)),
                                ("extra", sorted(gs - ws))):
                if diff:
                    ex = ", ".join(
                        "%d:%d (python: %s)" % (
                            i, d, lev_bounded(q, registry.get(i, ""), 64))
                        for i, d in diff[:5])
                    detail.append("%s %d [%s]" % (label, len(diff), ex))
            if not detail:
                detail.append("same set, different order")
            rids = fetched[n][2]
            msgs.append("query #%d k=%d limit=%d q=%s: got %d, oracle %d; %s"
                        " (X-Request-Id of pages: %s)"
                        % (n, k, limits[n], short(q, 40), len(got),
                           len(want), "; ".join(detail),
                           short(" ".join(rids), 140)))
        raise Fail("%d of %d queries differ from the oracle (\"python: N\" "
                   "is this suite's own distance for the row):\n     %s"
                   % (len(bad), len(queries), "\n     ".join(msgs)), False)
    kdist = [0] * 9
    for k, _ in queries:
        kdist[k] += 1
    note = ("%d queries, %d matches, %d pages, %d rows (%d stored by this "
            "run, %d foreign, %d too long to match); k: %s"
            % (len(queries), total, pages_total, len(all_rows),
               len(all_rows) - len(ctx.foreign), len(ctx.foreign),
               len(all_rows) - len(rows),
               " ".join("%d=%d" % (k, c) for k, c in enumerate(kdist))))
    return note


# --------------------------------------------------------------------------
# runner

def run_tests(ctx, tests, only=None, out=sys.stdout):
    passed = failed = 0
    for fn in tests:
        name = fn.__name__
        if only and only not in name:
            continue
        ctx.begin_test(name)
        t0 = time.monotonic()
        try:
            note = fn(ctx)
        except Fail as e:
            failed += 1
            resp = e.resp if e.resp is not None else ctx.last_response
            print("FAIL %s: %s" % (name, e), file=out)
            if resp:
                print("     " + resp.describe(), file=out)
        except Exception as e:          # a test bug or a transport error
            failed += 1
            tb = traceback.extract_tb(e.__traceback__)
            where = "%s line %d" % (tb[-1].name, tb[-1].lineno) if tb else "?"
            print("FAIL %s: %s: %s (at %s)" % (name, type(e).__name__,
                                              short(e, 300), where), file=out)
            if ctx.last_response is not None:
                print("     last response: " + ctx.last_response.describe(),
                      file=out)
        else:
            passed += 1
            ms = (time.monotonic() - t0) * 1000
            print("ok   %s (%d ms)%s" % (name, ms,
                                         " " + note if note else ""),
                  file=out)
        out.flush()
        ctx.client.close()      # each test starts on a fresh connection
    print("%d passed, %d failed" % (passed, failed), file=out)
    return passed, failed


# --------------------------------------------------------------------------
# offline self-test of the helpers (not part of the default run)

def self_test():
    import io
    rng = random.Random(1)
    # banded distance agrees with the plain DP
    for _ in range(4000):
        a = rand_seq(rng, rng.randint(0, 25))
        b = mutate(rng, a, rng.randint(0, 8)) if a and rng.random() < 0.7 \
            else rand_seq(rng, rng.randint(0, 25))
        k = rng.randint(0, 12)
        d = lev_full(a, b)
        assert lev_bounded(a, b, k) == min(d, k + 1), (a, b, k, d)
    # mutations stay within their edit count, non-empty, in the alphabet
    for _ in range(800):
        s = rand_seq(rng, founder_length(rng))
        e = rng.randint(0, 10)
        m = mutate(rng, s, e)
        assert m and set(m) <= set(ALPHABET), m
        assert lev_full(s, m) <= e, (s, m, e)
    lens = [founder_length(rng) for _ in range(3000)]
    assert min(lens) == 1 and max(lens) <= 200
    assert sum(1 for n in lens if n <= 10) > 600
    assert all(n in lens for n in (64, 65, 128, 129))
    # the 5000-base premise: two substitutions / ins + del give exactly 2
    s = rand_seq(rng, 5000)
    q = s[:50] + "A" + s[50:4800] + s[4801:]
    assert lev_bounded(s, q, 3) == 2
    # oracle output parsing
    assert parse_oracle_output("1:0 2:1\n\n3:2\n", 3) == \
        [[(1, 0), (2, 1)], [], [(3, 2)]]
    assert parse_oracle_output("\n\n", 2) == [[], []]
    assert parse_oracle_output("5:0", 1) == [[(5, 0)]]
    for bad, n in (("1:0\n", 2), ("x\n", 1), ("2:1 1:0\n", 1)):
        try:
            parse_oracle_output(bad, n)
        except Fail:
            pass
        else:
            raise AssertionError("accepted bad oracle output %r" % bad)
    # query-string encoding keeps spaces and plus signs distinct
    qs = urllib.parse.urlencode([("max_distance", " 1"), ("limit", "+1")],
                                quote_via=urllib.parse.quote)
    assert qs == "max_distance=%201&limit=%2B1", qs
    # the runner: pass, Fail with a response, crash
    ctx = Ctx("http://127.0.0.1:9", "/nonexistent", 1, 1)
    resp = Response("GET", "/api/x", 400, "Bad Request",
                    [("X-Request-Id", "ab12")], b'{"error": {}}' + b"x" * 900)

    def t_ok(c):
        return "fine"

    def t_fail(c):
        raise Fail("boom", resp)

    def t_crash(c):
        {}["missing"]

    buf = io.StringIO()
    assert run_tests(ctx, [t_ok, t_fail, t_crash], out=buf) == (1, 2)
    text = buf.getvalue()
    assert text.splitlines()[-1] == "1 passed, 2 failed", text
    assert "FAIL t_fail: boom" in text and "ab12" in text, text
    assert "...(913 bytes)" in text, text
    assert "FAIL t_crash: KeyError" in text, text
    assert text.startswith("ok   t_ok ("), text
    # registry consistency
    ctx.register(1, "ACGT")
    ctx.register(1, "ACGT")
    for i, s in ((1, "AAAA"), (2, "ACGT")):
        try:
            ctx.register(i, s)
        except Fail:
            pass
        else:
            raise AssertionError("registry accepted %d %s" % (i, s))
    assert ctx.expected_matches("acgA", 1) == [(1, 1)]
    print("self-test ok")



# --- bulk import (POST /api/sequences/import) -------------------------------

def import_file(ctx, text, ctype="text/plain"):
    """POST a file to the import endpoint; text is str or bytes."""
    return ctx.client.request("POST", "/api/sequences/import", text,
                              ctype=ctype)


def exact_ids(ctx, seq):
    """The ids stored for seq (exact search), [] if none."""
    r = ctx.search([("q", seq), ("max_distance", "0")])
    expect_status(r, 200)
    return [x["id"] for x in r.json["results"]]


@test
def test_import_formats_count_inserted_and_duplicates(ctx):
    a, b, c, d, e = (ctx.uniq(40 + i) for i in range(5))
    stored = ctx.uniq(33)
    r = ctx.post({"sequence": stored})
    expect_status(r, 201)
    # FASTA with wrapped lines, lower case, CRLF, a repeat and a stored one
    fasta = (">one desc\r\n%s\r\n%s\r\n>two\n%s\n>three\n%s\n>four\n%s\n"
             % (a[:20].lower(), a[20:], b, a, stored))
    r = import_file(ctx, fasta)
    expect_status(r, 200)
    want = {"inserted": 2, "duplicates": 2, "records": 4, "format": "fasta"}
    for k, v in want.items():
        check(r.json.get(k) == v, "%s: %r, want %r" % (k, r.json.get(k), v), r)
    check(r.json.get("bases") == len(a) * 2 + len(b) + len(stored),
          "bases %r" % r.json.get("bases"), r)
    fastq = "@r1\n%s\n+\n%s\n@r2\n%s\n+r2\n%s\n" % (
        c, "I" * len(c), d.lower(), "#" * len(d))
    r = import_file(ctx, fastq, ctype="application/octet-stream")
    expect_status(r, 200)
    check(r.json.get("format") == "fastq" and r.json.get("inserted") == 2,
          "fastq: %r" % r.json, r)
    r = import_file(ctx, "%s\n\n%s\n" % (e, c), ctype=None)
    expect_status(r, 200)
    check(r.json.get("format") == "plain" and r.json.get("inserted") == 1
          and r.json.get("duplicates") == 1, "plain: %r" % r.json, r)
    for s in (a, b, c, d, e):
        ids = exact_ids(ctx, s)
        check(len(ids) == 1, "%s... stored %d times" % (s[:12], len(ids)))
        ctx.imported.add(s)
    # ids follow the file's order
    check(exact_ids(ctx, a)[0] < exact_ids(ctx, b)[0], "ids out of file order")


@test
def test_import_refusals_store_nothing(ctx):
    cases = [
        ("%s\nACGTNACGT\n", 2, "invalid_base", 5),
        (">x\n%s\n>y\n>z\nACGT\n", 3, "empty_record", None),
        ("@r\n%s\nIIII\n", 3, "fastq_plus_line", None),
        ("@r\n%s\n+\nII\n", 4, "fastq_quality", None),
        ("@r\n%s\n+\n", 1, "truncated_record", None),
        ("@r\n%s\n+\n%s\nACGT\n", 5, "fastq_header", None),
        ("%s\n" + "A" * (MAX_SEQUENCE_LENGTH + 1) + "\n", 2,
         "sequence_too_long", None),
    ]
    for tmpl, line, reason, column in cases:
        good = ctx.uniq(36)
        body = tmpl % ((good,) if tmpl.count("%s") == 1
                       else (good, "I" * len(good)))
        r = import_file(ctx, body)
        try:
            e = expect_error(r, 400, "invalid_record", line=line,
                             reason=reason)
            if column is not None:
                check(e.get("column") == column,
                      "column %r, want %r" % (e.get("column"), column), r)
            check(str(line) in e.get("message", ""),
                  "message does not name line %d" % line, r)
            check(exact_ids(ctx, good) == [],
                  "a refused import stored its valid record")
        except Fail as f:
            raise Fail("%s: %s" % (reason, f), f.resp)
    r = import_file(ctx, "")
    expect_error(r, 400, "invalid_record", reason="empty_file")
    return "%d refusals" % (len(cases) + 1)


@test
def test_import_over_limit_413(ctx):
    limit = ctx.import_limit
    if not limit:
        return "skipped: --import-limit not given"
    body = b"ACGT\n" * (limit // 5 + 2)
    r, note = raw_post(ctx, body, ctype="text/plain",
                       path="/api/sequences/import")
    check(r is not None, "no response to an over-limit import: " + note)
    expect_error(r, 413, "body_too_large")


# --- imports as they come off the sequencer: gzip, BOM, line ends -------

def import_gz(ctx, data, encoding=None):
    """POST bytes to the import endpoint, with Content-Encoding if given."""
    hdrs = {"Content-Encoding": encoding} if encoding else None
    return ctx.client.request("POST", "/api/sequences/import", data,
                              ctype="application/octet-stream", headers=hdrs)


def expect_imported(ctx, r, seqs, fmt, gz):
    expect_status(r, 200)
    check(r.json.get("format") == fmt and r.json.get("gzip") is gz
          and r.json.get("inserted") == len(seqs),
          "want format %s, gzip %s, %d inserted: %r" % (fmt, gz, len(seqs),
                                                        r.json), r)
    for s in seqs:
        check(len(exact_ids(ctx, s)) == 1, "%s... not stored" % s[:12])
        ctx.imported.add(s)


def expect_nothing_stored(ctx, seqs):
    for s in seqs:
        check(exact_ids(ctx, s) == [], "a refused import stored %s..." % s[:12])


@test
def test_import_gzip_fastq_by_magic(ctx):
    a, b = ctx.uniq(41), ctx.uniq(42)
    fq = "@r1\n%s\n+\n%s\n@r2\n%s\n+\n%s\n" % (a, "I" * 41, b, "#" * 42)
    r = import_gz(ctx, gzip.compress(fq.encode()))
    expect_imported(ctx, r, [a, b], "fastq", True)


@test
def test_import_gzip_with_content_encoding(ctx):
    a, b = ctx.uniq(43), ctx.uniq(44)
    fa = ">one\n%s\n%s\n>two\n%s\n" % (a[:20], a[20:], b)
    r = import_gz(ctx, gzip.compress(fa.encode()), encoding="gzip")
    expect_imported(ctx, r, [a, b], "fasta", True)


@test
def test_import_plain_with_content_encoding_gzip_400(ctx):
    a = ctx.uniq(45)
    r = import_gz(ctx, (">x\n%s\n" % a).encode(), encoding="gzip")
    e = expect_error(r, 400, "invalid_gzip", reason="not_gzip")
    check("not gzip" in e["message"], "the message does not say the body "
          "is not gzip", r)
    expect_nothing_stored(ctx, [a])


@test
def test_import_unsupported_content_encoding_415(ctx):
    a = ctx.uniq(45)
    for enc in ("br", "gzip, gzip", "deflate"):
        r = import_gz(ctx, (">x\n%s\n" % a).encode(), encoding=enc)
        expect_error(r, 415, "unsupported_encoding")
    expect_nothing_stored(ctx, [a])


@test
def test_import_gzip_bomb_413(ctx):
    limit = int(os.environ.get("DNADB_MAX_IMPORT_INFLATED_BYTES", "0"))
    if not limit or limit > 256 << 20:
        return "skipped: DNADB_MAX_IMPORT_INFLATED_BYTES unset or large"
    line = (ctx.uniq(99) + "\n").encode()
    bomb = gzip.compress(line * (limit // len(line) + 2), 9)
    check(len(bomb) < (ctx.import_limit or 1 << 30),
          "the bomb itself is over the body limit")
    r = import_gz(ctx, bomb)
    e = expect_error(r, 413, "inflated_too_large", max_inflated_bytes=limit)
    check(str(limit) in e["message"], "the message does not name the limit", r)
    expect_nothing_stored(ctx, [line.decode().strip()])
    return "%d compressed bytes" % len(bomb)


@test
def test_import_truncated_or_corrupt_gzip_400(ctx):
    seqs = [ctx.uniq(60) for _ in range(50)]
    z = gzip.compress(("".join(">r\n%s\n" % s for s in seqs)).encode())
    for body, reason in ((z[:len(z) // 2], "truncated"),
                         (z[:-4], "truncated"),
                         (z[:-8] + bytes([z[-8] ^ 0xff]) + z[-7:], "corrupt"),
                         (z + b"trailing junk", "corrupt")):
        r = import_gz(ctx, body)
        e = expect_error(r, 400, "invalid_gzip", reason=reason)
        check("nothing was stored" in e["message"], "message: %r"
              % e["message"], r)
    expect_nothing_stored(ctx, seqs)


@test
def test_import_gzip_multi_member(ctx):
    a, b, c = ctx.uniq(46), ctx.uniq(47), ctx.uniq(48)
    body = (gzip.compress((">a\n%s\n" % a).encode()) +
            gzip.compress((">b\n%s\n>c\n" % b).encode()) +
            gzip.compress(("%s\n" % c).encode()))
    r = import_gz(ctx, body, encoding="gzip")
    expect_imported(ctx, r, [a, b, c], "fasta", True)


@test
def test_import_bom_blank_lines_and_line_ends(ctx):
    a, b, c, d, e, f = (ctx.uniq(50 + i) for i in range(6))
    # BOM and blank lines before a FASTA header (was: '>' is not a base)
    r = import_gz(ctx, b"\xef\xbb\xbf\n\r\n\n" + (">a\n%s\n>b\n%s\n"
                                                  % (a, b)).encode())
    expect_imported(ctx, r, [a, b], "fasta", False)
    # old Mac line ends (CR only), FASTQ
    fq = "@r1\r%s\r+\r%s\r@r2\r%s\r+\r%s\r" % (c, "I" * len(c), d,
                                                  "I" * len(d))
    r = import_gz(ctx, fq.encode())
    expect_imported(ctx, r, [c, d], "fastq", False)
    # CRLF and a BOM, plain
    r = import_gz(ctx, ("\ufeff%s\r\n\r\n%s\r\n" % (e, f)).encode())
    expect_imported(ctx, r, [e, f], "plain", False)


# --- search correctness at scale against the oracle ----------------------

def _scale_dataset(rng, n_uniform, n_families, family_size, n_long):
    """Strings of the three shapes the service is built for, plus a dense
    sweep of lengths 10..260 that crosses every threshold where the search
    changes strategy (the index needs about 12 (k + 1) bases)."""
    out = []
    for _ in range(n_uniform):
        out.append(rand_seq(rng, rng.randint(80, 150)))
    for _ in range(n_families):
        founder = rand_seq(rng, rng.randint(80, 150))
        out.append(founder)
        for _ in range(family_size - 1):
            edits = max(1, round(len(founder) * rng.uniform(0.01, 0.05)))
            out.append(mutate(rng, founder, edits))
    for _ in range(n_long):
        out.append(rand_seq(rng, rng.randint(1000, 5000)))
    for length in range(10, 261):
        base = rand_seq(rng, length)
        out.append(base)
        for _ in range(5):
            out.append(mutate(rng, base, rng.randint(1, 6)))
    return out


@test
def test_search_matches_oracle_at_scale(ctx):
    rng = random.Random("%s/scale" % ctx.seed)
    data = _scale_dataset(rng, ctx.scale(9500), ctx.scale(60), 100,
                          ctx.scale(300))
    text = "\n".join(data) + "\n"
    r = import_file(ctx, text)
    expect_status(r, 200)
    ctx.imported.update(s.upper() for s in data)
    # every row this run stored: by id (POSTs) and by sequence (imports)
    with ctx.lock:
        known = dict(ctx.registry)
    by_seq = {s: i for i, s in known.items()}
    synthetic = 10 ** 15
    for s in sorted(ctx.imported):
        if s not in by_seq:
            by_seq[s] = synthetic
            synthetic += 1
    seq_of = {i: s for s, i in by_seq.items()}
    check(len(by_seq) >= ctx.scale(20000),
          "only %d stored strings" % len(by_seq))

    queries = []
    pool = list(by_seq)
    for i in range(ctx.scale(2000)):
        src = rng.choice(pool)
        if i % 5 == 4:      # k = 5 % of the length, at the server's cap
            k = min(64, max(0, len(src) * 5 // 100))
        else:
            k = rng.randint(0, 10)
        if rng.random() < 0.85:
            q = mutate(rng, src, rng.randint(0, k + 2)) if k + 2 > 0 else src
        else:
            q = rand_seq(rng, max(1, len(src) + rng.randint(-3, 3)))
        if len(q) > 15000:      # GET limit; long queries go by POST below
            q = q[:15000]
        queries.append((k, q))
    rows = sorted((i, s) for s, i in by_seq.items())
    expected = _run_oracle(ctx, rows, queries)

    bad, total, pages = [], 0, 0
    for (k, q), want in zip(queries, expected):
        limit = rng.choice((7, 50, 1000))
        res, npages = search_all(ctx, q, k, limit)
        pages += npages
        got = []
        for x in res:
            s = x["sequence"]
            check(s in by_seq, "search returned a sequence this run never "
                  "stored (id %d)" % x["id"])
            got.append((s, x["distance"]))
        want_pairs = [(seq_of[i], d) for i, d in want]
        total += len(want_pairs)
        if sorted(got) != sorted(want_pairs) or len(got) != len(set(got)):
            missing = set(want_pairs) - set(got)
            extra = set(got) - set(want_pairs)
            bad.append("k=%d |q|=%d: %d missing, %d extra, %d returned"
                       % (k, len(q), len(missing), len(extra), len(got)))
        # the order is (distance, id): distances never decrease
        ds = [d for _, d in got]
        if ds != sorted(ds):
            bad.append("k=%d |q|=%d: distances out of order" % (k, len(q)))
    check(not bad, "%d of %d queries differ from the oracle: %s"
          % (len(bad), len(queries), "; ".join(bad[:5])))
    ks = {}
    for k, _ in queries:
        ks[k] = ks.get(k, 0) + 1
    return ("%d strings, %d queries, %d matches, %d pages; k: %s"
            % (len(by_seq), len(queries), total, pages,
               " ".join("%d=%d" % kv for kv in sorted(ks.items()))))


# --------------------------------------------------------------------------
# access control and delete (issue 5; SECURITY.md)

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def fake_token(rng):
    """A well-formed token that the server never issued."""
    return "dnadb_%016x_%s" % (rng.getrandbits(64),
                               "".join(rng.choice(B64URL) for _ in range(43)))


def auth_hdr(token):
    return {"Authorization": ("Bearer " + token) if token else None}


def expect_denied(r, status, code, what):
    """401/403 in the envelope, with the right WWW-Authenticate."""
    try:
        if r.method == "HEAD":
            expect_status(r, status)
        else:
            expect_error(r, status, code)
        wa = r.header("WWW-Authenticate") or ""
        check(wa.startswith("Bearer"), "WWW-Authenticate is %r, not Bearer"
              % wa, r)
        if code in ("invalid_token", "insufficient_scope"):
            check('error="%s"' % code in wa, "WWW-Authenticate %r lacks "
                  'error="%s"' % (wa, code), r)
    except Fail as f:
        raise Fail("%s: %s" % (what, f), f.resp)



def tier_hi(n):
    """m_hi of a stored length (src/seg.h; 0 outside 16..255)."""
    if n < 16 or n > 255:
        return 0
    return min(24, n // 4, max(6, n * 18 // 100) + 1)


@test
def test_search_matches_oracle_tiers(ctx):
    """Issue 10: rows at every length where a tier of the index changes
    (16..255 bases, and 250..262 around the switch to slots), in clonal
    families with shared ends, searched at the k where the plan changes
    (m_lo - 1, m_lo, m_hi - 1: filtered; m_hi: scanned) and at random k
    up to 18 % of the length; every answer equals the oracle's."""
    rng = random.Random("%s/tiers" % ctx.seed)
    edges = [n for n in range(16, 256)
             if n in (16, 255) or tier_hi(n) != tier_hi(n - 1)]
    lengths = sorted({max(1, e + d) for e in edges for d in (-1, 0, 1)}
                     | set(range(28, 62)) | set(range(250, 263)))
    strings, seen = [], set()
    v_ends = [rand_seq(rng, rng.randint(10, 15)) for _ in range(6)]
    j_ends = [rand_seq(rng, rng.randint(10, 15)) for _ in range(3)]
    for _ in range(ctx.scale(700)):
        n = rng.choice(lengths)
        if n <= 70 and rng.random() < 0.5:     # junction-like: shared ends
            v, j = rng.choice(v_ends), rng.choice(j_ends)
            f = v + rand_seq(rng, max(1, n - len(v) - len(j))) + j
        else:
            f = rand_seq(rng, n)
        for s in [f] + [mutate(rng, f, rng.randint(1, max(1, n // 8)))
                        for _ in range(rng.randint(1, 6))]:
            if s not in seen:
                seen.add(s)
                strings.append(s)
    r = import_file(ctx, "\n".join(strings) + "\n")
    expect_status(r, 200)
    ctx.imported.update(strings)
    queries = []
    for _ in range(ctx.scale(500)):
        src = rng.choice(strings)
        n = len(src)
        hi = tier_hi(n)
        lo = (3 * hi + 3) // 4
        choices = [k for k in (lo - 1, lo, hi - 1, hi) if k >= 1]
        choices.append(rng.randint(1, max(1, min(24, max(6, n * 18 // 100)))))
        k = rng.choice(choices)
        q = mutate(rng, src, rng.randint(0, k + 1))
        queries.append((k, q))
    rows = list(enumerate(sorted(seen), start=1))
    seq_of = dict(rows)
    expected = _run_oracle(ctx, rows, queries)
    bad, total, ks = [], 0, {}
    for (k, q), want in zip(queries, expected):
        ks[k] = ks.get(k, 0) + 1
        res, _ = search_all(ctx, q, k, rng.choice((10, 1000)))
        # rows of other tests may match too: only this test's rows count
        got = sorted((x["sequence"], x["distance"]) for x in res
                     if x["sequence"] in seen)
        want_pairs = sorted((seq_of[i], d) for i, d in want)
        total += len(want_pairs)
        if got != want_pairs:
            missing = set(want_pairs) - set(got)
            extra = set(got) - set(want_pairs)
            bad.append("k=%d |q|=%d: %d missing, %d extra (e.g. %s)"
                       % (k, len(q), len(missing), len(extra),
                          short(str(sorted(missing)[:1] or sorted(extra)[:1]),
                                100)))
    check(not bad, "%d of %d queries differ from the oracle: %s"
          % (len(bad), len(queries), "; ".join(bad[:5])))
    return ("%d strings at %d lengths, %d queries, %d matches; k: %s"
            % (len(strings), len(lengths), len(queries), total,
               " ".join("%d=%d" % kv for kv in sorted(ks.items()))))

@test
def test_auth_matrix_every_endpoint_and_token_kind(ctx):
    """Every endpoint x {no token, unknown, revoked, read, write}."""
    if not (ctx.tokens.get("read") and ctx.tokens.get("revoked")):
        raise Fail("needs --token, --read-token and --revoked-token", False)
    kinds = [("none", ""), ("unknown", fake_token(ctx.rng)),
             ("revoked", ctx.tokens["revoked"]), ("read", ctx.tokens["read"]),
             ("write", ctx.token)]
    base = ctx.add(ctx.uniq(60))
    bid = base["id"]
    q = base["sequence"]
    checked = 0
    for kind, tok in kinds:
        new_seq = ctx.uniq(50)
        victim = ctx.add(ctx.uniq(45))["id"]      # with the suite's token
        fasta = ">m\n%s\n" % ctx.uniq(52)
        cases = [
            ("GET", "/api/health", None, None, "open", 200),
            ("GET", "/api/auth", None, None, "open", 200),
            ("GET", "/api/search?q=%s&max_distance=1" % q, None, None,
             "read", 200),
            ("HEAD", "/api/search?q=%s&max_distance=0" % q, None, None,
             "read", 200),
            ("POST", "/api/search", {"q": q, "max_distance": 1}, _UNSET,
             "read", 200),
            ("GET", "/api/sequences/%d" % bid, None, None, "read", 200),
            ("HEAD", "/api/sequences/%d" % bid, None, None, "read", 200),
            ("POST", "/api/sequences", {"sequence": new_seq}, _UNSET,
             "write", 201),
            ("POST", "/api/sequences/import", fasta, "text/plain",
             "write", 200),
            ("DELETE", "/api/sequences/%d" % victim, None, None,
             "write", 204),
        ]
        for method, path, body, ctype, need, ok in cases:
            what = "%s %s with %s token" % (method, path.split("?")[0], kind)
            r = ctx.client.request(method, path, body, ctype,
                                   headers=auth_hdr(tok))
            checked += 1
            if kind in ("unknown", "revoked"):
                expect_denied(r, 401, "invalid_token", what)
                if kind == "revoked" and method != "HEAD":
                    check("revoked" in r.json["error"]["message"],
                          "%s: the message does not say revoked" % what, r)
            elif kind == "none" and (need == "write" or
                                     (need == "read" and not ctx.public_read)):
                expect_denied(r, 401, "auth_required", what)
            elif kind == "read" and need == "write":
                expect_denied(r, 403, "insufficient_scope", what)
                check(r.json["error"].get("scope") == "write",
                      "%s: error.scope is not write" % what, r)
            else:
                try:
                    expect_status(r, ok)
                except Fail as f:
                    raise Fail("%s: %s" % (what, f), f.resp)
        # What a refused write did not do, and what an accepted one did.
        g = ctx.get("/api/sequences/%d" % victim)
        s = ctx.get("/api/search?q=%s&max_distance=0" % new_seq)
        expect_status(s, 200)
        found = [h["id"] for h in s.json["results"]]
        if kind == "write":
            expect_error(g, 404, "not_found")
            ctx.unregister(victim)
            check(len(found) == 1, "the write token's add is not found: %s"
                  % found, s)
            ctx.imported.add(fasta.split("\n")[1])
        else:
            expect_status(g, 200)
            check(found == [], "%s token: a refused add was stored anyway (%s)"
                  % (kind, found), s)
    return "%d requests: 10 endpoints x 5 token kinds, public_read=%d" % (
        checked, ctx.public_read)


@test
def test_auth_reports_token_and_public_read(ctx):
    r = ctx.client.request("GET", "/api/auth", headers=auth_hdr(""))
    expect_status(r, 200)
    check(r.json == {"public_read": ctx.public_read, "token": None},
          "anonymous /api/auth body is %s" % short(r.json, 200), r)
    for scope in ("read", "write"):
        tok = ctx.tokens.get(scope)
        if not tok:
            raise Fail("needs --read-token", False)
        r = ctx.client.request("GET", "/api/auth", headers=auth_hdr(tok))
        expect_status(r, 200)
        t = r.json.get("token") if isinstance(r.json, dict) else None
        check(isinstance(t, dict) and t.get("scope") == scope
              and isinstance(t.get("name"), str) and t["name"],
              "/api/auth with the %s token says %s" % (scope, short(r.json)), r)


@test
def test_auth_malformed_headers_are_401(ctx):
    tok = ctx.token
    bad = ["Basic dXNlcjpwYXNzd29yZA==", "Bearer", "Bearer ", "Bearer x",
           "Bearer " + tok + "x", "Bearer " + tok[:-1], "Bearer\t" + tok,
           "Bearer " + tok.upper(), "Token " + tok, "Bearer " + "A" * 200,
           "Bearer " + tok[:6] + "' OR 1=1 --" + tok[17:]]
    for h in bad:
        r = ctx.client.request("GET", "/api/search?q=ACGT",
                               headers={"Authorization": h})
        expect_denied(r, 401, "invalid_token", "Authorization %r" % h[:40])
    # The scheme is case-insensitive; spaces around the token are fine.
    for h in ("bearer " + tok, "BEARER  " + tok):
        r = ctx.client.request("GET", "/api/auth",
                               headers={"Authorization": h})
        expect_status(r, 200)
        check(r.json["token"] is not None, "%r not accepted" % h[:12], r)


@test
def test_delete_sequence_204_then_404(ctx):
    seq = ctx.uniq(80)
    b = ctx.add(seq)
    id_ = b["id"]
    r = ctx.client.request("DELETE", "/api/sequences/%d" % id_)
    expect_status(r, 204)
    check(r.body == b"", "204 has a body: %r" % r.body[:80], r)
    check((r.header("Cache-Control") or "") == "no-store",
          "DELETE answer lacks Cache-Control: no-store", r)
    ctx.unregister(id_)
    expect_error(ctx.get("/api/sequences/%d" % id_), 404, "not_found")
    r = ctx.client.request("DELETE", "/api/sequences/%d" % id_)
    expect_error(r, 404, "not_found")
    for k in (0, 3):
        s = ctx.get("/api/search?q=%s&max_distance=%d" % (seq, k))
        expect_status(s, 200)
        check(all(h["id"] != id_ for h in s.json["results"]),
              "the deleted sequence is still found at k=%d" % k, s)
    # Stored again, it is new: another id, found again.
    b2 = ctx.add(seq)
    check(b2["id"] != id_, "re-added sequence reuses id %d" % id_)
    s = ctx.get("/api/search?q=%s&max_distance=0" % seq)
    check([h["id"] for h in s.json["results"]] == [b2["id"]],
          "re-added sequence not found under its new id", s)
    for bad in ("abc", "0", "-1", "1.5", "9223372036854775808"):
        r = ctx.client.request("DELETE", "/api/sequences/" + bad)
        expect_error(r, 400, "invalid_parameter")


@test
def test_delete_concurrent_exactly_one_204(ctx):
    rounds = 10
    for _ in range(rounds):
        id_ = ctx.add(ctx.uniq(40))["id"]
        out = []

        def go():
            c = Client(ctx)
            try:
                out.append(c.request("DELETE", "/api/sequences/%d" % id_).status)
            finally:
                c.close()
        th = [threading.Thread(target=go) for _ in range(4)]
        for t in th:
            t.start()
        for t in th:
            t.join()
        ctx.unregister(id_)
        check(sorted(out) == [204, 404, 404, 404],
              "4 concurrent DELETEs of one id gave %s" % sorted(out))
    return "%d rounds of 4 concurrent DELETEs" % rounds


@test
def test_every_endpoint_refuses_unexpected_query_parameters(ctx):
    # Each route and method takes only the query parameters docs/api.md
    # lists (only GET and HEAD /api/search take any); anything else is
    # 400 invalid_parameter naming it, before anything is read or changed.
    kept = ctx.add(ctx.uniq(60))
    new_seq = ctx.uniq(60)
    imp_seq = ctx.uniq(60)
    kid = kept["id"]
    cases = [
        ("GET", "/api/health", None, None),
        ("HEAD", "/api/health", None, None),
        ("GET", "/api/auth", None, None),
        ("HEAD", "/api/auth", None, None),
        ("POST", "/api/sequences", {"sequence": new_seq}, None),
        ("POST", "/api/sequences/import", imp_seq + "\n", "text/plain"),
        ("GET", "/api/sequences/%d" % kid, None, None),
        ("HEAD", "/api/sequences/%d" % kid, None, None),
        ("DELETE", "/api/sequences/%d" % kid, None, None),
        ("POST", "/api/search", {"q": kept["sequence"]}, None),
        ("OPTIONS", "/api/search", None, None),
    ]
    for method, path, body, ctype in cases:
        for qs, name in (("dry_run=1", "dry_run"),
                         ("validate_only=true", "validate_only"),
                         ("q=ACGT", "q"), ("_=1700000000", "_")):
            kw = {} if ctype is None else {"ctype": ctype}
            r = ctx.client.request(method, path + "?" + qs, body, **kw)
            try:
                if method == "HEAD":
                    expect_status(r, 400)
                else:
                    e = expect_error(r, 400, "invalid_parameter",
                                     parameter=name)
                    check(name in e["message"],
                          "the message does not name %r" % name, r)
            except Fail as f:
                raise Fail("%s %s?%s: %s" % (method, path, qs, f), f.resp)
    # GET /api/search: an unknown parameter beside the documented ones
    r = ctx.search([("q", kept["sequence"]), ("dry_run", "1")])
    expect_error(r, 400, "invalid_parameter", parameter="dry_run")
    # Nothing changed: the row is still there, the add and the import
    # stored nothing.
    expect_status(ctx.get("/api/sequences/%d" % kid), 200)
    for seq in (new_seq, imp_seq):
        r = ctx.search([("q", seq)])
        expect_status(r, 200)
        check(r.json["results"] == [],
              "a refused request stored %s" % short(seq, 20), r)
    # and the same requests without the query string do what they say
    ctx.add(new_seq)
    r = ctx.client.request("DELETE", "/api/sequences/%d" % kid)
    expect_status(r, 204)
    ctx.unregister(kid)


@test
def test_search_post_refuses_query_string(ctx):
    # A query string beside a JSON body was silently ignored (200 at
    # max_distance 0); now it is refused, naming its first parameter.
    seq = ctx.uniq(40)
    ctx.add(seq)
    near = ("A" if seq[5] != "A" else "C").join((seq[:5], seq[6:]))
    r = ctx.client.request("POST", "/api/search?max_distance=2&limit=oops",
                           {"q": near})
    e = expect_error(r, 400, "invalid_parameter", parameter="max_distance")
    check("JSON body" in e["message"],
          "the message does not say where the parameters go", r)
    r = ctx.client.request("POST", "/api/search", {"q": near, "max_distance": 2})
    expect_status(r, 200)
    check([h["sequence"] for h in r.json["results"]] == [seq],
          "the body's max_distance was not used", r)


@test
def test_json_non_finite_numbers_invalid_json(ctx):
    # json-c (0.16) parses NaN, Infinity and "1." as doubles even in strict
    # mode; they are not JSON: invalid_json with the byte offset
    for path, body, offset in (
            ("/api/search", '{"q":"ACGT","max_distance":NaN}', 27),
            ("/api/search", '{"q":"ACGT","max_distance":-Infinity}', 27),
            ("/api/search", '{"q":"ACGT","limit":Infinity}', 20),
            ("/api/search", '{"q":"ACGT","limit":1.}', 20),
            ("/api/sequences", '{"sequence":NaN}', 12),
            ("/api/sequences", '{"sequence":1.e5}', 12)):
        r = ctx.client.request("POST", path, body)
        try:
            expect_error(r, 400, "invalid_json", offset=offset)
        except Fail as f:
            raise Fail("%s %s: %s" % (path, body, f), f.resp)


@test
def test_options_answers_allow_without_cors(ctx):
    # Same-origin only: OPTIONS is 204 with Allow and no CORS headers,
    # whatever the Origin; the 405 Allow lists OPTIONS too.
    for path, allow in (("/api/search", "GET, HEAD, POST, OPTIONS"),
                        ("/api/sequences/1", "GET, HEAD, DELETE, OPTIONS"),
                        ("/api/sequences", "POST, OPTIONS")):
        r = ctx.client.request("OPTIONS", path, headers={
            "Authorization": None, "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST"})
        expect_status(r, 204)
        check(r.header("Allow") == allow, "Allow %r, want %r"
              % (r.header("Allow"), allow), r)
        check(r.header("Access-Control-Allow-Origin") is None,
              "a CORS grant on a same-origin API", r)
    r = ctx.client.request("PUT", "/api/health")
    expect_error(r, 405, "method_not_allowed",
                 allow=["GET", "HEAD", "OPTIONS"])


# --- long sequences that share almost everything (issue 9, item 4) ----------

# 67,200 bases and 1,001 one-substitution variants: the shape of plasmids
# sharing a backbone or variants of one genome. The sizes make the old
# candidate cap (max(1000, 64 MiB / (|q| + k + 1)) rows = 1,000 here)
# too small, which answered 422 at max_distance 0 and raised a worker's
# peak memory to about 70 MB.
LONG_VARIANT_BASES = 67_200
LONG_VARIANT_COUNT = 1_001
# A worker's peak resident memory (VmHWM) while it answers them: the
# sequences of a candidate batch (8 MiB) and of a page (50 x 67 kB,
# twice: kept and as JSON) over a resting worker of about 5-15 MB.
WORKER_PEAK_MB = 40


def _worker_pids(ctx):
    """The supervisor's children (the workers), or None without
    --supervisor-pid."""
    if not ctx.supervisor:
        return None
    pids = set()
    for tid in os.listdir("/proc/%d/task" % ctx.supervisor):
        with open("/proc/%d/task/%s/children" % (ctx.supervisor, tid)) as f:
            pids.update(int(x) for x in f.read().split())
    return sorted(pids)


def _worker_plain(pid):
    """True if the worker runs as itself (no valgrind, no ASan), so that
    its memory says something about dnadb's."""
    try:
        exe = os.path.basename(os.readlink("/proc/%d/exe" % pid))
        with open("/proc/%d/maps" % pid) as f:
            maps = f.read()
    except OSError:
        return False
    return exe.startswith("dnadb-fcgi") and "libasan" not in maps


def _vm_hwm_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@test
def test_search_long_variants_exact_and_memory_bounded(ctx):
    """A long sequence and 1,001 stored variants of it, each with one
    substitution after base 1,000: max_distance 0 finds exactly the
    sequence (one hash look-up), max_distance 1 all 1,002 rows over the
    pages, and no worker's peak memory passes WORKER_PEAK_MB. The rows
    are imported, not registered: no other test's length window reaches
    them, and this one runs after the oracle tests."""
    rng = ctx.rng
    pids = _worker_pids(ctx)
    plain = pids is not None and pids and all(_worker_plain(p) for p in pids)
    n, count = LONG_VARIANT_BASES, LONG_VARIANT_COUNT
    if pids and not plain:      # valgrind or ASan: the same shape, smaller
        n, count = 6_000, 60
    base = rand_seq(rng, n)
    variants = set()
    while len(variants) < count:
        p = rng.randrange(1000, n)
        c = rng.choice([x for x in ALPHABET if x != base[p]])
        variants.add(base[:p] + c + base[p + 1:])
    rows = [base] + sorted(variants)
    # import in files under the server's import cap
    cap = min(ctx.import_limit or (8 << 20), 8 << 20) - 4096
    per = max(1, cap // (n + 1))
    inserted = 0
    for i in range(0, len(rows), per):
        r = import_file(ctx, "\n".join(rows[i:i + per]) + "\n")
        expect_status(r, 200)
        inserted += r.json.get("inserted", 0)
    check(inserted == len(rows), "imported %d of %d rows" % (inserted, len(rows)))
    if plain:
        for pid in pids:        # reset VmHWM to the current RSS
            try:
                with open("/proc/%d/clear_refs" % pid, "w") as f:
                    f.write("5")
            except OSError:
                pass

    # k = 0: exactly the sequence itself, one page
    for q in (base, rows[1 + rng.randrange(count)]):
        r = search_post(ctx, {"q": q, "max_distance": 0})
        expect_status(r, 200)
        b = check_search_body(r, q, 0, DEFAULT_LIMIT)
        check(len(b["results"]) == 1 and b["results"][0]["sequence"] == q
              and b["results"][0]["distance"] == 0
              and b["next_cursor"] is None,
              "k=0: %d results, want exactly the query" % len(b["results"]), r)
    # k = 1: the sequence and every variant, each once, over the pages
    res, pages = search_all(ctx, base, 1, DEFAULT_LIMIT, post=True)
    got = sorted(x["sequence"] for x in res)
    check(len(got) == len(rows) and got == sorted(rows),
          "k=1: %d results over %d pages, want the %d stored rows"
          % (len(got), pages, len(rows)))
    check(len({x["id"] for x in res}) == len(res), "k=1: an id twice")
    check([x["distance"] for x in res] == [0] + [1] * count,
          "k=1: distances are not one 0 then 1s")
    # a cursor at distance 0 skips the only row of k = 0
    r = search_post(ctx, {"q": base, "max_distance": 0, "limit": 1})
    expect_status(r, 200)
    check(r.json["next_cursor"] is None, "k=0, limit 1: a next_cursor", r)

    note = "%d x %d bases, k=1 in %d pages" % (len(rows), n, pages)
    if not plain:
        return note + (" (worker memory not checked: %s)" % (
            "no --supervisor-pid" if pids is None else
            "workers run under valgrind or ASan"))
    peak = max(_vm_hwm_kb(p) for p in _worker_pids(ctx)) // 1024
    check(peak <= WORKER_PEAK_MB, "a worker's peak memory (VmHWM) reached "
          "%d MB, bound %d MB" % (peak, WORKER_PEAK_MB))
    return note + ", worker peak %d MB (bound %d)" % (peak, WORKER_PEAK_MB)


# --- what reviewers met as new users: blank lines, messages ---------------
@test
def test_import_whitespace_only_lines_and_trailing_blanks(ctx):
    a, b, c, d, e, f = (ctx.uniq(70 + i) for i in range(6))
    # a line of spaces before the first record, and between records (was:
    # invalid_record line 1, column 1: ' '); trailing blanks on sequence lines
    r = import_gz(ctx, (" \n>a\n%s \n\t \n>b\n%s\t\n" % (a, b)).encode())
    expect_imported(ctx, r, [a, b], "fasta", False)
    fq = "\t\n@r1\n%s \n+\n%s\n  \n@r2\n%s\n+\n%s\t\n" % (
        c, "I" * len(c), d, "I" * len(d))
    expect_imported(ctx, import_gz(ctx, fq.encode()), [c, d], "fastq", False)
    r = import_gz(ctx, ("  \n%s  \r\n \t \r\n%s\r\n" % (e, f)).encode())
    expect_imported(ctx, r, [e, f], "plain", False)


@test
def test_import_gzip_zero_padding_and_trailing_bytes_named(ctx):
    a, b = ctx.uniq(76), ctx.uniq(77)
    # zero padding after the last member is ignored, as gzip(1) does
    r = import_gz(ctx, gzip.compress((">a\n%s\n" % a).encode()) + b"\0" * 5)
    expect_imported(ctx, r, [a], "fasta", True)
    # other bytes are refused saying what they are (was: "gzip member 2 is
    # corrupt (incorrect header check)")
    z = gzip.compress((">b\n%s\n" % b).encode())
    r = import_gz(ctx, z + b"\0\0junk")
    e = expect_error(r, 400, "invalid_gzip", reason="corrupt")
    want = "6 bytes after the end of the gzip data (from byte %d" % len(z)
    check(want in e["message"] and "not another gzip member" in e["message"],
          "message %r lacks %r" % (e["message"], want), r)
    expect_nothing_stored(ctx, [b])


@test
def test_json_errors_name_what_and_where(ctx):
    seq = ctx.uniq(78)
    # a repeated member: named, with the offset of its second occurrence
    body = ('{"sequence":"%s","sequence":"%s"}' % (seq, seq)).encode()
    e = expect_error(ctx.post(body), 400, "invalid_json",
                     offset=len(seq) + 15)
    check("'sequence'" in e["message"], "message %r" % e["message"])
    # json-c's vague messages gain the word or character found
    for body, offset, has in (
            (b'{"q":"ACGT","limit":nan}', 20, "'nan' is not a JSON value"),
            (b'{"q":"ACGT","max_distance":01}', 27, "no leading zero"),
            (b'{"q":"ACGT","limit":.5}', 20, "'.5' is not a JSON value"),
            (b'{"q":"ACGT",}', 12, "trailing comma"),
            (b'{"q" "ACGT"}', 5, "'\"' found")):
        e = expect_error(search_post(ctx, body), 400, "invalid_json",
                         offset=offset)
        check(has in e["message"], "%r: message %r lacks %r"
              % (body, e["message"], has))
    check(exact_ids(ctx, seq) == [], "a refused add stored its sequence")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Black-box HTTP tests for the dnadb API "
        "(docs/api.md). Prints one line per test and a final "
        "'N passed, M failed'; exits 1 if any test failed.")
    ap.add_argument("--base-url", default="http://127.0.0.1:18080",
                    help="server root (default %(default)s)")
    ap.add_argument("--oracle", default="t/oracle",
                    help="path of the oracle binary (default %(default)s)")
    ap.add_argument("--seed", type=int, default=None,
                    help="random seed (default: from the clock; printed)")
    ap.add_argument("--only", default=None, metavar="NAME_SUBSTRING",
                    help="run only the tests whose name contains this")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="socket timeout per request, seconds "
                    "(default %(default)s)")
    ap.add_argument("--fresh-db", action="store_true",
                    help="the database was empty when the run started: a "
                    "row this run did not store is a failure (so the "
                    "oracle sees every stored row)")
    ap.add_argument("--import-limit", type=int, default=0,
                    help="the server's max_import_bytes, to test its 413")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="size factor of the at-scale oracle test "
                    "(default 1: >= 20,000 strings, 2,000 queries)")
    ap.add_argument("--token", default=os.environ.get("DNADB_TOKEN", ""),
                    help="write token sent with every request (default: "
                    "$DNADB_TOKEN)")
    ap.add_argument("--read-token", default="",
                    help="a read token, for the access-control tests")
    ap.add_argument("--revoked-token", default="",
                    help="a revoked token, for the access-control tests")
    ap.add_argument("--public-read", type=int, choices=(0, 1), default=0,
                    help="the server's public_read setting (default 0)")
    ap.add_argument("--supervisor-pid", type=int, default=0,
                    help="pid of the workers' supervisor, to read the "
                    "workers' peak memory (/proc/PID/status)")
    ap.add_argument("--list", action="store_true",
                    help="list the test names and exit")
    ap.add_argument("--self-test", action="store_true",
                    help="check the suite's own helpers offline and exit")
    args = ap.parse_args(argv)
    if args.self_test:
        self_test()
        return 0
    if args.list:
        for fn in TESTS:
            print(fn.__name__)
        return 0
    seed = args.seed if args.seed is not None else \
        int(time.time() * 1000) % 1_000_000_007
    print("# dnadb HTTP tests against %s, seed %d" % (args.base_url, seed))
    sys.stdout.flush()
    ctx = Ctx(args.base_url, args.oracle, seed, args.timeout)
    ctx.fresh_db = args.fresh_db
    ctx.import_limit = args.import_limit
    ctx.scale_factor = args.scale
    ctx.token = args.token
    ctx.tokens = {"write": args.token, "read": args.read_token,
                  "revoked": args.revoked_token}
    ctx.public_read = bool(args.public_read)
    ctx.supervisor = args.supervisor_pid
    _, failed = run_tests(ctx, TESTS, args.only)
    if args.only and not any(args.only in fn.__name__ for fn in TESTS):
        print("warning: no test name contains %r" % args.only,
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
