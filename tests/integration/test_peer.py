"""Network-wide transactions (one vnmd per RM): a coordinator vnmd and two
participant vnmds (--host rm1, --host rm2), real processes over UNIX
sockets, each with its own in-process test:///default.  One edit at the
coordinator reaches every participant's running; a participant that refuses
(its operator does not allow a URI the others do) or is down fails the
whole edit with an error naming it, every running as before; a management
address the coordinator's operator did not allow is refused before
anything changes; another NMS's lock or uncommitted changes in a
participant's candidate are not overridden; a coordinator SIGKILLed between the participants'
confirmed commits and its confirm leaves them rolled back at the timeout;
one killed after its own share was applied gives them its running again
when it restarts.
"""
import os
import signal
import subprocess
import threading
import time

import pytest

from ncclient_util import NS, VNMD, Vnmd, config, errors, is_ok, router, underlay, vn

TIMEOUT = 3  # the participants' confirm-timeout (--peer-timeout)


def mhost(name, sock=None):
    s = "<node><node-id>%s</node-id><vnm:host><vnm:libvirt-uri>test:///default</vnm:libvirt-uri>" % name
    if sock:
        s += "<vnm:management><vnm:address>unix:%s</vnm:address></vnm:management>" % sock
    return s + "</vnm:host></node>"


def plain_host(name, uri):
    return "<node><node-id>%s</node-id><vnm:host><vnm:libvirt-uri>%s</vnm:libvirt-uri></vnm:host></node>" % (name, uri)


class Net:
    def __init__(self, tmp):
        self.p1 = Vnmd(None, tmp / "p1", ["--host", "rm1"], ssh=False)
        self.p2 = Vnmd(None, tmp / "p2", ["--host", "rm2", "-A", "test:///default"], ssh=False)
        self.co = Vnmd(None, tmp / "co", ["--allow-peer", "unix:%s/p*/vnmd.sock" % tmp,
                                          "--peer-timeout", str(TIMEOUT)], ssh=False)
        self.all = [self.p1, self.p2, self.co]

    def hosts(self, extra=()):
        return underlay(mhost("rm0"), mhost("rm1", self.p1.sock), mhost("rm2", self.p2.sock),
                        *extra)

    def cfg(self, routers, extra_hosts=()):
        return config(self.hosts(extra_hosts), *vns(routers))


def vns(routers):
    """One virtual network per router (a VN is a connected graph)."""
    return [vn("vn-" + n, router(n, h)) for n, h in routers]


def edit(v, cfg):
    c = v.unix()
    try:
        return c.rpc("<edit-config><target><running/></target><default-operation>replace"
                     "</default-operation>%s</edit-config>" % cfg)
    finally:
        c.close()


def routers_of(v):
    """The router names in v's running (a participant's or the coordinator's)."""
    c = v.unix()
    try:
        r = c.rpc("<get-config><source><running/></source></get-config>")
    finally:
        c.close()
    return sorted(n.text for net in r.iter("{%s}network" % NS["nw"])
                  if net.find("nw:network-types/vnm:virtual-network", NS) is not None
                  for n in net.findall("nw:node/nw:node-id", NS))


def oper(v, vr):
    """vr's oper-state as v reports it (its own routers: from its hypervisor)."""
    c = v.unix()
    try:
        r = c.rpc('<get><filter type="subtree"><networks xmlns="%s"/></filter></get>' % NS["nw"])
    finally:
        c.close()
    x = r.xpath("//nw:network[nw:network-id='vn-%s']/nw:node[nw:node-id='%s']/vnm:router/"
                "vnm:oper-state/text()" % (vr, vr), namespaces=NS)
    return x[0] if x else None


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("peer")
    n = Net(tmp)
    try:
        for v in n.all:
            os.makedirs(v.tmp, exist_ok=True)
            v.start()
        yield n
    finally:
        for v in n.all:
            if v.alive():
                v.stop(sig=signal.SIGKILL)


BASE = [("r0", "rm0"), ("r1", "rm1"), ("r2", "rm2")]


