#!/usr/bin/env bash
# The real vnmd with --agentx-socket under a real snmpd master and
# snmptrapd (ports and sockets of the test's own):
#   - the paper's Figure 5 shape (two RMs as network namespaces joined by a
#     physical link, vn-a and vn-b with two routers and one VL each; routers
#     on libvirt's test:///default) shows up in snmpwalk, snmpbulkwalk and
#     snmptable with -m +VNMD-MIB;
#   - rows follow NETCONF edits within a second, indexes stay;
#   - iperf3 traffic across vl-a (router stand-ins: namespaces plugged into
#     the vNICs' port bridges, as libvirt plugs taps): its HC octet counters
#     grow by what the kernel counted on the VL's interface (within 2%) and
#     never go backwards across a live rate change;
#   - with libvirtd and the router image: a QEMU router paused out of band
#     (virsh suspend) yields vnmRouterOperStateChange at snmptrapd in 2 s;
#   - snmpd killed and restarted: polling works again, vnmd untouched.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/snmp_env.bash"
. "$(dirname "$0")/link_env.bash"
sn_require
lt_require
cd "$SN_ROOT"
VNMD=${VNMD_BIN:-$SN_ROOT/build/vnmd}
[ -x "$VNMD" ] || make -s build/vnmd >/dev/null 2>&1 || { echo "FAIL - cannot build vnmd"; exit 1; }

export SN_ROOT

cfg() { # cfg [EXTRA-VN-XML] [VL-A-EXTRA]
	lt_cfg_open
	lt_cfg_underlay 2 32000000
	lt_cfg_vn vn-a vl-a pl1 "${2:-}" rm1 rm2
	lt_cfg_vn vn-b vl-b pl1 "" rm1 rm2
	echo "${1:-}"
	lt_cfg_close
}
cfg >"$SN_TMP/fig5.xml"

lt_two_rms
sn_trapd_start

# vnmd first, snmpd later (as after a reboot where vnmd comes up first).
mkdir -p "$SN_TMP/state"
# vnmd runs in a namespace of its own: the names it derives (taps, bridges)
# are those of any other Figure 5 on this machine, and nothing of this test
# may meet them in the root namespace.
lt_ns $LT_P-d
sn_vnmd_start -n $LT_P-d -U test:///default -x "$SN_SOCK" -L info
t_cleanup "'$LINKTOOL' '$SN_TMP/fig5.xml' teardown"

t_ok "NETCONF: Figure 5 into running (no snmpd yet)" sn_nc "$SN_TMP/fig5.xml"
sleep 1
sn_snmpd_start || exit 1
t_ok "snmpd started after vnmd: rows within two ping intervals" \
	sn_wait_for 5 sn_has VNMD-MIB::vnmLinkName.1.1
t_ok "vnmd did not mind the missing master" kill -0 $VNMD_PID

# --- Figure 5 with the three tools --------------------------------------
t_check "snmpwalk: the two virtual networks" \
	"$(sn_walk -Oqv VNMD-MIB::vnmNetworkName | paste -sd' ')" "vn-a vn-b"
out=$(sn_bulkwalk -Oqs VNMD-MIB::vnmRouterName | paste -sd' ')
t_check "snmpbulkwalk: routers vr1, vr2 in each network" "$out" \
	"vnmRouterName.1.1 vr1 vnmRouterName.1.2 vr2 vnmRouterName.2.3 vr1 vnmRouterName.2.4 vr2"
out=$(sn_table -Cf , -CH VNMD-MIB::vnmRouterTable | cut -d, -f1,3,4,5)
t_check "snmptable: routers on rm1/rm2, admin and oper running" "$out" \
'vr1,rm1,running,running
vr2,rm2,running,running
vr1,rm1,running,running
vr2,rm2,running,running'
t_ok "every router has its domain's UUID" \
	test "$(sn_walk -Oqv VNMD-MIB::vnmRouterUuid | grep -cE '^"?[0-9a-f-]{36}"?$')" = 4
