#!/usr/bin/env bash
# demo.sh - the paper's experiment (section 4, Figures 5 and 6) end to end:
# `make demo` (real QEMU routers) or `make demo-fast` (VNMD_DEMO_FAST=1:
# libvirt's test:///default, routers stood in by network namespaces).
#
# Two real machines joined by one 32 Mbit/s physical link: rm1 and rm2 are
# the network namespaces vnmdemo-rm1 and vnmdemo-rm2 (nothing of the demo
# lives in this machine's own namespace but the guests' taps until vnmd
# plugs them), the link a veth pair vnmdemo-p1/vnmdemo-p2 between them.  vnmd runs with NETCONF
# over SSH and an AgentX subagent of a private snmpd.  The NMS
# (tools/demo_nms.py, ncclient) sends examples/demo.xml: two VNs, each with
# one VR per RM and one VL over the physical link; VN a runs IPv4, VN b
# IPv6 over the same physical link (the paper's "second IPv6 network
# driven in parallel").  Four clients (network namespaces) hang off the
# VRs' second vNICs; iperf3 from the rm2 side of each VN to its rm1 side
# (over IPv6 in VN b) saturates the link.  Phases, each $VNMD_DEMO_PHASE
# seconds (default 25):
#   equal       both VLs share the link                 (paper: 16 / 16)
#   guarantee   NETCONF: vl-a guaranteed-rate 30 Mbit/s  (paper: ~30 / ~2)
#   removed     NETCONF: the guarantee removed           (16 / 16)
#   limit       NETCONF: vl-a rate-limit 8 Mbit/s        (~8 / ~24)
# The NMS polls the VLs' HC octet counters over SNMP every second.  Output
# in demo-out/: samples.csv (raw counters), throughput.csv, iperf3.csv,
# figure6.png, table.txt, topology.png, logs.  The routers are never
# touched from inside: their domain ids stay the same throughout.
#
# `make demo-multi` (VNMD_DEMO_MULTI=1): one vnmd per RM, as on real
# machines.  rm1's and rm2's vnmds (--host rm1, --host rm2) each realise
# their own RM's share; a third vnmd, the coordinator, takes the NMS's
# edits and carries each one to both with confirmed commits (the hosts'
# <management> address, allowed by --allow-peer), and serves VNMD-MIB with
# the VLs' counters it reads from the RMs' vnmds (vnmd's <get>, every
# 500 ms); the routers' domain ids come from each RM's vnmd.
#
# `make demo-shared` (VNMD_DEMO_SHARED=1): the same with vnmd's shared
# datapath (--link-datapath shared): each RM has one VXLAN device, the
# routers' taps of the two VLs get vnmd's BPF programs instead of port
# bridges (the clients' vNICs, which have no VL, keep theirs).  Real QEMU
# routers only: the fast variant plugs its stand-ins into port bridges.
#
# Everything the demo creates (vnmd, snmpd, domains, namespaces, interfaces,
# iperf3) is removed on exit, Ctrl-C or failure.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

# VNMD_DEMO_OUT: output directory; VNMD_DEMO_PREFIX: names of the
# namespaces and interfaces the demo makes (tests use vnmt-...)
# OUT: demo-out/ (real routers) or demo-out-fast/ (the fast variant), set
# once the variant is known, so that one run never overwrites the other's
OUT=${VNMD_DEMO_OUT:-$ROOT/demo-out}
P=${VNMD_DEMO_PREFIX:-vnmdemo}
RM1=$P-rm1
RM2=$P-rm2
PHASE=${VNMD_DEMO_PHASE:-25}
FAST=${VNMD_DEMO_FAST:-0}
MULTI=${VNMD_DEMO_MULTI:-0}
SHARED=${VNMD_DEMO_SHARED:-0}
DP_ARGS=()
[ "$SHARED" = 1 ] && DP_ARGS=(--link-datapath shared)
URI=qemu:///system
PY=/usr/bin/python3
NMS_PY=$ROOT/tools/demo_nms.py
VNMD=$ROOT/build/vnmd
DOT=$ROOT/build/tools/vnm_dot
IMAGES=/var/lib/vnmd/images
SERIAL_LOGS=/var/log/vnmd
TMP=$(mktemp -d "/tmp/$P.XXXXXX")
T_START=$(date +%s.%N)
NC_PORT=$((20000 + RANDOM % 10000))
SNMP_PORT=$((NC_PORT + 10000))
SNMP_AGENT=127.0.0.1:$SNMP_PORT

