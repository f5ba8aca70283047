#!/usr/bin/env bash
# demo_fast.sh - `make demo-fast` end to end with short phases: vnmd,
# snmpd, NETCONF over SSH from the demo's NMS, SNMP polling, iperf3 through
# router namespaces on libvirt's test:///default.  Asserts what a user of
# the demo sees: its own checks pass (16/16, >= 28 / <= 4 under the
# guarantee, equal again, the limit), the plot and CSVs exist, the routers'
# domain ids did not change, and nothing the demo made is left behind.
# Names: vnmt-demo-* (VNMD_DEMO_PREFIX), output in a temp dir.
# VNMD_DEMO_MULTI=1 (demo_multi_fast.sh): the same with one vnmd per RM and
# a coordinator that carries each of the NMS's edits to both.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

[ "$(id -u)" = 0 ] || t_skip_all "needs root (namespaces)"
for t in iperf3 snmpd gnuplot dot busybox; do
	command -v $t >/dev/null || t_skip_all "needs $t (make deps)"
done
[ -x build/vnmd ] || { t_fail "build/vnmd exists" "run make first"; t_done; exit 1; }

MULTI=${VNMD_DEMO_MULTI:-0}
P=vnmt-demo
[ "$MULTI" = 1 ] && P=vnmt-dmul
OUT=$(mktemp -d /tmp/vnmt-demo.XXXXXX)
LOG=$(mktemp /tmp/vnmt-demo-log.XXXXXX)
t_cleanup "rm -rf '$OUT' '$LOG'"
links_before=$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)

VNMD_DEMO_MULTI=$MULTI VNMD_DEMO_FAST=1 VNMD_DEMO_PHASE=${VNMD_DEMO_PHASE:-10} VNMD_DEMO_PREFIX=$P VNMD_DEMO_OUT=$OUT \
	timeout 300 bash tools/demo.sh >"$LOG" 2>&1
rc=$?
sed 's/^/# /' "$LOG" | grep -E "variant|phase:|ok |FAIL|/|----|Mbit" | head -30
t_check "the demo's own checks pass (exit status)" "$rc" "0"
t_ok "it says which variant it ran" grep -q "variant: FAST" "$LOG"
t_ok "its table says so too, with the reason" grep -q "FAST VARIANT (because VNMD_DEMO_FAST=1)" "$OUT/table.txt"
t_ok "a progress line per phase" test "$(grep -c '\] phase: ' "$LOG")" = 4
t_ok "the table has the four phases" \
	sh -c "grep -q '^equal share' '$OUT/table.txt' && grep -q '^vl-a guaranteed 30' '$OUT/table.txt' &&
	       grep -q '^guarantee removed' '$OUT/table.txt' && grep -q '^vl-a limited to 8' '$OUT/table.txt'"
# VN b runs IPv6 beside VN a's IPv4 over the same physical link (issue 18)
v6json() { /usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["start"]["connected"][0]; print(c["local_host"], c["remote_host"])' "$1"; }
t_check "vl-b's iperf3 ran over IPv6 (client and server addresses)" "$(v6json "$OUT/iperf3-vl-b.json")" "fd02:1::2 fd02:2::2"
t_check "vl-a's over IPv4" "$(v6json "$OUT/iperf3-vl-a.json")" "10.1.1.2 10.1.2.2"
t_ok "the plot is a PNG" sh -c "file '$OUT/figure6.png' | grep -q 'PNG image'"
t_ok "SNMP samples about every second (>= 30 rows)" test "$(wc -l <"$OUT/samples.csv")" -ge 30
t_ok "HC octet counters only grow" /usr/bin/python3 - "$OUT/samples.csv" <<'EOF'
import sys
rows = [list(map(float, l.split(","))) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
sys.exit(0 if all(b[i] >= a[i] for a, b in zip(rows, rows[1:]) for i in range(1, len(a))) else 1)
EOF
t_ok "routers untouched (same domain ids)" grep -q "Routers untouched" "$LOG"
if [ "$MULTI" = 1 ]; then
	# each RM's vnmd ran its own routers: two lines each, with a domain id
	t_check "each RM's vnmd reports its own two routers" \
		"$(awk '$3 != "-" && $3 != "-1"' "$OUT/routers-after.txt" | wc -l)" 4
	for h in rm1 rm2; do
		t_ok "$h's vnmd realised $h's share only" \
			grep -q "realising the share of host $h only" "$OUT/vnmd-$h.log"
	done
	# the create, the three phase edits and the removal at the end: one
	# network-wide transaction each, confirmed on both RMs
	t_check "the coordinator confirmed 5 network-wide transactions on 2 RMs" \
		"$(grep -c 'confirmed commit on 2 participant' "$OUT/vnmd.log")" 5
	t_check "and realised nothing itself (no router of its own)" \
		"$(grep -c 'realising the share' "$OUT/vnmd.log")" 0
fi
t_check "no namespace left" "$(ip netns list | grep -c "^$P-")" "0"
t_check "no interface left in the root namespace" \
	"$(comm -13 <(echo "$links_before") <(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort) | grep -E "^($P|vn[btx])" | tr '\n' ' ')" ""
t_check "no vnmd or snmpd of the demo left" "$(pgrep -f "/tmp/$P\\." | wc -l)" "0"
t_done
