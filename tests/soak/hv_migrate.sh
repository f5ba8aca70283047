#!/usr/bin/env bash
# hv_migrate.sh - move (vr_move) a running router between two hypervisors.
#
# One machine, two real hosts' worth of libvirt: two private libvirtd
# instances (session mode, run as nobody, own sockets and host UUIDs; the
# machine's libvirtd is never touched), each a qemu:///session hypervisor.
# The router has no vNICs here (an unprivileged QEMU cannot plug taps into
# bridges); what moves is the running guest itself:
#   live move A -> B: gone from A, running on B with the same UUID and tag,
#   and the guest still alive there (it halts on B's power button);
#   offline move B -> A of the shut-off router; moving onto the same
#   hypervisor is refused.
cd "$(dirname "$0")/../.."
. tests/lib.sh

HV=build/tools/hvtool
[ "$(id -u)" = 0 ] || t_skip_all "needs root (to run private libvirtds as nobody)"
command -v libvirtd >/dev/null || t_skip_all "libvirtd is not installed (make deps)"
command -v qemu-system-x86_64 >/dev/null || t_skip_all "qemu-system-x86 is not installed"
command -v setpriv >/dev/null || t_skip_all "setpriv (util-linux) is missing"
[ -x $HV ] || make -s $HV >/dev/null || { echo "cannot build $HV"; exit 1; }

D=$(mktemp -d /tmp/vnmt-mig.XXXXXX)
chmod 755 "$D"
t_cleanup "rm -rf $D"
VN=vnmt-net VR=mv1 DOM=vnmd-test-mv1
export VNMD_LOG_DIR=$D/log
LOG=$VNMD_LOG_DIR/$DOM.log
mkdir -p "$D/img" "$VNMD_LOG_DIR"
VNMD_IMAGE_DIR=$D/img bash image/build.sh >/dev/null || { echo "image build failed"; exit 1; }

declare -A PID URI
lv_start() { # name host-uuid-digit
	local h=$D/$1 i
	mkdir -p "$h/run" "$h/cfg/libvirt"
	printf 'host_uuid = "0000000%s-7e57-4000-8000-00000000000%s"\n' "$2" "$2" \
		>"$h/cfg/libvirt/libvirtd.conf"
	chown -R nobody:nogroup "$h" "$VNMD_LOG_DIR"
	setpriv --reuid nobody --regid nogroup --clear-groups \
		env HOME=$h XDG_RUNTIME_DIR=$h/run XDG_CONFIG_HOME=$h/cfg XDG_CACHE_HOME=$h/cache \
		libvirtd --timeout 0 >"$h/libvirtd.log" 2>&1 &
	PID[$1]=$!
	URI[$1]="qemu+unix:///session?socket=$h/run/libvirt/libvirt-sock"
	for i in $(seq 50); do virsh -c "${URI[$1]}" uri >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}
wait_for() {
	local t=$1 i; shift
	for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

# Domains first (their QEMUs outlive a killed daemon), then the daemons.
t_cleanup 'for h in a b; do [ -n "${PID[$h]:-}" ] && kill ${PID[$h]} && wait ${PID[$h]}; done'
t_cleanup 'for h in a b; do virsh -c "${URI[$h]}" destroy $DOM; virsh -c "${URI[$h]}" undefine $DOM; done'
lv_start a 1 && lv_start b 2 || t_skip_all "private libvirtds cannot run here"

A=${URI[a]} B=${URI[b]}
router() { $HV -T 5000 -t qemu -m 128 -k "$D/img/vmlinuz" -i "$D/img/router.cpio.gz" "$@"; }

t_ok "define on host A" router -u "$A" -g 3 define $VN $VR $DOM
t_ok "start on host A" router -u "$A" start $VN $VR $DOM
t_ok "the guest is ready on A" wait_for 90 grep -q "vnmd-router ready" "$LOG"
uuid=$(router -u "$A" status $VN $VR $DOM | field uuid)

t_ok "moving onto the same hypervisor is refused" \
	sh -c "$HV -u '$A' -H '$A' move $VN $VR $DOM 2>&1 | grep -q 'same hypervisor'"
t_ok "live move A -> B" router -u "$A" -H "$B" move $VN $VR $DOM
t_check "gone from A" "$(router -u "$A" status $VN $VR $DOM | field state)" absent
st=$(router -u "$B" status $VN $VR $DOM)
t_check "running on B" "$(echo "$st" | field state)" running
t_check "same UUID on B" "$(echo "$st" | field uuid)" "$uuid"
t_ok "B lists it as vnmd's, with its tag" \
	sh -c "$HV -u '$B' list $VN $VR $DOM | grep -q 'domain=$DOM vn=$VN vr=$VR generation=3'"
t_check "booted once (it moved, it did not restart)" "$(grep -c 'vnmd-router ready' "$LOG")" 1
t_ok "the moved guest is alive: it halts on B's power button" \
	router -u "$B" stop $VN $VR $DOM
t_ok "its log shows the power button" grep -q "power button" "$LOG"
t_check "stopped on B" "$(router -u "$B" status $VN $VR $DOM | field state)" stopped

t_ok "offline move of the shut-off router B -> A" router -u "$B" -H "$A" move $VN $VR $DOM
t_check "defined on A again" "$(router -u "$A" status $VN $VR $DOM | field state)" stopped
t_check "gone from B" "$(router -u "$B" status $VN $VR $DOM | field state)" absent
t_ok "a missing router cannot be moved" \
	sh -c "! $HV -u '$B' -H '$A' move $VN $VR $DOM 2>/dev/null"
t_ok "remove it" router -u "$A" undefine $VN $VR $DOM
t_done
