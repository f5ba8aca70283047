#!/usr/bin/python3
"""crash.py - vnmd killed with SIGKILL at random moments loses nothing it
acknowledged, and reconciliation leaves reality equal to running.

A loop of NETCONF edits (routers added and removed, vCPUs and memory changed,
links added and removed, guarantees changed) on two real machines emulated by
two network namespaces joined by a veth pair (the physical link), with the
routers' domains in a private libvirtd (libvirt's test driver, run as nobody,
its own socket: the machine's libvirtd is never touched).  Each round sends
one edit-config and kills vnmd with SIGKILL at a random moment: before, during
or right after the commit.  After each restart:

  - running is the last configuration acknowledged with <ok/>, or the one in
    flight when vnmd died: never a mixture, never an older one;
  - the state files load (vnmd starts and answers);
  - reality equals running after reconciliation, read with virsh, ip and tc
    (not with vnmd's view): one domain per router and no other, every VL's
    two ends and every vNIC's port bridge and no other vn* interface, one HTB
    class per VL on each end of the physical link with its guaranteed rate;
  - a router the configuration kept was not restarted (same domain id);
  - no stale temporary state file is left behind.

One round in four (VNMD_CRASH_CONFIRMED, default 0.25) is a confirmed commit
instead (RFC 6241 8.4, with <persist>): the edit goes to candidate and
<commit><confirmed/> makes it
running, and vnmd is killed somewhere in that.  After the restart the pending
commit is either confirmed with its persist-id (running stays the edit) or
cancelled with it (running and reality go back to the configuration before
it, in one transaction): both must work whenever running shows the edit, and
reality is compared with running after that.

Usage: crash.py KILLS [SEED]      (make check: 50, make soak: 500)
Prints the figures and "crash: N passed, N failed".
"""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from ncclient_util import (NS, VNMD, RawClient, config, errors, host, is_ok,  # noqa: E402
                           netns_add, netns_del, router, stop_process, underlay, vlink,
                           vn)

KILLS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else int(time.time())
N1, N2 = "vnmt-k1", "vnmt-k2"
PL_IF = {N1: "eth-k1", N2: "eth-k2"}
VNNAME = "kx"
BASE = ("r1", "r2")
EXTRA = ("r3", "r4", "r5")
MBIT = 1000000
CONFIRMED = float(os.environ.get("VNMD_CRASH_CONFIRMED", "0.25"))

passed = failed = 0


