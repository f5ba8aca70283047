# link_env.bash - shared by the link driver's integration suites (sourced,
# not a suite: run.sh only runs *.sh).
#
# RMs are network namespaces $LT_P-rm1/$LT_P-rm2 (the hosts' `netns`), the
# physical link a veth pair vnmtp1/vnmtp2 between them, and every VR a
# namespace of its own whose eth0 is a veth: its other end, named like the
# domain's tap, sits in the RM namespace and is plugged into the vNIC's
# port bridge, as libvirt would plug the tap.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Namespaces of one suite: vnmt-<suite>-rm1, -r1, ... (other suites and
# other tests on the machine use other names)
LT_P=vnmt-$(basename "$0" .sh | tr _ -)
# VNMT_LINKTOOL: another build of linktool (e.g. with ASan) to run the suites with
LINKTOOL=${VNMT_LINKTOOL:-$ROOT/build/tools/linktool}
LT_TMP=$(mktemp -d /tmp/vnmt-link.XXXXXX)
t_cleanup "rm -rf '$LT_TMP'"

lt_require() {
	[ "$(id -u)" = 0 ] || t_skip_all "needs root (network namespaces)"
	command -v iperf3 >/dev/null || t_skip_all "needs iperf3"
	[ -n "${VNMT_LINKTOOL:-}" ] && return 0
	# others may be building at the same time: a failed make with a
	# binary in place is only a note
	if ! make -s -C "$ROOT" build/tools/linktool >"$LT_TMP/make.log" 2>&1; then
		[ -x "$LINKTOOL" ] || { echo "FAIL - cannot build linktool"; tail -5 "$LT_TMP/make.log"; exit 1; }
		echo "# make build/tools/linktool failed (concurrent build?): using the existing binary"
	fi
}

# lt_ns NAME: a fresh namespace, removed at exit; IPv6 off so that nothing
# but the test's own traffic crosses the links.
lt_ns() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1"
	t_cleanup "ip netns del '$1'"
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# lt_router NS RMNS TAP BRIDGE ADDR: a VR stand-in plugged into its port
# bridge; with VNMT_DATAPATH=shared and no such bridge (a cross-host VL's
# vNIC has none there), only made: `lt CONFIG plug VN VL` plugs it.
lt_router() {
	lt_ns "$1"
	ip -n "$2" link add "$3" type veth peer name eth0 netns "$1"
	if [ "${VNMT_DATAPATH:-}" = shared ] && ! ip -n "$2" link show "$4" >/dev/null 2>&1; then
		:
	else
		ip -n "$2" link set "$3" master "$4" up
	fi
	ip -n "$1" addr add "$5" dev eth0
	ip -n "$1" link set eth0 up
}

# lt_goodput JSON [FROM TO]: mean receiver goodput in Mbit/s over the
# intervals FROM..TO (1-based, inclusive) of an iperf3 -R -J result.
lt_goodput() {
	python3 - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
iv = [i["sum"] for i in d.get("intervals", [])]
a = int(sys.argv[2]) if len(sys.argv) > 2 else 1
b = int(sys.argv[3]) if len(sys.argv) > 3 else len(iv)
sel = iv[a - 1:b]
if not sel:
    print("0.0"); sys.exit(0)
print("%.3f" % (sum(i["bytes"] for i in sel) * 8 / sum(i["seconds"] for i in sel) / 1e6))
EOF
}

# lt_goodput_median JSON FROM TO: median of the per-second receiver
# goodputs (Mbit/s) over intervals FROM..TO: one TCP hiccup (a loss and
# its recovery) inside a phase does not decide the phase.
lt_goodput_median() {
	python3 - "$@" <<'EOF'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
iv = [i["sum"] for i in d.get("intervals", [])][int(sys.argv[2]) - 1:int(sys.argv[3])]
print("%.3f" % (statistics.median(i["bytes"] * 8 / i["seconds"] / 1e6 for i in iv) if iv else 0.0))
EOF
}

