#!/usr/bin/env bash
# snmp_embedded.sh - the real vnmd with its own SNMP agent (--snmp-listen),
# no snmpd anywhere:
#   - a --snmp-listen value it cannot parse, or a port already taken, stops
#     vnmd at start with a message that names the problem;
#   - the paper's Figure 5 (routers on libvirt's test:///default, links in
#     two RM namespaces) reads back over snmpwalk, snmpbulkwalk and
#     snmptable as configured, with the community and with the USM user
#     (SHA/AES); a wrong community, a wrong passphrase, or no
#     authentication get nothing;
#   - a SET is refused;
#   - configuration planted where net-snmp would look for it (SNMPCONFPATH,
#     the persistent directory) is not read, and nothing is written there;
#   - random UDP bytes leave vnmd alive and answering.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/snmp_env.bash"
. "$(dirname "$0")/link_env.bash"
sn_require
lt_require
cd "$SN_ROOT"
VNMD=${VNMD_BIN:-$SN_ROOT/build/vnmd}
[ -x "$VNMD" ] || make -s build/vnmd >/dev/null 2>&1 || { echo "FAIL - cannot build vnmd"; exit 1; }
export SN_ROOT
LISTEN=udp:127.0.0.1:$SN_PORT
USER_V3=(-v3 -l authPriv -u nms -a SHA -A authpass1 -x AES -X privpass1)

# --- start-up refusals ------------------------------------------------------
out=$("$VNMD" -f -s "$SN_TMP/x" -u none --snmp-listen "udp:localhost:$SN_PORT" \
	--snmp-community public 2>&1)
rc=$?
t_check "an --snmp-listen with a host name is refused at start (exit 2)" "$rc" 2
t_ok "...saying which option and what it expects" \
	grep -q "snmp-listen udp:localhost:$SN_PORT: expected udp:IPV4:PORT" <<<"$out"
out=$("$VNMD" -f -s "$SN_TMP/x" -u none --snmp-listen "udp:127.0.0.1:99999" \
	--snmp-community public 2>&1)
t_ok "a port out of range is refused the same way" grep -q "a port from 1 to 65535" <<<"$out"
out=$("$VNMD" -f -s "$SN_TMP/x" -u none --snmp-listen "$LISTEN" 2>&1)
t_ok "--snmp-listen without a community or user is refused" \
	grep -q "needs --snmp-community or --snmp-user" <<<"$out"

# --- vnmd in its own namespace, with planted configuration ------------------
lt_two_rms
lt_ns $LT_P-d
SN_NETNS=$LT_P-d
# What net-snmp would read if vnmd let it: a community "planted" in every
# file name it looks for.
# (Not the tools' SNMP_PERSISTENT_DIR: they write there.)
mkdir -p "$SN_TMP/conf" "$SN_TMP/vpersist"
for f in vnmd.conf vnmd.local.conf snmp.conf snmpd.conf; do
	echo "rocommunity planted" >"$SN_TMP/conf/$f"
	echo "rocommunity planted" >"$SN_TMP/vpersist/$f"
done
persist_before=$(ls -lA --time-style=+%s "$SN_TMP/vpersist" "$SN_TMP/conf" | md5sum)
SNMPCONFPATH=$SN_TMP/conf SNMP_PERSISTENT_DIR=$SN_TMP/vpersist \
	sn_vnmd_start -n $LT_P-d -U test:///default -L info --snmp-listen "$LISTEN" \
	--snmp-community public --snmp-user nms:authpass1:privpass1
t_cleanup "'$LINKTOOL' '$SN_TMP/fig5.xml' teardown"

{
	lt_cfg_open
	lt_cfg_underlay 2 32000000
	lt_cfg_vn vn-a vl-a pl1 "" rm1 rm2
	lt_cfg_vn vn-b vl-b pl1 "<vnm:rate-limit>8000000</vnm:rate-limit>" rm1 rm2
	lt_cfg_close
} >"$SN_TMP/fig5.xml"
t_ok "NETCONF: Figure 5 into running" sn_nc "$SN_TMP/fig5.xml"
t_ok "its rows are served by vnmd itself (no snmpd)" \
	sn_wait_for 5 sn_has VNMD-MIB::vnmLinkName.2.2
