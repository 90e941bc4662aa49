#!/usr/bin/env python3
"""Rules of the C sources that the compiler does not check; run by `make check`.

1. No unsafe string or number calls (STYLE.md): sprintf, vsprintf, strcpy,
   strcat, strncpy, strncat, strtok, stpcpy, gets, atoi, atol, atoll, atof,
   sscanf. Use snprintf, the bounded buffers of src/buf.c, memcpy with a
   checked length, strtoll/strtoull with end-pointer and range checks.
2. Only the storage layer calls libpq: src/db.c (the connection) and
   src/store*.c. Everything else asks the storage layer (src/store.h).

Comments and string literals are ignored. Prints every offence as
file:line: and exits 1 if there is any.
"""
import os
import re
import sys

BANNED = ("sprintf", "vsprintf", "strcpy", "strcat", "strncpy", "strncat",
          "strtok", "stpcpy", "gets", "atoi", "atol", "atoll", "atof", "sscanf")
BANNED_RE = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(BANNED))
LIBPQ_RE = re.compile(r"(?<![\w.>])(PQ[a-zA-Z]+)\s*\(")
STORAGE = re.compile(r"^(db|store(_\w+)?)\.c$")


def code_only(text):
    """text with comments and string/char literals blanked, lines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("srcdir", ".")
    bad = 0
    for d in ("src", "t"):
        folder = os.path.join(top, d)
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fp:
                lines = code_only(fp.read()).split("\n")
            for no, line in enumerate(lines, 1):
                for m in BANNED_RE.finditer(line):
                    print("%s/%s:%d: %s() is banned (see t/source_rules.py)"
                          % (d, name, no, m.group(1)))
                    bad += 1
                if d == "src" and not STORAGE.match(name):
                    for m in LIBPQ_RE.finditer(line):
                        print("%s/%s:%d: %s(): only src/db.c and src/store*.c "
                              "call libpq; use src/store.h"
                              % (d, name, no, m.group(1)))
                        bad += 1
    print("source rules: %d offence%s" % (bad, "" if bad == 1 else "s"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
