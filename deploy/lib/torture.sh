# deploy/lib/torture.sh: `deploy/stack torture`, the long tests that do not
# fit the default run (sourced by deploy/stack). Each part prints its
# figures and ok/FAIL lines; the run ends with "N passed, M failed".
#
#   1. valgrind memcheck: the Check suites, then the HTTP and hostile
#      suites against workers running under valgrind: zero errors, zero
#      definitely-lost bytes in every process;
#   2. AddressSanitizer + UndefinedBehaviorSanitizer: the whole default
#      test run on a sanitizer build (deploy/stack test with
#      --enable-sanitizers; the workers' reports fail it);
#   3. every fuzz harness for TORTURE_FUZZ_S seconds (default 300);
#   4. load: mixed reads and writes with wrk for 60 s, kills and
#      PostgreSQL restarts under load, nothing lost, overload;
#   5. soak: mixed load for TORTURE_SOAK_S seconds (default 600): worker
#      memory flat after warm-up, PostgreSQL connections constant.
#
# TORTURE_PARTS picks parts, e.g. TORTURE_PARTS="valgrind soak".

TT_PASS=0
TT_FAIL=0

tt_count() {
	TT_PASS=$((TT_PASS + $1))
	TT_FAIL=$((TT_FAIL + $2))
}

# valgrind on the Check suites (in-process: CK_FORK=no).
torture_valgrind_units() {
	local t log errs lost
	step "valgrind memcheck: the unit suites"
	for t in check_units check_seg check_fastx check_lev; do
		log="$ROOT/var/torture/valgrind-$t.log"
		CK_FORK=no DNADB_LEV_PAIRS=3000 valgrind --tool=memcheck --leak-check=full \
			--errors-for-leak-kinds=definite --error-exitcode=99 --log-file="$log" \
			"$ROOT/t/$t" >/dev/null 2>&1
		errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
		lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n 1)
		if [ "${errs:-x}" = 0 ] && [ "${lost:-0}" = 0 ]; then
			say "ok   valgrind: t/$t: 0 errors, 0 bytes definitely lost"
			tt_count 1 0
		else
			say "FAIL valgrind: t/$t: ${errs:-?} errors, ${lost:-?} bytes definitely lost (see $log)"
			tt_count 0 1
		fi
	done
}

