"""vnmd's NETCONF server driven by real clients: ncclient over SSH (keys and
passwords) and a raw client of the suite's own over the UNIX socket.

Every test starts its own vnmd (own socket, port, state directory) with
libvirt's test:///default as hypervisor, and stops it at the end.  Hosts
get a network namespace the test creates (named vnmt-*), so the link
driver's bridges and VL interfaces never touch the machine's own.
"""
import os
import signal
import stat
import subprocess
import threading
import time

import pytest
from lxml import etree
from ncclient.xml_ import to_ele

from ncclient_util import (NS, ROOT, VNMD, config, errors, host, is_ok, netns_links,
                           notifications, RawClient, router, rpc_error, underlay, vlink, vn,
                           Vnmd, wait_for)

NETNS_TAG = "nc"  # in the names of its namespaces (conftest.py)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NC = NS["nc"]


def base(nsname, *vrs, admin=None):
    """One host in its namespace and a VN nct1 with the given routers."""
    return config(underlay(host("rm1", netns=nsname)),
                  vn("nct1", *(vrs or (router("r1", "rm1", tps=("eth0",)),)), admin=admin))


def xp(tree, path):
    return tree.xpath(path, namespaces=NS)


def get_config(m, source="running", **kw):
    return etree.fromstring(m.get_config(source=source, **kw).data_xml.encode())


def get_all(m, **kw):
    return etree.fromstring(m.get(**kw).data_xml.encode())


def router_xp(vnname, name, leaf):
    return ("//nw:network[nw:network-id='%s']/nw:node[nw:node-id='%s']/vnm:router/vnm:%s"
            % (vnname, name, leaf))


# ---------------------------------------------------------------------------
# The daemon
# ---------------------------------------------------------------------------

def test_help_documents_every_option():
    out = subprocess.run([VNMD, "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for opt in ("--foreground", "--state-dir", "--unix-socket", "--ssh-listen",
                "--ssh-hostkey", "--ssh-authorized-keys", "--ssh-password-file",
                "--libvirt-uri", "--agentx-socket", "--startup", "--log-level", "--check",
                "--config", "--max-config-size", "--workers", "--allow-uri"):
        assert opt in out.stdout, opt


def test_failed_start_says_why(tmp_path):
    # a daemon (no --foreground) that cannot listen tells the terminal why
    bad = subprocess.run([VNMD, "-s", str(tmp_path / "st"), "-U", "test:///default",
                          "-u", str(tmp_path / "no" / "such" / "dir" / "sock")],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0
    assert "sock" in bad.stderr and "UNIX socket" in bad.stderr
    bad = subprocess.run([VNMD, "-f", "--ssh-listen", "localhost"], capture_output=True,
                         text=True, timeout=30)
    assert bad.returncode == 2 and "ADDR:PORT" in bad.stderr
    bad = subprocess.run([VNMD, "-f", "-s", str(tmp_path / "st2"), "-u", str(tmp_path / "s"),
                          "-U", "test:///default", "-l", "127.0.0.1:%d" % 1],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "--ssh-authorized-keys" in bad.stderr


def test_daemon_mode_pidfile_and_sigterm(users, tmp_path):
    pid_file = tmp_path / "vnmd.pid"
    d = Vnmd(users, tmp_path, ssh=False)
    args = [a for a in d.args() if a != "-f"] + ["-P", str(pid_file)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr  # the parent returns once vnmd serves
    pid = int(pid_file.read_text())
    try:
        c = RawClient(d.sock)
        assert c.session_id > 0
        c.close()
    finally:
        os.kill(pid, signal.SIGTERM)
    assert wait_for(lambda: not os.path.exists("/proc/%d" % pid) or
                    open("/proc/%d/stat" % pid).read().split()[2] == "Z")
    assert wait_for(lambda: not pid_file.exists())


def test_unix_socket_is_private_and_hostkey_generated_once(vnmd):
    assert stat.S_IMODE(os.stat(vnmd.sock).st_mode) == 0o600
    key = os.path.join(vnmd.state, "ssh_host_ed25519_key")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    first = open(key).read()
    assert "OPENSSH PRIVATE KEY" in first
    m = vnmd.ssh_key()
    m.close_session()
    vnmd.stop()
    vnmd.start()
    assert open(key).read() == first
    m = vnmd.ssh_key()
    assert m.connected
    m.close_session()


def test_sighup_reopens_log_and_daemon_lives(vnmd):
    vnmd.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "log reopened" in vnmd.logtext())
    c = vnmd.unix()
    assert is_ok(c.rpc("<lock><target><running/></target></lock>"))
    c.close()


def test_sigterm_closes_sessions_and_saves_running(vnmd, ns):
    n = ns()
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(n))
    c = vnmd.unix()
    assert vnmd.stop() == 0
    # sessions were closed by the daemon
    with pytest.raises((EOFError, OSError)):
        c.rpc("<get-config><source><running/></source></get-config>")
    assert "closing session" in vnmd.logtext()
    vnmd.start()
    m = vnmd.ssh_key()
    t = get_config(m)
    assert xp(t, "//nw:network[nw:network-id='nct1']/nw:node/nw:node-id/text()") == ["r1"]
    m.close_session()


# ---------------------------------------------------------------------------
# Transports and authentication
# ---------------------------------------------------------------------------

CAPS = (
    "urn:ietf:params:netconf:base:1.0",
    "urn:ietf:params:netconf:base:1.1",
    "urn:ietf:params:netconf:capability:writable-running:1.0",
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:startup:1.0",
    "urn:ietf:params:netconf:capability:validate:1.1",
    "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
    "urn:ietf:params:netconf:capability:xpath:1.0",
)


def test_ssh_publickey_capabilities(vnmd):
    m = vnmd.ssh_key()
    caps = list(m.server_capabilities)
    for c in CAPS:
        assert c in caps, c
    wd = [c for c in caps if c.startswith("urn:ietf:params:netconf:capability:with-defaults:1.0")]
    assert wd and "basic-mode=explicit" in wd[0]
    for mode in ("report-all", "trim", "report-all-tagged"):
        assert mode in wd[0]
    assert any("yang-library" in c for c in caps)
    m.close_session()


def test_ssh_key_bound_to_its_user(vnmd, users):
    # the admin key is for user admin only; the second key for anyone
    with pytest.raises(Exception):
        vnmd.ssh_key(user="mallory")
    m = vnmd.ssh_key(user="mallory", key=users.key2)
    assert m.connected
    m.close_session()


def test_ssh_password(vnmd):
    m = vnmd.ssh_password()
    assert m.connected
    m.close_session()
    with pytest.raises(Exception):
        vnmd.ssh_password(password="wrong")
    with pytest.raises(Exception):
        vnmd.ssh_password(user="nobody")


def test_ssh_netconf_1_0_and_1_1_framing(vnmd):
    for v11 in (False, True):
        c = vnmd.ssh_raw(v11=v11)
        assert c.chunked == v11
        r = c.rpc("<get-config><source><running/></source></get-config>")
        assert r.find("nc:data", NS) is not None
        r = c.rpc("<get-config><source><running/></source><filter")
        assert errors(r)[0][1] == "malformed-message"
        c.close()
        c.transport.close()


def test_read_only_user_gets_access_denied(vnmd, ns):
    m = vnmd.ssh_password(user="oper", password="readonly")
    get_config(m)  # reading is fine
    e = rpc_error(m.edit_config, target="running", config=base(ns()))
    assert e.tag == "access-denied"
    e = rpc_error(m.lock, "running")
    assert e.tag == "access-denied"
    m.close_session()


def test_unix_socket_netconf_1_0_and_1_1_framing(vnmd):
    for v11 in (False, True):
        c = vnmd.unix(v11=v11)
        assert c.chunked == v11
        r = c.rpc("<get-config><source><running/></source></get-config>")
        assert r.find("nc:data", NS) is not None
        c.close()


def test_silent_client_holds_up_nobody(vnmd):
    import socket
    silent = socket.socket(socket.AF_UNIX)
    silent.connect(vnmd.sock)  # and never says hello
    # the hello timeout is 10 s: a client waiting behind the silent one
    # would not get its hello within 5 s
    c = RawClient(vnmd.sock, timeout=5)
    assert c.rpc("<get-config><source><running/></source></get-config>").find("nc:data", NS) \
        is not None
    mon = c.rpc('<get><filter type="subtree"><netconf-state xmlns="%s"><sessions/>'
                "</netconf-state></filter></get>" % NS["ncm"])
    assert xp(mon, "//ncm:session[ncm:session-id='%d']/ncm:username/text()" % c.session_id) \
        == ["root"]
    c.close()
    silent.close()


def test_32_concurrent_sessions(vnmd, ns):
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(ns()))
    clients = [vnmd.unix(v11=bool(i % 2)) for i in range(40)]
    results = [None] * len(clients)

    def work(i):
        r = clients[i].rpc("<get-config><source><running/></source></get-config>")
        results[i] = xp(r, "//nw:node-id/text()")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r == ["rm1", "r1"] for r in results), results
    ids = {c.session_id for c in clients}
    assert len(ids) == len(clients)
    mon = get_all(m, filter=("subtree", '<netconf-state xmlns="%s"><sessions/></netconf-state>'
                             % NS["ncm"]))
    assert len(xp(mon, "//ncm:session")) >= 41
    for c in clients:
        c.close()
    m.close_session()


