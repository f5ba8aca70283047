#!/usr/bin/env bash
# fuzz/run.sh TARGET... - run each libFuzzer target build/fuzz/fuzz_TARGET for
# FUZZ_SECONDS (default 30) from its seeds (fuzz/seeds-TARGET, replayed
# first: crash inputs kept there are the regression cases) with its
# dictionary (fuzz/TARGET.dict) when there is one.  Prints one line per
# target that scripts and the lead grep:
#
#   # fuzz TARGET: N executions, M crashes, X exec/s
#
# A crash (also a leak, UB, a timeout or an out-of-memory) ends that
# target's run; its input is kept in build/fuzz/crashes-TARGET/.  Exit
# status: the number of targets that crashed.
#   FUZZ_SECONDS=300 bash fuzz/run.sh edit filter    (make fuzz runs all)
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
build=${BUILD:-build}
failed=0

max_len() { # the inputs each target takes are at most this long
	case $1 in
	rows) echo 512 ;;
	filter) echo 4096 ;;
	*) echo 16384 ;;
	esac
}

for t in "$@"; do
	bin=$build/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "# fuzz $t: not built ($bin missing: make fuzz-build)"
		failed=$((failed + 1))
		continue
	fi
	tmp=$(mktemp -d)
	mkdir -p "$tmp/corpus" "$tmp/art"
	dict=()
	[ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")
	"$bin" "$tmp/corpus" "fuzz/seeds-$t" "${dict[@]}" -max_len="$(max_len "$t")" \
		-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$tmp/art/" >"$tmp/log" 2>&1
	rc=$?
	execs=$(grep -oE '^stat::number_of_executed_units: +[0-9]+' "$tmp/log" | grep -oE '[0-9]+$')
	rate=$(grep -oE '^stat::average_exec_per_sec: +[0-9]+' "$tmp/log" | grep -oE '[0-9]+$')
	if [ -z "$execs" ]; then # no final stats after a crash: the last status line
		last=$(grep -E '^#[0-9]+' "$tmp/log" | tail -1)
		execs=$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#')
		rate=$(echo "$last" | grep -oE 'exec/s: [0-9]+' | grep -oE '[0-9]+')
	fi
	crashes=$(find "$tmp/art" -type f | wc -l)
	[ $rc -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1 # died without an artifact
	if [ "$crashes" -gt 0 ]; then
		mkdir -p "$build/fuzz/crashes-$t"
		cp "$tmp"/art/* "$build/fuzz/crashes-$t/" 2>/dev/null
		grep -E 'ERROR|SUMMARY|runtime error|fuzz_[a-z]+: ' "$tmp/log" | head -5
		cp "$tmp/log" "$build/fuzz/crashes-$t/log"
		echo "  (inputs and log in $build/fuzz/crashes-$t/)"
		failed=$((failed + 1))
	fi
	echo "# fuzz $t: ${execs:-0} executions, $crashes crashes, ${rate:-0} exec/s"
	rm -rf "$tmp"
done
exit $failed
