#!/bin/bash
# link_bond.sh - channel bonding: one VL over two parallel 16 Mbit/s
# physical links between rm1 and rm2.  Its flows are spread over both
# links (about 30 Mbit/s of goodput together); with one link's interface
# down the VL stays up (ping goes on) at about 15 Mbit/s, and back at about
# 30 when it comes up again.  The kernel shows one HTB class for the VL on
# each physical interface with its part of the limit, and a multipath
# route between the hosts' tunnel addresses, gone at teardown.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/link_env.bash"
lt_require

CAP=16000000
# cfg VL-XML > file: two RMs, two parallel physical links, one VL over both
cfg() {
	local i
	lt_cfg_open
	echo "    <network>"
	echo "      <network-id>underlay</network-id>"
	echo "      <network-types><vnm:physical-network/></network-types>"
	for i in 1 2; do
		cat <<EOF
      <node>
        <node-id>rm$i</node-id>
        <vnm:host>
          <vnm:libvirt-uri>test:///default</vnm:libvirt-uri>
          <vnm:tunnel-address>10.99.0.$i</vnm:tunnel-address>
          <vnm:netns>$LT_P-rm$i</vnm:netns>
        </vnm:host>
        <nt:termination-point><nt:tp-id>up1</nt:tp-id><vnm:interface>vnmtp$i</vnm:interface></nt:termination-point>
        <nt:termination-point><nt:tp-id>up2</nt:tp-id><vnm:interface>vnmtp$((i + 2))</vnm:interface></nt:termination-point>
      </node>
EOF
	done
	for i in 1 2; do
		cat <<EOF
      <nt:link>
        <nt:link-id>pl$i</nt:link-id>
        <nt:source><nt:source-node>rm1</nt:source-node><nt:source-tp>up$i</nt:source-tp></nt:source>
        <nt:destination><nt:dest-node>rm2</nt:dest-node><nt:dest-tp>up$i</nt:dest-tp></nt:destination>
        <vnm:physical-link><vnm:capacity>$CAP</vnm:capacity></vnm:physical-link>
      </nt:link>
EOF
	done
	echo "    </network>"
	lt_cfg_vn vn-a vl-a pl1 "$1" rm1 rm2 |
		sed 's|</nt:supporting-link>|&<nt:supporting-link><nt:network-ref>underlay</nt:network-ref><nt:link-ref>pl2</nt:link-ref></nt:supporting-link>|'
	lt_cfg_close
}
cfg "" >"$LT_TMP/free.xml"
cfg "<vnm:guaranteed-rate>10000000</vnm:guaranteed-rate><vnm:rate-limit>20000000</vnm:rate-limit>" >"$LT_TMP/limit.xml"

# Two RMs joined by two veth pairs; the tunnel addresses sit on lo, so
# they outlive either link.
lt_ns $LT_P-rm1
lt_ns $LT_P-rm2
for i in 1 3; do
	ip -n $LT_P-rm1 link add vnmtp$i mtu 1600 type veth peer name vnmtp$((i + 1)) mtu 1600 netns $LT_P-rm2
	ip -n $LT_P-rm1 link set vnmtp$i up
	ip -n $LT_P-rm2 link set vnmtp$((i + 1)) up
done
ip -n $LT_P-rm1 addr add 10.99.0.1/32 dev lo
ip -n $LT_P-rm2 addr add 10.99.0.2/32 dev lo
t_cleanup "'$LINKTOOL' '$LT_TMP/free.xml' teardown"

t_ok "setup a VL bonded over two physical links" lt "$LT_TMP/limit.xml" setup
t_ok "setup again is idempotent" lt "$LT_TMP/limit.xml" setup
read -r END_A END_B VNI TAP_A BR_A TAP_B BR_B < <(lt "$LT_TMP/limit.xml" names vn-a vl-a)

# class_of NS DEV: "rate ceil" of the VL's class on a physical interface
class_of() {
	lt_vl_classes "$1" "$2" | awk '{
		for (i = 1; i <= NF; i++) { if ($i == "rate") r = $(i + 1); if ($i == "ceil") c = $(i + 1) }
		print r, c }'
}
for d in "rm1 vnmtp1" "rm1 vnmtp3" "rm2 vnmtp2" "rm2 vnmtp4"; do
	set -- $d
	t_check "$2 on $1 carries the VL's half of the guarantee and limit" \
		"$(class_of $LT_P-$1 $2)" "5Mbit 10Mbit"
done
route_of() { ip -n "$1" route show "$2" proto 118 | tr -s ' \t\n' ' '; }
t_check "rm1 reaches rm2's tunnel address over both links" \
	"$(route_of $LT_P-rm1 10.99.0.2)" \
	"10.99.0.2 nexthop via 10.99.0.2 dev vnmtp1 weight 256 onlink nexthop via 10.99.0.2 dev vnmtp3 weight 256 onlink "