PIDS=()          # processes we started (killed on exit)
NETNS=()         # namespaces we created
ROOT_LINKS=()    # interfaces we created in the root namespace
VNMD_PID=
RM_PIDS=()       # the RMs' own vnmds (demo-multi)
SNMPD_PID=
VARIANT=

say() { printf '[%6.1fs] %s\n' "$(echo "$(date +%s.%N) - $T_START" | bc)" "$*"; }
die() {
	say "FAILED: $*"
	[ -f "$OUT/vnmd.log" ] && { echo "--- last lines of $OUT/vnmd.log"; tail -15 "$OUT/vnmd.log"; }
	# VNMD_DEMO_HOLD=SECONDS: keep everything up that long to look around
	[ -n "${VNMD_DEMO_HOLD:-}" ] && { say "holding for $VNMD_DEMO_HOLD s"; sleep "$VNMD_DEMO_HOLD"; }
	exit 1
}
nms() { timeout --foreground 180 "$PY" "$NMS_PY" --port "$NC_PORT" --user admin --key "$TMP/nms_key" "$@"; }
# routers: one line per VR with its domain id, from the vnmd that runs it
# (demo-multi: each RM's vnmd knows its own routers' domains)
routers() {
	local i
	if [ "$MULTI" != 1 ]; then nms routers; return; fi
	for i in 1 2; do
		timeout --foreground 60 "$PY" "$NMS_PY" --port $((NC_PORT + i)) --user admin \
			--key "$TMP/nms_key" routers | awk '$3 != "-" && $3 != "-1"' || return 1
	done | sort
}
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	say "cleaning up"
	touch "$TMP/stop"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "$TMP"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	# vnmd removes what it created (domains, bridges, tunnels, shaping)
	if [ -n "$VNMD_PID" ] && kill -0 "$VNMD_PID" 2>/dev/null; then
		nms remove vn-a vn-b underlay >/dev/null 2>&1 ||
			say "vnmd could not remove the networks; removing them by hand"
		kill "$VNMD_PID" 2>/dev/null
		wait "$VNMD_PID" 2>/dev/null
	fi
	for p in "${RM_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$SNMPD_PID" ] && { kill "$SNMPD_PID" 2>/dev/null; wait "$SNMPD_PID" 2>/dev/null; }
	# whatever is left: domains, the root namespace's interfaces, namespaces
	if [ -f "$TMP/names" ]; then
		local uri=$URI
		[ "$VARIANT" = fast ] && uri=
		if [ -n "$uri" ]; then
			for d in $(awk '$1 == "vnic" {print $10}' "$TMP/names" | sort -u); do
				virsh -c "$uri" domstate "$d" >/dev/null 2>&1 || continue
				virsh -c "$uri" destroy "$d" >/dev/null 2>&1
				virsh -c "$uri" undefine "$d" >/dev/null 2>&1
			done
		fi
		for l in $(awk '$1 == "vnic" && $6 == "-" {print $7, $8} $1 == "vl" {print $6}' "$TMP/names"); do
			ip link show "$l" >/dev/null 2>&1 && ip link del "$l" 2>/dev/null
		done
	fi
	for l in "${ROOT_LINKS[@]}"; do
		ip link show "$l" >/dev/null 2>&1 && ip link del "$l" 2>/dev/null
	done
	for n in "${NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
	# the libvirtd and virtlogd the demo started (none that ran before)
	bash tools/libvirtd-down.sh | sed 's/^/    /'
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# ------------------------------------------------------------ preflight
[ "$(id -u)" = 0 ] || die "run as root (namespaces, libvirt, tc): sudo make demo"
for t in iperf3 snmpd snmpget snmpwalk gnuplot dot ssh-keygen bc virsh busybox; do
	command -v $t >/dev/null || die "$t is missing: run make deps"
