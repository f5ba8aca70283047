#!/bin/bash
# link_many.sh - the link driver's tc work for N VLs on one physical link,
# alone: vl_shape of N VLs (each with a guarantee of 1 Mbit/s) at both ends
# of the link in one process, then vl_unshape of all of them in a fresh
# process (whose index is first filled from the kernel's dumps, as after a
# restart), through linktool shape-many / unshape-many.  No interface is
# made: this is the part of a transaction the HTB layout decides (issue 16:
# the kernel walks every class of a qdisc for each class added or
# deleted).  The topology of the link suites (tests/integration/
# link_env.bash), namespaces vnmt-link-many-rm1/2.
#
#   bash bench/link_many.sh [N...]      (root; default 1000 10000)
#
# Prints key=value lines (seconds; classes on rm1's physical interface
# after the shaping and after the removal).
set -u
SIZES=${*:-1000 10000}
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/../tests/integration/link_env.bash"
[ "$(id -u)" = 0 ] || { echo "link_many: needs root" >&2; exit 1; }
make -s -C "$ROOT" build/tools/linktool >/dev/null || exit 1
{
	lt_cfg_open
	lt_cfg_underlay 2 100000000000
	lt_cfg_vn vn-a vl pl1 "<vnm:guaranteed-rate>1000000</vnm:guaranteed-rate>" rm1 rm2
	lt_cfg_close
} >"$LT_TMP/cfg.xml"
classes() { ip netns exec $LT_P-rm1 tc class show dev vnmtp1 | wc -l; }
for n in $SIZES; do
	lt_two_rms
	lt "$LT_TMP/cfg.xml" plink-update "$LT_TMP/cfg.xml" >/dev/null || exit 1
	lt "$LT_TMP/cfg.xml" shape-many vn-a vl "$n" || exit 1
	echo "classes_${n}_h1=$(classes)"
	lt "$LT_TMP/cfg.xml" unshape-many vn-a vl "$n" || exit 1
	echo "classes_after_${n}_h1=$(classes)"
done
