#!/usr/bin/env bash
# hv_reconnect.sh - the libvirt driver survives a libvirtd restart.
#
# A private libvirtd (run as nobody, session mode, its own socket: the
# machine's libvirtd is never touched) serves libvirt's test driver over
# the remote protocol.  A listening driver context receives lifecycle
# events, the daemon is killed and started again, and the same context
# reconnects by itself and receives the events of the new daemon.
cd "$(dirname "$0")/../.."
. tests/lib.sh

HV=build/tools/hvtool
[ "$(id -u)" = 0 ] || t_skip_all "needs root (to run a private libvirtd as nobody)"
command -v libvirtd >/dev/null || t_skip_all "libvirtd is not installed (make deps)"
command -v setpriv >/dev/null || t_skip_all "setpriv (util-linux) is missing"
[ -x $HV ] || make -s $HV >/dev/null || { echo "cannot build $HV"; exit 1; }

D=$(mktemp -d /tmp/vnmt-lv.XXXXXX)
chmod 755 "$D"
mkdir -p "$D/run"
chown -R nobody:nogroup "$D"
SOCK=$D/run/libvirt/libvirt-sock
URI="test+unix:///default?socket=$SOCK"
VN=vnmt-net VR=rc1 DOM=vnmd-test-rc1
t_cleanup "rm -rf $D"

lv_start() {
	rm -f "$SOCK"
	setpriv --reuid nobody --regid nogroup --clear-groups \
		env HOME=$D XDG_RUNTIME_DIR=$D/run XDG_CONFIG_HOME=$D/cfg XDG_CACHE_HOME=$D/cache \
		libvirtd --timeout 0 >>"$D/libvirtd.log" 2>&1 &
	LVPID=$!
	for i in $(seq 50); do virsh -c "$URI" uri >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}
lv_stop() { [ -n "${LVPID:-}" ] && kill "$LVPID" 2>/dev/null && wait "$LVPID" 2>/dev/null; LVPID=; }
t_cleanup 'lv_stop'
wait_for() {
	local t=$1 i; shift
	for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}

lv_start || t_skip_all "a private libvirtd cannot run here: $(tail -3 "$D/libvirtd.log")"

EV=$D/events
$HV -u "$URI" -w 25 events $VN $VR $DOM >"$EV" 2>&1 &
evpid=$!
t_cleanup "kill $evpid"
t_ok "a driver context listens" wait_for 10 grep -q listening "$EV"

t_ok "define through the daemon" $HV -u "$URI" define $VN $VR $DOM
t_ok "start" $HV -u "$URI" start $VN $VR $DOM
virsh -c "$URI" suspend $DOM >/dev/null
t_ok "an event arrives (paused by the host)" \
	wait_for 10 grep -q "event vn=$VN vr=$VR state=paused" "$EV"

lv_stop
t_ok "the closed connection is noticed" wait_for 10 grep -q "closed" "$EV"
# Stay down for a few reconnect periods: the retries must go on.
sleep 5
lv_start
t_ok "libvirtd is back" virsh -c "$URI" uri
t_ok "the listening context reconnects by itself" wait_for 15 grep -q "reopened" "$EV"
# The test driver's state died with the daemon: define again.
t_ok "operations work on a fresh context" $HV -u "$URI" define $VN $VR $DOM
t_ok "start again" $HV -u "$URI" start $VN $VR $DOM
virsh -c "$URI" suspend $DOM >/dev/null
t_ok "events flow again after the restart" \
	wait_for 10 sh -c "grep 'event vn=$VN vr=$VR state=paused' $EV | wc -l | grep -qx 2"
t_ok "list_own after the restart" sh -c "$HV -u '$URI' list $VN $VR $DOM | grep -q 'domain=$DOM'"
t_ok "remove the router" $HV -u "$URI" remove $VN $VR $DOM
t_done
