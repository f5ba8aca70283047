#!/usr/bin/env bash
# bench/kernel_floor_shared.sh - the kernel floor of creating and deleting
# N VLs between two hosts, per design of the link driver, with iproute2 and
# no vnmd: what any driver of that design can at best reach (issue 16,
# targets 1 and 2).
#
# Two "hosts" are namespaces vnmt-ksh-h1 and vnmt-ksh-h2 joined by a veth
# pair (the physical link, 10.77.0.1 - 10.77.0.2); every VL i has one vNIC
# on each host, VNI 100000+i.  Designs (per host half of each VL):
#   cur  today's driver: a VXLAN device and a port bridge per vNIC, the
#        VXLAN end enslaved to it (ip -batch)
#   bl   bridgeless: the VXLAN device only, glued to the tap by an ingress
#        u32 match-all + mirred redirect each way (tc -batch): no bridge
#   sh   shared: per host one VLAN-aware bridge and one collect-metadata
#        VXLAN device (vnifilter) per 4,000 VLs (VLAN ids are 12 bits), per
#        VL a VLAN with its VNI mapping (bridge -batch); no per-VL
#        netdevice.  Needs CONFIG_BRIDGE_VLAN_FILTERING: where the kernel
#        has none, only its VXLAN half is measured (shvx: the vnifilter
#        devices and one `bridge vni add ... remote` per VL) and
#        sh_unsupported says why
# plus, in every design, the HTB class and u32 filter per VL on each
# host's physical interface (tc -batch), of the driver's shape
# (drivers/link/link_int.h, link_tcmsg.c, encap_vxlan.c: root 766e: with a
# size table, a 256-bucket u32 hash table on the VNI's low byte whose
# bucket b sends to a bucket class holding a child HTB, the VL's class and
# its VNI filter in that child).
#
# vNIC taps are libvirt's and exist in every design: persistent taps
# (ip tuntap) stand in for them, made before the timed part (taps_N_create_s
# is their own cost); the "plug" figures are what a design adds per tap.
# Deletion is timed while a probe in a third namespace runs one rtnl
# operation (veth add + del) and one `ip netns add` + `del` after another:
# their longest latency is how long another user of the machine waited.
# At the first size, three sample VLs get veth stand-ins whose far ends sit
# in small "guest" namespaces: a ping must pass within a VL, must not pass
# between VLs, and the ping's VL class on the physical interface must count
# packets while an idle VL's class counts none.
#
#   bash bench/kernel_floor_shared.sh [N...]   (root; default 1000 10000)
#   KFS_BRIDGELESS_MAX (default: no limit): sizes above it skip design bl
#   (at 10,000 VLs it alone takes about 3.5 minutes)
#   KFS_CURRENT_MAX (default 1000): sizes above it skip design cur, whose
#   deletion costs one rcu_barrier per bridge (about 17 ms here, with the
#   rtnl lock held: 10,000 VLs are 20,000 bridges, 6 minutes during which
#   every namespace operation on the machine waits)
#
# Prints key=value lines (seconds unless _ms) for bench/report.py.
set -u
SIZES=${*:-1000 10000}
CUR_MAX=${KFS_CURRENT_MAX:-1000}
BL_MAX=${KFS_BRIDGELESS_MAX:-1000000}
P=vnmt-ksh
H1=$P-h1
H2=$P-h2
PR=$P-pr
VLAN_PER_BR=4000
[ "$(id -u)" = 0 ] || { echo "kernel_floor_shared: needs root" >&2; exit 1; }
T=$(mktemp -d /tmp/vnmt-ksh.XXXXXX)
PROBE_PID=

