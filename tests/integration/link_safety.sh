#!/bin/bash
# link_safety.sh - what the link driver refuses, and what it leaves alone:
#  - delay, jitter or loss on a kernel without sch_netem: refused with an
#    error naming the module, before anything is changed (same-host and
#    cross-host VLs; the kernel state is compared before and after);
#  - an interface with a vnmd name but without vnmd's tag is never touched;
#  - list_own / remove_own find and remove exactly vnmd's objects.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/link_env.bash"
lt_require

cfg() { # cfg VL-EXTRA [with vn-c] > file
	lt_cfg_open
	lt_cfg_underlay 2 100000000
	lt_cfg_vn vn-a vl-a - "<vnm:rate-limit>10000000</vnm:rate-limit>$1" rm1 rm1
	lt_cfg_vn vn-b vl-b pl1 "$1" rm1 rm2
	[ -n "$2" ] && lt_cfg_vn vn-c vl-c - "" rm1 rm1
	lt_cfg_close
}
cfg "" >"$LT_TMP/plain.xml"
cfg "<vnm:delay>10000</vnm:delay>" >"$LT_TMP/delay.xml"
cfg "<vnm:jitter>2000</vnm:jitter>" >"$LT_TMP/jitter.xml"
cfg "<vnm:loss>1.5</vnm:loss>" >"$LT_TMP/loss.xml"
cfg "" with-c >"$LT_TMP/with-c.xml"

lt_two_rms
t_cleanup "'$LINKTOOL' '$LT_TMP/with-c.xml' teardown"
t_ok "setup" lt "$LT_TMP/plain.xml" setup

