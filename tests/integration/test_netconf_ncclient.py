"""ncclient's own idioms against vnmd (issue 13): a <config> and a <filter>
in no namespace (ncclient's documented edit_config(config="<config>...")
and string filters), create_subscription(filter=...) with its <filter> in
the base namespace, XPath filters on notifications, RFC 6470 session
notifications and changed-by, error tags of RFC 6241 Appendix A.

Every test starts its own vnmd (test:///default as hypervisor, hosts in
network namespaces of the test's own, named vnmt-*).
"""
import os
import time

import pytest
from lxml import etree
from ncclient.xml_ import to_ele
from ncclient_util import (NS, VNMD, config, errors, host, notifications, router, rpc_error,
                           underlay, vlink, vn, wait_for)

NETNS_TAG = "nn"  # in the names of its namespaces (conftest.py)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NW = NS["nw"]
VNM = NS["vnm"]
NCN = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
NOTIF = "urn:ietf:params:xml:ns:netconf:notification:1.0"


def xp(tree, path):
    return tree.xpath(path, namespaces=NS)


def plain(name, *nodes):
    """A plain RFC 8345 network (stored, nothing realised), inside a <config>
    in NO namespace, as ncclient's documentation writes it."""
    ns_ = "".join("<node><node-id>%s</node-id></node>" % n for n in nodes)
    return ('<config><networks xmlns="%s"><network><network-id>%s</network-id>%s</network>'
            '</networks></config>' % (NW, name, ns_))


def nodes_of(tree, name):
    return xp(tree, "//nw:network[nw:network-id='%s']/nw:node/nw:node-id/text()" % name)


def running(m, **kw):
    return etree.fromstring(m.get_config(source="running", **kw).data_xml.encode())


def oper_state(m, vnname, node):
    t = etree.fromstring(m.get(filter=("subtree", '<networks xmlns="%s"/>' % NW)).data_xml.encode())
    v = xp(t, "//nw:network[nw:network-id='%s']/nw:node[nw:node-id='%s']/vnm:router/"
              "vnm:oper-state/text()" % (vnname, node))
    return v[0] if v else None


def events(got):
    """The event element of each notification."""
    return [[c for c in t if etree.QName(c).localname != "eventTime"][0] for t in got]


def names(got):
    return [etree.QName(e).localname for e in events(got)]


# --- 1. <config> and <filter> in no namespace ---------------------------------

def test_config_and_filter_without_namespace_are_netconf_ones(vnmd):
    m = vnmd.ssh_key()
    # edit-config exactly as ncclient's documentation has it
    assert m.edit_config(target="running", config=plain("nn", "a", "b")).ok
    assert nodes_of(running(m), "nn") == ["a", "b"]
    # string filters (no namespace) for get-config and get
    f = '<filter type="subtree"><networks xmlns="%s"/></filter>' % NW
    assert nodes_of(running(m, filter=f), "nn") == ["a", "b"]
    t = etree.fromstring(m.get(filter=f).data_xml.encode())
    assert nodes_of(t, "nn") == ["a", "b"]
    # a filter that selects something else selects nothing of it
    f2 = '<filter type="subtree"><netconf-state xmlns="%s"/></filter>' % NS["ncm"]
    assert nodes_of(running(m, filter=f2), "nn") == []
    # validate and copy-config with a <config> in no namespace as source
    assert m.validate(source=to_ele(plain("nn2", "c"))).ok
    r = m.dispatch(to_ele(
        '<nc:copy-config xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><nc:target>'
        '<nc:candidate/></nc:target><nc:source>%s</nc:source></nc:copy-config>'
        % plain("nn3", "d")))
    assert r.ok
    cand = etree.fromstring(m.get_config(source="candidate").data_xml.encode())
    assert nodes_of(cand, "nn3") == ["d"] and nodes_of(cand, "nn") == []
    assert m.discard_changes().ok
    m.close_session()


def test_namespace_errors_that_remain_name_the_element(vnmd):
    m = vnmd.ssh_key()
    # an element other than <config>/<filter> without a namespace: refused,
    # naming the element that holds it
    e = rpc_error(m.dispatch, to_ele(
        '<nc:get-config xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><nc:source>'
        '<running/></nc:source></nc:get-config>'))
    assert e.tag == "missing-attribute" and "source" in e.message, (e.tag, e.message)
    assert "namespace" in e.message
    # a <config> in a namespace that is not NETCONF's is not taken for one
    e = rpc_error(m.dispatch, to_ele(
        '<nc:edit-config xmlns:nc="%s"><nc:target><nc:running/></nc:target>'
        '<config xmlns="urn:example:other"><networks xmlns="%s"/></config></nc:edit-config>'
        % (NS["nc"], NW)))
    assert e.tag == "unknown-namespace", (e.tag, e.message)
    assert "urn:example:other" in e.message and "edit-config" in e.message, e.message
    # and nothing was changed by either
    assert xp(running(m), "//nw:network") == []
    m.close_session()


