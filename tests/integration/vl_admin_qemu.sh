#!/usr/bin/env bash
# vl_admin_qemu.sh - a VL's admin state seen by the routers themselves
# (issue 18): two QEMU routers (qemu:///system, the router image built here
# from image/, whose /init reports each NIC's carrier on the serial
# console) joined by one VL, driven through vnmd over NETCONF, watched
# over SNMP:
#   enabled false -> both guests report carrier 0 on eth0; the domains'
#     live and persistent definitions say <link state='down'/>; the VL's
#     host ends are down; vnmLinkAdminStatus/OperState read down(2); the
#     vnmLinkOperStateChange trap carries admin-down; same domain ids, no
#     reboot, no unplug;
#   enabled true -> carrier 1 again in both guests, ends up, admin up(1),
#     same domain ids, still booted once.
# Everything (domains, interfaces, image, logs) is removed on exit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/snmp_env.bash"
sn_require
cd "$SN_ROOT"
URI=qemu:///system
VN=vnmt-vla
D1=vnmd-$VN-vr1
D2=vnmd-$VN-vr2
VNMD=$SN_ROOT/build/vnmd
LOGDIR=/var/log/vnmd
command -v qemu-system-x86_64 >/dev/null || t_skip_all "qemu-system-x86 is not installed (make deps)"
bash tools/libvirtd-up.sh || t_skip_all "libvirtd cannot run here"
[ -x "$VNMD" ] || make -s build/vnmd >/dev/null 2>&1 || { echo "FAIL - cannot build vnmd"; exit 1; }
# An image of this tree's image/ (its /init reports carrier changes), not
# the shared one in /var/lib/vnmd/images.
IMG=$(mktemp -d /tmp/vnmt-img.XXXXXX)
chmod 755 "$IMG" # qemu runs as libvirt-qemu
t_cleanup "rm -rf $IMG"
VNMD_IMAGE_DIR=$IMG bash image/build.sh >/dev/null || { echo "FAIL - image/build.sh"; exit 1; }
for d in $D1 $D2; do
	t_cleanup "virsh -c $URI destroy $d; virsh -c $URI undefine $d; rm -f $LOGDIR/$d.log"
done

router() { # router NAME ADDR
	cat <<EOF
      <node>
        <node-id>$1</node-id>
        <supporting-node><network-ref>underlay</network-ref><node-ref>rmq</node-ref></supporting-node>
        <nt:termination-point><nt:tp-id>eth0</nt:tp-id></nt:termination-point>
        <vnm:router>
          <vnm:memory>128</vnm:memory>
          <vnm:image>
            <vnm:kernel>$IMG/vmlinuz</vnm:kernel>
            <vnm:initrd>$IMG/router.cpio.gz</vnm:initrd>
            <vnm:cmdline>console=ttyS0 vnm.addr=eth0:$2</vnm:cmdline>
          </vnm:image>
        </vnm:router>
      </node>
EOF
}
cat >"$SN_TMP/q.xml" <<EOF
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <networks xmlns="urn:ietf:params:xml:ns:yang:ietf-network"
            xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology"
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
$(router vr1 10.93.0.1/24)
$(router vr2 10.93.0.2/24)
      <nt:link>
        <nt:link-id>l12</nt:link-id>
        <nt:source><nt:source-node>vr1</nt:source-node><nt:source-tp>eth0</nt:source-tp></nt:source>
        <nt:destination><nt:dest-node>vr2</nt:dest-node><nt:dest-tp>eth0</nt:dest-tp></nt:destination>
        <vnm:virtual-link/>
      </nt:link>
    </network>
  </networks>
</config>
EOF
enabled_xml() {
	echo "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\" xmlns:nt=\"urn:ietf:params:xml:ns:yang:ietf-network-topology\" xmlns:vnm=\"urn:vnmd:yang:vnmd\"><network><network-id>$VN</network-id><nt:link><nt:link-id>l12</nt:link-id><vnm:virtual-link><vnm:enabled>$1</vnm:enabled></vnm:virtual-link></nt:link></network></networks></config>"
}

sn_trapd_start
sn_snmpd_start || exit 1
sn_vnmd_start -x "$SN_SOCK" -L debug

carrier_lines() { grep -c "interface eth0 carrier $2" "$LOGDIR/$1.log" 2>/dev/null || true; }
# carrier_is DOM VALUE N: the guest reported carrier VALUE at least N times
carrier_is() { [ "$(carrier_lines "$1" "$2")" -ge "$3" ]; }
link_down_in() { virsh -c $URI dumpxml $2 "$1" 2>/dev/null | grep -q "<link state='down'/>"; }

t_ok "NETCONF: two QEMU routers and a VL into running" sn_nc "$SN_TMP/q.xml"
for d in $D1 $D2; do
	t_ok "$d: the guest reaches its ready line" sn_wait_for 120 grep -q "vnmd-router ready" "$LOGDIR/$d.log"
	t_ok "$d: the guest sees carrier on eth0" sn_wait_for 20 carrier_is $d 1 1
