#!/usr/bin/env python3
"""t/load/ratelimit.py BASE_URL TOKEN: nginx's per-client limits, seen from
one client under the default limits of conf/dnadb.conf. 600 searches from
10 connections at once must meet some 429s, each the JSON rate_limited
envelope with Retry-After, fast; 300 health checks meanwhile must all
answer 200. Prints ok/FAIL lines; exits 1 on any FAIL."""
import http.client, json, sys, threading, time, urllib.parse
base, token = sys.argv[1], sys.argv[2]
u = urllib.parse.urlsplit(base)
res = {"search": [], "health": []}
lock = threading.Lock()
def run(path, key, n):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    for _ in range(n):
        t0 = time.monotonic()
        c.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        body = r.read()
        dt = (time.monotonic() - t0) * 1000
        with lock:
            res[key].append((r.status, dict(r.getheaders()), body, dt))
        if r.will_close:
            c.close()
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
th = [threading.Thread(target=run, args=("/api/search?q=ACGTACGTACGTACGT&max_distance=1", "search", 60)) for _ in range(10)]
th += [threading.Thread(target=run, args=("/api/health", "health", 60)) for _ in range(5)]
[t.start() for t in th]; [t.join() for t in th]
s429 = [x for x in res["search"] if x[0] == 429]
ok = True
def say(c, m):
    global ok
    print(("ok   " if c else "FAIL ") + m); ok = ok and c
say(len(s429) > 0, "600 searches at once from one client: %d got 429" % len(s429))
say(all(x[0] in (200, 429) for x in res["search"]), "the searches got only 200 or 429: %s" % sorted({x[0] for x in res["search"]}))
good = all(json.loads(x[2])["error"]["code"] == "rate_limited" and x[1].get("Retry-After") == "1"
           and x[1].get("Cache-Control") == "no-store" and x[1].get("X-Request-Id") for x in s429)
say(good, "every 429 is the JSON rate_limited envelope with Retry-After: 1, no-store and a request id")
if s429:
    lat = sorted(x[3] for x in s429)
    say(lat[len(lat) // 2] < 50, "a 429 is fast: median %.1f ms, max %.1f ms" % (lat[len(lat) // 2], lat[-1]))
say(all(x[0] == 200 for x in res["health"]), "300 health checks meanwhile: all 200 (%s)" % sorted({x[0] for x in res["health"]}))
sys.exit(0 if ok else 1)
