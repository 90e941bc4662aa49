# deploy/lib/limits.sh: the time-budget and rate-limit checks of
# `deploy/stack test` (sourced by deploy/stack; uses its instance
# variables, ft_check / ft_expect and the FT_* counters).

# restart_workers_with VAR=VALUE...: the workers again, with overrides.
restart_workers_with() {
	stop_workers
	local kv
	for kv in "$@"; do export "${kv?}"; done
	start_workers
	for kv in "$@"; do unset "${kv%%=*}"; done
	wait_health "$FT_URL"
}

# Active statements of the workers' role, other than this query.
app_active() {
	super_sql "SELECT count(*) FROM pg_stat_activity WHERE usename = 'dnadb_app' AND state = 'active' AND pid <> pg_backend_pid()"
}

# A search over its budget is stopped, answered 422, and leaves nothing
# running in PostgreSQL; a statement over statement_timeout is cancelled
# by PostgreSQL itself; either way the worker serves the next request.
budget_tests() {
	local port=$1 q i
	FT_LABEL=limits
	FT_URL="http://127.0.0.1:$port"
	# Enough short rows that a max_distance-40 scan takes real time.
	python3 -c 'import random,sys
r=random.Random(11)
sys.stdout.write("".join("".join(r.choice("ACGT") for _ in range(r.randint(20,60)))+"\n" for _ in range(30000)))' >"$VAR/log/budget.txt"
	curl -sS -o /dev/null "${FT_AUTH[@]}" --data-binary @"$VAR/log/budget.txt" "$FT_URL/api/sequences/import"
	q=$(python3 -c 'import random; r=random.Random(5); print("".join(r.choice("ACGT") for _ in range(40)))')
	restart_workers_with DNADB_SEARCH_BUDGET_MS=1
	ft_expect "a search over its time budget answers 422 query_too_broad" 422 query_too_broad \
		GET "/api/search?q=$q&max_distance=40&limit=1000"
	ft_check "nothing of it is left running in PostgreSQL" [ "$(app_active)" = 0 ]
	for i in 1 2 3 4; do
		ft_expect "the worker is free again at once ($i)" 200 - GET /api/health
	done
	# A write stuck behind a row lock past statement_timeout (300 ms
	# here): PostgreSQL cancels it while the lock is still held, the
	# client gets 503 timeout at once, and the worker serves the next
	# request; once the lock is gone the same write succeeds.
	restart_workers_with DNADB_STATEMENT_TIMEOUT_MS=300
	local id locker t0 t1
	id=$(curl -sS "${FT_AUTH[@]}" -H 'Content-Type: application/json' \
		-d '{"sequence":"ACGTACGTACGTACGTTTTTAAAACCCCGG"}' "$FT_URL/api/sequences" |
		sed -n 's/^{"id":\([0-9]*\),.*/\1/p')
	super_sql "BEGIN; SELECT id FROM sequences WHERE id = ${id:-0} FOR UPDATE; SELECT pg_sleep(4); COMMIT" >/dev/null &
	locker=$!
	sleep 0.5
	t0=$(date +%s%N)
	ft_expect "a DELETE held by a row lock past statement_timeout answers 503 timeout" 503 timeout \
		DELETE "/api/sequences/${id:-0}"
	t1=$(date +%s%N)
	ft_check "and within 2 s ($(( (t1 - t0) / 1000000 )) ms)" [ $(( (t1 - t0) / 1000000 )) -lt 2000 ]
	ft_check "PostgreSQL cancelled it while the lock is still held (nothing of it active)" \
		[ "$(app_active)" = 0 ]
	ft_check "the lock was still held then" kill -0 "$locker"
	ft_check "PostgreSQL logged the cancellation" \
		grep -q "canceling statement due to statement timeout" "$VAR/log/postgresql.log"
	ft_expect "the worker answers the next request" 200 - GET /api/health
	ft_expect "and reads the row" 200 - GET "/api/sequences/${id:-0}"
	wait "$locker" || true
	ft_expect "with the lock gone, the same DELETE succeeds" 204 - DELETE "/api/sequences/${id:-0}"
	restart_workers_with
}