done
id1=$(virsh -c $URI domid $D1 | head -1)
id2=$(virsh -c $URI domid $D2 | head -1)
# The link's row, found by name; its host end from vnmLinkIfName.
row_of_l12() {
	snmpwalk -v2c -c public -On $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7.1.4.2.1.2 2>/dev/null |
		sed -n 's/^\.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.7\.1\.4\.2\.1\.2\.\([0-9]*\.[0-9]*\) = STRING: "l12"$/\1/p'
}
sn_wait_for 10 test -n "$(row_of_l12)"
ROW=$(row_of_l12)
t_ok "the link has a row" test -n "$ROW"
END_A=$(sn_get -Oqv VNMD-MIB::vnmLinkIfName.$ROW | tr -d '"')
END_B=${END_A%a}b
t_check "vnmLinkAdminStatus reads up" "$(sn_get -Oqv VNMD-MIB::vnmLinkAdminStatus.$ROW)" up
t_ok "vnmLinkOperState reads up" sn_wait_for 10 sh -c \
	"snmpget -v2c -c public -Oqv $SN_AGENT .1.3.6.1.4.1.8072.9999.9999.7.1.4.2.1.9.$ROW | grep -qx 1"
t_ok "both host ends are up ($END_A, $END_B)" sh -c "ip -o link show dev $END_A | grep -q ',UP' && ip -o link show dev $END_B | grep -q ',UP'"

: >"$SN_TMP/traps.log"
t_ok "NETCONF: disable the link" sn_nc "$(enabled_xml false)"
for d in $D1 $D2; do
	t_ok "$d: the guest reports carrier 0 on eth0" sn_wait_for 20 carrier_is $d 0 1
	t_ok "$d: live definition says link down" link_down_in $d ""
	t_ok "$d: persistent definition says link down" link_down_in $d --inactive
	t_ok "$d: eth0 is still plugged" sh -c "virsh -c $URI domiflist $d | grep -c vnt | grep -qx 1"
done
t_ok "both host ends are down" sh -c "! ip -o link show dev $END_A | grep -q ',UP' && ! ip -o link show dev $END_B | grep -q ',UP'"
t_check "vnmLinkAdminStatus reads down" "$(sn_get -Oqv VNMD-MIB::vnmLinkAdminStatus.$ROW)" down
t_check "vnmLinkOperState reads down" "$(sn_get -Oqv VNMD-MIB::vnmLinkOperState.$ROW)" down
if sn_wait_for 5 grep -q \
	"9999.7.0.2.*STRING: \"l12\".*9999.7.1.4.2.1.9.$ROW = INTEGER: 2.*STRING: \"admin-down\"" \
	"$SN_TMP/traps.log"; then
	t_pass "the link trap says down(2) with reason admin-down"
else
	t_fail "the link trap says down(2) with reason admin-down" "$(grep -a '7\.0\.2' "$SN_TMP/traps.log" | tail -c 800)"
fi
t_check "no router trap: the routers never changed state" \
	"$(grep -c '9999\.7\.0\.1' "$SN_TMP/traps.log")" 0
t_check "$D1: same domain id" "$(virsh -c $URI domid $D1 | head -1)" "$id1"
t_check "$D2: same domain id" "$(virsh -c $URI domid $D2 | head -1)" "$id2"

t_ok "NETCONF: enable the link" sn_nc "$(enabled_xml true)"
for d in $D1 $D2; do
	t_ok "$d: the guest reports carrier 1 again" sn_wait_for 20 carrier_is $d 1 2
	t_ok "$d: live definition has no link down" sh -c "! virsh -c $URI dumpxml $d | grep -q \"<link state='down'/>\""
	t_ok "$d: persistent definition neither" sh -c "! virsh -c $URI dumpxml --inactive $d | grep -q \"<link state='down'/>\""
	t_check "$d: booted once" "$(grep -c 'vnmd-router ready' "$LOGDIR/$d.log")" 1
done
t_ok "both host ends are up again" sh -c "ip -o link show dev $END_A | grep -q ',UP' && ip -o link show dev $END_B | grep -q ',UP'"
t_check "vnmLinkAdminStatus reads up again" "$(sn_get -Oqv VNMD-MIB::vnmLinkAdminStatus.$ROW)" up
t_check "$D1: same domain id at the end" "$(virsh -c $URI domid $D1 | head -1)" "$id1"
t_check "$D2: same domain id at the end" "$(virsh -c $URI domid $D2 | head -1)" "$id2"

t_ok "NETCONF: remove the network" sn_nc "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><networks xmlns=\"urn:ietf:params:xml:ns:yang:ietf-network\" xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><network nc:operation=\"delete\"><network-id>$VN</network-id></network></networks></config>"
t_ok "vnmd never exited" kill -0 $VNMD_PID
t_done