# ---------------------------------------------------------------------------
# Malformed input: an error reply, and the session and daemon live on
# ---------------------------------------------------------------------------

def test_malformed_xml_wrong_namespace_unknown_leaf(vnmd, ns):
    c = vnmd.unix()
    r = c.rpc("<get-config><source><running/></source><filter")
    assert errors(r)[0][1] == "malformed-message"
    r = c.rpc('<get-config xmlns="urn:example:not-netconf"/>')
    assert errors(r)[0][1] == "unknown-namespace"
    r = c.rpc("<frobnicate/>")
    assert errors(r)[0][1] == "unknown-element"
    r = c.rpc("<edit-config><target><running/></target><config>%s</config></edit-config>"
              % '<networks xmlns="%s"><network><network-id>x</network-id><no-such-leaf>1'
                '</no-such-leaf></network></networks>' % NS["nw"])
    e = errors(r)[0]
    assert e[1] == "unknown-element", e
    r = c.rpc("<edit-config><target><running/></target><config>%s</config></edit-config>"
              % '<networks xmlns="urn:example:wrong"><network/></networks>')
    assert errors(r)[0][1] in ("unknown-namespace", "unknown-element")
    r = c.rpc("<edit-config><target><running/></target><default-operation>bogus"
              "</default-operation><config/></edit-config>")
    e = errors(r)[0]
    assert e[1] == "bad-element" and "default-operation" in e[4]
    # the same session still works
    r = c.rpc("<get-config><source><running/></source></get-config>")
    assert r.find("nc:data", NS) is not None
    c.close()
    assert vnmd.alive()


def test_oversized_message(users, tmp_path, ns):
    d = Vnmd(users, tmp_path, extra=["-m", "200000"]).start()
    try:
        c = d.unix()
        cfg = base(ns()).replace("</vnm:kernel>", "</vnm:kernel><vnm:cmdline>%s</vnm:cmdline>"
                                 % ("x" * 400000))
        r = c.rpc("<edit-config><target><running/></target>%s</edit-config>" % cfg)
        e = errors(r)[0]
        assert e[1] == "too-big", e
        assert "200000" in e[3]
        r = c.rpc('<get><filter type="subtree"><networks xmlns="%s">%s</networks></filter></get>'
                  % (NS["nw"], "".join("<network><network-id>x%d</network-id></network>" % i
                                       for i in range(20000))))
        assert errors(r)[0][1] == "too-big"
        r = c.rpc("<get-config><source><running/></source></get-config>")
        assert r.find("nc:data", NS) is not None
        c.close()
        assert d.alive()
    finally:
        d.stop()


def test_mangled_messages_never_kill_the_daemon(vnmd, ns):
    """Valid requests with bytes flipped, cut or doubled: whatever comes
    back, vnmd and the other sessions live on."""
    import random
    rnd = random.Random(20091)
    n = ns()
    good = [
        "<edit-config><target><candidate/></target>%s</edit-config>" % base(n),
        '<get-config><source><running/></source><filter type="subtree"><networks xmlns="%s">'
        "<network><network-id>nct1</network-id></network></networks></filter></get-config>"
        % NS["nw"],
        '<get><filter type="xpath" xmlns:nw="%s" select="/nw:networks/nw:network/nw:node"/>'
        "</get>" % NS["nw"],
        "<copy-config><target><candidate/></target><source>%s</source></copy-config>" % base(n),
        "<lock><target><candidate/></target></lock>",
    ]
    watcher = vnmd.unix()
    c = vnmd.unix()
    replies = 0
    for i in range(300):
        msg = bytearray(rnd.choice(good).encode())
        for _ in range(rnd.randint(1, 4)):
            pos = rnd.randrange(len(msg))
            kind = rnd.randrange(3)
            if kind == 0:
                msg[pos] = rnd.choice(b'<>/="\' xa:&;#!?')
            elif kind == 1:
                del msg[pos:pos + rnd.randint(1, 20)]
            else:
                msg[pos:pos] = msg[max(0, pos - 10):pos]
        try:
            c.mid += 1
            c.send_raw(b'<rpc xmlns="%s" message-id="%d">' % (NC.encode(), i) + bytes(msg)
                       + b"</rpc>")
            c.recv()
            replies += 1
        except (EOFError, OSError):
            c = vnmd.unix()  # vnmd may drop a session that broke the protocol
    assert replies > 200
    assert vnmd.alive()
    r = watcher.rpc("<get-config><source><running/></source></get-config>")
    assert r.find("nc:data", NS) is not None
    watcher.close()


