#!/usr/bin/python3
"""faults.py - faults through the real drivers (run by faults.sh).

One vnmd with everything real around it: two real machines emulated by
network namespaces joined by a veth pair (the physical link), routers on
libvirt's test:///default there, a host on the machine's libvirtd
(qemu:///system) whose routers are TCG guests of `make image`, a real
snmpd master with vnmd as its AgentX subagent, and the state directory on a
small tmpfs.  Faults injected:

  - a router image that is missing (qemu:///system);
  - an interface name already taken by something that is not vnmd's;
  - libvirtd stopped before a transaction, and stopped in the middle of
    transactions, then restarted;
  - the physical interface that VLs ride disappears, and comes back;
  - snmpd restarted under the subagent;
  - the disk full when running is saved.

Each: a NETCONF error that names the object, running unchanged (or, for a
fault in the middle of a transaction, equal to what was acknowledged), and
reality - read with ip, tc and virsh, not vnmd's view - unchanged or
brought back; vnmd still serving.  Prints "faults injected N, passed N".
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ncclient_util import (NS, ROOT, VNMD, RawClient, config, errors, host, is_ok,  # noqa: E402
                           netns_add, netns_del, router, stop_process, underlay, vlink,
                           vn)
from snmp_util import Snmpd  # noqa: E402

N1, N2 = "vnmt-f-rm1", "vnmt-f-rm2"
PL = {N1: "vnmtf1", N2: "vnmtf2"}
ADDR = {N1: "10.97.0.1", N2: "10.97.0.2"}
QURI = "qemu:///system"
MBIT = 1000000

passed = failed = 0
faults = {}  # fault name -> True when every check of it passed


def ok(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   - %s" % name, flush=True)
    else:
        failed += 1
        print("FAIL - %s%s" % (name, ": " + str(detail) if detail else ""), flush=True)
    return cond


def sh(*args):
    return subprocess.run(args, capture_output=True, text=True).stdout


def run(*args):
    subprocess.run(args, check=True, capture_output=True)


class Fault:
    """with Fault("name"): ... counts one fault injected, passed when no
    check inside it failed."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        print("# fault: %s" % self.name, flush=True)
        self.before = failed
        return self

    def __exit__(self, et, ev, tb):
        if et is not None:
            ok("%s: the test itself ran through" % self.name, False, "%s: %s" % (et.__name__, ev))
        faults[self.name] = failed == self.before
        return True  # the next fault still runs


# ---------------------------------------------------------------------------
# Configuration pieces
# ---------------------------------------------------------------------------

def plink():
    return ("<nt:link><nt:link-id>pl1</nt:link-id><nt:source><nt:source-node>rm1</nt:source-node>"
            "<nt:source-tp>vnmtf1</nt:source-tp></nt:source><nt:destination><nt:dest-node>rm2"
            "</nt:dest-node><nt:dest-tp>vnmtf2</nt:dest-tp></nt:destination>"
            "<vnm:physical-link><vnm:capacity>%d</vnm:capacity></vnm:physical-link></nt:link>"
            % (100 * MBIT))


def qrouter(name, kernel, initrd):
    r = router(name, "rmq", memory=96)
    return r.replace("<vnm:kernel>/var/lib/vnmd/images/vmlinuz</vnm:kernel>",
                     "<vnm:kernel>%s</vnm:kernel><vnm:initrd>%s</vnm:initrd>" % (kernel, initrd))


def pair_vn(name, vl, rate=4):
    """Two routers on rm1 and rm2 (test:///default), one VL across pl1."""
    x = vlink(vl, "a", "eth0", "b", "eth0", plinks=("pl1",))
    x = x.replace("<vnm:virtual-link/>", "<vnm:virtual-link><vnm:guaranteed-rate>%d"
                  "</vnm:guaranteed-rate></vnm:virtual-link>" % (rate * MBIT))
    return vn(name, router("a", "rm1", tps=("eth0",)), router("b", "rm2", tps=("eth0",)), links=x)


class Cfg:
    """The configuration as a set of virtual networks."""

    def __init__(self, img):
        self.img = img
        self.vns = {}

    def qvn(self, name, rname, kernel=None):
        self.vns[name] = vn(name, qrouter(rname, kernel or self.img + "/vmlinuz",
                                          self.img + "/router.cpio.gz"))

    def xml(self, vns=None):
        under = underlay(host("rm1", N1, tps=("vnmtf1",), addr=ADDR[N1]),
                         host("rm2", N2, tps=("vnmtf2",), addr=ADDR[N2]),
                         host("rmq", None, uri=QURI), links=plink())
        v = self.vns if vns is None else vns
        return config(under, *[v[k] for k in sorted(v)])

    def with_vn(self, name, xml):
        d = dict(self.vns)
        d[name] = xml
        return d


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------

