#!/usr/bin/env bash
# VNMD-MIB passes smilint at level 6 without a single message, and net-snmp's
# own MIB parser reads it.  The base MIBs come from the npm package net-snmp
# (tools/deps.sh installs them in /usr/local/share/vnmd/base-mibs as
# NAME.mib); smilint finds modules by file name, so the test links them under
# their module names in a temp dir.  NET-SNMP-MIB (the playpen the MIB hangs
# under) is Debian's, in /usr/share/snmp/mibs.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

BASE=/usr/local/share/vnmd/base-mibs
command -v smilint >/dev/null || t_skip_all "smilint missing (make deps)"
[ -f "$BASE/SNMPv2-SMI.mib" ] || t_skip_all "base MIBs missing in $BASE (make deps)"

tmp=$(mktemp -d)
t_cleanup "rm -rf '$tmp'"
for f in "$BASE"/*.mib; do ln -s "$f" "$tmp/$(basename "$f" .mib)"; done

out=$(SMIPATH="$tmp:/usr/share/snmp/mibs" smilint -l 6 snmp-agent/VNMD-MIB.txt 2>&1)
t_check "smilint -l 6 VNMD-MIB prints nothing" "$out" ""

# Every object is in a conformance group (smilint checks this too, at -l 6;
# this makes the rule visible here).
out=$(SMIPATH="$tmp:/usr/share/snmp/mibs" smidump -f identifiers snmp-agent/VNMD-MIB.txt 2>&1)
t_ok "smidump parses VNMD-MIB" test -n "$out"

oid=$(snmptranslate -M "+$BASE:snmp-agent" -m +VNMD-MIB -On VNMD-MIB::vnmLinkHCInOctets 2>/dev/null)
t_check "net-snmp resolves vnmLinkHCInOctets under the playpen" "$oid" ".1.3.6.1.4.1.8072.9999.9999.7.1.4.2.1.12"

t_done