out=$(sn_table -Cf , -CH VNMD-MIB::vnmLinkTable | cut -d, -f1-5,8)
t_check "snmptable: vl-a, vl-b from vr1/eth0 to vr2/eth0, up" "$out" \
'vl-a,vr1,eth0,vr2,eth0,up
vl-b,vr1,eth0,vr2,eth0,up'
read -r END_A END_B VNI TAP_A BR_A TAP_B BR_B < <("$LINKTOOL" "$SN_TMP/fig5.xml" names vn-a vl-a)
t_check "vnmLinkIfName is the VL's host-side interface" \
	"$(sn_get -Oqv VNMD-MIB::vnmLinkIfName.1.1 | tr -d '"')" "$END_A"
t_check "vnmLinkIfIndex joins with the kernel's ifindex" \
	"$(sn_get -Oqv VNMD-MIB::vnmLinkIfIndex.1.1)" \
	"$(ip -n $LT_P-rm1 -o link show "$END_A" | cut -d: -f1)"
t_check "vnmLinkIfHost/vnmLinkIfNamespace say where that ifindex lives (the join's other half)" \
	"$(sn_get -Oqv VNMD-MIB::vnmLinkIfHost.1.1 VNMD-MIB::vnmLinkIfNamespace.1.1 | tr -d '"' | paste -sd' ')" \
	"rm1 $LT_P-rm1"
# 32 Mbit/s on the wire is 30.976 of the VL's own frames (1500 of every 1550
# bytes: VXLAN's 50), as its HTB ceil says
t_check "vnmLinkHighSpeed: an unlimited VL is shaped to its physical link (31 of its own Mbit/s)" \
	"$(sn_get -OqvU VNMD-MIB::vnmLinkHighSpeed.1.1)" 31

# --- rows follow NETCONF edits --------------------------------------------
VNC=$(lt_cfg_vn vn-c vl-c pl1 "" rm1 rm2)
t_ok "NETCONF: add vn-c" sn_nc "$(lt_cfg_open; echo "$VNC"; lt_cfg_close)"
t_ok "vn-c's row within a second" sn_wait_for 1 sh -c \
	"snmpget -v2c -c public -Oqv $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7.1.2.2.1.2.3 2>/dev/null | grep -q vn-c"
t_check "vn-c: 2 routers, 1 link" \
	"$(sn_get -Oqv VNMD-MIB::vnmNetworkRouters.3 VNMD-MIB::vnmNetworkLinks.3 | paste -sd' ')" "2 1"
t_ok "NETCONF: delete vn-b" sn_nc "$(lt_cfg_open | sed 's|<networks |<networks xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" |'
	echo '<network nc:operation="delete"><network-id>vn-b</network-id></network>'; lt_cfg_close)"
for ns in $LT_P-rm1 $LT_P-rm2; do
	t_check "$ns: none of vn-b's interfaces is left" \
		"$(ip -n $ns -o link show | grep -c 'alias vnmd:vn-b/')" 0
	# removed interfaces are retired into one netdev group and deleted
	# together when the transaction ends: none may linger
	t_check "$ns: no retired interface lingers" \
		"$(ip -n $ns -o link show group $((0x766e0dea)) | wc -l)" 0
done
sleep 1.2
t_check "vn-b's rows are gone, vn-a and vn-c keep their indexes" \
	"$(sn_walk -Oqs VNMD-MIB::vnmNetworkName | paste -sd' ')" \
	"vnmNetworkName.1 vn-a vnmNetworkName.3 vn-c"
t_ok "a configuration-change trap for each commit while snmpd runs" test "$(sn_traps_match '9999.7.0.3')" -ge 2
# link traps say why: vl-c came up with its commit (created, or state
# observed when its carrier came a refresh later, as under ASan), vl-b went
# down with vn-b (removed, or state observed when its routers' end came first)
t_ok "link traps (vnmLinkOperStateChange) for vl-c and vl-b, each with its reason" \
	sn_wait_for 5 sh -c "test \$(grep -c '9999.7.0.2' '$SN_TMP/traps.log') -ge 2 &&
		test \$(grep -Ec '\"(created|removed|state observed|configuration change)\"' \
			'$SN_TMP/traps.log') -ge 2"

