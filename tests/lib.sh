# tests/lib.sh - helpers for integration tests written in bash.
#
#   . "$(dirname "$0")/../lib.sh"
#   t_cleanup 'ip netns del vnmt-x 2>/dev/null'   # runs at exit, also on failure
#   t_ok "name" cmd args...                         # passes when cmd exits 0
#   t_check "name" "$actual" "$expected"            # passes when equal
#   t_skip "name" "why"                              # a check this machine cannot make
#   t_done                                           # prints "N passed, N failed, N skipped"
#
# Tests run as root and create only namespaces and interfaces whose names
# start with "vnmt" or "vn", domains named "vnmd-test*", in temporary dirs.

T_PASS=0
T_FAIL=0
T_SKIP=0
T_CLEANUPS=()

t_cleanup() { T_CLEANUPS+=("$1"); }

t__run_cleanups() {
	local i
	for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
}
trap t__run_cleanups EXIT
trap 'exit 130' INT TERM

t_pass() { T_PASS=$((T_PASS + 1)); echo "ok   - $1"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $1${2:+: $2}"; }

t_ok() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then t_pass "$name"; else t_fail "$name" "$(echo "$out" | tail -5)"; fi
}

t_check() {
	if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1" "got '$2', want '$3'"; fi
}

t_skip() { T_SKIP=$((T_SKIP + 1)); echo "skip - $1${2:+: $2}"; }

# t_skip_all REASON: the machine cannot run this suite; say why, and count
# the suite as one skip (tests/run.sh adds skips up and prints them).
t_skip_all() { echo "skip: $1"; echo "$(basename "$0"): 0 passed, 0 failed, 1 skipped"; exit 0; }

t_done() {
	echo "$(basename "$0"): $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
}
