# deploy/lib/import.sh: the import checks of `deploy/stack test` that need
# the database's side of things (sourced by deploy/stack; uses its
# instance variables, app_sql / super_sql of security.sh, ft_check and the
# FT_* counters): statistics and plans right after an import, an add that
# collides with a running import, ids not drawn by duplicates, and
# `dnadb import` of a gzip file.

# imp_field FILE KEY: a member of a JSON response (of its "error" object
# for an error), "" if absent.
imp_field() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); d=d.get("error",d)
v=d.get(sys.argv[2],"") if isinstance(d,dict) else ""
print(str(v).lower() if isinstance(v,bool) else v)' "$1" "$2" 2>/dev/null
}

# imp_curl OUT METHOD PATH [curl args...]: prints "STATUS SECONDS".
imp_curl() {
	local out=$1 method=$2 path=$3
	shift 3
	curl -sS -o "$out" -D "$out.hdr" -w '%{http_code} %{time_total}\n' -X "$method" \
		"${FT_AUTH[@]}" "$@" "$FT_URL$path" 2>&1 || true
}

# The id of a stored sequence (exact search), "" if none.
imp_id_of() {
	local out=$1.search
	imp_curl "$out" GET "/api/search?q=$2&max_distance=0" >/dev/null
	python3 -c 'import json,sys
r=json.load(open(sys.argv[1])).get("results",[])
print(r[0]["id"] if len(r)==1 else "")' "$out" 2>/dev/null
}