class World:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="vnmt-faults.")
        os.chmod(self.tmp, 0o755)  # qemu (libvirt-qemu) reads the image here
        self.img = os.path.join(self.tmp, "img")
        self.state = os.path.join(self.tmp, "state")
        self.sock = os.path.join(self.tmp, "vnmd.sock")
        self.log = os.path.join(self.tmp, "vnmd.log")
        self.vnmd = None
        self.snmpd = Snmpd(self.tmp)
        self.lv_was_up = False
        self.lv_started = False
        self.mounted = False

    def up(self):
        for n in (N1, N2):
            netns_del(n)
            netns_add(n)
        self.plink_up()
        os.makedirs(self.state)
        # 1 MiB: running.xml of this test is a few KiB; the disk-full fault
        # fills the rest
        run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "vnmt-faults", self.state)
        self.mounted = True
        subprocess.run(["bash", os.path.join(ROOT, "image", "build.sh")], check=True,
                       env=dict(os.environ, VNMD_IMAGE_DIR=self.img), capture_output=True)
        os.chmod(self.img, 0o755)
        self.lv_was_up = bool(sh("pgrep", "-u", "0", "-x", "libvirtd").strip())
        r = subprocess.run(["bash", os.path.join(ROOT, "tools", "libvirtd-up.sh")])
        if r.returncode:
            raise RuntimeError("libvirtd (qemu:///system) cannot run here")
        self.lv_started = not self.lv_was_up
        self.snmpd.start()

    def plink_up(self):
        run("ip", "link", "add", PL[N1], "netns", N1, "mtu", "1600", "type", "veth", "peer",
            "name", PL[N2], "netns", N2, "mtu", "1600")
        for n in (N1, N2):
            run("ip", "-n", n, "addr", "add", ADDR[n] + "/24", "dev", PL[n])
            run("ip", "-n", n, "link", "set", PL[n], "up")

    def start_vnmd(self):
        logf = open(self.log, "a")
        self.vnmd = subprocess.Popen([VNMD, "-f", "-s", self.state, "-u", self.sock, "-U",
                                      "test:///default", "-x", self.snmpd.sock, "-L", "info"],
                                     stdout=logf, stderr=logf)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.vnmd.poll() is not None:
                raise RuntimeError("vnmd exited: " + self.logtail())
            try:
                return RawClient(self.sock, timeout=120)
            except (OSError, EOFError, AttributeError):
                time.sleep(0.05)
        raise RuntimeError("vnmd did not come up: " + self.logtail())

    def stop_vnmd(self):
        stop_process(self.vnmd)

    def logtail(self, n=3000):
        try:
            return open(self.log, errors="replace").read()[-n:]
        except OSError:
            return ""

    def alive(self):
        return self.vnmd is not None and self.vnmd.poll() is None

    def down(self):
        self.stop_vnmd()
        # the routers this test left on qemu:///system (vnmd stopped keeps them)
        lv_up()
        for d in qdomains():
            sh("virsh", "-c", QURI, "destroy", d)
            sh("virsh", "-c", QURI, "undefine", d)
        self.snmpd.stop()
        if self.lv_started:
            lv_stop()
        for n in (N1, N2):
            netns_del(n)
        if self.mounted:
            subprocess.run(["umount", "-l", self.state])
        shutil.rmtree(self.tmp, ignore_errors=True)


def lv_pid():
    p = sh("pgrep", "-u", "0", "-x", "libvirtd").split()
    return int(p[0]) if p else None


def lv_stop():
    pid = lv_pid()
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not lv_pid():
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        lv_probes_kill()


def lv_probes_kill():
    """The QEMU capability probes of a libvirtd that was killed: they run
    -daemonize'd, so they outlive it (seen: one left after each run).
    Called with no libvirtd running: every probe there is is an orphan."""
    if lv_pid():
        return
    for p in sh("pgrep", "-f", "qemu-system-.* -machine none.*/libvirt/qemu/qmp-").split():
        try:
            os.kill(int(p), signal.SIGKILL)
        except ProcessLookupError:
            pass


