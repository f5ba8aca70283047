"""Hostile input over NETCONF, and who may reach vnmd at all.

Every input a hostile or broken client might send (malformed and truncated
XML, invalid UTF-8, entity expansion, external entities, 100,000-deep
nesting, a <config> beyond --max-config-size, a hello without the base
capability, 10,000 elements in one RPC, numbers beyond uint64, negative
rates) goes to one vnmd over the UNIX socket, a representative subset over
SSH too.  For each, what a user would notice:

  - the daemon lives, and a second session still gets its <get-config>;
  - the answer is an rpc-error (or the session is closed, where RFC 6241
    allows that: a hello without base:1.0, a message that breaks framing);
  - running is what it was before;
  - VmRSS is back within 32 MiB of its level before;
  - the answer comes in at most 1 s + 1 s per MiB sent (no input keeps a
    worker busy for more than a second per MiB it sent, beyond a fixed
    second for the smallest ones).

Each test prints its figures (bytes sent, elapsed, RSS before/after); the
module ends with a one-line summary (pytest -s shows the per-test lines,
the summary is always written).

Access: SSH without authentication gets no session; a wrong key or
password is refused, with a log line; the UNIX socket is root's only.
"""
import os
import re
import socket
import subprocess
import time

import pytest
from lxml import etree

from ncclient_util import (NS, NW_NS, VNMD, Users, Vnmd, config, errors, host,
                           netns_add, netns_del, router, underlay, vlink, vn)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NC = NS["nc"]
MAX_CONFIG = 1 << 20          # --max-config-size of the daemon under test
RSS_SLACK_KB = 32 * 1024
GET_RUNNING = "<get-config><source><running/></source></get-config>"
FIGURES = []


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


@pytest.fixture(scope="module")
def d(tmp_path_factory, request):
    """One vnmd (UNIX socket and SSH, --max-config-size 1 MiB) with a
    small VN in running: two routers and a link on a host in a namespace
    of the test's own."""
    users = Users(str(tmp_path_factory.mktemp("users")))
    nsname = "vnmt-ho%d" % (os.getpid() % 100000)
    netns_add(nsname)
    v = Vnmd(users, tmp_path_factory.mktemp("vnmd"), extra=["-m", str(MAX_CONFIG)])
    try:
        v.start()
        c = v.unix()
        cfg = config(underlay(host("rm1", netns=nsname)),
                     vn("nct1", router("r1", "rm1", tps=("eth0",)),
                        router("r2", "rm1", tps=("eth0",)),
                        links=vlink("l12", "r1", "eth0", "r2", "eth0")))
        r = c.rpc("<edit-config><target><running/></target>%s</edit-config>" % cfg)
        assert r.find("nc:ok", NS) is not None, errors(r)
        c.close()
        yield v
    finally:
        v.stop()
        netns_del(nsname)
        tr = request.config.pluginmanager.getplugin("terminalreporter")
        if FIGURES:
            worst = max(FIGURES, key=lambda f: f[2] / f[3])
            line = ("hostile inputs tried: %d (%d over SSH); all answered in <= %.3f s "
                    "(worst %s: %.3f s for %.0f KiB, bound %.1f s); RSS grew at most %+d KiB"
                    % (len(FIGURES), sum(1 for f in FIGURES if f[0].startswith("ssh")),
                       max(f[2] for f in FIGURES), worst[0], worst[2], worst[1] / 1024,
                       worst[3], max(f[5] - f[4] for f in FIGURES)))
            # fixture teardown runs under output capture: lift it, or -q
            # (make check) never shows the figures
            capman = request.config.pluginmanager.getplugin("capturemanager")
            with capman.global_and_fixture_disabled():
                if tr:
                    tr.write_line(line)
                else:
                    print(line)


def running_xml(v):
    c = v.unix()
    try:
        return etree.tostring(c.rpc(GET_RUNNING).find("nc:data", NS))
    finally:
        c.close()


