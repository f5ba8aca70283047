#!/usr/bin/env bash
# libvirtd-up.sh - make qemu:///system answer, starting the machine's
# virtlogd and libvirtd when nothing (systemd or a earlier run) did.
#
# Only root's daemons count: the private libvirtds of hv_migrate.sh and
# hv_reconnect.sh run as nobody and start their own session virtlogd,
# which must not be taken for the system one (QEMU guests of
# qemu:///system log through /run/libvirt/virtlogd-sock).
# Exit 0 when qemu:///system answers, 1 otherwise.
#
# A daemon started here is noted in /run/vnmd-started/ (one file per
# daemon, holding its pid): tools/libvirtd-down.sh, which tests/run.sh and
# the demo call when they end, stops exactly those and leaves alone what
# systemd or the operator started.
URI=qemu:///system
MARK=/run/vnmd-started

# nofds CMD...: run CMD with no file descriptor but 0-2 open.  Tests run
# under `flock /tmp/vnmd-it.lock`, whose descriptor a daemon would inherit
# and keep: the machine-wide lock would stay held as long as it runs.
nofds() {
	local fd
	for fd in /proc/$BASHPID/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done
	exec "$@"
}

# start NAME: run NAME -d and note it as ours
start() {
	(nofds "$1" -d) || return 1
	mkdir -p $MARK && pgrep -u 0 -x -n "$1" >"$MARK/$1"
}

pgrep -u 0 -x virtlogd >/dev/null || start virtlogd || exit 1
if ! virsh -c $URI uri >/dev/null 2>&1; then
	pgrep -u 0 -x libvirtd >/dev/null || start libvirtd || exit 1
	for _ in $(seq 100); do
		virsh -c $URI uri >/dev/null 2>&1 && exit 0
		sleep 0.2
	done
	exit 1
fi
exit 0
