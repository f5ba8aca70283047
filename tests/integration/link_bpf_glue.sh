#!/bin/bash
# link_bpf_glue.sh - the shared datapath's BPF glue carries real traffic:
# two hosts (namespaces vbg-h1, vbg-h2) joined by a veth underlay, ONE
# external (collect-metadata) VXLAN device in each, and two VLs whose
# routers (namespaces, their eth0 a veth whose host end plays the tap) use
# the same addresses: VL a (VNI 100) rides IPv4 between the hosts, VL b
# (VNI 200) IPv6.  Routers reach each other only over their own VL; the
# counters the programs keep match the traffic; a VL set down, or a packet
# from another source than the VL's remote, is dropped and counted; the
# counters are read after the attaching process has exited (adopted
# through the filters' program ids, as a restarted vnmd would).
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOL=$ROOT/build/tools/bpf_glue
P=vbg
TMP=$(mktemp -d /tmp/vbg.XXXXXX)
t_cleanup "rm -rf '$TMP'"

[ "$(id -u)" = 0 ] || t_skip_all "needs root (network namespaces, BPF)"
command -v iperf3 >/dev/null || t_skip_all "needs iperf3"
if ! make -s -C "$ROOT" build/tools/bpf_glue >"$TMP/make.log" 2>&1; then
	[ -x "$TOOL" ] || { echo "FAIL - cannot build bpf_glue"; tail -5 "$TMP/make.log"; exit 1; }
	echo "# make build/tools/bpf_glue failed (concurrent build?): using the existing binary"
fi

