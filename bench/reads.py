#!/usr/bin/python3
"""reads.py - figure 4 of the benchmarks alone, for working on reads:
<get-config> and <get> of an N-VL configuration against yuma123 netconfd
serving N list entries of the same shape, measured in the same run.

  /usr/bin/python3 bench/reads.py up N        (root) namespaces, vnmd, N VLs
  /usr/bin/python3 bench/reads.py run [REPS] [--netconfd] [--fresh] [--after-edit] [--json OUT]
  /usr/bin/python3 bench/reads.py down        namespaces and state gone
  /usr/bin/python3 bench/reads.py all N [REPS]  up, run --netconfd, down
  /usr/bin/python3 bench/reads.py grow N      add VLs up to N to the world (root)

`up` builds the world of bench/vnmd_bench.py (two namespaced RMs, routers on
test:///default, real VXLAN ends, port bridges and HTB classes) once, in its
own namespaces (vnmt-rd-rm1/2) and state directory (/tmp/vnmt-reads), and
leaves it; `run` starts build/vnmd on that state (vnmd finds the kernel
objects there, so a new build is measured in seconds, not in the minutes the
kernel takes to make and delete thousands of bridges), times REPS (default
20) of each read, prints the medians and stops vnmd.  The client is the
benchmarks' own (bench/ncraw.py, reply fully received).  --fresh waits
0.6 s (untimed) before each <get>, so that each has a new counter snapshot
to show (as a poller's, and as in bench/vnmd_bench.py) instead of the
reply kept from the read before; --after-edit changes one VL's rate
(untimed) before each <get>, as bench/vnmd_bench.py's reads follow its
rate changes.
"""
import json
import os
import shutil
import signal
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vnmd_bench as vb  # noqa: E402

vb.NS1, vb.NS2 = "vnmt-rd-rm1", "vnmt-rd-rm2"
# another build to compare (e.g. the commit before a change): VNMD=path
vb.VNMD = os.environ.get("VNMD", vb.VNMD)
TMP = os.environ.get("VNMD_READS_DIR", "/tmp/vnmt-reads")
NFILE = os.path.join(TMP, "n")


def up(n):
    down()
    vb.netns_setup()
    os.makedirs(TMP)
    d = vb.Vnmd(TMP)
    try:
        d.must(vb.edit(vb.underlay()), "underlay")
        d.c.s.settimeout(600)
        t = vb.create(d, n)
        vb.log("created %d VLs in %.2f s" % (n, t))
        open(NFILE, "w").write(str(n))
    finally:
        # no graceful stop: it waits for a counter snapshot of everything
        vb.kill(d)


def grow(n):
    """Add VNs to the world until it holds n VLs (the kernel deletes a
    world's thousands of port bridges in minutes: grow it instead)."""
    have = int(open(NFILE).read())
    if n <= have or have % vb.PER_VN:
        sys.exit("grow: the world has %d VLs" % have)
    d = vb.Vnmd(TMP)
    try:
        d.c.s.settimeout(900)
        xml = "".join(vb.vn_xml(v, min(vb.PER_VN, n - v * vb.PER_VN))
                      for v in range(have // vb.PER_VN, (n + vb.PER_VN - 1) // vb.PER_VN))
        t = d.must(vb.edit(xml), "grow to %d VLs" % n)
        vb.log("%d VLs added in %.2f s" % (n - have, t))
        open(NFILE, "w").write(str(n))
    finally:
        vb.kill(d)


def measure(d, reps, fresh=False, edit=False):
    res = {}
    for name, body in (("get_config", "<get-config><source><running/></source></get-config>"),
                       ("get", "<get/>")):
        d.c.timed(body)     # warm-up (first snapshot, caches)
        ts = []
        for _ in range(reps):
            if fresh and name == "get":
                # past the snapshot's refresh (500 ms): each <get> has new
                # counters to show, as for a poller, and builds its reply
                time.sleep(0.6)
            if edit and name == "get":
                # a VL's rate changed first (untimed), as the reads of
                # bench/vnmd_bench.py follow its rate changes: a new
                # generation, whose snapshot the <get> waits for
                d.must(vb.rate_edit(2000000 + (len(ts) % 2) * 1000000), "rate change")
            t, r = d.c.timed(body)
            ts.append(t)
        res[name + "_s"] = statistics.median(ts)
        res[name + "_min_s"] = min(ts)
        res[name + "_all_s"] = ts
        res[name + "_bytes"] = len(r)
        res[name + "_vls"] = r.count(b"<link-id>")
    return res


def run(reps, ncd, out, fresh=False, edit=False):
    n = int(open(NFILE).read())
    d = vb.Vnmd(TMP)
    try:
        # until the start-up reconciliation has the whole configuration
        deadline = time.time() + 300
        while True:
            t, r = d.c.timed("<get-config><source><running/></source></get-config>")
            if r.count(b"<link-id>") >= n or time.time() > deadline:
                break
            time.sleep(0.5)
        res = measure(d, reps, fresh, edit)
        res["fresh"] = fresh
        res["after_edit"] = edit
        res["hwm_kib"] = d.hwm_kib()
    finally:
        vb.kill(d)
    res["n"] = n
    print("vnmd, %d VLs: get-config %.2f ms (min %.2f, %d kB), get %.2f ms (min %.2f, %d kB)"
          % (n, res["get_config_s"] * 1e3, res["get_config_min_s"] * 1e3,
             res["get_config_bytes"] // 1000, res["get_s"] * 1e3, res["get_min_s"] * 1e3,
             res["get_bytes"] // 1000), flush=True)
    if ncd:
        shutil.rmtree(os.path.join(TMP, "ncd"), ignore_errors=True)
        nd = vb.netconfd_reads(os.path.join(TMP, "ncd"), n, reps)
        res["netconfd"] = nd
        if "error" in nd:
            print("netconfd: " + nd["error"])
        else:
            print("netconfd, %d entries: get-config %.2f ms, get %.2f ms; ratios %.2f, %.2f"
                  % (n, nd["get_config_s"] * 1e3, nd["get_s"] * 1e3,
                     res["get_config_s"] / nd["get_config_s"], res["get_s"] / nd["get_s"]))
    if out:
        json.dump(res, open(out, "w"), indent=1)
    return res


def down():
    vb.netns_cleanup()
    shutil.rmtree(TMP, ignore_errors=True)


def main():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    a = sys.argv[1:]
    out = a[a.index("--json") + 1] if "--json" in a else None
    pos = [x for x in a if not x.startswith("--") and x != out]
    if not pos:
        sys.exit(__doc__)
    if pos[0] == "up":
        up(int(pos[1]))
    elif pos[0] == "run":
        run(int(pos[1]) if len(pos) > 1 else 20, "--netconfd" in a, out, "--fresh" in a,
            "--after-edit" in a)
    elif pos[0] == "grow":
        grow(int(pos[1]))
    elif pos[0] == "down":
        down()
    elif pos[0] == "all":
        try:
            up(int(pos[1]))
            run(int(pos[2]) if len(pos) > 2 else 20, True, out)
        finally:
            down()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
