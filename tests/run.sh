#!/usr/bin/env bash
# Run every test suite of vnmd and count the results.
#
#   unit:        build/tests/test_*            (cmocka)
#   unit+asan:   build/asan/tests/test_*       (cmocka under ASan+UBSan)
#   integration: tests/integration/*.sh        (tests/lib.sh: "N passed, N failed")
#                tests/integration/test_*.py   (pytest, with Debian's /usr/bin/python3)
#
# Each suite's output is shown as it runs; the last line is the total over
# all suites.  Exit status is non-zero when any test failed or any suite
# crashed without a summary.
set -u
cd "$(dirname "$0")/.."

only_integration=0
[ "${1:-}" = "--integration-only" ] && only_integration=1
filter=${VNMD_TEST_FILTER:-}

total_pass=0
total_fail=0
total_skip=0
summaries=()

count_suite() { # name logfile rc seconds
	local name=$1 log=$2 rc=$3 secs=${4:-0} p=0 f=0 s=0 line
	if grep -q '^\[==========\]' "$log"; then # cmocka
		line=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | tail -1)
		[ -n "$line" ] && p=$(echo "$line" | grep -oE '[0-9]+' | head -1)
		line=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | tail -1)
		[ -n "$line" ] && f=$(echo "$line" | grep -oE '[0-9]+' | head -1)
	elif line=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error).* in [0-9.]+s' "$log" | tail -1) && [ -n "$line" ]; then # pytest
		p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
		f=$(echo "$line" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s += $1} END {print s + 0}')
		s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
	elif line=$(grep -E '^[A-Za-z0-9_.-]*:? ?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1) && [ -n "$line" ]; then
		p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
		f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
		s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
	fi
	p=${p:-0}; f=${f:-0}; s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or failed without saying how many
		echo "!! $name exited with status $rc"
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	summaries+=("$(printf '%-44s %4d passed, %d failed, %d skipped  (%ds)' "$name" "$p" "$f" "$s" "$secs")")
}

run_suite() { # name cmd...
	local name=$1; shift
	if [ -n "$filter" ] && [[ "$name" != *$filter* ]]; then return; fi
	local log rc t0=$SECONDS
	log=$(mktemp)
	echo "=== $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count_suite "$name" "$log" "$rc" $((SECONDS - t0))
	rm -f "$log"
}

if [ $only_integration -eq 0 ]; then
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		run_suite "unit/$(basename "$t")" "$t"
	done
	for t in build/asan/tests/test_*; do
		[ -x "$t" ] || continue
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			run_suite "asan/$(basename "$t")" "$t"
	done
fi

for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	run_suite "integration/$(basename "$t")" bash "$t"
done
# NETCONF suites the ASan+UBSan daemon runs (below) run there only: the
# same tests, on the same code, with the sanitizers watching (the plain
# daemon's bounds of time and memory are test_netconf_gate's and
# test_hostile's, which run on both).  Without an ASan daemon, or when a
# filter leaves it out, they run on the plain one.
asan_suites="test_netconf.py test_netconf_stash.py test_nacm.py test_nmda.py test_replay.py test_tls.py"
asan_daemon=0
if [ -x build/asan/vnmd ] && { [ -z "$filter" ] || [[ asan-daemon == *$filter* ]]; }; then
	asan_daemon=1
fi
for t in tests/integration/test_*.py; do
	[ -f "$t" ] || continue
	if [ $asan_daemon -eq 1 ] && [[ " $asan_suites " == *" $(basename "$t") "* ]]; then
		# what the sanitized run leaves out (17 s there), here
		[ "$(basename "$t")" = test_netconf.py ] &&
			run_suite "integration/$(basename "$t")" /usr/bin/python3 -m pytest -q \
				-p no:cacheprovider -k "oversized" "$t"
		continue
	fi
	run_suite "integration/$(basename "$t")" /usr/bin/python3 -m pytest -q -p no:cacheprovider "$t"
done

# The daemon built with ASan+UBSan runs the NETCONF and SNMP suites once
# more; every sanitizer report (a file in $asan_dir) fails the last suite.
if [ $asan_daemon -eq 1 ]; then
	asan_dir=$(mktemp -d /tmp/vnmt-asan.XXXXXX)
	export ASAN_OPTIONS="detect_leaks=0:log_path=$asan_dir/asan:abort_on_error=0"
	export UBSAN_OPTIONS="print_stacktrace=1:log_path=$asan_dir/ubsan"
	for t in tests/integration/test_netconf_gate.py $asan_suites; do
		t=tests/integration/$(basename "$t")
		# (test_oversized_message is 17 s under ASan: the gate's size
		# bounds are tried by test_hostile with the plain daemon)
		VNMD_BIN=$PWD/build/asan/vnmd run_suite "asan-daemon/$(basename "$t")" \
			/usr/bin/python3 -m pytest -q -p no:cacheprovider -k "not oversized" "$t"
	done
	for t in tests/integration/snmp_vnmd.sh tests/integration/snmp_embedded.sh \
		 tests/integration/netconf_yangcli.sh; do
		VNMD_BIN=$PWD/build/asan/vnmd run_suite "asan-daemon/$(basename "$t")" bash "$t"
	done
	unset ASAN_OPTIONS UBSAN_OPTIONS
	reports() {
		local n
		n=$(find "$asan_dir" -type f | wc -l)
		find "$asan_dir" -type f -exec head -30 {} \;
		echo "# sanitizer reports from the ASan+UBSan daemon: $n"
		if [ "$n" -eq 0 ]; then echo "asan-daemon: 1 passed, 0 failed"; else echo "asan-daemon: 0 passed, 1 failed"; fi
	}
	run_suite "asan-daemon/reports" reports
	rm -rf "$asan_dir"
fi

# The libvirtd and virtlogd the suites started (tools/libvirtd-up.sh noted
# them) are stopped; those that ran before the tests are left alone.
libvirtd_down() {
	bash tools/libvirtd-down.sh
	local left
	left=$(ls /run/vnmd-started 2>/dev/null)
	if [ -z "$left" ]; then echo "libvirtd_down: 1 passed, 0 failed"
	else echo "still running: $left"; echo "libvirtd_down: 0 passed, 1 failed"; fi
}
[ -z "$filter" ] && run_suite "cleanup/libvirtd-down" libvirtd_down

echo
echo "=== summary"
for s in "${summaries[@]}"; do echo "$s"; done
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