def test_peer_hangs_up_mid_message(vnmd):
    c = vnmd.unix()
    c.s.sendall(b"\n#1000\n<rpc message-id='1' xmlns='%s'><get" % NC.encode())
    c.s.close()
    c = vnmd.unix()
    assert c.rpc("<get-config><source><running/></source></get-config>").find("nc:data", NS) \
        is not None
    c.close()


# ---------------------------------------------------------------------------
# edit-config
# ---------------------------------------------------------------------------

def test_edit_config_operations_and_error_tags(vnmd, ns):
    n = ns()
    m = vnmd.ssh_key()
    assert m.edit_config(target="running", config=base(n)).ok
    t = get_config(m)
    assert xp(t, router_xp("nct1", "r1", "image/vnm:kernel/text()"))

    # merge changes a leaf
    m.edit_config(target="running", config=config(vn("nct1", router("r1", "rm1", vcpus=2))))
    assert xp(get_config(m), router_xp("nct1", "r1", "vcpus/text()")) == ["2"]

    # create of an existing router: data-exists, naming it
    e = rpc_error(m.edit_config, target="running",
                  config=config(vn("nct1", router("r1", "rm1").replace(
                      "<node>", '<node nc:operation="create">'))))
    assert e.tag == "data-exists" and e.type == "application"
    assert "r1" in (e.path or "") + (e.message or "")

    # delete of a missing router: data-missing
    e = rpc_error(m.edit_config, target="running",
                  config=config(vn("nct1", '<node nc:operation="delete"><node-id>ghost</node-id>'
                                          '</node>')))
    assert e.tag == "data-missing"
    assert "ghost" in (e.path or "") + (e.message or "")

    # remove of a missing router is fine
    m.edit_config(target="running", config=config(vn(
        "nct1", '<node nc:operation="remove"><node-id>ghost</node-id></node>')))

    # an out-of-range value: invalid-value naming the leaf
    e = rpc_error(m.edit_config, target="running",
                  config=config(vn("nct1", router("r1", "rm1", vcpus=999))))
    assert e.tag == "invalid-value"
    assert "vcpus" in e.path and "999" in e.message

    # a list entry without its key: missing-element
    e = rpc_error(m.edit_config, target="running",
                  config=config(vn("nct1").replace("<network-id>nct1</network-id>", "")))
    assert e.tag == "missing-element"
    assert "network-id" in e.message

    # delay needs sch_netem, which this kernel lacks: operation-not-supported
    netem = subprocess.run(["modinfo", "sch_netem"], capture_output=True).returncode == 0
    delayed = config(vn("nct1", router("r2", "rm1", tps=("eth0",)),
                        links=vlink("l12", "r1", "eth0", "r2", "eth0").replace(
                            "<vnm:virtual-link/>",
                            "<vnm:virtual-link><vnm:delay>1000</vnm:delay></vnm:virtual-link>")))
    if netem:
        m.edit_config(target="running", config=delayed, test_option="test-only")
    else:
        e = rpc_error(m.edit_config, target="running", config=delayed)
        assert e.tag == "operation-not-supported" and "sch_netem" in e.message
        assert "l12" in e.path

    # create a second router, then replace the first one's router container
    # (a VN is a connected graph: r2 comes with its link)
    m.edit_config(target="running", config=config(vn(
        "nct1", router("r2", "rm1", tps=("eth0",)).replace("<node>", '<node nc:operation="create">'),
        links=vlink("l12", "r1", "eth0", "r2", "eth0"))))
    m.edit_config(target="running", config=config(vn("nct1", router(
        "r1", "rm1", memory=256).replace("<vnm:router>", '<vnm:router nc:operation="replace">'))))
    assert xp(get_config(m), "//nt:link/nt:link-id/text()") == ["l12"]
    t = get_config(m)
    assert xp(t, router_xp("nct1", "r1", "memory/text()")) == ["256"]
    assert xp(t, router_xp("nct1", "r1", "vcpus")) == []  # replaced: gone

    # delete r2
    m.edit_config(target="running", config=config(vn(
        "nct1", '<node nc:operation="delete"><node-id>r2</node-id></node>',
        links='<nt:link nc:operation="delete"><nt:link-id>l12</nt:link-id></nt:link>')))
    assert xp(get_config(m), "//nw:node[nw:node-id='r2']") == []

    # default-operation none: a bare path changes nothing, a leaf under it with
    # an explicit operation does
    m.edit_config(target="running", default_operation="none",
                  config=config(vn("nct1", "<node><node-id>r1</node-id><vnm:router>"
                                   '<vnm:vcpus nc:operation="merge">3</vnm:vcpus>'
                                   "</vnm:router></node>")))
    assert xp(get_config(m), router_xp("nct1", "r1", "vcpus/text()")) == ["3"]

    # default-operation replace: the whole datastore is what was sent
    m.edit_config(target="running", default_operation="replace", config=base(n))
    t = get_config(m)
    assert xp(t, router_xp("nct1", "r1", "memory")) == []
    m.close_session()


def test_test_option_and_error_option(vnmd, ns):
    n = ns()
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(n))
    two = config(vn("nct1", router("r1", "rm1", vcpus=4)))
    m.edit_config(target="running", config=two, test_option="test-only")
    assert xp(get_config(m), router_xp("nct1", "r1", "vcpus")) == []
    m.edit_config(target="running", config=two, test_option="test-then-set")
    assert xp(get_config(m), router_xp("nct1", "r1", "vcpus/text()")) == ["4"]
    m.edit_config(target="running", config=config(vn("nct1", router("r1", "rm1", vcpus=5))),
                  test_option="set")
    assert xp(get_config(m), router_xp("nct1", "r1", "vcpus/text()")) == ["5"]

    # rollback-on-error: a good change and a bad one: nothing is applied
    bad = config(vn("nct1", router("r1", "rm1", vcpus=6),
                    '<node nc:operation="delete"><node-id>ghost</node-id></node>'))
    for opt in ("rollback-on-error", "stop-on-error", "continue-on-error"):
        e = rpc_error(m.edit_config, target="running", config=bad, error_option=opt)
        assert e.tag == "data-missing"
        assert xp(get_config(m), router_xp("nct1", "r1", "vcpus/text()")) == ["5"], opt
    m.close_session()


