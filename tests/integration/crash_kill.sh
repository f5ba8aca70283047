#!/usr/bin/env bash
# crash_kill.sh - make check's share of the crash soak: vnmd killed with
# SIGKILL 50 times at random moments of a loop of NETCONF edits (make soak:
# 500).  tests/soak/crash.py says what is checked after every restart.
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; echo "crash_kill.sh: 0 passed, 0 failed, 1 skipped"; exit 0; }
command -v libvirtd >/dev/null || { echo "skip: no libvirtd"; echo "crash_kill.sh: 0 passed, 0 failed, 1 skipped"; exit 0; }
exec /usr/bin/python3 tests/soak/crash.py "${VNMD_CRASH_KILLS:-50}" ${VNMD_CRASH_SEED:-}