# Everything the driver could have changed, without counters, timers and
# the operational state (the kernel settles those on its own).
state() {
	local n
	for n in $LT_P-rm1 $LT_P-rm2; do
		ip -n $n -d -o link show | sed -E 's/ link-netns [^ ]*//; s/[a-z_]*timer +[0-9.]+//g; s/ state [A-Z]+ / /'
		for d in $(ip -n $n -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
			ip netns exec $n tc -d qdisc show dev "$d"
			ip netns exec $n tc -d class show dev "$d"
			ip netns exec $n tc filter show dev "$d" parent 766e: 2>/dev/null
			# and the VNI buckets' child qdiscs' (a filter dump lists one qdisc's)
			for q in $(ip netns exec $n tc qdisc show dev "$d" | awk '$2 == "htb" && $3 != "766e:" {print $3}'); do
				ip netns exec $n tc filter show dev "$d" parent "$q"
			done
		done
	done
}
state >"$LT_TMP/before"
for what in delay jitter loss; do
	for vl in "vn-a vl-a" "vn-b vl-b"; do
		lt "$LT_TMP/$what.xml" shape $vl >"$LT_TMP/out" 2>&1
		t_check "$what on ${vl#* }: refused" "$?" "1"
		t_ok "$what on ${vl#* }: the error names sch_netem, the link and the NETCONF tag" \
			grep -q "error: operation-not-supported: link ${vl% *}/${vl#* }: .*sch_netem" "$LT_TMP/out"
	done
done
state >"$LT_TMP/after"
t_ok "nothing changed in the kernel" diff -u "$LT_TMP/before" "$LT_TMP/after"

read -r C_END_A C_END_B C_VNI C_TAP_A C_BR_A C_TAP_B C_BR_B < <(lt "$LT_TMP/with-c.xml" names vn-c vl-c)
# A VL whose port bridges are missing: refused, and its half-made ends
# are removed again (they were tagged at creation, so they may be).
lt "$LT_TMP/with-c.xml" vl-create vn-c vl-c >"$LT_TMP/out" 2>&1
t_check "a VL without its port bridges is refused" "$?" "1"
t_ok "the error says which port bridge is missing" grep -q "port bridge vnb.* is missing" "$LT_TMP/out"
t_check "no end of that VL is left behind" "$(ip -n $LT_P-rm1 -o link show | grep -c "$C_END_A\|$C_END_B")" "0"

# A foreign interface where vn-c's port bridge would go.
ip -n $LT_P-rm1 link add "$C_BR_A" type veth peer name vnmtforeign
lt "$LT_TMP/with-c.xml" vl-create vn-c vl-c >"$LT_TMP/out" 2>&1
t_check "a VL is never plugged into a foreign interface" "$?" "1"
t_ok "the error says the would-be bridge is not vnmd's" grep -q "$C_BR_A.* is not vnmd's" "$LT_TMP/out"
t_check "no end of that VL is left behind (2)" "$(ip -n $LT_P-rm1 -o link show | grep -c "$C_END_A\|$C_END_B")" "0"
lt "$LT_TMP/with-c.xml" setup >"$LT_TMP/out" 2>&1
t_check "setup over a foreign interface is refused" "$?" "1"
t_ok "the error says the interface is not vnmd's" grep -q "data-exists: .*$C_BR_A.* is not vnmd's" "$LT_TMP/out"
t_check "the foreign interface is untouched (still a veth, no tag, down)" \
	"$(ip -n $LT_P-rm1 -d -o link show "$C_BR_A" | grep -c 'alias\|,UP\|bridge')" "0"

lt "$LT_TMP/plain.xml" own rm1 >"$LT_TMP/own1" 2>&1
t_ok "own objects on rm1 include the VXLAN end of vl-b" grep -q " vn-b/vl-b$" "$LT_TMP/own1"
t_ok "own objects on rm1 include the HTB on the physical interface" grep -q "^qdisc vnmtp1 " "$LT_TMP/own1"
t_ok "own objects never include the foreign interface" bash -c "! grep -q '$C_BR_A' '$LT_TMP/own1'"
t_ok "remove-own on rm1" lt "$LT_TMP/plain.xml" remove-own rm1
t_check "no vnmd interface left on rm1" "$(ip -n $LT_P-rm1 -o link show | grep -c 'alias vnmd:')" "0"
t_check "no vnmd qdisc left on rm1's physical interface" \
	"$(ip netns exec $LT_P-rm1 tc qdisc show dev vnmtp1 | grep -c '766e:')" "0"
t_check "the foreign interface survived" "$(ip -n $LT_P-rm1 -o link show "$C_BR_A" | wc -l)" "1"
t_check "rm2 keeps its objects (vn-b's port bridge and VXLAN end, HTB)" \
	"$(lt "$LT_TMP/plain.xml" own rm2 | grep -c .)" "3"
# A host whose namespace does not exist: the error names it.
sed "s|<vnm:netns>$LT_P-rm2<|<vnm:netns>$LT_P-missing<|" "$LT_TMP/plain.xml" >"$LT_TMP/missing.xml"
lt "$LT_TMP/missing.xml" setup >"$LT_TMP/out" 2>&1
t_check "setup on a host without its namespace fails" "$?" "1"
t_ok "the error names the host and its namespace" \
	grep -q "host rm2: its network namespace $LT_P-missing .* cannot be opened" "$LT_TMP/out"

# One driver context while the RM's namespace is deleted and made again
# (as test rigs and RM restarts do): the driver notices and reconnects;
# the new VL end is a new counter source, so its discontinuity moves.
lt_ns $LT_P-w
cat >"$LT_TMP/watch.xml" <<EOF
$(lt_cfg_open)
    <network>
      <network-id>underlay</network-id>
      <network-types><vnm:physical-network/></network-types>
      <node><node-id>rmw</node-id><vnm:host><vnm:netns>$LT_P-w</vnm:netns></vnm:host></node>
    </network>
$(lt_cfg_vn vn-w vl-w - "<vnm:rate-limit>10000000</vnm:rate-limit>" rmw rmw)
$(lt_cfg_close)
EOF
lt "$LT_TMP/watch.xml" watch vn-w vl-w 2 2500 >"$LT_TMP/watch.out" 2>&1 &
PW=$!
sleep 1.2
ip netns del $LT_P-w
ip netns add $LT_P-w
wait $PW
t_check "the driver kept working across the namespace's replacement" "$?" "0"
t_check "both rounds read the VL" "$(grep -c '^round=.*up=1' "$LT_TMP/watch.out")" "2"
t_ok "the second round's counters restarted later (discontinuity moved)" python3 -c "
import re, sys
r = [dict(kv.split('=') for kv in l.split()) for l in open('$LT_TMP/watch.out') if l.startswith('round=')]
sys.exit(0 if len(r) == 2 and int(r[1]['discontinuity']) > int(r[0]['discontinuity']) else 1)"
# The driver's real-kernel paths under ASan+UBSan (leaks make it fail),
# when `make asan` has built the sanitized library.
if [ -f "$ROOT/build/asan/libvnm.a" ] &&
	cc -O1 -g -std=gnu11 -D_GNU_SOURCE -DVNM_YANG_DIR="\"$ROOT/yang\"" \
		-DVNM_IETF_DIR='"/usr/share/yuma/modules/ietf"' -I"$ROOT/core" \
		$(pkg-config --cflags libnl-route-3.0) -fsanitize=address,undefined \
		-fno-omit-frame-pointer -fno-sanitize-recover=undefined -o "$LT_TMP/linktool-asan" \
		"$ROOT/tests/tools/linktool.c" "$ROOT/build/asan/libvnm.a" \
		$(pkg-config --libs libyang libnetconf2 libvirt libnl-route-3.0 libnl-3.0 libxml-2.0) \
		-lnetsnmpagent -lnetsnmp -lssh -lcrypt -lpthread -lm 2>"$LT_TMP/cc.err"; then
	A=$LT_TMP/linktool-asan
	lt "$LT_TMP/plain.xml" teardown >/dev/null 2>&1
	for cmd in probe setup setup shape "counters vn-a vl-a" "counters vn-b vl-b" "own rm1" \
		"unshape vn-b vl-b" "shape vn-b vl-b" "remove-own rm2" teardown; do
		t_ok "under ASan+UBSan: $cmd" "$A" "$LT_TMP/plain.xml" $cmd
	done
else
	echo "# no ASan library (make asan) or no compiler: sanitized run skipped"
fi
t_done
