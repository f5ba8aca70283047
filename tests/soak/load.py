#!/usr/bin/python3
"""load.py - vnmd under load: NETCONF sessions editing and reading at once
over the UNIX socket and SSH, plus SNMP polling at a steady rate through a
real snmpd master with vnmd as its AgentX subagent.

The world: two real machines emulated by network namespaces joined by a
veth pair (the physical link), every session owning one virtual network
(two routers on libvirt's test:///default, one VL across the physical
link, so that each edit changes a real HTB class).  Each session loops
until the end: an edit of its VL's guaranteed rate (a merge), or a read
(<get> of its network with a subtree filter, or <get-config>), and checks
that it reads its own last acknowledged rate.  Checked:

  - no error the requests did not earn (every edit is valid: each must be
    acknowledged; every read must answer with the session's network);
  - no deadlock: every request answered within BOUND seconds;
  - every acknowledged change present at the end: running holds each
    session's last acknowledged rate, and so do the HTB classes on both
    ends of the physical link (read with tc);
  - RSS: start, after warm-up, peak and end printed; the end within
    RSS_SLACK of the level after warm-up;
  - SNMP: GETs at RATE/s all answered (within 2 s each) with a value.

Prints latency p50/p99 of edits and reads, the SNMP rate achieved, and
"load: N passed, N failed".

Usage: load.py SECONDS SESSIONS [SNMP_RATE]   (make soak: 300 32;
make check's load_short.sh: 30 8)
"""
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from ncclient_util import (NS, VNMD, RawClient, Users, config, errors, free_port,  # noqa: E402
                           host, is_ok, netns_add, netns_del, router, stop_process, underlay, vlink,
                           vn)
from snmp_util import VNMD_OID, Snmpd, SnmpGet  # noqa: E402

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 30
SESSIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
SNMP_RATE = float(sys.argv[3]) if len(sys.argv) > 3 else 100
WARMUP = min(30.0, max(5.0, SECONDS / 6))
BOUND = 30.0                 # seconds: a request not answered by then is a deadlock
RSS_SLACK = (1.25, 8 << 20)  # end <= after-warm-up * 1.25 + 8 MiB
N1, N2 = "vnmt-l-rm1", "vnmt-l-rm2"
MBIT = 1000000
RATES = (1, 2, 3, 4, 5, 6, 7, 8)

passed = failed = 0


