#!/usr/bin/env bash
# vr_migrate_multi_qemu.sh - vr_migrate_qemu.sh with one vnmd per RM and a
# coordinator (issue 17): each move of r1 is one edit at the coordinator,
# carried out by the source RM's vnmd (the live migration) and the
# destination's (waiting for the domain, plugging and adopting it), with
# the same checks: same boot, fewer than 1 s of pings lost, the VL's ends
# and classes on the new path.
#
# The TCG guest's kernel sometimes crashes right after arriving (list
# corruption in its page allocator: guest memory that did not arrive as
# the source had it, a fault of QEMU's TCG under live migration; 8 moves
# of 28 on 2026-12-06, never without a migration).  Such a run proves
# nothing either way about vnmd: it is shown, and the whole scenario runs
# again from scratch, up to three times (each run is 40 s of make check's
# 20 minutes); any other failure fails at once.  Three crashed runs in a
# row are a skip that says so.
here=$(dirname "$0")
for attempt in 1 2 3; do
	out=$(VNMT_MIGRATE_MULTI=1 bash "$here/../soak/vr_migrate_qemu.sh" 2>&1)
	rc=$?
	if ! grep -q "^# guest-panic: " <<<"$out"; then
		echo "$out"
		exit $rc
	fi
	# shown, but not counted: its summary line is commented out
	sed "s/^/# attempt $attempt (guest crashed, not counted): /" <<<"$out"
	echo "# attempt $attempt: $(grep -m1 '^# guest-panic: ' <<<"$out")"
done
echo "skip: the TCG guest's kernel crashed after arriving in 3 runs in a row (QEMU's TCG under live migration; see above)"
echo "vr_migrate_multi_qemu.sh: 0 passed, 0 failed, 1 skipped"
