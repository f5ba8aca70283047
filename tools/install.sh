#!/usr/bin/env bash
# install.sh install|uninstall - `make install` and `make uninstall`.
#
# Directories come from the Makefile's variables (PREFIX, SBINDIR, ...,
# DESTDIR), with the same defaults when run by hand.  Every file and every
# directory that install creates is written to a manifest,
# DATADIR/vnmd/install-manifest; uninstall removes exactly those (files,
# then the directories, deepest first, when empty) and nothing else.  The
# configuration file is installed only when there is none, and uninstall
# removes it only when it is still the one installed (an edited one stays,
# and uninstall says so).  net-snmp's snmp.conf in SNMPCONFDIR is installed
# only when no other file is there.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${PREFIX:=/usr/local}" "${SBINDIR:=$PREFIX/sbin}" "${DATADIR:=$PREFIX/share}"
: "${MANDIR:=$DATADIR/man}" "${SYSCONFDIR:=/etc}" "${YANGDIR:=$DATADIR/yang/modules/vnmd}"
: "${YUMADIR:=/usr/share/yuma/modules/vnmd}" "${VMIBDIR:=$DATADIR/vnmd/mibs}"
: "${SNMPCONFDIR:=/usr/share/snmp}" "${UNITDIR:=/lib/systemd/system}" "${BUILD:=build}"
: "${BASE_MIBS:=/usr/local/share/vnmd/base-mibs}"
D=${DESTDIR:-}
tmp=""
MANIFEST=$DATADIR/vnmd/install-manifest
CONF=$SYSCONFDIR/vnmd/vnmd.conf
MARK="# snmp.conf of vnmd"

# mkdirs DIR: create DIR and its missing parents under $D, each recorded
mkdirs() {
	local dir=$1 acc="" part
	IFS=/ read -ra parts <<<"${dir#/}"
	for part in "${parts[@]}"; do
		acc="$acc/$part"
		if [ ! -d "$D$acc" ]; then
			mkdir -m 0755 "$D$acc"
			echo "d $acc" >>"$tmpman"
		fi
	done
}

# put MODE SRC DST: install one file, recorded
put() {
	mkdirs "$(dirname "$3")"
	install -m "$1" "$2" "$D$3"
	echo "f $3" >>"$tmpman"
	echo "  $D$3"
}

do_install() {
	local f sum
	[ -x "$BUILD/inst/vnmd" ] || { echo "install: $BUILD/inst/vnmd is not built (make install builds it)" >&2; exit 1; }
	[ -f "$BASE_MIBS/SNMPv2-SMI.mib" ] || { echo "install: no base MIBs in $BASE_MIBS: run make deps" >&2; exit 1; }
	if [ -f "$D$MANIFEST" ]; then
		echo "install: an earlier install is there; removing it first"
		do_uninstall >/dev/null
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	tmpman=$tmp/manifest
	: >"$tmpman"
	echo "install: into ${D:-/}"
	put 0755 "$BUILD/inst/vnmd" "$SBINDIR/vnmd"
	for f in yang/vnmd@*.yang; do
		put 0644 "$f" "$YANGDIR/$(basename "$f")"
		put 0644 "$f" "$YUMADIR/$(basename "$f")"
	done
	put 0644 snmp-agent/VNMD-MIB.txt "$VMIBDIR/VNMD-MIB.txt"
	for f in "$BASE_MIBS"/*; do
		put 0644 "$f" "$VMIBDIR/$(basename "$f")"
	done
	sed "s|@SBINDIR@|$SBINDIR|g" dist/vnmd.service.in >"$tmp/vnmd.service"
	put 0644 "$tmp/vnmd.service" "$UNITDIR/vnmd.service"
	put 0644 man/vnmd.8 "$MANDIR/man8/vnmd.8"
	sed "s|@VMIBDIR@|$VMIBDIR|g" dist/snmp.conf.in >"$tmp/snmp.conf"
	if [ -f "$D$SNMPCONFDIR/snmp.conf" ] && ! head -1 "$D$SNMPCONFDIR/snmp.conf" | grep -qF "$MARK"; then
		echo "install: $D$SNMPCONFDIR/snmp.conf is not vnmd's: left alone; add to it:" >&2
		sed -n '/^mib/p' "$tmp/snmp.conf" >&2
	else
		put 0644 "$tmp/snmp.conf" "$SNMPCONFDIR/snmp.conf"
	fi
	if [ -e "$D$CONF" ]; then
		echo "install: $D$CONF exists: kept as it is"
	else
		mkdirs "$(dirname "$CONF")"
		install -m 0644 dist/vnmd.conf "$D$CONF"
		sum=$(sha256sum <"$D$CONF" | cut -d' ' -f1)
		echo "c $sum $CONF" >>"$tmpman"
		echo "  $D$CONF"
	fi
	mkdirs "$(dirname "$MANIFEST")"
	echo "f $MANIFEST" >>"$tmpman"
	install -m 0644 "$tmpman" "$D$MANIFEST"
	echo "install: $(grep -c '^[fc] ' "$tmpman") files, listed in $D$MANIFEST"
	if [ -z "$D" ] && [ -d /run/systemd/system ]; then
		echo "install: now 'systemctl daemon-reload', then 'systemctl enable --now vnmd'"
	fi
}

do_uninstall() {
	local kind a b list
	[ -f "$D$MANIFEST" ] || { echo "uninstall: no $D$MANIFEST: nothing installed there"; return 0; }
	list=$(cat "$D$MANIFEST")
	# files first, then directories deepest first
	while read -r kind a b; do
		case $kind in
		f) rm -f "$D$a" && echo "  removed $D$a" ;;
		c) if [ -f "$D$b" ] && [ "$(sha256sum <"$D$b" | cut -d' ' -f1)" = "$a" ]; then
			rm -f "$D$b" && echo "  removed $D$b"
		   elif [ -e "$D$b" ]; then
			echo "uninstall: $D$b was edited: kept"
		   fi ;;
		esac
	done <<<"$list"
	tac <<<"$list" | while read -r kind a b; do
		[ "$kind" = d ] || continue
		rmdir "$D$a" 2>/dev/null || echo "uninstall: $D$a is not empty: kept"
	done
}

case ${1:-} in
install) do_install ;;
uninstall) do_uninstall ;;
*) echo "usage: $0 install|uninstall" >&2; exit 2 ;;
esac
