#!/usr/bin/env bash
# The README's "Using it", step by step, as an operator does it:
#   1. make install (into a fresh temporary root; a DESTDIR install and
#      uninstall first: exactly the listed files, and nothing left after);
#      the man page renders without a warning; systemd-analyze verify
#      accepts the unit;
#   2. a configuration file; `vnmd -n` checks it;
#   3. start vnmd: under systemd where systemd is PID 1, else the same
#      command line the unit runs (the skip says so), with NOTIFY_SOCKET
#      so that its READY=1 is seen either way;
#   4. snmpd as AgentX master (a private one: port and socket of this test);
#   5. ncclient over SSH: a first edit that creates examples/bare.xml (a VN
#      of two routers on test:///default and a link);
#   6. yangcli with --module=vnmd and no --modpath;
#   7. snmptable of vnmLinkTable with no -M or -m: the link and its counters;
#   8. the VN removed; the rows go; SIGHUP (systemctl reload) keeps it
#      serving; SIGTERM stops it with exit 0;
#   9. make uninstall: the temporary root is empty again.
# The temporary root stands for /: yangcli gets YUMA_MODPATH=ROOT/usr/share/
# yuma/modules for /usr/share/yuma/modules and net-snmp SNMPCONFPATH=/etc/
# snmp:ROOT/usr/share/snmp for its default path; vnmd itself was compiled
# with the root's paths (make install PREFIX=ROOT/usr/local ...).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/snmp_env.bash"
sn_require
cd "$SN_ROOT"
command -v yangcli >/dev/null || t_skip_all "yangcli is not installed (make deps)"

tmp=$SN_TMP
root=$(mktemp -d /tmp/vnmt-root.XXXXXX)
t_cleanup "rm -rf '$root'"
ns=vnmt-wt$$
t_cleanup "ip netns del $ns"
ip netns add "$ns"
ip -n "$ns" link set lo up
DIRS=(PREFIX="$root/usr/local" SYSCONFDIR="$root/etc" YUMADIR="$root/usr/share/yuma/modules/vnmd"
      SNMPCONFDIR="$root/usr/share/snmp" UNITDIR="$root/lib/systemd/system")

# --- 1. install ---------------------------------------------------------
dest=$(mktemp -d /tmp/vnmt-dest.XXXXXX)
t_cleanup "rm -rf '$dest'"
t_ok "make install DESTDIR=... PREFIX=/usr" make -s install DESTDIR="$dest" PREFIX=/usr
t_check "DESTDIR install: the files an operator gets" \
	"$(cd "$dest" && find . -type f | sort | grep -v '/mibs/[A-Za-z0-9-]*\.mib$' | paste -sd' ')" \
	"./etc/vnmd/vnmd.conf ./lib/systemd/system/vnmd.service ./usr/sbin/vnmd ./usr/share/man/man8/vnmd.8 ./usr/share/snmp/snmp.conf ./usr/share/vnmd/install-manifest ./usr/share/vnmd/mibs/VNMD-MIB.txt ./usr/share/yang/modules/vnmd/vnmd@2026-11-24.yang ./usr/share/yuma/modules/vnmd/vnmd@2026-11-24.yang"
t_check "the base MIBs VNMD-MIB imports are installed beside it" \
	"$(ls "$dest/usr/share/vnmd/mibs" | grep -c -e SNMPv2-SMI -e SNMPv2-TC -e SNMPv2-CONF -e IF-MIB)" 4
t_ok "DESTDIR install: make uninstall" make -s uninstall DESTDIR="$dest" PREFIX=/usr
t_check "DESTDIR install: uninstall leaves the root empty" "$(find "$dest" -mindepth 1 | wc -l)" 0

t_ok "make install into a fresh root" make -s install "${DIRS[@]}"
VNMD=$root/usr/local/sbin/vnmd
UNIT=$root/lib/systemd/system/vnmd.service
t_check "the unit runs the installed vnmd" "$(grep '^ExecStart=' "$UNIT")" "ExecStart=$VNMD --foreground"
out=$(MANWIDTH=80 man --warnings -l "$root/usr/local/share/man/man8/vnmd.8" 2>&1 >"$tmp/man.txt")
t_check "man -l: vnmd(8) renders without a warning" "$out" ""
missing=$(for opt in $("$VNMD" --help | grep -oE -- '--[a-z-]+' | sort -u); do
	grep -qF -- "$opt" "$tmp/man.txt" || echo "$opt"; done)
