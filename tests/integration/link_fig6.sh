#!/bin/bash
# link_fig6.sh - the paper's Figure 6 through the link driver: two VNs, one
# VL each, both riding one 32 Mbit/s physical link (a veth pair between two
# RM namespaces; capacity counted on the wire), VXLAN per VL, HTB with one
# class per VL on the physical interfaces.
#   phase 1: both VLs saturated by TCP            -> about 16/16 Mbit/s
#            (14.8/14.8 of TCP goodput is the whole 32 Mbit/s on the wire:
#            x 1514/1564 for VXLAN, x 1448/1514 for TCP/IP headers)
#   phase 2: guarantee 30 Mbit/s on vn-a's VL     -> >= 26.5 and <= 4
#            (30 Mbit/s on the wire is 27.75 of goodput by the same
#            factors; 26.5 leaves 5% for TCP's sawtooth, as 14.8 +- 15% does)
#   phase 3: guarantee removed                    -> about equal again
# The shaping is changed while iperf3 runs; its connections survive.
# Then isolation: traffic of vn-a never appears on vn-b's VL.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/link_env.bash"
lt_require

cfg() { # cfg VL-A-EXTRA > file
	lt_cfg_open
	lt_cfg_underlay 2 32000000
	lt_cfg_vn vn-a vl-a pl1 "$1" rm1 rm2
	lt_cfg_vn vn-b vl-b pl1 "" rm1 rm2
	lt_cfg_close
}
cfg "" >"$LT_TMP/equal.xml"
cfg "<vnm:guaranteed-rate>30000000</vnm:guaranteed-rate>" >"$LT_TMP/guar.xml"

lt_two_rms
t_cleanup "'$LINKTOOL' '$LT_TMP/equal.xml' teardown"
t_ok "setup: physical link, ports, two VXLAN VLs, classes" lt "$LT_TMP/equal.xml" setup
read -r A_END_A A_END_B A_VNI A_TAP_A A_BR_A A_TAP_B A_BR_B < <(lt "$LT_TMP/equal.xml" names vn-a vl-a)
read -r B_END_A B_END_B B_VNI B_TAP_A B_BR_A B_TAP_B B_BR_B < <(lt "$LT_TMP/equal.xml" names vn-b vl-b)
t_check "vl-a's end on rm1 is VXLAN with its VNI to rm2" \
	"$(ip -n $LT_P-rm1 -d -o link show "$A_END_A" | grep -o "vxlan id $A_VNI remote 10.99.0.2 local 10.99.0.1" )" \
	"vxlan id $A_VNI remote 10.99.0.2 local 10.99.0.1"
t_check "HTB root with a size table for the encapsulation" \
	"$(ip netns exec $LT_P-rm1 tc -d qdisc show dev vnmtp1 | grep -o "overhead -50" | head -1)" "overhead -50"
t_check "two VL classes at an equal share, each in its VNI bucket's child HTB" \
	"$(lt_vl_classes $LT_P-rm1 vnmtp1 | grep -c ' rate 15')" "2"
if [ $((A_VNI & 255)) != $((B_VNI & 255)) ]; then
	t_check "each bucket class guarantees its VL's share on both ends" \
		"$(lt_bucket_rate $LT_P-rm1 vnmtp1 $A_VNI | grep -c 'rate 15') $(lt_bucket_rate $LT_P-rm2 vnmtp2 $B_VNI | grep -c 'rate 15')" "1 1"
fi

# The same addresses in both VNs: they are separate networks.
lt_router $LT_P-a1 $LT_P-rm1 "$A_TAP_A" "$A_BR_A" 10.1.0.1/24
lt_router $LT_P-a2 $LT_P-rm2 "$A_TAP_B" "$A_BR_B" 10.1.0.2/24
lt_router $LT_P-b1 $LT_P-rm1 "$B_TAP_A" "$B_BR_A" 10.1.0.1/24
lt_router $LT_P-b2 $LT_P-rm2 "$B_TAP_B" "$B_BR_B" 10.1.0.2/24
for n in a2 b2; do
	ip netns exec $LT_P-$n iperf3 -s -D -p 5201 --pidfile "$LT_TMP/$n.pid" >/dev/null
	t_cleanup "kill \$(cat '$LT_TMP/$n.pid' 2>/dev/null) 2>/dev/null"
done
sleep 0.5
t_ok "vn-a: router 1 reaches router 2 over the tunnel" \
	ip netns exec $LT_P-a1 timeout 5 bash -c 'exec 3<>/dev/tcp/10.1.0.2/5201'
t_ok "vn-b: router 1 reaches router 2 over the tunnel" \
	ip netns exec $LT_P-b1 timeout 5 bash -c 'exec 3<>/dev/tcp/10.1.0.2/5201'