def settle_rss(pid, before):
    deadline = time.time() + 3
    now = rss_kb(pid)
    while now > before + RSS_SLACK_KB and time.time() < deadline:
        time.sleep(0.1)
        now = rss_kb(pid)
    return now


def _recv_reply(c):
    """The next message, or None when vnmd closed the session."""
    try:
        return c.recv()
    except (EOFError, ConnectionError):
        return None
    except socket.timeout:
        return "timeout"
    except OSError as e:
        if "closed" in str(e).lower():
            return None
        raise


def hostile(v, name, payload, tags=None, close_ok=False, ssh=False, wrap=True, check=None,
            v11=True):
    """Send payload (an operation, wrapped in <rpc>, or a whole message when
    wrap is False) on a fresh session; check everything the module promises.
    tags: the error-tags accepted (None: any rpc-error).  close_ok: vnmd may
    close the session instead of answering.  Returns the reply text."""
    before_cfg = running_xml(v)
    before = rss_kb(v.proc.pid)
    c = v.ssh_raw() if ssh else v.unix(v11=v11)
    # no answer within the bound (and some): a failure, not a hang
    c.s.settimeout(10 + len(payload) / float(1 << 19))
    if isinstance(payload, str):
        payload = payload.encode()
    if wrap:
        payload = b'<rpc xmlns="%s" message-id="101">' % NC.encode() + payload + b"</rpc>"
    t0 = time.time()
    try:
        c.send_raw(payload)
    except (BrokenPipeError, ConnectionResetError, EOFError):
        pass  # vnmd may stop reading a message it has already refused
    reply = _recv_reply(c)
    elapsed = time.time() - t0
    try:
        c.s.close()
        if ssh:
            c.transport.close()
    except OSError:
        pass
    bound = 1.0 + len(payload) / float(1 << 20)
    after = settle_rss(v.proc.pid, before)
    label = ("ssh " if ssh else "unix ") + name
    FIGURES.append((label, len(payload), elapsed, bound, before, after))
    outcome = "closed" if reply is None else reply if reply == "timeout" else ",".join(e[1] for e in errors(
        etree.fromstring(reply.encode()))) or "no-error"
    print("hostile %-34s %9d B  %.3f s (bound %.1f s)  RSS %d -> %d KiB  %s"
          % (label, len(payload), elapsed, bound, before, after, outcome))

    assert v.alive(), "vnmd died on %s:\n%s" % (name, v.logtext()[-2000:])
    assert reply != "timeout", "no answer to %s within %.0f s" % (name, elapsed)
    if reply is None:
        assert close_ok, "vnmd closed the session on %s instead of answering" % name
    else:
        errs = errors(etree.fromstring(reply.encode()))
        assert errs, "no rpc-error for %s: %s" % (name, reply[:300])
        if tags:
            assert errs[0][1] in tags, (name, errs[0])
        if check:
            check(reply)
    assert elapsed <= bound, "%s took %.3f s for %d bytes" % (name, elapsed, len(payload))
    assert running_xml(v) == before_cfg, "running changed by %s" % name
    assert after <= before + RSS_SLACK_KB, "%s: RSS %d -> %d KiB" % (name, before, after)
    return reply


MALFORMED = ("malformed-message",)
INVALID = ("invalid-value", "bad-element")


def edit(body):
    return "<edit-config><target><running/></target>%s</edit-config>" % body


def vl_config(vl):
    """The running VN with the link l12's properties set to vl (XML)."""
    return config(vn("nct1", links=vlink("l12", "r1", "eth0", "r2", "eth0").replace(
        "<vnm:virtual-link/>", "<vnm:virtual-link>%s</vnm:virtual-link>" % vl)))


def billion_laughs():
    ents = '<!ENTITY l0 "lollollollollollollollollollol">' + "".join(
        '<!ENTITY l%d "%s">' % (i, ("&l%d;" % (i - 1)) * 10) for i in range(1, 10))
    return ('<?xml version="1.0"?><!DOCTYPE rpc [%s]><rpc xmlns="%s" message-id="1">'
            '<get-config><source><running/></source><filter type="subtree"><networks xmlns="%s">'
            "<network><network-id>&l9;</network-id></network></networks></filter></get-config>"
            "</rpc>" % (ents, NC, NW_NS))


