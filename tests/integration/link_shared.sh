#!/bin/bash
# link_shared.sh - the shared datapath (vnmd --link-datapath shared): a
# cross-host VL is no interface at all, only entries in its hosts' BPF maps;
# each host has one VXLAN device, the guests' taps a BPF program.  What the
# routers see must be what the per-link datapath gives them:
#  - setup makes no VL end and no port bridge, one shared VXLAN device per
#    host, the HTB class of each VL on the physical link as before;
#  - plugged taps get the program; routers reach each other, two VLs on
#    the same hosts stay apart (each router reaches only its peer);
#  - the VL's rate limit holds on the wire (TCP goodput within 5% of
#    limit x 1448/1514), the counters count what the routers sent;
#  - a disabled VL carries nothing, enabled again it does;
#  - a destroyed VL carries nothing and leaves no map entry behind;
#  - same-host VLs keep their veth pair between port bridges.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/link_env.bash"
lt_require
export VNMT_DATAPATH=shared

RATIO=$(python3 -c 'print(1448/1514)')
{
	lt_cfg_open
	lt_cfg_underlay 2 1000000000
	lt_cfg_vn vn-a vl-a pl1 "<vnm:rate-limit>10000000</vnm:rate-limit>" rm1 rm2
	lt_cfg_vn vn-b vl-b pl1 "" rm1 rm2
	lt_cfg_vn vn-c vl-c - "" rm1 rm1
	lt_cfg_close
} >"$LT_TMP/cfg.xml"

lt_two_rms
t_cleanup "'$LINKTOOL' '$LT_TMP/cfg.xml' teardown"
t_ok "setup two cross-host VLs and a same-host one" lt "$LT_TMP/cfg.xml" setup
read -r END_A END_B VNI TAP_A BR_A TAP_B BR_B < <(lt "$LT_TMP/cfg.xml" names vn-a vl-a)
read -r _ _ VNI2 TAP2_A _ TAP2_B _ < <(lt "$LT_TMP/cfg.xml" names vn-b vl-b)
read -r END3_A END3_B _ TAP3_A BR3_A TAP3_B BR3_B < <(lt "$LT_TMP/cfg.xml" names vn-c vl-c)
for ns in rm1 rm2; do
	t_check "$ns: one shared VXLAN device, in collect-metadata mode" \
		"$(ip -n $LT_P-$ns -d -o link show vnmvx0 | grep -c 'vxlan external')" 1
	t_check "$ns: it carries vnmd's datapath tag" \
		"$(ip -n $LT_P-$ns -o link show vnmvx0 | grep -c 'alias vnmd-datapath:shared')" 1
	t_check "$ns: its receive program is on its ingress hook" \
		"$(ip netns exec $LT_P-$ns tc filter show dev vnmvx0 ingress | grep -c 'bpf .*direct-action')" 1
done
t_check "no VXLAN end of a cross-host VL in rm1" "$(ip -n $LT_P-rm1 -o link show | grep -c "$END_A")" 0
t_check "no port bridge of a cross-host VL's vNIC in rm1" \
	"$(ip -n $LT_P-rm1 -o link show | grep -c "$BR_A")" 0
t_check "the same-host VL keeps its veth pair in its port bridges" \
	"$(ip -n $LT_P-rm1 -o link show | grep -c -e "$END3_A.*master $BR3_A" -e "$END3_B.*master $BR3_B")" 2
t_check "the VL limited to 10 Mbit/s has its HTB class on the physical link (rm1)" \
	"$(ip netns exec $LT_P-rm1 tc class show dev vnmtp1 | grep -c 'ceil 10Mbit')" 1
GRP2=$(lt_bucket_child $LT_P-rm2 vnmtp2 "$VNI2")
t_check "... and so has the other one, its VNI's filter in its bucket's child HTB (rm2)" \
	"$(ip netns exec $LT_P-rm2 tc filter show dev vnmtp2 parent "$GRP2" | grep -c "match $(printf %06x "$VNI2")00/ffffff00 at 32")" 1

