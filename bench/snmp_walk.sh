#!/usr/bin/env bash
# bench/snmp_walk.sh - how fast does an NMS walk vnmd's link table?
#
# One run, two walks through the same snmpd master:
#   - vnmLinkTable with N rows (default 10,000), served by the AgentX
#     subagent over a synthetic core (tests/tools/snmp_fakecore: the agent,
#     its rows layer and net-snmp's container/cache helpers are the real
#     code; only the snapshot is made up, refreshed every second like the
#     core's, so the figure is the agent's own cost, not libvirt's or
#     netlink's);
#   - snmpd's own ifXTable over N interfaces (N/2 veth pairs in a network
#     namespace that snmpd runs in), the baseline.
# Each table is read twice per run: a full-table snmpbulkwalk (-Cr25, one
# column after the other) and an snmptable (-Cr25, all columns in each
# request, as NMS table pollers do); R runs (default 3); prints the median
# rows/s of each and the ratios.
#
#   bash bench/snmp_walk.sh [N] [R]
set -u
cd "$(dirname "$0")/.."
N=${1:-10000}
R=${2:-3}
. tests/lib.sh
SN_NETNS=vnmt-snmpb
. tests/integration/snmp_env.bash
sn_require
make -s build/tools/snmp_fakecore >/dev/null || { echo "cannot build snmp_fakecore"; exit 1; }

ip netns del "$SN_NETNS" 2>/dev/null
ip netns add "$SN_NETNS"
t_cleanup "ip netns del $SN_NETNS"
ip -n "$SN_NETNS" link set lo up
echo "creating $N interfaces in $SN_NETNS..."
for ((i = 0; i < N / 2; i++)); do
	echo "link add vnmtb${i}a type veth peer name vnmtb${i}b"
done | ip -n "$SN_NETNS" -batch - || exit 1
nif=$(ip -n "$SN_NETNS" -o link | wc -l)

sn_snmpd_start || exit 1
# Link table: one network with N links.
mkfifo "$SN_TMP/in"
sleep 100000 >"$SN_TMP/in" &
hold=$!
t_cleanup "kill $hold"
build/tools/snmp_fakecore -x "$SN_SOCK" -n 1 -l "$N" -r 1000 <"$SN_TMP/in" >"$SN_TMP/fc.out" 2>"$SN_TMP/fc.err" &
fc=$!
t_cleanup "kill $fc"
sn_wait_for 10 grep -q ready "$SN_TMP/fc.out" || { echo "subagent did not start"; cat "$SN_TMP/fc.err"; exit 1; }
sn_wait_for 10 sn_get VNMD-MIB::vnmLinkName.1.1 || { echo "subagent not registered"; exit 1; }

# walk OID COLUMN_OID: prints "rows seconds"
walk() {
	local t0 t1 rows
	t0=$(date +%s.%N)
	rows=$(ip netns exec "$SN_NETNS" snmpbulkwalk -v2c -c public -On -Cr25 -t 10 "$SN_AGENT" "$1" 2>/dev/null |
		grep -c "^$2\.")
	t1=$(date +%s.%N)
	echo "$rows $(echo "$t1 - $t0" | bc -l)"
}
# table OID: prints "rows seconds" of an snmptable (all columns per request,
# as NMS table pollers do)
table() {
	local t0 t1 rows
	t0=$(date +%s.%N)
	rows=$(ip netns exec "$SN_NETNS" snmptable -v2c -c public -Cr 25 -CH -Cf '|' -t 10 \
		-M "+$SN_BASE:$SN_ROOT/snmp-agent" -m +VNMD-MIB:IF-MIB "$SN_AGENT" "$1" 2>/dev/null |
		grep -c '|')
	t1=$(date +%s.%N)
	echo "$rows $(echo "$t1 - $t0" | bc -l)"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

vl=() ifx=() tvl=() tifx=()
for ((r = 0; r < R; r++)); do
	read -r rows secs < <(table VNMD-MIB::vnmLinkTable)
	tvl+=("$(echo "$rows / $secs" | bc -l)")
	tvl_rows=$rows
	read -r rows secs < <(table IF-MIB::ifXTable)
	tifx+=("$(echo "$rows / $secs" | bc -l)")
	tifx_rows=$rows
	read -r rows secs < <(walk .1.3.6.1.4.1.8072.9999.9999.7.1.4.2 .1.3.6.1.4.1.8072.9999.9999.7.1.4.2.1.2)
	vl+=("$(echo "$rows / $secs" | bc -l)")
	vl_rows=$rows
	read -r rows secs < <(walk .1.3.6.1.2.1.31.1.1 .1.3.6.1.2.1.31.1.1.1.1)
	ifx+=("$(echo "$rows / $secs" | bc -l)")
	ifx_rows=$rows
done
m_vl=$(printf '%s\n' "${vl[@]}" | median)
m_ifx=$(printf '%s\n' "${ifx[@]}" | median)
m_tvl=$(printf '%s\n' "${tvl[@]}" | median)
m_tifx=$(printf '%s\n' "${tifx[@]}" | median)
echo
echo "snmp walk, $R runs, median (full-table snmpbulkwalk -Cr25 through one snmpd):"
printf '  %-44s %6d rows %10.0f rows/s\n' "vnmLinkTable (vnmd AgentX subagent)" "$vl_rows" "$m_vl"
printf '  %-44s %6d rows %10.0f rows/s\n' "ifXTable (snmpd itself, $nif interfaces)" "$ifx_rows" "$m_ifx"
printf '  ratio vnmLinkTable/ifXTable: %.2f\n' "$(echo "$m_vl / $m_ifx" | bc -l)"
echo "snmptable (all columns per request, -Cr25), $R runs, median:"
printf '  %-44s %6d rows %10.0f rows/s\n' "vnmLinkTable (vnmd AgentX subagent)" "$tvl_rows" "$m_tvl"
printf '  %-44s %6d rows %10.0f rows/s\n' "ifXTable (snmpd itself, $nif interfaces)" "$tifx_rows" "$m_tifx"
printf '  ratio vnmLinkTable/ifXTable: %.2f\n' "$(echo "$m_tvl / $m_tifx" | bc -l)"