ns() { # NAME [v6]: a fresh namespace, removed at exit
	ip netns del "$1" 2>/dev/null
	ip netns add "$1"
	t_cleanup "ip netns del '$1'"
	ip -n "$1" link set lo up
	[ "${2:-}" = v6 ] && return 0
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
x() { ip netns exec "$@"; }
# pings from router namespace NS: COUNT echo requests, 0.2 s apart, all
# within 3 s (busybox's ping: iputils is not installed everywhere)
PING=$(command -v ping || echo "busybox ping")
pings() { ip netns exec "$1" $PING -c "$3" -i 0.2 -w 3 "$2" >/dev/null; }

# hosts and underlay: IPv4 10.77.0.0/24 and IPv6 fd77::/64 on one veth pair
ns $P-h1 v6
ns $P-h2 v6
ip -n $P-h1 link add vbgu1 mtu 1600 type veth peer name vbgu2 mtu 1600 netns $P-h2
for i in 1 2; do
	ip -n $P-h$i addr add 10.77.0.$i/24 dev vbgu$i
	ip -n $P-h$i addr add fd77::$i/64 dev vbgu$i nodad
	ip -n $P-h$i link set vbgu$i up
	# one VXLAN device per host, all VLs through it
	ip -n $P-h$i link add vbgvx type vxlan external dstport 4789 local 10.77.0.$i
	ip -n $P-h$i link set vbgvx up
done
# routers: VL a's and VL b's, the same overlay addresses in both VLs
for vl in a b; do
	for i in 1 2; do
		ns $P-r$vl$i
		ip -n $P-h$i link add vbgt$vl$i type veth peer name eth0 netns $P-r$vl$i
		ip -n $P-h$i link set vbgt$vl$i up
		ip -n $P-r$vl$i addr add 10.1.0.$i/24 dev eth0
		ip -n $P-r$vl$i link set eth0 up
	done
done
t_ok "host 1 glues both taps to its VXLAN device" \
	x $P-h1 "$TOOL" attach vbgvx vbgta1:100:10.77.0.2 vbgtb1:200:fd77::2
t_ok "host 2 glues both taps to its VXLAN device" \
	x $P-h2 "$TOOL" attach vbgvx vbgta2:100:10.77.0.1 vbgtb2:200:fd77::1
t_check "one VXLAN device per host, whatever the number of VLs" \
	"$(ip -n $P-h1 -o link show type vxlan | wc -l)" 1

ctr() { # HOST TAP VNI FIELD
	x $P-$1 "$TOOL" ctr vbgvx "$2" "$3" | tr ' ' '\n' | sed -n "s/^$4=//p"
}

# Both VLs' far routers are 10.1.0.2: which one answered shows in the
# ARP table (a frame crossing into the other VL would learn its MAC).
t_ok "router a1 pings a2 over VL a (IPv4 underlay)" pings $P-ra1 10.1.0.2 3
t_ok "router b1 pings b2 over VL b (IPv6 underlay)" pings $P-rb1 10.1.0.2 3
MAC_A2=$(x $P-ra2 cat /sys/class/net/eth0/address)
MAC_B2=$(x $P-rb2 cat /sys/class/net/eth0/address)
t_check "a1 learnt a2's MAC, not b2's (the VLs are apart)" \
	"$(x $P-ra1 ip neigh show 10.1.0.2 | grep -o "$MAC_A2\|$MAC_B2")" "$MAC_A2"
t_check "b1 learnt b2's MAC, not a2's" \
	"$(x $P-rb1 ip neigh show 10.1.0.2 | grep -o "$MAC_A2\|$MAC_B2")" "$MAC_B2"
t_ok "VL a's frames left the wire as IPv4 VXLAN: host 2 counts them delivered" \
	test "$(ctr h2 vbgta2 100 rx_packets)" -ge 3
t_ok "VL b's frames over IPv6: host 2 counts them delivered" \
	test "$(ctr h2 vbgtb2 200 rx_packets)" -ge 3
t_check "no drops on either VL yet" \
	"$(ctr h1 vbgta1 100 drops) $(ctr h2 vbgta2 100 drops) $(ctr h1 vbgtb1 200 drops) $(ctr h2 vbgtb2 200 drops)" "0 0 0 0"

# iperf3 over VL a: goodput, and the counters agree with iperf3's bytes
x $P-ra2 iperf3 -s -D -p 5411 --pidfile "$TMP/iperf.pid" >/dev/null
t_cleanup "kill \$(cat '$TMP/iperf.pid' 2>/dev/null) 2>/dev/null"
for _ in $(seq 50); do [ -s "$TMP/iperf.pid" ] && break; sleep 0.1; done
B_RX0=$(ctr h2 vbgtb2 200 rx_packets)
TX0=$(ctr h1 vbgta1 100 tx_bytes)
if x $P-ra1 timeout 20 iperf3 -c 10.1.0.2 -p 5411 -t 3 -J >"$TMP/iperf.json" 2>"$TMP/iperf.err"; then
	read -r MBPS BYTES < <(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]; print("%.0f %d" % (e["sum_received"]["bits_per_second"]/1e6, e["sum_sent"]["bytes"]))' "$TMP/iperf.json")
	t_pass "iperf3 over VL a: $MBPS Mbit/s"
	t_ok "at least 100 Mbit/s through the glue ($MBPS)" test "$MBPS" -ge 100
	TXD=$(($(ctr h1 vbgta1 100 tx_bytes) - TX0))
	t_ok "VL a's tx bytes on host 1 ($TXD) cover iperf3's payload ($BYTES)" test "$TXD" -ge "$BYTES"
	t_ok "and not more than headers' worth (< 1.1x)" test "$TXD" -lt $((BYTES * 11 / 10))
else
	t_fail "iperf3 over VL a" "$(tail -3 "$TMP/iperf.err")"
fi
t_ok "VL b saw none of it (< 20 frames delivered meanwhile)" \
	test $(($(ctr h2 vbgtb2 200 rx_packets) - B_RX0)) -lt 20

# VL a down on host 2: its frames arrive and are dropped there, counted
D0=$(ctr h2 vbgta2 100 drops)
t_ok "VL a set down on host 2" x $P-h2 "$TOOL" set vbgvx vbgta2 100 10.77.0.1 down
t_ok "a1 no longer reaches a2" bash -c "! ip netns exec $P-ra1 $PING -c 2 -i 0.2 -w 2 -W 1 10.1.0.2"
t_ok "host 2 counted the dropped frames" test "$(ctr h2 vbgta2 100 drops)" -gt "$D0"
t_ok "VL b is not affected" pings $P-rb1 10.1.0.2 2
t_ok "VL a up again" x $P-h2 "$TOOL" set vbgvx vbgta2 100 10.77.0.1 up
t_ok "a1 reaches a2 again" pings $P-ra1 10.1.0.2 2

# host 2 expects VL a from another remote: the real one is refused
D0=$(ctr h2 vbgta2 100 drops)
t_ok "VL a's remote on host 2 changed to 10.77.0.9" x $P-h2 "$TOOL" set vbgvx vbgta2 100 10.77.0.9 up
t_ok "frames from 10.77.0.1 are not delivered" bash -c "! ip netns exec $P-ra1 $PING -c 2 -i 0.2 -w 2 -W 1 10.1.0.2"
t_ok "and are counted as drops" test "$(ctr h2 vbgta2 100 drops)" -gt "$D0"
t_ok "VL a's remote restored" x $P-h2 "$TOOL" set vbgvx vbgta2 100 10.77.0.1 up
t_ok "a1 reaches a2" pings $P-ra1 10.1.0.2 2

t_done
