#!/usr/bin/env bash
# vr_migrate_multi_qemu.sh - vr_migrate_qemu.sh with one vnmd per RM and a
# coordinator (issue 17): each move of r1 is one edit at the coordinator,
# carried out by the source RM's vnmd (the live migration) and the
# destination's (adopting the domain that arrived), with the same checks:
# same boot, fewer than 1 s of pings lost, the VL's ends and classes on
# the new path.
VNMT_MIGRATE_MULTI=1 exec bash "$(dirname "$0")/../soak/vr_migrate_qemu.sh"