# db_statement NAME: the SQL text of statement NAME (e.g. DB_CANDIDATES)
# as src/db.c holds it (its C string literals joined), so that a test
# prepares exactly what the workers prepare and cannot drift from it.
db_statement() {
	python3 - "$ROOT/src/db.c" "$1" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
m = re.search(r"\[" + re.escape(sys.argv[2]) + r"\]\s*=\s*\{\s*\"[^\"]*\",((?:\s*\"(?:[^\"\\]|\\.)*\")+)", src)
if not m:
    sys.exit("db_statement: %s not found in src/db.c" % sys.argv[2])
print("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))))
PY
}

import_tests() {
	local port=$1 dir x got code secs t_start ipid alive n keys plan stmt ida idb idc rows
	local label=$FT_LABEL
	FT_LABEL=import
	FT_URL="http://127.0.0.1:$port"
	dir="$VAR/log/import-tests"
	mkdir -p "$dir"
	# A new sequence X first, then 250,000 new short rows (about 7.5 MB,
	# under the test stack's 8 MiB import limit): many rows, so that the
	# import holds X for seconds.
	python3 - "$dir" <<'PY'
import random, sys
r = random.Random()   # new rows on every run
d = sys.argv[1]
def seq(n):
    return "".join(r.choice("ACGT") for _ in range(n))
x = seq(100)
open(d + "/x", "w").write(x)
with open(d + "/big.txt", "w") as f:
    f.write(x + "\n")
    for _ in range(250000):
        f.write(seq(30) + "\n")
for name in ("a", "b", "c"):
    open(d + "/" + name, "w").write(seq(90))
PY
	x=$(cat "$dir/x")
	t_start=$(super_sql "SELECT now()")
	# The import analyses when it adds 10 % of the rows (sql/005); the
	# test stack holds far fewer than 2,500,000.
	rows=$(super_sql "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'public.sequences'::regclass")

	# --- an add that meets a running import's uncommitted row (issue 9.6)
	curl -sS -o "$dir/big.out" -w '%{http_code}' "${FT_AUTH[@]}" \
		-H 'Content-Type: text/plain' --data-binary @"$dir/big.txt" \
		"$FT_URL/api/sequences/import" >"$dir/big.code" 2>&1 &
	ipid=$!
	# Wait until the import has inserted X (its first row), not committed:
	# an insert of X that is rolled back at once then meets its lock.
	for _ in $(seq 1 600); do
		got=$(super_sql "BEGIN; SET LOCAL lock_timeout = '20ms'; INSERT INTO sequences (sequence) VALUES ('$x') ON CONFLICT DO NOTHING; ROLLBACK") || true
		grep -q 'lock timeout' <<<"$got" && break
		kill -0 "$ipid" 2>/dev/null || break
		sleep 0.05
	done
	read -r code secs < <(imp_curl "$dir/add.out" POST /api/sequences \
		-H 'Content-Type: application/json' --data-binary "{\"sequence\":\"$x\"}")
	alive=no
	kill -0 "$ipid" 2>/dev/null && alive=yes
	ft_check "an add of a sequence a running import holds answers 503 import_busy with Retry-After within 1 s (got $code in ${secs}s, $(imp_field "$dir/add.out" code); import still running: $alive)" \
		bash -c "[ '$code' = 503 ] && grep -q '\"code\":\"import_busy\"' '$dir/add.out' && grep -qi '^Retry-After: [0-9]' '$dir/add.out.hdr' && awk 'BEGIN{exit !($secs < 1.0)}'"
	wait "$ipid" || true
	ft_check "the import alongside it succeeds (HTTP $(cat "$dir/big.code"): $(head -c 200 "$dir/big.out"))" \
		[ "$(cat "$dir/big.code")" = 200 ]
	read -r code secs < <(imp_curl "$dir/add2.out" POST /api/sequences \
		-H 'Content-Type: application/json' --data-binary "{\"sequence\":\"$x\"}")
	ft_check "after the import, the retried add is 409 duplicate of the imported row (got $code)" \
		bash -c "[ '$code' = 409 ] && [ '$(imp_field "$dir/add2.out" id)' = '$(imp_id_of "$dir/x" "$x")' ]"

	# --- statistics and plan right after the import (issue 9.2)
	n=$(super_sql "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('sequences', 'seq_segments') AND last_analyze >= '$t_start'")
	if [ "${rows:-0}" -le 2500000 ]; then
		ft_check "the import analysed both tables before it returned (last_analyze, which autovacuum never sets, is newer than the import on $n of 2)" \
			[ "$n" = 2 ]
	else
		say "skip $FT_LABEL: the store holds $rows rows: 250,000 more need no ANALYZE"
	fi
	ft_check "the application role runs without JIT and parallel workers" \
		[ "$(app_sql "SHOW jit"),$(app_sql "SHOW max_parallel_workers_per_gather")" = "off,0" ]
	keys=$(super_sql "SELECT array_agg(key)::text FROM seq_segments WHERE id = (SELECT id FROM sequences WHERE sequence = '$x')")
	# The session defaults back (JIT on, 2 workers): the plan must be
	# right because of the statistics, not only because of the settings.
	stmt=$(db_statement DB_CANDIDATES)
	plan=$(app_sql "SET plan_cache_mode = force_generic_plan; SET jit = on; SET max_parallel_workers_per_gather = 2; PREPARE c AS $stmt; EXPLAIN (ANALYZE, BUFFERS) EXECUTE c('$keys', 1, 95, 105, 0, 4096, true)")
	printf '%s\n' "$plan" >"$dir/plan.txt"
	ft_check "the generic plan of the candidates statement right after the import has no Gather, parallel scan or JIT ($(grep -o 'Heap Fetches: [0-9]*' <<<"$plan" | head -n 1); plan in $dir/plan.txt)" \
		bash -c "grep -q 'Index Only Scan' '$dir/plan.txt' && ! grep -qiE 'Gather|Parallel|JIT' '$dir/plan.txt'"

	# --- duplicates draw no id (issue 9.8)
	read -r code secs < <(imp_curl "$dir/a.out" POST /api/sequences \
		-H 'Content-Type: application/json' --data-binary "{\"sequence\":\"$(cat "$dir/a")\"}")
	ida=$(imp_field "$dir/a.out" id)
	# Stored rows, A, then a new C twice.
	{ head -n 2000 "$dir/big.txt"; cat "$dir/a"; echo; cat "$dir/c"; echo; cat "$dir/c"; echo; } >"$dir/dups.txt"
	read -r code secs < <(imp_curl "$dir/dups.out" POST /api/sequences/import \
		-H 'Content-Type: text/plain' --data-binary @"$dir/dups.txt")
	ft_check "an import of duplicates and one new row repeated inserts 1 (HTTP $code, inserted $(imp_field "$dir/dups.out" inserted))" \
		[ "$code,$(imp_field "$dir/dups.out" inserted)" = "200,1" ]
	read -r code secs < <(imp_curl "$dir/a2.out" POST /api/sequences \
		-H 'Content-Type: application/json' --data-binary "{\"sequence\":\"$(cat "$dir/a")\"}")
	read -r code secs < <(imp_curl "$dir/b.out" POST /api/sequences \
		-H 'Content-Type: application/json' --data-binary "{\"sequence\":\"$(cat "$dir/b")\"}")
	idb=$(imp_field "$dir/b.out" id)
	idc=$(imp_id_of "$dir/c" "$(cat "$dir/c")")
	ft_check "duplicates in an import and a 409 draw no id: A=$ida, then C (imported) = A+1 = $idc, B (added after a 409) = C+1 = $idb" \
		bash -c "[ -n '$ida' ] && [ '$idc' = $((ida + 1)) ] && [ '$idb' = $((ida + 2)) ]"

	# --- dnadb import of a gzip file (issue 9.7)
	python3 - "$dir" <<'PY'
import gzip, random, sys
r = random.Random()
d = sys.argv[1]
s = ["".join(r.choice("ACGT") for _ in range(70)) for _ in range(3)]
fq = "".join("@r%d\n%s\n+\n%s\n" % (i, x, "I" * len(x)) for i, x in enumerate(s))
open(d + "/cli.fastq.gz", "wb").write(gzip.compress(fq.encode()))
open(d + "/cli.seqs", "w").write("\n".join(s) + "\n")
PY
	chmod a+r "$dir/cli.fastq.gz"
	[ "$(id -u)" -eq 0 ] && chown "$SVC_USER" "$dir/cli.fastq.gz"
	got=$(dnadb_cli import --quiet "$dir/cli.fastq.gz" 2>&1) || true
	rows=0
	while read -r s; do
		[ -n "$(imp_id_of "$dir/cli" "$s")" ] && rows=$((rows + 1))
	done <"$dir/cli.seqs"
	ft_check "dnadb import reads a .fastq.gz ($got; $rows of 3 found)" \
		bash -c "grep -q 'fastq (gzip), 3 records' <<<'$got' && [ $rows = 3 ]"
	# A checkpoint, so that the crash restarts of the load tests that
	# follow do not replay the WAL of these imports.
	super_sql "CHECKPOINT" >/dev/null || true
	FT_LABEL=$label
}
