#!/bin/bash
# link_change.sh - time of one live rate change of a VL: vnmd's link driver
# (vl_shape through libnl: the VL's HTB class changed in place at both ends
# of its physical link) against `tc class change` doing the same change
# (one tc run per end), measured in the same run on the same setup: the
# Figure 6 topology in namespaces vnmt-bench-rm1/2.
#
#   bash bench/link_change.sh [REPEATS]      (root; default 200)
#
# Also tc -batch (no fork/exec per change) as a second baseline.
# Prints the medians and the ratio driver/tc as "key=value" lines and one
# summary line.
set -u
REPEATS=${1:-200}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINKTOOL=$ROOT/build/tools/linktool
TMP=$(mktemp -d /tmp/vnmt-bench.XXXXXX)
R1=20000000
R2=25000000

cleanup() {
	"$LINKTOOL" "$TMP/cfg.xml" teardown >/dev/null 2>&1
	ip netns del vnmt-bench-rm1 2>/dev/null
	ip netns del vnmt-bench-rm2 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "link_change: needs root" >&2; exit 1; }
make -s -C "$ROOT" build/tools/linktool >/dev/null || exit 1

vn() {
	cat <<EOF
    <network>
      <network-id>$1</network-id>
      <network-types><vnm:virtual-network/></network-types>
      <supporting-network><network-ref>underlay</network-ref></supporting-network>
      <node><node-id>vr1</node-id>
        <supporting-node><network-ref>underlay</network-ref><node-ref>rm1</node-ref></supporting-node>
        <nt:termination-point><nt:tp-id>eth0</nt:tp-id></nt:termination-point>
        <vnm:router><vnm:image><vnm:kernel>/nonexistent</vnm:kernel></vnm:image></vnm:router></node>
      <node><node-id>vr2</node-id>
        <supporting-node><network-ref>underlay</network-ref><node-ref>rm2</node-ref></supporting-node>
        <nt:termination-point><nt:tp-id>eth0</nt:tp-id></nt:termination-point>
        <vnm:router><vnm:image><vnm:kernel>/nonexistent</vnm:kernel></vnm:image></vnm:router></node>
      <nt:link><nt:link-id>vl</nt:link-id>
        <nt:source><nt:source-node>vr1</nt:source-node><nt:source-tp>eth0</nt:source-tp></nt:source>
        <nt:destination><nt:dest-node>vr2</nt:dest-node><nt:dest-tp>eth0</nt:dest-tp></nt:destination>
        <nt:supporting-link><nt:network-ref>underlay</nt:network-ref><nt:link-ref>pl1</nt:link-ref></nt:supporting-link>
        <vnm:virtual-link/></nt:link>
    </network>
EOF
}
host() {
	cat <<EOF
      <node><node-id>rm$1</node-id>
        <vnm:host><vnm:tunnel-address>10.99.0.$1</vnm:tunnel-address><vnm:netns>vnmt-bench-rm$1</vnm:netns></vnm:host>
        <nt:termination-point><nt:tp-id>up</nt:tp-id><vnm:interface>vnmtb$1</vnm:interface></nt:termination-point></node>
EOF
}
cat >"$TMP/cfg.xml" <<EOF
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <networks xmlns="urn:ietf:params:xml:ns:yang:ietf-network"
            xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology"
            xmlns:vnm="urn:vnmd:yang:vnmd">
    <network>
      <network-id>underlay</network-id>
      <network-types><vnm:physical-network/></network-types>
$(host 1)
$(host 2)
      <nt:link><nt:link-id>pl1</nt:link-id>
        <nt:source><nt:source-node>rm1</nt:source-node><nt:source-tp>up</nt:source-tp></nt:source>
        <nt:destination><nt:dest-node>rm2</nt:dest-node><nt:dest-tp>up</nt:dest-tp></nt:destination>
        <vnm:physical-link><vnm:capacity>32000000</vnm:capacity></vnm:physical-link></nt:link>
    </network>
$(vn vn-a)
$(vn vn-b)
  </networks>
</config>
EOF

for i in 1 2; do ip netns del vnmt-bench-rm$i 2>/dev/null; ip netns add vnmt-bench-rm$i; done
ip -n vnmt-bench-rm1 link add vnmtb1 mtu 1600 type veth peer name vnmtb2 mtu 1600 netns vnmt-bench-rm2
ip -n vnmt-bench-rm1 link set vnmtb1 up
ip -n vnmt-bench-rm2 link set vnmtb2 up
"$LINKTOOL" "$TMP/cfg.xml" setup || exit 1