def test_unclosed_tag_in_config_is_malformed_message(vnmd):
    # ncclient parses the text itself first, so a raw client sends it
    for v11 in (True, False):
        c = vnmd.unix(v11=v11)
        c.mid += 1
        c.send_raw('<nc:rpc xmlns:nc="%s" message-id="%d"><nc:edit-config><nc:target>'
                   '<nc:running/></nc:target><config><networks xmlns="%s"><network>'
                   '</config></nc:edit-config></nc:rpc>' % (NS["nc"], c.mid, NW))
        err = errors(etree.fromstring(c.recv().encode()))
        assert err and err[0][1] == "malformed-message", err
        # the session goes on, nothing was changed
        r = c.rpc('<get-config><source><running/></source></get-config>')
        assert not errors(r) and not xp(r, "//nw:network")
        c.close()
    assert vnmd.alive()


# --- 2. error tags of actions ---------------------------------------------------

def test_copy_without_free_vnic_names_it(vnmd, ns):
    m = vnmd.ssh_key()
    m.edit_config(target="running", config=config(
        underlay(host("rm1", netns=ns())),
        vn("nct1", router("r1", "rm1", tps=("eth0",)), router("r2", "rm1", tps=("eth0", "eth1")),
           links=vlink("l12", "r1", "eth0", "r2", "eth0"))))

    def copy(node, new):
        return m.dispatch(to_ele(
            '<action xmlns="urn:ietf:params:xml:ns:yang:1"><networks xmlns="%s"><network>'
            "<network-id>nct1</network-id><node><node-id>%s</node-id><router xmlns=\"%s\">"
            "<copy><node-id>%s</node-id></copy></router></node></network></networks></action>"
            % (NW, node, VNM, new)))
    before = running(m)
    e = rpc_error(copy, "r1", "r1-copy")
    assert e.tag == "invalid-value", (e.tag, e.message)
    assert "free vNIC" in e.message and "r1" in e.message, e.message
    assert "not connected" not in e.message
    assert etree.tostring(running(m)) == etree.tostring(before)
    # a router with a free vNIC is copied and linked through it
    assert copy("r2", "r2-copy").ok
    assert xp(running(m), "//nt:link[nt:link-id='r2-copy-link']/nt:source/nt:source-tp/"
                          "text()") == ["eth1"]
    m.close_session()


# --- 3. notifications -------------------------------------------------------------

def started_vn(m, nsname):
    m.edit_config(target="running", config=config(
        underlay(host("rm1", netns=nsname)), vn("nct1", router("r1", "rm1", tps=("eth0",)))))
    assert wait_for(lambda: oper_state(m, "nct1", "r1") == "running")


def set_admin(m, state):
    m.edit_config(target="running", config=config(
        vn("nct1", router("r1", "rm1", tps=("eth0",), admin=state))))


def test_ncclient_create_subscription_filter(vnmd, ns):
    m = vnmd.ssh_key()
    started_vn(m, ns())
    s = vnmd.ssh_key()
    # ncclient's own call: its <filter> is in the base namespace
    s.create_subscription(filter=("subtree", '<router-oper-state-change xmlns="%s"/>' % VNM))
    set_admin(m, "paused")
    got = notifications(s, want=1)
    assert got and set(names(got)) == {"router-oper-state-change"}, names(got)
    s.close_session()
    m.close_session()


def test_xpath_filter_on_notifications(vnmd, ns):
    m = vnmd.ssh_key()
    started_vn(m, ns())
    s = vnmd.ssh_key()
    s.create_subscription(filter=("xpath", ({"vnm": VNM},
                                            "/vnm:router-oper-state-change[vnm:oper-state='paused']")))
    set_admin(m, "paused")
    got = notifications(s, want=1)
    assert names(got) == ["router-oper-state-change"], names(got)
    assert events(got)[0].findtext("{%s}oper-state" % VNM) == "paused"
    # the filter keeps out what it does not select: running again, and the
    # configuration changes, arrive at nobody here
    set_admin(m, "running")
    assert wait_for(lambda: oper_state(m, "nct1", "r1") == "running")
    assert notifications(s, timeout=2, want=0) == []
    s.close_session()
    m.close_session()