t_check "no snmpd runs in the namespace" "$(ip netns pids $LT_P-d | xargs -r ps -o comm= -p | grep -c snmpd)" 0

# --- values against the configuration ---------------------------------------
t_check "snmpwalk: the two virtual networks" \
	"$(sn_walk -Oqv VNMD-MIB::vnmNetworkName | paste -sd' ')" "vn-a vn-b"
t_check "snmpbulkwalk: routers vr1, vr2 in each network" \
	"$(sn_bulkwalk -Oqs VNMD-MIB::vnmRouterName | paste -sd' ')" \
	"vnmRouterName.1.1 vr1 vnmRouterName.1.2 vr2 vnmRouterName.2.3 vr1 vnmRouterName.2.4 vr2"
t_check "snmptable: routers on rm1/rm2, admin and oper running" \
	"$(sn_table -Cf , -CH VNMD-MIB::vnmRouterTable | cut -d, -f1,3,4,5)" \
'vr1,rm1,running,running
vr2,rm2,running,running
vr1,rm1,running,running
vr2,rm2,running,running'
t_check "snmptable (GETBULK of every column): vl-a, vl-b from vr1/eth0 to vr2/eth0, up" \
	"$(sn_table -Cr 10 -Cf , -CH VNMD-MIB::vnmLinkTable | cut -d, -f1-5,8)" \
'vl-a,vr1,eth0,vr2,eth0,up
vl-b,vr1,eth0,vr2,eth0,up'
t_check "vl-b's rate limit (kbit/s) as configured, vl-a unlimited" \
	"$(sn_get -OqvU VNMD-MIB::vnmLinkRateLimit.1.1 VNMD-MIB::vnmLinkRateLimit.2.2 | paste -sd' ')" "0 8000"
read -r END_A _ < <("$LINKTOOL" "$SN_TMP/fig5.xml" names vn-a vl-a)
t_check "vnmLinkIfName is vl-a's host-side interface" \
	"$(sn_get -Oqv VNMD-MIB::vnmLinkIfName.1.1 | tr -d '"')" "$END_A"
t_check "vnmLinkIfIndex joins with the kernel's ifindex" \
	"$(sn_get -Oqv VNMD-MIB::vnmLinkIfIndex.1.1)" \
	"$(ip -n $LT_P-rm1 -o link show "$END_A" | cut -d: -f1)"
walk_rows=$(sn_bulkwalk -On VNMD-MIB::vnmdMIB | wc -l)
t_ok "a bulk walk of all of VNMD-MIB ($walk_rows values) ends without an error" \
	sh -c "ip netns exec $LT_P-d snmpbulkwalk -v2c -c public -On $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7 >/dev/null"

# --- access -------------------------------------------------------------------
v3get() { sn_in_ns snmpget "$@" -t 1 -r 0 -Oqv "$SN_AGENT" .1.3.6.1.4.1.8072.9999.9999.7.1.2.2.1.2.2 2>&1; }
t_check "SNMPv3 user (SHA, AES) reads the MIB" "$(v3get "${USER_V3[@]}" | tr -d '"')" vn-b
t_ok "a wrong authentication passphrase gets no value" \
	sh -c "! echo '$(v3get -v3 -l authPriv -u nms -a SHA -A wrongpass1 -x AES -X privpass1)' | grep -q vn-b"
t_ok "the user without privacy (auth only) gets no value" \
	sh -c "! echo '$(v3get -v3 -l authNoPriv -u nms -a SHA -A authpass1)' | grep -q vn-b"
t_ok "an unknown user gets no value" \
	sh -c "! echo '$(v3get -v3 -l noAuthNoPriv -u nobody)' | grep -q vn-b"