def test_one_edit_reaches_every_participant(net):
    r = edit(net.co, net.cfg(BASE))
    assert is_ok(r), errors(r)
    for v in (net.co, net.p1, net.p2):
        assert routers_of(v) == ["r0", "r1", "r2"], v.tmp
    # each router runs in the hypervisor of its own RM's vnmd
    assert oper(net.co, "r0") == "running"
    assert oper(net.p1, "r1") == "running"
    assert oper(net.p2, "r2") == "running"
    # confirmed: still there after the participants' confirm-timeout
    time.sleep(TIMEOUT + 1)
    assert routers_of(net.p1) == ["r0", "r1", "r2"]
    assert routers_of(net.p2) == ["r0", "r1", "r2"]
    for v in (net.p1, net.p2):
        assert "confirmed commit confirmed" in v.logtext()
        assert "confirmed commit rolled back" not in v.logtext()


def state_ages(v):
    """{router: state-age} of the routers whose state v shows as another
    vnmd reported it."""
    c = v.unix()
    try:
        r = c.rpc('<get><filter type="subtree"><networks xmlns="%s"/></filter></get>' % NS["nw"])
    finally:
        c.close()
    return {n.findtext("nw:node-id", namespaces=NS): int(n.findtext("vnm:router/vnm:state-age",
                                                                      namespaces=NS))
            for n in r.iter("{%s}node" % NS["nw"])
            if n.find("vnm:router/vnm:state-age", NS) is not None}


def test_coordinator_reads_the_whole_network(net):
    """The coordinator's <get> shows the participants' routers as their
    vnmds report them (running in their own hypervisors), with the age of
    the report; its own router (rm0 has no management address) without."""
    deadline = time.time() + 10
    while time.time() < deadline and not (oper(net.co, "r1") == "running" ==
                                          oper(net.co, "r2")):
        time.sleep(0.2)
    assert oper(net.co, "r1") == "running"
    assert oper(net.co, "r2") == "running"
    ages = state_ages(net.co)
    assert sorted(ages) == ["r1", "r2"], ages
    assert all(0 <= a < 10000 for a in ages.values()), ages
    # a participant reports only its own routers as running
    assert oper(net.p1, "r2") != "running"
    # one that died: its routers keep their last known state, growing older
    net.p1.stop(sig=signal.SIGKILL)
    try:
        time.sleep(3)
        ages2 = state_ages(net.co)
        assert oper(net.co, "r1") == "running"
        assert ages2["r1"] >= 2500, ages2
        assert ages2["r2"] < 5000, ages2
        assert "cannot read its state" in net.co.logtext()
    finally:
        net.p1.start()


def test_refusal_on_one_participant_changes_nothing(net):
    # rm3's hypervisor URI is allowed by the built-in list at the
    # coordinator and rm1, but not by rm2's operator (-A test:///default)
    r = edit(net.co, net.cfg(BASE + [("r4", "rm1")],
                             extra_hosts=[plain_host("rm3", "qemu:///session")]))
    errs = errors(r)
    assert errs, "the edit must fail"
    msg = errs[0][3]
    assert "rm2" in msg and "qemu:///session" in msg, msg
    for v in (net.co, net.p1, net.p2):
        assert routers_of(v) == ["r0", "r1", "r2"], v.tmp


def test_participant_down_fails_naming_it(net):
    net.p2.stop()
    try:
        r = edit(net.co, net.cfg(BASE + [("r5", "rm1")]))
        errs = errors(r)
        assert errs and "rm2" in errs[0][3], errs
        assert routers_of(net.co) == ["r0", "r1", "r2"]
        assert routers_of(net.p1) == ["r0", "r1", "r2"]
    finally:
        net.p2.start()
    assert routers_of(net.p2) == ["r0", "r1", "r2"]


def candidate_routers(c):
    r = c.rpc("<get-config><source><candidate/></source></get-config>")
    return sorted(n.text for net in r.iter("{%s}network" % NS["nw"])
                  if net.find("nw:network-types/vnm:virtual-network", NS) is not None
                  for n in net.findall("nw:node/nw:node-id", NS))