Q0=$(lt_dmesg_mark)
# 3 phases of 7 s; changes at 7 s and 14 s; data flows rm2 -> rm1 (-R)
ip netns exec $LT_P-a1 iperf3 -c 10.1.0.2 -p 5201 -R -t 21 -J >"$LT_TMP/a.json" 2>&1 &
PA=$!
ip netns exec $LT_P-b1 iperf3 -c 10.1.0.2 -p 5201 -R -t 21 -J >"$LT_TMP/b.json" 2>&1 &
PB=$!
t_cleanup "kill $PA $PB 2>/dev/null"
sleep 7.2
lt "$LT_TMP/guar.xml" shape vn-a vl-a >"$LT_TMP/shape1.log" 2>&1; RC1=$?
GB1=$(lt_bucket_rate $LT_P-rm1 vnmtp1 $A_VNI)
GB2=$(lt_bucket_rate $LT_P-rm2 vnmtp2 $A_VNI)
sleep 7
lt "$LT_TMP/equal.xml" shape vn-a vl-a >"$LT_TMP/shape2.log" 2>&1; RC2=$?
wait $PA; RA=$?
wait $PB; RB=$?
t_check "guarantee 30 Mbit/s applied while iperf3 runs" "$RC1" "0"
t_check "guarantee removed while iperf3 runs" "$RC2" "0"
if [ $((A_VNI & 255)) != $((B_VNI & 255)) ]; then
	t_check "vn-a's bucket class guaranteed its 30 Mbit/s on both ends" "$GB1 $GB2" "rate 30Mbit rate 30Mbit"
fi
t_check "vn-a's TCP connection survived both changes" "$RA $(lt_intervals "$LT_TMP/a.json")" "0 21 0 False"
t_check "vn-b's TCP connection survived both changes" "$RB $(lt_intervals "$LT_TMP/b.json")" "0 21 0 False"

# per phase: the median second of its last 5 (TCP and the queues settle
# in the first 2 s after a change)
A1=$(lt_goodput_median "$LT_TMP/a.json" 3 7);   B1=$(lt_goodput_median "$LT_TMP/b.json" 3 7)
A2=$(lt_goodput_median "$LT_TMP/a.json" 10 14); B2=$(lt_goodput_median "$LT_TMP/b.json" 10 14)
A3=$(lt_goodput_median "$LT_TMP/a.json" 17 21); B3=$(lt_goodput_median "$LT_TMP/b.json" 17 21)
python3 -c "import json; [print(\"# \" + f, \" \".join(\"%.1f\" % (i[\"sum\"][\"bits_per_second\"] / 1e6) for i in json.load(open(\"$LT_TMP/\" + f + \".json\"))[\"intervals\"])) for f in (\"a\", \"b\")]"
echo "# goodput Mbit/s  equal: $A1 / $B1   guarantee 30 on vn-a: $A2 / $B2   removed: $A3 / $B3"
t_ok "equal shares: vn-a about 16 Mbit/s ($A1)" lt_within "$A1" 15 15
t_ok "equal shares: vn-b about 16 Mbit/s ($B1)" lt_within "$B1" 15 15
t_ok "guarantee: vn-a gets its 30 Mbit/s on the wire (goodput $A2 >= 26.5)" lt_cmp "$A2" '>=' 26.5
t_ok "guarantee: vn-b gets at most 4 Mbit/s ($B2)" lt_cmp "$B2" '<=' 4
t_ok "removed: vn-a about equal again ($A3)" lt_within "$A3" 15 15
t_ok "removed: vn-b about equal again ($B3)" lt_within "$B3" 15 15
t_check "no new 'quantum is big' warning in the kernel log" "$(lt_quantum_warnings "$Q0")" "0"
t_check "the kernel accepted every request without a warning (extended ack)" "$(lt_kernel_warnings)" "0"