def xxe(url):
    return ('<?xml version="1.0"?><!DOCTYPE rpc [<!ENTITY x SYSTEM "%s">]>'
            '<rpc xmlns="%s" message-id="1"><get-config><source><running/></source>'
            '<filter type="subtree"><networks xmlns="%s"><network><network-id>&x;</network-id>'
            "</network></networks></filter></get-config></rpc>" % (url, NC, NW_NS))


DEEP = "<a>" * 100000 + "</a>" * 100000


def deep_filter():
    return ('<get-config><source><running/></source><filter type="subtree"><networks xmlns="%s">'
            "%s</networks></filter></get-config>" % (NW_NS, DEEP))


def big_config(extra):
    return edit(config(vn("nct1", router("r1", "rm1").replace(
        "</vnm:kernel>", "</vnm:kernel><vnm:cmdline>%s</vnm:cmdline>" % ("x" * extra)))))


def bad_utf8(seq):
    return (b'<get-config><source><running/></source><filter type="subtree"><networks xmlns="%s">'
            b"<network><network-id>a%sb</network-id></network></networks></filter></get-config>"
            % (NW_NS.encode(), seq))


def no_passwd(reply):
    assert "root:" not in reply and "/bin/" not in reply


# ---------------------------------------------------------------------------
# Malformed and truncated XML
# ---------------------------------------------------------------------------

def test_malformed_unclosed_tag(d):
    hostile(d, "unclosed tag", GET_RUNNING[:-2], MALFORMED)


def test_malformed_tag_mismatch(d):
    hostile(d, "tag mismatch", "<get-config><source></running></source></get-config>",
            MALFORMED)


def test_malformed_garbage_and_bad_attributes(d):
    hostile(d, "garbage", "<<<>>>&&&\x01\x02", MALFORMED)
    hostile(d, "unquoted attribute", "<get-config a=b><source><running/></source></get-config>",
            MALFORMED)
    hostile(d, "duplicate attribute",
            '<get-config a="1" a="2"><source><running/></source></get-config>',
            MALFORMED + ("unknown-attribute",))
    hostile(d, "undeclared prefix", "<x:get-config><source><running/></source></x:get-config>")


EMPTY_NS = [
    ("filter xmlns=''", "<get><filter type='subtree'><n xmlns=''><a/><a/></n></filter></get>"),
    ('config xmlns=""', edit('<config><n xmlns=""><a/><a/></n></config>')),
    ("xmlns:p=''", "<get-config><source><running/></source><filter type='subtree'>"
     "<p:n xmlns:p=''><p:a/><p:a/></p:n></filter></get-config>"),
    ("nested xmlns = ''", edit(config(vn("nct1", "<x xmlns = ''/><x xmlns = ''/>")))),
]


@pytest.mark.parametrize("v11", [True, False], ids=["base1.1", "base1.0"])
@pytest.mark.parametrize("name,body", EMPTY_NS, ids=[n for n, _ in EMPTY_NS])
def test_empty_namespace_declaration(d, name, body, v11):
    """libyang 2.1.30 dies on two sibling elements in an empty namespace
    (NULL strcmp while libnetconf2 parses the RPC): vnmd answers
    malformed-message and logs why."""
    before = d.logtext().count("empty namespace declaration")
    hostile(d, name, body, MALFORMED, v11=v11)
    assert d.logtext().count("empty namespace declaration") > before


def test_empty_namespace_over_ssh(d):
    hostile(d, "ssh filter xmlns=''", EMPTY_NS[0][1], MALFORMED, ssh=True)


