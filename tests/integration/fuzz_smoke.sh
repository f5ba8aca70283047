#!/usr/bin/env bash
# A short libFuzzer run over configuration parse + model build + validation
# (fuzz/fuzz_check.c): the seeds and a few thousand mutations of them must not
# crash, leak or trip UBSan.  Long runs are for `make fuzz` by hand.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

command -v clang >/dev/null || t_skip_all "clang missing (make deps)"
tmp=$(mktemp -d)
t_cleanup "rm -rf '$tmp'"

t_ok "the fuzz target builds" make -s fuzz
cp fuzz/seeds/* "$tmp/"
out=$(build/fuzz/fuzz_check "$tmp" -dict=fuzz/check.dict -max_len=16384 -runs=3000 -seed=1 2>&1)
rc=$?
if [ $rc -eq 0 ]; then t_pass "3000 runs from the seeds: no crash, leak or UB"; else t_fail "fuzz run" "$(echo "$out" | grep -E 'ERROR|SUMMARY|runtime error' | head -5)"; fi
t_done
