#!/usr/bin/env bash
# Install every Debian package vnmd needs to build, run and test.
# A quick no-op when they are all present.
set -euo pipefail

PKGS=(
	# build
	build-essential pkg-config
	libyang2-dev libyang2-tools libnetconf2-dev libssh-dev libssl-dev libxml2-dev
	libvirt-dev libnl-3-dev libnl-route-3-dev libsnmp-dev libcmocka-dev
	# the IETF YANG modules (RFC 8345, ietf-netconf, ...)
	libyuma-base
	# run
	libvirt-daemon-system qemu-system-x86 snmpd snmp snmptrapd
	# router guest image
	linux-image-amd64 busybox-static cpio
	# tests, demo, benchmarks
	python3-ncclient python3-pytest yangcli netconfd iperf3 iproute2
	gnuplot-nox graphviz smitools tcpdump procps psmisc hyperfine
	clang libclang-rt-14-dev # fuzz/: libFuzzer
	bc openssh-client # tools/demo.sh (timings, the NMS's SSH key)
	man-db openssl systemd # walkthrough.sh (man -l, systemd-analyze), test users (openssl passwd)
)

echo "deps: from outside this checkout vnmd needs ${#PKGS[@]} Debian packages (apt-get, listed in tools/deps.sh)"
echo "deps: and the npm package net-snmp, for the base MIBs (SNMPv2-SMI, IF-MIB, ...) in /usr/local/share/vnmd/base-mibs"
missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Base MIBs (SNMPv2-SMI, SNMPv2-TC, IF-MIB, ...) are not in Debian's
# net-snmp: take them from the npm package net-snmp, never from a copy.
command -v npm >/dev/null || { echo "deps: npm is needed for the base MIBs"; export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq npm; }
MIBDIR=/usr/local/share/vnmd/base-mibs
if [ ! -f "$MIBDIR/SNMPv2-SMI.mib" ] && [ ! -f "$MIBDIR/SNMPv2-SMI" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && npm pack net-snmp --silent >/dev/null 2>&1 && tar xzf net-snmp-*.tgz) || {
		echo "deps: could not fetch the base MIBs from npm's net-snmp package" >&2
		rm -rf "$tmp"; exit 1; }
	mkdir -p "$MIBDIR"
	cp "$tmp"/package/lib/mibs/* "$MIBDIR"/
	rm -rf "$tmp"
fi
