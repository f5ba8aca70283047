#!/usr/bin/env bash
# image/build.sh - build the tiny router guest from Debian packages alone.
#
#   bash image/build.sh            (make image)
#   VNMD_IMAGE_DIR=/some/dir bash image/build.sh
#
# Output in $VNMD_IMAGE_DIR (default /var/lib/vnmd/images):
#   vmlinuz          the Debian kernel (linux-image-amd64)
#   router.cpio.gz   a busybox (busybox-static) initramfs with image/init as
#                    /init and the kernel's virtio modules, decompressed
#                    (the deb ships no modules.dep: init insmods them in order)
# Nothing is rebuilt when both outputs are newer than every input.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${VNMD_IMAGE_DIR:-/var/lib/vnmd/images}
mods=(virtio_ring virtio failover net_failover virtio_pci_legacy_dev
      virtio_pci_modern_dev virtio_pci virtio_net)
# Optional: the memory balloon (live memory changes), the ACPI power
# button with evdev (graceful shutdown through busybox acpid), and
# pvpanic tells the host that the router crashed (a lifecycle event).
optmods=(virtio_balloon button evdev pvpanic pvpanic-mmio)

kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$kernel" ] || { echo "image: no /boot/vmlinuz-*: install linux-image-amd64 (make deps)" >&2; exit 1; }
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
[ -d "$moddir" ] || { echo "image: $moddir missing: reinstall linux-image-$kver" >&2; exit 1; }
bb=/bin/busybox
[ -x "$bb" ] && [[ $(ldd "$bb" 2>&1 || true) == *"not a dynamic"* ]] || {
	echo "image: a static /bin/busybox is needed: install busybox-static (make deps)" >&2; exit 1; }

modfiles=()
for m in "${mods[@]}"; do
	f=$(find "$moddir/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \) | head -1)
	[ -n "$f" ] || { echo "image: module $m not found under $moddir" >&2; exit 1; }
	modfiles+=("$f")
done
for m in "${optmods[@]}"; do
	f=$(find "$moddir/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \) | head -1)
	[ -n "$f" ] && modfiles+=("$f")
done

mkdir -p "$out"
if [ -f "$out/vmlinuz" ] && [ -f "$out/router.cpio.gz" ]; then
	stale=0
	for f in "$kernel" "$bb" "$here/init" "$here/build.sh" "${modfiles[@]}"; do
		[ "$f" -nt "$out/router.cpio.gz" ] && stale=1
	done
	if [ $stale -eq 0 ] && cmp -s "$kernel" "$out/vmlinuz"; then
		echo "image: up to date in $out"
		exit 0
	fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules,tmp,etc}
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 0755 "$here/init" "$root/init"
for f in "${modfiles[@]}"; do
	b=$(basename "$f")
	case $f in
	*.ko.xz) xz -dc "$f" >"$root/lib/modules/${b%.xz}" ;;
	*.ko.zst) zstd -qdc "$f" >"$root/lib/modules/${b%.zst}" ;;
	*) cp "$f" "$root/lib/modules/$b" ;;
	esac
done
# init's first stdout is /dev/console, opened by the kernel before
# devtmpfs is mounted (creating the node needs root; without it init
# still writes to ttyS0 once devtmpfs is up).
# busybox acpid runs /etc/acpi/PWRF/00000080 on the power button, so
# virDomainShutdown stops the router cleanly.
mkdir -p "$root/etc/acpi/PWRF"
printf '#!/bin/sh\necho "vnmd-router: power button, halting" >/dev/ttyS0\nsync\npoweroff -f\n' \
	>"$root/etc/acpi/PWRF/00000080"
chmod 0755 "$root/etc/acpi/PWRF/00000080"
mknod -m 0600 "$root/dev/console" c 5 1 2>/dev/null || true
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$tmp/root.cpio"
gzip -9 -n <"$tmp/root.cpio" >"$tmp/router.cpio.gz"
cp "$kernel" "$tmp/vmlinuz"
chmod 0644 "$tmp/vmlinuz" "$tmp/router.cpio.gz"
mv -f "$tmp/vmlinuz" "$out/vmlinuz"
mv -f "$tmp/router.cpio.gz" "$out/router.cpio.gz"
echo "image: $out/vmlinuz ($kver) and $out/router.cpio.gz ($(du -k "$out/router.cpio.gz" | cut -f1) KiB)"