def test_participant_candidate_in_use_is_not_overridden(net):
    """The coordinator locks each participant's candidate for the
    transaction: another NMS's lock there, or its uncommitted changes,
    fail the edit naming the host, and are left as they were."""
    names = ["r0", "r1", "r2"]
    other = net.p2.unix()
    try:
        # 1. another session holds rm2's candidate lock
        assert is_ok(other.rpc("<lock><target><candidate/></target></lock>"))
        r = edit(net.co, net.cfg(BASE + [("r6", "rm1")]))
        errs = errors(r)
        assert errs and "host rm2" in errs[0][3] and "lock" in errs[0][3], errs
        for v in (net.co, net.p1, net.p2):
            assert routers_of(v) == names, v.tmp
        # still that session's lock (rm1's, taken first, was given back)
        r = other.rpc("<lock><target><candidate/></target></lock>")
        assert "holds the lock already" in errors(r)[0][3], errors(r)
        assert is_ok(other.rpc("<unlock><target><candidate/></target></unlock>"))
        c1 = net.p1.unix()
        try:
            assert is_ok(c1.rpc("<lock><target><candidate/></target></lock>"))
            assert is_ok(c1.rpc("<unlock><target><candidate/></target></unlock>"))
        finally:
            c1.close()
        # 2. another session's changes in rm2's candidate, not committed
        r = other.rpc("<edit-config><target><candidate/></target><default-operation>replace"
                      "</default-operation>%s</edit-config>" % net.cfg(BASE + [("r7", "rm2")]))
        assert is_ok(r), errors(r)
        r = edit(net.co, net.cfg(BASE + [("r6", "rm1")]))
        errs = errors(r)
        assert errs and "host rm2" in errs[0][3] and "uncommitted changes" in errs[0][3], errs
        assert candidate_routers(other) == names + ["r7"]
        for v in (net.co, net.p1, net.p2):
            assert routers_of(v) == names, v.tmp
        assert is_ok(other.rpc("<discard-changes/>"))
    finally:
        other.close()
    # 3. free again: the same edit goes through, and back
    r = edit(net.co, net.cfg(BASE + [("r6", "rm1")]))
    assert is_ok(r), errors(r)
    assert routers_of(net.p2) == ["r0", "r1", "r2", "r6"]
    r = edit(net.co, net.cfg(BASE))
    assert is_ok(r), errors(r)
    assert routers_of(net.p2) == names


