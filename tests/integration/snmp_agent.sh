#!/usr/bin/env bash
# The AgentX subagent through a real snmpd master and snmptrapd, with the
# paper's Figure 5 shape served from a synthetic core
# (tests/tools/snmp_fakecore: the real agent code over made-up snapshots and
# events).  What a monitoring user sees: the tables with snmpwalk,
# snmpbulkwalk and snmptable and VNMD-MIB names; rows that follow changes
# with stable indexes; counters that grow; traps at snmptrapd; and polling
# that comes back by itself when snmpd starts late or restarts.
# snmp_vnmd.sh does the same against the real daemon.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/snmp_env.bash"
sn_require
cd "$SN_ROOT"
make -s build/tools/snmp_fakecore >/dev/null 2>&1 || { echo "FAIL - cannot build snmp_fakecore"; exit 1; }

# The subagent starts first: snmpd comes later, as after a reboot.
mkfifo "$SN_TMP/in"
sleep 100000 >"$SN_TMP/in" &
t_cleanup "kill $!"
build/tools/snmp_fakecore -x "$SN_SOCK" <"$SN_TMP/in" >"$SN_TMP/fc.out" 2>"$SN_TMP/fc.err" &
FC=$!
t_cleanup "kill $FC; wait $FC"
fc() { # COMMAND: one command to the fake core, wait until it is done
	local n
	n=$(grep -c done "$SN_TMP/fc.out")
	echo "$*" >"$SN_TMP/in"
	sn_wait_for 5 test "$(grep -c done "$SN_TMP/fc.out")" -gt "$n"
}
t_ok "subagent runs without a master" sn_wait_for 5 grep -q ready "$SN_TMP/fc.out"
sleep 1
sn_trapd_start
sn_snmpd_start || exit 1
t_ok "snmpd started after the subagent: rows within two ping intervals" \
	sn_wait_for 5 sn_has VNMD-MIB::vnmNetworkName.1

# --- Figure 5 with the three tools --------------------------------------
out=$(sn_walk VNMD-MIB::vnmNetworkName)
t_check "snmpwalk vnmNetworkName" "$out" \
'VNMD-MIB::vnmNetworkName.1 = STRING: vn-a
VNMD-MIB::vnmNetworkName.2 = STRING: vn-b'
out=$(sn_bulkwalk VNMD-MIB::vnmRouterTable | grep -E 'vnmRouter(Name|Host|OperState)\.')
t_check "snmpbulkwalk vnmRouterTable: two routers per network, on rm1 and rm2" "$out" \
'VNMD-MIB::vnmRouterName.1.1 = STRING: vr1
VNMD-MIB::vnmRouterName.1.2 = STRING: vr2
VNMD-MIB::vnmRouterName.2.3 = STRING: vr1
VNMD-MIB::vnmRouterName.2.4 = STRING: vr2
VNMD-MIB::vnmRouterHost.1.1 = STRING: rm1
VNMD-MIB::vnmRouterHost.1.2 = STRING: rm2
VNMD-MIB::vnmRouterHost.2.3 = STRING: rm1
VNMD-MIB::vnmRouterHost.2.4 = STRING: rm2
VNMD-MIB::vnmRouterOperState.1.1 = INTEGER: running(3)
VNMD-MIB::vnmRouterOperState.1.2 = INTEGER: running(3)
VNMD-MIB::vnmRouterOperState.2.3 = INTEGER: running(3)
VNMD-MIB::vnmRouterOperState.2.4 = INTEGER: running(3)'
out=$(sn_table -Cf , -CH VNMD-MIB::vnmLinkTable | cut -d, -f1-9)
t_check "snmptable vnmLinkTable: vl-a and vl-b between vr1 and vr2" "$out" \
'vl-a,vr1,eth0,vr2,eth0,16000 kbit/s,0 kbit/s,up,1001
vl-b,vr1,eth0,vr2,eth0,16000 kbit/s,0 kbit/s,up,1002'
out=$(sn_table -Cf , -CH VNMD-MIB::vnmNetworkTable)
t_check "snmptable vnmNetworkTable: 2 routers, 1 link each" "$out" \
'vn-a,running,running,2,1
vn-b,running,running,2,1'