t_check "vnmd(8) documents every option of --help" "$missing" ""
t_ok "vnmd(8) documents the exit statuses and the state directory" \
	grep -qE 'EXIT STATUS' "$tmp/man.txt"
if command -v systemd-analyze >/dev/null; then
	out=$(MANPATH="$root/usr/local/share/man" systemd-analyze verify "$UNIT" 2>&1)
	t_check "systemd-analyze verify vnmd.service" "$out" ""
else
	t_skip "systemd-analyze verify vnmd.service" "systemd-analyze is not installed"
fi

# --- 2. configuration -----------------------------------------------------
t_ok "vnmd -n: the installed default configuration file is valid" \
	"$VNMD" -n --state-dir "$tmp/none"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "alice:$(openssl passwd -6 wonderland)" >"$tmp/passwd"
cat >"$tmp/vnmd.conf" <<CONF
# the walk-through's vnmd.conf
state-dir = $tmp/state
unix-socket = $tmp/vnmd.sock
ssh-listen = 127.0.0.1:$port
ssh-password-file = $tmp/passwd
libvirt-uri = test:///default
agentx-socket = $SN_SOCK
CONF
out=$("$VNMD" -n --config-file "$tmp/vnmd.conf" 2>&1)
t_check "vnmd -n --config-file: the file is ok, no datastore yet (exit 0)" "$?" 0
t_ok "vnmd -n names the file it read" grep -q "vnmd.conf: ok" <<<"$out"
echo "workers = many" >>"$tmp/bad.conf"
out=$("$VNMD" -n --config-file "$tmp/bad.conf" 2>&1)
t_check "a bad value: exit 2" "$?" 2
t_check "a bad value: FILE:LINE and why" "$out" "$tmp/bad.conf:1: workers = many: expected a number from 1 to 5"

# --- 3. start -------------------------------------------------------------
sn_snmpd_start || exit 1
/usr/bin/python3 - "$tmp/notify.sock" "$tmp/notify.out" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(60)
open(sys.argv[2], "w").write(s.recv(256).decode())
PY
npid=$!
t_cleanup "kill $npid"
sn_wait_for 5 test -S "$tmp/notify.sock"
if [ -d /run/systemd/system ]; then
	echo "systemd is PID 1: vnmd runs as a service"
	svc=vnmt-wt$$
	sed -e "s|^ExecStart=.*|ExecStart=$VNMD --foreground --config-file $tmp/vnmd.conf|" \
		-e "/^\[Service\]/a NetworkNamespacePath=/run/netns/$ns" "$UNIT" >"/run/systemd/system/$svc.service"
	t_cleanup "systemctl stop $svc; rm -f /run/systemd/system/$svc.service; systemctl daemon-reload"
	systemctl daemon-reload
	t_ok "systemctl start (Type=notify: returns once vnmd is ready)" systemctl start "$svc"
	pid=$(systemctl show -p MainPID --value "$svc")
	echo "READY=1" >"$tmp/notify.out"
else
	t_skip "systemctl start vnmd (Type=notify)" "systemd is not PID 1 here: vnmd runs with the unit's command line, READY=1 read from NOTIFY_SOCKET"
	NOTIFY_SOCKET=$tmp/notify.sock ip netns exec "$ns" "$VNMD" --foreground \
		--config-file "$tmp/vnmd.conf" 2>"$tmp/vnmd.log" &
	pid=$!
	t_cleanup "kill $pid; wait $pid"
fi
sn_wait_for 30 test -s "$tmp/notify.out"
t_check "vnmd told its manager READY=1 once serving" "$(cat "$tmp/notify.out" 2>/dev/null)" "READY=1"
t_ok "NETCONF over SSH listens" sn_wait_for 10 ip netns exec "$ns" \
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"

