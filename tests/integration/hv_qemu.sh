#!/usr/bin/env bash
# hv_qemu.sh - the libvirt driver against a real libvirtd (qemu:///system)
# with the router guest of `make image`:
#   define + start -> the guest's serial log shows its ready line;
#   traffic crosses the VR between two network namespaces, IPv4 and IPv6
#   side by side (addresses and static routes of both families from the
#   kernel command line);
#   pause -> no forwarding; resume -> forwarding, same domain id, no reboot;
#   hot-plug a vNIC -> the guest brings up a new interface that answers ping;
#   memory: lower is applied live (balloon), above the maximum at next start;
#   lifecycle events from libvirtd reach the driver (paused by the host);
#   adoption: a fresh driver context (a restarted vnmd) finds the running
#   domain and redefining it does not restart it (same domain id);
#   graceful stop through the guest's power button, then undefine.
# Everything the test creates (domain, bridges, veths, namespaces, logs)
# is removed on exit, also on failure.
cd "$(dirname "$0")/../.."
. tests/lib.sh

URI=qemu:///system
VN=vnmt-net
VR=r1
DOM=vnmd-test-r1
HV=build/tools/hvtool
LOGDIR=/var/log/vnmd
LOG=$LOGDIR/$DOM.log
# The test builds its own image (from scratch: this also tests
# image/build.sh) and removes it at the end.
IMG=$(mktemp -d /tmp/vnmt-img.XXXXXX)
chmod 755 "$IMG" # qemu runs as libvirt-qemu
t_cleanup "rm -rf $IMG"
# vNICs as the model derives them: id, tap "vnt"+id, port bridge "vnb"+id
ID0=7e570001 ID1=7e570002 ID2=7e570003
MAC0=52:54:00:7e:57:01 MAC1=52:54:00:7e:57:02 MAC2=52:54:00:7e:57:03
NIC0=$MAC0,vnt$ID0,vnb$ID0
NIC1=$MAC1,vnt$ID1,vnb$ID1
NIC2=$MAC2,vnt$ID2,vnb$ID2
# Addresses per NIC, and a static route to a network behind vnmt-b, in
# both families (an IPv6 route's prefix length ends its network).
CMDLINE="vnm.addr=eth0:10.91.0.1/24,eth1:10.91.1.1/24,eth2:10.91.2.1/24,eth0:fd91::1/64,eth1:fd91:1::1/64"
CMDLINE="$CMDLINE vnm.route=10.92.0.0/24:10.91.1.2,fd92::/64:fd91:1::2"

[ "$(id -u)" = 0 ] || t_skip_all "needs root (bridges, namespaces, qemu:///system)"
command -v qemu-system-x86_64 >/dev/null || t_skip_all "qemu-system-x86 is not installed (make deps)"

# libvirtd: use the running one, or start it (no systemd on this machine).
bash tools/libvirtd-up.sh || t_skip_all "libvirtd cannot run here"
[ -x $HV ] || make -s $HV >/dev/null || { echo "cannot build $HV"; exit 1; }
VNMD_IMAGE_DIR=$IMG bash image/build.sh >/dev/null || { echo "make image failed"; exit 1; }

hv() { $HV -u $URI -T 5000 "$@"; }
router() { hv -m 128 -c 1 -k "$IMG/vmlinuz" -i "$IMG/router.cpio.gz" -a "$CMDLINE" \
	-n $NIC0 -n $NIC1 "$@"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	local t=$1 i; shift
	for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}
ns() { local n=$1; shift; ip netns exec "$n" "$@"; }

t_cleanup "rm -f $LOG"
t_cleanup "virsh -c $URI destroy $DOM; virsh -c $URI undefine $DOM"
for id in $ID0 $ID1 $ID2; do t_cleanup "ip link del vnb$id"; done
for s in a b c; do
	t_cleanup "ip netns del vnmt-$s; ip link del vnmth$s"
done

# Three client namespaces, each on one port bridge through a veth pair.
i=0
for s in a b c; do
	id=$(eval echo \$ID$i)
	ip link add vnb$id type bridge && ip link set vnb$id up
	ip netns add vnmt-$s
	ip link add vnmth$s type veth peer name vnmtp$s
	ip link set vnmth$s master vnb$id up
	ip link set vnmtp$s netns vnmt-$s
	ns vnmt-$s ip link set lo up
	ns vnmt-$s sysctl -qw net.ipv6.conf.vnmtp$s.accept_dad=0
	ns vnmt-$s ip addr add 10.91.$i.2/24 dev vnmtp$s
	ns vnmt-$s ip addr add fd91:$i::2/64 dev vnmtp$s
	ns vnmt-$s ip link set vnmtp$s up
	ns vnmt-$s ip route add 10.0.0.0/8 via 10.91.$i.1
	ns vnmt-$s ip route add fd00::/8 via fd91:$i::1
	i=$((i + 1))
