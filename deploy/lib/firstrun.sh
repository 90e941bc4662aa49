# deploy/lib/firstrun.sh: what a new user meets in the first hour, as
# tests (bash functions, sourced by deploy/stack; `test` runs them after
# the throwaway stack is down, on its port). Each prints ok/FAIL lines
# through ft_check and counts into FT_PASS / FT_FAIL.
#
#   bench_tests PORT   deploy/stack bench --size tiny on a throwaway stack
#                      (var/test-bench): its exit status and its report
#   clone_tests PORT   a copy of this checkout in a private folder under
#                      root's home that the stack's account cannot enter:
#                      deploy/stack up there, the README's examples
#                      verbatim (t/readme/examples.py), deploy/stack dnadb
#                      with a file only root can read, status, down

# The benchmark at its tiny size: it must run to the end (exit 0) and its
# report must say what the benchmark promises (deploy/bench/check_report.py).
bench_tests() {
	local port=$1 out="$ROOT/var/test/log/bench" rc=0 report
	FT_LABEL=bench
	rm -rf "$out"
	mkdir -p "$out"
	( bench_run test-bench "$port" 0 --out "$out" --size tiny ) >"$out/bench.out" 2>&1 || rc=$?
	ft_check "deploy/stack bench --size tiny runs to the end (exit status $rc; output in $out/bench.out)" \
		[ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || tail -n 15 "$out/bench.out"
	report=$(ls "$out"/*.json 2>/dev/null | tail -n 1)
	ft_check "its report: every dataset imported, every k measured right after the import and settled, cross-checks ok" \
		python3 "$ROOT/deploy/bench/check_report.py" "${report:-$out/none.json}"
	ft_check "the benchmark removed its throwaway stack's data when it ended (no var/test-bench)" \
		bash -c "[ ! -e '$ROOT/var/test-bench' ] && [ ! -L '$ROOT/var/test-bench' ]"
	[ "$rc" -ne 0 ] || ( instance test-bench; remove_instance_state )
}

# Copies this checkout, built, to DEST: what a user has after `git clone`
# and a first `deploy/stack up`, so that the copy's `up` finds nothing to
# build. Not copied: the state (var/), the benchmark's reports and git's
# metadata; client/node_modules (only needed to build the client, which is
# up to date) is a link to this checkout's.
copy_checkout() {
	local dest=$1
	tar -C "$ROOT" --exclude=./var --exclude=./bench/results --exclude=./.git \
		--exclude=./client/node_modules -cf - . | tar -C "$dest" -xf -
	[ ! -d "$ROOT/client/node_modules" ] || ln -s "$ROOT/client/node_modules" "$dest/client/node_modules"
}

# Runs a command in the copy DIR (clone_tests') as a new user would: from
# there, without the DNADB_* variables of the test run.
in_clone() {
	(
		cd "$dir" || exit 1
		for v in $(compgen -e); do
			case $v in DNADB_*|ASAN_OPTIONS|UBSAN_OPTIONS) unset "$v" ;; esac
		done
		"$@"
	)
}

clone_tests() {
	local port=$1 dir log="$ROOT/var/test/log/clone" url="http://127.0.0.1:$1" out n f st state
	local fail0=$FT_FAIL
	FT_LABEL=clone
	rm -rf "$log"
	mkdir -p "$log"
	# A private folder in the caller's home (as root: /root, 0700), as
	# mktemp -d makes it (0700): the stack's account cannot enter it.
	dir=$(mktemp -d "${HOME:-/tmp}/dnadb-clone.XXXXXX")
	copy_checkout "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		ft_check "the copy is in a private folder ($dir) that $SVC_USER cannot enter" \
			bash -c "! runuser -u '$SVC_USER' -- test -x '$dir'"
	fi

	n=0
	python3 "$ROOT/t/readme/examples.py" --checkout "$dir" --port "$port" --log "$log" \
		>"$log/examples.out" 2>&1 || n=$?
	sed 's/^/    /' "$log/examples.out"
	ft_check "the README's examples run there as written (t/readme/examples.py, outputs in $log)" \
		[ "$n" -eq 0 ]
	# After the examples: the stack they started, from that folder.
	out=$(cat "$log"/*.out 2>/dev/null)
	if [ "$(id -u)" -eq 0 ]; then
		ft_check "deploy/stack up said where the state is kept" \
			grep -q "the state of var/main is kept in $STATE_BASE/" <<<"$out"
		ft_check "var/main links to a directory outside the private folder" \
			bash -c "[ -L '$dir/var/main' ] && case \$(readlink -f '$dir/var/main') in '$dir'/*) exit 1;; esac"
	fi
	ft_check "GET /api/health answers 200 from the stack of the private folder" \
		curl -fsS -o /dev/null "$url/api/health" 2>/dev/null
	st=$(in_clone deploy/stack status 2>&1) || true
	ft_check "deploy/stack status: PostgreSQL, workers, nginx running and healthy" \
		bash -c "grep -q '^postgresql: running' <<<\"\$1\" && grep -q '^workers:    running' <<<\"\$1\" &&
			grep -q '^nginx:      running on 127.0.0.1:$port' <<<\"\$1\" && grep -q '^health:     ok' <<<\"\$1\"" - "$st"

	# deploy/stack dnadb import: files the service account cannot read
	# (mode 0600, root's, in the private folder), a relative path, and the
	# refusals, named by their paths.
	f="$dir/only-root.fastq"
	printf '@r1\nGATTACAGATTACAGATTACA\n+\nIIIIIIIIIIIIIIIIIIIII\n' >"$f"
	chmod 0600 "$f"
	n=$(in_clone deploy/stack dnadb import only-root.fastq 2>&1) || true
	ft_check "deploy/stack dnadb import reads a file only root can read, by its relative path" \
		grep -q '^only-root.fastq: fastq, 1 record, 21 bases: 1 inserted, 0 duplicates' <<<"$n"
	ft_check "the imported sequence is found" \
		bash -c "curl -fsS '$url/api/search?q=GATTACAGATTACAGATTACA' | grep -q '\"distance\":0'"
	printf '>r1\nACGTN\n' >"$dir/bad.fa"
	n=$(in_clone deploy/stack dnadb import bad.fa 2>&1) && n="exit 0: $n"
	ft_check "a bad file is refused, named by its path, line and column" \
		grep -q "^dnadb import: bad.fa:2:5: 'N' is not one of A, C, G, T" <<<"$n"
	n=$(in_clone deploy/stack dnadb import no-such.fa 2>&1) && n="exit 0: $n"
	ft_check "a missing file is refused by name" \
		grep -q "^dnadb import: no-such.fa: No such file or directory" <<<"$n"
	ft_check "deploy/stack dnadb reindex works against that stack" \
		in_clone bash -c "deploy/stack dnadb reindex >/dev/null 2>&1"

	n=0
	in_clone deploy/stack down >"$log/down.txt" 2>&1 || n=$?
	ft_check "deploy/stack down stops it (exit status $n)" [ "$n" -eq 0 ]
	ft_check "deploy/stack down says where the data stays and that purge removes it" \
		bash -c "grep -q 'its data stays in $STATE_BASE/\|its data stays in $dir/var/main' '$log/down.txt' &&
			grep -q 'deploy/stack purge removes it' '$log/down.txt'"
	n=0
	in_clone deploy/stack status >/dev/null 2>&1 || n=$?
	ft_check "after down, status says stopped (exit status $n) and health does not answer" \
		bash -c "[ $n -ne 0 ] && ! curl -fsS -o /dev/null '$url/api/health' 2>/dev/null"
	clone_state_tests
	# Anything still running from that folder is stopped before its state
	# goes; a failed run keeps the folder and the state for inspection.
	in_clone deploy/stack down >/dev/null 2>&1 || true
	state=$(readlink -f "$dir/var/main" 2>/dev/null || true)
	if [ "$FT_FAIL" -eq "$fail0" ]; then
		rm -rf "$dir"
		case $state in
		"$STATE_BASE"/*) rm -rf "$state"; rmdir "$(dirname "$state")" "$STATE_BASE" 2>/dev/null || true ;;
		esac
	else
		say "    kept for inspection: $dir (state: ${state:-none})"
	fi
}

# What a user does with the state of a stopped 'up' stack in the private
# folder (clone_tests' $dir, $log, $url, $port): mistyped commands, the
# tool run directly, var/ removed and `up` again (the database is reused,
# and says so), `deploy/stack purge` (removes it all) and `up` afresh.
clone_state_tests() {
	local n out
	n=0
	out=$(in_clone deploy/stack bogus 2>&1 >/dev/null) || n=$?
	ft_check "deploy/stack bogus: 'unknown command', the usage on stderr, exit status 2 (got $n)" \
		bash -c "[ $n -eq 2 ] && grep -q \"^deploy/stack: unknown command 'bogus'\" <<<\"\$1\" &&
			grep -q '^usage: deploy/stack COMMAND' <<<\"\$1\"" - "$out"
	n=0
	out=$(in_clone deploy/stack dnadb 2>&1 >/dev/null) || n=$?
	ft_check "deploy/stack dnadb alone: the tool's usage on stderr, exit status 2 as dnadb alone (got $n)" \
		bash -c "[ $n -eq 2 ] && grep -q '^usage: dnadb' <<<\"\$1\"" - "$out"
	# The tool run directly, not through deploy/stack: no connection,
	# and advice on how to get one.
	n=0
	out=$(in_clone env DNADB_OWNER_DATABASE_URL="host=$dir/no-such-dir dbname=dnadb" \
		src/dnadb token list 2>&1) || n=$?
	ft_check "src/dnadb token list without the stack's settings: exit 1 and advice (owner_database_url, deploy/stack dnadb)" \
		bash -c "[ $n -eq 1 ] && grep -q 'owner_database_url' <<<\"\$1\" &&
			grep -q 'DNADB_OWNER_DATABASE_URL' <<<\"\$1\" && grep -q 'deploy/stack dnadb' <<<\"\$1\"" - "$out"

	# var/ removed, state not: the next up reuses it, loudly.
	rm -rf "${dir:?}/var"
	n=0
	in_clone deploy/stack up --port "$port" >"$log/up-again.txt" 2>&1 || n=$?
	ft_check "after rm -rf var, deploy/stack up starts (exit status $n)" [ "$n" -eq 0 ]
	if [ "$(id -u)" -eq 0 ]; then
		ft_check "... and says it reuses the database kept from an earlier run, and that purge removes it" \
			bash -c "grep -q 'reusing the database kept in $STATE_BASE/.* from an earlier run' '$log/up-again.txt' &&
				grep -q 'deploy/stack purge removes it' '$log/up-again.txt'"
	fi
	ft_check "the reused database still holds the imported sequence" \
		bash -c "curl -fsS '$url/api/search?q=GATTACAGATTACAGATTACA' | grep -q '\"distance\":0'"
	ft_check "deploy/stack up on an existing database prints no NOTICE" \
		bash -c "! grep -q 'NOTICE' '$log/up-again.txt'"
	out=$(in_clone deploy/stack dnadb migrations 2>&1; in_clone deploy/stack dnadb migrations 2>&1) || true
	ft_check "deploy/stack dnadb migrations, twice: every migration applied, no NOTICE" \
		bash -c "grep -q '^applied ' <<<\"\$1\" && ! grep -q 'NOTICE\|pending' <<<\"\$1\"" - "$out"
	out=$(in_clone deploy/stack dnadb config 2>&1) || true
	ft_check "deploy/stack dnadb config shows the up stack's public_read = 1, as its workers have it" \
		grep -q '^public_read = 1$' <<<"$out"

	# purge: stops it, removes var/main and its target, says so.
	local target
	target=$(readlink -f "$dir/var/main")
	n=0
	in_clone deploy/stack purge >"$log/purge.txt" 2>&1 || n=$?
	ft_check "deploy/stack purge (exit status $n) says what it removed" \
		bash -c "[ $n -eq 0 ] && grep -qF '$target' '$log/purge.txt'"
	ft_check "after purge: no var/main, no $target, the stack stopped" \
		bash -c "[ ! -e '$dir/var/main' ] && [ ! -L '$dir/var/main' ] && [ ! -e '$target' ] &&
			! curl -fsS -o /dev/null '$url/api/health' 2>/dev/null"
	n=0
	in_clone deploy/stack up --port "$port" >"$log/up-purged.txt" 2>&1 || n=$?
	ft_check "after purge, deploy/stack up starts (exit status $n) without reusing anything" \
		bash -c "[ $n -eq 0 ] && ! grep -q 'reusing' '$log/up-purged.txt'"
	n=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/sequences/1" 2>/dev/null) || true
	ft_check "after purge and up, the store is empty: GET /api/sequences/1 answers 404 (got $n)" [ "$n" = 404 ]
	ft_check "... and the search finds nothing" \
		bash -c "curl -fsS '$url/api/search?q=GATTACAGATTACAGATTACA' | grep -q '\"results\":\[\]'"
	in_clone deploy/stack down >/dev/null 2>&1 || true
}
