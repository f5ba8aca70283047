#!/bin/bash
# link_tunnel.sh - rates of a VL across hosts mean what its routers see:
# a VXLAN VL over a 1 Gbit/s physical link, limited to 10 and 100 Mbit/s,
# gives TCP goodput within 5% of limit x 1448/1514 although every frame is
# 50 bytes longer on the wire (the size table takes the encapsulation out);
# the limit changes in place under a running connection; guests' GSO
# packets are split before encapsulation.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/link_env.bash"
lt_require

RATIO=$(python3 -c 'print(1448/1514)')
cfg() {
	lt_cfg_open
	lt_cfg_underlay 2 1000000000
	lt_cfg_vn vn-a vl-a pl1 "<vnm:rate-limit>$1</vnm:rate-limit>" rm1 rm2
	lt_cfg_close
}
cfg 10000000 >"$LT_TMP/10M.xml"
cfg 100000000 >"$LT_TMP/100M.xml"

lt_two_rms
W0=$(lt_dmesg_mark)
t_cleanup "'$LINKTOOL' '$LT_TMP/10M.xml' teardown"
t_ok "setup a VXLAN VL limited to 10 Mbit/s" lt "$LT_TMP/10M.xml" setup
read -r END_A END_B VNI TAP_A BR_A TAP_B BR_B < <(lt "$LT_TMP/10M.xml" names vn-a vl-a)
t_check "the VXLAN ends segment before encapsulation (one frame per packet)" \
	"$(ip -n $LT_P-rm1 -d -o link show "$END_A" | grep -o 'gso_max_size 1514 gso_max_segs 1 ')" \
	"gso_max_size 1514 gso_max_segs 1 "
# The VL's filter is found by hashing: the bucket of its VNI's low byte in
# vnmd's VNI table (reached through one link filter) sends to the bucket's
# class, whose child HTB has the VL's filter on its whole VNI and its class.
BKT=$(printf %x $((VNI & 255)))
GRP=$(lt_bucket_child $LT_P-rm1 vnmtp1 "$VNI")
t_check "bucket $BKT of the VNI table (1:) sends to its bucket class" \
	"$(ip netns exec $LT_P-rm1 tc filter show dev vnmtp1 | grep -c "key ht 1 bkt $BKT .*flowid 766e:$(printf %x $((0x100 + (VNI & 255)))) ")" 1
t_check "one link filter hashes VXLAN packets into that table" \
	"$(ip netns exec $LT_P-rm1 tc filter show dev vnmtp1 | grep -c "fh 800::fff .*link 1:")" 1
t_check "the bucket's child qdisc $GRP sends the VL's VNI to its class" \
	"$(ip netns exec $LT_P-rm1 tc filter show dev vnmtp1 parent $GRP | grep -A1 "flowid $GRP" | grep -c "match $(printf %06x "$VNI")00/ffffff00 at 32")" 1
# A guest's large send (GSO, segments not yet counted) leaves the host as
# one VXLAN packet per frame, so the size table counts every frame.
if make -s -C "$ROOT" build/tools/tapgso >/dev/null 2>&1; then
	ip -n $LT_P-rm1 tuntap add vnmtgso mode tap vnet_hdr
	ip -n $LT_P-rm1 link set vnmtgso master "$BR_A" up
	tx() { ip netns exec $LT_P-rm1 cat /sys/class/net/vnmtp1/statistics/tx_packets; }
	# resolve the tunnel's far end first: a frame that waits for ARP is
	# not what this measures (and may be dropped meanwhile)
	ip netns exec $LT_P-rm1 ping -c 1 -W 2 10.99.0.2 >/dev/null 2>&1
	T0=$(tx)
	t_ok "a guest's 10-frame GSO packet is taken" ip netns exec $LT_P-rm1 "$ROOT/build/tools/tapgso" vnmtgso 10
	# up to 5 s on a busy machine
	for _ in $(seq 50); do [ $(($(tx) - T0)) -ge 10 ] && break; sleep 0.1; done
	t_ok "it leaves the host as 10 VXLAN packets, not one ($(($(tx) - T0)) sent)" lt_cmp "$(($(tx) - T0))" '>=' 10
	ip -n $LT_P-rm1 link del vnmtgso
fi
lt_router $LT_P-r1 $LT_P-rm1 "$TAP_A" "$BR_A" 10.1.0.1/24
lt_router $LT_P-r2 $LT_P-rm2 "$TAP_B" "$BR_B" 10.1.0.2/24
ip netns exec $LT_P-r2 iperf3 -s -D -p 5401 --pidfile "$LT_TMP/iperf.pid" >/dev/null
t_cleanup "kill \$(cat '$LT_TMP/iperf.pid' 2>/dev/null) 2>/dev/null"
sleep 0.5
t_ok "router a reaches router b through the tunnel" \
	ip netns exec $LT_P-r1 timeout 5 bash -c 'exec 3<>/dev/tcp/10.1.0.2/5401'

# one connection: 6 s at 10 Mbit/s, then 6 s at 100 Mbit/s
ip netns exec $LT_P-r1 iperf3 -c 10.1.0.2 -p 5401 -R -t 12 -J >"$LT_TMP/run.json" 2>&1 &
P=$!
t_cleanup "kill $P 2>/dev/null"
sleep 6.1
lt "$LT_TMP/100M.xml" shape vn-a vl-a >"$LT_TMP/shape.log" 2>&1; RC=$?
wait $P; RP=$?
t_check "limit raised to 100 Mbit/s under the running connection" "$RC" "0"
t_check "the connection survived" "$RP $(lt_intervals "$LT_TMP/run.json")" "0 12 0 False"
G1=$(lt_goodput "$LT_TMP/run.json" 3 6)
G2=$(lt_goodput "$LT_TMP/run.json" 9 12)
W1=$(python3 -c "print(10 * $RATIO)")
W2=$(python3 -c "print(100 * $RATIO)")
echo "# goodput Mbit/s: 10M limit: $G1 (expected $W1), 100M limit: $G2 (expected $W2)"
t_ok "10 Mbit/s over VXLAN: goodput within 5% ($G1 vs $W1)" lt_within "$G1" "$W1" 5
t_ok "100 Mbit/s over VXLAN: goodput within 5% ($G2 vs $W2)" lt_within "$G2" "$W2" 5
t_check "the kernel accepted every request without a warning (extended ack)" "$(lt_kernel_warnings)" "0"
t_ok "teardown" lt "$LT_TMP/100M.xml" teardown
t_check "the kernel accepted every attribute (no 'invalid length' warning)" \
	"$(lt_dmesg_since "$W0" "'linktool': attribute type .* invalid length")" "0"
t_done