# driver: vl_shape alone, inside one process (what the daemon pays)
DRV=$("$LINKTOOL" "$TMP/cfg.xml" bench vn-a vl "$REPEATS" $R1 $R2) || exit 1
DRV_US=$(echo "$DRV" | sed -n 's/.*median_us=\([0-9.]*\).*/\1/p')

# tc: the same class change at both ends of the physical link (the VL's
# filter and class are in the child HTB of its VNI's bucket, the leaf of
# the bucket's class 766e:(100 + bucket))
VNI=$("$LINKTOOL" "$TMP/cfg.xml" names vn-a vl | awk '{print $3}')
GRP=$(ip netns exec vnmt-bench-rm1 tc class show dev vnmtb1 classid "766e:$(printf %x $((0x100 + (VNI & 255))))" |
	grep -o 'leaf [0-9a-f]*:' | cut -d' ' -f2)
read -r CLS1 < <(ip netns exec vnmt-bench-rm1 tc filter show dev vnmtb1 parent "$GRP" |
	awk -v vni="$(printf '%06x00/ffffff00' "$VNI")" \
	'/flowid/ {for (i = 1; i <= NF; i++) if ($i == "flowid" || $i == "*flowid") f = $(i + 1)} $0 ~ "match " vni {print f; exit}')
read -r CLS2 < <(ip netns exec vnmt-bench-rm2 tc filter show dev vnmtb2 parent "$GRP" |
	awk -v vni="$(printf '%06x00/ffffff00' "$VNI")" \
	'/flowid/ {for (i = 1; i <= NF; i++) if ($i == "flowid" || $i == "*flowid") f = $(i + 1)} $0 ~ "match " vni {print f; exit}')
[ -n "$CLS1" ] && [ -n "$CLS2" ] || { echo "link_change: the VL's classes were not found" >&2; exit 1; }
TC_US=$(python3 - "$REPEATS" "$CLS1" "$CLS2" $R1 $R2 <<'EOF'
import subprocess, sys, time
n, c1, c2, r1, r2 = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
t = []
for i in range(n):
    ceil = r2 if i % 2 else r1
    t0 = time.perf_counter()
    for ns, dev, cls in (("vnmt-bench-rm1", "vnmtb1", c1), ("vnmt-bench-rm2", "vnmtb2", c2)):
        subprocess.run(["tc", "-n", ns, "class", "change", "dev", dev, "parent", cls.split(":")[0] + ":1",
                        "classid", cls, "htb", "rate", "%dbit" % (ceil // 2), "ceil", "%dbit" % ceil,
                        "burst", "3125b", "cburst", "3125b", "quantum", "1514"], check=True)
    t.append(time.perf_counter() - t0)
t.sort()
# the same changes with one tc process per end (tc -batch): the kernel's
# share without fork/exec, per change
lines = {"vnmtb1": [], "vnmtb2": []}
for i in range(n):
    ceil = r2 if i % 2 else r1
    for dev, cls in (("vnmtb1", c1), ("vnmtb2", c2)):
        lines[dev].append("class change dev %s parent %s:1 classid %s htb rate %dbit ceil %dbit "
                          "burst 3125b cburst 3125b quantum 1514"
                          % (dev, cls.split(":")[0], cls, ceil // 2, ceil))
t0 = time.perf_counter()
for ns, dev in (("vnmt-bench-rm1", "vnmtb1"), ("vnmt-bench-rm2", "vnmtb2")):
    subprocess.run(["tc", "-n", ns, "-batch", "-"], input="\n".join(lines[dev]) + "\n",
                   text=True, check=True)
batch = (time.perf_counter() - t0) / n
print("%.1f %.1f" % (t[n // 2] * 1e6, batch * 1e6))
EOF
) || exit 1
read -r TC_US TCB_US <<<"$TC_US"
RATIO=$(python3 -c "print('%.3f' % ($DRV_US / $TC_US))")
RATIOB=$(python3 -c "print('%.2f' % ($DRV_US / $TCB_US))")
echo "driver_median_us=$DRV_US"
echo "tc_median_us=$TC_US"
echo "tc_batch_mean_us=$TCB_US"
echo "ratio_driver_over_tc=$RATIO"
echo "ratio_driver_over_tc_batch=$RATIOB"
echo "link_change: one VL rate change (both ends of its physical link), $REPEATS repeats: vnmd link driver median ${DRV_US} us; tc class change median ${TC_US} us (ratio ${RATIO}); tc -batch mean ${TCB_US} us (ratio ${RATIOB})"
