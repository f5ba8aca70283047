#!/bin/bash
# domiftune.sh - the libvirt way of changing a running VM's interface rate:
# `virsh domiftune DOMAIN IF --live --inbound/--outbound AVG` on a running
# QEMU domain (TCG, no disk: it idles in its firmware) with one tap
# interface.  Times one such call (median of REPEATS) when it works; when
# libvirt refuses (it installs HTB with sfq leaves; the kernel here has no
# sfq), prints why.
#
#   bash bench/domiftune.sh [REPEATS]     (root, libvirtd running; default 20)
#
# Prints domiftune_median_s=... or domiftune_error=...
set -u
REPEATS=${1:-20}
URI=qemu:///system
DOM=vnmt-bench-dom$$
TAP=vnmtdt$$
TMP=$(mktemp -d /tmp/vnmt-bench-dom.XXXXXX)
cleanup() {
	virsh -c $URI destroy "$DOM" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say_error() { echo "domiftune_error=$(echo "$*" | tr '\n' ' ' | sed 's/  */ /g' | cut -c1-300)"; exit 0; }
command -v virsh >/dev/null || say_error "virsh not installed"
virsh -c $URI version >/dev/null 2>"$TMP/err" || say_error "libvirtd not reachable: $(cat "$TMP/err")"
cat >"$TMP/dom.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <interface type='ethernet'><target dev='$TAP' managed='yes'/><model type='virtio'/></interface>
  </devices>
</domain>
EOF
virsh -c $URI create "$TMP/dom.xml" >/dev/null 2>"$TMP/err" ||
	say_error "cannot start a QEMU domain: $(cat "$TMP/err")"
python3 - "$URI" "$DOM" "$TAP" "$REPEATS" <<'EOF'
import statistics, subprocess, sys, time
uri, dom, tap, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ts = []
for i in range(n):
    avg = 2000 + (i % 2) * 1000   # KiB/s, like the NETCONF figure's 2/3 Mbit/s
    t0 = time.perf_counter()
    r = subprocess.run(["virsh", "-c", uri, "domiftune", dom, tap, "--live",
                        "--outbound", str(avg), "--inbound", str(avg)],
                       capture_output=True, text=True)
    ts.append(time.perf_counter() - t0)
    if r.returncode:
        print("domiftune_error=" + " ".join(r.stderr.split())[:300])
        sys.exit(0)
q = subprocess.run(["tc", "qdisc", "show", "dev", tap], capture_output=True, text=True).stdout
if "htb" not in q:
    print("domiftune_error=virsh returned 0 but no HTB on %s: %s" % (tap, " ".join(q.split())))
    sys.exit(0)
print("domiftune_median_s=%.6f" % statistics.median(ts))
EOF