def test_plain_rfc8345_topology_is_stored_not_realised(vnmd, ns):
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(ns()))
    plain = config('<network><network-id>nms-view</network-id><node><node-id>a</node-id>'
                   '</node><node><node-id>b</node-id></node></network>')
    m.edit_config(target="running", config=plain)
    t = get_all(m)
    assert xp(t, "//nw:network[nw:network-id='nms-view']/nw:node/nw:node-id/text()") == ["a", "b"]
    assert xp(t, "//nw:network[nw:network-id='nms-view']//vnm:oper-state") == []
    m.close_session()


# ---------------------------------------------------------------------------
# Locks
# ---------------------------------------------------------------------------

def test_locks_between_two_sessions(vnmd, ns):
    n = ns()
    a = vnmd.ssh_key()
    b = vnmd.ssh_password()
    a.lock("running")
    e = rpc_error(b.lock, "running")
    assert e.tag == "lock-denied"
    assert "<session-id>%s</session-id>" % a.session_id in e.xml.decode() \
        if isinstance(e.xml, bytes) else str(a.session_id) in etree.tostring(e.xml).decode()
    e = rpc_error(b.edit_config, target="running", config=base(n))
    assert e.tag == "in-use"
    e = rpc_error(b.unlock, "running")
    assert e.tag == "operation-failed"
    # the holder may edit
    a.edit_config(target="running", config=base(n))
    # own lock twice: denied with own id
    e = rpc_error(a.lock, "running")
    assert e.tag == "lock-denied"
    # the lock dies with the session
    a.close_session()
    b.lock("running")
    b.unlock("running")
    b.close_session()


def test_kill_session_releases_locks(vnmd):
    a = vnmd.unix()
    b = vnmd.ssh_key()
    assert is_ok(a.rpc("<lock><target><candidate/></target></lock>"))
    e = rpc_error(b.lock, "candidate")
    assert e.tag == "lock-denied"
    e = rpc_error(b.kill_session, b.session_id)
    assert e.tag == "invalid-value"
    e = rpc_error(b.kill_session, "99999")
    assert e.tag == "invalid-value"
    b.kill_session(str(a.session_id))
    b.lock("candidate")
    with pytest.raises((EOFError, OSError)):
        a.rpc("<get-config><source><running/></source></get-config>")
    b.close_session()


def test_dropped_client_releases_locks(vnmd):
    """A client that vanishes (its process killed: the socket closed with
    no close-session) loses its locks and its candidate changes at once."""
    for what in ("idle", "mid-message"):
        a = vnmd.unix()
        assert is_ok(a.rpc("<lock><target><candidate/></target></lock>"))
        if what == "mid-message":
            a.s.sendall(b"\n#200\n<rpc xmlns")  # cut short by the death
        a.s.close()
        b = vnmd.unix()
        try:
            deadline = time.time() + 5
            r = b.rpc("<lock><target><candidate/></target></lock>")
            while not is_ok(r) and time.time() < deadline:
                time.sleep(0.1)
                r = b.rpc("<lock><target><candidate/></target></lock>")
            assert is_ok(r), (what, errors(r))
            assert is_ok(b.rpc("<unlock><target><candidate/></target></unlock>"))
        finally:
            b.close()
    assert "ended (dropped)" in vnmd.logtext() or "ended (closed)" in vnmd.logtext()


def test_close_session(vnmd):
    c = vnmd.unix()
    c.mid += 1
    c.send_raw('<rpc xmlns="%s" message-id="x"><close-session/></rpc>' % NC)
    assert "<ok/>" in c.recv()
    with pytest.raises((EOFError, OSError)):
        c.rpc("<get/>")


# ---------------------------------------------------------------------------
# Candidate, startup, copy, delete, validate
# ---------------------------------------------------------------------------

def test_candidate_commit_discard(vnmd, ns):
    n = ns()
    m = vnmd.ssh_key()
    o = vnmd.ssh_password()
    m.edit_config(target="running", config=base(n))
    m.edit_config(target="candidate", config=config(vn("nct1", router("r1", "rm1", vcpus=2))))
    assert xp(get_config(m), router_xp("nct1", "r1", "vcpus")) == []
    assert xp(get_config(m, "candidate"), router_xp("nct1", "r1", "vcpus/text()")) == ["2"]
    # the candidate is shared
    assert xp(get_config(o, "candidate"), router_xp("nct1", "r1", "vcpus/text()")) == ["2"]
    # a modified candidate cannot be locked (RFC 6241 7.5)
    e = rpc_error(o.lock, "candidate")
    assert e.tag == "lock-denied"
    m.commit()
    assert xp(get_config(m), router_xp("nct1", "r1", "vcpus/text()")) == ["2"]
    # discard-changes brings candidate back to running
    m.edit_config(target="candidate", config=config(vn("nct1", router("r1", "rm1", vcpus=7))))
    m.discard_changes()
    assert xp(get_config(m, "candidate"), router_xp("nct1", "r1", "vcpus/text()")) == ["2"]
    # candidate follows running while unmodified
    m.edit_config(target="running", config=config(vn("nct1", router("r1", "rm1", vcpus=3))))
    assert xp(get_config(m, "candidate"), router_xp("nct1", "r1", "vcpus/text()")) == ["3"]
    # running locked by another session: commit is refused
    o.lock("running")
    m.edit_config(target="candidate", config=config(vn("nct1", router("r1", "rm1", vcpus=4))))
    e = rpc_error(m.commit)
    assert e.tag == "in-use"
    o.unlock("running")
    m.commit()
    assert xp(get_config(o), router_xp("nct1", "r1", "vcpus/text()")) == ["4"]
    m.close_session()
    o.close_session()


def test_candidate_changes_die_with_the_lock(vnmd, ns):
    n = ns()
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(n))
    o = vnmd.ssh_password()
    o.lock("candidate")
    o.edit_config(target="candidate", config=config(vn("nct1", router("r1", "rm1", vcpus=8))))
    e = rpc_error(m.edit_config, target="candidate",
                  config=config(vn("nct1", router("r1", "rm1", vcpus=9))))
    assert e.tag == "in-use"
    o.close_session()
    assert xp(get_config(m, "candidate"), router_xp("nct1", "r1", "vcpus")) == []
    m.close_session()


def test_copy_delete_startup_and_start_from_startup(vnmd, ns):
    n = ns()
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(n))
    m.copy_config(source="running", target="startup")
    assert xp(get_config(m, "startup"), "//nw:node-id/text()") == ["rm1", "r1"]
    e = rpc_error(m.copy_config, source="running", target="running")
    assert e.tag == "invalid-value"
    # inline <config> into candidate, then candidate → running
    inline = base(n).replace("r1", "r9")
    r = m.dispatch(to_ele('<copy-config xmlns="%s"><target><candidate/></target><source>%s'
                          '</source></copy-config>' % (NC, inline)))
    assert r.ok
    assert xp(get_config(m, "candidate"), "//vnm:router/../nw:node-id/text()") == ["r9"]
    m.copy_config(source="candidate", target="running")
    assert xp(get_config(m), "//vnm:router/../nw:node-id/text()") == ["r9"]
    # restart from startup: r1 again
    m.close_session()
    vnmd.stop()
    vnmd.start(extra=["--startup"])
    m = vnmd.ssh_key()
    assert xp(get_config(m), "//vnm:router/../nw:node-id/text()") == ["r1"]
    m.delete_config(target="startup")
    assert xp(get_config(m, "startup"), "//nw:node") == []
    e = rpc_error(m.dispatch, to_ele('<delete-config xmlns="%s"><target><running/></target>'
                                     '</delete-config>' % NC))
    assert e.tag in ("unknown-element", "operation-not-supported")
    m.close_session()