# routers: a veth whose host end is named like the domain's tap (as libvirt
# makes it; vnic_plug finds it in the RM's namespace)
mkrouter() { # NS RMNS TAP ADDR
	lt_ns "$1"
	ip -n "$2" link add "$3" type veth peer name eth0 netns "$1"
	ip -n "$1" addr add "$4" dev eth0
	ip -n "$1" link set eth0 up
}
mkrouter $LT_P-r1 $LT_P-rm1 "$TAP_A" 10.1.0.1/24
mkrouter $LT_P-r2 $LT_P-rm2 "$TAP_B" 10.1.0.2/24
mkrouter $LT_P-s1 $LT_P-rm1 "$TAP2_A" 10.1.0.3/24
mkrouter $LT_P-s2 $LT_P-rm2 "$TAP2_B" 10.1.0.4/24
t_ok "plug the taps of vl-a" lt "$LT_TMP/cfg.xml" plug vn-a vl-a
t_ok "plug the taps of vl-b" lt "$LT_TMP/cfg.xml" plug vn-b vl-b
t_check "the tap of vl-a's router has the transmit program" \
	"$(ip netns exec $LT_P-rm1 tc filter show dev "$TAP_A" ingress | grep -c 'bpf .*direct-action')" 1
t_check "... and is up" "$(ip -n $LT_P-rm1 -o link show "$TAP_A" | grep -c '<[^>]*UP')" 1
t_check "... in no bridge" "$(ip -n $LT_P-rm1 -o link show "$TAP_A" | grep -c master)" 0

# busybox's ping where iputils is not installed
PING=$(command -v ping || echo "busybox ping")
ping1() { ip netns exec "$1" $PING -c 1 -W 1 "$2" >/dev/null 2>&1; }
reach() { # NS ADDR: up to 5 tries (ARP through the tunnel)
	local i
	for i in 1 2 3 4 5; do ping1 "$1" "$2" && return 0; done
	return 1
}
t_ok "router a reaches router b through the shared tunnel" reach $LT_P-r1 10.1.0.2
t_ok "vl-b's routers reach each other" reach $LT_P-s1 10.1.0.4
t_fail_ok() { if "$@"; then t_fail "$T_WHAT"; else t_pass "$T_WHAT"; fi; }
T_WHAT="vl-a's router does not reach vl-b's (same hosts, other VNI)"
t_fail_ok ping1 $LT_P-r1 10.1.0.4
T_WHAT="vl-b's router does not reach vl-a's"
t_fail_ok ping1 $LT_P-s2 10.1.0.1

# the rate limit on the physical link, with TCP through the tunnel
ip netns exec $LT_P-r2 iperf3 -s -D -p 5411 --pidfile "$LT_TMP/iperf.pid" >/dev/null
t_cleanup "kill \$(cat '$LT_TMP/iperf.pid' 2>/dev/null) 2>/dev/null"
sleep 0.5
ip netns exec $LT_P-r1 timeout 20 iperf3 -c 10.1.0.2 -p 5411 -R -t 4 -J >"$LT_TMP/10M.json" 2>/dev/null
G=$(lt_goodput "$LT_TMP/10M.json" 2 4)
EXP=$(python3 -c "print(10 * $RATIO)")
t_ok "goodput at a 10 Mbit/s limit is within 5% of $EXP Mbit/s ($G)" lt_within "$G" "$EXP" 5

lt "$LT_TMP/cfg.xml" counters vn-a vl-a >"$LT_TMP/ctr" 2>&1
OUT=$(sed -n 's/^out_octets=//p' "$LT_TMP/ctr")
IN=$(sed -n 's/^in_octets=//p' "$LT_TMP/ctr")
# iperf3 -R: b sent ~5 MB to a; a sent the ACKs
t_ok "the VL counted what router a received (in_octets $IN > 3 MB)" lt_cmp "${IN:-0}" '>' 3000000
t_ok "... and what it sent (out_octets $OUT > 0, < in)" lt_cmp "${OUT:-0}" '>' 0
t_check "... and reports it up" "$(grep -c '^up=1' "$LT_TMP/ctr")" 1

t_ok "disable vl-a" lt "$LT_TMP/cfg.xml" admin vn-a vl-a 0
T_WHAT="a disabled VL carries nothing"
t_fail_ok ping1 $LT_P-r1 10.1.0.2
t_check "... and is reported down" "$(lt "$LT_TMP/cfg.xml" counters vn-a vl-a | grep -c '^up=0')" 1
t_ok "vl-b still carries traffic meanwhile" reach $LT_P-s1 10.1.0.4
t_ok "enable vl-a again" lt "$LT_TMP/cfg.xml" admin vn-a vl-a 1
t_ok "... and it carries traffic again" reach $LT_P-r1 10.1.0.2

t_ok "destroy vl-a" lt "$LT_TMP/cfg.xml" vl-destroy vn-a vl-a
T_WHAT="a destroyed VL carries nothing"
t_fail_ok ping1 $LT_P-r1 10.1.0.2
t_ok "vl-b still carries traffic" reach $LT_P-s1 10.1.0.4
t_done
