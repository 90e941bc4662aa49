#!/usr/bin/env python3
"""Runs the shell examples of README.md as a new user would, and checks
that their output looks as the README says.

    python3 t/readme/examples.py --checkout DIR --port N [--log DIR]
    python3 t/readme/examples.py --self-test     # offline checks of the matcher

Every fenced block marked `sh` in DIR/README.md is an example. Its lines are
commands (a line ending in a backslash continues on the next), run in
order in one bash session (so `TOKEN=$(...)` carries over) from the
checkout's top directory, each with standard input from /dev/null. Lines
starting with `#` right after a command are that command's output as the
README shows it:

- if it is JSON, the command's standard output must be JSON of the same
  shape and values; a string that is a timestamp matches any timestamp;
- otherwise it is compared line by line: `...` matches any text, and a
  decimal number such as `0.0` matches any decimal number.

A command without shown output must exit 0. The local address
127.0.0.1:8080 is replaced by 127.0.0.1:N, and `deploy/stack up` gets the
port through DNADB_PORT (the configuration's override), so the commands
run as written. The environment is the caller's without any DNADB_*
variable, as a new user's would be. Commands that cannot run here are
skipped, with the reason (SKIP). At least MIN_STEPS commands must run, so
that a README whose blocks lost their `sh` mark cannot pass unseen.

Prints one `ok`/`FAIL`/`skip` line per command and ends with
`readme examples: N passed, M failed, S skipped`; exits 1 on any failure.
Standard library only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# Commands (by their start) that are not run here, and why.
SKIP = {
    "deploy/stack test": "the suite that runs these examples",
    "deploy/stack bench": "the benchmark: deploy/stack test runs it at --size tiny",
}
MIN_STEPS = 6
README_ADDRESS = "127.0.0.1:8080"
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
FENCE_RE = re.compile(r"^```(\S*)\s*$")


class Step:
    """One command of a README block and the output shown after it."""

    def __init__(self, lineno):
        self.lineno = lineno
        self.lines = []
        self.expected = []

    @property
    def command(self):
        return "\n".join(self.lines)

    @property
    def title(self):
        first = self.lines[0].strip()
        return first[:90] + (" ..." if len(self.lines) > 1 or len(first) > 90 else "")


def parse_steps(text):
    """The commands of every ```sh block of a Markdown text, in order."""
    steps = []
    block = None
    cur = None
    for lineno, line in enumerate(text.splitlines(), 1):
        m = FENCE_RE.match(line)
        if m:
            if block is None:
                block = m.group(1)
                cur = None
            else:
                block = None
            continue
        if block not in ("sh", "bash"):
            continue
        if not line.strip():
            cur = None
            continue
        if line.startswith("#"):
            if cur is not None:
                cur.expected.append(line[2:] if line.startswith("# ") else line[1:])
            continue
        if cur is not None and cur.lines[-1].endswith("\\") and not cur.expected:
            cur.lines.append(line)
            continue
        cur = Step(lineno)
        cur.lines.append(line)
        steps.append(cur)
    return steps


def skip_reason(step):
    first = step.lines[0].strip()
    for prefix, why in SKIP.items():
        if first == prefix or first.startswith(prefix + " "):
            return why
    return None


def json_like(want, got):
    """Whether got has want's shape and values (timestamps: any)."""
    if isinstance(want, dict):
        return (isinstance(got, dict) and set(want) == set(got)
                and all(json_like(want[k], got[k]) for k in want))
    if isinstance(want, list):
        return (isinstance(got, list) and len(want) == len(got)
                and all(json_like(a, b) for a, b in zip(want, got)))
    if isinstance(want, str) and TIMESTAMP_RE.match(want):
        return isinstance(got, str) and TIMESTAMP_RE.match(got) is not None
    return type(want) is type(got) and want == got


def line_pattern(line):
    parts = re.split(r"(\.\.\.|\d+\.\d+)", line.rstrip())
    out = []
    for p in parts:
        if p == "...":
            out.append(".*")
        elif re.fullmatch(r"\d+\.\d+", p):
            out.append(r"\d+\.\d+")
        else:
            out.append(re.escape(p))
    return re.compile("".join(out))


def output_like(expected_lines, out):
    """None if out looks as the README shows it, else why not."""
    want = "\n".join(expected_lines)
    try:
        wj = json.loads(want)
    except ValueError:
        wj = None
    if wj is not None:
        try:
            gj = json.loads(out)
        except ValueError:
            return "the README shows JSON, the command printed something else"
        return None if json_like(wj, gj) else "the JSON differs from the README's"
    got = out.rstrip("\n").split("\n") if out.strip() else []
    if len(got) != len(expected_lines):
        return f"{len(got)} lines of output, the README shows {len(expected_lines)}"
    for i, (w, g) in enumerate(zip(expected_lines, got), 1):
        if not line_pattern(w).fullmatch(g.rstrip()):
            return f"line {i} differs from the README's {w!r}"
    return None


def clean_env(port):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DNADB_", "ASAN_", "UBSAN_")) and k != "CONFIGURE_FLAGS"}
    env["DNADB_PORT"] = str(port)
    return env


def run(args):
    readme = os.path.join(args.checkout, "README.md")
    with open(readme, encoding="utf-8") as f:
        steps = parse_steps(f.read())
    log = args.log or tempfile.mkdtemp(prefix="readme-examples.")
    os.makedirs(log, exist_ok=True)
    here = f"127.0.0.1:{args.port}"
    todo = []
    script = ["cd " + shlex_quote(args.checkout) + " || exit 99"]
    skipped = 0
    for i, st in enumerate(steps):
        why = skip_reason(st)
        if why:
            print(f"skip readme: README.md:{st.lineno}: {st.title} ({why})", flush=True)
            skipped += 1
            continue
        base = os.path.join(log, f"{i:02d}")
        with open(base + ".cmd", "w") as f:
            f.write(st.command + "\n")
        script.append("{ " + st.command.replace(README_ADDRESS, here) + "\n} >"
                      + shlex_quote(base + ".out") + " 2>" + shlex_quote(base + ".err")
                      + " </dev/null; echo $? >" + shlex_quote(base + ".rc"))
        todo.append((st, base))
    try:
        subprocess.run(["bash", "-c", "\n".join(script) + "\n"], env=clean_env(args.port),
                       timeout=args.timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        print(f"FAIL readme: the examples did not finish within {args.timeout} s", flush=True)
    passed = failed = 0
    for st, base in todo:
        def read(ext):
            try:
                with open(base + ext, encoding="utf-8", errors="replace") as f:
                    return f.read()
            except OSError:
                return None
        rc, out, err = read(".rc"), read(".out") or "", read(".err") or ""
        why = None
        if rc is None:
            why = "did not run"
        elif rc.strip() != "0":
            why = f"exit status {rc.strip()}"
        elif st.expected:
            why = output_like([e.replace(README_ADDRESS, here) for e in st.expected], out)
        if why is None:
            print(f"ok   readme: README.md:{st.lineno}: {st.title}", flush=True)
            passed += 1
        else:
            print(f"FAIL readme: README.md:{st.lineno}: {st.title}: {why}", flush=True)
            if st.expected:
                print("    README shows: " + " | ".join(st.expected)[:400])
            print("    stdout: " + out.strip().replace("\n", " | ")[-400:])
            if err.strip():
                print("    stderr: " + err.strip().replace("\n", " | ")[-400:])
            failed += 1
    if len(todo) < MIN_STEPS:
        print(f"FAIL readme: only {len(todo)} example commands found in README.md "
              f"(want at least {MIN_STEPS}; are the blocks still marked sh?)", flush=True)
        failed += 1
    print(f"readme examples: {passed} passed, {failed} failed, {skipped} skipped "
          f"(outputs in {log})", flush=True)
    return 0 if failed == 0 else 1


def shlex_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


SAMPLE = """\
text
```sh
deploy/stack up      # start
deploy/stack test    # all tests
```
```text
not run
```
```sh
curl -sS -X POST \\
     -d '{}' http://127.0.0.1:8080/api/x
