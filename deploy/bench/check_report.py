#!/usr/bin/env python3
"""Sanity check of a bench.py JSON report: that the run it describes did
what the benchmark promises, whatever the figures.

    python3 deploy/bench/check_report.py REPORT.json

Checks: the run ended "ok"; every dataset asked for is there with all its
rows imported; every k was measured right after the import (immediate,
1 connection) and on the settled store at every connection count, each
run valid (no non-2xx, no socket errors) with a positive p50, and the
immediate/settled ratio reported; every settled k reports its count of
422 query_too_broad answers and its work per search (probes, candidates,
scanned: numbers when the run had --worker-log, and then at least one
search line per k unless every search answered 422); the rows of
seq_segments per tier add up to the table's rows; the baseline
cross-check is "ok" for every k where it ran (uniform, clustered and the
junction sets) and reports its 422 count; the Markdown report next to it
shows the immediate, the settled and the per-k figures. Prints each problem
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
        ks = cfg.get("ks", {})
        ks = ks.get(name, []) if isinstance(ks, dict) else ks
        if d.get("ks") != ks:
            out.append(f"{name}: measured k {d.get('ks')}, configured {ks}")
        for kn in ks:
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
            if not isinstance(se.get("too_broad"), int) or not isinstance(se.get("requests"), int):
                out.append(f"{name} k={kn}: no count of 422 query_too_broad answers")
            w = se.get("work")
            if cfg.get("worker_log") and se.get("too_broad") != se.get("requests"):
                if not w or not w.get("searches", 0) > 0 or any(
                        not isinstance(w.get(f"{x}_mean"), (int, float))
                        for x in ("probes", "candidates", "scanned")):
                    out.append(f"{name} k={kn}: no work per search (probes, candidates, scanned) "
                               f"from the worker log")
        sz = d.get("sizes", {})
        tiers = sz.get("tiers")
        if not isinstance(tiers, list) or sum(t.get("rows", 0) for t in tiers) != sz.get("segment_rows"):
            out.append(f"{name}: the rows of seq_segments per tier are missing or do not add up "
                       f"to its {sz.get('segment_rows')} rows")
        if "analyzed_during_immediate_searches" not in d.get("analyze_state", {}):
            out.append(f"{name}: the state of the statistics around the immediate searches is missing")
        base = d.get("baseline", {})
        no_base = name == "long" or (name == "clustered"
                                     and cfg.get("clustered_lengths", "short") != "short")
        if not no_base and cfg.get("baseline_queries", 0) > 0:
            if set(base) != set(ks):
                out.append(f"{name}: baseline ran for k {sorted(base)}, not {ks}")
            for kn, b in base.items():
                if b.get("crosscheck") != "ok" or b.get("queries") != cfg.get("baseline_queries"):
                    out.append(f"{name} k={kn}: cross-check {b.get('crosscheck')} over "
                               f"{b.get('queries')} queries")
                if not isinstance(b.get("too_broad"), int):
                    out.append(f"{name} k={kn}: the baseline sample reports no 422 count")
    for label in ("immediate p50 ms", "settled p50 ms", "immediate/settled p50",
                  "after the benchmark's own VACUUM ANALYZE", "Per k (settled, 1 connection",
                  "seq_segments per tier"):
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
