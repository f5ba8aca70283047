#!/bin/bash
# bench/run.sh - every benchmark of vnmd, each figure next to a baseline
# measured in the same run; rewrites BENCHMARKS.md and the README's
# "## Benchmarks" section.  `make bench` runs it (after `make all`).
#
#   bash bench/run.sh          (root; about 10 minutes here, 15 at most)
#
# Pieces (each also runs alone):
#   bench/vnmd_bench.py  NETCONF: rate change vs tc (1), one transaction of
#                        100/1,000/10,000 VLs (2), change cost by size (3),
#                        reads vs yuma123 netconfd (4), peak RSS (6)
#   bench/domiftune.sh   virsh domiftune --live, the libvirt baseline of (1)
#   bench/link_change.sh the link driver alone vs tc (complements 1)
#   bench/snmp_walk.sh   link-table walk vs snmpd's ifXTable (5)
#   bench/shaping.sh     goodput / rate, vnmd's HTB settings vs tc defaults (7)
#   bench/plan.sh        planning a one-VL change in 10,000 VLs (other figures)
#   bench/kernel_floor.sh  the kernel alone: creating and deleting VL interfaces
#   bench/kernel_floor_shared.sh  the kernel alone, 1,000 and 10,000 VLs per
#                        link-driver design (today's, bridgeless, shared bridge)
#   bench/vnmd_bench.py --shared  the same transactions with --link-datapath shared (2)
#   bench/vnmd_bench.py --big   the 10,000-VL transaction (2), stopped at 5 s, the target
# Outputs of the run are kept in build/bench/.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
OUT=$ROOT/build/bench
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces, tc)" >&2; exit 1; }
[ -x build/vnmd ] || { echo "bench: build/vnmd missing: run make" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"
START=$(date +%s)
# a run right after another (or after make check) starts while the kernel
# still deletes the last one's port bridges (tens of seconds under the rtnl
# lock): the first pieces timed that, or ran out of their time
w=$(/usr/bin/python3 -c 'import sys; sys.path.insert(0, "bench"); import vnmd_bench as B; print("%.0f" % B.kernel_settled(300))')
[ "${w:-0}" -gt 1 ] && echo "bench: waited $w s for the kernel to finish deleting interfaces" >&2

# Whatever a piece leaves when it is stopped by its time limit
cleanup() {
	local ns
	for ns in vnmt-bn-rm1 vnmt-bn-rm2 vnmt-shaping-rm1 vnmt-shaping-r1 vnmt-shaping-r2 \
		vnmt-snmpb vnmt-bench-rm1 vnmt-bench-rm2 vnmt-kfloor; do
		ip netns del "$ns" 2>/dev/null
	done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^vnmt-ksh-'); do
		ip netns del "$ns" 2>/dev/null
	done
	# a domain whose creation was still running when its piece was stopped
	# at its time limit escapes the piece's own cleanup
	for d in $(virsh -c qemu:///system list --all --name 2>/dev/null | grep '^vnmt-bench-dom'); do
		virsh -c qemu:///system destroy "$d" >/dev/null 2>&1
		virsh -c qemu:///system undefine "$d" >/dev/null 2>&1
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# piece NAME LIMIT_S CMD...: run CMD, output in $OUT/NAME.out, stderr in
# $OUT/NAME.err; a piece over its limit gets SIGTERM (then SIGKILL 20 s later)
piece() {
	local name=$1 limit=$2 t0 rc
	shift 2
	t0=$(date +%s)
	echo "bench: $name ..." >&2
	timeout -k 20 "$limit" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	rc=$?
	echo "bench: $name done in $(($(date +%s) - t0)) s (exit $rc)" >&2
	if [ $rc -ne 0 ]; then
		echo "- \`$name\` exited with $rc$([ $rc = 124 ] && echo " (stopped at its ${limit} s limit)"): $(tail -2 "$OUT/$name.err" | tr '\n' ' ' | cut -c1-300)" >>"$OUT/notes.out"
	fi
	cleanup
}

{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "nproc=$(nproc)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "commit=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- core netconf-server snmp-agent 2>/dev/null || echo ' + uncommitted changes')"
} >"$OUT/meta.out"

piece domiftune 45 bash bench/domiftune.sh 20
piece link_change 35 bash bench/link_change.sh 200
piece vnmd 450 /usr/bin/python3 bench/vnmd_bench.py "$OUT/vnmd.json"
piece snmp 200 bash bench/snmp_walk.sh 10000 1
piece shaping 100 bash bench/shaping.sh 4
piece plan 45 bash bench/plan.sh
piece kernel 60 bash bench/kernel_floor.sh 600 200
# the kernel floor per link-driver design; the bridgeless one only at 1,000
# VLs (at 10,000 it alone takes 3.5 minutes: figures in docs/shared-bridge.md)
piece kernel_shared 200 env KFS_BRIDGELESS_MAX=1000 bash bench/kernel_floor_shared.sh 1000 10000
# the BPF map entries of the shared datapath (its floor's non-tc part)
piece bpf 30 bash -c "build/tools/bpf_glue bench 10000 | tr \" \" \"\\n\""
# figure 2 with the shared datapath (vnmd --link-datapath shared): 1,000 and
# 10,000 VLs created and removed, a probe timing the machine's other rtnl
# and namespace users meanwhile; before vnmd_big, whose port bridges keep
# the kernel busy for minutes
piece vnmd_shared 300 /usr/bin/python3 bench/vnmd_bench.py "$OUT/vnmd_shared.json" --shared
# last: the 10,000-VL transaction (target 5 s; it may take up to 240 s so
# that the rate change, reads and memory are measured at that size);
# deleting the port bridges it made keeps the kernel busy afterwards (one
# rcu_barrier per bridge: minutes for all 20,000, during which every
# namespace creation on the machine waits), so nothing is measured after it
piece vnmd_big 360 env VNMD_BENCH_CAP=5 VNMD_BENCH_WAIT=240 /usr/bin/python3 bench/vnmd_bench.py "$OUT/vnmd.json" --big
{
	echo "\$ bench/plan.sh"
	cat "$OUT/plan.out"
} >"$OUT/extra.out"

echo "elapsed=$(($(date +%s) - START))" >>"$OUT/meta.out"
/usr/bin/python3 bench/report.py "$OUT" BENCHMARKS.md README.md || exit 1
cat BENCHMARKS.md
