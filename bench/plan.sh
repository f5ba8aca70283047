#!/usr/bin/env bash
# Planning cost of a one-VL change in a 10,000-VL configuration.
#
# The figure: the time vnm_plan_build() takes to plan one VL's new
# guaranteed rate, given the libyang diff (as a commit from the NETCONF
# server gets it), median of many runs.  Next to it, measured in the same
# run on the same configuration, what a change would cost if the core
# looked at everything: planning by comparing every object, libyang's diff
# of the two trees, the core's semantic validation and building the model.
#
#   bench/plan.sh [N_VNS VLS_PER_VN REPEATS]     (default 100 100 201)
set -eu
cd "$(dirname "$0")/.."
make -s build/tools/plan_bench >/dev/null
out=$(build/tools/plan_bench "${1:-100}" "${2:-100}" "${3:-201}")
get() { echo "$out" | awk -v k="$1" '$1 == k { print $2 }'; }
printf 'plan benchmark: one VL rate change in %s VLs (%s step(s); whole comparison: %s)\n' \
	"$(get vls)" "$(get steps)" "$(get steps_full)"
printf '  %-44s %12s us\n' "plan from the diff (the figure)" "$(get plan_diff_us)"
printf '  %-44s %12s us\n' "baseline: plan comparing every object" "$(get plan_full_us)"
printf '  %-44s %12s us\n' "baseline: libyang diff of the two trees" "$(get ly_diff_us)"
printf '  %-44s %12s us\n' "baseline: semantic validation (vnm_validate)" "$(get validate_us)"
printf '  %-44s %12s us\n' "baseline: model build (vnm_model_build)" "$(get model_build_us)"
