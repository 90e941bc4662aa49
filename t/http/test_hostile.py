#!/usr/bin/env python3
"""Hostile-HTTP black-box tests for a dnadb stack (nginx + FastCGI workers).

    python3 t/http/test_hostile.py --base-url http://127.0.0.1:8080 \
        [--token WRITE_TOKEN] [--supervisor-pid PID] [--client-timeout S] \
        [--only NAME_SUBSTRING]

The promise checked: whatever a client sends, the server answers a 4xx in
the API's JSON error envelope with an X-Request-Id header (whether nginx or
a worker answered), or nginx closes the connection.  Never a 5xx, never a
hang, and the number of live workers never drops.  Afterwards a normal
request still answers 200.

Every request is written by hand on a raw socket (so it can be malformed),
and every socket operation has a timeout, so the suite itself cannot hang.
--token is sent as "Authorization: Bearer TOKEN" on every request that can
carry headers.  --supervisor-pid names the process whose children are the
live workers; each test then counts them before and after and fails if
fewer remain after 2 s (the supervisor's time to respawn), or if a worker
exited during the test.  --client-timeout is nginx's client_header_timeout
and client_body_timeout (seconds); it bounds the slow-client tests.

Prints one line per test ("ok   NAME" or "FAIL NAME: why") and then
"N passed, M failed"; exits 1 if any test failed.  Standard library only.
"""

import argparse
import json
import os
import re
import select
import socket
import sys
import threading
import time
import traceback
import urllib.parse

MAX_BODY_BYTES = 1 << 20        # default max_body_bytes
URI_MAX = 16 * 1024             # nginx large_client_header_buffers 4 16k
RID_RE = re.compile(r"^[0-9a-fA-F]{8,64}$")
RESPAWN_GRACE_S = 2.0           # time the supervisor has to replace a worker
SLOW_MARGIN_S = 3.0             # nginx's timers plus our polling
PROMPT_S = 2.0                  # a normal request beside slow clients


# --------------------------------------------------------------------------
# failures and responses

class Fail(Exception):
    """A test assertion failed."""


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def short(s, n=100):
    if isinstance(s, bytes):
        s = s.decode("utf-8", "replace")
    s = str(s).replace("\r", "\\r").replace("\n", "\\n")
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


class Closed:
    """The server closed (or reset) the connection without an answer."""

    def __init__(self, note):
        self.note = note

    def describe(self):
        return "connection closed without an answer (%s)" % self.note


class Response:
    def __init__(self, label, status, reason, headers, body, http09=False):
        self.label = label              # what was sent, for messages
        self.status = status            # None for an HTTP/0.9 answer
        self.reason = reason
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes
        self.http09 = http09

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise Fail("%s: body is not JSON (%s): %s"
                       % (self.label, e, short(self.body)))

    def describe(self):
        if self.http09:
            return "HTTP/0.9 answer %s" % short(self.body)
        return "%s %s [X-Request-Id %s] %s" % (
            self.status, self.reason, self.header("X-Request-Id"),
            short(self.body, 160))


# --------------------------------------------------------------------------
# raw-socket client