all_ns() {
	ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-"
}
# The namespaces gone, their shaping first and at once: the kernel frees a
# deleted namespace's interfaces after `ip netns del` returns, and each
# HTB class it frees takes the machine-wide lock of tc blocks that the next
# measurement's classes need (it would time the last one's teardown).
drop_ns() {
	local ns
	for ns in $(all_ns); do
		tc -n "$ns" qdisc del dev vnmtp root 2>/dev/null
		ip netns del "$ns"
	done
}
cleanup() {
	local ns
	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null
	for ns in $(all_ns); do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for ns in $(all_ns); do ip netns del "$ns"; done

now() { date +%s%N; }
secs() { # secs NS: nanoseconds as seconds
	printf '%d.%06d' $(($1 / 1000000000)) $((($1 % 1000000000) / 1000))
}
die() {
	echo "kernel_floor_shared: $*" >&2
	exit 1
}
# run TOOL NS FILE: TOOL -batch FILE in namespace NS; the time is added to
# $ACC (nanoseconds)
ACC=0
run() {
	local t0
	t0=$(now)
	"$1" -n "$2" -batch "$3" >/dev/null 2>"$T/err" || die "$1 -n $2 -batch $3: $(head -3 "$T/err")"
	ACC=$((ACC + $(now) - t0))
}
# timed KEY TOOL FILE: the same file (its @L@ and @R@ the local and remote
# address) on both hosts, one after the other; prints KEY=the sum in
# seconds (no subshell: a failure ends the script)
timed() {
	ACC=0
	sed 's/@L@/10.77.0.1/g; s/@R@/10.77.0.2/g' "$3" >"$T/b1"
	sed 's/@L@/10.77.0.2/g; s/@R@/10.77.0.1/g' "$3" >"$T/b2"
	run "$2" $H1 "$T/b1"
	run "$2" $H2 "$T/b2"
	echo "$1=$(secs $ACC)"
}

vni() { echo $((100000 + $1)); }
minor() { printf '%x' $((0x10 + $1)); }

# the hosts, their physical link and its HTB root / u32 tables (as
# link_tc.c makes them once per physical interface)
hosts() {
	local h
	ip netns add $H1 && ip netns add $H2 && ip netns add $PR || die "cannot add namespaces"
	ip -n $H1 link add vnmtp type veth peer name vnmtp netns $H2 || die "veth"
	for h in 1 2; do
		# no IPv6 link-local chatter (router solicitations, MLD) from the
		# bridges and guests: an idle VL's class must count nothing
		ip netns exec $P-h$h sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n $P-h$h link set lo up
		ip -n $P-h$h addr add 10.77.0.$h/24 dev vnmtp
		ip -n $P-h$h link set vnmtp up
		tc -n $P-h$h qdisc add dev vnmtp root handle 766e: stab overhead -50 \
			linklayer ethernet htb default 2 &&
		tc -n $P-h$h class add dev vnmtp parent 766e: classid 766e:1 htb rate 100gbit \
			ceil 100gbit quantum 1514 &&
		tc -n $P-h$h class add dev vnmtp parent 766e:1 classid 766e:2 htb rate 1mbit \
			ceil 100gbit quantum 1514 &&
		tc -n $P-h$h filter add dev vnmtp parent 766e: prio 10 protocol ip handle 1: u32 \
			divisor 256 &&
		tc -n $P-h$h filter add dev vnmtp parent 766e: prio 10 protocol ip handle 800::fff \
			u32 ht 800: match u8 5 0x0f at 0 match u8 17 0xff at 9 \
			match u16 4789 0xffff at 22 link 1: hashkey mask 0x0000ff00 at 32 ||
			die "cannot set up the HTB root on host $h"
	done
}

# probe ROUNDS: one rtnl operation, then one namespace creation and
# deletion, over and over until $T/stop exists (at most ROUNDS rounds and
# 900 s); prints "rtnl_us netns_us" per round
probe() {
	local i t0 t1 t2 end=$((SECONDS + 900))
	for ((i = 0; i < $1 && SECONDS < end; i++)); do
		[ -e "$T/stop" ] && break
		t0=$(now)
		ip -n $PR link add vnmtq0 type veth peer name vnmtq1 && ip -n $PR link del vnmtq0
		t1=$(now)
		ip netns add $P-pn && ip netns del $P-pn
		t2=$(now)
		echo "$(((t1 - t0) / 1000)) $(((t2 - t1) / 1000))"
	done
}
probe_start() {
	rm -f "$T/stop"
	probe 5000 >"$T/probe" 2>/dev/null &
	PROBE_PID=$!
	sleep 0.05
}
# probe_stop KEY: the probe's longest latencies as KEY_rtnl_max_ms, ...
probe_stop() {
	touch "$T/stop"
	wait "$PROBE_PID" 2>/dev/null
	PROBE_PID=
	awk -v k="$1" '{ if ($1 > r) r = $1; if ($2 > n) n = $2; c++ }
		END { printf "%s_rtnl_max_ms=%.1f\n%s_netns_max_ms=%.1f\n%s_probe_rounds=%d\n",
		      k, r / 1000, k, n / 1000, k, c }' "$T/probe"
}

# tc: one class and one u32 filter per VL (and their deletion), in the
# driver's layout (drivers/link/link_int.h): VNI bucket b = VNI & 0xff has
# a class 766e:(100+b) under the capacity class, a child HTB G[b]: with a
# capacity class G[b]:1, and one filter 1:b:fff in the root's hash table;
# a VL's class and its VNI filter sit in its bucket's child, and each VL
# added or removed changes its bucket's rate (the sum of its VLs') in
# place, as the driver does.  The bucket goes with its last VL.
# G[b]: the driver's majors (vnm_lnl_group_major): from 0x7700 up, those
# the kernel's qdisc hash (hash_32(handle, 4)) does not put with handle 0
G=()
gm=$((0x7700))
while [ ${#G[@]} -lt 256 ]; do
	(((gm * 0x8647 & 0xffff) >> 12)) && G[${#G[@]}]=$gm
	gm=$((gm + 1))
done
tc_files() { # N
	local i v b n m k g
	local -a cnt node
	# (printf -v and no subshell per line: 10,000 VLs are 50,000 lines)
	for ((i = 1; i <= $1; i++)); do
		v=$((100000 + i))
		b=$((v & 255))
		printf -v g '%x' ${G[$b]}
		if [ -z "${cnt[$b]:-}" ]; then
			cnt[$b]=0
			printf 'class add dev vnmtp parent 766e:1 classid 766e:%x htb rate 1mbit ceil 100gbit quantum 1514\n' $((0x100 + b)) >&3
			echo "qdisc add dev vnmtp parent 766e:$(printf %x $((0x100 + b))) handle $g: htb" >&3
			echo "class add dev vnmtp parent $g: classid $g:1 htb rate 100gbit ceil 100gbit quantum 1514" >&3
			printf 'filter add dev vnmtp parent 766e: prio 10 protocol ip handle 1:%x:fff u32 ht 1:%x: match u32 0 0 flowid 766e:%x\n' $b $b $((0x100 + b)) >&3
		fi
		cnt[$b]=$((cnt[$b] + 1))
		node[$i]=${cnt[$b]}
		printf -v n '%x' ${cnt[$b]}
		printf -v m '%x' $((0x10 + i))
		printf -v k '0x%08x' $((v << 8))
		echo "class add dev vnmtp parent $g:1 classid $g:$m htb rate 1mbit ceil 100gbit burst 1514 cburst 1514 quantum 1514" >&3
		echo "filter add dev vnmtp parent $g: prio 10 protocol ip handle 800::$n u32 match u32 $k 0xffffff00 at 32 flowid $g:$m" >&3
		printf 'class change dev vnmtp parent 766e:1 classid 766e:%x htb rate %dmbit ceil 100gbit quantum 1514\n' $((0x100 + b)) ${cnt[$b]} >&3
	done 3>"$T/tc_add"
	for ((i = 1; i <= $1; i++)); do
		v=$((100000 + i))
		b=$((v & 255))
		printf -v g '%x' ${G[$b]}
		printf -v n '%x' ${node[$i]}
		printf -v m '%x' $((0x10 + i))
		echo "filter del dev vnmtp parent $g: prio 10 protocol ip handle 800::$n u32"
		echo "class del dev vnmtp classid $g:$m"
		cnt[$b]=$((cnt[$b] - 1))
		if [ ${cnt[$b]} = 0 ]; then
			printf 'filter del dev vnmtp parent 766e: prio 10 protocol ip handle 1:%x:fff u32\n' $b
			printf 'class del dev vnmtp classid 766e:%x\n' $((0x100 + b))
		else
			printf 'class change dev vnmtp parent 766e:1 classid 766e:%x htb rate %dmbit ceil 100gbit quantum 1514\n' $((0x100 + b)) ${cnt[$b]}
		fi
	done >"$T/tc_rm"
}

# the stand-ins of the vNIC taps; the first S of them veth pairs into
# guest namespaces $P-g<host><i> (address 10.78.0.<host><i>)
taps() { # N S
	local h i
	for h in 1 2; do
		for ((i = 1; i <= $2; i++)); do
			ip netns add $P-g$h$i || die "guest namespace"
			ip netns exec $P-g$h$i sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1
			ip -n $P-h$h link add vnmtt$i type veth peer name eth0 netns $P-g$h$i
			ip -n $P-g$h$i link set lo up
			ip -n $P-g$h$i addr add 10.78.0.$h$i/24 dev eth0
			ip -n $P-g$h$i link set eth0 up
		done
	done
	for ((i = $2 + 1; i <= $1; i++)); do echo "tuntap add dev vnmtt$i mode tap"; done >"$T/taps"
	timed "taps_${1}_create_s" ip "$T/taps"
}

# pkts I: packets sent by VL I's class on host 1's physical interface (in
# the child HTB of its VNI's bucket)
pkts() {
	tc -n $H1 -s class show dev vnmtp classid "$(printf %x ${G[$(($(vni "$1") & 255))]}):$(minor "$1")" |
		awk '/Sent/ { print $4; f = 1; exit } END { if (!f) print -1 }'
}

# traffic KEY S: within a VL a ping passes, between VLs it does not, and
# the VL's class on the physical interface counts it
traffic() {
	local k=$1 s=$2 why="" c1 c3 a1 a3
	[ "$s" -ge 3 ] || return 0
	a1=$(pkts 1)
	a3=$(pkts 3)
	ip netns exec $P-g11 busybox ping -c 2 -W 1 10.78.0.21 >/dev/null 2>&1 ||
		why="$why no-ping-within-vl1"
	ip netns exec $P-g12 busybox ping -c 2 -W 1 10.78.0.22 >/dev/null 2>&1 ||
		why="$why no-ping-within-vl2"
	ip netns exec $P-g11 busybox ping -c 2 -W 1 10.78.0.22 >/dev/null 2>&1 &&
		why="$why ping-from-vl1-to-vl2"
	ip netns exec $P-g11 busybox ping -c 1 -W 1 10.78.0.23 >/dev/null 2>&1 &&
		why="$why ping-from-vl1-to-vl3"
	# VL 1 carried pings (at least 2 requests from host 1); VL 3 nothing
	c1=$(($(pkts 1) - a1))
	c3=$(($(pkts 3) - a3))
	[ "$c1" -ge 2 ] || why="$why vl1-class-counted-$c1"
	[ "$c3" -eq 0 ] || why="$why vl3-class-counted-$c3"
	echo "${k}_traffic=${why:-ok}"
	echo "${k}_vl1_class_pkts=$c1"
}

# tcg N: the same classes grouped: the root's u32 bucket of a VNI's low
# byte sends its packets to a group class 766e:(100+bucket) holding a
# child HTB qdisc (10bb:) with the bucket's VL classes and their u32
# filters; the group's rate is the sum of its VLs' (one class change per
# VL).  The kernel walks every class of a qdisc when it adds or deletes
# one (tc_bind_tclass): flat, that is N^2/2 steps; grouped, N^2/512.
tcg() {
	local n=$1 i v b m
	drop_ns
	hosts
	: >"$T/tcg_add"
	: >"$T/tcg_rm"
	for ((b = 0; b < 256; b++)); do
		printf 'class add dev vnmtp parent 766e:1 classid 766e:%x htb rate 1mbit ceil 100gbit quantum 1514\n' $((0x100 + b))
		printf 'qdisc add dev vnmtp parent 766e:%x handle %x: htb\n' $((0x100 + b)) $((0x1000 + b))
		printf 'filter add dev vnmtp parent 766e: prio 10 protocol ip handle 1:%x:1 u32 ht 1:%x: match u32 0 0 flowid 766e:%x\n' $b $b $((0x100 + b))
	done >>"$T/tcg_add"
	declare -a cnt
	for ((i = 1; i <= n; i++)); do
		v=$((100000 + i))
		b=$((v & 255))
		cnt[$b]=$((${cnt[$b]:-0} + 1))
		printf -v m '%x' $((0x10 + i))
		printf 'class add dev vnmtp parent %x: classid %x:%s htb rate 1mbit ceil 100gbit burst 1514 cburst 1514 quantum 1514\n' $((0x1000 + b)) $((0x1000 + b)) "$m"
		printf 'filter add dev vnmtp parent %x: prio 10 protocol ip handle 800::%x u32 match u32 0x%08x 0xffffff00 at 32 flowid %x:%s\n' $((0x1000 + b)) $((i / 256 + 1)) $((v << 8)) $((0x1000 + b)) "$m"
		printf 'class change dev vnmtp parent 766e:1 classid 766e:%x htb rate %dmbit ceil 100gbit quantum 1514\n' $((0x100 + b)) $((${cnt[$b]} + 1))
		printf 'filter del dev vnmtp parent %x: prio 10 protocol ip handle 800::%x u32\n' $((0x1000 + b)) $((i / 256 + 1)) >>"$T/tcg_rm"
		printf 'class del dev vnmtp classid %x:%s\n' $((0x1000 + b)) "$m" >>"$T/tcg_rm"
		printf 'class change dev vnmtp parent 766e:1 classid 766e:%x htb rate %dmbit ceil 100gbit quantum 1514\n' $((0x100 + b)) $((${cnt[$b]})) >>"$T/tcg_rm"
	done >>"$T/tcg_add"
	timed "tcg_${n}_create_s" tc "$T/tcg_add"
	echo "tcg_${n}_classes_h1=$(tc -n $H1 class show dev vnmtp | wc -l)"
	timed "tcg_${n}_delete_s" tc "$T/tcg_rm"
	drop_ns
}

can_vlan_bridge() {
	ip -n $PR link add vnmtvb type bridge vlan_filtering 1 2>"$T/err" || return 1
	ip -n $PR link del vnmtvb
}
vlan_reason() {
	local why
	why=$(head -1 "$T/err")
	if zcat /proc/config.gz 2>/dev/null | grep -q '^CONFIG_BRIDGE=y' &&
		! zcat /proc/config.gz | grep -q '^CONFIG_BRIDGE_VLAN_FILTERING=y'; then
		why="kernel $(uname -r) built without CONFIG_BRIDGE_VLAN_FILTERING ($why)"
	fi
	echo "$why"
}

# one design at one size: create, traffic, delete (printing figures)
design() { # D N S
	local d=$1 n=$2 s=$3 k i g t0 v
	k=${d}_$n
	: >"$T/mkb"
	for ns in $(all_ns); do ip netns del "$ns"; done
	hosts
	taps "$n" "$s"
	case $d in
	cur)
		for ((i = 1; i <= n; i++)); do
			echo "link add vnmtx$i type vxlan id $((100000 + i)) local @L@ remote @R@ dstport 4789 nolearning"
			echo "link add vnmtb$i type bridge"
			echo "link set vnmtx$i master vnmtb$i up"
			echo "link set vnmtb$i up"
		done >"$T/mk"
		for ((i = 1; i <= n; i++)); do echo "link set vnmtt$i master vnmtb$i up"; done >"$T/plug"
		;;
	bl)
		for ((i = 1; i <= n; i++)); do
			echo "link add vnmtx$i type vxlan id $((100000 + i)) local @L@ remote @R@ dstport 4789 nolearning"
			echo "link set vnmtx$i up"
		done >"$T/mk"
		for ((i = 1; i <= n; i++)); do
			echo "qdisc add dev vnmtx$i ingress"
			echo "filter add dev vnmtx$i parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev vnmtt$i"
			echo "qdisc add dev vnmtt$i ingress"
			echo "filter add dev vnmtt$i parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev vnmtx$i"
		done >"$T/plug"
		for ((i = 1; i <= n; i++)); do echo "link set vnmtt$i up"; done >"$T/up"
		;;
	sh | shvx)
		: >"$T/mk"
		: >"$T/mkb"
		for ((g = 0; g <= (n - 1) / VLAN_PER_BR; g++)); do
			echo "link add vnmtsx$g type vxlan dstport 4789 local @L@ external vnifilter nolearning" >>"$T/mk"
			if [ $d = sh ]; then
				echo "link add vnmtsb$g type bridge vlan_filtering 1 vlan_default_pvid 0 mcast_snooping 0" >>"$T/mk"
				echo "link set vnmtsx$g master vnmtsb$g" >>"$T/mk"
				echo "link set dev vnmtsx$g vlan_tunnel on learning off" >>"$T/mkb"
				echo "link set vnmtsb$g up" >>"$T/mk"
			fi
			echo "link set vnmtsx$g up" >>"$T/mk"
		done
		for ((i = 1; i <= n; i++)); do
			g=$(((i - 1) / VLAN_PER_BR))
			v=$(((i - 1) % VLAN_PER_BR + 2))
			if [ $d = sh ]; then
				echo "vlan add dev vnmtsx$g vid $v"
				echo "vlan add dev vnmtsx$g vid $v tunnel_info id $((100000 + i))"
			fi
			echo "vni add dev vnmtsx$g vni $((100000 + i)) remote @R@"
		done >>"$T/mkb"
		: >"$T/plug"
		: >"$T/plugb"
		if [ $d = sh ]; then
			for ((i = 1; i <= n; i++)); do
				echo "link set vnmtt$i master vnmtsb$(((i - 1) / VLAN_PER_BR)) up"
				echo "vlan add dev vnmtt$i vid $(((i - 1) % VLAN_PER_BR + 2)) pvid untagged" >>"$T/plugb"
			done >"$T/plug"
		fi
		;;
	esac
	ACC=0
	sed 's/@L@/10.77.0.1/g; s/@R@/10.77.0.2/g' "$T/mk" >"$T/b1"
	sed 's/@L@/10.77.0.2/g; s/@R@/10.77.0.1/g' "$T/mk" >"$T/b2"
	run ip $H1 "$T/b1"
	run ip $H2 "$T/b2"
	if [ -s "$T/mkb" ]; then
		sed 's/@L@/10.77.0.1/g; s/@R@/10.77.0.2/g' "$T/mkb" >"$T/b1"
		sed 's/@L@/10.77.0.2/g; s/@R@/10.77.0.1/g' "$T/mkb" >"$T/b2"
		run bridge $H1 "$T/b1"
		run bridge $H2 "$T/b2"
	fi
	echo "${k}_create_s=$(secs $ACC)"
	if [ $d = bl ]; then
		# the taps up (libvirt's; a port bridge's enslaving does it in cur)
		timed "${k}_taps_up_s" ip "$T/up"
		timed "${k}_plug_s" tc "$T/plug"
	elif [ $d = cur ]; then
		timed "${k}_plug_s" ip "$T/plug"
	elif [ $d = sh ]; then
		ACC=0
		run ip $H1 "$T/plug"
		run ip $H2 "$T/plug"
		run bridge $H1 "$T/plugb"
		run bridge $H2 "$T/plugb"
		echo "${k}_plug_s=$(secs $ACC)"
	fi
	tc_files "$n"
	timed "${k}_tc_create_s" tc "$T/tc_add"
	[ $d != shvx ] && traffic "$k" "$s"

	# deletion, with the probe running
	# (no pipeline: a signal during one would leave the probe running)
	rm -f "$T/stop"
	probe 20 >"$T/idle" 2>/dev/null
	awk -v k="$k" '{ if ($1 > r) r = $1; if ($2 > n) n = $2 }
		END { printf "%s_idle_rtnl_max_ms=%.1f\n%s_idle_netns_max_ms=%.1f\n", k, r / 1000, k, n / 1000 }' "$T/idle"
	case $d in
	cur)
		for ((i = 1; i <= n; i++)); do echo "link set vnmtx$i group 77"; echo "link set vnmtb$i group 77"; done >"$T/grp"
		;;
	bl)
		for ((i = 1; i <= n; i++)); do echo "qdisc del dev vnmtt$i ingress"; done >"$T/unplug"
		for ((i = 1; i <= n; i++)); do echo "link set vnmtx$i group 77"; done >"$T/grp"
		;;
	sh | shvx)
		for ((i = 1; i <= n; i++)); do
			g=$(((i - 1) / VLAN_PER_BR))
			echo "vni delete dev vnmtsx$g vni $((100000 + i))"
			[ $d = sh ] && echo "vlan del dev vnmtsx$g vid $(((i - 1) % VLAN_PER_BR + 2))"
		done >"$T/rmb"
		: >"$T/unplug"
		[ $d = sh ] && for ((i = 1; i <= n; i++)); do echo "link set vnmtt$i nomaster"; done >"$T/unplug"
		;;
	esac
	probe_start
	t0=$(now)
	timed "${k}_tc_delete_s" tc "$T/tc_rm"
	case $d in
	cur | bl)
		[ $d = bl ] && timed "${k}_unplug_s" tc "$T/unplug"
		timed "${k}_group_s" ip "$T/grp"
		ACC=0
		i=$(now)
		ip -n $H1 link del group 77 || die "group delete"
		ip -n $H2 link del group 77 || die "group delete"
		echo "${k}_delete_s=$(secs $(($(now) - i)))"
		;;
	sh | shvx)
		timed "${k}_delete_s" bridge "$T/rmb"
		[ $d = sh ] && timed "${k}_unplug_s" ip "$T/unplug"
		;;
	esac
	echo "${k}_delete_all_s=$(secs $(($(now) - t0)))"
	probe_stop "$k"
	# what is left (taps, shared devices, namespaces): not timed; the
	# namespaces' own cleanup runs in the kernel's background
	for ns in $(all_ns); do ip netns del "$ns"; done
}

echo "kernel=$(uname -r)"
echo "kfs_sizes=$SIZES"
ip netns add $PR || die "cannot add namespace $PR"
if can_vlan_bridge; then
	SH="sh"
	echo "sh_supported=1"
else
	SH=shvx
	echo "sh_supported=0"
	echo "sh_unsupported=$(vlan_reason)"
fi
ip netns del $PR
first=1
for n in $SIZES; do
	s=0
	[ $first = 1 ] && s=3
	for d in cur bl $SH; do
		[ $d = cur ] && [ "$n" -gt "$CUR_MAX" ] && continue
		[ $d = bl ] && [ "$n" -gt "$BL_MAX" ] && continue
		design $d "$n" $s
	done
	first=0
done
# the grouped classes at each size (the floor's own growth)
for n in $SIZES; do tcg "$n"; done