def test_validate(vnmd, ns):
    n = ns()
    m = vnmd.ssh_key()
    m.edit_config(target="candidate", config=base(n))
    assert m.validate(source="candidate").ok
    assert m.validate(source="running").ok
    r = m.dispatch(to_ele('<validate xmlns="%s"><source>%s</source></validate>' % (NC, base(n))))
    assert r.ok
    # a router whose host does not exist fails validation, naming it
    bad = config(underlay(host("rm1", netns=n)), vn("nct1", router("r1", "rm-missing")))
    e = rpc_error(m.dispatch, to_ele('<validate xmlns="%s"><source>%s</source></validate>'
                                     % (NC, bad)))
    assert e.tag in ("invalid-value", "data-missing", "operation-failed")
    assert "r1" in (e.message or "") + (e.path or "") or "rm-missing" in (e.message or "")
    # a missing mandatory leaf
    nokernel = config(underlay(host("rm1", netns=n)),
                      vn("nct1", router("r1", "rm1").replace(
                          "<vnm:image><vnm:kernel>/var/lib/vnmd/images/vmlinuz</vnm:kernel>"
                          "</vnm:image>", "<vnm:image/>")))
    e = rpc_error(m.edit_config, target="candidate", config=nokernel, default_operation="replace")
    assert e.tag in ("missing-element", "invalid-value", "data-missing")
    m.close_session()


# ---------------------------------------------------------------------------
# Reads: filters, with-defaults, state, schemas
# ---------------------------------------------------------------------------

def test_filters_and_with_defaults(vnmd, ns):
    n = ns()
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=config(
        underlay(host("rm1", netns=n)),
        vn("nct1", router("r1", "rm1", vcpus=1, tps=("e0",)), router("r2", "rm1", tps=("e0",)),
           links=vlink("l", "r1", "e0", "r2", "e0")),
        vn("nct2", router("r1", "rm1"))))
    sub = ('<networks xmlns="%s"><network><network-id>nct2</network-id></network></networks>'
           % NS["nw"])
    t = get_config(m, filter=("subtree", sub))
    assert xp(t, "//nw:network/nw:network-id/text()") == ["nct2"]
    t = get_config(m, filter=("xpath", ({"nw": NS["nw"]},
                                        "/nw:networks/nw:network[nw:network-id='nct1']/nw:node/nw:node-id")))
    assert xp(t, "//nw:node-id/text()") == ["r1", "r2"]
    # explicit: vcpus=1 was set (default value), memory was not
    t = get_config(m)
    assert xp(t, router_xp("nct1", "r1", "vcpus/text()")) == ["1"]
    assert xp(t, router_xp("nct1", "r1", "memory")) == []
    t = get_config(m, with_defaults="report-all")
    assert xp(t, router_xp("nct1", "r2", "memory/text()")) == ["128"]
    assert xp(t, router_xp("nct1", "r2", "admin-state/text()")) == ["running"]
    t = get_config(m, with_defaults="trim")
    assert xp(t, router_xp("nct1", "r1", "vcpus")) == []
    t = get_config(m, with_defaults="report-all-tagged")
    mem = xp(t, router_xp("nct1", "r2", "memory"))
    assert mem and mem[0].get("{%s}default" % NS["wd"]) == "true"
    m.close_session()


def test_get_schema(vnmd):
    m = vnmd.ssh_key()
    text = m.get_schema("vnmd").data
    assert text == open(os.path.join(ROOT, "yang", "vnmd@2026-11-24.yang")).read()
    assert "module ietf-network " in m.get_schema("ietf-network").data
    assert "module ietf-netconf-with-defaults" in m.get_schema("ietf-netconf-with-defaults").data
    # vnmd's imports, implemented or not
    for imp in ("ietf-network-topology", "ietf-inet-types", "ietf-yang-types"):
        assert "module %s " % imp in m.get_schema(imp).data
    assert "revision 2013-07-15" in m.get_schema("ietf-inet-types", version="2013-07-15").data
    r = m.dispatch(to_ele('<get-schema xmlns="%s" xmlns:ncm="%s"><identifier>vnmd</identifier>'
                          "<format>ncm:yin</format></get-schema>" % (NS["ncm"], NS["ncm"])))
    assert "&lt;module" in r.xml or "<module" in r.xml
    e = rpc_error(m.get_schema, "no-such-module")
    assert e.tag == "invalid-value"
    mon = get_all(m, filter=("subtree", '<netconf-state xmlns="%s"><schemas/></netconf-state>'
                             % NS["ncm"]))
    ids = xp(mon, "//ncm:schema/ncm:identifier/text()")
    for mod in ("vnmd", "ietf-network", "ietf-network-topology", "ietf-netconf",
                "ietf-inet-types", "ietf-yang-types"):
        assert mod in ids
    m.close_session()


def test_monitoring_shows_locks(vnmd):
    m = vnmd.ssh_key()
    m.lock("startup")
    mon = get_all(m, filter=("subtree", '<netconf-state xmlns="%s"><datastores/>'
                             '</netconf-state>' % NS["ncm"]))
    held = xp(mon, "//ncm:datastore[ncm:name='startup']//ncm:locked-by-session/text()")
    assert held == [str(m.session_id)]
    m.close_session()


# ---------------------------------------------------------------------------
# Through the core: reality, actions, rollback
# ---------------------------------------------------------------------------

def oper(m, vnname, name):
    t = get_all(m, filter=("subtree", '<networks xmlns="%s"/>' % NS["nw"]))
    return {leaf: (xp(t, router_xp(vnname, name, leaf + "/text()")) or [None])[0]
            for leaf in ("oper-state", "uuid", "domain-name", "domain-id", "admin-state")}


def test_get_returns_router_state(vnmd, ns):
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(ns()))
    st = wait_for(lambda: (lambda s: s if s["oper-state"] == "running" else None)(
        oper(m, "nct1", "r1")))
    assert st, oper(m, "nct1", "r1")
    assert len(st["uuid"]) == 36 and st["domain-name"] and int(st["domain-id"]) > 0
    m.close_session()