# --- counters grow ------------------------------------------------------
c1=$(sn_get -OqvU VNMD-MIB::vnmLinkHCInOctets.1.1)
sleep 1.5
c2=$(sn_get -OqvU VNMD-MIB::vnmLinkHCInOctets.1.1)
t_ok "HC in-octets grow between polls 1.5 s apart ($c1 -> $c2)" test "${c2:-0}" -gt "${c1:-0}"

# --- rows follow changes; indexes stay; no reuse before a wrap -----------
lc0=$(sn_get -Oqv VNMD-MIB::vnmNetworkLastChange.0)
fc add vn-c
t_ok "new network's row within 1 s" sn_wait_for 1 sn_has VNMD-MIB::vnmNetworkName.3
fc del vn-b
t_ok "removed router: trap with absent(1) and the index its row had" \
	sn_wait_for 2 grep -q '7.0.1.*STRING: "vr2".*7.1.3.2.1.6.2.4 = INTEGER: 1' "$SN_TMP/traps.log"
sleep 0.2
out=$(sn_walk -Oqv VNMD-MIB::vnmNetworkName | paste -sd' ')
t_check "removed network's row is gone, others keep their index" \
	"$out" "vn-a vn-c"
t_check "vn-a is still index 1" "$(sn_get -Oqv VNMD-MIB::vnmNetworkName.1)" "vn-a"
fc add vn-b
out=$(sn_walk VNMD-MIB::vnmNetworkName | grep -c 'vnmNetworkName.4 = STRING: vn-b')
t_check "a network that comes back gets a new index (4), not its old one" "$out" 1
lc1=$(sn_get -Oqv VNMD-MIB::vnmNetworkLastChange.0)
t_ok "vnmNetworkLastChange moved ($lc0 -> $lc1)" test "$lc0" != "$lc1"
t_check "vnmConfigGeneration counts the commits" "$(sn_get -Oqv VNMD-MIB::vnmConfigGeneration.0)" 4

# --- traps --------------------------------------------------------------
fc oper vn-a vr2 paused
t_ok "router paused: vnmRouterOperStateChange at snmptrapd within 2 s" \
	sn_wait_for 2 grep -q '7.0.1.*STRING: "vr2".*7.1.3.2.1.6.1.2 = INTEGER: 4' "$SN_TMP/traps.log"
t_check "the trap's row reads paused" "$(sn_get -Oqv VNMD-MIB::vnmRouterOperState.1.2)" paused
fc link vn-a vl-a down
t_ok "link down: vnmLinkOperStateChange within 2 s" \
	sn_wait_for 2 grep -q '7.0.2.*STRING: "vl-a".*7.1.4.2.1.9.1.1 = INTEGER: 2' "$SN_TMP/traps.log"
t_ok "configuration commits gave vnmConfigurationChange traps" \
	test "$(sn_traps_match '9999.7.0.3')" -ge 3

# --- snmpd restarts ------------------------------------------------------
sn_snmpd_stop
sleep 1
sn_snmpd_start || exit 1
t_ok "snmpd restarted: polling works again within two ping intervals" \
	sn_wait_for 5 sn_has VNMD-MIB::vnmNetworkName.1
t_ok "the subagent never exited" kill -0 "$FC"
t_check "indexes survive the master's restart" "$(sn_get -Oqv VNMD-MIB::vnmNetworkName.4)" vn-b

# --- a clean stop ----------------------------------------------------------
echo quit >"$SN_TMP/in"
t_ok "the subagent stops cleanly (vnm_agent_stop) within 5 s" sn_wait_for 5 sh -c "! kill -0 $FC"
wait $FC
t_check "and exits 0" "$?" 0

# --- AgentX over TCP ---------------------------------------------------------
sn_snmpd_stop
SN_XSOCK=tcp:127.0.0.1:$((SN_PORT + 2))
sn_snmpd_start || exit 1
build/tools/snmp_fakecore -x "$SN_XSOCK" <"$SN_TMP/in" >"$SN_TMP/fc2.out" 2>&1 &
FC2=$!
t_cleanup "kill $FC2; wait $FC2"
t_ok "--agentx-socket tcp:HOST:PORT: rows through a TCP master" \
	sn_wait_for 5 sn_has VNMD-MIB::vnmNetworkName.1

t_done
