#!/usr/bin/env bash
# vr_migrate_qemu.sh - live migration of a router between two RMs, driven
# by one NETCONF edit of its supporting-node (issue 17):
#
# Two RMs emulated on this machine: network namespaces vnmt-vm-rm1 and
# vnmt-vm-rm2 joined by a veth pair (the physical link pl12, 10.77.0.1 and
# .2), each with its own root libvirtd running inside the RM's namespace
# and a private mount namespace (/run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt, /etc/libvirt, /var/log/libvirt bound to the test's
# directory, its own host UUID, its socket in the test's directory, QEMU
# migration on the underlay address).  The machine's libvirtd is never
# touched.  One vnmd (no --host) realises both RMs; with VNMT_MIGRATE_MULTI=1
# (vr_migrate_multi_qemu.sh) each RM has its own vnmd (--host) and the edits
# go to a coordinator: in one network-wide transaction the source RM's vnmd
# migrates the router while the destination's waits for it in its own
# commit, plugging its taps as they appear, and adopts it.
#
# QEMU routers r1 (rm1) and r2 (rm2) joined by VL l12 (VXLAN over pl12,
# guaranteed 10 Mbit/s, limit 20 Mbit/s); a client namespace behind r2's
# eth1 pings r1 every 10 ms across l12 while
#   1. one edit moves r1 to rm2 (l12 becomes a same-host VL): r1 migrates
#      live (same boot), fewer than 1 s of pings lost, l12's VXLAN ends and
#      its HTB classes on pl12 gone, its veth pair and classes on rm2;
#   2. one edit moves it back: the same, the other way;
#   3. a move onto a host of another domain type is refused naming the
#      router and both hosts: r1 still runs on rm1, nothing changed.
# Everything (domains, daemons, namespaces, files) is removed on exit
# (VNMT_KEEP=1 keeps the files; VNMT_LVLEVEL=1 VNMT_LVFILTERS="1:qemu 4:*"
# give the libvirtds' debug logs).
cd "$(dirname "$0")/../.."
. tests/lib.sh

P=vnmt-vm
MULTI=${VNMT_MIGRATE_MULTI:-0}
VN=vnmt-mig
VNMD=${VNMD_BIN:-$PWD/build/vnmd}
[ "$(id -u)" = 0 ] || t_skip_all "needs root (namespaces, root libvirtds)"
for c in libvirtd qemu-system-x86_64 unshare virsh tc; do
	command -v $c >/dev/null || t_skip_all "$c is not installed (make deps)"
done
[ -x "$VNMD" ] || make -s build/vnmd >/dev/null 2>&1 || { echo "FAIL - cannot build vnmd"; exit 1; }

D=$(mktemp -d /tmp/vnmt-vrmig.XXXXXX)
chmod 755 "$D"
t_cleanup "[ -n \"\${VNMT_KEEP:-}\" ] || rm -rf $D"
mkdir -p "$D/img" "$D/log" "$D/state"
VNMD_IMAGE_DIR=$D/img bash image/build.sh >/dev/null || { echo "FAIL - image/build.sh"; exit 1; }

declare -A URI
for h in rm1 rm2; do URI[$h]="qemu+unix:///system?socket=$D/$h/sock/libvirt-sock"; done
D1=vnmd-$VN-r1
D2=vnmd-$VN-r2
LOG1=$D/log/$D1.log
ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
wait_for() {
	local t=$1 i; shift
	for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}
vsh() { virsh -c "${URI[$1]}" "${@:2}" 2>/dev/null; }

# Cleanup, last registered first: vnmd, the domains (their QEMUs outlive a
# killed libvirtd: by pid file if libvirt cannot), the libvirtds, the
# namespaces.
for h in rm1 rm2; do
	t_cleanup "ip netns del $P-$h"
	t_cleanup "[ -f $D/$h/libvirtd.pid ] && kill \$(cat $D/$h/libvirtd.pid); sleep 0.5"
	t_cleanup "for f in $D/$h/run/qemu/*.pid; do [ -f \"\$f\" ] && kill \$(cat \"\$f\"); done"
	t_cleanup "for d in $D1 $D2; do virsh -c '${URI[$h]}' destroy \$d; virsh -c '${URI[$h]}' undefine \$d; done"