def ok(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   - %s" % name, flush=True)
    else:
        failed += 1
        print("FAIL - %s%s" % (name, ": " + str(detail)[:2000] if detail else ""), flush=True)
    return cond


def sh(*args):
    return subprocess.run(args, capture_output=True, text=True).stdout


def vn_name(i):
    return "ld%02d" % i


PLINK = ("<nt:link><nt:link-id>pl1</nt:link-id><nt:source><nt:source-node>rm1</nt:source-node>"
         "<nt:source-tp>vnmtl1</nt:source-tp></nt:source><nt:destination><nt:dest-node>rm2"
         "</nt:dest-node><nt:dest-tp>vnmtl2</nt:dest-tp></nt:destination><vnm:physical-link>"
         "<vnm:capacity>1000000000</vnm:capacity></vnm:physical-link></nt:link>")


def full_config(rates):
    under = underlay(host("rm1", N1, tps=("vnmtl1",), addr="10.96.0.1"),
                     host("rm2", N2, tps=("vnmtl2",), addr="10.96.0.2"), links=PLINK)
    nets = []
    for i, r in enumerate(rates):
        x = vlink("l", "a", "eth0", "b", "eth0", plinks=("pl1",)).replace(
            "<vnm:virtual-link/>", "<vnm:virtual-link><vnm:guaranteed-rate>%d"
            "</vnm:guaranteed-rate></vnm:virtual-link>" % (r * MBIT))
        nets.append(vn(vn_name(i), router("a", "rm1", tps=("eth0",)),
                       router("b", "rm2", tps=("eth0",)), links=x))
    return config(under, *nets)


def rate_edit(i, r):
    """A merge that changes one VL's guarantee, nothing else."""
    return ('<config xmlns="%s"><networks xmlns="%s" xmlns:nt="%s" xmlns:vnm="%s"><network>'
            "<network-id>%s</network-id><nt:link><nt:link-id>l</nt:link-id><vnm:virtual-link>"
            "<vnm:guaranteed-rate>%d</vnm:guaranteed-rate></vnm:virtual-link></nt:link></network>"
            "</networks></config>" % (NS["nc"], NS["nw"], NS["nt"], NS["vnm"], vn_name(i),
                                      r * MBIT))


def net_filter(i):
    return ('<networks xmlns="%s"><network><network-id>%s</network-id></network></networks>'
            % (NS["nw"], vn_name(i)))


def rate_in(tree, i):
    x = tree.find(".//nw:network[nw:network-id='%s']/nt:link/vnm:virtual-link/"
                  "vnm:guaranteed-rate" % vn_name(i), NS)
    return int(x.text) // MBIT if x is not None else None


# ---------------------------------------------------------------------------
# Sessions: the same three requests over the raw UNIX client and ncclient
# ---------------------------------------------------------------------------

class UnixSession:
    kind = "unix"

    def __init__(self, w):
        self.c = RawClient(w.sock, timeout=BOUND)

    def edit(self, xml):
        r = self.c.rpc('<edit-config><target><running/></target><default-operation>merge'
                       '</default-operation>%s</edit-config>' % xml)
        return None if is_ok(r) else str(errors(r))

    def get(self, flt):
        r = self.c.rpc('<get><filter type="subtree">%s</filter></get>' % flt)
        return r.find("nc:data", NS), str(errors(r))

    def get_config(self, flt):
        r = self.c.rpc('<get-config><source><running/></source><filter type="subtree">%s'
                       '</filter></get-config>' % flt)
        return r.find("nc:data", NS), str(errors(r))

    def close(self):
        self.c.close()


class SshSession:
    kind = "ssh"

    def __init__(self, w):
        from ncclient import manager
        self.m = manager.connect(host="127.0.0.1", port=w.port, username="admin",
                                 key_filename=w.users.key, hostkey_verify=False,
                                 allow_agent=False, look_for_keys=False, timeout=BOUND)
        self.m.timeout = BOUND

    def _run(self, f):
        from ncclient.operations import RPCError
        from lxml import etree
        try:
            r = f()
        except RPCError as e:
            return None, "rpc-error: %s" % e
        t = etree.fromstring(r.xml.encode()) if hasattr(r, "xml") else r.data_ele
        return t, None

    def edit(self, xml):
        t, e = self._run(lambda: self.m.edit_config(target="running", config=xml,
                                                    default_operation="merge"))
        return e if e else (None if t.find("nc:ok", NS) is not None else "no <ok/>")

    def get(self, flt):
        t, e = self._run(lambda: self.m.get(filter=("subtree", flt)))
        return (t.find("nc:data", NS) if t is not None else None), e

    def get_config(self, flt):
        t, e = self._run(lambda: self.m.get_config(source="running", filter=("subtree", flt)))
        return (t.find("nc:data", NS) if t is not None else None), e

    def close(self):
        self.m.close_session()


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------

class World:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="vnmt-load.")
        self.state = os.path.join(self.tmp, "state")
        self.sock = os.path.join(self.tmp, "vnmd.sock")
        self.log = os.path.join(self.tmp, "vnmd.log")
        self.port = free_port()
        self.users = Users(self.tmp)
        self.snmpd = Snmpd(self.tmp)
        self.vnmd = None

    def up(self):
        for n in (N1, N2):
            netns_del(n)
            netns_add(n)
        subprocess.run(["ip", "link", "add", "vnmtl1", "netns", N1, "mtu", "1600", "type", "veth",
                        "peer", "name", "vnmtl2", "netns", N2, "mtu", "1600"], check=True)
        for n, d, a in ((N1, "vnmtl1", "10.96.0.1/24"), (N2, "vnmtl2", "10.96.0.2/24")):
            subprocess.run(["ip", "-n", n, "addr", "add", a, "dev", d], check=True)
            subprocess.run(["ip", "-n", n, "link", "set", d, "up"], check=True)
        self.snmpd.start()
        logf = open(self.log, "a")
        self.vnmd = subprocess.Popen([VNMD, "-f", "-s", self.state, "-u", self.sock,
                                      "-U", "test:///default", "-x", self.snmpd.sock,
                                      "-l", "127.0.0.1:%d" % self.port, "-a", self.users.authkeys,
                                      "-p", self.users.passwd, "-w", "4", "-L", "notice"],
                                     stdout=logf, stderr=logf)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.vnmd.poll() is not None:
                raise RuntimeError("vnmd exited: " + self.logtail())
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.sock)
                s.close()
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("vnmd did not come up: " + self.logtail())

    def rss(self):
        try:
            for ln in open("/proc/%d/status" % self.vnmd.pid):
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def logtail(self, n=3000):
        try:
            return open(self.log, errors="replace").read()[-n:]
        except OSError:
            return ""

    def down(self):
        stop_process(self.vnmd)
        self.snmpd.stop()
        for n in (N1, N2):
            netns_del(n)
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat = {"edit": [], "get": [], "get-config": []}
        self.unearned = []   # (session, request, error)
        self.slow = []       # requests over BOUND, or never answered
        self.acked = {}      # session -> last acknowledged rate

    def note(self, what, dt):
        with self.lock:
            self.lat[what].append(dt)

    def bad(self, who, what, e):
        with self.lock:
            self.unearned.append((who, what, e))