def test_router_actions(vnmd, ns):
    m = vnmd.ssh_key()
    n = ns()
    m.edit_config(target="running", config=config(
        underlay(host("rm1", netns=n), host("rm2", netns=ns())),
        vn("nct1", router("r1", "rm1", tps=("eth0", "eth1")), router("r2", "rm1", tps=("eth0",)),
           links=vlink("l12", "r1", "eth0", "r2", "eth0")),
        vn("nct2", router("r9", "rm1"))))

    def act(name, vnname="nct1", node="r1", body=""):
        return m.dispatch(to_ele(
            '<action xmlns="urn:ietf:params:xml:ns:yang:1"><networks xmlns="%s"><network>'
            "<network-id>%s</network-id><node><node-id>%s</node-id><router xmlns=\"%s\">"
            "<%s>%s</%s></router></node></network></networks></action>"
            % (NS["nw"], vnname, node, NS["vnm"], name, body, name)))

    def state(node="r1"):
        return wait_for(lambda: oper(m, "nct1", node)["oper-state"] not in (None, "starting")
                        and oper(m, "nct1", node))

    assert wait_for(lambda: oper(m, "nct1", "r1")["oper-state"] == "running")
    assert act("stop").ok
    s = oper(m, "nct1", "r1")
    assert s["admin-state"] == "stopped" and s["oper-state"] == "stopped"
    assert act("start").ok
    assert oper(m, "nct1", "r1")["oper-state"] == "running"
    assert act("pause").ok
    s = oper(m, "nct1", "r1")
    assert s["admin-state"] == "paused" and s["oper-state"] == "paused"
    assert act("resume").ok
    assert oper(m, "nct1", "r1")["oper-state"] == "running"
    assert state()
    # the configuration says it too
    assert xp(get_config(m), router_xp("nct1", "r1", "admin-state/text()")) == ["running"]
    # copy: a new router with its own domain
    assert act("copy", body="<node-id>r1-copy</node-id>").ok
    assert wait_for(lambda: oper(m, "nct1", "r1-copy")["uuid"])
    assert oper(m, "nct1", "r1-copy")["uuid"] != oper(m, "nct1", "r1")["uuid"]
    # joined to its original through the free vNIC, so the VN stays connected
    t = get_config(m)
    assert xp(t, "//nt:link[nt:link-id='r1-copy-link']/nt:source/nt:source-tp/text()") == ["eth1"]
    assert xp(t, "//nt:link[nt:link-id='r1-copy-link']/nt:destination/nt:dest-node/text()") \
        == ["r1-copy"]
    e = rpc_error(act, "copy", body="<node-id>r2</node-id>")
    assert e.tag == "data-exists"
    e = rpc_error(act, "stop", node="ghost")
    assert e.tag == "data-missing" and "ghost" in e.message
    # move: the supporting-node changes, the domain keeps running
    # (a lone router: a linked one would need a physical link to its new host)
    assert act("move", vnname="nct2", node="r9", body="<host>rm2</host>").ok
    t = get_config(m)
    assert xp(t, "//nw:network[nw:network-id='nct2']/nw:node[nw:node-id='r9']/"
                 "nw:supporting-node/nw:node-ref/text()") == ["rm2"]
    assert oper(m, "nct2", "r9")["oper-state"] == "running"
    e = rpc_error(act, "move", node="r2", body="<host>rm2</host>")
    assert e.tag == "invalid-value" and "supporting-link" in e.message
    e = rpc_error(act, "move", body="<host>no-such-host</host>")
    assert e.tag == "data-missing" and "no-such-host" in e.message, e.message

    # network actions: the VN's admin-state, which every router follows
    def net_act(name):
        return m.dispatch(to_ele(
            '<action xmlns="urn:ietf:params:xml:ns:yang:1"><networks xmlns="%s"><network>'
            '<network-id>nct1</network-id><actions xmlns="%s"><%s/></actions></network>'
            "</networks></action>" % (NS["nw"], NS["vnm"], name)))

    for action, admin, want in (("pause", "paused", "paused"), ("resume", "running", "running"),
                                ("stop", "stopped", "stopped"), ("start", "running", "running")):
        assert net_act(action).ok
        t = get_config(m)
        assert xp(t, "//nw:network[nw:network-id='nct1']/vnm:virtual-network/"
                     "vnm:admin-state/text()") == [admin], action
        for node in ("r1", "r2", "r1-copy"):
            assert oper(m, "nct1", node)["oper-state"] == want, (action, node)
    m.close_session()


def test_failing_driver_step_rolls_back(vnmd, ns):
    n = ns()
    # the operator allows the unreachable hypervisor (hosts may not name
    # test-driver files otherwise)
    vnmd.stop()
    vnmd.start(extra=["--allow-uri", "test:///nonexistent/vnmd-test.xml"])
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(n))
    before = etree.tostring(get_config(m))
    assert wait_for(lambda: oper(m, "nct1", "r1")["oper-state"] == "running")
    uuid = oper(m, "nct1", "r1")["uuid"]
    # one transaction: a router on a good host, a router on a host whose
    # hypervisor cannot be reached (its libvirt URI names a missing file)
    bad = config(underlay(host("rm1", netns=n),
                          host("rm-bad", netns=n, uri="test:///nonexistent/vnmd-test.xml")),
                 vn("nct1", router("r1", "rm1", vcpus=2), router("r2", "rm1", tps=("eth0",)),
                    links=vlink("l12", "r1", "eth0", "r2", "eth0")),
                 vn("nct2", router("r3", "rm-bad")))
    e = rpc_error(m.edit_config, target="running", config=bad)
    assert e.tag == "operation-failed"
    assert "r3" in e.message or "rm-bad" in e.message or "nonexistent" in e.message
    assert etree.tostring(get_config(m)) == before
    s = oper(m, "nct1", "r1")
    assert s["uuid"] == uuid and s["oper-state"] == "running"
    assert oper(m, "nct1", "r2")["oper-state"] is None
    assert vnmd.alive()
    m.close_session()


def test_host_uri_that_runs_a_program_is_refused(vnmd, ns, tmp_path):
    # libvirt's ext transport runs what command= names; vnmd runs as root
    n = ns()
    marker = tmp_path / "marker"
    prog = tmp_path / "prog"
    prog.write_text("#!/bin/sh\ntouch %s\n" % marker)
    prog.chmod(0o755)
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(n))
    before = etree.tostring(get_config(m))
    for uri, says in (("test+ext:///default?command=%s" % prog, "never allows"),
                      ("test:///etc/shadow", "--allow-uri 'test:///etc/shadow'"),
                      ("test:///default?socket=/tmp/x", "--allow-uri 'test:///default?socket")):
        bad = config(underlay(host("rm1", netns=n), host("rm-evil", netns=n, uri=uri)),
                     vn("nct1", router("r1", "rm1", tps=("eth0",))),
                     vn("nct2", router("r3", "rm-evil")))
        e = rpc_error(m.edit_config, target="running", config=bad)
        assert e.tag == "invalid-value", (uri, e.tag)
        assert "rm-evil" in e.message and uri in e.message and says in e.message, e.message
        assert etree.tostring(get_config(m)) == before
    time.sleep(0.5)
    assert not marker.exists(), "the program named by command= ran"
    assert vnmd.alive()
    m.close_session()


