#!/bin/bash
# link_plug.sh - vnic_plug: a tap the hypervisor made in the daemon's
# namespace is moved into its RM's namespace and plugged into the vNIC's
# port bridge (RMs emulated as network namespaces, as in the demo).
#  - no tap anywhere (router not running): success, nothing changes;
#  - taps in the daemon's namespace: moved, enslaved to the port bridge, up;
#  - a second plug changes nothing (idempotent);
#  - an interface of the tap's name that is not the guest's (MAC): refused;
#  - a missing port bridge: an error naming the vNIC, and the tap stays put.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/link_env.bash"
lt_require

{
	lt_cfg_open
	lt_cfg_underlay 2 100000000
	lt_cfg_vn vn-a vl-a pl1 "" rm1 rm2
	lt_cfg_close
} >"$LT_TMP/cfg.xml"

lt_two_rms
t_cleanup "'$LINKTOOL' '$LT_TMP/cfg.xml' teardown"
t_ok "setup" lt "$LT_TMP/cfg.xml" setup
read -r _ _ _ tap_a br_a tap_b br_b < <("$LINKTOOL" "$LT_TMP/cfg.xml" names vn-a vl-a)
read -r mac_a mac_b < <("$LINKTOOL" "$LT_TMP/cfg.xml" macs vn-a vl-a)
# a tap as libvirt makes it: the guest's MAC with the first byte 0xfe
mktap() { ip tuntap add dev "$1" mode tap && ip link set dev "$1" address "fe:${2#*:}"; }
for t in "$tap_a" "$tap_b"; do
	t_cleanup "ip link del '$t'; ip -n $LT_P-rm1 link del '$t'; ip -n $LT_P-rm2 link del '$t'"
done

t_ok "plug without taps (routers not running) succeeds" lt "$LT_TMP/cfg.xml" plug vn-a vl-a
t_check "... and creates no tap" "$(ip -n $LT_P-rm1 -o link show "$tap_a" 2>/dev/null | wc -l)" 0

# someone else's interface that happens to have the tap's name
ip tuntap add dev "$tap_a" mode tap
ip link set dev "$tap_a" address 02:00:00:00:00:01
if lt "$LT_TMP/cfg.xml" plug vn-a vl-a 2>"$LT_TMP/err"; then
	t_fail "a foreign interface with the tap's name is refused"
else
	t_pass "a foreign interface with the tap's name is refused"
fi
t_check "... naming it as not the router's tap" "$(grep -c "is not this router's tap" "$LT_TMP/err")" 1
t_check "... and leaving it where it is" "$(ip -o link show "$tap_a" | wc -l)" 1
ip link del "$tap_a"

mktap "$tap_a" "$mac_a"
mktap "$tap_b" "$mac_b"
t_ok "plug with taps in the daemon's namespace" lt "$LT_TMP/cfg.xml" plug vn-a vl-a
t_check "tap of vr1 left the daemon's namespace" "$(ip -o link show "$tap_a" 2>/dev/null | wc -l)" 0
t_check "tap of vr2 left the daemon's namespace" "$(ip -o link show "$tap_b" 2>/dev/null | wc -l)" 0
t_check "tap of vr1 is a port of its bridge in rm1" \
	"$(ip -n $LT_P-rm1 -o link show "$tap_a" | grep -o "master $br_a")" "master $br_a"
t_check "tap of vr2 is a port of its bridge in rm2" \
	"$(ip -n $LT_P-rm2 -o link show "$tap_b" | grep -o "master $br_b")" "master $br_b"
t_check "tap of vr1 is up" "$(ip -n $LT_P-rm1 -o link show "$tap_a" | grep -c '<[^>]*UP')" 1

t_ok "a second plug succeeds" lt "$LT_TMP/cfg.xml" plug vn-a vl-a
t_check "... and leaves the tap in its bridge" \
	"$(ip -n $LT_P-rm1 -o link show "$tap_a" | grep -o "master $br_a")" "master $br_a"

# A tap of a restarted guest appears in the daemon's namespace again, but
# the port bridge is gone: refused, the tap is not moved.
ip -n $LT_P-rm1 link del "$tap_a"
ip -n $LT_P-rm1 link del "$br_a"
mktap "$tap_a" "$mac_a"
if lt "$LT_TMP/cfg.xml" plug vn-a vl-a 2>"$LT_TMP/err"; then
	t_fail "plug into a missing port bridge is refused"
else
	t_pass "plug into a missing port bridge is refused"
fi
t_check "the error names the vNIC and the bridge" \
	"$(grep -c "vNIC eth0 of router vr1: its port bridge $br_a is missing" "$LT_TMP/err")" 1
t_check "the tap stays in the daemon's namespace" "$(ip -o link show "$tap_a" | wc -l)" 1
t_done