class Conn:
    """One TCP connection; every operation is bounded by a timeout."""

    def __init__(self, ctx, timeout=None):
        self.ctx = ctx
        self.timeout = timeout or ctx.timeout
        self.sock = socket.create_connection((ctx.host, ctx.port),
                                             timeout=self.timeout)
        self.buf = b""
        self.eof = False
        self.reset = False
        self.send_note = ""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        """Send all of data; False if the server stopped reading (closed or
        reset), which a refusal may legitimately do."""
        try:
            view = memoryview(data)
            for i in range(0, len(view), 65536):
                self.sock.sendall(view[i:i + 65536])
            return True
        except socket.timeout:
            raise Fail("sending blocked for %.1fs (server neither reads nor "
                       "closes)" % self.timeout)
        except (BrokenPipeError, ConnectionResetError) as e:
            self.send_note = "send stopped: %s" % type(e).__name__
            return False

    def shut_wr(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _more(self, deadline, what):
        """Read more bytes into buf; False at end of stream."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail("no %s within %.1fs: the server hangs"
                       % (what, self.timeout_used))
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise Fail("no %s within %.1fs: the server hangs"
                       % (what, self.timeout_used))
        except (ConnectionResetError, ConnectionAbortedError):
            self.eof = self.reset = True
            return False
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _take(self, n):
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, label, method="GET", timeout=None):
        """Read one response: a Response, or Closed if the server closed
        the connection before sending a byte.  Raises Fail on a hang or a
        response cut short."""
        self.timeout_used = timeout or self.timeout
        deadline = time.monotonic() + self.timeout_used
        while True:
            while len(self.buf) < 5 and self._more(deadline, "answer"):
                pass
            if not self.buf:
                note = "reset" if self.reset else "EOF"
                if self.send_note:
                    note += "; " + self.send_note
                return Closed(note)
            if not self.buf.startswith(b"HTTP/"):
                # an HTTP/0.9 answer: the body alone, up to the close
                while self._more(deadline, "end of an HTTP/0.9 answer"):
                    pass
                return Response(label, None, "", [], self._take(len(self.buf)),
                                http09=True)
            while b"\r\n\r\n" not in self.buf:
                if not self._more(deadline, "complete response head"):
                    raise Fail("%s: connection closed inside the response "
                               "head: %s" % (label, short(self.buf)))
            end = self.buf.index(b"\r\n\r\n")
            head = self._take(end + 4)[:end].decode("latin-1")
            lines = head.split("\r\n")
            parts = lines[0].split(" ", 2)
            try:
                status = int(parts[1])
            except (IndexError, ValueError):
                raise Fail("%s: bad status line %r" % (label, lines[0]))
            reason = parts[2] if len(parts) > 2 else ""
            headers = []
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers.append((k.strip(), v.strip()))
            if 100 <= status < 200:
                continue                # 100 Continue: the real one follows
            r = Response(label, status, reason, headers, b"")
            te = (r.header("Transfer-Encoding") or "").lower()
            cl = r.header("Content-Length")
            if method == "HEAD" or status in (204, 304):
                pass
            elif "chunked" in te:
                r.body = self._read_chunked(label, deadline)
            elif cl is not None:
                n = int(cl)
                while len(self.buf) < n:
                    if not self._more(deadline, "complete body"):
                        raise Fail("%s: body cut short (%d of %d bytes)"
                                   % (label, len(self.buf), n))
                r.body = self._take(n)
            else:
                while self._more(deadline, "end of the body"):
                    pass
                r.body = self._take(len(self.buf))
            return r

    def _read_chunked(self, label, deadline):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                if not self._more(deadline, "chunk size"):
                    raise Fail("%s: chunked body cut short" % label)
            line = self._take(self.buf.index(b"\r\n") + 2)[:-2]
            n = int(line.split(b";")[0], 16)
            while len(self.buf) < n + 2:
                if not self._more(deadline, "chunk"):
                    raise Fail("%s: chunked body cut short" % label)
            body += self._take(n + 2)[:n]
            if n == 0:
                return body


class Ctx:
    def __init__(self, args):
        u = urllib.parse.urlsplit(args.base_url)
        if u.scheme != "http" or not u.hostname:
            raise SystemExit("--base-url must look like http://HOST:PORT")
        self.host = u.hostname
        self.port = u.port or 80
        self.prefix = u.path.rstrip("/")
        self.hostport = "%s:%d" % (self.host, self.port)
        self.token = args.token
        self.supervisor = args.supervisor_pid
        self.client_timeout = args.client_timeout
        # a normal answer comes well within this; more is a hang
        self.timeout = args.timeout
        self.waited_429 = []        # Retry-After of each 429 waited out

    def path(self, p):
        return self.prefix + p if p.startswith("/") else p

    def request(self, method, target, body=b"", ctype=None, headers=(),
                version="HTTP/1.1", host=True, auth=True, close=True,
                clen=None):
        """The bytes of a request.  clen: None sends the body's length when
        there is a body (or for POST), False sends none, anything else is
        sent as the Content-Length value as is."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        lines = ["%s %s %s" % (method, self.path(target), version)]
        if host:
            lines.append("Host: " + self.hostport)
        if auth and self.token:
            lines.append("Authorization: Bearer " + self.token)
        if close:
            lines.append("Connection: close")
        if ctype is not None:
            lines.append("Content-Type: " + ctype)
        if clen is None:
            if body or method == "POST":
                lines.append("Content-Length: %d" % len(body))
        elif clen is not False:
            lines.append("Content-Length: %s" % clen)
        lines.extend(headers)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def exchange(self, data, label, method="GET", timeout=None,
                 half_close=False, retry_429=True):
        """Send raw bytes on a new connection and read one answer.  A 429
        (rate limit) is waited out and retried: it says nothing about the
        request itself."""
        for attempt in range(10):
            c = Conn(self, timeout)
            try:
                c.send(data)
                if half_close:
                    c.shut_wr()
                r = c.read_response(label, method, timeout)
            finally:
                c.close()
            if (retry_429 and isinstance(r, Response) and r.status == 429
                    and attempt < 9):
                self.waited_429.append(r.header("Retry-After"))
                try:
                    wait = float(r.header("Retry-After") or 0.5)
                except ValueError:
                    wait = 0.5
                time.sleep(min(max(wait, 0.2), 2.0))
                continue
            no_5xx(r)
            return r

    def send(self, method, target, body=b"", ctype=None, **kw):
        """Build, send and read one request; kw as for request() plus
        timeout and half_close."""
        ex = {k: kw.pop(k) for k in ("timeout", "half_close") if k in kw}
        label = "%s %s" % (method, short(target, 60))
        return self.exchange(self.request(method, target, body, ctype, **kw),
                             label, method, **ex)

    def post_json(self, path, body, ctype="application/json", **kw):
        return self.send("POST", path, body, ctype, **kw)

    def get(self, path, **kw):
        return self.send("GET", path, **kw)

    # --- the workers -----------------------------------------------------

    def workers(self):
        """PIDs of the supervisor's children, or None without
        --supervisor-pid."""
        if not self.supervisor:
            return None
        pids = set()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % name, "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            # pid (comm) state ppid ...; comm may hold spaces or ')'
            fields = stat[stat.rfind(b")") + 2:].split()
            if len(fields) > 1 and fields[1] == str(self.supervisor).encode():
                pids.add(int(name))
        return pids


def no_5xx(r):
    if isinstance(r, Response) and r.status is not None and r.status >= 500:
        raise Fail("%s answered with a 5xx: %s" % (r.label, r.describe()))


# --------------------------------------------------------------------------
# what an answer must look like

def envelope(r):
    """Check the JSON error envelope and X-Request-Id; return error{}."""
    if r.http09:
        b = r.json()
    else:
        rid = r.header("X-Request-Id")
        check(rid and RID_RE.match(rid),
              "%s: X-Request-Id is %r: %s" % (r.label, rid, r.describe()))
        # the workers' exact Content-Type, whoever answered
        ct = (r.header("Content-Type") or "").lower()
        check(ct == "application/json; charset=utf-8",
              "%s: Content-Type %r, not the JSON envelope's "
              "'application/json; charset=utf-8': %s"
              % (r.label, ct, r.describe()))
        b = r.json()
    check(isinstance(b, dict) and isinstance(b.get("error"), dict),
          "%s: body is not {\"error\": {...}}: %s" % (r.label, r.describe()))
    e = b["error"]
    check(isinstance(e.get("code"), str) and e["code"],
          "%s: error.code missing: %s" % (r.label, r.describe()))
    check(isinstance(e.get("message"), str) and e["message"],
          "%s: error.message missing: %s" % (r.label, r.describe()))
    return e


def expect_error(r, status, code=None, **details):
    """A Response with this status (or one of a tuple) and code (or one of
    a tuple), in the envelope; details: error member name=value."""
    check(isinstance(r, Response),
          "expected %s %s, got %s" % (status, code or "", r.describe()))
    statuses = status if isinstance(status, tuple) else (status,)
    check(r.status in statuses, "%s: expected %s %s, got %s"
          % (r.label, "/".join(map(str, statuses)), code or "",
             r.describe()))
    e = envelope(r)
    if code is not None:
        codes = code if isinstance(code, tuple) else (code,)
        check(e["code"] in codes, "%s: expected code %s, got %s"
              % (r.label, "/".join(codes), r.describe()))
    for k, v in details.items():
        check(e.get(k) == v, "%s: error.%s is %r, want %r: %s"
              % (r.label, k, e.get(k), v, r.describe()))
    return e


def expect_refused(r, status=None, code=None, allow_close=True):
    """A 4xx in the envelope (status/code narrowed when given), or, if
    allow_close, the connection closed without an answer."""
    if isinstance(r, Closed):
        check(allow_close, "expected a 4xx answer, got " + r.describe())
        return None
    if r.http09:
        # no status line to check: the body must still be the envelope
        e = envelope(r)
        if code is not None:
            codes = code if isinstance(code, tuple) else (code,)
            check(e["code"] in codes, "%s: expected code %s, got %s"
                  % (r.label, "/".join(codes), r.describe()))
        return e
    if status is None:
        check(r.status is not None and 400 <= r.status < 500,
              "%s: expected a 4xx, got %s" % (r.label, r.describe()))
        return envelope(r)
    return expect_error(r, status, code)


def expect_ok(r, status=200):
    check(isinstance(r, Response) and r.status == status,
          "expected %d, got %s" % (status, r.describe()))
    check(RID_RE.match(r.header("X-Request-Id") or ""),
          "%s: no X-Request-Id: %s" % (r.label, r.describe()))
    return r.json()


def expect_health(r):
    b = expect_ok(r)
    check(b == {"status": "ok"}, "%s: health body %s"
          % (r.label, short(r.body)))


def cases(fn, items):
    """Run fn(item) for each item; collect every failure, not just the
    first, so one run shows the whole picture."""
    bad = []
    for it in items:
        try:
            fn(it)
        except Fail as f:
            bad.append(str(f))
    check(not bad, "%d of %d cases: %s" % (len(bad), len(items),
                                           " | ".join(bad)))


def rand_seq(n):
    return "".join("ACGT"[b & 3] for b in os.urandom(n))


def chunked(body, size):
    out = b""
    for i in range(0, len(body), size):
        c = body[i:i + size]
        out += b"%x\r\n" % len(c) + c + b"\r\n"
    return out + b"0\r\n\r\n"


SEARCH_OK = '{"q":"ACGTACGTAC","max_distance":1}'


# --------------------------------------------------------------------------
# tests (registered in order)

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


# --- body size and framing ------------------------------------------------

@test
def test_body_over_max_with_content_length_413(ctx):
    body = b'{"sequence":"' + b"A" * MAX_BODY_BYTES + b'"}'
    r = ctx.post_json("/api/sequences", body)
    expect_error(r, 413, "body_too_large", max_bytes=MAX_BODY_BYTES)
    # declared but never sent: nginx must refuse on the header alone
    data = ctx.request("POST", "/api/sequences", ctype="application/json",
                       clen=MAX_BODY_BYTES + 1)
    r = ctx.exchange(data, "POST /api/sequences (CL max+1, no body)", "POST")
    expect_error(r, 413, "body_too_large")


@test
def test_body_over_max_chunked_413(ctx):
    body = b'{"sequence":"' + b"A" * MAX_BODY_BYTES + b'"}'
    data = ctx.request("POST", "/api/sequences", chunked(body, 65536),
                       "application/json", clen=False,
                       headers=["Transfer-Encoding: chunked"])
    r = ctx.exchange(data, "POST /api/sequences (chunked 1 MiB+)", "POST")
    expect_error(r, 413, "body_too_large")


@test
def test_body_over_max_http10_undeclared(ctx):
    # HTTP/1.0 without Content-Length: no body is read, the rest is noise
    body = b'{"sequence":"' + b"A" * (MAX_BODY_BYTES + 10) + b'"}'
    data = ctx.request("POST", "/api/sequences", body, "application/json",
                       version="HTTP/1.0", clen=False)
    r = ctx.exchange(data, "POST /api/sequences HTTP/1.0 (no CL)", "POST")
    expect_refused(r, 400, ("invalid_json", "bad_request"))


@test
def test_body_truncated_then_close(ctx):
    data = ctx.request("POST", "/api/sequences", ctype="application/json",
                       clen=100) + b'{"sequence":"ACGT'
    r = ctx.exchange(data, "POST CL 100, 17 bytes, close", "POST",
                     half_close=True)
    expect_refused(r, (400, 408), ("incomplete_body", "bad_request",
                                   "request_timeout"))


@test
def test_body_truncated_then_timeout(ctx):
    data = ctx.request("POST", "/api/sequences", ctype="application/json",
                       clen=100) + b'{"sequence":"ACGT'
    bound = ctx.client_timeout + SLOW_MARGIN_S
    t0 = time.monotonic()
    r = ctx.exchange(data, "POST CL 100, 17 bytes, wait", "POST",
                     timeout=bound)
    expect_refused(r, 408, "request_timeout")
    return "ended after %.1fs" % (time.monotonic() - t0)


@test
def test_content_length_smaller_than_body(ctx):
    # nginx takes 5 bytes as the body; the rest is parsed as the next
    # request on the connection (a smuggling attempt): refused, not run
    body = b'{"sequence":"ACGT"}\r\n\r\n'
    data = ctx.request("POST", "/api/sequences", body, "application/json",
                       clen=5, close=False)
    c = Conn(ctx)
    try:
        c.send(data)
        r = c.read_response("POST CL 5 of 19 bytes", "POST")
        no_5xx(r)
        expect_error(r, 400, "invalid_json")
        r2 = c.read_response("the 18 bytes after it")
        no_5xx(r2)
        expect_refused(r2, 400, "bad_request")
    finally:
        c.close()


@test
def test_content_length_negative_400(ctx):
    data = ctx.request("POST", "/api/sequences", b"{}", "application/json",
                       clen="-1")
    expect_error(ctx.exchange(data, "CL -1", "POST"), 400, "bad_request")


@test
def test_content_length_garbage_400(ctx):
    def one(v):
        data = ctx.request("POST", "/api/sequences", b"{}",
                           "application/json", clen=v)
        r = ctx.exchange(data, "CL %r" % short(v, 30), "POST")
        expect_error(r, 400, "bad_request")
    cases(one, ["abc", "+2", "", "2, 2", "0x2", "2 2", "9223372036854775808",
                "99999999999999999999999"])


@test
def test_content_length_twice_400(ctx):
    def one(vals):
        data = ctx.request("POST", "/api/sequences", b"{}x",
                           "application/json", clen=False,
                           headers=["Content-Length: %s" % v for v in vals])
        r = ctx.exchange(data, "CL %s" % "+".join(vals), "POST")
        expect_error(r, 400, "bad_request")
    cases(one, [("2", "2"), ("2", "3"), ("3", "2")])


@test
def test_content_length_with_chunked_400(ctx):
    data = ctx.request("POST", "/api/search", b"2\r\n{}\r\n0\r\n\r\n",
                       "application/json", clen=2,
                       headers=["Transfer-Encoding: chunked"])
    expect_error(ctx.exchange(data, "CL + chunked", "POST"), 400,
                 "bad_request")


@test
def test_chunked_valid_json_201_then_409(ctx):
    seq = rand_seq(48)
    body = json.dumps({"sequence": seq}).encode()
    data = ctx.request("POST", "/api/sequences", chunked(body, 7),
                       "application/json", clen=False,
                       headers=["Transfer-Encoding: chunked"])
    r = ctx.exchange(data, "POST chunked (7-byte chunks)", "POST")
    b = expect_ok(r, 201)
    check(b.get("sequence") == seq, "stored %r, sent %r"
          % (b.get("sequence"), seq))
    data = ctx.request("POST", "/api/sequences", chunked(body, 1),
                       "application/json", clen=False,
                       headers=["Transfer-Encoding: chunked"])
    r = ctx.exchange(data, "POST chunked (1-byte chunks)", "POST")
    expect_error(r, 409, "duplicate", id=b.get("id"))
    # extensions and trailers are legal chunked syntax
    body = SEARCH_OK.encode()
    data = ctx.request("POST", "/api/search",
                       b"%x;ext=1\r\n" % len(body) + body
                       + b"\r\n0\r\nX-Trailer: 1\r\n\r\n",
                       "application/json", clen=False,
                       headers=["Transfer-Encoding: chunked"])
    expect_ok(ctx.exchange(data, "POST /api/search chunked", "POST"))


@test
def test_chunked_malformed_sizes_400(ctx):
    body = SEARCH_OK.encode()

    def one(raw):
        data = ctx.request("POST", "/api/search", raw, "application/json",
                           clen=False, headers=["Transfer-Encoding: chunked"])
        r = ctx.exchange(data, "chunked %s" % short(raw, 30), "POST")
        expect_error(r, 400, "bad_request")
    cases(one, [
        b"zz\r\n" + body + b"\r\n0\r\n\r\n",
        b"-2\r\n{}\r\n0\r\n\r\n",
        b"0x2\r\n{}\r\n0\r\n\r\n",
        b"3\r\n" + body + b"\r\n0\r\n\r\n",              # size too small
        b"%x\r\n" % len(body) + body + b"XX0\r\n\r\n",   # no CRLF after data
        b" \r\n{}\r\n0\r\n\r\n",
    ])


@test
def test_chunked_huge_size(ctx):
    def one(item):
        size, status = item
        data = ctx.request("POST", "/api/sequences",
                           size + b"\r\n{}\r\n0\r\n\r\n", "application/json",
                           clen=False, headers=["Transfer-Encoding: chunked"])
        r = ctx.exchange(data, "chunk size %s" % size.decode(), "POST")
        expect_error(r, status, {400: "bad_request",
                                 413: "body_too_large"}[status])
    cases(one, [(b"FFFFFFFFFFFFFFFFFF", 400), (b"7fffffffffffffff", 400),
                (b"10000000000000000", 400), (b"200000", 413),
                (b"100001", 413)])


@test
def test_chunked_unterminated_then_close(ctx):
    body = SEARCH_OK.encode()
    data = ctx.request("POST", "/api/search",
                       b"%x\r\n" % len(body) + body + b"\r\n",
                       "application/json", clen=False,
                       headers=["Transfer-Encoding: chunked"])
    r = ctx.exchange(data, "chunked without last chunk", "POST",
                     half_close=True)
    expect_refused(r, 400, ("bad_request", "incomplete_body"))


@test
def test_transfer_encoding_unsupported_4xx_json(ctx):
    def one(te):
        data = ctx.request("POST", "/api/search", b"{}", "application/json",
                           headers=["Transfer-Encoding: " + te])
        r = ctx.exchange(data, "Transfer-Encoding: " + te, "POST")
        expect_refused(r)
    cases(one, ["gzip", "identity", "chunked, chunked", "gzip, chunked"])


# --- Content-Type ---------------------------------------------------------

@test
def test_content_type_missing_415(ctx):
    def one(item):
        path, body = item
        r = ctx.post_json(path, body, ctype=None)
        expect_error(r, 415, "unsupported_media_type")
    cases(one, [("/api/sequences", '{"sequence":"ACGT"}'),
                ("/api/search", SEARCH_OK), ("/api/search", "")])


@test
def test_content_type_wrong_415(ctx):
    def one(item):
        path, ct = item
        body = SEARCH_OK if path == "/api/search" else '{"sequence":"ACGT"}'
        r = ctx.post_json(path, body, ctype=ct)
        expect_error(r, 415, "unsupported_media_type")
    types = ["text/plain", "application/x-www-form-urlencoded",
             "multipart/form-data; boundary=x", "application/jsonx",
             "application/json-patch+json", "text/json", "json", "",
             "application/json, text/plain", "application/octet-stream"]
    cases(one, [(p, t) for p in ("/api/sequences", "/api/search")
                for t in types])


@test
def test_content_type_odd_parameters(ctx):
    def ok(ct):
        expect_ok(ctx.post_json("/api/search", SEARCH_OK, ctype=ct))

    def either(ct):
        r = ctx.post_json("/api/search", SEARCH_OK, ctype=ct)
        if r.status != 200:
            expect_error(r, 415, "unsupported_media_type")
    cases(ok, ["application/json; charset=utf-8",
               "application/json;charset=UTF-8",
               "APPLICATION/JSON", "Application/Json ; foo=\"bar;baz\""])
    # parameters with no sensible meaning: accepted or refused, no more
    cases(either, ["application/json; charset=utf-16",
                   "application/json; charset=\"",
                   "application/json;;;;",
                   "application/json;" + "a=b;" * 1500,
                   "application/json\t"])


# --- JSON bodies ----------------------------------------------------------

def _json_cases(ctx, items):
    """items: (path, body, status, code or tuple, details dict or None)."""
    def one(it):
        path, body, status, code, details = it
        r = ctx.post_json(path, body)
        r.label = "POST %s %s" % (path, short(body, 50))
        expect_error(r, status, code, **(details or {}))
    cases(one, items)


@test
def test_json_deep_nesting_400(ctx):
    _json_cases(ctx, [
        ("/api/search", "[" * 1000 + "]" * 1000, 400, "invalid_json", None),
        ("/api/search", '{"q":' * 1000 + '"A"' + "}" * 1000, 400,
         "invalid_json", None),
        ("/api/sequences", '{"sequence":' + "[" * 1000 + "]" * 1000 + "}",
         400, "invalid_json", None),
        ("/api/search", '{"q":"ACGT","cursor":' + "[" * 9 + "]" * 9 + "}",
         400, "invalid_json", None),
    ])


@test
def test_json_duplicate_members_400(ctx):
    _json_cases(ctx, [
        ("/api/sequences", '{"sequence":"ACGT","sequence":"GGGG"}', 400,
         "invalid_json", None),
        ("/api/search", '{"q":"ACGT","q":"GGGG"}', 400, "invalid_json",
         None),
        ("/api/search", '{"q":"ACGT","limit":1,"limit":2}', 400,
         "invalid_json", None),
    ])


@test
def test_json_nul_in_values_and_names_400(ctx):
    _json_cases(ctx, [
        ("/api/sequences", '{"sequence":"AC\\u0000GT"}', 400,
         "invalid_sequence", {"position": 3}),
        ("/api/search", '{"q":"AC\\u0000GT"}', 400, "invalid_parameter",
         {"parameter": "q"}),
        ("/api/sequences", '{"sequ\\u0000ence":"ACGT"}', 400,
         "invalid_json", None),
        ("/api/sequences", '{"sequence\\u0000":"ACGT"}', 400,
         "invalid_json", None),
        ("/api/sequences", b'{"sequence":"AC\x00GT"}', 400, "invalid_json",
         None),
        ("/api/search", b'{"q":"ACGT"}\x00', 400, "invalid_json", None),
        ("/api/search", '{"q":"ACGT","cursor":"\\u0000"}', 400,
         "invalid_parameter", {"parameter": "cursor"}),
    ])


@test
def test_json_invalid_utf8_400(ctx):
    _json_cases(ctx, [
        ("/api/sequences", b'{"sequence":"AC\xffGT"}', 400, "invalid_json",
         None),
        ("/api/sequences", b'{"seq\xc3":"ACGT"}', 400, "invalid_json", None),
        ("/api/search", b'{"q":"AC\xe2\x82"}', 400, "invalid_json", None),
        ("/api/search", b'{"q":"\x80ACGT"}', 400, "invalid_json", None),
        ("/api/search", b'{"q":"ACGT\xf5\x80\x80\x80"}', 400, "invalid_json",
         None),
    ])


@test
def test_json_overlong_utf8_400(ctx):
    _json_cases(ctx, [
        ("/api/sequences", b'{"sequence":"\xc0\xafACGT"}', 400,
         "invalid_json", None),
        ("/api/sequences", b'{"sequence":"\xc0\x80ACGT"}', 400,
         "invalid_json", None),
        ("/api/search", b'{"q":"\xe0\x80\xafACGT"}', 400, "invalid_json",
         None),
        ("/api/search", b'{"q":"\xf0\x80\x80\xafACGT"}', 400, "invalid_json",
         None),
        ("/api/search", b'{"q":"\xed\xa0\x80"}', 400, "invalid_json", None),
    ])


@test
def test_json_lone_surrogates_400(ctx):
    # valid JSON syntax, no valid character: refused either as JSON or as a
    # value that is not a base / not a known member
    _json_cases(ctx, [
        ("/api/sequences", '{"sequence":"\\ud800"}', 400,
         ("invalid_json", "invalid_sequence"), None),
        ("/api/sequences", '{"sequence":"ACGT\\udfff"}', 400,
         ("invalid_json", "invalid_sequence"), None),
        ("/api/search", '{"q":"\\ud800\\u0041"}', 400,
         ("invalid_json", "invalid_parameter"), None),
        ("/api/search", '{"q\\ud800":"ACGT"}', 400,
         ("invalid_json", "unknown_field"), None),
    ])


@test
def test_json_huge_numbers_400(ctx):
    items = []
    for name in ("max_distance", "limit"):
        for v in ("1e400", "99999999999999999999999", "9223372036854775808",
                  "18446744073709551617", "-9223372036854775809"):
            items.append(("/api/search", '{"q":"ACGT","%s":%s}' % (name, v),
                          400, "invalid_parameter", {"parameter": name}))
    _json_cases(ctx, items)


@test
def test_json_negative_and_float_numbers_400(ctx):
    items = []
    for name in ("max_distance", "limit"):
        for v in ("-1", "-5", "1.5", "1.0", "1e1", "0.0000001"):
            items.append(("/api/search", '{"q":"ACGT","%s":%s}' % (name, v),
                          400, "invalid_parameter", {"parameter": name}))
    items.append(("/api/search", '{"q":"ACGT","limit":0}', 400,
                  "invalid_parameter", {"parameter": "limit"}))
    items.append(("/api/search", '{"q":"ACGT","max_distance":65}', 400,
                  "invalid_parameter", {"parameter": "max_distance"}))
    _json_cases(ctx, items)


@test
def test_json_wrong_types_400(ctx):
    items = []
    for v in ("true", "false", "null", "12", "1.5", '["ACGT"]',
              '{"a":"ACGT"}'):
        items.append(("/api/sequences", '{"sequence":%s}' % v, 400,
                      "invalid_sequence", {"field": "sequence"}))
        items.append(("/api/search", '{"q":%s}' % v, 400,
                      "invalid_parameter", {"parameter": "q"}))
    for name in ("max_distance", "limit"):
        for v in ("true", "null", '"1"', "[1]", '{"n":1}'):
            items.append(("/api/search", '{"q":"ACGT","%s":%s}' % (name, v),
                          400, "invalid_parameter", {"parameter": name}))
    for v in ("5", "true", "[]", "{}"):
        items.append(("/api/search", '{"q":"ACGT","cursor":%s}' % v, 400,
                      "invalid_parameter", {"parameter": "cursor"}))
    _json_cases(ctx, items)


@test
def test_json_top_level_not_object_400(ctx):
    _json_cases(ctx, [(p, b, 400, "invalid_json", None)
                      for p in ("/api/sequences", "/api/search")
                      for b in ('["ACGT"]', '"ACGT"', "1", "null", "true",
                                "[]")])


@test
def test_json_trailing_garbage_400(ctx):
    _json_cases(ctx, [
        ("/api/sequences", '{"sequence":"ACGT"}xyz', 400, "invalid_json",
         None),
        ("/api/sequences", '{"sequence":"ACGT"}{"sequence":"ACGT"}', 400,
         "invalid_json", None),
        ("/api/search", SEARCH_OK + "]", 400, "invalid_json", None),
        ("/api/search", SEARCH_OK + " 1", 400, "invalid_json", None),
    ])


@test
def test_json_byte_order_mark_400(ctx):
    _json_cases(ctx, [
        ("/api/search", b"\xef\xbb\xbf" + SEARCH_OK.encode(), 400,
         "invalid_json", None),
        ("/api/sequences", b'\xff\xfe{\x00}\x00', 400, "invalid_json", None),
    ])


@test
def test_json_empty_body_400(ctx):
    _json_cases(ctx, [(p, b, 400, "invalid_json", None)
                      for p in ("/api/sequences", "/api/search")
                      for b in ("", "   ", "\r\n")])


@test
def test_json_syntax_extensions_400(ctx):
    _json_cases(ctx, [("/api/search", b, 400, "invalid_json", None) for b in (
        "{'q':'ACGT'}", '{"q":"ACGT"/*c*/}', '{"q":"ACGT",}', '{q:"ACGT"}',
        '{"q":"ACGT","limit":0x10}', '{"q":"ACGT","limit":010}',
        '{"q":"ACGT"', '{"q":"AC', '{"q" "ACGT"}')] + [
        # json-c takes these even in strict mode; dnadb must not
        ("/api/search", '{"q":"ACGT","limit":%s}' % v, 400, "invalid_json",
         {"offset": 20})
        for v in ("NaN", "Infinity", "-Infinity", "1.", "1.e5", "-0.")] + [
        ("/api/search", '{"q":"ACGT","limit":%s}' % v, 400, "invalid_json",
         None) for v in ("nan", "+1", ".5", "1e", "-")])


# --- SQL-looking input ----------------------------------------------------

SQLISH = ["1;DROP TABLE sequences", "' OR 1=1 --",
          "'; DELETE FROM sequences;--", "ACGT' OR 'a'='a",
          "ACGT\\'; SELECT pg_sleep(10);--"]


@test
def test_sql_strings_in_body_fields_400(ctx):
    items = []
    for s in SQLISH:
        items.append(("/api/sequences", json.dumps({"sequence": s}), 400,
                      "invalid_sequence", None))
        items.append(("/api/search", json.dumps({"q": s}), 400,
                      "invalid_parameter", {"parameter": "q"}))
        items.append(("/api/search", json.dumps({"q": "ACGT", "cursor": s}),
                      400, "invalid_parameter", {"parameter": "cursor"}))
        items.append(("/api/sequences", json.dumps({"sequence": "ACGT",
                                                    "id": s}),
                      400, "unknown_field", {"field": "id"}))
    _json_cases(ctx, items)


@test
def test_sql_strings_in_query_400(ctx):
    def one(item):
        name, s = item
        params = [("q", s)] if name == "q" else [("q", "ACGT"), (name, s)]
        qs = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        r = ctx.get("/api/search?" + qs)
        expect_error(r, 400, "invalid_parameter", parameter=name)
    cases(one, [(n, s) for n in ("q", "cursor", "max_distance", "limit")
                for s in SQLISH])


@test
def test_sql_strings_in_path_id_400(ctx):
    def one(p):
        expect_error(ctx.get(p), 400, "invalid_parameter", parameter="id")
    cases(one, ["/api/sequences/1%20OR%201=1",
                "/api/sequences/1;DROP%20TABLE%20sequences",
                "/api/sequences/'%20OR%201=1%20--",
                "/api/sequences/1%27%20OR%20%271%27=%271"])


@test
def test_sql_strings_in_token_401(ctx):
    def one(tok):
        r = ctx.get("/api/search?q=ACGT", auth=False,
                    headers=["Authorization: Bearer " + tok])
        expect_error(r, 401, "invalid_token")
    cases(one, SQLISH + ["dnadb_0000000000000000_' OR 1=1 --",
                         "dnadb_%s_%s" % ("f" * 16, "A" * 43),
                         "dnadb_' OR '1'='1_" + "A" * 43])


@test
def test_path_id_edge_values(ctx):
    def bad(p):
        expect_error(ctx.get(p), 400, "invalid_parameter", parameter="id")
    cases(bad, ["/api/sequences/0", "/api/sequences/-1",
                "/api/sequences/9223372036854775808",
                "/api/sequences/18446744073709551616",
                "/api/sequences/" + "9" * 5000,
                "/api/sequences/" + "1" * 15000,
                "/api/sequences/+1", "/api/sequences/1.0",
                "/api/sequences/0x10", "/api/sequences/1e3",
                "/api/sequences/%201", "/api/sequences/1%20"])
    expect_error(ctx.get("/api/sequences/9223372036854775807"), 404,
                 "not_found")


# --- paths and request lines ------------------------------------------------

@test
def test_path_dot_segments_normalised(ctx):
    def one(p):
        expect_health(ctx.get(p))
    cases(one, ["/api/sequences/../health", "/api/./health",
                "//api//health", "/api/%2e%2e/api/health",
                "/api/sequences/%2e%2e/health", "/api/search/../health"])


@test
def test_path_above_root_400(ctx):
    def one(p):
        expect_error(ctx.get(p), 400, "bad_request")
    cases(one, ["/../../etc/passwd", "/api/../../etc/passwd",
                "/api/%2e%2e/%2e%2e/etc/passwd", "/api/%2E%2E/%2e./%2e%2e/x"])


@test
def test_path_encoded_slashes(ctx):
    # nginx decodes %2F before routing: /api/sequences%2F1 is
    # /api/sequences/1 (whatever that answers), 1%2F2 is no route
    plain = ctx.get("/api/sequences/1")
    r = ctx.get("/api/sequences%2F1")
    check(isinstance(r, Response) and r.status == plain.status,
          "%s answered %s, /api/sequences/1 %s"
          % (r.label, r.describe(), plain.describe()))
    if r.status != 200:
        expect_error(r, r.status)
    expect_error(ctx.get("/api/sequences/1%2F2"), 404, "not_found")
    expect_error(ctx.get("/api/sequences%2f1%2f2"), 404, "not_found")


@test
def test_path_nul_400(ctx):
    def one(p):
        expect_error(ctx.get(p), 400, "bad_request")
    cases(one, ["/api/health%00", "/api/health%00.json",
                "/api/sequences/1%00", "/api/%00/health"])


@test
def test_path_backslashes(ctx):
    def one(p):
        expect_error(ctx.get(p), 404, "not_found")
    cases(one, ["/api/sequences\\1", "/api/%5chealth", "/api/health\\"])
    expect_error(ctx.get("/api/sequences/1\\..\\..\\health"), 400,
                 "invalid_parameter", parameter="id")
    # outside /api/ this is a client route: the static page, not an error
    r = ctx.get("/api\\health")
    check(isinstance(r, Response) and r.status in (200, 400, 404),
          "/api\\health: %s" % r.describe())


@test
def test_path_invalid_percent_encoding_400(ctx):
    def one(p):
        expect_error(ctx.get(p), 400, "bad_request")
    cases(one, ["/api/heal%zzth", "/api/health%", "/api/health%4",
                "/api/sequences/%G1"])


@test
def test_path_over_16k_414(ctx):
    def one(n):
        expect_error(ctx.get("/api/" + "a" * n), 414, "uri_too_long")
    cases(one, [URI_MAX + 100, 70000, 300000])
    r = ctx.get("/api/search?q=" + "A" * (URI_MAX + 10))
    expect_error(r, 414, "uri_too_long")


@test
def test_method_unknown_405(ctx):
    def one(item):
        method, path, allow = item
        r = ctx.send(method, path)
        e = expect_error(r, 405, "method_not_allowed", allow=allow)
        check(r.header("Allow") == ", ".join(allow),
              "%s: Allow header %r" % (r.label, r.header("Allow")))
        check(method in e["message"],
              "%s: message does not name the method sent: %r"
              % (r.label, e["message"]))
    cases(one, [("FOO", "/api/health", ["GET", "HEAD", "OPTIONS"]),
                ("PROPFIND", "/api/search", ["GET", "HEAD", "POST", "OPTIONS"]),
                ("DELETE", "/api/search", ["GET", "HEAD", "POST", "OPTIONS"]),
                ("PUT", "/api/sequences", ["POST", "OPTIONS"]),
                ("PATCH", "/api/sequences", ["POST", "OPTIONS"])])


@test
def test_method_trace_405_json(ctx):
    # nginx refuses TRACE itself, before any location: its 405 still
    # names the path's methods, in the Allow header and error.allow, as
    # the workers' 405 does
    def one(item):
        p, allow = item
        r = ctx.send("TRACE", p)
        e = expect_error(r, 405, "method_not_allowed", allow=allow)
        check(r.header("Allow") == ", ".join(allow),
              "%s: Allow header %r, want %r"
              % (r.label, r.header("Allow"), ", ".join(allow)))
        check("TRACE" in e["message"],
              "%s: message does not name TRACE: %r" % (r.label, e["message"]))
    cases(one, [("/api/health", ["GET", "HEAD", "OPTIONS"]),
                ("/api/search?q=ACGT", ["GET", "HEAD", "POST", "OPTIONS"]),
                ("/api/sequences/1", ["GET", "HEAD", "DELETE", "OPTIONS"]),
                ("/api/sequences", ["POST", "OPTIONS"]),
                ("/api/sequences/import", ["POST", "OPTIONS"]),
                ("/", ["GET", "HEAD"])])


@test
def test_method_options_204_allow_no_cors(ctx):
    # The API is same-origin only: OPTIONS says what a path allows (204,
    # Allow) and never grants another origin anything, preflight or not
    def one(item):
        p, allow = item
        r = ctx.send("OPTIONS", p, auth=False, headers=[
            "Origin: https://elsewhere.example",
            "Access-Control-Request-Method: POST",
            "Access-Control-Request-Headers: authorization, content-type"])
        check(isinstance(r, Response) and r.status == 204,
              "%s: expected 204, got %s" % (r.label if isinstance(r, Response)
                                             else p, r.describe()))
        check(r.header("Allow") == allow, "%s: Allow %r, want %r"
              % (r.label, r.header("Allow"), allow))
        check(RID_RE.match(r.header("X-Request-Id") or ""),
              "%s: no X-Request-Id" % r.label)
        cors = [k for k, _ in r.headers if k.lower().startswith("access-control-")]
        check(not cors, "%s: CORS headers %s on a same-origin API"
              % (r.label, cors))
    cases(one, [("/api/search", "GET, HEAD, POST, OPTIONS"),
                ("/api/health", "GET, HEAD, OPTIONS"),
                ("/api/auth", "GET, HEAD, OPTIONS"),
                ("/api/sequences", "POST, OPTIONS"),
                ("/api/sequences/import", "POST, OPTIONS"),
                ("/api/sequences/1", "GET, HEAD, DELETE, OPTIONS")])
    expect_error(ctx.send("OPTIONS", "/api/nope"), 404, "not_found")
    expect_error(ctx.send("OPTIONS", "/api/health?x=1"), 400,
                 "invalid_parameter", parameter="x")
    expect_error(ctx.send("OPTIONS", "*"), 400, "bad_request")
    # an ordinary request from another origin gets no CORS grant either
    r = ctx.send("GET", "/api/health", headers=["Origin: https://elsewhere.example"])
    expect_health(r)
    check(r.header("Access-Control-Allow-Origin") is None,
          "GET with Origin: Access-Control-Allow-Origin %r"
          % r.header("Access-Control-Allow-Origin"))


@test
def test_method_malformed_400(ctx):
    def one(item):
        method, target = item
        expect_error(ctx.send(method, target), 400, "bad_request")
    cases(one, [("get", "/api/health"), ("CONNECT", ctx.hostport),
                ("G\x01T", "/api/health"), ("GET", "*")])


@test
def test_http09_request(ctx):
    r = ctx.exchange(b"GET %s\r\n" % ctx.path("/api/health").encode(),
                     "HTTP/0.9 GET /api/health")
    if isinstance(r, Response):
        check(r.http09 or r.status in (200, 400, 401),
              "HTTP/0.9: %s" % r.describe())
        b = r.json()
        check(b == {"status": "ok"} or "error" in b,
              "HTTP/0.9 health: %s" % r.describe())
    r = ctx.exchange(b"POST %s\r\n" % ctx.path("/api/sequences").encode(),
                     "HTTP/0.9 POST", "POST")
    expect_refused(r)
    r = ctx.exchange(b"GET %s\r\n" % ctx.path("/api/search?q=X").encode(),
                     "HTTP/0.9 GET bad search")
    expect_refused(r)


@test
def test_http10_requests(ctx):
    expect_health(ctx.get("/api/health", version="HTTP/1.0", host=False,
                          close=False))
    r = ctx.post_json("/api/sequences", "{}", version="HTTP/1.0",
                      host=False, close=False)
    expect_error(r, 400, "missing_field", field="sequence")
    data = ctx.request("POST", "/api/search", b"2\r\n{}\r\n0\r\n\r\n",
                       "application/json", version="HTTP/1.0", clen=False,
                       headers=["Transfer-Encoding: chunked"])
    expect_error(ctx.exchange(data, "HTTP/1.0 chunked", "POST"), 400,
                 "bad_request")


@test
def test_http_version_unsupported_4xx_json(ctx):
    def one(v):
        expect_refused(ctx.get("/api/health", version=v))
    cases(one, ["HTTP/2.0", "HTTP/3.0", "HTTP/9.9"])


@test
def test_absolute_uri_request_line(ctx):
    expect_health(ctx.get("http://%s%s" % (ctx.hostport,
                                           ctx.path("/api/health"))))
    expect_health(ctx.get("http://evil.example%s"
                          % ctx.path("/api/health")))
    r = ctx.get("http://%s%s" % (ctx.hostport,
                                 ctx.path("/api/sequences/0")))
    expect_error(r, 400, "invalid_parameter")


@test
def test_host_missing_or_bad_http11_400(ctx):
    expect_error(ctx.get("/api/health", host=False), 400, "bad_request")

    def one(hosts):
        r = ctx.get("/api/health", host=False,
                    headers=["Host: " + h for h in hosts])
        expect_error(r, 400, "bad_request")
    cases(one, [["a", "b"], [""], ["a/b"], [".."], ["a b"]])


@test
def test_request_line_malformed_400(ctx):
    def one(raw):
        r = ctx.exchange(raw, "raw %s" % short(raw, 40))
        expect_error(r, 400, "bad_request")
    p = ctx.path("/api/health").encode()
    cases(one, [b"GET " + p + b" HTTP/1.1 extra\r\nHost: x\r\n\r\n",
                b"GET /api/he alth HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET " + p + b" FOO/1.1\r\nHost: x\r\n\r\n",
                b"GET " + p + b" HTTP/1.1\rHost: x\r\r",
                bytes(range(256)) * 4,
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64])


@test
def test_empty_connection_closed(ctx):
    r = ctx.exchange(b"", "nothing sent", half_close=True)
    expect_refused(r)
    r = ctx.exchange(b"\r\n\r\n\r\n", "blank lines", half_close=True)
    expect_refused(r)


@test
def test_pipelined_garbage_after_valid_request(ctx):
    data = ctx.request("GET", "/api/health", close=False) + \
        b"GARBAGE / \x00\r\n\r\n"
    c = Conn(ctx)
    try:
        c.send(data)
        r = c.read_response("pipelined health")
        no_5xx(r)
        expect_health(r)
        r2 = c.read_response("pipelined garbage")
        no_5xx(r2)
        expect_refused(r2, 400, "bad_request")
    finally:
        c.close()


# --- header floods ----------------------------------------------------------

@test
def test_headers_500_small(ctx):
    r = ctx.get("/api/health",
                headers=["X-H%d: v%d" % (i, i) for i in range(500)])
    if r.status != 200:
        expect_refused(r)


@test
def test_header_20k_431(ctx):
    r = ctx.get("/api/health", headers=["X-Big: " + "a" * 20480])
    expect_error(r, 431, "header_too_large")


@test
def test_headers_100k_total_431(ctx):
    hs = ["X-H%d: %s" % (i, "b" * 1000) for i in range(100)]
    expect_error(ctx.get("/api/health", headers=hs), 431,
                 "header_too_large")
    r = ctx.post_json("/api/sequences", '{"sequence":"ACGT"}', headers=hs)
    expect_error(r, 431, "header_too_large")


@test
def test_authorization_huge(ctx):
    # under the buffer: a token nobody issued; over it: 431
    r = ctx.get("/api/search?q=ACGT", auth=False,
                headers=["Authorization: Bearer " + "t" * 15000])
    expect_error(r, 401, "invalid_token")
    r = ctx.get("/api/search?q=ACGT", auth=False,
                headers=["Authorization: Bearer " + "t" * 40000])
    expect_error(r, 431, "header_too_large")
    r = ctx.post_json("/api/sequences", '{"sequence":"ACGT"}', auth=False,
                      headers=["Authorization: Basic " + "A" * 20000])
    expect_error(r, 431, "header_too_large")


@test
def test_cookies_many(ctx):
    r = ctx.get("/api/health",
                headers=["Cookie: c%d=%s" % (i, "v" * 20) for i in range(50)])
    expect_health(r)
    r = ctx.get("/api/health",
                headers=["Cookie: c%d=%s" % (i, "v" * 50)
                         for i in range(1000)])
    expect_error(r, 431, "header_too_large")
    r = ctx.get("/api/health",
                headers=["Cookie: " + "; ".join("c%d=v" % i
                                                for i in range(5000))])
    expect_error(r, 431, "header_too_large")


@test
def test_header_malformed_400(ctx):
    def one(h):
        expect_error(ctx.get("/api/health", headers=[h]), 400, "bad_request")
    cases(one, ["Bad Name: v", "X-A: a\x00b", "X-A: a\r\n folded",
                "X-A: a\rb"])


# --- slow clients -----------------------------------------------------------

class SlowClients:
    """Connections fed one byte per interval from a background thread,
    which notes when each is closed and what it was answered."""

    def __init__(self, ctx, preludes, feed, interval, feed_for):
        self.ctx = ctx
        self.interval = interval
        self.feed = feed            # the bytes sent one at a time
        self.feed_until = None
        self.feed_for = feed_for    # seconds of feeding; then silence
        self.conns = []
        for p in preludes:
            s = socket.create_connection((ctx.host, ctx.port),
                                         timeout=ctx.timeout)
            t0 = time.monotonic()
            if p:
                s.sendall(p)
            self.conns.append({"sock": s, "opened": t0, "last_sent": t0,
                               "pos": 0, "closed": None, "answer": b""})
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.feed_until = time.monotonic() + self.feed_for
        self.thread.start()

    def open(self):
        return [c for c in self.conns if c["closed"] is None]

    def _gone(self, c, now):
        c["closed"] = now
        try:
            c["sock"].close()
        except OSError:
            pass

    def _run(self):
        try:
            while not self.stop.is_set() and self.open():
                now = time.monotonic()
                if now < self.feed_until:
                    for c in self.open():
                        b = self.feed[c["pos"] % len(self.feed)]
                        try:
                            c["sock"].settimeout(1.0)
                            c["sock"].send(bytes([b]))
                            c["pos"] += 1
                            c["last_sent"] = time.monotonic()
                        except socket.timeout:
                            pass
                        except OSError:
                            self._gone(c, time.monotonic())
                tick_end = now + self.interval
                while not self.stop.is_set():
                    left = tick_end - time.monotonic()
                    socks = [c["sock"] for c in self.open()]
                    if left <= 0 or not socks:
                        break
                    ready, _, _ = select.select(socks, [], [], min(left, 0.25))
                    for c in self.open():
                        if c["sock"] not in ready:
                            continue
                        try:
                            c["sock"].settimeout(1.0)
                            data = c["sock"].recv(65536)
                        except socket.timeout:
                            continue
                        except OSError:
                            data = b""
                        if data:
                            c["answer"] += data
                        else:
                            self._gone(c, time.monotonic())
        except BaseException as e:       # noqa: B902 - reported by finish()
            self.error = e

    def finish(self, deadline):
        """Wait until every connection is closed or the deadline passes."""
        while self.open() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.stop.set()
        self.thread.join(timeout=5)
        for c in self.conns:
            try:
                c["sock"].close()
            except OSError:
                pass
        if self.error is not None:
            raise Fail("slow-client thread failed: %r" % self.error)

    def check_answers(self):
        """Any answer nginx sent before closing must be a 4xx (408)."""
        for c in self.conns:
            a = c["answer"]
            if not a:
                continue
            m = re.match(rb"HTTP/1\.[01] (\d{3})", a)
            check(m and 400 <= int(m.group(1)) < 500,
                  "a slow client was answered %s" % short(a, 120))
            check(b"application/json" in a.split(b"\r\n\r\n")[0].lower()
                  and b"x-request-id" in a.lower(),
                  "a slow client's answer is not the JSON envelope: %s"
                  % short(a, 200))


def _normal_requests(ctx, n, bad):
    """n normal requests on fresh connections; each must be a 200 within
    PROMPT_S.  Failures are appended to bad."""
    q = "ACGTACGTACGTACGT"
    for i in range(n):
        t0 = time.monotonic()
        ctx.waited_429 = []
        try:
            if i % 2:
                r = ctx.get("/api/health", timeout=PROMPT_S + 1)
            else:
                r = ctx.get("/api/search?q=%s&max_distance=1" % q,
                            timeout=PROMPT_S + 1)
            expect_ok(r)
            dt = time.monotonic() - t0
            if dt > PROMPT_S:
                bad.append("%s took %.2fs%s" % (
                    r.label, dt, " (after %d answers 429, Retry-After %s)"
                    % (len(ctx.waited_429), ctx.waited_429)
                    if ctx.waited_429 else ""))
        except Fail as f:
            bad.append("request %d: %s" % (i, f))
        if len(bad) >= 3:
            break               # the point is made; do not wait out more


@test
def test_slowloris_40_connections(ctx):
    p = ctx.path("/api/health").encode()
    preludes, n = [], 40
    for i in range(n):
        if i % 2:
            preludes.append(b"GET " + p + b" HTTP/1.1\r\nHost: x\r\n"
                            b"X-Slow-%d: " % i)
        else:
            preludes.append(b"GET " + p)
    slow = SlowClients(ctx, preludes, b"abcdefghij", 1.0,
                       ctx.client_timeout + SLOW_MARGIN_S + 5)
    slow.start()
    bad = []
    _normal_requests(ctx, 20, bad)
    bound = ctx.client_timeout + SLOW_MARGIN_S
    first_open = min(c["opened"] for c in slow.conns)
    slow.finish(first_open + bound + 0.5)
    check(not bad, "normal requests beside %d slow clients: %s"
          % (n, "; ".join(bad)))
    left = slow.open()
    check(not left, "%d of %d slow connections still open %.1fs after "
          "connecting (client timeout %gs)"
          % (len(left), n, time.monotonic() - first_open,
             ctx.client_timeout))
    late = [c["closed"] - c["opened"] for c in slow.conns
            if c["closed"] - c["opened"] > bound]
    check(not late, "%d slow connections closed only after %.1fs"
          % (len(late), max(late or [0])))
    slow.check_answers()
    return "closed after %.1f-%.1fs" % (
        min(c["closed"] - c["opened"] for c in slow.conns),
        max(c["closed"] - c["opened"] for c in slow.conns))


@test
def test_slow_body_does_not_hold_workers(ctx):
    # more slow bodies than workers: if nginx handed an unfinished body to a
    # worker, every worker would be held and the normal requests would fail
    w = ctx.workers()
    n = min(16, max(8, 2 * len(w))) if w else 8
    head = ctx.request("POST", "/api/sequences", ctype="application/json",
                       clen=100)
    interval = min(2.0, ctx.client_timeout * 0.6)
    feed_for = ctx.client_timeout + 2.0
    slow = SlowClients(ctx, [head] * n, b'{"sequence":"' + b"A" * 200,
                       interval, feed_for)
    slow.start()
    bad = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < feed_for - 1:
        _normal_requests(ctx, 2, bad)
        time.sleep(0.3)
    # then the slow bodies stop: nginx must give up within its timeout
    bound = ctx.client_timeout + SLOW_MARGIN_S
    slow.finish(slow.feed_until + bound)
    check(not bad, "normal requests beside %d slow bodies: %s"
          % (n, "; ".join(bad)))
    left = slow.open()
    check(not left, "%d of %d slow bodies still open %.1fs after their last "
          "byte (client timeout %gs)"
          % (len(left), n, time.monotonic() - max(c["last_sent"]
                                                   for c in slow.conns),
             ctx.client_timeout))
    late = [c["closed"] - c["last_sent"] for c in slow.conns
            if c["closed"] - c["last_sent"] > bound]
    check(not late, "%d slow bodies closed %.1fs after their last byte"
          % (len(late), max(late or [0])))
    slow.check_answers()
    return "%d bodies fed %d bytes each" % (
        n, max(c["pos"] for c in slow.conns))


# --- query strings ----------------------------------------------------------

def _qs_cases(ctx, items):
    """items: (query string, parameter named in the error or None)."""
    def one(it):
        qs, param = it
        r = ctx.get("/api/search?" + qs)
        if param is None:
            expect_error(r, 400, "invalid_parameter")
        else:
            expect_error(r, 400, "invalid_parameter", parameter=param)
    cases(one, items)


@test
def test_query_repeated_parameters_400(ctx):
    _qs_cases(ctx, [("q=ACGT&q=ACGT", "q"), ("q=ACGT&q=GGGG", "q"),
                    ("q=ACGT&max_distance=1&max_distance=1", "max_distance"),
                    ("q=ACGT&limit=5&limit=6", "limit"),
                    ("q=ACGT&cursor=a&cursor=b", None),
                    ("&".join("q=A" for _ in range(1000)), "q")])


@test
def test_query_1000_parameters_400(ctx):
    _qs_cases(ctx, [
        ("q=ACGT&" + "&".join("p%d=1" % i for i in range(1000)), "p0"),
        ("&".join("p%d=1" % i for i in range(1000)) + "&q=ACGT", "p0"),
        ("q=ACGT" + "&" * 1000 + "x=1", "x")])


@test
def test_query_invalid_percent_encoding_400(ctx):
    _qs_cases(ctx, [("q=AC%zzGT", "q"), ("q=AC%GT", "q"), ("q=AC%4", "q"),
                    ("q=ACGT%", "q"), ("q=ACGT&limit=%zz", "limit"),
                    ("q=ACGT&cursor=%", "cursor")])


@test
def test_query_nul_400(ctx):
    _qs_cases(ctx, [("q=AC%00GT", "q"), ("q=ACGT%00", "q"),
                    ("q=ACGT&limit=1%00", "limit"),
                    ("q=ACGT&max_distance=%001", "max_distance"),
                    ("q=ACGT&cursor=%00", "cursor"), ("q%00=ACGT", None)])


@test
def test_query_huge_and_malformed_numbers_400(ctx):
    items = []
    for name in ("max_distance", "limit"):
        for v in ("99999999999999999999999", "9223372036854775808", "1e400",
                  "-1", "%2B1", "+1", "1.5", "0x10", "", "%201", "1%20",
                  "%E2%80%8B1"):
            items.append(("q=ACGT&%s=%s" % (name, v), name))
    items += [("q=ACGT&max_distance=65", "max_distance"),
              ("q=ACGT&limit=0", "limit"), ("q=ACGT&limit=1001", "limit")]
    _qs_cases(ctx, items)


@test
def test_query_unknown_parameters_400(ctx):
    _qs_cases(ctx, [("q=ACGT&foo=bar", "foo"), ("q=ACGT&Q=ACGT", "Q"),
                    ("q=ACGT&=1", ""), ("=ACGT", ""),
                    ("q=ACGT&max_distance%5B%5D=1", None),
                    ("q=ACGT&token=x", "token")])


@test
def test_query_bad_q_and_cursor_400(ctx):
    _qs_cases(ctx, [("q", "q"), ("q=", "q"), ("", "q"),
                    ("q=%E2%82%AC", "q"), ("q=%C0%80", "q"), ("q=%FF", "q"),
                    ("q=ACGT;max_distance=1", "q"),
                    ("q=ACGT&cursor=" + "A" * 10000, "cursor"),
                    ("q=ACGT&cursor=%FF%FE", "cursor")])


# --- nginx's own refusals -------------------------------------------------

@test
def test_nginx_refusals_documented_envelope(ctx):
    # What nginx refuses before a worker sees it: the documented
    # bad_request code (docs/api.md), the workers' exact Content-Type
    # (envelope() checks it) and a request id
    def one(item):
        label, data = item
        r = ctx.exchange(data, label)
        expect_error(r, 400, "bad_request")
    tok = ctx.token or "dnadb_%s_%s" % ("0" * 16, "A" * 43)
    two_auth = ctx.request("GET", "/api/auth", auth=False, headers=[
        "Authorization: Bearer " + tok, "Authorization: Bearer " + tok])
    cases(one, [("two Authorization headers", two_auth),
                ("%00 in the path", ctx.request("GET", "/api/health%00")),
                ("lower-case method", ctx.request("get", "/api/health")),
                ("two Host headers", ctx.request("GET", "/api/health",
                                                 headers=["Host: other"]))])
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "docs", "api.md")
    if os.path.exists(docs):
        with open(docs, encoding="utf-8") as f:
            check("`bad_request`" in f.read(),
                  "docs/api.md's error table lacks bad_request")