def test_truncated_message(d):
    hostile(d, "truncated rpc", b'<rpc xmlns="%s" message-id="1"><get-config><sou'
            % NC.encode(), MALFORMED, wrap=False)
    hostile(d, "truncated edit", edit(config(vn("nct1", router("r1", "rm1", vcpus=7))))[:-40],
            MALFORMED)


def test_truncated_frame_then_hang_up(d):
    """A chunk announced as 1 MB, 40 bytes sent, the client gone."""
    before_cfg = running_xml(d)
    c = d.unix()
    c.s.sendall(b"\n#1000000\n<rpc message-id='1' xmlns='%s'><get" % NC.encode())
    c.s.close()
    time.sleep(0.2)
    assert d.alive()
    assert running_xml(d) == before_cfg


# ---------------------------------------------------------------------------
# Invalid UTF-8
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seq", [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                                 b"\xe2\x82"], ids=["ff-fe", "overlong", "surrogate",
                                                     "5-byte", "cut"])
def test_invalid_utf8_in_value(d, seq):
    hostile(d, "bad utf-8 value %s" % seq.hex(), bad_utf8(seq), MALFORMED)


def test_invalid_utf8_in_name_and_config(d):
    hostile(d, "bad utf-8 element name", b"<get-\xff\xfe/>", MALFORMED)
    hostile(d, "bad utf-8 in config", edit(config(vn("nct1", router("r1", "rm1")))).encode()
            .replace(b"vmlinuz", b"vm\xc3\x28linuz"), MALFORMED)


# ---------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------

def test_billion_laughs(d):
    r = hostile(d, "billion laughs", billion_laughs(), MALFORMED, wrap=False)
    assert "lollol" not in r


def test_billion_laughs_inside_config(d):
    # no DOCTYPE may come after the start: a DOCTYPE inside <config> is as bad
    hostile(d, "doctype inside config", edit(
        '<config><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<networks xmlns="%s"><network><network-id>&b;</network-id></network></networks>'
        "</config>" % NW_NS), MALFORMED)


def test_external_entity_file(d):
    hostile(d, "xxe file:///etc/passwd", xxe("file:///etc/passwd"), MALFORMED, wrap=False,
            check=no_passwd)


