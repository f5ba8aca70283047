#!/usr/bin/env bash
# bench/kernel_floor.sh - what the kernel alone costs for the interfaces
# of VLs, with iproute2 and no vnmd: the floor under figure 2, and why
# vnmd deletes the interfaces of a transaction as one netdev group.
#
# In a network namespace of its own: N VXLAN devices and B bridges created
# with `ip -batch`, each VXLAN device enslaved to a bridge and brought up;
# then N/2 VXLAN devices deleted one by one (one RTM_DELLINK each, as a
# plain driver would) against the other N/2 deleted as one netdev group
# (vnmd's flush), and B/2 bridges as a group.  Prints key=value lines
# (seconds) for bench/report.py.
#
#   bash bench/kernel_floor.sh [N B]      (root; default 600 200)
set -u
N=${1:-600}
B=${2:-200}
NS=vnmt-kfloor
[ "$(id -u)" = 0 ] || { echo "kernel_floor: needs root" >&2; exit 1; }
ip netns del $NS 2>/dev/null
ip netns add $NS || exit 1
# the bridges' deletion waits for RCU each: the namespace's too
trap 'ip netns del $NS 2>/dev/null' EXIT
ip -n $NS link set lo up
ip -n $NS addr add 10.77.0.1/32 dev lo
T=$(mktemp -d /tmp/vnmt-kfloor.XXXXXX)
trap 'ip netns del $NS 2>/dev/null; rm -rf "$T"' EXIT

# timed FILE: seconds for `ip -batch FILE` in the namespace
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	ip -n $NS -batch "$1" >/dev/null || { echo "kernel_floor: ip -batch $1 failed" >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
for ((i = 1; i <= N; i++)); do
	echo "link add vnmtk$i type vxlan id $i local 10.77.0.1 remote 10.77.0.2 dstport 4789"
done >"$T/vxlan"
for ((i = 1; i <= B; i++)); do echo "link add vnmtkb$i type bridge"; done >"$T/bridge"
for ((i = 1; i <= B; i++)); do echo "link set vnmtk$i master vnmtkb$i up"; done >"$T/enslave"
for ((i = 1; i <= N / 2; i++)); do echo "link del vnmtk$i"; done >"$T/del_one"
for ((i = N / 2 + 1; i <= N; i++)); do echo "link set vnmtk$i group 77"; done >"$T/group"
for ((i = 1; i <= B / 2; i++)); do echo "link set vnmtkb$i group 78"; done >"$T/bgroup"

echo "vxlan_n=$N"
echo "bridge_n=$B"
echo "vxlan_create_s=$(timed "$T/vxlan")"
echo "bridge_create_s=$(timed "$T/bridge")"
echo "enslave_up_s=$(timed "$T/enslave")"
echo "vxlan_del_one_by_one_s=$(timed "$T/del_one")"
ip -n $NS -batch "$T/group" >/dev/null
t0=$(date +%s.%N)
ip -n $NS link del group 77
echo "vxlan_del_group_s=$(echo "$(date +%s.%N) - $t0" | bc -l)"
ip -n $NS -batch "$T/bgroup" >/dev/null
t0=$(date +%s.%N)
ip -n $NS link del group 78
echo "bridge_del_group_s=$(echo "$(date +%s.%N) - $t0" | bc -l)"
echo "deleted_each=$((N / 2))"
echo "bridges_deleted=$((B / 2))"
