#!/usr/bin/env bash
# libvirtd-down.sh - stop the libvirtd and virtlogd that tools/libvirtd-up.sh
# started (noted in /run/vnmd-started/), and nothing else: a daemon that
# systemd or the operator started has no note and stays.  Guests of
# qemu:///system that a run left behind would keep QEMU alive, so the
# daemon is only stopped when it has no running guest of its own.
# Prints what it did; exit 0 when every noted daemon is gone.
MARK=/run/vnmd-started
rc=0
for d in libvirtd virtlogd; do
	[ -f "$MARK/$d" ] || continue
	pid=$(cat "$MARK/$d")
	if [ -z "$pid" ] || [ "$(cat /proc/"$pid"/comm 2>/dev/null)" != "$d" ]; then
		rm -f "$MARK/$d" # gone already, or restarted by someone else
		continue
	fi
	if [ "$d" = libvirtd ] && [ -n "$(virsh -c qemu:///system list --name 2>/dev/null)" ]; then
		echo "libvirtd-down: libvirtd (pid $pid) still runs guests: left running"
		rc=1
		continue
	fi
	kill "$pid"
	for _ in $(seq 50); do
		[ -d /proc/"$pid" ] || break
		sleep 0.1
	done
	if [ -d /proc/"$pid" ]; then
		echo "libvirtd-down: $d (pid $pid) did not stop"
		rc=1
	else
		echo "libvirtd-down: stopped the $d (pid $pid) that the run started"
		rm -f "$MARK/$d"
	fi
done
rmdir "$MARK" 2>/dev/null
exit $rc