def test_management_address_not_allowed(net, tmp_path):
    cfg = config(underlay(mhost("rm0"), mhost("rm1", net.p1.sock), mhost("rm2", net.p2.sock),
                          mhost("rm9", str(tmp_path / "elsewhere.sock"))),
                 *vns(BASE + [("r9", "rm1")]))
    errs = errors(edit(net.co, cfg))
    assert errs, "must be refused"
    assert "rm9" in errs[0][3] and "--allow-peer" in errs[0][3], errs
    for v in (net.co, net.p1, net.p2):
        assert routers_of(v) == ["r0", "r1", "r2"]
    # vnmd -n checks a file the same way, as the coordinator it would be,
    # every such host in one round; not as a participant (--host), which
    # reaches no one
    f = tmp_path / "cfg.xml"
    f.write_text(config(underlay(mhost("rm1", net.p1.sock), mhost("rm8", "/tmp/x.sock"),
                                 mhost("rm9", str(tmp_path / "elsewhere.sock"))),
                        *vns([("r1", "rm1")])))
    allow = ["--allow-peer", "unix:%s/p*/vnmd.sock" % os.path.dirname(net.p1.tmp)]
    r = subprocess.run([VNMD, "-n", "-c", str(f), "-C", "none"] + allow,
                       capture_output=True, text=True)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "host rm8" in r.stderr and "host rm9" in r.stderr and "--allow-peer" in r.stderr, \
        r.stderr
    assert "host rm1" not in r.stderr, r.stderr
    r = subprocess.run([VNMD, "-n", "-c", str(f), "-C", "none", "--host", "rm1"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def start_paused(co, var):
    """Start co with the test pause var (30 s) of its peer driver."""
    os.environ[var] = "30000"
    try:
        co.start()
    finally:
        del os.environ[var]


def doomed_edit(co, cfg, reached):
    """An edit at co, whose vnmd is killed before it answers, sent from a
    thread; returns when reached() holds (15 s at most)."""
    def doomed():
        try:
            edit(co, cfg)
        except (OSError, EOFError):
            pass
    threading.Thread(target=doomed, daemon=True).start()
    deadline = time.time() + 15
    while time.time() < deadline and not reached():
        time.sleep(0.1)


def test_coordinator_killed_participants_roll_back(net, tmp_path):
    co2 = Vnmd(None, tmp_path / "co2", ["--allow-peer", "unix:%s/p*/vnmd.sock"
                                         % os.path.dirname(net.p1.tmp),
                                         "--peer-timeout", str(TIMEOUT)], ssh=False)
    os.makedirs(co2.tmp, exist_ok=True)
    start_paused(co2, "VNMD_TEST_PEER_PAUSE")
    try:
        doomed_edit(co2, net.cfg(BASE + [("r6", "rm2")]), lambda: "r6" in routers_of(net.p2))
        assert "r6" in routers_of(net.p1) and "r6" in routers_of(net.p2), \
            "the participants hold the confirmed commit"
        co2.stop(sig=signal.SIGKILL)
        t0 = time.time()
        while time.time() < t0 + TIMEOUT + 10 and ("r6" in routers_of(net.p1) or
                                                   "r6" in routers_of(net.p2)):
            time.sleep(0.2)
        assert routers_of(net.p1) == ["r0", "r1", "r2"]
        assert routers_of(net.p2) == ["r0", "r1", "r2"]
    finally:
        if co2.alive():
            co2.stop(sig=signal.SIGKILL)


def test_coordinator_killed_before_its_confirm_gives_its_running_again(net, tmp_path):
    """Killed after its own share was applied and saved, before the
    confirm: the participants roll back at the timeout, the coordinator
    keeps the change; restarted, it gives them its running again."""
    co2 = Vnmd(None, tmp_path / "co2", ["--allow-peer", "unix:%s/p*/vnmd.sock"
                                         % os.path.dirname(net.p1.tmp),
                                         "--peer-timeout", str(TIMEOUT)], ssh=False)
    os.makedirs(co2.tmp, exist_ok=True)
    co2.start()
    try:
        r = edit(co2, net.cfg(BASE))
        assert is_ok(r), errors(r)
        co2.stop()
        start_paused(co2, "VNMD_TEST_PEER_PAUSE_CONFIRM")
        doomed_edit(co2, net.cfg(BASE + [("r6", "rm2")]), lambda: "r6" in routers_of(co2))
        assert "r6" in routers_of(co2), "the coordinator applied its share"
        assert "r6" in routers_of(net.p1) and "r6" in routers_of(net.p2)
        co2.stop(sig=signal.SIGKILL)
        t0 = time.time()
        while time.time() < t0 + TIMEOUT + 10 and ("r6" in routers_of(net.p1) or
                                                   "r6" in routers_of(net.p2)):
            time.sleep(0.2)
        assert routers_of(net.p1) == ["r0", "r1", "r2"], "rolled back at the timeout"
        assert routers_of(net.p2) == ["r0", "r1", "r2"]
        co2.start()
        assert "r6" in routers_of(co2)
        t0 = time.time()
        while time.time() < t0 + 15 and ("r6" not in routers_of(net.p1) or
                                         "r6" not in routers_of(net.p2)):
            time.sleep(0.2)
        assert routers_of(net.p1) == ["r0", "r1", "r2", "r6"], "given running again"
        assert routers_of(net.p2) == ["r0", "r1", "r2", "r6"]
        assert oper(net.p2, "r6") == "running"
        assert "reconciled with running (start)" in co2.logtext()
        r = edit(co2, net.cfg(BASE))
        assert is_ok(r), errors(r)
    finally:
        if co2.alive():
            co2.stop(sig=signal.SIGKILL)


def test_ssh_participant_with_the_operators_key(net, tmp_path):
    """A participant over SSH: the coordinator logs in with the key its
    operator named (--peer-key) and knows the participant's host key from
    --peer-known-hosts; without that entry the host is refused."""
    import subprocess
    from ncclient_util import free_port
    key, hostkey = str(tmp_path / "peer_key"), str(tmp_path / "p3_hostkey")
    for k in (key, hostkey):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k], check=True,
                       stdin=subprocess.DEVNULL)
    pub = open(key + ".pub").read().split()
    authkeys = tmp_path / "authorized_keys"
    authkeys.write_text("vnmd %s %s\n" % (pub[0], pub[1]))
    port = free_port()
    known = tmp_path / "known_hosts"
    hk = open(hostkey + ".pub").read().split()
    known.write_text("[127.0.0.1]:%d %s %s\n" % (port, hk[0], hk[1]))
    p3 = Vnmd(None, tmp_path / "p3", ["--host", "rm3", "-l", "127.0.0.1:%d" % port,
                                      "-k", hostkey, "-a", str(authkeys)], ssh=False)
    addr = "ssh:vnmd@127.0.0.1:%d" % port
    co3 = Vnmd(None, tmp_path / "co3", ["--allow-peer", addr, "--peer-key", "lab=" + key,
                                        "--peer-known-hosts", str(known)], ssh=False)
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    co4 = Vnmd(None, tmp_path / "co4", ["--allow-peer", addr, "--peer-key", "lab=" + key,
                                        "--peer-known-hosts", str(empty)], ssh=False)
    ssh_host = ("<node><node-id>rm3</node-id><vnm:host><vnm:libvirt-uri>test:///default"
                "</vnm:libvirt-uri><vnm:management><vnm:address>%s</vnm:address>"
                "<vnm:credentials>lab</vnm:credentials></vnm:management></vnm:host></node>" % addr)
    cfg = config(underlay(mhost("rm0"), ssh_host), *vns([("r0", "rm0"), ("r3", "rm3")]))
    try:
        for v in (p3, co3, co4):
            os.makedirs(v.tmp, exist_ok=True)
            v.start()
        errs = errors(edit(co4, cfg))
        assert errs and "rm3" in errs[0][3], errs
        assert "host key" in co4.logtext() and str(empty) in co4.logtext()
        assert routers_of(p3) == []
        r = edit(co3, cfg)
        assert is_ok(r), errors(r)
        assert routers_of(p3) == ["r0", "r3"]
        assert routers_of(co3) == ["r0", "r3"]
    finally:
        for v in (p3, co3, co4):
            if v.alive():
                v.stop(sig=signal.SIGKILL)


