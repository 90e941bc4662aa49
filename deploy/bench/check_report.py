#!/usr/bin/env python3
"""Sanity check of a bench.py JSON report: that the run it describes did
what the benchmark promises, whatever the figures.

    python3 deploy/bench/check_report.py REPORT.json

Checks: the run ended "ok"; every dataset asked for is there with all its
rows imported; every k was measured right after the import (immediate,
1 connection) and on the settled store at every connection count, each
run valid (no non-2xx, no socket errors) with a positive p50, and the
immediate/settled ratio reported; the baseline cross-check is "ok" for
every k where it ran (uniform and clustered); the Markdown report next to
it shows both the immediate and the settled figures. Prints each problem
and exits 1 if there is any; prints one summary line and exits 0 if not.
"""

import json
import os
import sys


def problems(report, md_text):
    out = []
    cfg = report.get("config", {})
    if report.get("result") != "ok":
        out.append(f"result is {report.get('result')!r}, not 'ok' ({report.get('verdict')})")
    names = [d.get("name") for d in report.get("datasets", [])]
    if names != cfg.get("datasets"):
        out.append(f"datasets {names}, asked for {cfg.get('datasets')}")
    for d in report.get("datasets", []):
        name = d.get("name")
        rows = d.get("data", {}).get("rows", 0)
        imp = d.get("import", {})
        if rows <= 0 or imp.get("records") != rows:
            out.append(f"{name}: {imp.get('records')} records imported of {rows}")
        if imp.get("inserted", 0) + imp.get("duplicates", 0) != rows:
            out.append(f"{name}: inserted + duplicates != {rows}")
        for kn in cfg.get("ks", []):
            im = d.get("immediate", {}).get(kn)
            if not im or not im.get("valid") or not (im.get("latency_ms", {}).get("50") or 0) > 0:
                out.append(f"{name} k={kn}: no valid search run right after the import")
            se = d.get("search", {}).get(kn, {})
            for c in cfg.get("connections", []):
                r = se.get("runs", {}).get(str(c))
                if not r or not r.get("valid") or not (r.get("latency_ms", {}).get("50") or 0) > 0:
                    out.append(f"{name} k={kn}: no valid settled run at {c} connection(s)")
            ratio = se.get("immediate_over_settled_p50")
            if 1 in cfg.get("connections", []) and not (isinstance(ratio, (int, float)) and ratio > 0):
                out.append(f"{name} k={kn}: no immediate/settled ratio")
        if "analyzed_during_immediate_searches" not in d.get("analyze_state", {}):
            out.append(f"{name}: the state of the statistics around the immediate searches is missing")
        base = d.get("baseline", {})
        if name in ("uniform", "clustered") and cfg.get("baseline_queries", 0) > 0:
            if set(base) != set(cfg.get("ks", [])):
                out.append(f"{name}: baseline ran for k {sorted(base)}, not {cfg.get('ks')}")
            for kn, b in base.items():
                if b.get("crosscheck") != "ok" or b.get("queries") != cfg.get("baseline_queries"):
                    out.append(f"{name} k={kn}: cross-check {b.get('crosscheck')} over "
                               f"{b.get('queries')} queries")
    for label in ("immediate p50 ms", "settled p50 ms", "immediate/settled p50",
                  "after the benchmark's own VACUUM ANALYZE"):
        if label not in md_text:
            out.append(f"the Markdown report does not show {label!r}")
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: check_report.py REPORT.json", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        with open(path) as f:
            report = json.load(f)
        with open(os.path.splitext(path)[0] + ".md") as f:
            md_text = f.read()
    except (OSError, ValueError) as e:
        print(f"check_report: {e}")
        return 1
    bad = problems(report, md_text)
    for p in bad:
        print(f"check_report: {p}")
    if bad:
        return 1
    n = sum(len(d["immediate"]) for d in report["datasets"])
    print(f"check_report: {path}: {len(report['datasets'])} datasets, {n} k values measured "
          f"right after the import and settled, cross-checks ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