def session_loop(w, i, kind, st, t_end, rnd, count):
    who = "%s session %d" % (kind, i)
    try:
        s = SshSession(w) if kind == "ssh" else UnixSession(w)
    except Exception as e:  # noqa: BLE001 - a session that cannot open is a failure
        st.bad(who, "open", "%s: %s" % (type(e).__name__, e))
        return
    cur = st.acked[i]
    try:
        while time.monotonic() < t_end:
            op = rnd.choice(("edit", "edit", "get", "get-config"))
            t0 = time.monotonic()
            if op == "edit":
                r = rnd.choice([x for x in RATES if x != cur])
                e = s.edit(rate_edit(i, r))
                dt = time.monotonic() - t0
                if e is None:
                    cur = r
                    with st.lock:
                        st.acked[i] = r
                else:
                    st.bad(who, "edit to %d Mbit/s" % r, e)
            else:
                data, e = (s.get if op == "get" else s.get_config)(net_filter(i))
                dt = time.monotonic() - t0
                got = rate_in(data, i) if data is not None else None
                if got != cur:
                    st.bad(who, op, "read %s Mbit/s after %s was acknowledged (%s)"
                           % (got, cur, e))
            st.note(op, dt)
            count[0] += 1
            if dt > BOUND:
                st.slow.append((who, op, dt))
    except (OSError, EOFError) as e:
        st.slow.append((who, "request", "no answer: %s: %s" % (type(e).__name__, e)))
        return
    try:
        s.close()
    except Exception:  # noqa: BLE001 - closing at the end is not what is measured
        pass


def snmp_loop(w, t_end, res):
    g = SnmpGet(w.snmpd.agent, timeout=2.0)
    period = 1.0 / SNMP_RATE
    nxt = time.monotonic()
    rnd = random.Random(7)
    gen_oid = VNMD_OID + ".1.1.1.0"  # vnmConfigGeneration.0
    while True:
        now = time.monotonic()
        if now >= t_end:
            break
        if now < nxt:
            time.sleep(nxt - now)
        nxt += period
        idx = rnd.randrange(1, SESSIONS + 1)
        try:
            vbs = g.get(gen_oid, VNMD_OID + ".1.2.2.1.2.%d" % idx)
            res["sent"] += 1
            if all(t < 0x80 for t, _ in vbs) and vbs[1][1].startswith(b"ld"):
                res["answered"] += 1
            else:
                res["empty"] += 1
        except socket.timeout:
            res["sent"] += 1
            res["timeouts"] += 1
        except (OSError, RuntimeError, IndexError) as e:
            res["sent"] += 1
            res["errors"] += 1
            res["last_error"] = str(e)
    g.close()


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def htb_rates(netns, dev):
    out = sh("tc", "-n", netns, "class", "show", "dev", dev)
    return sorted(int(m[1]) for m in re.findall(
        r"class htb (?!766e:)([0-9a-f]+):[0-9a-f]+ parent \1:1 .*?rate (\d+)Mbit", out))