done
ns vnmt-b ip addr add 10.92.0.1/32 dev lo
ns vnmt-b ip addr add fd92::1/128 dev lo

rm -f "$LOG"
t_ok "type: default domain type on this host is qemu (kvm only when asked)" \
	sh -c "$HV -u $URI type $VN $VR $DOM | grep -qx type=qemu"
t_ok "define the router" router define $VN $VR $DOM
t_check "defined and shut off" "$(hv status $VN $VR $DOM | field state)" stopped
t_ok "start the router" hv start $VN $VR $DOM
t_ok "the guest reaches its ready line" wait_for 90 grep -q "vnmd-router ready" "$LOG"
t_ok "the guest brought up both NICs" \
	sh -c "grep -q 'interface eth0 up $MAC0' $LOG && grep -q 'interface eth1 up $MAC1' $LOG"
st=$(hv status $VN $VR $DOM)
id0=$(echo "$st" | field id)
t_check "running" "$(echo "$st" | field state)" running

t_ok "traffic crosses the VR (vnmt-a -> vnmt-b)" wait_for 30 ns vnmt-a busybox ping -c 1 -W 1 10.91.1.2
t_ok "and back (vnmt-b -> vnmt-a)" ns vnmt-b busybox ping -c 2 -W 2 10.91.0.2
t_ok "the static route from the command line is used (vnmt-a -> 10.92.0.1 behind vnmt-b)" \
	ns vnmt-a busybox ping -c 1 -W 2 10.92.0.1
t_ok "the guest reports its IPv6 addresses" \
	sh -c "grep -q 'interface eth0 up $MAC0 .*fd91::1/64' $LOG && grep -q 'interface eth1 up $MAC1 .*fd91:1::1/64' $LOG"
t_ok "IPv6 crosses the VR too (vnmt-a fd91::2 -> vnmt-b fd91:1::2)" \
	wait_for 10 ns vnmt-a busybox ping -c 1 -W 1 fd91:1::2
t_ok "the IPv6 static route is used (vnmt-a -> fd92::1 behind vnmt-b)" \
	ns vnmt-a busybox ping -c 1 -W 2 fd92::1

# Events from libvirtd: listen in a fresh context while the host pauses it.
EV=$(mktemp /tmp/vnmt-ev.XXXXXX); t_cleanup "rm -f $EV"
$HV -u $URI -w 6 events $VN $VR $DOM >"$EV" 2>&1 &
evpid=$!
wait_for 10 grep -q listening "$EV"
virsh -c $URI suspend $DOM >/dev/null
t_ok "a pause by the host arrives as an event" \
	wait_for 10 grep -q "event vn=$VN vr=$VR state=paused" "$EV"
virsh -c $URI resume $DOM >/dev/null
t_ok "a resume by the host arrives as an event" \
	wait_for 10 grep -q "event vn=$VN vr=$VR state=running reason=\"resumed\"" "$EV"
wait $evpid

t_ok "pause the router" hv pause $VN $VR $DOM
t_check "paused" "$(hv status $VN $VR $DOM | field state)" paused
t_ok "a paused router forwards nothing" sh -c "! ip netns exec vnmt-a busybox ping -c 2 -W 1 10.91.1.2"
t_ok "resume the router" hv start $VN $VR $DOM
t_ok "it forwards again after resume" wait_for 20 ns vnmt-a busybox ping -c 1 -W 1 10.91.1.2
t_check "same domain id after resume (not restarted)" "$(hv status $VN $VR $DOM | field id)" "$id0"
t_check "booted once (one ready line)" "$(grep -c 'vnmd-router ready' "$LOG")" 1

# Hot-plug: the VL appears for the running router.
t_ok "hot-plug a third vNIC" router -n $NIC2 attach $VN $VR $DOM
t_ok "the guest sees the new interface" wait_for 30 grep -q "interface eth2 up $MAC2" "$LOG"
t_ok "and answers on it (ping from vnmt-c)" wait_for 20 ns vnmt-c busybox ping -c 1 -W 1 10.91.2.1
t_ok "and routes through it (vnmt-c -> vnmt-a)" wait_for 10 ns vnmt-c busybox ping -c 1 -W 1 10.91.0.2
t_ok "the plugged NIC is in the persistent definition" \
	sh -c "virsh -c $URI dumpxml --inactive $DOM | grep -q $MAC2"