# --- traffic: counters against the kernel's ---------------------------------
lt_router $LT_P-a1 $LT_P-rm1 "$TAP_A" "$BR_A" 10.1.0.1/24
lt_router $LT_P-a2 $LT_P-rm2 "$TAP_B" "$BR_B" 10.1.0.2/24
ip netns exec $LT_P-a2 iperf3 -s -D -p 5201 --pidfile "$SN_TMP/iperf.pid" >/dev/null
t_cleanup "kill \$(cat '$SN_TMP/iperf.pid' 2>/dev/null) 2>/dev/null"
sleep 0.5
kstat() { # rx|tx bytes of END_A in rm1
	ip -n $LT_P-rm1 -s -j link show "$END_A" | /usr/bin/python3 -c \
		"import json,sys; print(json.load(sys.stdin)[0]['stats64']['$1']['bytes'])"
}
sleep 2.2 # counters settle: a snapshot and a cache period
k_rx0=$(kstat rx) k_tx0=$(kstat tx)
s_in0=$(sn_get -OqvU VNMD-MIB::vnmLinkHCInOctets.1.1)
s_out0=$(sn_get -OqvU VNMD-MIB::vnmLinkHCOutOctets.1.1)
ip netns exec $LT_P-a1 iperf3 -c 10.1.0.2 -p 5201 -t 6 -J >"$SN_TMP/ip.json" 2>&1 &
IP=$!
t_cleanup "kill $IP 2>/dev/null"
# Poll during the transfer; change the rate limit live half-way.
prev=0 mono=1 polls=0
for i in $(seq 24); do
	v=$(sn_get -OqvU VNMD-MIB::vnmLinkHCOutOctets.1.1)
	[ -n "$v" ] && { [ "$v" -ge "$prev" ] || mono=0; prev=$v; polls=$((polls + 1)); }
	if [ "$i" = 10 ]; then
		cfg "" "<vnm:rate-limit>8000000</vnm:rate-limit>" >"$SN_TMP/limit.xml"
		sn_nc "$SN_TMP/limit.xml" >/dev/null || echo "# rate change refused"
	fi
	sleep 0.25
done
wait $IP
t_ok "iperf3 ran across vl-a" grep -q '"sum_received"' "$SN_TMP/ip.json"
t_check "HC out-octets never went backwards in $polls polls across a live rate change" "$mono" 1
t_check "vnmLinkRateLimit shows the new limit" "$(sn_get -OqvU VNMD-MIB::vnmLinkRateLimit.1.1)" 8000
t_check "vnmLinkHighSpeed follows it (Mbit/s, as ifHighSpeed)" "$(sn_get -OqvU VNMD-MIB::vnmLinkHighSpeed.1.1)" 8
sleep 2.2
k_rx1=$(kstat rx) k_tx1=$(kstat tx)
s_in1=$(sn_get -OqvU VNMD-MIB::vnmLinkHCInOctets.1.1)
s_out1=$(sn_get -OqvU VNMD-MIB::vnmLinkHCOutOctets.1.1)
echo "# kernel rx/tx +$((k_rx1 - k_rx0))/+$((k_tx1 - k_tx0)), SNMP in/out +$((s_in1 - s_in0))/+$((s_out1 - s_out0))"
t_ok "HC out-octets grew by the kernel's tx bytes (within 2%)" \
	lt_within $((s_out1 - s_out0)) $((k_tx1 - k_tx0)) 2
t_ok "HC in-octets grew by the kernel's rx bytes (within 2%)" \
	lt_within $((s_in1 - s_in0)) $((k_rx1 - k_rx0)) 2
t_ok "a megabyte or more crossed the VL" test $((k_tx1 - k_tx0 + k_rx1 - k_rx0)) -gt 1000000

# --- snmpd restarts ----------------------------------------------------------
sn_snmpd_stop
sleep 1
sn_snmpd_start || exit 1
t_ok "snmpd restarted: polling works again within two ping intervals" \
	sn_wait_for 5 sn_has VNMD-MIB::vnmNetworkName.1
t_ok "vnmd never exited" kill -0 $VNMD_PID
t_check "indexes survive the master's restart" "$(sn_get -Oqv VNMD-MIB::vnmNetworkName.3)" vn-c

t_done