def lv_up():
    lv_probes_kill()
    return subprocess.run(["bash", os.path.join(ROOT, "tools", "libvirtd-up.sh")]).returncode == 0


# ---------------------------------------------------------------------------
# Reality, read with ip, tc and virsh
# ---------------------------------------------------------------------------

OWN_IF = re.compile(r"^vn[btvx][0-9a-f]{8}[ab]?$")


def ifaces(netns):
    """{name: (ifindex, alias)} of every interface in netns."""
    out = {}
    for ln in sh("ip", "-n", netns, "-o", "link", "show").splitlines():
        m = re.match(r"^(\d+): ([^:@]+)", ln)
        if m:
            a = re.search(r"alias (\S+)", ln)
            out[m.group(2)] = (int(m.group(1)), a.group(1) if a else None)
    return out


def htb_classes(netns, dev):
    """The VL classes on dev: those in the child HTB (X:, not the root's
    766e:) of a VNI bucket, under its capacity class X:1."""
    out = sh("tc", "-n", netns, "class", "show", "dev", dev)
    return sorted(ln.split(" prio")[0] + " " + (re.search(r"rate \S+", ln).group(0))
                  for ln in out.splitlines()
                  if re.search(r"class htb (?!766e:)([0-9a-f]+):[0-9a-f]+ parent \1:1 ", ln))


def qdomains():
    """{name: id} of this test's domains on qemu:///system (names vnmd gives
    routers of the networks vnmt-q*)."""
    d = {}
    r = subprocess.run(["virsh", "-c", QURI, "list", "--all", "--name"], capture_output=True,
                       text=True)
    if r.returncode:
        print("#   virsh list: %s" % r.stderr.strip()[:300], flush=True)
    for name in r.stdout.split():
        if "vnmt-q" in name:
            d[name] = sh("virsh", "-c", QURI, "domid", name).strip()
    return d


def qemu_running(dom):
    """The guest's QEMU process exists (read without libvirtd)."""
    return subprocess.run(["pgrep", "-f", "guest=%s," % dom], capture_output=True).returncode == 0


def reality():
    return {"rm1": ifaces(N1), "rm2": ifaces(N2),
            "htb1": htb_classes(N1, PL[N1]) if PL[N1] in ifaces(N1) else None,
            "htb2": htb_classes(N2, PL[N2]) if PL[N2] in ifaces(N2) else None,
            "qemu": qdomains()}


def diff(a, b):
    return {k: (a[k], b[k]) for k in a if a[k] != b[k]}


# ---------------------------------------------------------------------------
# NETCONF
# ---------------------------------------------------------------------------

def edit(c, xml):
    return c.rpc('<edit-config><target><running/></target><default-operation>replace'
                 '</default-operation>%s</edit-config>' % xml)


def running(c):
    from lxml import etree
    return etree.tostring(c.rpc("<get-config><source><running/></source></get-config>")
                          .find("nc:data", NS))


def serving(w):
    """vnmd alive and answering a <get> on a new session."""
    if not w.alive():
        return False
    try:
        c = RawClient(w.sock, timeout=30)
        r = c.rpc("<get/>")
        c.close()
        return r.find("nc:data", NS) is not None
    except (OSError, EOFError):
        return False


def err_text(r):
    return " | ".join("%s %s %s" % (e[1], e[2], e[3]) for e in errors(r))


def refused_naming(name, r, *words):
    """The reply is an rpc-error whose message names every one of words."""
    t = err_text(r)
    ok("%s: refused with an rpc-error" % name, not is_ok(r) and errors(r), t)
    ok("%s: the error names %s" % (name, ", ".join(words)),
       all(w in t for w in words), t)
    print("#   error: %s" % t[:300], flush=True)


def unchanged(name, w, c, run0, real0, real1=None):
    ok("%s: running unchanged" % name, running(c) == run0)
    d = diff(real0, real1 if real1 is not None else reality())
    ok("%s: reality (ip, tc, virsh) unchanged" % name, not d, d)
    ok("%s: vnmd still serves" % name, serving(w), w.logtail(1500))


# ---------------------------------------------------------------------------
# The faults
# ---------------------------------------------------------------------------

def f_missing_image(w, c, cfg):
    name = "missing router image"
    with Fault(name):
        run0, real0 = running(c), reality()
        cfg2 = Cfg(cfg.img)
        cfg2.vns = dict(cfg.vns)
        cfg2.qvn("vnmt-q2", "r", kernel="/var/lib/vnmd-missing/vmlinuz")
        r = edit(c, cfg2.xml())
        refused_naming(name, r, "vnmt-q2", "/var/lib/vnmd-missing/vmlinuz")
        unchanged(name, w, c, run0, real0)