# lt_intervals JSON: number of intervals and whether any was empty.
lt_intervals() {
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
iv = [i["sum"]["bytes"] for i in d.get("intervals", [])]
print(len(iv), sum(1 for b in iv if b == 0), "error" in d)
EOF
}

# lt_within ACTUAL EXPECTED PERCENT: exit 0 when |a-e| <= p% of e.
lt_within() {
	python3 -c "import sys; a,e,p=map(float,sys.argv[1:4]); sys.exit(0 if abs(a-e) <= e*p/100 else 1)" "$@"
}

# lt_cmp A OP B (floats), e.g. lt_cmp 28.4 '>=' 28
lt_cmp() {
	python3 -c "import sys; a=float(sys.argv[1]); b=float(sys.argv[3]); sys.exit(0 if eval('a %s b' % sys.argv[2]) else 1)" "$@"
}

# The kernel log from a mark on (the ring buffer rotates: counting all of
# it would miss new lines).  lt_dmesg_mark prints the last timestamp;
# lt_dmesg_since MARK REGEX counts the matching lines logged after it.
lt_dmesg_mark() { dmesg 2>/dev/null | tail -1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' | grep . || echo 0; }
lt_dmesg_since() {
	dmesg 2>/dev/null | awk -v m="$1" -v re="$2" '
		{ t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t) }
		t + 0 > m + 0 && $0 ~ re { n++ } END { print n + 0 }'
}
# lt ARGS: linktool, its stderr also kept in $LT_TMP/driver.log, where the
# driver logs what the kernel said about accepted requests (extended ack),
# e.g. "quantum of class ... is big" (this kernel reports that to the
# sender, not to dmesg).
lt() {
	local rc
	"$LINKTOOL" "$@" 2>"$LT_TMP/lt.err"
	rc=$?
	cat "$LT_TMP/lt.err" >>"$LT_TMP/driver.log"
	cat "$LT_TMP/lt.err" >&2
	return $rc
}
lt_kernel_warnings() { grep -c "the kernel warns" "$LT_TMP/driver.log" 2>/dev/null || true; }

lt_quantum_warnings() { lt_dmesg_since "$1" "quantum of class .* is big"; }

# vnmd's classes on a physical interface (drivers/link/link_int.h): the
# VL classes sit in the child HTB X: of their VNI's bucket b under its
# capacity class X:1; the bucket's class is 766e:(100+b), "leaf X:".
# lt_vl_classes NS DEV: the VL classes' lines of `tc class show`.
lt_vl_classes() {
	ip netns exec "$1" tc class show dev "$2" | grep -E '^class htb ([0-9a-f]+):[0-9a-f]+ parent \1:1 ' |
		grep -v '^class htb 766e:'
}
# lt_bucket_child NS DEV VNI: the handle of VNI's bucket's child HTB (X:)
lt_bucket_child() {
	ip netns exec "$1" tc class show dev "$2" classid "766e:$(printf %x $((0x100 + ($3 & 255))))" |
		grep -o 'leaf [0-9a-f]*:' | cut -d' ' -f2
}
# lt_bucket_rate NS DEV VNI: the rate of the class of VNI's bucket
lt_bucket_rate() {
	ip netns exec "$1" tc class show dev "$2" classid "766e:$(printf %x $((0x100 + ($3 & 255))))" |
		grep -o 'rate [^ ]*' | head -1
}

# Configuration: lt_cfg_header, hosts, then networks.  Each writer prints XML.
lt_cfg_open() {
	cat <<'EOF'
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <networks xmlns="urn:ietf:params:xml:ns:yang:ietf-network"
            xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology"
            xmlns:vnm="urn:vnmd:yang:vnmd">
EOF
}
lt_cfg_close() { echo "  </networks>"; echo "</config>"; }

