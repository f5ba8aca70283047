#!/usr/bin/env bash
# libvirtd-up.sh - make qemu:///system answer, starting the machine's
# virtlogd and libvirtd when nothing (systemd or a earlier run) did.
#
# Only root's daemons count: the private libvirtds of hv_migrate.sh and
# hv_reconnect.sh run as nobody and start their own session virtlogd,
# which must not be taken for the system one (QEMU guests of
# qemu:///system log through /run/libvirt/virtlogd-sock).
# Exit 0 when qemu:///system answers, 1 otherwise.
URI=qemu:///system

pgrep -u 0 -x virtlogd >/dev/null || virtlogd -d || exit 1
if ! virsh -c $URI uri >/dev/null 2>&1; then
	pgrep -u 0 -x libvirtd >/dev/null || libvirtd -d || exit 1
	for _ in $(seq 100); do
		virsh -c $URI uri >/dev/null 2>&1 && exit 0
		sleep 0.2
	done
	exit 1
fi
exit 0