def f_name_taken(w, c, cfg):
    name = "interface name taken by another"
    with Fault(name):
        run0 = running(c)
        new = cfg.with_vn("vnmt-fb", pair_vn("vnmt-fb", "lb"))
        f = os.path.join(w.tmp, "fb.xml")
        open(f, "w").write(cfg.xml(new))
        end_a = sh(os.path.join(ROOT, "build", "tools", "linktool"), f, "names", "vnmt-fb",
                   "lb").split()[0]
        # someone else's interface under the name vnmd would give lb's end
        run("ip", "-n", N1, "link", "add", end_a, "type", "bridge")
        real0 = reality()
        r = edit(c, cfg.xml(new))
        refused_naming(name, r, "lb", end_a)
        unchanged(name, w, c, run0, real0)
        ok("%s: the other's interface is left alone" % name,
           ifaces(N1).get(end_a) == real0["rm1"][end_a], ifaces(N1).get(end_a))
        run("ip", "-n", N1, "link", "del", end_a)
        # the name free again: the same edit goes through
        r = edit(c, cfg.xml(new))
        ok("%s: once the name is free the same edit is accepted" % name, is_ok(r), err_text(r))
        ok("%s: then lb's ends exist, tagged" % name,
           (ifaces(N1).get(end_a) or (0, ""))[1] == "vnmd:vnmt-fb/lb", ifaces(N1).get(end_a))
        if is_ok(r):
            cfg.vns = new


def f_libvirtd_stopped(w, c, cfg):
    name = "libvirtd stopped before a transaction"
    with Fault(name):
        run0, real0 = running(c), reality()
        lv_stop()
        cfg2 = Cfg(cfg.img)
        cfg2.vns = dict(cfg.vns)
        cfg2.qvn("vnmt-q3", "r")
        t0 = time.monotonic()
        r = edit(c, cfg2.xml())
        dt = time.monotonic() - t0
        refused_naming(name, r, "rmq", "libvirtd")
        ok("%s: the refusal comes within 30 s (%.1f s)" % (name, dt), dt < 30)
        ok("%s: running unchanged" % name, running(c) == run0)
        ok("%s: the router already running lives on (its QEMU process)" % name,
           all(qemu_running(d) for d in real0["qemu"]))
        ok("%s: vnmd still serves" % name, serving(w))
        lv_up()
        d = diff(real0, reality())
        ok("%s: libvirtd back: reality unchanged (same domains, same ids)" % name, not d, d)
        # vnmd reconnects by itself: the same edit is accepted within a few
        # reconnect periods
        deadline = time.time() + 30
        while True:
            r = edit(c, cfg2.xml())
            if is_ok(r) or time.time() > deadline:
                break
            time.sleep(1)
        ok("%s: libvirtd back: the same edit is accepted" % name, is_ok(r), err_text(r))
        if is_ok(r):
            cfg.vns = cfg2.vns
        ok("%s: and its router runs" % name, "vnmd-vnmt-q3-r" in qdomains()
           and qdomains()["vnmd-vnmt-q3-r"] not in ("", "-"), qdomains())


