#!/usr/bin/env bash
# A bounded libFuzzer run of every target in fuzz/ (fuzz_TARGET.c): the
# configuration path (check), the edit-config engine (edit), subtree
# filters (filter), the SNMP row builder (rows) and the NETCONF framing
# reader (frame), FUZZ_SECONDS each
# (default 10: a smoke; make fuzz runs 300 s each).  The seeds, with every crash input found so far, are
# replayed first; then the mutations must not crash, leak, trip UBSan or
# break the target's checks.  Long runs: make fuzz.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

command -v clang >/dev/null || t_skip_all "clang missing (make deps)"

t_ok "the fuzz targets build" make -s fuzz-build
secs=${FUZZ_SECONDS:-3}
for src in fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	out=$(FUZZ_SECONDS=$secs bash fuzz/run.sh "$t" 2>&1)
	rc=$?
	echo "$out" | grep '^# fuzz '
	if [ $rc -eq 0 ]; then
		t_pass "$t: ${secs}s from its seeds, no crash, leak or UB"
	else
		t_fail "$t" "$(echo "$out" | grep -v '^# fuzz ' | head -6)"
	fi
done
t_done
