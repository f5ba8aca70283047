#!/bin/bash
# validate.sh - how checking a configuration scales with its size, by stage:
# libyang's parse alone (the baseline, measured in the same run), libyang's
# parse with YANG validation (the module's must/when and RFC 8345 leafrefs),
# vnm_model_build() and vnm_validate() (the core's semantic rules).
#
#   bash bench/validate.sh [REPEATS]       (default 3; no root needed)
#
# Prints one "key=value" block per size and a summary line per size.
set -u
REPEATS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=$ROOT/build/tools/validate_bench
make -s -C "$ROOT" build/tools/validate_bench >/dev/null || exit 1

# VNs x VLs per VN: 250, 1000 and 2000 VLs (YANG validation grows faster
# than linearly; larger sizes take minutes there)
for size in "5 50" "10 100" "20 100"; do
	out=$("$TOOL" $size "$REPEATS") || exit 1
	echo "$out"
	eval "$(echo "$out" | tr '\n' ' ')"
	printf 'validate: %s VLs: libyang parse only %ss (baseline), parse with YANG validation %ss, model build %ss, semantic rules %ss\n' \
		"$vls" "$libyang_parse_only_s" "$libyang_parse_validate_s" "$vnm_model_build_s" "$vnm_validate_s"
done
