#!/usr/bin/env bash
# snmp_access.sh - VNMD-MIB is read-only, whoever asks.
#
# The real vnmd as AgentX subagent of a real snmpd master that has a
# read-write community, so that SETs reach the subagent (with the
# read-only community the master refuses them itself; both are tried).
# Each SET - a name, a state, the generation scalar, a row that does not
# exist - is refused with notWritable, noAccess, noCreation or
# authorizationError; afterwards the MIB, running (NETCONF) and vnmd are
# as before.
. "$(dirname "$0")/../lib.sh"
SN_RWCOMMUNITY=private
. "$(dirname "$0")/snmp_env.bash"
sn_require
cd "$SN_ROOT"
VNMD=${VNMD_BIN:-$SN_ROOT/build/vnmd}
[ -x "$VNMD" ] || make -s build/vnmd >/dev/null 2>&1 || { echo "FAIL - cannot build vnmd"; exit 1; }
export SN_ROOT

# nc BODY: one RPC over vnmd's UNIX socket; prints the reply
nc() {
	/usr/bin/python3 - "$SN_TMP/vnmd.sock" "$1" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["SN_ROOT"], "tests", "integration"))
from ncclient_util import RawClient
from lxml import etree
c = RawClient(sys.argv[1])
print(etree.tostring(c.rpc(sys.argv[2])).decode())
c.close()
PY
}
CFG='<edit-config><target><running/></target><config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
<networks xmlns="urn:ietf:params:xml:ns:yang:ietf-network" xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology" xmlns:vnm="urn:vnmd:yang:vnmd">
<network><network-id>underlay</network-id><network-types><vnm:physical-network/></network-types>
<node><node-id>h1</node-id><vnm:host><vnm:libvirt-uri>test:///default</vnm:libvirt-uri></vnm:host></node></network>
<network><network-id>vn-acc</network-id><network-types><vnm:virtual-network/></network-types>
<supporting-network><network-ref>underlay</network-ref></supporting-network>
<node><node-id>r1</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>h1</node-ref></supporting-node>
<vnm:router><vnm:image><vnm:kernel>/nonexistent/vmlinuz</vnm:kernel></vnm:image></vnm:router></node></network>
</networks></config></edit-config>'
GETCFG='<get-config><source><running/></source></get-config>'

sn_snmpd_start || exit 1
sn_vnmd_start -U test:///default -x "$SN_SOCK" -L info
nc_ok() { nc "$1" | grep -q "<ok/>"; }
t_ok "NETCONF: a network with one router" nc_ok "$CFG"
t_ok "its row is served" sn_wait_for 5 sn_has VNMD-MIB::vnmNetworkName.1

mib_before=$(sn_walk -On VNMD-MIB::vnmdMIB)
run_before=$(nc "$GETCFG")
gen_before=$(sn_get -Oqv VNMD-MIB::vnmConfigGeneration.0)

# sset COMMUNITY OID TYPE VALUE: snmpset's output (it fails: exit status 1)
sset() { snmpset -v2c -c "$1" -t 2 -r 0 "${SN_MIBS[@]}" "$SN_AGENT" "$2" "$3" "$4" 2>&1; }
refused() { # NAME COMMUNITY OID TYPE VALUE
	local out
	out=$(sset "$2" "$3" "$4" "$5")
	echo "# $3 = $5 (-c $2): $(echo "$out" | grep -m1 -i 'reason\|timeout' || echo "$out" | head -1)"
	t_ok "$1" sh -c "echo '$out' | grep -qiE 'Reason: (notWritable|noAccess|noCreation|authorizationError|readOnly)'"
}
refused "SET of a network's name is refused (read-write community)" private VNMD-MIB::vnmNetworkName.1 s evil
refused "SET of a router's admin state is refused" private VNMD-MIB::vnmRouterAdminState.1.1 i 2
refused "SET of the configuration generation is refused" private VNMD-MIB::vnmConfigGeneration.0 u 4242
refused "SET creating a network row is refused" private VNMD-MIB::vnmNetworkName.77 s new
refused "SET with the read-only community is refused by the master" public VNMD-MIB::vnmNetworkName.1 s evil

t_check "the MIB is as before" \
	"$(sn_walk -On VNMD-MIB::vnmdMIB)" "$mib_before"
t_check "the configuration generation is as before" "$(sn_get -Oqv VNMD-MIB::vnmConfigGeneration.0)" "$gen_before"
t_check "running (NETCONF) is as before" "$(nc "$GETCFG" | sed 's/message-id="[0-9]*"//')" \
	"$(echo "$run_before" | sed 's/message-id="[0-9]*"//')"
t_ok "vnmd still runs" kill -0 $VNMD_PID
t_ok "and serves SNMP" sn_has VNMD-MIB::vnmNetworkName.1
t_done