t_check "and rm2 rm1's" \
	"$(route_of $LT_P-rm2 10.99.0.1)" \
	"10.99.0.1 nexthop via 10.99.0.1 dev vnmtp2 weight 256 onlink nexthop via 10.99.0.1 dev vnmtp4 weight 256 onlink "
t_check "the hosts hash flows by their ports" \
	"$(ip netns exec $LT_P-rm1 sysctl -n net.ipv4.fib_multipath_hash_policy)$(ip netns exec $LT_P-rm2 sysctl -n net.ipv4.fib_multipath_hash_policy)" "11"
# (the shared datapath: the TOS is in each packet's tunnel key, and a
# key set by BPF has no route cache anyway)
[ "${VNMT_DATAPATH:-}" = shared ] ||
t_check "the VL's tunnel packets look their route up one by one (a TOS: no cached route)" \
	"$(ip -n $LT_P-rm1 -d link show "$END_A" | grep -o 'tos 0x8')" "tos 0x8"
t_check "a link whose far end went down is skipped" \
	"$(ip netns exec $LT_P-rm2 sysctl -n net.ipv4.conf.vnmtp4.ignore_routes_with_linkdown)" "1"

t_ok "no limit: the VL's classes take each link's capacity" lt "$LT_TMP/free.xml" shape vn-a vl-a
lt_router $LT_P-r1 $LT_P-rm1 "$TAP_A" "$BR_A" 10.1.0.1/24
lt_router $LT_P-r2 $LT_P-rm2 "$TAP_B" "$BR_B" 10.1.0.2/24
[ "${VNMT_DATAPATH:-}" = shared ] && lt "$LT_TMP/free.xml" plug vn-a vl-a
ip netns exec $LT_P-r2 iperf3 -s -D -p 5501 --pidfile "$LT_TMP/iperf.pid" >/dev/null
t_cleanup "kill \$(cat '$LT_TMP/iperf.pid' 2>/dev/null) 2>/dev/null"
sleep 0.5
t_ok "router a reaches router b over the bond" \
	ip netns exec $LT_P-r1 busybox ping -c 1 -W 2 10.1.0.2

# bytes rm2 sent on its end of a link (router b sends)
tx() { ip netns exec $LT_P-rm2 cat /sys/class/net/$1/statistics/tx_bytes; }
# run NAME: goodput (Mbit/s, seconds 2..4) of 8 TCP flows from router b
# (iperf3 -R: the client counts what it received);
# per flow the hash picks one link: the best of two runs (new ports, new
# hashes) keeps eight flows on one link (p = 1/128) from deciding
run() {
	local best=0 got i
	for i in 1 2; do
		ip netns exec $LT_P-r1 iperf3 -c 10.1.0.2 -p 5501 -P 8 -t 4 -R -J >"$LT_TMP/$1.json" 2>&1
		got=$(lt_goodput "$LT_TMP/$1.json" 2 4)
		best=$(python3 -c "print(max($best, $got))")
		lt_cmp "$best" '>=' 24 && break
	done
	echo "# $1: $best Mbit/s" >&2
	echo "$best"
}
T1=$(tx vnmtp2) T3=$(tx vnmtp4)
BOTH=$(run both)
t_ok "two links: the flows get about 30 Mbit/s together ($BOTH >= 24)" lt_cmp "$BOTH" '>=' 24
t_ok "and no more than both links carry ($BOTH <= 32)" lt_cmp "$BOTH" '<=' 32
t_ok "both links carried the VL (> 2 MB each)" \
	lt_cmp "$(python3 -c "print(min($(tx vnmtp2) - $T1, $(tx vnmtp4) - $T3))")" '>' 2000000

ip -n $LT_P-rm1 link set vnmtp3 down
t_ok "one link down: the VL stays up (ping)" \
	ip netns exec $LT_P-r1 busybox ping -c 3 -W 2 10.1.0.2
t_ok "one link down: the driver reports the VL up" \
	bash -c "'$LINKTOOL' '$LT_TMP/free.xml' counters vn-a vl-a | grep -qx up=1"
ONE=$(run one)
t_ok "one link down: about 15 Mbit/s ($ONE in 11..17)" \
	bash -c "lt_cmp() { python3 -c \"import sys; a=float(sys.argv[1]); b=float(sys.argv[3]); sys.exit(0 if eval('a %s b' % sys.argv[2]) else 1)\" \"\$@\"; }; lt_cmp $ONE '>=' 11 && lt_cmp $ONE '<=' 17"
ip -n $LT_P-rm1 link set vnmtp3 up
sleep 1
BACK=$(run back)
t_ok "link up again: back to about 30 Mbit/s ($BACK >= 24)" lt_cmp "$BACK" '>=' 24

t_ok "teardown" lt "$LT_TMP/free.xml" teardown
t_check "the route is gone on rm1" "$(route_of $LT_P-rm1 10.99.0.2)" ""
t_check "and on rm2" "$(route_of $LT_P-rm2 10.99.0.1)" ""
t_check "no vnmd interface left" "$(ip -n $LT_P-rm1 -o link show | grep -c 'alias vnmd:')" "0"
t_done