# valgrind on the workers: a throwaway stack whose supervisor and workers
# run under memcheck, the HTTP suite (at a tenth of its scale) and the
# hostile suite against it, then a graceful stop so every process reports.
torture_valgrind_http() {
	local port=18070 out n=0 bad=0 hp hf
	step "valgrind memcheck: the HTTP and hostile suites against workers under valgrind"
	instance torture-vg
	stop_instance 2>/dev/null || true
	rm -rf "$VAR"
	mkdir -p "$ROOT/var/torture"
	trap 'stop_instance >/dev/null 2>&1 || true' EXIT
	export DNADB_MAX_IMPORT_BYTES=8388608 DNADB_CLIENT_TIMEOUT_S=3 DNADB_WORKERS=3
	export DNADB_LIMIT_SEARCH_RPS=100000 DNADB_LIMIT_SEARCH_BURST=100000
	export DNADB_LIMIT_WRITE_RPS=100000 DNADB_LIMIT_WRITE_BURST=100000
	export DNADB_LIMIT_CONN_PER_CLIENT=60000 DNADB_SEARCH_BUDGET_MS=60000
	export DNADB_STATEMENT_TIMEOUT_MS=120000
	# valgrind's scratch files go under the instance (the service user
	# may not write /tmp on every machine).
	mkdir -p "$VAR/tmp"
	[ "$(id -u)" -ne 0 ] || chown "$SVC_USER" "$VAR/tmp"
	export DNADB_WORKER_WRAPPER="env TMPDIR=$VAR/tmp valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite --log-file=$VAR/log/valgrind.%p"
	start_instance "$port"
	unset DNADB_WORKER_WRAPPER
	TEST_TOKEN=$(dnadb_cli token create --name vg-write --scope write 2>/dev/null)
	TEST_READ_TOKEN=$(dnadb_cli token create --name vg-read --scope read 2>/dev/null)
	TEST_REVOKED_TOKEN=$(dnadb_cli token create --name vg-revoked --scope read 2>/dev/null)
	dnadb_cli token revoke vg-revoked >/dev/null
	out="$VAR/log/http-tests.out"
	python3 "$ROOT/t/http/test_api.py" --base-url "http://127.0.0.1:$port" \
		--oracle "$ROOT/t/oracle" --fresh-db --import-limit "$DNADB_MAX_IMPORT_BYTES" \
		--token "$TEST_TOKEN" --read-token "$TEST_READ_TOKEN" \
		--revoked-token "$TEST_REVOKED_TOKEN" --public-read 0 --scale 0.1 \
		--timeout 300 --seed 20261126 >"$out" 2>&1 || true
	read -r hp hf < <(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' "$out" | tail -n 1)
	say "    HTTP suite under valgrind: ${hp:-0} passed, ${hf:-?} failed"
	grep '^FAIL' "$out" | head -n 10 || true
	if [ "${hf:-1}" = 0 ] && [ "${hp:-0}" -gt 0 ]; then tt_count 1 0; else tt_count 0 1; fi
	out="$VAR/log/hostile.out"
	python3 "$ROOT/t/http/test_hostile.py" --base-url "http://127.0.0.1:$port" \
		--token "$TEST_TOKEN" --client-timeout 3 >"$out" 2>&1 || true
	read -r hp hf < <(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' "$out" | tail -n 1)
	say "    hostile suite under valgrind: ${hp:-0} passed, ${hf:-?} failed"
	grep '^FAIL' "$out" | head -n 10 || true
	if [ "${hf:-1}" = 0 ] && [ "${hp:-0}" -gt 0 ]; then tt_count 1 0; else tt_count 0 1; fi
	# A graceful stop: each process writes its leak summary as it exits.
	if pid_alive "$RUN/workers.pid"; then
		kill -TERM "$(cat "$RUN/workers.pid")"
		for _ in $(seq 1 600); do pid_alive "$RUN/workers.pid" || break; sleep 0.1; done
	fi
	# Forked workers share the supervisor's log file; every process
	# writes its own summary lines, prefixed with its pid.
	n=$(cat "$VAR"/log/valgrind.* 2>/dev/null | grep -c 'ERROR SUMMARY:' || true)
	bad=$(cat "$VAR"/log/valgrind.* 2>/dev/null |
		grep -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' | tee /dev/stderr | wc -l)
	if [ "$n" -gt 0 ] && [ "$bad" = 0 ]; then
		say "ok   valgrind: $n worker and supervisor processes: 0 errors, 0 bytes definitely lost"
		tt_count 1 0
	else
		say "FAIL valgrind: $bad of $n processes reported errors or leaks (logs in $VAR/log)"
		tt_count 0 1
	fi
	stop_instance >/dev/null 2>&1 || true
	trap - EXIT
	unset DNADB_WORKERS DNADB_SEARCH_BUDGET_MS DNADB_STATEMENT_TIMEOUT_MS
}

# The default test run on a sanitizer build, then the tree rebuilt as it was.
torture_sanitizers() {
	local out="$ROOT/var/torture/sanitizers.out" line p f
	step "AddressSanitizer + UBSan: deploy/stack test on a sanitizer build (output in $out)"
	CONFIGURE_FLAGS="--enable-werror --enable-sanitizers" "$ROOT/deploy/stack" test >"$out" 2>&1 || true
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' <<<"$line")
	grep -E '^FAIL' "$out" | head -n 20 || true
	say "    sanitizer build: ${line:-no summary}"
	if [ "${f:-1}" = 0 ] && [ "${p:-0}" -gt 0 ]; then
		say "ok   sanitizers: the whole test run passes under ASan + UBSan, no report from any worker"
		tt_count 1 0
	else
		say "FAIL sanitizers: see $out"
		tt_count 0 1
	fi
	CONFIGURE_FLAGS="--enable-werror" build
}

torture_fuzz() {
	step "fuzzing each parser for ${TORTURE_FUZZ_S:-300} s"
	run_fuzzers "${TORTURE_FUZZ_S:-300}"
	tt_count "$FZ_PASS" "$FZ_FAIL"
}

# Load and soak against a throwaway stack with the limits raised (the load
# comes from one address), then overload under the default limits.
torture_load() {
	local port=18060 parts=$1
	step "load and soak on a throwaway stack (var/torture-load, port $port)"
	instance torture-load
	stop_instance 2>/dev/null || true
	rm -rf "$VAR"
	trap 'stop_instance >/dev/null 2>&1 || true' EXIT
	export DNADB_LIMIT_SEARCH_RPS=100000 DNADB_LIMIT_SEARCH_BURST=100000
	export DNADB_LIMIT_WRITE_RPS=100000 DNADB_LIMIT_WRITE_BURST=100000
	export DNADB_LIMIT_CONN_PER_CLIENT=60000
	start_instance "$port"
	TEST_TOKEN=$(dnadb_cli token create --name torture --scope write 2>/dev/null)
	FT_URL="http://127.0.0.1:$port"
	FT_PASS=0 FT_FAIL=0
	if [[ " $parts " == *" load "* ]]; then
		loadgen mixed-60s mixed --duration 60 --connections 32
		load_tests "$port"
		overload_tests "$port"
	fi
	if [[ " $parts " == *" soak "* ]]; then
		local psql="$PGBIN/psql -X -h $RUN -p $PGPORT -U $PGSUPER -d dnadb"
		[ "$(id -u)" -eq 0 ] && [ "$SVC_USER" != root ] && psql="runuser -u $SVC_USER -- $psql"
		FT_LABEL=soak
		loadgen soak soak --duration "${TORTURE_SOAK_S:-600}" --connections 16 \
			--supervisor-pid "$(cat "$RUN/workers.pid")" --psql "$psql"
	fi
	tt_count "$FT_PASS" "$FT_FAIL"
	stop_instance >/dev/null 2>&1 || true
	trap - EXIT
}

cmd_torture() {
	local parts=${TORTURE_PARTS:-"valgrind sanitizers fuzz load soak"} start
	start=$(date +%s)
	ensure_packages valgrind wrk clang libclang-rt-14-dev
	mkdir -p "$ROOT/var/torture"
	CONFIGURE_FLAGS="--enable-werror" build
	make -C "$ROOT" -j"$(nproc)" check >/dev/null 2>&1 || true
	if [[ " $parts " == *" valgrind "* ]]; then
		torture_valgrind_units
		torture_valgrind_http
	fi
	[[ " $parts " == *" sanitizers "* ]] && torture_sanitizers
	[[ " $parts " == *" fuzz "* ]] && torture_fuzz
	if [[ " $parts " == *" load "* ]] || [[ " $parts " == *" soak "* ]]; then
		torture_load "$parts"
	fi
	say ""
	say "deploy/stack torture ($parts): $(( $(date +%s) - start )) s"
	say "$TT_PASS passed, $TT_FAIL failed"
	[ "$TT_FAIL" -eq 0 ]
}
