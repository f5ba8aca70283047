#!/usr/bin/env bash
# A scripted yangcli (yuma123) session against vnmd over SSH with a password
# user: lock, edit-config, unlock, reads with XPath and subtree, candidate
# and commit, validate, copy-config and delete-config on startup, get-schema,
# an error reply, kill-session of a session that does not exist.  vnmd runs
# with test:///default; its host lives in a namespace this test creates.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

VNMD=${VNMD_BIN:-build/vnmd}
command -v yangcli >/dev/null || t_skip_all "yangcli is not installed"
[ -x "$VNMD" ] || t_skip_all "$VNMD is not built"

tmp=$(mktemp -d)
ns=vnmt-ycli$$
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
t_cleanup "rm -rf $tmp"
t_cleanup "ip netns del $ns"
ip netns add "$ns"

echo "alice:$(openssl passwd -6 wonderland)" >"$tmp/passwd"
"$VNMD" -f -s "$tmp/state" -u "$tmp/sock" -U test:///default -l "127.0.0.1:$port" \
	-p "$tmp/passwd" -L info 2>"$tmp/vnmd.log" &
pid=$!
t_cleanup "kill $pid; wait $pid"
for _ in $(seq 100); do
	[ -S "$tmp/sock" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done

NETS='xmlns="urn:ietf:params:xml:ns:yang:ietf-network" xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology" xmlns:vnm="urn:vnmd:yang:vnmd"'
UNDERLAY="<network><network-id>underlay</network-id><network-types><vnm:physical-network/></network-types><node><node-id>rm1</node-id><vnm:host><vnm:libvirt-uri>test:///default</vnm:libvirt-uri><vnm:netns>$ns</vnm:netns></vnm:host></node></network>"
router() { # name [vcpus]
	echo "<node><node-id>$1</node-id><supporting-node><network-ref>underlay</network-ref><node-ref>rm1</node-ref></supporting-node><vnm:router>${2:+<vnm:vcpus>$2</vnm:vcpus>}<vnm:image><vnm:kernel>/var/lib/vnmd/images/vmlinuz</vnm:kernel></vnm:image></vnm:router></node>"
}
VN="<network><network-id>ncy1</network-id><network-types><vnm:virtual-network/></network-types><supporting-network><network-ref>underlay</network-ref></supporting-network>"
echo "<networks $NETS>$UNDERLAY$VN$(router r1)</network></networks>" >"$tmp/create.xml"
echo "<networks $NETS>$VN$(router r1 2)</network></networks>" >"$tmp/vcpus2.xml"
echo "<networks $NETS xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\">$VN$(router r1 | sed 's/<node>/<node nc:operation="create">/')</network></networks>" >"$tmp/dup.xml"

cat >"$tmp/session.yangcli" <<EOF
lock target=running
edit-config target=running config=@$tmp/create.xml
unlock target=running
sget /networks/network/node/node-id
edit-config target=candidate config=@$tmp/vcpus2.xml
validate source=candidate
commit
get-config source=running
copy-config source=running target=startup
get-config source=startup
delete-config target=startup
get-schema identifier=vnmd format=yang
xget /networks/network/node/router/oper-state
kill-session session-id=4242
EOF
# yangcli ends a script at the first error reply: one error per session
cat >"$tmp/error.yangcli" <<EOF
edit-config target=running config=@$tmp/dup.xml
EOF

out=$(timeout 120 yangcli --server=127.0.0.1 --ncport="$port" --user=alice --password=wonderland \
	--batch-mode --run-script="$tmp/session.yangcli" \
	--modpath="$PWD/yang:/usr/share/yuma/modules/ietf" --module=vnmd </dev/null 2>&1)
out2=$(timeout 60 yangcli --server=127.0.0.1 --ncport="$port" --user=alice --password=wonderland \
	--batch-mode --run-script="$tmp/error.yangcli" \
	--modpath="$PWD/yang:/usr/share/yuma/modules/ietf" --module=vnmd </dev/null 2>&1)
echo "$out" "$out2" >"$tmp/yangcli.out"

t_check "yangcli connected with a password" "$(grep -c 'RPC OK Reply 2 ' <<<"$out")" 1
t_check "lock, edit-config, unlock, edit candidate, validate, commit answered ok" \
	"$(grep -cE 'RPC OK Reply (2|3|4|6|7|8) ' <<<"$out")" 6
t_check "the router runs (xget of oper-state)" "$(grep -c 'oper-state running' <<<"$out")" 1
t_check "commit reached running (vcpus 2)" "$(grep -c 'vcpus 2' <<<"$out")" 2
t_check "copy-config and delete-config of startup ok" "$(grep -cE 'RPC OK Reply (10|12) ' <<<"$out")" 2
t_check "get-schema serves vnmd's text" "$(grep -c "data 'module vnmd {" <<<"$out")" 1
t_check "kill-session of an unknown session: invalid-value" \
	"$(grep -A6 'RPC Error Reply 15 ' <<<"$out" | grep -c 'error-tag invalid-value')" 1
t_check "create of an existing router: data-exists" \
	"$(grep -A6 'RPC Error Reply 2 ' <<<"$out2" | grep -c 'error-tag data-exists')" 1
t_check "vnmd logged alice's sessions" "$(grep -c 'session [0-9]* of alice\( from [^ ]*\)\? started' "$tmp/vnmd.log")" 2
kill -0 "$pid" 2>/dev/null && t_pass "vnmd still runs" || t_fail "vnmd still runs"
t_check "yangcli understood every reply (error-path prefixes declared)" "$(grep -c "got invalid reply" "$tmp/yangcli.out")" 0
[ "$T_FAIL" -eq 0 ] || { echo "--- yangcli output"; tail -60 "$tmp/yangcli.out"; }
t_done
