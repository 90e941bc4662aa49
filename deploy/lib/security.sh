# deploy/lib/security.sh: the access and least-privilege checks of
# `deploy/stack test` (sourced by deploy/stack; uses its instance
# variables and its ft_check / FT_PASS / FT_FAIL counters). Each check
# prints one ok/FAIL line.

# Runs SQL as the application role; prints psql's output and status.
app_sql() {
	as_svc "$PGBIN/psql" -X -q -h "$RUN" -p "$PGPORT" -U dnadb_app -d dnadb \
		-v ON_ERROR_STOP=1 -Atc "$1" 2>&1
}

# sec_refused NAME SQL: the application role must not be able to run SQL.
sec_refused() {
	local name=$1 sql=$2 out
	if out=$(app_sql "$sql"); then
		say "FAIL security: the application role could $name: $sql"
		FT_FAIL=$((FT_FAIL + 1))
	elif ! grep -qE 'permission denied|must be owner|must be superuser' <<<"$out"; then
		say "FAIL security: $name failed, but not for want of privilege: $out"
		FT_FAIL=$((FT_FAIL + 1))
	else
		say "ok   security: the application role cannot $name"
		FT_PASS=$((FT_PASS + 1))
	fi
}

# sec_equals NAME WANT SQL [ROLE-SQL-RUNNER]: SQL's output must be WANT.
sec_equals() {
	local name=$1 want=$2 got
	got=$(app_sql "$3") || true
	if [ "$got" = "$want" ]; then
		say "ok   security: $name ($got)"
		FT_PASS=$((FT_PASS + 1))
	else
		say "FAIL security: $name: got '$got', want '$want'"
		FT_FAIL=$((FT_FAIL + 1))
	fi
}

# Owner-side count (as the cluster's superuser).
super_sql() {
	as_svc "$PGBIN/psql" -X -q -h "$RUN" -p "$PGPORT" -U "$PGSUPER" -d dnadb -Atc "$1" 2>&1
}

privilege_tests() {
	FT_LABEL=security
	sec_refused "create a table" "CREATE TABLE evil (x int)"
	sec_refused "drop the sequences table" "DROP TABLE sequences"
	sec_refused "alter a table" "ALTER TABLE sequences ADD COLUMN evil int"
	sec_refused "truncate the sequences" "TRUNCATE sequences"
	sec_refused "truncate the index" "TRUNCATE seq_segments"
	sec_refused "create an index" "CREATE INDEX evil ON sequences (created_at)"
	sec_refused "create a function" "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'"
	sec_refused "mint a token" "INSERT INTO api_tokens (name, scope, selector, secret_sha256) VALUES ('evil', 'write', '0123456789abcdef', repeat('0', 64))"
	sec_refused "raise a token's scope" "UPDATE api_tokens SET scope = 'write'"
	sec_refused "un-revoke a token" "UPDATE api_tokens SET revoked_at = NULL"
	sec_refused "delete tokens" "DELETE FROM api_tokens"
	sec_refused "rewrite the migration record" "DELETE FROM schema_migrations"
	sec_refused "change the segment scheme" "UPDATE dnadb_meta SET value = 'x'"
	sec_refused "rewrite a stored sequence" "UPDATE sequences SET sequence = 'A' WHERE id = (SELECT min(id) FROM sequences)"
	sec_refused "read the token table's other columns" "SELECT created_at FROM api_tokens"
	sec_equals "the application role still reads sequences" t \
		"SELECT count(*) >= 0 FROM sequences"
	sec_equals "the application role's statement_timeout" 15s "SHOW statement_timeout"
	sec_equals "the application role's lock_timeout" 5s "SHOW lock_timeout"
	sec_equals "the application role's idle_in_transaction_session_timeout" 1min \
		"SHOW idle_in_transaction_session_timeout"
	sec_equals "the workers connect as the application role" "dnadb_app" \
		"SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'dnadb'"
}

# Data invariants after every suite has run: no index row without its
# sequence (DELETE removes them), every sequence of 16+ bases indexed,
# and a row of 16-255 bases with exactly m_lo + m_hi tier rows (src/seg.h).
index_tests() {
	local orphans unindexed wrong
	orphans=$(super_sql "SELECT count(*) FROM seq_segments g LEFT JOIN sequences s USING (id) WHERE s.id IS NULL")
	ft_check "no index row outlives its sequence (found ${orphans:-?})" [ "$orphans" = 0 ]
	unindexed=$(super_sql "SELECT count(*) FROM sequences s WHERE length >= 16 AND NOT EXISTS (SELECT 1 FROM seq_segments g WHERE g.id = s.id)")
	ft_check "every sequence of 16 or more bases has index rows (missing: ${unindexed:-?})" [ "$unindexed" = 0 ]
	# One pass over each table (a hash join), not a look-up per row:
	# seq_segments has no index on id.
	wrong=$(super_sql "SELECT count(*) FROM (SELECT s.id, least(24, s.length / 4, greatest(6, s.length * 18 / 100) + 1) AS hi, count(g.id) AS n FROM sequences s LEFT JOIN seq_segments g USING (id) WHERE s.length BETWEEN 16 AND 255 GROUP BY s.id, s.length) x WHERE n <> hi + (3 * hi + 3) / 4")
	ft_check "every sequence of 16-255 bases has m_lo + m_hi tier rows (wrong: ${wrong:-?})" [ "$wrong" = 0 ]
}

# The worker socket is not world-accessible.
socket_tests() {
	local mode
	mode=$(stat -c %a "$SOCKET" 2>/dev/null || echo none)
	ft_check "the worker socket is mode 0660, not world-writable (is $mode)" [ "$mode" = 660 ]
}

# No token (not even its secret half) appears in any log of the stack.
token_log_tests() {
	local t hits=0 secret
	for t in "$@"; do
		[ -n "$t" ] || continue
		# dnadb_<selector>_<secret>: the secret is base64url and may
		# itself hold '_', so cut the prefix, not at the last '_'.
		secret=${t#dnadb_*_}
		[ ${#secret} -ge 40 ] || { say "    token_log_tests: not a token: ${t:0:8}..."; hits=$((hits + 1)); continue; }
		if grep -rqF -- "$secret" "$VAR/log" 2>/dev/null; then
			hits=$((hits + 1))
			grep -rlF -- "$secret" "$VAR/log" | sed 's/^/    found in /'
		fi
	done
	ft_check "no token appears in any log (nginx, workers, PostgreSQL): $hits found" [ "$hits" = 0 ]
}

# The binaries carry the build hardening of configure.ac (not in a
# sanitizer build, which trades it for its own checks).
hardening_tests() {
	local f
	grep -q -- '--enable-sanitizers' "$ROOT/.configure-flags" 2>/dev/null && return 0
	for f in "$ROOT/src/dnadb-fcgi" "$ROOT/src/dnadb"; do
		ft_check "$(basename "$f") is a position-independent executable" \
			bash -c "readelf -h '$f' | grep -q 'DYN (Position-Independent'"
		ft_check "$(basename "$f") has full RELRO (GNU_RELRO and BIND_NOW)" \
			bash -c "readelf -lW '$f' | grep -q GNU_RELRO && readelf -d '$f' | grep -q BIND_NOW"
		ft_check "$(basename "$f") has a non-executable stack" \
			bash -c "readelf -lW '$f' | grep GNU_STACK | grep -qv RWE"
		ft_check "$(basename "$f") has stack protector and FORTIFY_SOURCE checks" \
			bash -c "nm -D '$f' | grep -q __stack_chk_fail && nm -D '$f' | grep -q '_chk@'"
	done
}