@test
def test_api_without_slash_is_json_404(ctx):
    # /api is no endpoint: the JSON 404 of /api/, never nginx's 301 to it
    def one(item):
        method, p = item
        r = ctx.send(method, p)
        expect_error(r, 404, "not_found")
        check(r.header("Location") is None, "%s: Location %r"
              % (r.label, r.header("Location")))
    cases(one, [("GET", "/api"), ("GET", "/api/"), ("GET", "/api?x=1"),
                ("POST", "/api"), ("DELETE", "/api"), ("OPTIONS", "/api")])


@test
def test_short_body_is_closed_as_documented(ctx):
    # nginx closes the connection without a response when a body is cut
    # short (or is too slow): docs/api.md must say so, and list neither
    # incomplete_body nor request_timeout as answers (they never reach a
    # client through the shipped nginx)
    data = ctx.request("POST", "/api/sequences", ctype="application/json",
                       clen=100) + b'{"sequence":"ACGT'
    r = ctx.exchange(data, "POST CL 100, 17 bytes, close", "POST",
                     half_close=True)
    check(isinstance(r, Closed), "expected the connection closed without "
          "an answer (docs/api.md), got " + r.describe())
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "docs", "api.md")
    if not os.path.exists(docs):
        return "docs/api.md not found: behaviour only"
    with open(docs, encoding="utf-8") as f:
        text = f.read()
    rows = [ln for ln in text.splitlines() if ln.startswith("| 4")]
    for code in ("incomplete_body", "request_timeout"):
        check(not any("`%s`" % code in ln for ln in rows),
              "docs/api.md's error table lists %s, which nginx never sends"
              % code)
    check("closes the connection without a response" in text,
          "docs/api.md does not say that nginx closes the connection")