done
t_cleanup "ip netns del $P-cl"

# nofds CMD...: without the test lock's descriptor (a daemon would keep it).
nofds() {
	local fd
	for fd in /proc/$BASHPID/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done
	exec "$@"
}

# lv_start RM ADDR DIGIT: a root libvirtd inside RM's namespace, with its
# own state directories, config, socket and host UUID.
lv_start() {
	local h=$D/$1
	mkdir -p "$h"/{run,lib,cache,etc,log,sock}
	# the mount points (a machine whose own libvirtd never ran has no /run/libvirt)
	mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /etc/libvirt /var/log/libvirt
	cat >"$h/etc/libvirtd.conf" <<EOF
unix_sock_dir = "$h/sock"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "0000000$3-7e57-4000-8000-00000000000$3"
log_filters = "${VNMT_LVFILTERS:-}"
log_outputs = "${VNMT_LVLEVEL:-3}:file:$h/libvirtd.log"
EOF
	# QEMU as root without cgroups, namespaces or virtlogd (this machine
	# has no systemd); incoming migrations on the RM's underlay address
	cat >"$h/etc/qemu.conf" <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migration_host = "$2"
migration_address = "$2"
EOF
	(nofds ip netns exec $P-$1 unshare -m --propagation private sh -c "
		mount --bind $h/run /run/libvirt &&
		mount --bind $h/lib /var/lib/libvirt &&
		mount --bind $h/cache /var/cache/libvirt &&
		mount --bind $h/etc /etc/libvirt &&
		mount --bind $h/log /var/log/libvirt &&
		exec libvirtd --pid-file $h/libvirtd.pid" >"$h/out" 2>&1 &)
	wait_for 20 virsh -c "${URI[$1]}" uri
}

# The RMs and their physical link; a client namespace for the pings.
for h in rm1 rm2 cl; do
	ip netns del $P-$h 2>/dev/null
	ip netns add $P-$h
	ip -n $P-$h link set lo up
done
ip link add vnmtm1 netns $P-rm1 mtu 1600 type veth peer name vnmtm2 netns $P-rm2 mtu 1600
ip -n $P-rm1 addr add 10.77.0.1/24 dev vnmtm1
ip -n $P-rm2 addr add 10.77.0.2/24 dev vnmtm2
ip -n $P-rm1 link set vnmtm1 up
ip -n $P-rm2 link set vnmtm2 up

lv_start rm1 10.77.0.1 1 && lv_start rm2 10.77.0.2 2 ||
	t_skip_all "root libvirtds in namespaces cannot run here: $(tail -3 $D/rm*/out $D/rm*/libvirtd.log 2>/dev/null | tr '\n' ' ')"

# One vnmd for both RMs; its default URI is rm1's (it touches no other).
# MULTI: the RMs' own vnmds first (each defaulting to its RM's libvirtd),
# then the coordinator, which may reach their sockets only.
PIDS=
PEERS=()
if [ "$MULTI" = 1 ]; then
	for h in rm1 rm2; do
		VNMD_LOG_DIR=$D/log nofds "$VNMD" -f -H $h -s "$D/state-$h" -u "$D/$h.sock" \
			-U "${URI[$h]}" -A "${URI[rm1]}" -A "${URI[rm2]}" -L debug >"$D/vnmd-$h.log" 2>&1 &
		PIDS="$PIDS $!"
		t_cleanup "kill $!; wait $!"
		PEERS+=(--allow-peer "unix:$D/$h.sock")
		wait_for 20 test -S "$D/$h.sock" || { echo "FAIL - $h's vnmd did not start"; exit 1; }
	done
fi
VNMD_LOG_DIR=$D/log nofds "$VNMD" -f -s "$D/state" -u "$D/vnmd.sock" -U "${URI[rm1]}" \
	-A "${URI[rm1]}" -A "${URI[rm2]}" "${PEERS[@]}" -L debug >"$D/vnmd.log" 2>&1 &
VNMD_PID=$!
PIDS="$PIDS $VNMD_PID"
t_cleanup "kill $VNMD_PID; wait $VNMD_PID"
wait_for 20 test -S "$D/vnmd.sock" || { echo "FAIL - vnmd did not start"; tail "$D/vnmd.log"; exit 1; }

# nc XML: one edit-config of running; prints the errors, fails on them.
nc() {
	ROOT=$PWD /usr/bin/python3 - "$D/vnmd.sock" "$1" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ROOT"], "tests", "integration"))
from ncclient_util import RawClient, errors, is_ok
c = RawClient(sys.argv[1])
r = c.rpc("<edit-config><target><running/></target>%s</edit-config>" % sys.argv[2])
c.close()
if not is_ok(r):
    print(errors(r))
    sys.exit(1)
PY
}
NS='xmlns="urn:ietf:params:xml:ns:yang:ietf-network" xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology" xmlns:vnm="urn:vnmd:yang:vnmd" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"'
cfg() { echo "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><networks $NS>$1</networks></config>"; }
host() { # NAME IF ADDR
	echo "<node><node-id>$1</node-id><vnm:host><vnm:libvirt-uri>${URI[$1]//&/&amp;}</vnm:libvirt-uri>
<vnm:domain-type>qemu</vnm:domain-type><vnm:tunnel-address>$3</vnm:tunnel-address><vnm:netns>$P-$1</vnm:netns>
$([ "$MULTI" = 1 ] && echo "<vnm:management><vnm:address>unix:$D/$1.sock</vnm:address></vnm:management>")</vnm:host>
<nt:termination-point><nt:tp-id>$2</nt:tp-id></nt:termination-point></node>"
}
tp() { echo "<nt:termination-point><nt:tp-id>$1</nt:tp-id>${2:+<vnm:vnic><vnm:mac-address>$2</vnm:mac-address></vnm:vnic>}</nt:termination-point>"; }
router() { # NAME HOST CMDLINE TPS
	echo "<node><node-id>$1</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>$2</node-ref></supporting-node>
$4<vnm:router><vnm:memory>128</vnm:memory><vnm:image><vnm:kernel>$D/img/vmlinuz</vnm:kernel>
<vnm:initrd>$D/img/router.cpio.gz</vnm:initrd><vnm:cmdline>console=ttyS0 $3</vnm:cmdline></vnm:image></vnm:router></node>"
}
SL='<nt:supporting-link><nt:network-ref>underlay</nt:network-ref><nt:link-ref>pl12</nt:link-ref></nt:supporting-link>'
CMAC=52:54:00:94:00:01
nc "$(cfg "<network><network-id>underlay</network-id><network-types><vnm:physical-network/></network-types>
$(host rm1 vnmtm1 10.77.0.1)$(host rm2 vnmtm2 10.77.0.2)
<nt:link><nt:link-id>pl12</nt:link-id><nt:source><nt:source-node>rm1</nt:source-node><nt:source-tp>vnmtm1</nt:source-tp></nt:source>
<nt:destination><nt:dest-node>rm2</nt:dest-node><nt:dest-tp>vnmtm2</nt:dest-tp></nt:destination>
<vnm:physical-link><vnm:capacity>100000000</vnm:capacity></vnm:physical-link></nt:link></network>
<network><network-id>$VN</network-id><network-types><vnm:virtual-network/></network-types>
<supporting-network><network-ref>underlay</network-ref></supporting-network>
$(router r1 rm1 "vnm.addr=eth0:10.93.0.1/24 vnm.route=10.94.0.0/24:10.93.0.2" "$(tp eth0)")
$(router r2 rm2 "vnm.addr=eth0:10.93.0.2/24,eth1:10.94.0.1/24" "$(tp eth0)$(tp eth1 $CMAC)")
<nt:link><nt:link-id>l12</nt:link-id><nt:source><nt:source-node>r1</nt:source-node><nt:source-tp>eth0</nt:source-tp></nt:source>
<nt:destination><nt:dest-node>r2</nt:dest-node><nt:dest-tp>eth0</nt:dest-tp></nt:destination>$SL
<vnm:virtual-link><vnm:guaranteed-rate>10000000</vnm:guaranteed-rate><vnm:rate-limit>20000000</vnm:rate-limit></vnm:virtual-link></nt:link>
</network>")" >"$D/nc0.out"
t_ok "NETCONF: two QEMU routers on two RMs (two libvirtds) and their VL" test $? = 0
[ -s "$D/nc0.out" ] && { cat "$D/nc0.out"; t_done; exit 1; }
t_ok "r1 boots on rm1" wait_for 90 grep -q "vnmd-router ready" "$LOG1"
t_ok "r2 boots on rm2" wait_for 60 grep -q "vnmd-router ready" "$D/log/$D2.log"
[ $T_FAIL = 0 ] || { t_done; exit 1; }
t_check "r1 is rm1's domain" "$(vsh rm1 domstate $D1 | head -1)" running
t_check "r2 is rm2's domain" "$(vsh rm2 domstate $D2 | head -1)" running

# The client behind r2's eth1: a veth into that vNIC's port bridge on rm2.
tap=$(ip -n $P-rm2 -o link | sed -n "s/^[0-9]*: \(vnt[0-9a-f]*\)[@:].*link\/ether fe:54:00:94:00:01.*/\1/p")
br=vnb${tap#vnt}
t_ok "r2's eth1 tap ($tap) is in its port bridge on rm2" \
	sh -c "ip -n $P-rm2 -o link show dev '$tap' | grep -q 'master $br'"
ip -n $P-rm2 link add vnmtmc type veth peer name eth0 netns $P-cl
ip -n $P-rm2 link set vnmtmc master "$br" up
ip -n $P-cl addr add 10.94.0.2/24 dev eth0
ip -n $P-cl link set eth0 up
ip -n $P-cl route add 10.93.0.0/24 via 10.94.0.1
t_ok "the client reaches r1 across r2 and l12" wait_for 60 ns $P-cl busybox ping -c 1 -W 1 10.93.0.1

vx_ends() { ip -n $P-$1 -o link show type vxlan 2>/dev/null | grep -c ': vnx' || true; }
veth_ends() { ip -n $P-$1 -o link show type veth 2>/dev/null | grep -c ': vnv' || true; }
# HTB classes of l12 on pl12's end in RM: the class with its guarantee
# (VL classes sit in the child HTB of their VNI's bucket: X:minor under
# X:1, X not vnmd's root 766e)
vl_class_on_pl() { tc -n $P-$1 class show dev vnmtm${1#rm} 2>/dev/null | grep -E '^class htb ([0-9a-f]+):[0-9a-f]+ parent \1:1 .*rate 10Mbit' | grep -vc '^class htb 766e:' || true; }
# classes of a same-host VL: on its veth ends, at its limit
vl_class_local() {
	local e n=0
	for e in $(ip -n $P-$1 -o link show type veth | sed -n 's/^[0-9]*: \(vnv[0-9a-f]*[ab]\)@.*/\1/p'); do
		tc -n $P-$1 class show dev "$e" | grep -q 'ceil 20Mbit' && n=$((n + 1))
	done
	echo $n
}
t_check "before: l12's VXLAN end on rm1" "$(vx_ends rm1)" 1
t_check "before: l12's VXLAN end on rm2" "$(vx_ends rm2)" 1
t_check "before: l12's class on pl12 at rm1" "$(vl_class_on_pl rm1)" 1
t_check "before: l12's class on pl12 at rm2" "$(vl_class_on_pl rm2)" 1

# move FROM TO XML: the edit while the client pings r1 every 10 ms; sets
# LOST (pings without answer), SENT and SECS (the edit's duration).
move() {
	local t0 t1 out
	# ip netns exec execs ping: $! is ping itself, which prints its
	# figures on SIGINT
	ip netns exec $P-cl busybox ping -i 0.01 10.93.0.1 >"$D/ping.out" 2>&1 &
	local pp=$!
	sleep 0.5
	t0=$(date +%s.%N)
	nc "$1" >"$D/nc.out"
	MOVED=$?
	t1=$(date +%s.%N)
	sleep 0.5
	kill -INT $pp; wait $pp
	out=$(grep 'packets transmitted' "$D/ping.out")
	SENT=$(echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
	LOST=$((SENT - $(echo "$out" | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')))
	SECS=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
	[ -s "$D/nc.out" ] && cat "$D/nc.out"
	return $MOVED
}
r1_to() { # HOST FROM [extra]: r1's supporting-node FROM -> HOST, l12's path
	cfg "<network><network-id>$VN</network-id><node><node-id>r1</node-id>
<supporting-node nc:operation=\"delete\"><network-ref>underlay</network-ref><node-ref>$2</node-ref></supporting-node>
<supporting-node><network-ref>underlay</network-ref><node-ref>$1</node-ref></supporting-node></node>
<nt:link><nt:link-id>l12</nt:link-id>$([ "$1" = rm1 ] && echo "$SL" || echo "${SL/<nt:supporting-link>/<nt:supporting-link nc:operation=\"delete\">}")</nt:link></network>$3"
}
booted=$(grep -c 'vnmd-router ready' "$LOG1")
# Under 1 s of pings lost, with one vnmd as with one per RM: the taps are
# plugged into the destination's port bridges while the migration runs
# (one vnmd per RM: by the destination's vnmd, which waits for the router
# in its commit while the source's migrates it).
MAXLOST=100

# The TCG guest's own kernel crashing right after it arrived (a fault of
# QEMU's TCG under live migration, see tests/README.md; never seen without
# a migration) is named from its serial log and ends the run: what would
# follow only waits on a dead router.  vr_migrate_multi_qemu.sh runs the
# scenario again then.
panic_stop() {
	local p
	p=$(grep -a -m1 "Kernel panic" "$LOG1" 2>/dev/null)
	[ -n "$p" ] || return 0
	echo "# guest-panic: $p"
	t_done
	exit 1
}

# 1. rm1 -> rm2
move "$(r1_to rm2 rm1)"
t_check "NETCONF: one edit moves r1 to rm2" "$MOVED" 0
echo "# rm1 -> rm2: edit took ${SECS}s, $LOST of $SENT pings lost (10 ms apart)"
panic_stop
t_check "r1 runs on rm2" "$(vsh rm2 domstate $D1 | head -1)" running
t_ok "r1 left rm1" sh -c "! virsh -c '${URI[rm1]}' dominfo $D1 >/dev/null 2>&1"
t_check "r1 did not reboot (one boot in its log)" "$(grep -c 'vnmd-router ready' "$LOG1")" "$booted"
t_ok "fewer than $MAXLOST pings lost ($LOST x 10 ms)" test "$LOST" -lt $MAXLOST
t_ok "the pings went on through the move ($SENT sent)" test "$SENT" -gt 100
t_ok "the client still reaches r1" ns $P-cl busybox ping -c 2 -W 2 10.93.0.1
t_check "after: no VXLAN end on rm1" "$(vx_ends rm1)" 0
t_check "after: no VXLAN end on rm2" "$(vx_ends rm2)" 0
t_check "after: l12's veth pair on rm2" "$(veth_ends rm2)" 2
t_check "after: l12's class gone from pl12 at rm1" "$(vl_class_on_pl rm1)" 0
t_check "after: l12's class gone from pl12 at rm2" "$(vl_class_on_pl rm2)" 0
t_check "after: l12 shaped at its limit on both veth ends" "$(vl_class_local rm2)" 2
tap1=$(vsh rm2 domiflist $D1 | awk '$1 ~ /^vnt/ { print $1 }')
t_ok "r1's tap ($tap1) is in its port bridge on rm2" \
	sh -c "ip -n $P-rm2 -o link show dev '$tap1' | grep -q 'master vnb${tap1#vnt}'"
t_check "rm1 keeps no port bridge of r1" "$(ip -n $P-rm1 -o link show type bridge | grep -c ': vnb' || true)" 0

# 2. and back
move "$(r1_to rm1 rm2)"
cp "$LOG1" "$D/r1-serial.log" 2>/dev/null
t_check "NETCONF: one edit moves r1 back to rm1" "$MOVED" 0
echo "# rm2 -> rm1: edit took ${SECS}s, $LOST of $SENT pings lost"
panic_stop
t_check "r1 runs on rm1 again" "$(vsh rm1 domstate $D1 | head -1)" running
[ "$(vsh rm1 domstate $D1 | head -1)" = running ] ||
	{ echo "# r1's serial log:"; tail -25 "$D/r1-serial.log" | sed 's/^/#   /'; }
t_ok "r1 left rm2" sh -c "! virsh -c '${URI[rm2]}' dominfo $D1 >/dev/null 2>&1"
t_check "r1 still did not reboot" "$(grep -c 'vnmd-router ready' "$LOG1")" "$booted"
t_ok "fewer than $MAXLOST pings lost ($LOST x 10 ms)" test "$LOST" -lt $MAXLOST
t_check "l12's VXLAN ends are back (rm1)" "$(vx_ends rm1)" 1
t_check "l12's VXLAN ends are back (rm2)" "$(vx_ends rm2)" 1
t_check "no veth pair left on rm2" "$(veth_ends rm2)" 0
t_check "l12's class is back on pl12 at rm1" "$(vl_class_on_pl rm1)" 1
t_check "l12's class is back on pl12 at rm2" "$(vl_class_on_pl rm2)" 1

# 3. refused: rm2 would run kvm domains, r1 is a qemu one
id=$(vsh rm1 domid $D1 | head -1)
rout=$(nc "$(r1_to rm2 rm1 "<network><network-id>underlay</network-id><node><node-id>rm2</node-id><vnm:host><vnm:domain-type>kvm</vnm:domain-type></vnm:host></node></network>")")
t_ok "a move onto a host of another domain type is refused" test $? != 0
echo "# refusal: $rout"
has() { grep -q -- "$1" <<<"$rout"; }
t_ok "the error names the router and both hosts" \
	eval 'has "router r1" && has "host rm1 to host rm2" && has "domain types differ"' 
t_check "r1 still runs on rm1, same domain" "$(vsh rm1 domid $D1 | head -1)" "$id"
t_check "r2 untouched (kvm not applied)" "$(vsh rm2 dumpxml $D2 | grep -c "domain type='qemu'")" 1
t_check "l12 untouched" "$(vx_ends rm1)$(vx_ends rm2)$(vl_class_on_pl rm1)" 111
t_ok "the client still reaches r1" ns $P-cl busybox ping -c 2 -W 2 10.93.0.1

t_ok "NETCONF: remove the network" nc "$(cfg "<network nc:operation=\"delete\"><network-id>$VN</network-id></network>")"
t_ok "both domains are gone" sh -c "! virsh -c '${URI[rm1]}' dominfo $D1 && ! virsh -c '${URI[rm2]}' dominfo $D2" 
t_ok "no vnmd exited" sh -c "kill -0 $PIDS"
# (a crash later than the checks after each move)
p=$(cat "$LOG1" "$D/r1-serial.log" 2>/dev/null | grep -a -m1 "Kernel panic")
[ -n "$p" ] && echo "# guest-panic: $p"
if [ "$MULTI" = 1 ]; then
	t_check "the coordinator confirmed 4 network-wide transactions on both RMs" \
		"$(grep -c 'confirmed commit on 2 participant' "$D/vnmd.log")" 4
	t_check "rm2's vnmd waited for r1 and adopted it as it arrived" \
		"$(grep -c 'router vnmt-mig/r1 arrived live from host rm1' "$D/vnmd-rm2.log")" 1
	t_check "rm1's vnmd did the same when it came back" \
		"$(grep -c 'router vnmt-mig/r1 arrived live from host rm2' "$D/vnmd-rm1.log")" 1
fi
t_done
