#!/usr/bin/env bash
# load_short.sh - make check's share of the load soak: 20 s of 8 NETCONF
# sessions (2 SSH, 6 UNIX) editing and reading at once plus 100 SNMP
# GETs/s through snmpd (make soak: 300 s, 32 sessions).
# tests/soak/load.py says what is checked.
cd "$(dirname "$0")/../.."
skip() { echo "skip: $1"; echo "load_short.sh: 0 passed, 0 failed"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v snmpd >/dev/null || skip "no snmpd (make deps)"
exec /usr/bin/python3 tests/soak/load.py "${VNMD_LOAD_SECONDS:-20}" "${VNMD_LOAD_SESSIONS:-8}" \
	"${VNMD_LOAD_SNMP_RATE:-100}"
