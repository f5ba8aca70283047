#!/usr/bin/env bash
# faults.sh - faults through the real drivers: a missing router image, an
# interface name taken by another, libvirtd stopped (before and in the
# middle of transactions) and restarted, the physical interface gone and
# back, snmpd restarted under the subagent, the disk full when running is
# saved.  tests/integration/faults.py says what is checked.
cd "$(dirname "$0")/../.."
skip() { echo "skip: $1"; echo "faults.sh: 0 passed, 0 failed"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root"
command -v libvirtd >/dev/null || skip "no libvirtd (make deps)"
command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86 (make deps)"
command -v snmpd >/dev/null || skip "no snmpd (make deps)"
[ -x build/tools/linktool ] || make -s build/tools/linktool >/dev/null || { echo "cannot build linktool"; exit 1; }
exec /usr/bin/python3 tests/integration/faults.py
