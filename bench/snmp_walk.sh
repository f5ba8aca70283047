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
# rows/s (and varbinds/s: the tables have 24 and 19 columns) of each and
# the ratios.
#
# Then what one AgentX request costs (tests/tools/snmp_reqbench: single
# varbind requests one after the other on one session, so no process
# start-up is measured): a GET and a GETNEXT of vnmLinkTable cells (a
# different row each time) against the floor, a GET that the subagent
# answers noSuchObject (vnmLinkTable's column 1 is not-accessible: the
# table helper answers before any row is looked at), through the same
# snmpd and socket.  The difference is what vnmd's own code costs.
#
# Last, the embedded agent (snmp_fakecore -L: the same agent code as
# vnmd --snmp-listen, net-snmp's master agent in the process, GETBULK
# answered natively) walked the same ways, against the same ifXTable
# figures.
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
make -s build/tools/snmp_fakecore build/tools/snmp_reqbench >/dev/null ||
	{ echo "cannot build snmp_fakecore, snmp_reqbench"; exit 1; }
EPORT=$((SN_PORT + 2))
EAGENT=127.0.0.1:$EPORT

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
# The embedded agent, in snmpd's namespace so that the clients reach both.
mkfifo "$SN_TMP/ein"
sleep 100000 >"$SN_TMP/ein" &
ehold=$!
t_cleanup "kill $ehold"
ip netns exec "$SN_NETNS" build/tools/snmp_fakecore -L "udp:$EAGENT" -K public -n 1 -l "$N" -r 1000 \
	<"$SN_TMP/ein" >"$SN_TMP/efc.out" 2>"$SN_TMP/efc.err" &
efc=$!
t_cleanup "kill $efc"
sn_wait_for 10 grep -q ready "$SN_TMP/efc.out" || { echo "embedded agent did not start"; cat "$SN_TMP/efc.err"; exit 1; }

