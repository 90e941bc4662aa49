# deploy/lib/load.sh: load, faults under load, nothing lost, overload and
# soak (t/load/loadgen.py) against a deploy/stack instance (sourced by
# deploy/stack; uses its instance variables and ft_check / FT_* counters).
# load_tests is the quick set of `deploy/stack test`; torture runs longer
# ones. Each loadgen run's output is kept in $VAR/log/load-*.out and its
# RESULT line echoed, so every figure is printed.

# loadgen NAME SUBCOMMAND ARGS...: runs one loadgen subcommand, prints its
# figures, counts its verdict.
loadgen() {
	local name=$1 sub=$2 out
	shift 2
	out="$VAR/log/load-$name.out"
	say "    loadgen $sub $*"
	if python3 "$ROOT/t/load/loadgen.py" "$sub" --base-url "$FT_URL" --token "$TEST_TOKEN" \
		--seed 20261126 "$@" >"$out" 2>&1; then
		say "ok   load: $name"
		FT_PASS=$((FT_PASS + 1))
	else
		say "FAIL load: $name (full output: $out)"
		tail -n 25 "$out"
		FT_FAIL=$((FT_FAIL + 1))
	fi
	grep -vE '^RESULT |^ *[0-9]+ s |^not 2xx|^  (wrk|\|)' "$out" | tail -n 14 | sed 's/^/    | /'
}

# The worker pids, sorted, on one line.
worker_pids() { pgrep -P "$(cat "$RUN/workers.pid")" | sort -n | tr '\n' ' '; }

# A command for loadgen's --during: kills one random worker.
kill_one_cmd() {
	printf 'kill -9 $(pgrep -P $(cat %q) | shuf -n1) 2>/dev/null || true' "$RUN/workers.pid"
}

# A command that restarts PostgreSQL at once (-m immediate: a crash).
pg_restart_cmd() {
	local pre=""
	[ "$(id -u)" -eq 0 ] && [ "$SVC_USER" != root ] && pre="runuser -u $SVC_USER -- "
	printf '%s%q -D %q -l %q -m immediate -w -t 60 restart >/dev/null 2>&1' \
		"$pre" "$PGBIN/pg_ctl" "$PGDATA" "$VAR/log/postgresql.log"
}

# chaos_script FILE EVERY_NTH: a --during command that kills a random
# worker each time and restarts PostgreSQL every EVERY_NTH-th time.
chaos_script() {
	local file=$1 nth=$2
	cat >"$file" <<CHAOS
#!/usr/bin/env bash
n=\$(( \$(cat "$file.count" 2>/dev/null || echo 0) + 1 ))
echo "\$n" >"$file.count"
$(kill_one_cmd)
if [ \$(( n % $nth )) -eq 0 ]; then $(pg_restart_cmd); fi
CHAOS
	chmod +x "$file"
	rm -f "$file.count"
}

# The quick set, in `deploy/stack test` (about 2 minutes).
load_tests() {
	local port=$1 n before after sup
	FT_URL="http://127.0.0.1:$port"
	FT_LABEL=load
	n=$(config_value workers)
	sup=$(cat "$RUN/workers.pid")

	# 6. Faults under load: kill -9 a random worker every second for
	# 30 s: no GET fails (nginx retries an idempotent request on another
	# worker), and the supervisor restores the count.
	loadgen kill-workers reads --duration 30 --concurrency 8 --every 1 --during "$(kill_one_cmd)"
	ft_check "after 30 s of kills, all $n workers are back within 1 s" wait_workers "$n" 10
	ft_check "the supervisor is the same process" kill -0 "$sup"

	# PostgreSQL restarted (-m immediate) mid-run: 503 only while it is
	# down, then 200; no worker lost (the same processes before and after).
	before=$(worker_pids)
	loadgen pg-restart reads --duration 18 --concurrency 8 --every 7 --allow-503-window \
		--during "$(pg_restart_cmd)"
	after=$(worker_pids)
	ft_check "no worker lost or replaced across the PostgreSQL restarts" [ "$before" = "$after" ]

	# 7. Nothing lost: 5,000 distinct POSTs, retried on 5xx, while a
	# worker is killed every 0.1 s and PostgreSQL restarted every 5th time
	# (the writes take a few seconds: the chaos must be dense).
	chaos_script "$VAR/run/chaos" 5
	loadgen nothing-lost nothing-lost --count 5000 --concurrency 8 --every 0.1 \
		--during "$VAR/run/chaos"
	local runs
	runs=$(cat "$VAR/run/chaos.count" 2>/dev/null || echo 0)
	ft_check "the chaos really ran during the writes: $runs workers killed, $((runs / 5)) PostgreSQL restarts" \
		[ "$runs" -ge 10 ]
	ft_check "all $n workers are back after the chaos" wait_workers "$n" 20

	# 5. Load: wrk with mixed reads and writes; only 2xx, 409, 429.
	loadgen mixed mixed --duration 10 --connections 16
}

# 8. Overload under the production default limits (conf/dnadb.conf):
# far more clients than workers get fast 429s or are served; health
# keeps answering; nothing hangs. Runs with nginx re-rendered without the
# test's raised limits, then restores them.
overload_tests() {
	local port=$1 saved
	FT_URL="http://127.0.0.1:$port"
	FT_LABEL=load
	saved=$(env | grep -E '^DNADB_LIMIT_' || true)
	unset DNADB_LIMIT_SEARCH_RPS DNADB_LIMIT_SEARCH_BURST DNADB_LIMIT_WRITE_RPS \
		DNADB_LIMIT_WRITE_BURST DNADB_LIMIT_CONN_PER_CLIENT
	start_nginx "$port" >/dev/null
	sleep 0.5
	loadgen overload overload --clients 200 --duration 15
	rate_limit_checks
	# shellcheck disable=SC2163
	while IFS= read -r kv; do [ -n "$kv" ] && export "$kv"; done <<<"$saved"
	start_nginx "$port" >/dev/null
	sleep 0.5
}

# With the default limits: a burst of searches past the limit gets 429 in
# the JSON envelope with Retry-After, fast; /api/health never does.
rate_limit_checks() {
	local out="$VAR/log/ratelimit.out"
	python3 "$ROOT/t/load/ratelimit.py" "$FT_URL" "$TEST_TOKEN" >"$out" 2>&1
	local rc=$?
	while IFS= read -r line; do
		case $line in
		ok*) say "ok   limits: ${line#ok   }"; FT_PASS=$((FT_PASS + 1)) ;;
		FAIL*) say "FAIL limits: ${line#FAIL }"; FT_FAIL=$((FT_FAIL + 1)) ;;
		*) say "    $line" ;;
		esac
	done <"$out"
	[ $rc -eq 0 ] || [ -s "$out" ] || { say "FAIL limits: the rate-limit check did not run"; FT_FAIL=$((FT_FAIL + 1)); }
}
