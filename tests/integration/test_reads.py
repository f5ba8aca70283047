"""Large reads (issue 16, target 4): a reply of tens of kB is printed by
vnmd in one piece and sent by the gate in place of what libnetconf2 would
write in 1 KiB chunks, and a <get-config> of running is served from a text
kept per configuration generation (netconf-server/reads.c, oframe.c).  What
a client must see all the same: the whole configuration, in both framings,
changes at once, NACM's read rules, filters, several sessions at a time.

One vnmd for the module (test:///default, no hosts, no namespaces): 40
plain networks of 40 nodes (about 58 kB of XML) and a network "secret"
that alice may not read.
"""
import os
import re
import threading

import pytest
from lxml import etree

from ncclient_util import NS, VNMD, Users, Vnmd, errors, is_ok

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
NETS, NODES = 40, 40
GET_CONFIG = "<get-config><source><running/></source></get-config>"


def big_config():
    nets = "".join("<network><network-id>big%d</network-id>%s</network>"
                   % (i, "".join("<node><node-id>n%d</node-id></node>" % j
                                 for j in range(NODES)))
                   for i in range(NETS))
    secret = "<network><network-id>secret</network-id><node><node-id>s1</node-id></node></network>"
    rules = ('<nacm xmlns="%s"><groups><group><name>operators</name><user-name>alice'
             "</user-name></group></groups><rule-list><name>operators</name><group>operators"
             "</group><rule><name>hide-secret</name><module-name>*</module-name><path "
             'xmlns:nw="%s">/nw:networks/nw:network[nw:network-id=\'secret\']</path>'
             "<access-operations>read</access-operations><action>deny</action></rule>"
             "</rule-list></nacm>" % (NACM, NS["nw"]))
    return '<networks xmlns="%s">%s%s</networks>%s' % (NS["nw"], nets, secret, rules)


def edit(c, inner):
    r = c.rpc("<edit-config><target><running/></target><config>%s</config></edit-config>"
              % inner)
    assert is_ok(r), errors(r)


def network_ids(tree):
    return sorted(tree.xpath("//nw:network/nw:network-id/text()", namespaces=NS))


def nodes_of(tree, net):
    return tree.xpath("//nw:network[nw:network-id='%s']/nw:node/nw:node-id/text()" % net,
                      namespaces=NS)


ALL = sorted(["big%d" % i for i in range(NETS)] + ["secret"])


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    users = Users(str(tmp_path_factory.mktemp("users")))
    v = Vnmd(users, tmp_path_factory.mktemp("vnmd"))
    try:
        v.start()
        c = v.unix()
        edit(c, big_config())
        c.close()
        yield v
    finally:
        v.stop()


def raw_reply(c, body):
    """Send <rpc> on a base:1.1 RawClient; (reply bytes, number of chunks)."""
    c.mid += 1
    c.send_raw('<rpc xmlns="%s" message-id="%d">%s</rpc>' % (NS["nc"], c.mid, body))
    out, chunks = b"", 0
    while True:
        while True:
            m = re.match(rb"\n#(\d+)\n", c.buf) or re.match(rb"\n##\n", c.buf)
            if m:
                break
            c._fill()
        if m.group(0) == b"\n##\n":
            c.buf = c.buf[4:]
            return out, chunks
        n = int(m.group(1))
        c.buf = c.buf[m.end():]
        while len(c.buf) < n:
            c._fill()
        out += c.buf[:n]
        c.buf = c.buf[n:]
        chunks += 1


