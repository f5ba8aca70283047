#!/bin/bash
# shaping.sh - shaping accuracy: TCP goodput through a VL over its configured
# rate, from 1 Mbit/s to 10 Gbit/s, with vnmd's shaping (the link driver's
# HTB classes: its burst, cburst and quantum, set through linktool exactly as
# the daemon sets them) against tc's defaults on the same path: an HTB class
# made by `tc class add ... htb rate R` with no burst, cburst or quantum.
#
# Path: a same-host VL (veth pair between the two vNICs' port bridges) in
# namespace vnmt-shaping-rm1, two router stand-ins (namespaces whose eth0 is
# plugged into the port bridges like libvirt plugs a tap); iperf3 -R (router
# b sends), SECS seconds per rate, the first second left out.
#
#   bash bench/shaping.sh [SECS]        (root; default 4)
#
# Prints key=value lines: goodput_vnmd_R / goodput_tc_R in bit/s.
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/../tests/integration/link_env.bash"
SECS=${1:-4}
RATES="1000000 10000000 100000000 1000000000 10000000000"
[ "$(id -u)" = 0 ] || { echo "shaping: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "shaping: needs iperf3" >&2; exit 1; }
make -s -C "$ROOT" build/tools/linktool >/dev/null || exit 1

cfg() { # cfg LIMIT > file
	lt_cfg_open
	lt_cfg_underlay 1
	lt_cfg_vn vn-a vl-a - "<vnm:rate-limit>$1</vnm:rate-limit>" rm1 rm1
	lt_cfg_close
}
for r in $RATES; do cfg "$r" >"$LT_TMP/$r.xml"; done
FIRST=${RATES%% *}

lt_ns $LT_P-rm1
t_cleanup "'$LINKTOOL' '$LT_TMP/$FIRST.xml' teardown >/dev/null 2>&1"
lt "$LT_TMP/$FIRST.xml" setup || exit 1
read -r END_A END_B VNI TAP_A BR_A TAP_B BR_B < <(lt "$LT_TMP/$FIRST.xml" names vn-a vl-a)
lt_router $LT_P-r1 $LT_P-rm1 "$TAP_A" "$BR_A" 10.1.0.1/24
lt_router $LT_P-r2 $LT_P-rm1 "$TAP_B" "$BR_B" 10.1.0.2/24
ip netns exec $LT_P-r2 iperf3 -s -D -p 5302 --pidfile "$LT_TMP/iperf.pid" >/dev/null
t_cleanup "kill \$(cat '$LT_TMP/iperf.pid' 2>/dev/null) 2>/dev/null"
for i in $(seq 50); do
	ip netns exec $LT_P-r1 timeout 1 bash -c 'exec 3<>/dev/tcp/10.1.0.2/5302' 2>/dev/null && break
	sleep 0.1
done

# goodput in bit/s of one iperf3 run, seconds 2..SECS
run() {
	ip netns exec $LT_P-r1 iperf3 -c 10.1.0.2 -p 5302 -R -t "$SECS" -J >"$LT_TMP/run.json" 2>&1
	python3 -c "print('%.0f' % (float('$(lt_goodput "$LT_TMP/run.json" 2 "$SECS")') * 1e6))"
}

for r in $RATES; do
	lt "$LT_TMP/$r.xml" shape vn-a vl-a || exit 1
	echo "goodput_vnmd_$r=$(run)"
	echo "class_vnmd_$r=$(ip netns exec $LT_P-rm1 tc class show dev "$END_B" | grep -m1 -o 'rate.*' | tr ' ' _)"
done
# tc's defaults on the same end (router b's traffic leaves through END_B)
for r in $RATES; do
	tc -n $LT_P-rm1 qdisc del dev "$END_A" root 2>/dev/null
	tc -n $LT_P-rm1 qdisc replace dev "$END_B" root handle 1: htb default 1 || exit 1
	tc -n $LT_P-rm1 class add dev "$END_B" parent 1: classid 1:1 htb rate "${r}bit" || exit 1
	echo "goodput_tc_$r=$(run)"
	echo "class_tc_$r=$(ip netns exec $LT_P-rm1 tc class show dev "$END_B" | grep -m1 -o 'rate.*' | tr ' ' _)"
	tc -n $LT_P-rm1 qdisc del dev "$END_B" root
done