def test_participant_killed_mid_transaction_is_reconciled(net, tmp_path):
    """rm2's vnmd is SIGKILLed after its confirmed commit, before the
    confirm, and comes back after its confirm-timeout (so it rolled back):
    the coordinator's retry gives it the committed configuration again.
    Last: the participants end ahead of the module's coordinator."""
    co5 = Vnmd(None, tmp_path / "co5", ["--allow-peer", "unix:%s/p*/vnmd.sock"
                                         % os.path.dirname(net.p1.tmp),
                                         "--peer-timeout", str(TIMEOUT)], ssh=False)
    os.makedirs(co5.tmp, exist_ok=True)
    os.environ["VNMD_TEST_PEER_PAUSE"] = "1500"
    try:
        co5.start()
    finally:
        del os.environ["VNMD_TEST_PEER_PAUSE"]
    want = ["r0", "r1", "r2", "r7"]
    try:
        res = {}
        t = threading.Thread(target=lambda: res.update(r=edit(co5, net.cfg(BASE + [("r7", "rm2")]))),
                             daemon=True)
        t.start()
        deadline = time.time() + 10
        while time.time() < deadline and "r7" not in routers_of(net.p2):
            time.sleep(0.05)
        net.p2.stop(sig=signal.SIGKILL)
        t.join(30)
        assert is_ok(res["r"]), errors(res["r"])  # committed; rm2's confirm is retried
        assert routers_of(co5) == want and routers_of(net.p1) == want
        time.sleep(TIMEOUT + 0.5)  # past rm2's deadline: it rolls back when it starts
        net.p2.start()
        deadline = time.time() + 20
        while time.time() < deadline and routers_of(net.p2) != want:
            time.sleep(0.2)
        assert routers_of(net.p2) == want
        assert "confirmed commit rolled back" in net.p2.logtext()
        assert "reconciled with running" in co5.logtext()
    finally:
        if co5.alive():
            co5.stop(sig=signal.SIGKILL)