done
"$PY" -c "import ncclient, lxml" 2>/dev/null || die "python3-ncclient is missing: run make deps"
[ -x "$VNMD" ] || die "build/vnmd is missing: run make"
make -s build/tools/vnm_dot >/dev/null 2>&1 || die "cannot build build/tools/vnm_dot"
for n in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
	die "namespace $n exists: another demo is running (or left over: ip netns del $n)"
done
# Real QEMU routers, or the fast variant when guests cannot run here.
why_fast=
if [ "$FAST" = 1 ]; then
	why_fast="VNMD_DEMO_FAST=1"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	why_fast="qemu-system-x86_64 is not installed"
else
	bash tools/libvirtd-up.sh || why_fast="libvirtd does not answer on $URI"
	if [ -z "$why_fast" ]; then
		say "router image (make image)"
		bash image/build.sh >"$TMP/image.log" 2>&1 || why_fast="the router image cannot be built ($(tail -1 "$TMP/image.log"))"
	fi
fi
if [ -n "$why_fast" ]; then
	VARIANT=fast
	URI=test:///default
	OUT=${VNMD_DEMO_OUT:-$ROOT/demo-out-fast}
	say "################################################################"
	say "variant: FAST (routers are network namespaces, libvirt test:///default) because $why_fast"
	say "# the FAST VARIANT, not the real demo with QEMU routers"
	say "# (output in $OUT; the real demo writes demo-out/)"
	say "################################################################"
else
	VARIANT=qemu
	say "variant: REAL (4 QEMU/TCG router guests on $URI)"
fi
if [ "$SHARED" = 1 ]; then
	[ $VARIANT = qemu ] || die "the shared datapath demo needs real routers ($why_fast)"
	[ -n "${VNMD_DEMO_OUT:-}" ] || OUT=$OUT-shared
	say "shared datapath (--link-datapath shared): one VXLAN device per RM, BPF on the taps; output in $OUT"
fi
if [ "$MULTI" = 1 ]; then
	[ -n "${VNMD_DEMO_OUT:-}" ] || OUT=$OUT-multi
	say "one vnmd per RM (demo-multi): rm1's and rm2's vnmds and a coordinator; output in $OUT"