def test_external_entity_http(d):
    """An entity on http:// must not make vnmd connect anywhere."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(4)
    lst.settimeout(0.5)
    try:
        hostile(d, "xxe http://", xxe("http://127.0.0.1:%d/x" % lst.getsockname()[1]),
                MALFORMED, wrap=False)
        with pytest.raises(socket.timeout):
            lst.accept()
    finally:
        lst.close()


def test_undefined_entity_reference(d):
    hostile(d, "undefined entity",
            '<get-config><source><running/></source><filter type="subtree"><networks xmlns="%s">'
            "<network><network-id>&x;</network-id></network></networks></filter></get-config>"
            % NW_NS, MALFORMED)


# ---------------------------------------------------------------------------
# Size: depth, width, --max-config-size
# ---------------------------------------------------------------------------

def test_deep_nesting_in_filter(d):
    hostile(d, "100,000-deep filter", deep_filter(), MALFORMED + ("too-big",))


def test_deep_nesting_in_config(d):
    hostile(d, "100,000-deep config", edit("<config>%s</config>" % DEEP),
            MALFORMED + ("too-big",))


def test_deep_nesting_as_operation(d):
    hostile(d, "100,000-deep operation", DEEP,
            MALFORMED + ("too-big", "unknown-element"))


def test_config_beyond_max_config_size(d):
    r = hostile(d, "config of 1.2 MiB", big_config(1200000), ("too-big",))
    assert str(MAX_CONFIG) in r


def test_ten_thousand_elements_in_one_edit(d):
    """10,000 nodes in one edit-config, the last a duplicate: refused whole."""
    nodes = "".join("<node><node-id>n%d</node-id></node>" % i for i in range(10000))
    hostile(d, "10,000 nodes + a duplicate", edit(config(
        "<network><network-id>nms</network-id>%s<node><node-id>n1</node-id></node></network>"
        % nodes)))


def test_ten_thousand_unknown_elements(d):
    hostile(d, "10,000 unknown elements", "<get-config><source><running/></source>%s"
            "</get-config>" % ("<x/>" * 10000), ("unknown-element", "malformed-message"))


def says_duplicates(reply):
    assert "list entries with equal keys" in reply, reply[:600]


# libyang 2.1.30 inserts list entries with equal keys into the parent's child
# hash table by linear probing: n of them cost n^2 (1 MiB: ~2.6 s, 16 MiB:
# minutes) inside lyd_parse_op, before vnmd sees the RPC.  The gate counts
# them while reading (netconf-server/dupguard.h) and spoils the 65th.
def test_duplicate_list_entries_in_filter(d):
    """One MiB of identical list entries in a filter: refused in time, with
    a message that says why, the session and the daemon fine."""
    n = (1 << 20) // 45
    hostile(d, "%d duplicate filter entries" % n,
            '<get-config><source><running/></source><filter type="subtree"><networks xmlns="%s">'
            "%s</networks></filter></get-config>"
            % (NW_NS, "<network><network-id>x</network-id></network>" * n),
            tags=MALFORMED, check=says_duplicates)


def test_duplicate_list_entries_key_not_first(d):
    # 0.9 MiB, the key last and spelled differently in each entry; within
    # --max-config-size, so that the gate sets the content aside for vnmd's
    # own parse (netconf-server/stash.h), which meets the spoiled entry
    spell = ("x", "&#120;", "&#x78;", " x ", "<![CDATA[x]]>")
    n = (9 << 20) // 10 // 90
    hostile(d, "%d duplicates, key last" % n, edit(config("".join(
        "<network><node><node-id>a%d</node-id></node><network-id>%s</network-id></network>"
        % (i, spell[i % len(spell)]) for i in range(n)))),
        tags=MALFORMED, check=says_duplicates)


def test_few_equal_entries_in_a_filter_still_work(d):
    """Two selections of the same network (a filter may do that) pass."""
    c = d.unix()
    r = c.rpc('<get-config><source><running/></source><filter type="subtree">'
              '<networks xmlns="%s"><network><network-id>nct1</network-id><node/></network>'
              '<network><network-id>nct1</network-id><network-types/></network></networks>'
              '</filter></get-config>' % NW_NS)
    assert not errors(r), errors(r)
    assert r.find(".//{%s}network-id" % NW_NS) is not None


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("leaf,value", [
    ("rate-limit", "18446744073709551616"),
    ("guaranteed-rate", "9" * 4000),
    ("burst", "4294967296"),
    ("delay", "-1"),
    ("loss", "1e400"),
], ids=["uint64+1", "4000 digits", "uint32+1", "negative delay", "loss 1e400"])
def test_numbers_beyond_range(d, leaf, value):
    hostile(d, "%s=%s" % (leaf, value[:24]), edit(vl_config(
        "<vnm:%s>%s</vnm:%s>" % (leaf, value, leaf))), INVALID)


@pytest.mark.parametrize("leaf,value", [
    ("guaranteed-rate", "-1000000"), ("rate-limit", "-1"), ("guaranteed-rate", "-0x10"),
])
def test_negative_rates(d, leaf, value):
    hostile(d, "negative %s %s" % (leaf, value), edit(vl_config(
        "<vnm:%s>%s</vnm:%s>" % (leaf, value, leaf))), INVALID)


def test_router_numbers_and_session_ids(d):
    hostile(d, "vcpus beyond uint64", edit(config(vn("nct1", router("r1", "rm1").replace(
        "<vnm:router>", "<vnm:router><vnm:vcpus>99999999999999999999999</vnm:vcpus>")))),
        INVALID)
    hostile(d, "memory negative", edit(config(vn("nct1", router("r1", "rm1", memory=64).replace(
        ">64<", ">-64<")))), INVALID)
    hostile(d, "kill-session beyond uint64",
            "<kill-session><session-id>18446744073709551617</session-id></kill-session>",
            INVALID)


# ---------------------------------------------------------------------------
# Hello
# ---------------------------------------------------------------------------

def hello_without_base(v, ssh=False):
    """A hello that names no base capability: RFC 6241 8.1 lets the server
    close the session; it must not serve RPCs on it."""
    before_cfg = running_xml(v)
    if ssh:
        import paramiko
        t = paramiko.Transport(("127.0.0.1", v.port))
        t.connect(username="alice", password="wonderland")
        s = t.open_session()
        s.settimeout(10)
        s.invoke_subsystem("netconf")
    else:
        t = None
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(v.sock)
    t0 = time.time()
    buf = b""
    while b"]]>]]>" not in buf:
        buf += s.recv(65536)
    served = b""
    try:  # vnmd may close the session as soon as it has read the hello
        s.sendall(b'<hello xmlns="%s"><capabilities><capability>urn:example:nothing'
                  b"</capability></capabilities></hello>]]>]]>" % NC.encode())
        s.sendall(b'<rpc xmlns="%s" message-id="1">%s</rpc>]]>]]>'
                  % (NC.encode(), GET_RUNNING.encode()))
        while True:
            x = s.recv(65536)
            if not x:
                break
            served += x
    except (OSError, EOFError):
        pass
    elapsed = time.time() - t0
    try:
        s.close()
    except EOFError:
        pass  # paramiko: vnmd has closed the whole transport already
    if t:
        t.close()
    label = ("ssh " if ssh else "unix ") + "hello without base"
    FIGURES.append((label, 120, elapsed, 1.0, 0, 0))
    print("hostile %-34s %.3f s  %s" % (label, elapsed, "closed" if not served else served[:80]))
    assert b"<data" not in served, "vnmd served an RPC on a session without base:1.0"
    assert elapsed < 1.0
    assert v.alive()
    assert running_xml(v) == before_cfg


def test_hello_without_base_capability(d):
    hello_without_base(d)


def test_hello_twice_and_rpc_before_hello(d):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(d.sock)
    buf = b""
    while b"]]>]]>" not in buf:
        buf += s.recv(65536)
    # an rpc instead of the hello
    s.sendall(b'<rpc xmlns="%s" message-id="1">%s</rpc>]]>]]>' % (NC.encode(), GET_RUNNING.encode()))
    got = b""
    try:
        while True:
            x = s.recv(65536)
            if not x:
                break
            got += x
    except OSError:
        pass
    s.close()
    assert b"<data" not in got
    assert d.alive()


# ---------------------------------------------------------------------------
# Over SSH: a representative subset
# ---------------------------------------------------------------------------

def test_ssh_malformed_and_truncated(d):
    hostile(d, "tag mismatch", "<get-config><source></running></source></get-config>",
            MALFORMED, ssh=True)
    hostile(d, "truncated rpc", b'<rpc xmlns="%s" message-id="1"><get-config><sou'
            % NC.encode(), MALFORMED, wrap=False, ssh=True)


def test_ssh_invalid_utf8(d):
    hostile(d, "bad utf-8 value", bad_utf8(b"\xff\xfe"), MALFORMED, ssh=True)


# Under base:1.0 (]]>]]>) framing a DOCTYPE closes the session: RFC 6241
# forbids them in NETCONF messages, and malformed-message may not be sent to
# base:1.0 clients (libnetconf2 2.0.24 answered nothing at all; vnmd's gate
# now ends the session with a log line that says why).  Under base:1.1 the
# same messages get malformed-message (the tests above).
def doctype_closed(v, name, payload, **kw):
    before = _count(v, r"document type declaration")
    assert hostile(v, name, payload, close_ok=True, wrap=False, **kw) is None
    deadline = time.time() + 3
    while time.time() < deadline and _count(v, r"document type declaration") <= before:
        time.sleep(0.05)
    assert _count(v, r"document type declaration") > before, v.logtext()[-1000:]


def test_ssh_billion_laughs(d):
    doctype_closed(d, "billion laughs", billion_laughs(), ssh=True)


def test_ssh_external_entity(d):
    doctype_closed(d, "xxe file:///etc/passwd", xxe("file:///etc/passwd"), ssh=True)


def test_unix_doctype_base10_framing(d):
    doctype_closed(d, "billion laughs, 1.0 framing", billion_laughs(), v11=False)


def test_ssh_deep_big_and_numbers(d):
    hostile(d, "100,000-deep filter", deep_filter(), MALFORMED + ("too-big",), ssh=True)
    hostile(d, "config of 1.2 MiB", big_config(1200000), ("too-big",), ssh=True)
    hostile(d, "rate-limit uint64+1", edit(vl_config(
        "<vnm:rate-limit>18446744073709551616</vnm:rate-limit>")), INVALID, ssh=True)
    hostile(d, "negative guaranteed-rate", edit(vl_config(
        "<vnm:guaranteed-rate>-1</vnm:guaranteed-rate>")), INVALID, ssh=True)


def test_ssh_hello_without_base(d):
    hello_without_base(d, ssh=True)


# ---------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------

def test_ssh_without_authentication_gets_no_session(d):
    import paramiko
    t = paramiko.Transport(("127.0.0.1", d.port))
    try:
        t.start_client(timeout=10)
        with pytest.raises(paramiko.BadAuthenticationType) as ei:
            t.auth_none("admin")
        assert "none" not in ei.value.allowed_types
        with pytest.raises(paramiko.SSHException):
            t.open_session(timeout=5)
    finally:
        t.close()
    assert d.alive()


def _count(v, pattern):
    return len(re.findall(pattern, v.logtext()))


def test_wrong_password_and_key_refused_and_logged(d, tmp_path):
    import paramiko
    before_pw = _count(d, r"SSH password of user alice refused")
    t = paramiko.Transport(("127.0.0.1", d.port))
    try:
        t.start_client(timeout=10)
        with pytest.raises(paramiko.AuthenticationException):
            t.auth_password("alice", "not-wonderland")
    finally:
        t.close()
    stranger = str(tmp_path / "stranger")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger], check=True,
                   stdin=subprocess.DEVNULL)
    before_key = _count(d, r"SSH public key of user admin refused")
    t = paramiko.Transport(("127.0.0.1", d.port))
    try:
        t.start_client(timeout=10)
        with pytest.raises(paramiko.AuthenticationException):
            t.auth_publickey("admin", paramiko.Ed25519Key.from_private_key_file(stranger))
    finally:
        t.close()
    deadline = time.time() + 3
    while time.time() < deadline and (_count(d, r"SSH password of user alice refused") <= before_pw
                                      or _count(d, r"SSH public key of user admin refused")
                                      <= before_key):
        time.sleep(0.1)
    assert _count(d, r"SSH password of user alice refused") > before_pw
    assert _count(d, r"SSH public key of user admin refused") > before_key
    assert d.alive()


def test_wrong_password_answered_after_a_delay(d):
    import paramiko
    t = paramiko.Transport(("127.0.0.1", d.port))
    try:
        t.start_client(timeout=10)
        t0 = time.time()
        with pytest.raises(paramiko.AuthenticationException):
            t.auth_password("alice", "guess")
        elapsed = time.time() - t0
    finally:
        t.close()
    print("wrong password refused after %.3f s" % elapsed)
    assert elapsed >= 0.2


def test_unix_socket_root_only(d):
    probe = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
             "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(13)\n"
             "except OSError as e:\n    sys.exit(3)\nsys.exit(0)\n")
    r = subprocess.run(["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
                        "/usr/bin/python3", "-c", probe, d.sock], capture_output=True, timeout=30)
    assert r.returncode == 13, (r.returncode, r.stderr)
    # and root still can
    c = d.unix()
    assert c.rpc(GET_RUNNING).find("nc:data", NS) is not None
    c.close()