# walk OID COLUMN_OID [AGENT]: prints "rows seconds varbinds"
walk() {
	local t0 t1 rows vbs
	t0=$(date +%s.%N)
	ip netns exec "$SN_NETNS" snmpbulkwalk -v2c -c public -On -Cr25 -t 10 "${3:-$SN_AGENT}" "$1" \
		>"$SN_TMP/walk.out" 2>/dev/null
	t1=$(date +%s.%N)
	rows=$(grep -c "^$2\." "$SN_TMP/walk.out")
	vbs=$(grep -c "^$1\." "$SN_TMP/walk.out")
	echo "$rows $(echo "$t1 - $t0" | bc -l) $vbs"
}
# table OID [AGENT]: prints "rows seconds varbinds" of an snmptable (all
# columns per request, as NMS table pollers do)
table() {
	local t0 t1 rows cols
	t0=$(date +%s.%N)
	ip netns exec "$SN_NETNS" snmptable -v2c -c public -Cr 25 -CH -Cf '|' -t 10 \
		-M "+$SN_BASE:$SN_ROOT/snmp-agent" -m +VNMD-MIB:IF-MIB "${2:-$SN_AGENT}" "$1" \
		>"$SN_TMP/table.out" 2>/dev/null
	t1=$(date +%s.%N)
	rows=$(grep -c '|' "$SN_TMP/table.out")
	cols=$(($(head -1 "$SN_TMP/table.out" | tr -cd '|' | wc -c) + 1))
	echo "$rows $(echo "$t1 - $t0" | bc -l) $((rows * cols))"
}
# reqs get|next OID [STEP] [AGENT]: microseconds per request (snmp_reqbench)
REQS=${REQS:-2000}
ROUNDS=${ROUNDS:-10}
reqs() {
	ip netns exec "$SN_NETNS" build/tools/snmp_reqbench -n "$((REQS / ROUNDS))" -s "${3:-0}" "${4:-$SN_AGENT}" "$1" "$2" |
		awk '$4 == 0 {print $3}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

LT=.1.3.6.1.4.1.8072.9999.9999.7.1.4.2
IFX=.1.3.6.1.2.1.31.1.1
vl=() ifx=() tvl=() tifx=() ev=() tev=()
vl_vb=() ifx_vb=() ev_vb=() tvl_vb=() tifx_vb=() tev_vb=()
rq_floor=() rq_get=() rq_next=() rq_local=() rq_eget=()
for ((r = 0; r < R; r++)); do
	read -r rows secs vbs < <(table VNMD-MIB::vnmLinkTable)
	tvl+=("$(echo "$rows / $secs" | bc -l)") tvl_vb+=("$(echo "$vbs / $secs" | bc -l)")
	tvl_rows=$rows
	read -r rows secs vbs < <(table IF-MIB::ifXTable)
	tifx+=("$(echo "$rows / $secs" | bc -l)") tifx_vb+=("$(echo "$vbs / $secs" | bc -l)")
	tifx_rows=$rows
	read -r rows secs vbs < <(table VNMD-MIB::vnmLinkTable "$EAGENT")
	tev+=("$(echo "$rows / $secs" | bc -l)") tev_vb+=("$(echo "$vbs / $secs" | bc -l)")
	tev_rows=$rows
	read -r rows secs vbs < <(walk $LT $LT.1.2)
	vl+=("$(echo "$rows / $secs" | bc -l)") vl_vb+=("$(echo "$vbs / $secs" | bc -l)")
	vl_rows=$rows
	read -r rows secs vbs < <(walk $IFX $IFX.1.1)
	ifx+=("$(echo "$rows / $secs" | bc -l)") ifx_vb+=("$(echo "$vbs / $secs" | bc -l)")
	ifx_rows=$rows
	read -r rows secs vbs < <(walk $LT $LT.1.2 "$EAGENT")
	ev+=("$(echo "$rows / $secs" | bc -l)") ev_vb+=("$(echo "$vbs / $secs" | bc -l)")
	ev_rows=$rows
	# one request at a time; cells 1.1, 1.4, 1.7...: a new row each time
	# in ROUNDS interleaved rounds of REQS/ROUNDS requests each: a slow
	# spell of the machine (seen: 0.5 s at twice the cost) falls on one
	# round of every kind, not on the whole series of one kind
	for ((k = 0; k < ROUNDS; k++)); do
		rq_floor+=("$(reqs get $LT.1.1.1.1)")
		rq_get+=("$(reqs get $LT.1.2.1.1 3)")
		rq_next+=("$(reqs next $LT.1.2.1.1 3)")
		rq_local+=("$(reqs get .1.3.6.1.2.1.1.3.0)")
		rq_eget+=("$(reqs get $LT.1.2.1.1 3 "$EAGENT")")
	done
done
med() { printf '%s\n' "$@" | median; }
m_vl=$(med "${vl[@]}") m_ifx=$(med "${ifx[@]}") m_ev=$(med "${ev[@]}")
m_vl_vb=$(med "${vl_vb[@]}") m_ifx_vb=$(med "${ifx_vb[@]}") m_ev_vb=$(med "${ev_vb[@]}")
m_tvl=$(med "${tvl[@]}") m_tifx=$(med "${tifx[@]}") m_tev=$(med "${tev[@]}")
m_tvl_vb=$(med "${tvl_vb[@]}") m_tifx_vb=$(med "${tifx_vb[@]}") m_tev_vb=$(med "${tev_vb[@]}")
m_floor=$(med "${rq_floor[@]}") m_get=$(med "${rq_get[@]}") m_next=$(med "${rq_next[@]}")
m_local=$(med "${rq_local[@]}") m_eget=$(med "${rq_eget[@]}")
ratio() { if [ -n "$1" ] && [ -n "$2" ]; then printf '%.2f' "$(echo "$1 / $2" | bc -l)"; else echo "n/a"; fi; }
line() { # LABEL ROWS ROWS/S VARBINDS/S
	printf '  %-44s %6d rows %10.0f rows/s %10.0f varbinds/s\n' "$1" "$2" "$3" "$4"
}
echo
echo "snmp walk, $R runs, median (full-table snmpbulkwalk -Cr25 through one snmpd):"
line "vnmLinkTable (vnmd AgentX subagent)" "$vl_rows" "$m_vl" "$m_vl_vb"
line "ifXTable (snmpd itself, $nif interfaces)" "$ifx_rows" "$m_ifx" "$m_ifx_vb"
printf '  ratio vnmLinkTable/ifXTable: %s\n' "$(ratio "$m_vl" "$m_ifx")"
echo "snmptable (all columns per request, -Cr25), $R runs, median:"
line "vnmLinkTable (vnmd AgentX subagent)" "$tvl_rows" "$m_tvl" "$m_tvl_vb"
line "ifXTable (snmpd itself, $nif interfaces)" "$tifx_rows" "$m_tifx" "$m_tifx_vb"
printf '  ratio vnmLinkTable/ifXTable: %s\n' "$(ratio "$m_tvl" "$m_tifx")"
echo "per-request cost through snmpd (AgentX), $REQS single-varbind requests one after the other, $R runs, median of $ROUNDS interleaved rounds a run:"
printf '  %-58s %8.1f us\n' "floor: GET answered noSuchObject by the subagent" "$m_floor"
printf '  %-58s %8.1f us  ratio to floor %s (target <= 2)\n' "GET of a vnmLinkTable cell (a new row each time)" "$m_get" "$(ratio "$m_get" "$m_floor")"
printf '  %-58s %8.1f us  ratio to floor %s (target <= 2)\n' "GETNEXT of a vnmLinkTable cell" "$m_next" "$(ratio "$m_next" "$m_floor")"
printf '  %-58s %8.1f us\n' "(snmpd's own sysUpTime.0, no AgentX)" "$m_local"
printf '  %-58s %8.1f us\n' "(GET of a cell from the embedded agent)" "$m_eget"
echo "embedded agent (vnmd --snmp-listen), full-table snmpbulkwalk -Cr25, $R runs, median:"
line "vnmLinkTable (vnmd embedded agent)" "$ev_rows" "$m_ev" "$m_ev_vb"
line "ifXTable (snmpd itself, $nif interfaces)" "$ifx_rows" "$m_ifx" "$m_ifx_vb"
printf '  ratio embedded/ifXTable: rows/s %s, varbinds/s %s (target >= 1)\n' \
	"$(ratio "$m_ev" "$m_ifx")" "$(ratio "$m_ev_vb" "$m_ifx_vb")"
echo "embedded agent, snmptable (all columns per request, -Cr25), $R runs, median:"
line "vnmLinkTable (vnmd embedded agent)" "$tev_rows" "$m_tev" "$m_tev_vb"
line "ifXTable (snmpd itself, $nif interfaces)" "$tifx_rows" "$m_tifx" "$m_tifx_vb"
printf '  ratio embedded/ifXTable: rows/s %s, varbinds/s %s (target >= 1)\n' \
	"$(ratio "$m_tev" "$m_tifx")" "$(ratio "$m_tev_vb" "$m_tifx_vb")"
