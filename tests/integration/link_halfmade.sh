#!/bin/bash
# link_halfmade.sh - what a SIGKILL between two netlink messages of the
# link driver leaves, and that the next run repairs it:
#  - an interface created but not yet tagged (it is made in vnmd's
#    half-made netdev group): a create adopts it, list_own (reconciliation
#    at start) deletes it and the next setup makes it again;
#  - an interface retired but not yet renamed, i.e. down, out of its
#    bridge, under its live name, in the half-made group or (left by an
#    older vnmd) in the removal group: list_own deletes it, setup makes it
#    again, and an unrelated removal (which deletes the removal group)
#    leaves the live VL alone.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/link_env.bash"
lt_require

HALF=$((0x766e0de1))
RETIRE=$((0x766e0dea))
lt_cfg_open >"$LT_TMP/cfg.xml"
{
	lt_cfg_underlay 2 100000000
	lt_cfg_vn vn-a vl-a - "" rm1 rm1
	lt_cfg_vn vn-b vl-b pl1 "" rm1 rm2
	lt_cfg_vn vn-c vl-c - "" rm1 rm1
	lt_cfg_close
} >>"$LT_TMP/cfg.xml"

lt_two_rms
t_cleanup "'$LINKTOOL' '$LT_TMP/cfg.xml' teardown"
t_ok "setup" lt "$LT_TMP/cfg.xml" setup
read -r A_END_A A_END_B A_VNI A_TAP_A A_BR_A A_TAP_B A_BR_B < <(lt "$LT_TMP/cfg.xml" names vn-a vl-a)
read -r B_END_A B_END_B B_VNI B_TAP_A B_BR_A B_TAP_B B_BR_B < <(lt "$LT_TMP/cfg.xml" names vn-b vl-b)

whole() { # whole NS IFNAME: up, tagged, out of every group, in a bridge (ends)
	ip -n "$1" -d -o link show "$2" 2>/dev/null | grep -q "UP.*alias vnmd:" &&
		ip -n "$1" -d -o link show "$2" | grep -q ' group default '
}
rm1() { ip -n $LT_P-rm1 "$@"; }

# (1) a port bridge created, not tagged: a create adopts it
rm1 link del "$A_BR_A"
rm1 link add "$A_BR_A" group $HALF type bridge
t_check "the half-made bridge is untagged and down" \
	"$(rm1 -o link show "$A_BR_A" | grep -c 'alias\|,UP')" "0"
t_ok "setup over a half-made bridge succeeds" lt "$LT_TMP/cfg.xml" setup
t_ok "the bridge is adopted: tagged, up, out of the half-made group" whole $LT_P-rm1 "$A_BR_A"
t_check "vn-a's end is plugged into it again" \
	"$(rm1 -o link show "$A_END_A" | grep -c "master $A_BR_A")" "1"

# (1') a VXLAN end created, not tagged: the start's list_own deletes it,
# and the setup of reconciliation makes it again
rm1 link del "$B_END_A"
rm1 link add "$B_END_A" group $HALF type vxlan id "$B_VNI" local 10.99.0.1 remote 10.99.0.2 dstport 4789
lt "$LT_TMP/cfg.xml" own rm1 >"$LT_TMP/own" 2>&1
t_check "list_own does not report the half-made end" "$(grep -c "$B_END_A" "$LT_TMP/own")" "0"
t_check "list_own deleted it" "$(rm1 -o link show "$B_END_A" 2>/dev/null | wc -l)" "0"
t_ok "setup makes it again" lt "$LT_TMP/cfg.xml" setup
t_ok "the new end is whole" whole $LT_P-rm1 "$B_END_A"

# (2) vl-b's end retired but not renamed: down, no master, its live name,
# in the half-made group (this vnmd) or in the removal group (an older one)
for g in $HALF $RETIRE; do
	rm1 link set "$B_END_A" down nomaster group $g
	lt "$LT_TMP/cfg.xml" own rm1 >"$LT_TMP/own" 2>&1
	t_check "group $g: list_own does not take the half-retired end as present" \
		"$(grep -c "$B_END_A" "$LT_TMP/own")" "0"
	t_check "group $g: no interface with a live name stays in a vnmd group" \
		"$(rm1 -o link show group $g | grep -vc ': vnd')" "0"
	t_ok "group $g: setup makes the end again" lt "$LT_TMP/cfg.xml" setup
	t_ok "group $g: it is whole and in its bridge" bash -c \
		"ip -n $LT_P-rm1 -d -o link show '$B_END_A' | grep -q 'master $B_BR_A.*UP\|UP.*master $B_BR_A' && ip -n $LT_P-rm1 -d -o link show '$B_END_A' | grep -q ' group default .*alias vnmd:'"
	# an unrelated removal deletes the removal group: vl-b survives
	t_ok "group $g: an unrelated removal succeeds" lt "$LT_TMP/cfg.xml" vl-destroy vn-c vl-c
	t_check "group $g: the unrelated VL is gone" \
		"$(rm1 -o link show | grep -c "$(lt "$LT_TMP/cfg.xml" names vn-c vl-c | cut -d' ' -f1)")" "0"
	t_ok "group $g: vl-b's end survived it" whole $LT_P-rm1 "$B_END_A"
	t_ok "group $g: vn-c back" lt "$LT_TMP/cfg.xml" setup
done
t_ok "teardown" lt "$LT_TMP/cfg.xml" teardown
t_check "no vnmd interface left on rm1" "$(rm1 -o link show | grep -c 'alias vnmd:')" "0"
t_done
