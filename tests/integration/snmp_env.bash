# snmp_env.bash - shared by the SNMP suites and bench/snmp_walk.sh (sourced,
# not a suite: run.sh only runs *.sh).  Needs tests/lib.sh sourced first.
#
# A real snmpd master the test configures: UDP on 127.0.0.1 at a
# non-default port, AgentX on a UNIX socket in the test's temp dir, traps to
# a snmptrapd on another port that logs every trap, one line each.  Nothing
# of the host's own snmpd configuration is read (-C) or written (persistent
# dir in the temp dir).

SN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SN_BASE=/usr/local/share/vnmd/base-mibs
SN_TMP=$(mktemp -d /tmp/vnmt-snmp.XXXXXX)
t_cleanup "rm -rf '$SN_TMP'"
SN_SOCK=$SN_TMP/agentx.sock
SN_PORT=${SN_PORT:-$((20000 + RANDOM % 20000))}
SN_TRAPPORT=$((SN_PORT + 1))
SN_AGENT=127.0.0.1:$SN_PORT
SN_MIBS=(-M "+$SN_BASE:$SN_ROOT/snmp-agent" -m +VNMD-MIB)
SN_NETNS=${SN_NETNS:-}
export SNMP_PERSISTENT_DIR=$SN_TMP/persist
mkdir -p "$SNMP_PERSISTENT_DIR"

sn_require() {
	[ "$(id -u)" = 0 ] || t_skip_all "needs root"
	command -v snmpd >/dev/null && command -v snmptrapd >/dev/null &&
		command -v snmpbulkwalk >/dev/null || t_skip_all "needs snmpd, snmptrapd, snmp (make deps)"
	[ -f "$SN_BASE/SNMPv2-SMI.mib" ] || t_skip_all "base MIBs missing in $SN_BASE (make deps)"
}

# sn_in_ns CMD...: run CMD in $SN_NETNS when set.  SN_NSX is the prefix
# for commands started in the background ($! must be the daemon itself).
sn_in_ns() {
	if [ -n "$SN_NETNS" ]; then ip netns exec "$SN_NETNS" "$@"; else "$@"; fi
}
SN_NSX=()
[ -n "$SN_NETNS" ] && SN_NSX=(ip netns exec "$SN_NETNS")

# sn_snmpd_start: (re)start the master; SN_SNMPD_PID.  AgentX listens on
# SN_XSOCK when set (e.g. tcp:127.0.0.1:PORT), else on the UNIX socket.
# SN_RWCOMMUNITY: a read-write community as well (SETs then reach the
# subagents).
sn_snmpd_start() {
	cat >"$SN_TMP/snmpd.conf" <<EOF
agentAddress udp:127.0.0.1:$SN_PORT
master agentx
agentXSocket ${SN_XSOCK:-$SN_SOCK}
agentXTimeout 5
rocommunity public 127.0.0.1
${SN_RWCOMMUNITY:+rwcommunity $SN_RWCOMMUNITY 127.0.0.1}
trap2sink 127.0.0.1:$SN_TRAPPORT public
EOF
	"${SN_NSX[@]}" snmpd -f -Lf "$SN_TMP/snmpd.log" -C -c "$SN_TMP/snmpd.conf" \
		-M /nonexistent -m '' >/dev/null 2>&1 &
	SN_SNMPD_PID=$!
	# wait: snmpd saves its persistent file on exit, into SN_TMP
	t_cleanup "kill $SN_SNMPD_PID; wait $SN_SNMPD_PID"
	local i
	for i in $(seq 300); do
		{ [ -S "$SN_SOCK" ] || [ -n "${SN_XSOCK:-}" ]; } && sn_in_ns snmpget -v2c -c public -t 0.2 -r 0 "$SN_AGENT" \
			.1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "snmpd did not start:"; tail -5 "$SN_TMP/snmpd.log"
	return 1
}