# lt_cfg_vr ID HOST
lt_cfg_vr() {
	cat <<EOF
      <node>
        <node-id>$1</node-id>
        <supporting-node><network-ref>underlay</network-ref><node-ref>$2</node-ref></supporting-node>
        <nt:termination-point><nt:tp-id>eth0</nt:tp-id></nt:termination-point>
        <vnm:router><vnm:image><vnm:kernel>/nonexistent/vmlinuz</vnm:kernel></vnm:image></vnm:router>
      </node>
EOF
}

# lt_cfg_vn VN VL PLINK|- EXTRA-XML (inside virtual-link) HOST1 HOST2
lt_cfg_vn() {
	local sup=""
	[ "$3" != "-" ] && sup="<nt:supporting-link><nt:network-ref>underlay</nt:network-ref><nt:link-ref>$3</nt:link-ref></nt:supporting-link>"
	cat <<EOF
    <network>
      <network-id>$1</network-id>
      <network-types><vnm:virtual-network/></network-types>
      <supporting-network><network-ref>underlay</network-ref></supporting-network>
$(lt_cfg_vr vr1 "$5")
$(lt_cfg_vr vr2 "$6")
      <nt:link>
        <nt:link-id>$2</nt:link-id>
        <nt:source><nt:source-node>vr1</nt:source-node><nt:source-tp>eth0</nt:source-tp></nt:source>
        <nt:destination><nt:dest-node>vr2</nt:dest-node><nt:dest-tp>eth0</nt:dest-tp></nt:destination>
        $sup
        <vnm:virtual-link>$4</vnm:virtual-link>
      </nt:link>
    </network>
EOF
}

# lt_cfg_underlay N-HOSTS [CAPACITY]: rm1 (and rm2 with a physical link pl1).
lt_cfg_underlay() {
	echo "    <network>"
	echo "      <network-id>underlay</network-id>"
	echo "      <network-types><vnm:physical-network/></network-types>"
	local i
	for i in $(seq 1 "$1"); do
		cat <<EOF
      <node>
        <node-id>rm$i</node-id>
        <vnm:host>
          <vnm:libvirt-uri>test:///default</vnm:libvirt-uri>
          <vnm:tunnel-address>10.99.0.$i</vnm:tunnel-address>
          <vnm:netns>$LT_P-rm$i</vnm:netns>
        </vnm:host>
        <nt:termination-point><nt:tp-id>up</nt:tp-id><vnm:interface>vnmtp$i</vnm:interface></nt:termination-point>
      </node>
EOF
	done
	if [ "$1" -ge 2 ]; then
		cat <<EOF
      <nt:link>
        <nt:link-id>pl1</nt:link-id>
        <nt:source><nt:source-node>rm1</nt:source-node><nt:source-tp>up</nt:source-tp></nt:source>
        <nt:destination><nt:dest-node>rm2</nt:dest-node><nt:dest-tp>up</nt:dest-tp></nt:destination>
        <vnm:physical-link><vnm:capacity>${2:-32000000}</vnm:capacity></vnm:physical-link>
      </nt:link>
EOF
	fi
	echo "    </network>"
}

# lt_two_rms: namespaces $LT_P-rm1/2 joined by the physical link vnmtp1/2
# (MTU 1600: VL frames of 1500 plus VXLAN's 50 fit unfragmented).
lt_two_rms() {
	lt_ns $LT_P-rm1
	lt_ns $LT_P-rm2
	ip -n $LT_P-rm1 link add vnmtp1 mtu 1600 type veth peer name vnmtp2 mtu 1600 netns $LT_P-rm2
	ip -n $LT_P-rm1 addr add 10.99.0.1/24 dev vnmtp1
	ip -n $LT_P-rm2 addr add 10.99.0.2/24 dev vnmtp2
	ip -n $LT_P-rm1 link set vnmtp1 up
	ip -n $LT_P-rm2 link set vnmtp2 up
}