def f_libvirtd_midway(w, c, cfg, rounds=int(os.environ.get("VNMD_FAULT_ROUNDS", "2"))):
    """libvirtd killed at a random moment while a router is being added or
    removed; then started again.  Whatever vnmd answered, after libvirtd is
    back reality must equal running (no domain leaked or lost)."""
    import random
    rnd = random.Random(int(os.environ.get("VNMD_FAULT_SEED", "0")) or None)
    for i in range(rounds):
        name = "libvirtd killed in the middle of a transaction (%d)" % (i + 1)
        with Fault(name):
            cfg2 = Cfg(cfg.img)
            cfg2.vns = dict(cfg.vns)
            if "vnmt-q4" in cfg2.vns:
                del cfg2.vns["vnmt-q4"]
            else:
                cfg2.qvn("vnmt-q4", "r")
            reply = {}

            def send():
                reply["r"] = edit(c, cfg2.xml())
            th = threading.Thread(target=send)
            t0 = time.monotonic()
            th.start()
            time.sleep(rnd.uniform(0, 0.4))
            pid = lv_pid()
            if pid:
                os.kill(pid, signal.SIGKILL)
            th.join(120)
            dt = time.monotonic() - t0
            r = reply.get("r")
            ok("%s: answered within 60 s (%.1f s)" % (name, dt), r is not None and dt < 60)
            if r is None:
                continue
            print("#   %s after %.2f s: %s" % ("ok" if is_ok(r) else "refused", dt,
                                             "" if is_ok(r) else err_text(r)[:200]), flush=True)
            if is_ok(r):
                cfg.vns = cfg2.vns
            else:
                ok("%s: the error names the host" % name, "rmq" in err_text(r), err_text(r))
            # libvirtd 9.0 killed while a QEMU it started waits (-S) may
            # fail to come up at first: retry as an operator would
            t1 = time.monotonic()
            while not lv_up() and time.monotonic() - t1 < 90:
                time.sleep(1)
            print("#   libvirtd back after %.1f s" % (time.monotonic() - t1), flush=True)
            # reality after reconnection: every router of running has its
            # domain running, no other domain of the test's networks exists;
            # vnmd may need a reconnect period to bring it back
            want = {"vnmd-%s-r" % k for k in cfg.vns if k.startswith("vnmt-q")}
            deadline = time.time() + 30
            while True:
                have = qdomains()
                good = set(have) == want and all(v not in ("", "-") for v in have.values())
                if good or time.time() > deadline:
                    break
                time.sleep(0.5)
            ok("%s: running is what vnmd answered" % name, vn_names(c) == sorted(cfg.vns),
               "%s, want %s" % (vn_names(c), sorted(cfg.vns)))
            ok("%s: libvirtd back: one running domain per router of running, no other"
               % name, good, "have %s, want %s" % (have, sorted(want)))
            ok("%s: vnmd still serves" % name, serving(w))


def vn_names(c):
    """The virtual networks of running."""
    t = c.rpc("<get-config><source><running/></source></get-config>").find("nc:data", NS)
    return sorted(x.text for x in t.iterfind(".//nw:network/nw:network-id", NS)
                  if x.text != "underlay")


def vl_oper(c, vnname, vl):
    t = c.rpc("<get/>").find("nc:data", NS)
    x = t.find(".//nw:network[nw:network-id='%s']/nt:link[nt:link-id='%s']"
               "/vnm:virtual-link/vnm:oper-state" % (vnname, vl), NS)
    return x.text if x is not None else None


def f_plink_gone(w, c, cfg):
    name = "physical interface disappears"
    with Fault(name):
        run0, real0 = running(c), reality()
        print("#   before: lb %s, HTB on %s: %s" % (vl_oper(c, "vnmt-fb", "lb"), PL[N1],
                                                    real0["htb1"]), flush=True)
        run("ip", "-n", N1, "link", "del", PL[N1])  # both ends of the veth go
        deadline = time.time() + 10
        while vl_oper(c, "vnmt-fb", "lb") != "down" and time.time() < deadline:
            time.sleep(0.2)
        ok("%s: vnmd still serves" % name, serving(w))
        ok("%s: <get> says the VL riding it is down" % name,
           vl_oper(c, "vnmt-fb", "lb") == "down", vl_oper(c, "vnmt-fb", "lb"))
        # an edit of a VL riding it: a clear refusal, nothing half done
        new = cfg.with_vn("vnmt-fb", pair_vn("vnmt-fb", "lb", rate=6))
        real1 = reality()
        r = edit(c, cfg.xml(new))
        refused_naming(name + " (rate change)", r, PL[N1])
        unchanged(name + " (rate change)", w, c, run0, real1)
        # the interface comes back (a cable plugged in again)
        w.plink_up()
        # vnmd repairs what the kernel dropped with the interface (its HTB
        # root and every VL's class) by itself, within a repair period
        deadline = time.time() + 15
        while len(htb_classes(N1, PL[N1])) != len(real0["htb1"]) and time.time() < deadline:
            time.sleep(0.2)
        ok("%s: back: vnmd restores the HTB classes by itself" % name,
           htb_classes(N1, PL[N1]) == real0["htb1"] and htb_classes(N2, PL[N2]) == real0["htb2"],
           "%s / %s" % (htb_classes(N1, PL[N1]), real0["htb1"]))
        r = edit(c, cfg.xml(new))
        ok("%s: back: the rate change is accepted" % name, is_ok(r), err_text(r))
        if is_ok(r):
            cfg.vns = new
        real2 = reality()
        rates = lambda cl: sorted(re.search(r"rate (\S+)", x).group(1) for x in cl or [])
        ok("%s: back: one HTB class per VL again on both ends, lb's at the new rate" % name,
           rates(real2["htb1"]) == rates(real2["htb2"]) == sorted(["4Mbit", "6Mbit"]),
           "%s %s" % (real2["htb1"], real2["htb2"]))
        ok("%s: back: <get> says the VL is up" % name, vl_oper(c, "vnmt-fb", "lb") == "up",
           vl_oper(c, "vnmt-fb", "lb"))


