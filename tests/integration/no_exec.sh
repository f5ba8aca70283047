#!/usr/bin/env bash
# no_exec.sh - no code path of vnmd runs a shell or another program: the
# binary imports none of system, popen, the exec family or posix_spawn (it
# forks only to become a daemon).  What libvirt itself might run is closed by
# the hypervisor URI policy (--allow-uri), tested in test_netconf.py.
cd "$(dirname "$0")/../.."
. tests/lib.sh

for bin in build/vnmd; do
	[ -x "$bin" ] || { t_fail "$bin is built"; continue; }
	imports=$(nm -D --undefined-only "$bin" | awk '{print $2}' | sed 's/@.*//')
	t_check "$bin imports symbols at all (the check can see them)" \
		"$(echo "$imports" | grep -cx 'socket' )" 1
	bad=$(echo "$imports" | grep -xE 'system|popen|execv?[lpe]*|fexecve|posix_spawnp?|wordexp' | tr '\n' ' ')
	t_check "$bin imports no way to run a program" "${bad:-none}" none
done
t_done