# --- 5. ncclient: the first edit -----------------------------------------
ncc() { # edit-config FILE-OR-XML over SSH with ncclient; prints errors
	ip netns exec "$ns" /usr/bin/python3 - "$port" "$1" <<'PY'
import os, sys
from ncclient import manager
arg = sys.argv[2]
cfg = open(arg).read() if os.path.exists(arg) else arg
cfg = cfg[cfg.index("<config"):]
with manager.connect(host="127.0.0.1", port=int(sys.argv[1]), username="alice",
                     password="wonderland", hostkey_verify=False, allow_agent=False,
                     look_for_keys=False, timeout=30) as m:
    m.edit_config(target="running", config=cfg)
PY
}
t_ok "ncclient: edit-config creates examples/bare.xml (two routers, a link)" ncc examples/bare.xml

# --- 6. yangcli -------------------------------------------------------------
printf 'sget /networks/network/node/node-id\nxget /networks/network/node/router/oper-state\n' >"$tmp/y.script"
out=$(YUMA_MODPATH="$root/usr/share/yuma/modules" timeout 120 ip netns exec "$ns" yangcli \
	--server=127.0.0.1 --ncport="$port" --user=alice --password=wonderland --batch-mode \
	--run-script="$tmp/y.script" --module=vnmd </dev/null 2>&1)
t_check "yangcli --module=vnmd without --modpath: the module loads" \
	"$(grep -c "module not found" <<<"$out")" 0
t_check "yangcli: the routers r1 and r2" "$(grep -oE 'node-id (r1|r2)' <<<"$out" | sort -u | paste -sd,)" \
	"node-id r1,node-id r2"
t_check "yangcli: both routers run" "$(grep -c 'oper-state running' <<<"$out")" 2

# --- 7. snmptable -----------------------------------------------------------
export SNMPCONFPATH=/etc/snmp:$root/usr/share/snmp
tbl() { snmptable -v2c -c public -Cf '|' "$SN_AGENT" VNMD-MIB::vnmLinkTable 2>"$tmp/snmp.err"; }
t_ok "snmptable: the link's row within 5 s" sn_wait_for 5 bash -c "$(declare -f tbl); SN_AGENT=$SN_AGENT tmp=$tmp tbl | grep -q '^l1|'"
out=$(tbl)
echo "$out"
t_check "snmptable with neither -M nor -m: no message on stderr" "$(cat "$tmp/snmp.err")" ""
t_check "snmptable: l1 from r1 to r2, 10 Mbit/s limit" \
	"$(awk -F'|' '$1 == "l1" {print $2, $4, $7}' <<<"$out")" "r1 r2 10000 kbit/s"
hdr=$(sed -n 3p <<<"$out")
t_ok "snmptable: the counters' columns (HC octets and packets, in and out)" \
	grep -q 'vnmLinkHCInOctets.*vnmLinkHCOutOctets' <<<"$(tr '|' ' ' <<<"$hdr")"

# --- 8. remove --------------------------------------------------------------
t_ok "ncclient: the VN removed" ncc '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><networks xmlns="urn:ietf:params:xml:ns:yang:ietf-network" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><network nc:operation="delete"><network-id>vn1</network-id></network></networks></config>'
t_ok "snmptable: the link's row is gone" sn_wait_for 5 bash -c "! snmptable -v2c -c public -Cf '|' $SN_AGENT VNMD-MIB::vnmLinkTable 2>/dev/null | grep -q '^l1|'"
t_ok "vnmd -n: the saved running datastore is valid" "$VNMD" -n --config-file "$tmp/vnmd.conf"
kill -HUP "$pid"
sleep 0.5
t_ok "SIGHUP (reload): still serving" kill -0 "$pid"
if [ -d /run/systemd/system ]; then
	t_ok "systemctl stop" systemctl stop "$svc"
else
	kill -TERM "$pid"
	wait "$pid"
	t_check "SIGTERM: exit 0" "$?" 0
fi
unset SNMPCONFPATH

# --- 9. uninstall -----------------------------------------------------------
t_ok "make uninstall" make -s uninstall "${DIRS[@]}"
t_check "uninstall leaves the root empty" "$(find "$root" -mindepth 1 | paste -sd' ')" ""
t_done