# {"id":1,"created_at":"2026-11-26T03:32:45.092977Z",
#  "list":[1,2]}

echo done
# done in 0.0 s, ...
```
"""


def self_test():
    results = []

    def check(name, cond):
        results.append(cond)
        print(("ok   " if cond else "FAIL ") + "self-test: " + name)

    steps = parse_steps(SAMPLE)
    check("four commands in the sh blocks, none from the text block", len(steps) == 4)
    check("a backslash continues the command", len(steps) == 4 and len(steps[2].lines) == 2)
    check("comment lines after a command are its output",
          len(steps) == 4 and len(steps[2].expected) == 2 and steps[3].expected == ["done in 0.0 s, ..."])
    check("deploy/stack test is skipped, deploy/stack up is not",
          skip_reason(steps[1]) is not None and skip_reason(steps[0]) is None)
    want = steps[2].expected
    check("same JSON with another timestamp matches",
          output_like(want, '{"id":1,"created_at":"2027-01-01T00:00:00Z","list":[1,2]}\n') is None)
    check("another id does not match",
          output_like(want, '{"id":2,"created_at":"2027-01-01T00:00:00Z","list":[1,2]}') is not None)
    check("a missing member does not match",
          output_like(want, '{"id":1,"created_at":"2027-01-01T00:00:00Z"}') is not None)
    check("an error body does not match",
          output_like(want, '{"error":{"code":"auth_required"}}') is not None)
    check("text: ... and decimals match anything",
          output_like(["done in 0.0 s, ..."], "done in 12.5 s, and more\n") is None)
    check("text: another word does not match",
          output_like(["done in 0.0 s, ..."], "failed in 12.5 s, and more") is not None)
    check("text: an extra line does not match",
          output_like(["done in 0.0 s, ..."], "done in 1.0 s, x\nmore") is not None)
    check("no output where the README shows some does not match", output_like(["x"], "") is not None)
    failed = results.count(False)
    print(f"self-test: {len(results) - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkout", help="top directory of the checkout whose README.md to run")
    p.add_argument("--port", type=int, help="port for 127.0.0.1:8080 in the examples")
    p.add_argument("--log", help="directory for each command's text, output and status")
    p.add_argument("--timeout", type=int, default=600, help="seconds for all examples (default 600)")
    p.add_argument("--self-test", action="store_true", help="offline checks of the parser and matcher")
    a = p.parse_args()
    if a.self_test:
        return self_test()
    if not a.checkout or not a.port:
        p.error("--checkout and --port are needed")
    a.checkout = os.path.abspath(a.checkout)
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