sn_snmpd_stop() {
	kill "$SN_SNMPD_PID" 2>/dev/null
	wait "$SN_SNMPD_PID" 2>/dev/null
	rm -f "$SN_SOCK"
}

# sn_trapd_start: snmptrapd logging to $SN_TMP/traps.log, numeric OIDs.
sn_trapd_start() {
	echo "disableAuthorization yes" >"$SN_TMP/trapd.conf"
	: >"$SN_TMP/traps.log"
	"${SN_NSX[@]}" snmptrapd -f -C -c "$SN_TMP/trapd.conf" -Lf "$SN_TMP/traps.log" -On \
		-M /nonexistent -m '' "udp:127.0.0.1:$SN_TRAPPORT" >/dev/null 2>&1 &
	SN_TRAPD_PID=$!
	t_cleanup "kill $SN_TRAPD_PID; wait $SN_TRAPD_PID"
	sleep 0.3
}

# sn_walk / sn_bulkwalk / sn_get / sn_table ARGS...: the tools with VNMD-MIB.
sn_walk() { sn_in_ns snmpwalk -v2c -c public "${SN_MIBS[@]}" "$SN_AGENT" "$@" 2>/dev/null; }
sn_bulkwalk() { sn_in_ns snmpbulkwalk -v2c -c public "${SN_MIBS[@]}" "$SN_AGENT" "$@" 2>/dev/null; }
sn_get() { sn_in_ns snmpget -v2c -c public "${SN_MIBS[@]}" "$SN_AGENT" "$@" 2>/dev/null; }
sn_table() { sn_in_ns snmptable -v2c -c public "${SN_MIBS[@]}" "$SN_AGENT" "$@" 2>/dev/null; }

# sn_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
sn_wait_for() {
	local end=$(($(date +%s%3N) + $1 * 1000)) ; shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%3N)" -ge $end ] && return 1
		sleep 0.1
	done
}

# sn_traps_match PATTERN: number of logged traps matching PATTERN.
sn_traps_match() { grep -c -- "$1" "$SN_TMP/traps.log" 2>/dev/null || true; }

# sn_has OID: the agent answers OID with a value (not noSuch*).
sn_has() { sn_get "$1" | grep -q ' = [A-Za-z0-9]*:'; }

# sn_vnmd_start [-n NETNS] ARGS...: vnmd ($VNMD) in the foreground on
# $SN_TMP/vnmd.sock with state in $SN_TMP/state, logging to $SN_TMP/vnmd.log,
# in NETNS when given; sets VNMD_PID, stops it at cleanup, waits for the
# socket (the suite ends when it does not come).
sn_vnmd_start() {
	local wrap=()
	if [ "$1" = -n ]; then wrap=(ip netns exec "$2"); shift 2; fi
	mkdir -p "$SN_TMP/state"
	"${wrap[@]}" "$VNMD" -f -s "$SN_TMP/state" -u "$SN_TMP/vnmd.sock" "$@" \
		>"$SN_TMP/vnmd.log" 2>&1 &
	VNMD_PID=$!
	t_cleanup "kill $VNMD_PID; wait $VNMD_PID"
	sn_wait_for 20 test -S "$SN_TMP/vnmd.sock" ||
		{ echo "vnmd did not start"; tail "$SN_TMP/vnmd.log"; exit 1; }
}

# sn_nc FILE-OR-XML: one edit-config of running over vnmd's UNIX socket; the
# argument is a <config> element (file or string).  Prints the errors.
sn_nc() {
	SN_ROOT=$SN_ROOT /usr/bin/python3 - "$SN_TMP/vnmd.sock" "$1" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["SN_ROOT"], "tests", "integration"))
from ncclient_util import RawClient, errors, is_ok
arg = sys.argv[2]
cfg = open(arg).read() if os.path.exists(arg) else arg
c = RawClient(sys.argv[1])
r = c.rpc("<edit-config><target><running/></target>%s</edit-config>" % cfg)
c.close()
if not is_ok(r):
    print(errors(r))
    sys.exit(1)
PY
}
