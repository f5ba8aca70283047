#!/usr/bin/env bash
# A QEMU router (qemu:///system, the router image of `make image`) paused
# out of band with `virsh suspend` yields vnmRouterOperStateChange with
# paused(4) at snmptrapd within 2 seconds (libvirt's lifecycle event →
# vnmd's core → the AgentX subagent → snmpd → snmptrapd), and the router
# table reads paused; `virsh resume` gives the running(3) trap.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/snmp_env.bash"
sn_require
cd "$SN_ROOT"
URI=qemu:///system
IMAGES=/var/lib/vnmd/images
VN=test-snmp          # its domain is vnmd-test-snmp-vrq
DOM=vnmd-$VN-vrq
VNMD=$SN_ROOT/build/vnmd
command -v qemu-system-x86_64 >/dev/null || t_skip_all "qemu-system-x86 is not installed (make deps)"
[ -f $IMAGES/vmlinuz ] && [ -f $IMAGES/router.cpio.gz ] || t_skip_all "no router image in $IMAGES (make image)"
bash tools/libvirtd-up.sh || t_skip_all "libvirtd cannot run here"
[ -x "$VNMD" ] || make -s build/vnmd >/dev/null 2>&1 || { echo "FAIL - cannot build vnmd"; exit 1; }
t_cleanup "virsh -c $URI destroy $DOM; virsh -c $URI undefine $DOM"

cat >"$SN_TMP/q.xml" <<EOF
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <networks xmlns="urn:ietf:params:xml:ns:yang:ietf-network"
            xmlns:vnm="urn:vnmd:yang:vnmd">
    <network>
      <network-id>underlay</network-id>
      <network-types><vnm:physical-network/></network-types>
      <node><node-id>rmq</node-id>
        <vnm:host><vnm:libvirt-uri>$URI</vnm:libvirt-uri><vnm:domain-type>qemu</vnm:domain-type></vnm:host>
      </node>
    </network>
    <network>
      <network-id>$VN</network-id>
      <network-types><vnm:virtual-network/></network-types>
      <supporting-network><network-ref>underlay</network-ref></supporting-network>
      <node>
        <node-id>vrq</node-id>
        <supporting-node><network-ref>underlay</network-ref><node-ref>rmq</node-ref></supporting-node>
        <vnm:router>
          <vnm:memory>128</vnm:memory>
          <vnm:image>
            <vnm:kernel>$IMAGES/vmlinuz</vnm:kernel>
            <vnm:initrd>$IMAGES/router.cpio.gz</vnm:initrd>
            <vnm:cmdline>console=ttyS0</vnm:cmdline>
          </vnm:image>
        </vnm:router>
      </node>
    </network>
  </networks>
</config>
EOF

sn_trapd_start
sn_snmpd_start || exit 1
sn_vnmd_start -x "$SN_SOCK" -L debug

t_ok "NETCONF: a QEMU router into running" sn_nc "$SN_TMP/q.xml"
# The row of vrq: (network index, router index), found by name.
row_of_vrq() {
	snmpwalk -v2c -c public -On $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7.1.3.2.1.2 2>/dev/null |
		sed -n 's/^\.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.7\.1\.3\.2\.1\.2\.\([0-9]*\.[0-9]*\) = STRING: "vrq"$/\1/p'
}
oper_is() { test "$(snmpget -v2c -c public -Oqv $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7.1.3.2.1.6.$(row_of_vrq) 2>/dev/null)" = "$1"; }
if sn_wait_for 10 oper_is 3; then
	t_pass "the router's row reads running"
else
	t_fail "the router's row reads running"
	sn_walk VNMD-MIB::vnmdMIB | head -5
	grep -v "Cannot find" "$SN_TMP/vnmd.log" | tail -8
	gdb -p $VNMD_PID -batch -ex "thread apply all bt 12" 2>/dev/null | grep -E "^#" |
		grep -v "start_thread\|clone3"
fi
ROW=$(row_of_vrq)
VNI=${ROW%%.*}
t_check "the network has a row too" "$(sn_get -Oqv VNMD-MIB::vnmNetworkName.$VNI)" "$VN"
uuid=$(sn_get -Oqv VNMD-MIB::vnmRouterUuid.$ROW | tr -d '"')
t_check "vnmRouterUuid is the domain's UUID" "$uuid" "$(virsh -c $URI domuuid $DOM 2>/dev/null | head -1)"

# trap_within T0 MS PATTERN: the trap log matches PATTERN within MS
# milliseconds of T0 (date +%s%3N); prints the milliseconds it took.
trap_within() {
	local t0=$1 now
	shift
	while :; do
		now=$(date +%s%3N)
		if grep -q -- "$2" "$SN_TMP/traps.log"; then echo "$((now - t0))"; return 0; fi
		[ $((now - t0)) -gt "$1" ] && return 1
		sleep 0.05
	done
}
PAUSED="9999.7.0.1.*STRING: \"vrq\".*9999.7.1.3.2.1.6.$ROW = INTEGER: 4"
RUNNING="9999.7.0.1.*STRING: \"vrq\".*9999.7.1.3.2.1.6.$ROW = INTEGER: 3"
t0=$(date +%s%3N)
virsh -c $URI suspend "$uuid" >/dev/null
ms=$(trap_within "$t0" 2000 "$PAUSED")
t_ok "virsh suspend: paused trap at snmptrapd within 2 s (${ms:-none} ms)" test -n "$ms"
t_check "the router's row reads paused" "$(sn_get -Oqv VNMD-MIB::vnmRouterOperState.$ROW)" paused
t_check "the network's row reads paused" "$(sn_get -Oqv VNMD-MIB::vnmNetworkOperState.$VNI)" paused
: >"$SN_TMP/traps.log"
t0=$(date +%s%3N)
virsh -c $URI resume "$uuid" >/dev/null
ms=$(trap_within "$t0" 2000 "$RUNNING")
t_ok "virsh resume: running trap within 2 s (${ms:-none} ms)" test -n "$ms"

t_ok "NETCONF: remove the network" sn_nc "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\" xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><network nc:operation=\"delete\"><network-id>$VN</network-id></network></networks></config>"
t_ok "its rows are gone" sn_wait_for 2 sh -c \
	"! snmpget -v2c -c public -Oqv $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7.1.3.2.1.2.$ROW 2>/dev/null | grep -q vrq"
t_ok "vnmd never exited" kill -0 $VNMD_PID

t_done