t_ok "a wrong community gets no answer" \
	sh -c "v=\$(ip netns exec $LT_P-d snmpget -v2c -c wrong -t 1 -r 0 $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7.1.1.1.0 2>&1); echo \"\$v\"; echo \"\$v\" | grep -q Timeout"
t_ok "the community planted in SNMPCONFPATH and the persistent directory gets no answer" \
	sh -c "ip netns exec $LT_P-d snmpget -v2c -c planted -t 1 -r 0 $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7.1.1.1.0 2>&1 | grep -q Timeout"
out=$(sn_in_ns snmpset -v2c -c public -t 2 -r 0 "${SN_MIBS[@]}" "$SN_AGENT" VNMD-MIB::vnmNetworkName.1 s evil 2>&1)
echo "# SET (community): $(echo "$out" | grep -m1 Reason)"
t_ok "a SET with the community is refused" grep -qE 'Reason: (notWritable|noAccess|readOnly|authorizationError)' <<<"$out"
out=$(sn_in_ns snmpset "${USER_V3[@]}" -t 2 -r 0 "${SN_MIBS[@]}" "$SN_AGENT" VNMD-MIB::vnmNetworkName.1 s evil 2>&1)
echo "# SET (USM user): $(echo "$out" | grep -m1 Reason)"
t_ok "a SET by the USM user is refused" grep -qE 'Reason: (notWritable|noAccess|readOnly|authorizationError)' <<<"$out"
t_check "the name is as configured" "$(sn_get -Oqv VNMD-MIB::vnmNetworkName.1 | tr -d '"')" vn-a
t_check "only VNMD-MIB is served (sysUpTime is not)" \
	"$(sn_get -Oqv .1.3.6.1.2.1.1.3.0 | grep -c 'No Such Object')" 1

# --- hostile bytes ------------------------------------------------------------
ip netns exec $LT_P-d /usr/bin/python3 - "$SN_PORT" <<'PY'
import os, random, socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rnd = random.Random(16)
msgs = [bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 1400))) for _ in range(400)]
# BER that starts right and lies about its lengths, or nests deeply
msgs += [b"\x30\x84\xff\xff\xff\xff\x02\x01\x01", b"\x30\x82\x05\xdc" + b"\x30\x80" * 300,
         b"\x30\x0e\x02\x01\x01\x04\x06public\xa5\x01", b"\x30" + b"\xff" * 9, b""]
for m in msgs:
    s.sendto(m, ("127.0.0.1", port))
PY
t_ok "random and malformed UDP datagrams: vnmd still runs" kill -0 $VNMD_PID
t_ok "...and answers" sn_wait_for 3 sn_has VNMD-MIB::vnmNetworkName.1
t_check "...the same rows" "$(sn_walk -Oqv VNMD-MIB::vnmNetworkName | paste -sd' ')" "vn-a vn-b"

# --- a second vnmd on the same port -----------------------------------------
mkdir -p "$SN_TMP/state2"
out=$(timeout 20 ip netns exec $LT_P-d "$VNMD" -f -s "$SN_TMP/state2" -u "$SN_TMP/vnmd2.sock" \
	-U test:///default --snmp-listen "$LISTEN" --snmp-community public 2>&1)
rc=$?
t_check "a second vnmd on the same port stops at start (exit 1)" "$rc" 1
t_ok "...saying it cannot listen there" grep -q "cannot listen on $LISTEN" <<<"$out"

# --- nothing written where net-snmp keeps state -------------------------------
kill $VNMD_PID
wait $VNMD_PID
t_check "vnmd stopped cleanly" "$?" 0
t_check "nothing was written to the persistent or configuration directories" \
	"$(ls -lA --time-style=+%s "$SN_TMP/vpersist" "$SN_TMP/conf" | md5sum)" "$persist_before"
t_check "net-snmp's own directory in the state directory holds no file" \
	"$(find "$SN_TMP/state/snmp" -type f 2>/dev/null | wc -l)" 0
t_done