def test_bad_xpath_filters_are_refused_naming_the_filter(vnmd):
    s = vnmd.ssh_key()

    def sub(attrs):
        return s.dispatch(to_ele(
            '<create-subscription xmlns="%s"><filter xmlns:vnm="%s" %s/></create-subscription>'
            % (NOTIF, VNM, attrs)))
    e = rpc_error(sub, 'type="xpath" select="/vnm:no-such-notification"')
    assert e.tag == "invalid-value" and "filter" in e.message and "no-such" in e.message, \
        (e.tag, e.message)
    e = rpc_error(sub, 'type="xpath"')
    assert e.tag == "missing-attribute" and "select" in e.message, (e.tag, e.message)
    e = rpc_error(sub, 'type="xpath" select="/undeclared:x"')
    assert e.tag == "invalid-value" and "undeclared" in e.message, (e.tag, e.message)
    e = rpc_error(sub, 'type="xpath" select="((("')
    assert e.tag in ("invalid-value", "bad-element"), (e.tag, e.message)
    e = rpc_error(sub, 'type="regexp" select="x"')
    assert e.tag in ("invalid-value", "bad-attribute", "bad-element") and "regexp" in e.message, \
        (e.tag, e.message)
    # none of them subscribed: a good one still can
    assert sub('type="xpath" select="/vnm:router-oper-state-change"').ok
    s.close_session()


def test_session_notifications_and_changed_by(vnmd):
    s = vnmd.ssh_key()
    s.create_subscription()
    a = vnmd.ssh_password()  # alice
    aid = int(a.session_id)
    assert a.edit_config(target="running", config=plain("nn", "a")).ok
    b = vnmd.ssh_key()
    bid = int(b.session_id)
    b.kill_session(str(aid))
    b.close_session()
    # session-start a, config-change, session-start b, session-end a and b
    got, by = [], {}
    deadline = time.time() + 15
    while time.time() < deadline and not (("netconf-session-end", str(aid)) in by and
                                          ("netconf-session-end", str(bid)) in by):
        got += notifications(s, timeout=1, want=0)
        by = {(etree.QName(e).localname, e.findtext("{%s}session-id" % NCN)): e
              for e in events(got)}
    ev = events(got)
    st = by.get(("netconf-session-start", str(aid)))
    assert st is not None, names(got)
    assert st.findtext("{%s}username" % NCN) == "alice"
    assert st.findtext("{%s}source-host" % NCN) == "127.0.0.1"
    cc = [e for e in ev if etree.QName(e).localname == "netconf-config-change"]
    assert cc, names(got)
    cb = cc[0].find("{%s}changed-by" % NCN)
    assert cb.findtext("{%s}username" % NCN) == "alice", etree.tostring(cb)
    assert cb.findtext("{%s}session-id" % NCN) == str(aid)
    assert cb.find("{%s}server" % NCN) is None
    end_a = by.get(("netconf-session-end", str(aid)))
    assert end_a is not None, names(got)
    assert end_a.findtext("{%s}termination-reason" % NCN) == "killed"
    assert end_a.findtext("{%s}killed-by" % NCN) == str(bid)
    end_b = by.get(("netconf-session-end", str(bid)))
    assert end_b is not None and end_b.findtext("{%s}termination-reason" % NCN) == "closed"
    assert end_b.find("{%s}killed-by" % NCN) is None
    s.close_session()


def test_config_change_without_a_session_is_the_servers(vnmd, ns):
    """A confirmed commit that times out is rolled back by the server."""
    m = vnmd.ssh_key()
    s = vnmd.ssh_key()
    s.create_subscription(filter=("subtree", '<netconf-config-change xmlns="%s"/>' % NCN))
    assert m.edit_config(target="candidate", config=plain("nn", "a")).ok
    assert m.commit(confirmed=True, timeout="1").ok
    got = notifications(s, want=2, timeout=15)
    cbs = [e.find("{%s}changed-by" % NCN) for e in events(got)]
    assert len(cbs) >= 2, names(got)
    assert cbs[0].findtext("{%s}session-id" % NCN) == str(m.session_id)
    assert cbs[1].find("{%s}server" % NCN) is not None, etree.tostring(cbs[1])
    s.close_session()
    m.close_session()