# Memory: live within the running maximum (balloon), else at next start.
out=$(router -m 96 resources $VN $VR $DOM)
t_check "less memory: applied live" "$out" "live=yes"
t_ok "the guest's balloon follows (libvirt reports 96 MiB)" \
	wait_for 20 sh -c "$HV -u $URI status $VN $VR $DOM | grep -q memory=96"
out=$(router -m 256 resources $VN $VR $DOM)
t_check "more than the running maximum: next start" "$out" "live=no"
t_ok "the definition has 256 MiB for the next start" \
	sh -c "virsh -c $URI dumpxml --inactive $DOM | grep -q \"<memory unit='KiB'>262144<\""
t_check "still running with the same id" "$(hv status $VN $VR $DOM | field id)" "$id0"

# Adoption: a new context (vnmd restarted) lists the domain and
# redefining it (reconciliation) does not restart it.
t_ok "list_own of a fresh context finds the domain" \
	sh -c "$HV -u $URI list $VN $VR $DOM | grep -q 'domain=$DOM vn=$VN vr=$VR'"
t_ok "list_own ignores domains without the tag" \
	sh -c "! $HV -u $URI list $VN $VR $DOM | grep -v 'vn=' | grep -q ."
t_ok "redefine after restart" router -n $NIC2 -g 2 define $VN $VR $DOM
t_ok "start after restart is a no-op" hv start $VN $VR $DOM
t_check "adopted, not restarted (same domain id)" "$(hv status $VN $VR $DOM | field id)" "$id0"
t_check "generation updated in the tag" \
	"$($HV -u $URI list $VN $VR $DOM | grep "domain=$DOM " | field generation)" 2
t_ok "still forwarding" ns vnmt-a busybox ping -c 1 -W 2 10.91.1.2
t_check "still booted once" "$(grep -c 'vnmd-router ready' "$LOG")" 1

# Unplug, then a graceful stop through the power button.
t_ok "hot-unplug the third vNIC" router -n $NIC2 detach $VN $VR $DOM
t_ok "the guest sees it go" wait_for 20 grep -q "interface eth2 gone" "$LOG"
# Redefinition first (the NIC is in the definition, not in the guest),
# then the hot-plug: only the live domain changes.
t_ok "redefine with the vNIC again" router -n $NIC2 -g 3 define $VN $VR $DOM
t_ok "hot-plug it after the redefinition" router -n $NIC2 attach $VN $VR $DOM
t_ok "the guest sees it again" \
	wait_for 30 sh -c "[ \$(grep -c 'interface eth2 up $MAC2' $LOG) = 2 ]"
# A crash (the router's kernel panics: the host's NMI button is its test
# hook) reaches the driver as an event, and the router can be started again.
$HV -u $URI -w 40 events $VN $VR $DOM >"$EV" 2>&1 &
evpid=$!
wait_for 10 grep -q listening "$EV"
virsh -c $URI inject-nmi $DOM >/dev/null
t_ok "a guest crash arrives as an event" wait_for 20 grep -q "event vn=$VN vr=$VR state=crashed" "$EV"
t_check "status says crashed" "$(hv status $VN $VR $DOM | field state)" crashed
t_ok "start it again" hv start $VN $VR $DOM
t_ok "it boots again (second ready line)" \
	wait_for 90 sh -c "[ \$(grep -c 'vnmd-router ready' $LOG) = 2 ]"
t_ok "and forwards again" wait_for 30 ns vnmt-a busybox ping -c 1 -W 1 10.91.1.2
kill $evpid 2>/dev/null; wait $evpid 2>/dev/null

t_ok "undefine refuses a running router" sh -c "! $HV -u $URI undefine $VN $VR $DOM 2>/dev/null"
t_ok "graceful stop" hv stop $VN $VR $DOM
t_ok "the guest halted on the power button" grep -q "power button" "$LOG"
t_check "stopped" "$(hv status $VN $VR $DOM | field state)" stopped
t_ok "move to the same hypervisor is refused" \
	sh -c "$HV -u $URI -H $URI move $VN $VR $DOM 2>&1 | grep -q 'same hypervisor'"
t_ok "undefine" hv undefine $VN $VR $DOM
t_check "absent" "$(hv status $VN $VR $DOM | field state)" absent
t_ok "the serial log was removed with the router" test ! -e "$LOG"
t_done