def f_snmpd_restart(w, c, cfg):
    name = "snmpd restarted under the subagent"
    with Fault(name):
        s = w.snmpd

        def rows():
            r = s.cli("snmpwalk", "-Oqs", "VNMD-MIB::vnmLinkName")
            return r.stdout.split() if r.returncode == 0 else []

        def octets():
            r = s.cli("snmpwalk", "-OqvU", "VNMD-MIB::vnmLinkHCOutOctets")
            return [int(x) for x in r.stdout.split()] if r.returncode == 0 else []
        # traffic on lb, so that there is a counter to serve: pings
        # between the two ends' namespaces would need routers; the kernel
        # counts what crosses the VL's end, and any frame will do
        before_rows, before_oct = rows(), octets()
        ok("%s: before: the link table has lb" % name, "lb" in before_rows, before_rows)
        s.stop()
        time.sleep(1)
        ok("%s: snmpd down: vnmd still serves NETCONF" % name, serving(w))
        s.start()
        deadline = time.time() + 20
        while rows() != before_rows and time.time() < deadline:
            time.sleep(0.2)
        ok("%s: rows served again by the subagent" % name, rows() == before_rows,
           "%s / %s" % (rows(), before_rows))
        after = octets()
        ok("%s: counters served again, none went backwards" % name,
           len(after) == len(before_oct) and all(a >= b for a, b in zip(after, before_oct)),
           "%s / %s" % (after, before_oct))
        ok("%s: vnmd never exited" % name, w.alive())


def f_disk_full(w, c, cfg):
    name = "disk full when running is saved"
    with Fault(name):
        run0, real0 = running(c), reality()
        filler = os.path.join(w.state, "filler")
        subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=4k"], capture_output=True)
        new = cfg.with_vn("vnmt-fc", pair_vn("vnmt-fc", "lc"))
        r = edit(c, cfg.xml(new))
        refused_naming(name, r, "running.xml")
        unchanged(name, w, c, run0, real0)
        ok("%s: no temporary file left in the state directory" % name,
           not [f for f in os.listdir(w.state) if f.endswith(".tmp")], os.listdir(w.state))
        os.unlink(filler)
        r = edit(c, cfg.xml(new))
        ok("%s: space again: the same edit is accepted" % name, is_ok(r), err_text(r))
        if is_ok(r):
            cfg.vns = new
        # what was saved is what was acknowledged: a restart loads it
        run1 = running(c)
        c.close()
        w.stop_vnmd()
        c2 = w.start_vnmd()
        ok("%s: after a restart running is the last acknowledged" % name, running(c2) == run1)
        return c2


def main():
    w = World()
    t0 = time.monotonic()
    try:
        w.up()
        c = w.start_vnmd()
        cfg = Cfg(w.img)
        cfg.qvn("vnmt-q1", "r")
        cfg.vns["vnmt-fa"] = pair_vn("vnmt-fa", "la")
        r = edit(c, cfg.xml())
        if not ok("the first configuration is accepted", is_ok(r), err_text(r)):
            return 1
        ok("its QEMU router runs", qdomains().get("vnmd-vnmt-q1-r", "-") != "-", qdomains())
        f_missing_image(w, c, cfg)
        f_name_taken(w, c, cfg)
        f_libvirtd_stopped(w, c, cfg)
        f_libvirtd_midway(w, c, cfg)
        f_plink_gone(w, c, cfg)
        f_snmpd_restart(w, c, cfg)
        c = f_disk_full(w, c, cfg)
    except Exception as e:  # a broken setup is a failure, with its reason
        ok("the suite ran through", False, "%s: %s\n%s" % (type(e).__name__, e, w.logtail()))
    finally:
        w.down()
    good = sum(1 for v in faults.values() if v)
    print("# faults injected %d, passed %d (%s), %.0f s"
          % (len(faults), good, ", ".join(k for k, v in faults.items() if not v) or "all", time.monotonic() - t0))
    print("faults.sh: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