def ok(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL - %s%s" % (name, ": " + detail if detail else ""), flush=True)


def sh(*args, check=False):
    return subprocess.run(args, capture_output=True, text=True, check=check).stdout


# ---------------------------------------------------------------------------
# The configuration: a state is {routers: {name: (host, vcpus, mem)},
# links: {name: (a, b, guarantee-mbit)}}; every extra router hangs off r1 or
# r2 by one link, so the VN stays connected.
# ---------------------------------------------------------------------------

PLINK = ("<nt:link><nt:link-id>pl</nt:link-id><nt:source><nt:source-node>h1</nt:source-node>"
         "<nt:source-tp>eth-k1</nt:source-tp></nt:source><nt:destination>"
         "<nt:dest-node>h2</nt:dest-node><nt:dest-tp>eth-k2</nt:dest-tp></nt:destination>"
         "<vnm:physical-link><vnm:capacity>100000000</vnm:capacity></vnm:physical-link>"
         "</nt:link>")


def to_xml(st):
    # hosts without a libvirt-uri: vnmd's -U (the private libvirtd)
    under = underlay(host("h1", N1, uri=None, tps=("eth-k1",), addr="10.98.0.1"),
                     host("h2", N2, uri=None, tps=("eth-k2",), addr="10.98.0.2"), links=PLINK)
    # r1 and r2 carry a vNIC for every link they may ever have: the test
    # driver cannot hot-plug a NIC into a running router
    tps = {r: (["p-l12"] + ["p-l" + x for x in EXTRA] if r in BASE else []) for r in st["routers"]}
    for ln, (a, b, g) in sorted(st["links"].items()):
        for r in (a, b):
            if "p-" + ln not in tps[r]:
                tps[r].append("p-" + ln)
    nodes = [router(r, h, tps=tps[r], vcpus=vc, memory=mem)
             for r, (h, vc, mem) in sorted(st["routers"].items())]
    links = []
    for ln, (a, b, g) in sorted(st["links"].items()):
        cross = st["routers"][a][0] != st["routers"][b][0]
        x = vlink(ln, a, "p-" + ln, b, "p-" + ln, plinks=("pl",) if cross else ())
        if g:
            x = x.replace("<vnm:virtual-link/>", "<vnm:virtual-link><vnm:guaranteed-rate>%d"
                          "</vnm:guaranteed-rate></vnm:virtual-link>" % (g * MBIT))
        links.append(x)
    return config(under, vn(VNNAME, *nodes, links="".join(links)))


def rate_only(before, after):
    """The one link whose guarantee alone changes to a value, or None: such
    an edit is sent as a merge of that leaf alone, which vnmd makes in place
    and journals (running.journal) instead of saving running.xml whole."""
    if before["routers"] != after["routers"] or set(before["links"]) != set(after["links"]):
        return None
    moved = [ln for ln in after["links"] if after["links"][ln] != before["links"][ln]]
    if len(moved) != 1 or not after["links"][moved[0]][2] or not before["links"][moved[0]][2]:
        return None
    return moved[0]


def leaf_edit(ln, g):
    return ('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
            '<networks xmlns="urn:ietf:params:xml:ns:yang:ietf-network" '
            'xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology" '
            'xmlns:vnm="urn:vnmd:yang:vnmd"><network><network-id>%s</network-id>'
            '<nt:link><nt:link-id>%s</nt:link-id><vnm:virtual-link><vnm:guaranteed-rate>%d'
            '</vnm:guaranteed-rate></vnm:virtual-link></nt:link></network></networks></config>'
            % (VNNAME, ln, g * MBIT))


def initial():
    return {"routers": {"r1": ("h1", 1, 64), "r2": ("h2", 1, 64)},
            "links": {"l12": ("r1", "r2", 4)}}


def mutate(st, rnd):
    st = {"routers": dict(st["routers"]), "links": dict(st["links"])}
    present = [r for r in EXTRA if r in st["routers"]]
    absent = [r for r in EXTRA if r not in st["routers"]]
    ops = ["vcpus", "rate"]
    if absent:
        ops += ["add", "add"]
    if present:
        ops += ["remove"]
    op = rnd.choice(ops)
    if op == "add":
        r = rnd.choice(absent)
        st["routers"][r] = (rnd.choice(("h1", "h2")), rnd.choice((1, 2)), 64)
        st["links"]["l" + r] = (rnd.choice(BASE), r, rnd.choice((0, 2, 6)))
    elif op == "remove":
        r = rnd.choice(present)
        del st["routers"][r]
        del st["links"]["l" + r]
    elif op == "vcpus":
        r = rnd.choice(sorted(st["routers"]))
        h, vc, mem = st["routers"][r]
        # memory stays: a running domain cannot grow past the memory it
        # started with (a clear refusal, not what this test is about)
        st["routers"][r] = (h, 3 - vc, mem)
    else:
        ln = rnd.choice(sorted(st["links"]))
        a, b, g = st["links"][ln]
        st["links"][ln] = (a, b, rnd.choice([x for x in (0, 2, 4, 6, 8) if x != g]))
    return st


def from_tree(t):
    """The state a get-config reply holds, in the shape of to_xml's input."""
    st = {"routers": {}, "links": {}}
    for n in t.iterfind(".//nw:network[nw:network-id='%s']/nw:node" % VNNAME, NS):
        name = n.findtext("nw:node-id", namespaces=NS)
        h = n.findtext("nw:supporting-node/nw:node-ref", namespaces=NS)
        vc = int(n.findtext("vnm:router/vnm:vcpus", default="1", namespaces=NS))
        mem = int(n.findtext("vnm:router/vnm:memory", default="0", namespaces=NS))
        st["routers"][name] = (h, vc, mem)
    for ln in t.iterfind(".//nw:network[nw:network-id='%s']/nt:link" % VNNAME, NS):
        name = ln.findtext("nt:link-id", namespaces=NS)
        a = ln.findtext("nt:source/nt:source-node", namespaces=NS)
        b = ln.findtext("nt:destination/nt:dest-node", namespaces=NS)
        g = int(ln.findtext("vnm:virtual-link/vnm:guaranteed-rate", default="0",
                            namespaces=NS)) // MBIT
        st["links"][name] = (a, b, g)
    return st


# ---------------------------------------------------------------------------
# The machine: namespaces, a private libvirtd, vnmd
# ---------------------------------------------------------------------------

class World:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="vnmt-crash.")
        os.chmod(self.tmp, 0o755)
        self.lv = os.path.join(self.tmp, "lv")
        os.makedirs(os.path.join(self.lv, "run"))
        shutil.chown(self.lv, "nobody", "nogroup")
        for d, _, fs in os.walk(self.lv):
            shutil.chown(d, "nobody", "nogroup")
        self.sock = os.path.join(self.lv, "run", "libvirt", "libvirt-sock")
        self.uri = "test+unix:///default?socket=" + self.sock
        self.state = os.path.join(self.tmp, "state")
        self.nsock = os.path.join(self.tmp, "vnmd.sock")
        self.log = open(os.path.join(self.tmp, "vnmd.log"), "a")
        self.lvd = self.keeper = self.vnmd = None

    def up(self):
        for n in (N1, N2):
            netns_del(n)
            netns_add(n)
        subprocess.run(["ip", "link", "add", "eth-k1", "netns", N1, "type", "veth", "peer",
                        "name", "eth-k2", "netns", N2], check=True)
        for n, a in ((N1, "10.98.0.1/24"), (N2, "10.98.0.2/24")):
            subprocess.run(["ip", "-n", n, "addr", "add", a, "dev", PL_IF[n]], check=True)
            subprocess.run(["ip", "-n", n, "link", "set", PL_IF[n], "mtu", "1600", "up"],
                           check=True)
        env = dict(os.environ, HOME=self.lv, XDG_RUNTIME_DIR=os.path.join(self.lv, "run"),
                   XDG_CONFIG_HOME=os.path.join(self.lv, "cfg"),
                   XDG_CACHE_HOME=os.path.join(self.lv, "cache"))
        self.lvd = subprocess.Popen(["setpriv", "--reuid", "nobody", "--regid", "nogroup",
                                     "--clear-groups", "libvirtd", "--timeout", "0"],
                                    env=env, stdout=self.log, stderr=self.log)
        for _ in range(100):
            if subprocess.run(["virsh", "-c", self.uri, "uri"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the private libvirtd did not come up")
        # The test driver keeps its domains only while a connection is open:
        # one that lives as long as the test stands for the real hypervisor.
        self.keeper = subprocess.Popen(["virsh", "-c", self.uri, "event", "--all", "--loop"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start_vnmd(self):
        self.vnmd = subprocess.Popen([VNMD, "-f", "-s", self.state, "-u", self.nsock,
                                      "-U", self.uri, "-L", "info"],
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.vnmd.poll() is not None:
                return False
            try:
                return RawClient(self.nsock, timeout=60)
            except (OSError, EOFError, AttributeError):
                time.sleep(0.02)
        return False

    def kill_vnmd(self):
        if self.vnmd and self.vnmd.poll() is None:
            self.vnmd.send_signal(signal.SIGKILL)
            self.vnmd.wait()

    def down(self):
        stop_process(self.vnmd)
        for d in set(sh("virsh", "-c", self.uri, "list", "--all", "--name").split()) - {"test"}:
            sh("virsh", "-c", self.uri, "destroy", d)
            sh("virsh", "-c", self.uri, "undefine", d)
        for p in (self.keeper, self.lvd):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        for n in (N1, N2):
            netns_del(n)
        for ifn in own_ifaces(None):
            subprocess.run(["ip", "link", "del", ifn], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.tmp, ignore_errors=True)


OWN_IF = re.compile(r"^vn[btvx][0-9a-f]{8}[ab]?$")


def own_ifaces(netns):
    cmd = ["ip"] + (["-n", netns] if netns else []) + ["-o", "link", "show"]
    names = re.findall(r"^\d+: ([^:@]+)", subprocess.run(cmd, capture_output=True,
                                                          text=True).stdout, re.M)
    return [n for n in names if OWN_IF.match(n)]


def get_all(c):
    r = c.rpc("<get/>")
    return r.find("nc:data", NS)


LEAKS = [0]


def reality_matches(world, c, st, ids_before, round_no, kept_cfg=None):
    """Compare reality (virsh, ip, tc) with running; return the domain ids.
    A round where reality holds more or less than running counts in LEAKS."""
    before = failed
    t = get_all(c)
    # domains: one per router of running, nothing else
    doms = {}
    for n in t.iterfind(".//nw:network[nw:network-id='%s']/nw:node" % VNNAME, NS):
        doms[n.findtext("nw:node-id", namespaces=NS)] = n.findtext(
            "vnm:router/vnm:domain-name", namespaces=NS)
    # (the test driver's own domain "test" is not ours)
    have = set(sh("virsh", "-c", world.uri, "list", "--all", "--name").split()) - {"test"}
    ok("round %d: one domain per router, no other" % round_no,
       have == set(doms.values()), "libvirt %s, running %s" % (sorted(have), sorted(doms.values())))
    ids = {}
    for r, d in doms.items():
        if d:
            ids[r] = sh("virsh", "-c", world.uri, "domid", d).strip()
    # kept: in running before the kill and in the edit in flight (an edit
    # that removed a router may have destroyed its domain before the kill)
    kept = [r for r in ids if r in ids_before and ids_before[r] not in ("", "-")
            and (kept_cfg is None or kept_cfg.get(r) == st["routers"].get(r))]
    restarted = [r for r in kept if ids[r] != ids_before[r]]
    ok("round %d: routers the configuration kept were not restarted" % round_no,
       not restarted, "%s" % restarted)
    # interfaces: both ends of every VL, a port bridge per vNIC, nothing else
    want = set()
    for x in t.iterfind(".//vnm:virtual-link/vnm:host-interface", NS):
        want.add(x.text)
    for x in t.iterfind(".//vnm:vnic/vnm:host-interface", NS):
        want.add("vnb" + x.text[3:])
    have_if = own_ifaces(N1) + own_ifaces(N2) + own_ifaces(None)
    ok("round %d: every VL end and port bridge exists, no other and none twice" % round_no,
       sorted(have_if) == sorted(want),
       "extra %s missing %s" % (sorted(set(have_if) - want), sorted(want - set(have_if))))
    # HTB: one class per cross-host VL at each end of the physical link, with
    # its guarantee where it has one
    cross = [(ln, g) for ln, (a, b, g) in st["links"].items()
             if st["routers"][a][0] != st["routers"][b][0]]
    for n in (N1, N2):
        out = sh("tc", "-n", n, "class", "show", "dev", PL_IF[n])
        # VL classes: in the child HTB (X:, not the root 766e:) of a VNI
        # bucket, under its capacity class X:1
        leaves = [ln for ln in out.splitlines()
                  if re.search(r"class htb (?!766e:)([0-9a-f]+):[0-9a-f]+ parent \1:1 ", ln)]
        rates = sorted(int(m) for m in re.findall(r"rate (\d+)Mbit", "\n".join(leaves)))
        ok("round %d: %s has one HTB class per VL riding it" % (round_no, n),
           len(leaves) == len(cross), "%d classes for %d VLs:\n%s" % (len(leaves), len(cross), out))
        for _, g in cross:
            if g:
                ok("round %d: %s has a class at %d Mbit/s" % (round_no, n, g), g in rates,
                   "rates %s" % rates)
    if failed > before:
        LEAKS[0] += 1
    return ids


def settle_pending(c, rnd, pending, got, round_no, figures):
    """After a kill in a confirmed commit: confirm or cancel it by its
    persist-id.  Returns running's configuration after that, and the
    routers whose domains must have survived it."""
    tok, before, after = pending["token"], pending["before"], pending["after"]
    if got != after:
        # killed before the commit made running the edit: nothing to settle
        # (a cancel finds no pending commit, or one that changes nothing)
        r = c.rpc("<cancel-commit><persist-id>%s</persist-id></cancel-commit>" % tok)
        now = from_tree(c.rpc("<get-config><source><running/></source></get-config>")
                        .find("nc:data", NS))
        ok("round %d: a confirmed commit killed before it took effect leaves running be"
           % round_no, now == got, "running became %s" % now)
        # as for any edit in flight: its transaction may have destroyed a
        # domain before the kill, which reconciliation then made anew
        return now, after["routers"]
    if rnd.random() < 0.5:
        r = c.rpc("<commit><persist-id>%s</persist-id></commit>" % tok)
        ok("round %d: the pending confirmed commit is confirmed after the restart" % round_no,
           is_ok(r), "%s" % errors(r))
        figures["confirms"] += 1
        want, kept = after, None
    else:
        r = c.rpc("<cancel-commit><persist-id>%s</persist-id></cancel-commit>" % tok)
        ok("round %d: the pending confirmed commit is cancelled after the restart" % round_no,
           is_ok(r), "%s" % errors(r))
        figures["cancels"] += 1
        # routers in both keep their domains through the rollback
        want, kept = before, {k: v for k, v in after["routers"].items()
                              if before["routers"].get(k) == v}
    now = from_tree(c.rpc("<get-config><source><running/></source></get-config>")
                    .find("nc:data", NS))
    ok("round %d: running after the pending commit is settled" % round_no, now == want,
       "got %s, want %s" % (now, want))
    return now, kept


def one_round(world, rnd, acked, ids, round_no, figures):
    c = world.start_vnmd()
    ok("round %d: vnmd starts after the kill (state files load)" % round_no, bool(c),
       open(world.log.name).read()[-2000:])
    if not c:
        return acked, ids, False
    t = c.rpc("<get-config><source><running/></source></get-config>").find("nc:data", NS)
    got = from_tree(t)
    in_flight = figures.get("in_flight")
    if got == acked:
        figures["as_acked"] += 1
    elif in_flight is not None and got == in_flight:
        figures["as_in_flight"] += 1
        acked = in_flight
    else:
        figures["lost"] += 1
    ok("round %d: running is the last acknowledged configuration or the one in flight"
       % round_no, got == acked, "got %s, acknowledged %s" % (got, acked))
    acked = got
    stray = [f for f in os.listdir(world.state) if f.endswith(".tmp")]
    ok("round %d: no temporary state file left" % round_no, not stray, "%s" % stray)
    kept_cfg = in_flight["routers"] if in_flight is not None else None
    pending = figures.pop("pending", None)
    if pending is not None:
        acked, kept_cfg = settle_pending(c, rnd, pending, got, round_no, figures)
    ids = reality_matches(world, c, acked, ids, round_no, kept_cfg)
    # the next edit, killed at a random moment
    nxt = mutate(acked, rnd)
    figures["in_flight"] = nxt
    reply = {}
    confirmed = rnd.random() < CONFIRMED
    if confirmed:
        figures["pending"] = {"token": "crash-%d" % round_no, "before": acked, "after": nxt}
        figures["confirmed"] += 1

    in_place = None if confirmed else rate_only(acked, nxt)
    if in_place:
        figures["in_place"] = figures.get("in_place", 0) + 1

    def send():
        try:
            if in_place:
                reply["r"] = c.rpc('<edit-config><target><running/></target>%s</edit-config>'
                                   % leaf_edit(in_place, nxt["links"][in_place][2]))
                return
            if not confirmed:
                reply["r"] = c.rpc('<edit-config><target><running/></target>'
                                   '<default-operation>replace</default-operation>%s'
                                   '</edit-config>' % to_xml(nxt))
                return
            r = c.rpc('<edit-config><target><candidate/></target><default-operation>'
                      'replace</default-operation>%s</edit-config>' % to_xml(nxt))
            if not is_ok(r):
                reply["r"] = r
                return
            reply["r"] = c.rpc("<commit><confirmed/><confirm-timeout>600</confirm-timeout>"
                               "<persist>%s</persist></commit>" % figures["pending"]["token"])
        except (OSError, EOFError) as e:
            reply["e"] = e
    th = threading.Thread(target=send)
    t0 = time.monotonic()
    th.start()
    when = rnd.choice(("before", "during", "during", "after"))
    if when == "before":
        time.sleep(rnd.uniform(0, 0.002))
    elif when == "during":
        time.sleep(rnd.uniform(0, figures["commit_s"] * 1.2))
    else:
        th.join(30)
        time.sleep(rnd.uniform(0, 0.01))
    world.kill_vnmd()
    th.join(30)
    figures["kills"] += 1
    r = reply.get("r")
    if r is not None and is_ok(r):
        figures["acked"] += 1
        acked = nxt
        figures["in_flight"] = None
        figures["commit_s"] = 0.8 * figures["commit_s"] + 0.2 * (time.monotonic() - t0)
    elif r is not None:
        ok("round %d: an edit that vnmd answered is accepted" % round_no, False,
           "%s" % errors(r))
        figures["in_flight"] = None
    return acked, ids, True


def main():
    rnd = random.Random(SEED)
    print("crash: %d kills, seed %d" % (KILLS, SEED), flush=True)
    world = World()
    t0 = time.monotonic()
    figures = {"kills": 0, "acked": 0, "lost": 0, "as_acked": 0, "as_in_flight": 0,
               "commit_s": 0.05, "in_flight": None, "confirmed": 0, "confirms": 0,
               "cancels": 0}
    try:
        world.up()
        c = world.start_vnmd()
        ok("vnmd starts", bool(c))
        st = initial()
        r = c.rpc('<edit-config><target><running/></target><default-operation>replace'
                  '</default-operation>%s</edit-config>' % to_xml(st))
        ok("the first configuration is accepted", is_ok(r), "%s" % errors(r))
        ids = reality_matches(world, c, st, {}, 0)
        world.kill_vnmd()
        acked = st
        for i in range(1, KILLS + 1):
            acked, ids, alive = one_round(world, rnd, acked, ids, i, figures)
            if not alive:
                break
        c = world.start_vnmd()
        if c:
            reality_matches(world, c, from_tree(c.rpc(
                "<get-config><source><running/></source></get-config>").find("nc:data", NS)),
                ids, KILLS + 1)
    finally:
        world.down()
    print("# kills %d, acknowledged commits %d, lost %d (running as acknowledged after %d, "
          "as the edit in flight after %d), restarts where reality differed from running "
          "(leaks, missing or doubled objects) %d, %.0f s; confirmed commits killed %d "
          "(settled after the restart: %d confirmed, %d cancelled); rate edits made in "
          "place and journaled %d"
          % (figures["kills"], figures["acked"], figures["lost"], figures["as_acked"],
             figures["as_in_flight"], LEAKS[0], time.monotonic() - t0, figures["confirmed"],
             figures["confirms"], figures["cancels"], figures.get("in_place", 0)), flush=True)
    print("crash: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