def main():
    rnd = random.Random(int(os.environ.get("VNMD_LOAD_SEED", "0")) or None)
    n_ssh = max(1, SESSIONS // 4)
    print("load: %d sessions (%d SSH, %d UNIX), %.0f s (warm-up %.0f s), SNMP %.0f/s"
          % (SESSIONS, n_ssh, SESSIONS - n_ssh, SECONDS, WARMUP, SNMP_RATE), flush=True)
    w = World()
    st = Stats()
    try:
        w.up()
        rates = [rnd.choice(RATES) for _ in range(SESSIONS)]
        c = RawClient(w.sock, timeout=120)
        r = c.rpc('<edit-config><target><running/></target><default-operation>replace'
                  '</default-operation>%s</edit-config>' % full_config(rates))
        if not ok("the %d networks are accepted" % SESSIONS, is_ok(r), errors(r)):
            return 1
        c.close()
        st.acked = dict(enumerate(rates))
        rss0 = w.rss()
        t_start = time.monotonic()
        t_end = t_start + SECONDS
        counts = [[0] for _ in range(SESSIONS)]
        threads = [threading.Thread(target=session_loop, daemon=True,
                                    args=(w, i, "ssh" if i < n_ssh else "unix", st, t_end,
                                          random.Random(rnd.random()), counts[i]))
                   for i in range(SESSIONS)]
        snmp = {"sent": 0, "answered": 0, "empty": 0, "timeouts": 0, "errors": 0}
        threads.append(threading.Thread(target=snmp_loop, args=(w, t_end, snmp), daemon=True))
        for t in threads:
            t.start()
        rss_warm = peak = 0
        while time.monotonic() < t_end:
            time.sleep(0.5)
            x = w.rss()
            peak = max(peak, x)
            if not rss_warm and time.monotonic() - t_start >= WARMUP:
                rss_warm = x
        for t in threads:
            t.join(BOUND + 10)
        stuck = [t for t in threads if t.is_alive()]
        elapsed = time.monotonic() - t_start
        time.sleep(1)  # the last replies' buffers are freed
        rss_end = w.rss()
        ok("vnmd lived through the load", w.vnmd.poll() is None, w.logtail())
        ok("no error the requests did not earn (%d)" % len(st.unearned), not st.unearned,
           st.unearned[:5])
        ok("no deadlock: every request answered within %.0f s" % BOUND,
           not st.slow and not stuck, "%s, %d threads still waiting" % (st.slow[:5], len(stuck)))
        ok("every session made progress", all(n[0] > 0 for n in counts),
           [n[0] for n in counts])
        # every acknowledged change is there: in running and in the kernel
        c = RawClient(w.sock, timeout=120)
        t = c.rpc("<get-config><source><running/></source></get-config>").find("nc:data", NS)
        have = {i: rate_in(t, i) for i in range(SESSIONS)}
        ok("running holds every session's last acknowledged rate", have == st.acked,
           {i: (have[i], st.acked[i]) for i in have if have[i] != st.acked[i]})
        c.close()
        want = sorted(st.acked.values())
        for n, d in ((N1, "vnmtl1"), (N2, "vnmtl2")):
            got = htb_rates(n, d)
            ok("%s: the HTB classes hold the acknowledged rates" % n, got == want,
               "tc %s, acknowledged %s" % (got, want))
        MiB = 1 << 20
        print("# RSS start %.1f MiB, after warm-up %.1f MiB, peak %.1f MiB, end %.1f MiB"
              % (rss0 / MiB, rss_warm / MiB, peak / MiB, rss_end / MiB), flush=True)
        ok("RSS at the end within %.0f%% + %d MiB of after warm-up"
           % ((RSS_SLACK[0] - 1) * 100, RSS_SLACK[1] // MiB),
           rss_end <= rss_warm * RSS_SLACK[0] + RSS_SLACK[1],
           "%d > %d" % (rss_end, rss_warm))
        for what in ("edit", "get", "get-config"):
            xs = st.lat[what]
            print("# %-10s %6d requests, %.1f/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms"
                  % (what, len(xs), len(xs) / elapsed, pct(xs, 50) * 1000, pct(xs, 99) * 1000,
                     max(xs or [0]) * 1000), flush=True)
        print("# SNMP: %d GETs, %.1f/s achieved (asked %.0f/s), %d answered with a value, "
              "%d empty, %d timeouts, %d errors"
              % (snmp["sent"], snmp["sent"] / elapsed, SNMP_RATE, snmp["answered"],
                 snmp["empty"], snmp["timeouts"], snmp["errors"]), flush=True)
        ok("SNMP: at least 90%% of the asked rate achieved (%.1f/s)" % (snmp["sent"] / elapsed),
           snmp["sent"] / elapsed >= 0.9 * SNMP_RATE)
        ok("SNMP: every GET answered with a value", snmp["answered"] == snmp["sent"] > 0,
           snmp)
    except Exception as e:  # noqa: BLE001 - a broken setup is a failure, with its reason
        ok("the load ran through", False, "%s: %s\n%s" % (type(e).__name__, e, w.logtail()))
    finally:
        w.down()
    print("load: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