@pytest.mark.parametrize("v11", [True, False], ids=["base11", "base10"])
def test_large_get_config_arrives_whole_in_both_framings(d, v11):
    c = d.unix(v11=v11)
    try:
        for _ in range(2):          # printed, then from the kept text
            if v11:
                raw, chunks = raw_reply(c, GET_CONFIG)
                # libnetconf2 alone writes one chunk per KiB (57 and more here)
                assert len(raw) > 50000 and chunks <= 4, (len(raw), chunks)
                t = etree.fromstring(raw)
            else:
                t = c.rpc(GET_CONFIG)
            assert network_ids(t) == ALL
            assert nodes_of(t, "big17") == ["n%d" % j for j in range(NODES)]
            assert b"vnmd-splice" not in etree.tostring(t)
            assert int(t.get("message-id")) == c.mid
    finally:
        c.close()


def test_a_change_shows_in_the_next_read(d):
    c = d.unix()
    try:
        assert "extra" not in nodes_of(c.rpc(GET_CONFIG), "big3")
        edit(c, '<networks xmlns="%s"><network><network-id>big3</network-id><node><node-id>'
                "extra</node-id></node></network></networks>" % NS["nw"])
        assert "extra" in nodes_of(c.rpc(GET_CONFIG), "big3")
        assert "extra" in nodes_of(c.rpc("<get/>"), "big3")
        edit(c, '<networks xmlns="%s" xmlns:nc="%s"><network><network-id>big3</network-id>'
                '<node nc:operation="delete"><node-id>extra</node-id></node></network>'
                "</networks>" % (NS["nw"], NS["nc"]))
        assert "extra" not in nodes_of(c.rpc(GET_CONFIG), "big3")
        # an unmodified candidate is running, and reads the same
        assert network_ids(c.rpc("<get-config><source><candidate/></source></get-config>")) == ALL
    finally:
        c.close()


def test_nacm_read_rules_hold_for_large_replies(d):
    alice = d.ssh_password()
    admin = d.ssh_key()
    try:
        for m in (alice, admin):
            t = etree.fromstring(m.get_config(source="running").data_xml.encode())
            assert network_ids(t) == (ALL if m is admin else [n for n in ALL if n != "secret"])
        t = etree.fromstring(alice.get().data_xml.encode())
        assert "secret" not in network_ids(t) and len(network_ids(t)) == NETS
    finally:
        alice.close_session()
        admin.close_session()


def test_filters_and_with_defaults_on_large_replies(d):
    c = d.unix()
    try:
        t = c.rpc('<get-config><source><running/></source><filter type="subtree"><networks '
                  'xmlns="%s"><network><network-id>big5</network-id></network></networks>'
                  "</filter></get-config>" % NS["nw"])
        assert network_ids(t) == ["big5"] and len(nodes_of(t, "big5")) == NODES
        for mode in ("report-all", "trim", "explicit"):
            t = c.rpc('<get-config><source><running/></source><with-defaults xmlns="%s">%s'
                      "</with-defaults></get-config>" % (NS["wd"], mode))
            assert network_ids(t) == ALL, mode
        # <get>: state and identityref values (yang-library, monitoring)
        # keep their namespaces
        t = c.rpc("<get/>")
        assert network_ids(t) == ALL
        names = t.xpath("//ncm:datastore/ncm:name", namespaces=NS)
        assert sorted(n.text for n in names) == ["candidate", "running", "startup"]
        fmts = t.xpath("//ncm:schema/ncm:format", namespaces=NS)
        assert fmts
        for f in fmts[:4]:
            pfx, _, name = f.text.partition(":")
            assert f.nsmap[pfx] == NS["ncm"] and name in ("yang", "yin")
    finally:
        c.close()


def test_sessions_reading_at_once_get_their_own_replies(d):
    res, errs = {}, []

    def reader(i):
        try:
            c = d.unix()
            got = []
            for k in range(4):
                body = GET_CONFIG if k % 2 else "<get/>"
                t = c.rpc(body)
                got.append((int(t.get("message-id")) == c.mid, len(network_ids(t))))
            c.close()
            res[i] = got
        except Exception as e:      # reported below, with the thread's number
            errs.append("%d: %r" % (i, e))
    ts = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not errs, errs
    assert all(res[i] == [(True, NETS + 1)] * 4 for i in range(3)), res