# Isolation: 2 s of vn-a traffic; vn-b's VL sees none of it.
lt "$LT_TMP/equal.xml" counters vn-b vl-b >"$LT_TMP/b0" 2>&1
lt "$LT_TMP/equal.xml" counters vn-a vl-a >"$LT_TMP/a0" 2>&1
ip netns exec $LT_P-rm1 timeout 6 tcpdump -i "$B_END_A" -nn -c 1000 -w "$LT_TMP/b.pcap" >/dev/null 2>&1 &
PT=$!
ip netns exec $LT_P-b2 timeout 6 tcpdump -i eth0 -nn -c 1000 -w "$LT_TMP/b2.pcap" >/dev/null 2>&1 &
PT2=$!
sleep 1
ip netns exec $LT_P-a1 iperf3 -c 10.1.0.2 -p 5201 -t 3 -J >"$LT_TMP/alone.json" 2>&1
wait $PT $PT2
# vn-b idle: vn-a borrows its share (through its bucket's class and the
# capacity class), well above its own 15 Mbit/s
ALONE=$(lt_goodput "$LT_TMP/alone.json" 2 3)
echo "# goodput Mbit/s of vn-a alone: $ALONE"
t_ok "vn-a alone borrows the idle capacity (goodput $ALONE >= 24)" lt_cmp "$ALONE" '>=' 24
lt "$LT_TMP/equal.xml" counters vn-b vl-b >"$LT_TMP/b1" 2>&1
lt "$LT_TMP/equal.xml" counters vn-a vl-a >"$LT_TMP/a1" 2>&1
delta() { python3 -c "import sys
r=lambda f: dict(l.strip().split('=') for l in open(f))
a,b=r(sys.argv[1]),r(sys.argv[2])
print(int(b['$3'])-int(a['$3']))" "$1" "$2"; }
t_ok "vn-a's VL counted the vn-a traffic (> 1 MB out)" lt_cmp "$(delta "$LT_TMP/a0" "$LT_TMP/a1" out_octets)" '>' 1000000
# the shaping counters come from the VL's own HTB class, found through
# the driver's index of the physical interface (VNI -> class)
t_ok "vn-a's VL class was held back by the shaper (overlimits grew)" \
	lt_cmp "$(delta "$LT_TMP/a0" "$LT_TMP/a1" overlimits)" '>' 0
t_check "vn-b's VL class was not" "$(delta "$LT_TMP/b0" "$LT_TMP/b1" overlimits)" "0"
t_check "vn-b's VL counted no packet out" "$(delta "$LT_TMP/b0" "$LT_TMP/b1" out_packets)" "0"
t_check "vn-b's VL counted no packet in" "$(delta "$LT_TMP/b0" "$LT_TMP/b1" in_packets)" "0"
t_check "no frame captured on vn-b's VL end" "$(tcpdump -nn -r "$LT_TMP/b.pcap" 2>/dev/null | wc -l)" "0"
# a commit's snapshot reads its few VLs object by object, a full one from
# dumps of every interface and class: the same figures either way
lt "$LT_TMP/equal.xml" counters-paths vn-a vl-a >"$LT_TMP/paths" 2>&1
t_check "counters read object by object equal those from dumps (cross-host VL)" \
	"$(sed -n 's/^point: //p' "$LT_TMP/paths")" "$(sed -n 's/^dump: //p' "$LT_TMP/paths")"
t_ok "and carry the traffic and the VL's classes" grep -Eq '^point: in=[1-9].* cls=[1-9][0-9]*/[1-9][0-9]* shaped=1 .*up=1$' "$LT_TMP/paths"
t_check "no frame reached vn-b's router with the same address" \
	"$(tcpdump -nn -r "$LT_TMP/b2.pcap" 2>/dev/null | wc -l)" "0"

# The physical link's capacity changes in place (root and classes stay).
ROOT_SENT0=$(ip netns exec $LT_P-rm1 tc -s qdisc show dev vnmtp1 | awk '/^ Sent/ {print $2; exit}')
sed 's|<vnm:capacity>32000000<|<vnm:capacity>64000000<|' "$LT_TMP/equal.xml" >"$LT_TMP/64M.xml"
t_ok "capacity 32 -> 64 Mbit/s (plink_update)" lt "$LT_TMP/64M.xml" plink-update "$LT_TMP/equal.xml"
t_ok "the VLs follow the new capacity" lt "$LT_TMP/64M.xml" shape
t_check "the capacity class is at 64 Mbit/s on both ends" \
	"$(ip netns exec $LT_P-rm1 tc class show dev vnmtp1 classid 766e:1 | grep -o 'rate 64Mbit') $(ip netns exec $LT_P-rm2 tc class show dev vnmtp2 classid 766e:1 | grep -o 'rate 64Mbit')" \
	"rate 64Mbit rate 64Mbit"
t_ok "the HTB root kept its counters (not recreated)" \
	lt_cmp "$(ip netns exec $LT_P-rm1 tc -s qdisc show dev vnmtp1 | awk '/^ Sent/ {print $2; exit}')" '>=' "$ROOT_SENT0"
t_ok "unshape vn-b's VL removes its class and filter" lt "$LT_TMP/equal.xml" unshape vn-b vl-b
t_check "vn-a's class and its bucket's left on rm1's interface, with the default class" \
	"$(lt_vl_classes $LT_P-rm1 vnmtp1 | wc -l) $(ip netns exec $LT_P-rm1 tc class show dev vnmtp1 | grep -Ec '^class htb 766e:1[0-9a-f]{2} parent 766e:1 ') $(ip netns exec $LT_P-rm1 tc class show dev vnmtp1 | grep -c '^class htb 766e:2 parent 766e:1 ')" "1 1 1"
t_ok "teardown" lt "$LT_TMP/equal.xml" teardown
t_check "no vnmd interface left on rm1" "$(ip -n $LT_P-rm1 -o link show | grep -c 'alias vnmd:')" "0"
t_check "no vnmd qdisc left on the physical link" \
	"$(ip netns exec $LT_P-rm1 tc qdisc show dev vnmtp1 | grep -c '766e:')" "0"
t_done