def test_allow_uri_lets_the_operator_add_hypervisors(vnmd, ns, tmp_path):
    n = ns()
    node = tmp_path / "node-a.xml"
    node.write_text("<node/>\n")
    uri = "test://%s" % node
    cfg = config(underlay(host("rm1", netns=n), host("rm2", netns=n, uri=uri)),
                 vn("nct2", router("r3", "rm2")))
    m = vnmd.ssh_key()
    e = rpc_error(m.edit_config, target="running", config=cfg)
    assert e.tag == "invalid-value" and "--allow-uri '%s'" % uri in e.message
    m.close_session()
    vnmd.stop()
    # a pattern: '*' within one part of the path
    vnmd.start(extra=["--allow-uri", "test://%s/node-*.xml" % tmp_path,
                      "--allow-uri", "test:///default"])
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=cfg)
    assert wait_for(lambda: oper(m, "nct2", "r3")["oper-state"] == "running")
    m.close_session()
    # the same options hold in check mode, and ext cannot be allowed at all
    f = tmp_path / "cfg.xml"
    f.write_text(cfg)
    bad = subprocess.run([VNMD, "-n", "-c", str(f)], capture_output=True, text=True)
    assert bad.returncode == 1 and "rm2" in bad.stderr and "--allow-uri" in bad.stderr
    # entries replace the built-in list: rm1's test:///default is listed too
    good = subprocess.run([VNMD, "-n", "-c", str(f), "--allow-uri", uri,
                           "--allow-uri", "test:///default"],
                          capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    ext = subprocess.run([VNMD, "-f", "-s", str(tmp_path / "st3"), "-u", str(tmp_path / "s3"),
                          "--allow-uri", "test+ext:///default"],
                         capture_output=True, text=True, timeout=30)
    assert ext.returncode == 2 and "ext transport" in ext.stderr


FIG5 = os.path.join(ROOT, "examples", "figure5.xml")


def test_figure5_through_netconf(vnmd, ns):
    n1, n2 = ns(), ns()
    # the physical link of Figure 5: a veth pair between the two hosts
    subprocess.run(["ip", "link", "add", "eth-rm1", "netns", n1, "type", "veth", "peer",
                    "name", "eth-rm2", "netns", n2], check=True)
    for nsn, dev, a in ((n1, "eth-rm1", "10.99.0.1/24"), (n2, "eth-rm2", "10.99.0.2/24")):
        subprocess.run(["ip", "-n", nsn, "addr", "add", a, "dev", dev], check=True)
        # room for the VXLAN header on top of 1500-byte VL frames
        subprocess.run(["ip", "-n", nsn, "link", "set", dev, "mtu", "1600"], check=True)
        subprocess.run(["ip", "-n", nsn, "link", "set", dev, "up"], check=True)
    cfg = open(FIG5).read()
    cfg = cfg[cfg.index("<config"):]
    cfg = cfg.replace("<vnm:domain-type>qemu</vnm:domain-type>", "", 2)
    # interface names derive from the VN names: names of our own, so that
    # another vnmd on this machine running Figure 5 (demo, QEMU tests) never
    # shares a tap or bridge name with this one
    cfg = cfg.replace("vn-a", "nct-a").replace("vn-b", "nct-b")
    cfg = cfg.replace("<vnm:tunnel-address>10.99.0.1</vnm:tunnel-address>",
                      "<vnm:tunnel-address>10.99.0.1</vnm:tunnel-address><vnm:netns>%s"
                      "</vnm:netns>" % n1)
    cfg = cfg.replace("<vnm:tunnel-address>10.99.0.2</vnm:tunnel-address>",
                      "<vnm:tunnel-address>10.99.0.2</vnm:tunnel-address><vnm:netns>%s"
                      "</vnm:netns>" % n2)
    before = (netns_links(n1), netns_links(n2))
    m = vnmd.ssh_key()
    assert m.edit_config(target="running", config=cfg).ok
    for vnname in ("nct-a", "nct-b"):
        for r in ("vr1", "vr2"):
            assert wait_for(lambda: oper(m, vnname, r)["oper-state"] == "running"), (vnname, r)
    t = get_all(m)
    ups = xp(t, "//nt:link/vnm:virtual-link/vnm:oper-state/text()")
    assert ups == ["up", "up"], ups
    ifs = xp(t, "//nt:link/vnm:virtual-link/vnm:host-interface/text()")
    assert ifs and all(i.startswith("vn") for i in ifs)
    for leaf in ("in-octets", "out-octets", "in-packets", "out-packets", "drops"):
        vals = xp(t, "//nt:link/vnm:virtual-link/vnm:statistics/vnm:%s/text()" % leaf)
        assert len(vals) == 2 and all(v.isdigit() for v in vals), (leaf, vals)
    taps = xp(t, "//nt:termination-point/vnm:vnic/vnm:host-interface/text()")
    assert len(taps) == 8
    # the VL ends exist in the hosts' namespaces
    created = set(netns_links(n1) + netns_links(n2)) - set(before[0] + before[1])
    assert set(ifs) & created, (ifs, created)
    doms = {oper(m, v, r)["domain-name"] for v in ("nct-a", "nct-b") for r in ("vr1", "vr2")}
    assert len(doms) == 4

    # removing it removes the domains and the interfaces
    m.edit_config(target="running", default_operation="replace",
                  config='<config xmlns="%s"/>' % NC)
    t = get_all(m)
    assert xp(t, "//nw:network") == []
    assert (netns_links(n1), netns_links(n2)) == before
    m.close_session()
    # and after a restart nothing comes back
    vnmd.stop()
    vnmd.start()
    m = vnmd.ssh_key()
    assert xp(get_all(m), "//nw:network") == []
    assert (netns_links(n1), netns_links(n2)) == before
    m.close_session()


# --- RFC 5277 notifications ---------------------------------------------------

NOTIF_CAP = "urn:ietf:params:netconf:capability:notification:1.0"
VNM_NS = "urn:vnmd:yang:vnmd"


def kinds(ns_list):
    """(name, oper-state) of each notification's event."""
    out = []
    for t in ns_list:
        ev = [c for c in t if etree.QName(c).localname != "eventTime"][0]
        st = ev.find("{%s}oper-state" % VNM_NS)
        out.append((etree.QName(ev).localname, st.text if st is not None else None))
    return out


def test_notifications_router_state_and_config_change(vnmd, ns):
    m = vnmd.ssh_key()
    assert NOTIF_CAP in list(m.server_capabilities)
    m.edit_config(target="running", config=base(ns()))
    assert wait_for(lambda: oper(m, "nct1", "r1")["oper-state"] == "running")
    # a second session subscribes; the first one changes things
    s = vnmd.ssh_key()
    s.create_subscription()
    e = rpc_error(s.create_subscription)
    assert e.tag == "in-use"
    m.edit_config(target="running", config=config(
        vn("nct1", router("r1", "rm1", tps=("eth0",), admin="stopped"))))
    got = notifications(s, want=2)
    k = kinds(got)
    assert ("netconf-config-change", None) in k, k
    assert ("router-oper-state-change", "stopped") in k, k
    ev = [t for t in got if t.find("{%s}router-oper-state-change" % VNM_NS) is not None][0]
    rc = ev.find("{%s}router-oper-state-change" % VNM_NS)
    assert rc.findtext("{%s}network-ref" % VNM_NS) == "nct1"
    assert rc.findtext("{%s}node-ref" % VNM_NS) == "r1"
    assert ev.findtext("{urn:ietf:params:xml:ns:netconf:notification:1.0}eventTime")
    s.close_session()
    m.close_session()


def test_notifications_filter_stream_and_replay(vnmd, ns):
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=base(ns()))
    assert wait_for(lambda: oper(m, "nct1", "r1")["oper-state"] == "running")
    s = vnmd.ssh_key()
    # no such stream (replay: test_replay.py)
    e = rpc_error(s.create_subscription, stream_name="SYSLOG")
    assert e.tag == "invalid-value" and "SYSLOG" in e.message
    # only router changes: the configuration change is filtered out.  The
    # filter is in RFC 5277's namespace, as its schema says (ncclient's
    # create_subscription(filter=...) puts it in the base namespace)
    assert s.dispatch(to_ele(
        '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">'
        '<filter type="subtree"><router-oper-state-change xmlns="%s"/></filter>'
        '</create-subscription>' % VNM_NS)).ok
    m.edit_config(target="running", config=config(
        vn("nct1", router("r1", "rm1", tps=("eth0",), admin="paused"))))
    k = kinds(notifications(s, want=1))
    assert k and all(n == "router-oper-state-change" for n, _ in k), k
    assert ("router-oper-state-change", "paused") in k, k
    # the subscription dies with its session; the daemon goes on
    s.close_session()
    m.edit_config(target="running", config=config(
        vn("nct1", router("r1", "rm1", tps=("eth0",), admin="running"))))
    assert wait_for(lambda: oper(m, "nct1", "r1")["oper-state"] == "running")
    # stopTime only comes with startTime (RFC 5277): refused, named
    s2 = vnmd.ssh_key()
    e = rpc_error(s2.dispatch, to_ele(
        '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">'
        '<stopTime>2030-01-01T00:00:00Z</stopTime></create-subscription>'))
    assert e.tag == "bad-element" and "stopTime" in e.message
    s2.close_session()
    m.close_session()