fi
mkdir -p "$OUT"
rm -f "$OUT"/*.csv "$OUT"/*.json "$OUT"/*.png "$OUT"/*.txt "$OUT"/*.log "$OUT"/*.dot

sed -e "s|qemu:///system|$URI|" -e "s|vnmdemo-|$P-|g" examples/demo.xml >"$TMP/demo.xml"
# demo-multi: each RM is reached through its own vnmd's UNIX socket
[ "$MULTI" = 1 ] && sed -i -E "s|(<vnm:netns>$P-(rm[12])</vnm:netns>)|\\1<vnm:management><vnm:address>unix:$TMP/\\2.sock</vnm:address></vnm:management>|" "$TMP/demo.xml"
"$DOT" -n "$TMP/demo.xml" >"$TMP/names" || die "cannot read examples/demo.xml"
"$DOT" "$TMP/demo.xml" >"$OUT/topology.dot" && dot -Tpng -o "$OUT/topology.png" "$OUT/topology.dot"
# name VN VR VNIC FIELD: tap, bridge, netns or domain of a vNIC
name() {
	awk -v vn="$1" -v vr="$2" -v nic="$3" -v f="$4" '$1 == "vnic" && $2 == vn && $3 == vr && $4 == nic {
		print (f == "netns" ? $6 : f == "tap" ? $7 : f == "bridge" ? $8 : $10) }' "$TMP/names"
}
# vaddr VN SUBNET HOST: an address of VN's plan: VN a is IPv4 (10.1.S.H/24),
# VN b IPv6 (fd02:S::H/64), as examples/demo.xml gives its routers
vaddr() { if [ "$1" = a ]; then echo "10.1.$2.$3"; else echo "fd02:$2::$3"; fi; }
vnet() { if [ "$1" = a ]; then echo "10.1.$2.0/24"; else echo "fd02:$2::/64"; fi; }
vlen() { if [ "$1" = a ]; then echo 24; else echo 64; fi; }
# v6on NETNS: IPv6 without duplicate address detection (VN b's members)
v6on() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}
# in_rm NETNS|- CMD...: run CMD in an RM's namespace ("-": the root one)
in_rm() { local n=$1; shift; if [ "$n" = - ]; then "$@"; else ip netns exec "$n" "$@"; fi; }
mkns() {
	ip netns add "$1" || die "cannot create namespace $1"
	NETNS+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# ------------------------------------------------------------ underlay
say "underlay: rm1, rm2 = namespaces $RM1, $RM2; physical link $P-p1 <-> $P-p2 (32 Mbit/s, shaped by vnmd)"
mkns "$RM1"
mkns "$RM2"
ip -n "$RM1" link add $P-p1 mtu 1600 type veth peer name $P-p2 mtu 1600 netns "$RM2" ||
	die "cannot create the physical link"
ip -n "$RM1" addr add 10.250.0.1/24 dev $P-p1
ip -n "$RM2" addr add 10.250.0.2/24 dev $P-p2
ip -n "$RM1" link set $P-p1 up
ip -n "$RM2" link set $P-p2 up

# ------------------------------------------------------------ snmpd, vnmd
say "snmpd master on udp:$SNMP_AGENT with AgentX at $TMP/agentx.sock"
cat >"$TMP/snmpd.conf" <<EOF
agentAddress udp:$SNMP_AGENT
master agentx
agentXSocket $TMP/agentx.sock
agentXTimeout 5
rocommunity public 127.0.0.1
dontLogTCPWrappersConnects yes
EOF
# Only the modules a master for VNMD-MIB needs: snmpd's own interface and
# host tables follow every interface and namespace the machine makes, and
# on a busy machine that keeps it from answering (the subagent then loses
# its AgentX session for seconds).
SNMP_PERSISTENT_DIR=$TMP/snmp setsid snmpd -f -Lf "$OUT/snmpd.log" -C -c "$TMP/snmpd.conf" \
	-M /nonexistent -m '' -I agentx,system_mib,snmp_mib,vacm_vars,vacm_conf >/dev/null 2>&1 &
SNMPD_PID=$!
wait_for 20 snmpget -v2c -c public -t 0.3 -r 0 "$SNMP_AGENT" .1.3.6.1.2.1.1.3.0 ||
	die "snmpd did not start (see $OUT/snmpd.log)"

ssh-keygen -q -t ed25519 -N "" -f "$TMP/nms_key" </dev/null
echo "admin $(cut -d' ' -f1,2 "$TMP/nms_key.pub") demo-nms" >"$TMP/authorized_keys"
AGENTX=(-x "$TMP/agentx.sock")
if [ "$MULTI" = 1 ]; then
	for i in 1 2; do
		say "rm$i's vnmd (--host rm$i): NETCONF on $TMP/rm$i.sock and SSH 127.0.0.1:$((NC_PORT + i))"
		setsid "$VNMD" -f -H rm$i -s "$TMP/state-rm$i" -u "$TMP/rm$i.sock" -U "$URI" \
			-l 127.0.0.1:$((NC_PORT + i)) -a "$TMP/authorized_keys" "${DP_ARGS[@]}" \
			-L info >"$OUT/vnmd-rm$i.log" 2>&1 &
		RM_PIDS+=($!)
		wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$((NC_PORT + i))" || die "rm$i's vnmd did not come up"
	done
	say "coordinator vnmd: NETCONF over SSH on 127.0.0.1:$NC_PORT, peers unix:$TMP/rm*.sock"
	AGENTX+=(--allow-peer "unix:$TMP/*.sock")
else
	say "vnmd: NETCONF over SSH on 127.0.0.1:$NC_PORT, VNMD-MIB over AgentX"
fi
# (setsid: a Ctrl-C reaches the demo, which then has vnmd remove what it made)
setsid "$VNMD" -f -s "$TMP/state" -u "$TMP/vnmd.sock" -U "$URI" -l 127.0.0.1:$NC_PORT \
	-a "$TMP/authorized_keys" "${AGENTX[@]}" "${DP_ARGS[@]}" -L info >"$OUT/vnmd.log" 2>&1 &
VNMD_PID=$!
wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$NC_PORT" || die "vnmd did not come up"

# ------------------------------------------------------------ the networks
# boots per router: its serial log's ready lines from now on
for d in $(awk '$1 == "vnic" {print $10}' "$TMP/names" | sort -u); do
	echo "$d $(grep -c 'vnmd-router ready' "$SERIAL_LOGS/$d.log" 2>/dev/null || echo 0)"
done >"$TMP/ready0"
say "NMS: edit-config examples/demo.xml (underlay, vn-a, vn-b: 4 routers, 2 links)"
t0=$SECONDS
nms edit "$TMP/demo.xml" >"$TMP/edit.log" 2>&1 || { cat "$TMP/edit.log"; die "the edit-config was refused"; }
say "committed in $((SECONDS - t0)) s"

if [ $VARIANT = qemu ] && [ "${VNMD_DEMO_RENICE:-1}" = 1 ]; then
	# TCG routers forward every packet in software.  On a busy machine the
	# rest of the load can starve them and the VLs then carry less than
	# the link offers, whatever the shaping says; as an RM's operator
	# would, give the four guests' QEMU processes CPU priority over batch
	# work (VNMD_DEMO_RENICE=0: do not).
	for d in $(awk '$1 == "vnic" {print $10}' "$TMP/names" | sort -u); do
		qpid=$(cat "/run/libvirt/qemu/$d.pid" 2>/dev/null) && renice -n -5 -p "$qpid" >/dev/null
	done
	say "router guests' QEMU processes at nice -5 (VNMD_DEMO_RENICE=0: leave them)"
fi

if [ $VARIANT = qemu ]; then
	# vnmd put the guests' taps into their RM's namespace and port bridges
	# (libvirt makes them in its own namespace; the link driver's vnic_plug)
	# (shared datapath: the taps of the VLs' vNICs, eth0, have vnmd's
	# transmit program instead, and no bridge)
	while read -r _ vn vr nic _ ns tap br _; do
		if [ "$SHARED" = 1 ] && [ "$nic" = eth0 ]; then
			wait_for 30 in_rm "$ns" bash -c "tc filter show dev $tap ingress | grep -q vnm_tx" ||
				die "router $vn/$vr: its tap $tap has no transmit program"
			continue
		fi
		in_rm "$ns" ip link show "$tap" 2>/dev/null | grep -q "master $br " ||
			die "router $vn/$vr: its tap $tap is not in its port bridge $br"
	done < <(awk '$1 == "vnic"' "$TMP/names")
else
	# Fast variant: each VR is a namespace forwarding between eth0 and
	# eth1, plugged into its port bridges by veths named like its taps.
	while read -r _ vn vr nic _ ns tap br _; do
		r=$P-${vn#vn-}${vr#vr}
		ip netns list | grep -qw "^$r" || {
			mkns "$r"
			ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
			[ "$vn" = vn-b ] && { v6on "$r"; ip netns exec "$r" sysctl -qw net.ipv6.conf.all.forwarding=1; }
		}
		in_rm "$ns" ip link add "$tap" type veth peer name "$nic" netns "$r" || die "cannot create $tap"
		[ "$ns" = - ] && ROOT_LINKS+=("$tap")
		in_rm "$ns" ip link set "$tap" master "$br" up
		ip -n "$r" link set "$nic" up
	done < <(awk '$1 == "vnic"' "$TMP/names")
	# addresses and routes as the guests take them from their command line
	for vn in a b; do
		l=$(vlen $vn)
		ip -n $P-${vn}1 addr add $(vaddr $vn 0 1)/$l dev eth0; ip -n $P-${vn}1 addr add $(vaddr $vn 1 1)/$l dev eth1
		ip -n $P-${vn}2 addr add $(vaddr $vn 0 2)/$l dev eth0; ip -n $P-${vn}2 addr add $(vaddr $vn 2 1)/$l dev eth1
		ip -n $P-${vn}1 route add $(vnet $vn 2) via $(vaddr $vn 0 2)
		ip -n $P-${vn}2 route add $(vnet $vn 1) via $(vaddr $vn 0 1)
	done
fi

# A guest's tap hands the bridge GSO packets whose segments the kernel has
# not counted yet; the link driver makes its VXLAN ends split them before
# encapsulation (gso_max_size 1514), or HTB on the physical link would count
# one tunnel overhead per 64 kB burst and the link would carry ~8% more than
# its capacity.  The demo checks that vnmd did so rather than fixing it.
while read -r _ _ _ _ ns_a end_a _ ns_b end_b; do
	for e in "$ns_a:$end_a" "$ns_b:$end_b"; do
		ns=${e%%:*} dev=${e#*:}
		g=$(in_rm "$ns" ip -d link show "$dev" 2>/dev/null | grep -o 'gso_max_size [0-9]*' | cut -d' ' -f2)
		[ -z "$g" ] || [ "$g" -le 1600 ] ||
			die "VL end $dev has gso_max_size $g: the link driver should have set 1514"
	done
done < <(awk '$1 == "vl"' "$TMP/names")

# Clients: one per VR, on the VR's eth1 port bridge.
say "clients: 4 namespaces on the routers' eth1"
for vn in a b; do
	for side in 1 2; do
		c=$P-c$vn$side
		ns=$(name vn-$vn vr$side eth1 netns)
		br=$(name vn-$vn vr$side eth1 bridge)
		mkns "$c"
		[ $vn = b ] && v6on "$c"
		in_rm "$ns" ip link add "$c" type veth peer name eth0 netns "$c" || die "cannot create client $c"
		[ "$ns" = - ] && ROOT_LINKS+=("$c")
		in_rm "$ns" ip link set "$c" master "$br" up || die "no port bridge $br for $c"
		ip -n "$c" addr add $(vaddr $vn $side 2)/$(vlen $vn) dev eth0
		ip -n "$c" link set eth0 up
		ip -n "$c" route add $([ $vn = b ] && echo ::/0 || echo default) via $(vaddr $vn $side 1)
	done
done

if [ $VARIANT = qemu ]; then
	say "waiting for the 4 routers to boot (TCG)"
	for d in $(awk '$1 == "vnic" {print $10}' "$TMP/names" | sort -u); do
		wait_for 150 grep -q "vnmd-router ready" "$SERIAL_LOGS/$d.log" ||
			die "router $d did not boot (see $SERIAL_LOGS/$d.log; make demo-fast needs no guests)"
	done
fi
for vn in a b; do
	wait_for ${VNMD_DEMO_PINGWAIT:-60} ip netns exec $P-c${vn}1 busybox ping -c 1 -W 1 $(vaddr $vn 2 2) ||
		die "vn-$vn: client $(vaddr $vn 1 2) cannot reach $(vaddr $vn 2 2) through its routers"
done
say "both VNs forward end to end (client -> VR -> VL over pl1 -> VR -> client; vn-a IPv4, vn-b IPv6)"
routers >"$OUT/routers-before.txt" || die "<get> of the routers failed"
sed 's/^/    /' "$OUT/routers-before.txt"

# ------------------------------------------------------------ traffic, phases
TOTAL=$((4 * PHASE + 2))
touch "$TMP/phases"
"$PY" "$NMS_PY" poll --agent "$SNMP_AGENT" --out "$OUT/samples.csv" --stop "$TMP/stop" \
	vn-a/vl-a vn-b/vl-b >"$OUT/poll.log" 2>&1 &
PIDS+=($!)
for vn in a b; do
	ip netns exec $P-c${vn}2 iperf3 -s -D -p 5201 --pidfile "$TMP/iperf3-s-$vn.pid" >/dev/null 2>&1
done
sleep 1
for vn in a b; do
	# -R: rm2's client sends, rm1's client receives and reports goodput;
	# the data crosses rm2's shaped end of the physical link and arrives
	# at the VL's source end on rm1 (vnmLinkHCInOctets)
	# -C cubic: loss-based TCP, as in the paper's time, keeps each VL's
	# class backlogged; BBR (this machine's default) paces at what it
	# measured and leaves a guarantee unused while TCG routers jitter
	ip netns exec $P-c${vn}1 iperf3 -c $(vaddr $vn 2 2) -p 5201 -R -C cubic -t $TOTAL -i 1 -J \
		>"$OUT/iperf3-vl-$vn.json" 2>&1 &
	PIDS+=($!)
	date +%s.%N >"$TMP/iperf3-$vn.launched"
	eval "IPERF_$vn=$!"
done
T_TRAFFIC=$(date +%s.%N)
# phase NAME TEXT [SENT]: NAME starts now; SENT: when its edit was sent
phase() { echo "$1 $(date +%s.%N) ${3:-}" >>"$TMP/phases"; say "phase: $2"; }
# edit N NAME TEXT NMS-ARGS...: at T_TRAFFIC + N phases, send the edit,
# then start phase NAME (phases keep their schedule even when an edit is slow)
edit() {
	local at t0 n=$1 name=$2 text=$3
	shift 3
	at=$(echo "$T_TRAFFIC + $n * $PHASE" | bc)
	sleep "$(echo "d = $at - $(date +%s.%N); if (d < 0) d = 0; d" | bc)"
	t0=$(date +%s.%N)
	nms "$@" || die "edit-config ($name) refused"
	phase "$name" "NETCONF edit-config: $text (took $(printf "%.2f" "$(echo "$(date +%s.%N) - $t0" | bc)") s)" "$t0"
}
phase equal "equal share, both VLs saturated by TCP (paper: 16 / 16 Mbit/s)"
edit 1 guarantee "vl-a guaranteed-rate 30 Mbit/s (paper: ~30 / ~2)" guarantee vn-a vl-a 30000000
edit 2 removed "vl-a's guarantee removed (back to 16 / 16)" unguarantee vn-a vl-a
edit 3 limit "vl-a rate-limit 8 Mbit/s (~8 / ~24)" limit vn-a vl-a 8000000
wait "$IPERF_a"; ra=$?
wait "$IPERF_b"; rb=$?
echo "end $(date +%s.%N)" >>"$TMP/phases"
touch "$TMP/stop"
sleep 1.5
cp "$TMP/phases" "$OUT/phases.txt"
[ $ra = 0 ] && [ $rb = 0 ] || say "warning: an iperf3 client failed (see $OUT/iperf3-vl-*.json)"

# ------------------------------------------------------------ results
routers >"$OUT/routers-after.txt" || die "<get> of the routers failed"
echo
echo "Throughput per VL and phase (Mbit/s), variant: $VARIANT"
"$PY" "$NMS_PY" report --csv "$OUT/samples.csv" --phases "$OUT/phases.txt" \
	--iperf vl-a="$OUT/iperf3-vl-a.json@$(cat "$TMP/iperf3-a.launched")" \
	vl-b="$OUT/iperf3-vl-b.json@$(cat "$TMP/iperf3-b.launched")" --out "$OUT" \
	--variant "$([ $VARIANT = qemu ] && echo "4 QEMU router guests" || echo "FAST VARIANT (because $why_fast): routers are network namespaces") - $(date -u +%Y-%m-%d)" --check
check=$?
echo
if cmp -s <(awk '{print $1, $2, $3}' "$OUT/routers-before.txt") <(awk '{print $1, $2, $3}' "$OUT/routers-after.txt"); then
	echo "Routers untouched: same domain ids before and after every change:"
	awk '{printf "    %s/%s domain-id %s (%s)\n", $1, $2, $3, $4}' "$OUT/routers-after.txt"
	if [ $VARIANT = qemu ]; then
		for d in $(awk '$1 == "vnic" {print $10}' "$TMP/names" | sort -u); do
			qpid=$(cat "/run/libvirt/qemu/$d.pid" 2>/dev/null)
			n0=$(awk -v d="$d" '$1 == d {print $2}' "$TMP/ready0")
			n=$(( $(grep -c 'vnmd-router ready' "$SERIAL_LOGS/$d.log") - ${n0:-0} ))
			echo "    $d: booted $n time(s), up $(ps -o etimes= -p "${qpid:-0}" 2>/dev/null | tr -d ' ') s (its QEMU process)"
		done
	fi
else
	echo "WARNING: a router's domain id changed during the demo:"
	paste "$OUT/routers-before.txt" "$OUT/routers-after.txt"
	check=4
fi
echo
echo "Plot:   $OUT/figure6.png"
echo "Table:  $OUT/table.txt     CSV: $OUT/throughput.csv (SNMP), $OUT/iperf3.csv, $OUT/samples.csv (raw counters)"
echo "Topology: $OUT/topology.png"
say "done (variant: $VARIANT)"
exit $check
