#!/usr/bin/env bash
# layout.sh - the architecture's arrows point down, and the build enforces it.
#
# Each part is compiled with only its own include paths (Makefile INC_*):
# every file of the part compiles with them, and a probe file placed in the
# part that includes a header from above (a front, a driver, core
# internals) does not compile.  A grep finds no #include of a front's header
# outside daemon/, tests/ and that front.  Needs no root and no services.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

CC=${CC:-gcc}
DEFS=(-std=gnu11 -D_GNU_SOURCE -DVNM_YANG_DIR=\"yang\" -DVNM_IETF_DIR=\"ietf\")

incs() { make -s --no-print-directory print-incs DIR="$1"; }

# part: headers it must not see
declare -A FORBIDDEN=(
	[core]="server.h agent.h hv_libvirt.h link_nl.h link_int.h peer_nc.h peer_int.h check.h dot.h"
	[drivers/hypervisor]="plan.h txn.h model_int.h core_int.h store.h server.h agent.h link_nl.h link_int.h peer_nc.h check.h"
	[drivers/link]="plan.h txn.h model_int.h core_int.h store.h server.h agent.h hv_libvirt.h check.h"
	[drivers/peer]="plan.h txn.h model_int.h core_int.h store.h server.h agent.h hv_libvirt.h link_nl.h link_int.h check.h"
	[netconf-server]="model.h driver.h plan.h txn.h model_int.h core_int.h agent.h rows.h hv_libvirt.h link_nl.h check.h"
	[snmp-agent]="model.h driver.h plan.h txn.h model_int.h core_int.h server.h edit.h hv_libvirt.h link_nl.h check.h"
)

for part in core drivers/hypervisor drivers/link drivers/peer netconf-server snmp-agent; do
	read -r -a flags <<<"$(incs "$part")"
	bad=""
	for f in "$part"/*.c; do
		"$CC" "${DEFS[@]}" "${flags[@]}" -fsyntax-only "$f" 2>/dev/null || bad="$bad $f"
	done
	t_check "$part: every file compiles with the part's own include paths" "${bad:-none}" none
	for h in ${FORBIDDEN[$part]}; do
		probe="$part/.layout_probe_$$.c"
		t_cleanup "rm -f '$probe'"
		printf '#include "%s"\nint layout_probe;\n' "$h" >"$probe"
		if "$CC" "${DEFS[@]}" "${flags[@]}" -fsyntax-only "$probe" 2>/dev/null; then
			t_fail "$part cannot include $h" "it compiled"
		else
			t_pass "$part cannot include $h"
		fi
		rm -f "$probe"
	done
done

# a probe proves the probes can pass: core.h is what the fronts are meant to use
probe="netconf-server/.layout_probe_$$.c"
printf '#include "core.h"\nint layout_probe;\n' >"$probe"
read -r -a flags <<<"$(incs netconf-server)"
t_ok "a front can include core.h" "$CC" "${DEFS[@]}" "${flags[@]}" -fsyntax-only "$probe"
rm -f "$probe"

front_headers() { # front: its headers' names
	(cd "$1" && ls *.h)
}
for front in netconf-server snmp-agent; do
	hits=""
	for h in $(front_headers "$front"); do
		hits="$hits$(grep -rln --include='*.[ch]' "#include \"$h\"" core drivers netconf-server snmp-agent tools 2>/dev/null |
			grep -v "^$front/" | tr '\n' ' ')"
	done
	t_check "no #include of a $front header outside daemon/, tests/ and $front/" "${hits:-none}" none
done

# no file over 900 lines in the parts, no function over 120 lines
long=""
for f in core/*.[ch] core/*/*.h drivers/*/*.[ch] netconf-server/*.[ch] snmp-agent/*.[ch] daemon/*.[ch]; do
	n=$(wc -l <"$f")
	[ "$n" -gt 900 ] && long="$long $f:$n"
done
t_check "no source file of the daemon over 900 lines" "${long:-none}" none

# functions: from a line starting a definition at column 0 to the closing
# brace at column 0
longfn=$(awk '
	FNR == 1 { start = 0 }
	/^[A-Za-z_].*\(/ && !/;[[:space:]]*$/ { name = $0; start = FNR }
	/^\{/ && start { open = FNR }
	/^\}/ && open {
		if (FNR - open > 120) { sub(/\(.*/, "", name); printf " %s:%s(%d)", FILENAME, name, FNR - open }
		start = 0; open = 0
	}' core/*.c drivers/*/*.c netconf-server/*.c snmp-agent/*.c daemon/*.c)
t_check "no function of the daemon over 120 lines" "${longfn:-none}" none

t_done
