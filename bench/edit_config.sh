#!/bin/bash
# edit_config.sh - cost of vnmd's edit-config engine on large datastores,
# next to baselines measured in the same run (CPU seconds):
#
#   - one edit-config creating VLS virtual links (parse + apply, including
#     YANG validation and the diff for the core);
#   - one edit adding or removing one VL (its VN is validated again);
#   - one edit changing one VL's rate-limit in that datastore, against
#     lyd_diff_tree() of that one leaf, and against what an engine working
#     on a copy would pay at least: a full copy plus a full
#     lyd_diff_siblings() of the datastore.
#
#   bash bench/edit_config.sh [VLS]          (default 10000; no root needed)
#
# Two shapes: many small VNs (100 VNs of 20 routers) and one big VN (100
# routers).  Prints "key=value" lines per shape and one summary line.
set -u
VLS=${1:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$ROOT" build/tools/editbench >/dev/null || exit 1

summary=""
for shape in "100 20" "1 100"; do
	set -- $shape
	out=$("$ROOT/build/tools/editbench" "$1" "$2" "$VLS" 9) || exit 1
	echo "$out"
	get() { echo "$out" | sed -n "s/^$1=//p"; }
	create=$(echo "$(get create_vls_parse_s) + $(get create_vls_apply_s)" | bc -l)
	leaf=$(get one_leaf_apply_median_s)
	copy=$(echo "$(get baseline_full_dup_s) + $(get baseline_full_diff_s)" | bc -l)
	ratio=$(echo "$copy / $leaf" | bc -l)
	printf 'edit_config[%s VNs x %s routers]: create %d VLs %.3f s; add/remove one VL %.2f ms; one leaf %.1f us (leaf diff alone %.1f us, copy+full diff %.1f ms, %.0fx more)\n' \
		"$1" "$2" "$VLS" "$create" "$(echo "$(get one_vl_add_or_remove_apply_median_s) * 1000" | bc -l)" \
		"$(echo "$leaf * 1000000" | bc -l)" \
		"$(echo "$(get baseline_leaf_diff_s) * 1000000" | bc -l)" \
		"$(echo "$copy * 1000" | bc -l)" "$ratio"
done