def one_link(netns):
    """nct1: two routers on host rm1 (in netns) and the VL l12 between them."""
    return config(underlay(host("rm1", netns=netns)),
                  vn("nct1", router("r1", "rm1", tps=("eth0",)), router("r2", "rm1", tps=("eth0",)),
                     links=vlink("l12", "r1", "eth0", "r2", "eth0")))


def test_notifications_link_goes_down(vnmd, ns):
    """A VL's interface taken down behind vnmd's back is announced."""
    m = vnmd.ssh_key()
    n = ns()
    m.edit_config(target="running", config=one_link(n))

    def link_state():
        t = get_all(m, filter=("subtree", '<networks xmlns="%s"/>' % NS["nw"]))
        lk = "//nw:network[nw:network-id='nct1']/nt:link[nt:link-id='l12']/vnm:virtual-link/"
        return ((xp(t, lk + "vnm:oper-state/text()") or [None])[0],
                (xp(t, lk + "vnm:host-interface/text()") or [None])[0])
    assert wait_for(lambda: link_state()[0] == "up"), link_state()
    ifname = link_state()[1]
    s = vnmd.ssh_key()
    s.create_subscription()
    subprocess.run(["ip", "-n", n, "link", "set", ifname, "down"], check=True)
    got = notifications(s, timeout=10, want=1)
    k = kinds(got)
    assert ("link-oper-state-change", "down") in k, k
    ev = [t for t in got if t.find("{%s}link-oper-state-change" % VNM_NS) is not None][0]
    lc = ev.find("{%s}link-oper-state-change" % VNM_NS)
    assert lc.findtext("{%s}link-ref" % VNM_NS) == "l12"
    s.close_session()
    m.close_session()


def test_notifications_links_of_the_first_commit_and_their_reasons(vnmd, ns):
    """The first commit after vnmd starts announces the links it made (up,
    created), a link taken down behind vnmd's back says state observed, and
    one a commit deletes goes down with removed."""
    s = vnmd.ssh_key()
    s.create_subscription()
    m = vnmd.ssh_key()
    n = ns()
    m.edit_config(target="running", config=one_link(n))

    def link_events(want):
        out = []
        for t in notifications(s, timeout=10, want=want):
            lc = t.find("{%s}link-oper-state-change" % VNM_NS)
            if lc is not None:
                out.append((lc.findtext("{%s}link-ref" % VNM_NS),
                            lc.findtext("{%s}oper-state" % VNM_NS),
                            lc.findtext("{%s}reason" % VNM_NS)))
        return out
    # up at once with the commit (created), or its carrier a refresh later
    # (state observed: a slow machine, the ASan daemon)
    ev = link_events(2)
    assert [e for e in ev if e[:2] == ("l12", "up") and e[2] in ("created", "state observed")], ev
    t = get_all(m, filter=("subtree", '<networks xmlns="%s"/>' % NS["nw"]))
    ifname = xp(t, "//nt:link[nt:link-id='l12']/vnm:virtual-link/vnm:host-interface/text()")[0]
    subprocess.run(["ip", "-n", n, "link", "set", ifname, "down"], check=True)
    assert ("l12", "down", "state observed") in link_events(1)
    subprocess.run(["ip", "-n", n, "link", "set", ifname, "up"], check=True)
    assert ("l12", "up", "state observed") in link_events(1)
    # (the VN goes with it: a VN of two routers needs its link)
    m.edit_config(target="running", config=config(
        '<network nc:operation="delete"><network-id>nct1</network-id></network>'))
    # down with the commit (removed), or seen down as its routers went first
    ev = link_events(1)
    assert [e for e in ev if e[:2] == ("l12", "down") and e[2] in ("removed", "state observed")], ev
    s.close_session()
    m.close_session()