# --- afterwards -------------------------------------------------------------

@test
def test_zz_normal_requests_still_work(ctx):
    expect_health(ctx.get("/api/health"))
    b = expect_ok(ctx.get("/api/search?q=ACGTACGTACGT&max_distance=2"))
    check(isinstance(b.get("results"), list), "search body %s" % short(b))
    b = expect_ok(ctx.post_json("/api/search", SEARCH_OK))
    check(isinstance(b.get("results"), list), "search body %s" % short(b))


# --------------------------------------------------------------------------
# runner

def worker_check(ctx, before):
    """None if the workers are intact, else what went wrong."""
    if before is None:
        return None
    deadline = time.monotonic() + RESPAWN_GRACE_S
    while True:
        now = ctx.workers()
        if len(now) >= len(before) and before <= now:
            return None
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if len(now) < len(before):
        return ("live workers dropped from %d to %d (still after %gs)"
                % (len(before), len(now), RESPAWN_GRACE_S))
    return ("worker(s) %s exited during the test (now %s)"
            % (sorted(before - now), sorted(now - before)))


def run_tests(ctx, only):
    passed = failed = 0
    for fn in TESTS:
        name = fn.__name__
        if only and only not in name:
            continue
        before = ctx.workers()
        why = None
        if before is not None and not before:
            why = ("supervisor %d has no children (is --supervisor-pid "
                   "right?)" % ctx.supervisor)
        else:
            try:
                fn(ctx)
            except Fail as f:
                why = str(f)
            except Exception as e:      # noqa: B902 - a test bug or I/O error
                tb = traceback.extract_tb(e.__traceback__)[-1]
                why = "%s: %s (line %d)" % (type(e).__name__, e, tb.lineno)
            lost = worker_check(ctx, before)
            if lost:
                why = lost + ("; " + why if why else "")
        if why is None:
            passed += 1
            print("ok   %s" % name)
        else:
            failed += 1
            print("FAIL %s: %s" % (name, why.replace("\n", " ")))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return passed, failed


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Hostile-HTTP black-box tests for a dnadb stack. Prints "
        "one line per test and a final 'N passed, M failed'; exits 1 if any "
        "test failed.")
    ap.add_argument("--base-url", default="http://127.0.0.1:8080",
                    help="server root (default %(default)s)")
    ap.add_argument("--token", default=os.environ.get("DNADB_TOKEN"),
                    help="sent as 'Authorization: Bearer TOKEN' on every "
                    "request (a write token, so writes are authorised)")
    ap.add_argument("--supervisor-pid", type=int, default=None,
                    help="process whose children are the live workers; "
                    "each test then fails if their number drops")
    ap.add_argument("--client-timeout", type=float, default=10.0,
                    help="nginx's client_header_timeout and "
                    "client_body_timeout, seconds (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="seconds any normal answer may take before the "
                    "server counts as hung (default %(default)s)")
    ap.add_argument("--only", default=None, metavar="NAME_SUBSTRING",
                    help="run only the tests whose name contains this")
    ap.add_argument("--list", action="store_true",
                    help="list the test names and exit")
    args = ap.parse_args(argv)
    if args.list:
        for fn in TESTS:
            print(fn.__name__)
        return 0
    # a backstop: no socket anywhere may block for ever
    socket.setdefaulttimeout(max(args.timeout, args.client_timeout) + 30)
    ctx = Ctx(args)
    if ctx.supervisor and not os.path.exists("/proc/%d" % ctx.supervisor):
        raise SystemExit("--supervisor-pid %d: no such process"
                         % ctx.supervisor)
    print("# hostile HTTP tests against %s (client timeout %gs, workers: %s)"
          % (args.base_url, args.client_timeout,
             "%d children of %d" % (len(ctx.workers()), ctx.supervisor)
             if ctx.supervisor else "not watched"))
    sys.stdout.flush()
    if args.only and not any(args.only in fn.__name__ for fn in TESTS):
        print("warning: no test name contains %r" % args.only,
              file=sys.stderr)
    _, failed = run_tests(ctx, args.only)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
