"""NETCONF access control (RFC 8341, ietf-netconf-acm) against vnmd, driven by
ncclient over SSH with several users, and by the recovery session (root on
the UNIX socket), which sets the rules up.

One vnmd for the module (libvirt's test:///default, a host in a network
namespace of the module's own): VN nac1 with routers r1, r2 and a
rate-limited link between them, and a plain network "secret".  Each test
puts the /nacm it needs into running first (replace), so the tests do not
depend on one another's rules.

Users (ncclient_util.Users): admin (key), alice (password), oper (password,
":ro", hence group vnmd-read-only).
"""
import os

import pytest
from lxml import etree
from ncclient.xml_ import to_ele

from ncclient_util import (NS, VNMD, Users, Vnmd, config, errors, host, is_ok, netns_add,
                           netns_del, notifications, router, rpc_error, underlay, vn)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
NS_ALL = dict(NS, nacm=NACM)
LINK = "//nw:network[nw:network-id='nac1']/nt:link[nt:link-id='l12']/vnm:virtual-link/"
M10, M20 = 10000000, 20000000


def xp(tree, path):
    return tree.xpath(path, namespaces=NS_ALL)


def vl(rate):
    return ("<nt:link><nt:link-id>l12</nt:link-id><nt:source><nt:source-node>r1</nt:source-node>"
            "<nt:source-tp>eth0</nt:source-tp></nt:source><nt:destination><nt:dest-node>r2"
            "</nt:dest-node><nt:dest-tp>eth0</nt:dest-tp></nt:destination><vnm:virtual-link>"
            "<vnm:rate-limit>%d</vnm:rate-limit></vnm:virtual-link></nt:link>" % rate)


def secret():
    return "<network><network-id>secret</network-id><node><node-id>s1</node-id></node></network>"


# The operators' rules, as the issue puts it: may change link rates, may
# not create routers or call move; a network they do not see; a
# notification they do not get.
OPERATORS = """
<rule-list><name>operators</name><group>operators</group>
 <rule><name>no-move</name><module-name>vnmd</module-name>
  <path xmlns:nw="urn:ietf:params:xml:ns:yang:ietf-network"
   xmlns:vnm="urn:vnmd:yang:vnmd">/nw:networks/nw:network/nw:node/vnm:router/vnm:move</path>
  <access-operations>exec</access-operations><action>deny</action></rule>
 <rule><name>link-rates</name><module-name>*</module-name>
  <path xmlns:nw="urn:ietf:params:xml:ns:yang:ietf-network"
   xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology"
   xmlns:vnm="urn:vnmd:yang:vnmd">/nw:networks/nw:network/nt:link/vnm:virtual-link</path>
  <access-operations>create update delete</access-operations><action>permit</action></rule>
 <rule><name>hide-secret</name><module-name>*</module-name>
  <path xmlns:nw="urn:ietf:params:xml:ns:yang:ietf-network"
   >/nw:networks/nw:network[nw:network-id='secret']</path>
  <access-operations>read</access-operations><action>deny</action></rule>
 <rule><name>no-router-events</name><module-name>vnmd</module-name>
  <notification-name>router-oper-state-change</notification-name>
  <access-operations>read</access-operations><action>deny</action></rule>
</rule-list>
"""

ADMINS = """
<rule-list><name>admins</name><group>admins</group>
 <rule><name>all</name><module-name>*</module-name><access-operations>*</access-operations>
  <action>permit</action></rule>
</rule-list>
"""


def nacm_xml(body="", groups=True, enable=None):
    g = ("<groups><group><name>operators</name><user-name>alice</user-name></group>"
         "<group><name>admins</name><user-name>admin</user-name></group></groups>"
         if groups else "")
    e = "<enable-nacm>%s</enable-nacm>" % enable if enable is not None else ""
    return ('<nacm xmlns="%s" xmlns:nc="%s" nc:operation="replace">%s%s%s</nacm>'
            % (NACM, NS["nc"], e, g, body))


class Env:
    def __init__(self, d, rc):
        self.d = d
        self.rc = rc   # the recovery session

    def root_edit(self, inner):
        r = self.rc.rpc("<edit-config><target><running/></target><config>%s</config>"
                        "</edit-config>" % inner)
        assert is_ok(r), errors(r)

    def set_nacm(self, body="", **kw):
        self.root_edit(nacm_xml(body, **kw))

    def clear_nacm(self):
        self.root_edit('<nacm xmlns="%s" xmlns:nc="%s" nc:operation="remove"/>'
                       % (NACM, NS["nc"]))

    def counters(self):
        r = self.rc.rpc('<get><filter type="subtree"><nacm xmlns="%s"/></filter></get>' % NACM)
        return {k: int(xp(r, "//nacm:%s/text()" % k)[0])
                for k in ("denied-operations", "denied-data-writes", "denied-notifications")}

    def rate(self, m):
        t = etree.fromstring(m.get(filter=("subtree", '<networks xmlns="%s"/>' % NS["nw"]))
                             .data_xml.encode())
        v = xp(t, LINK + "vnm:rate-limit/text()")
        return int(v[0]) if v else None


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    users = Users(str(tmp_path_factory.mktemp("users")))
    nsn = "vnmt-nacm%d" % (os.getpid() % 100000)
    netns_add(nsn)
    d = Vnmd(users, tmp_path_factory.mktemp("vnmd"))
    rc = None
    try:
        d.start()
        rc = d.unix()
        e = Env(d, rc)
        e.root_edit(config(underlay(host("rm1", netns=nsn)),
                           vn("nac1", router("r1", "rm1", tps=("eth0",)),
                              router("r2", "rm1", tps=("eth0",)), links=vl(M10)),
                           secret())[len('<config xmlns="%s">' % NS["nc"]):-len("</config>")])
        yield e
    finally:
        if rc:
            rc.close()
        d.stop()
        netns_del(nsn)


@pytest.fixture
def nacm(env):
    """The operators' and admins' rules in running for one test."""
    env.set_nacm(OPERATORS + ADMINS)
    yield env
    env.clear_nacm()


def action(m, name, node="r1", body=""):
    return m.dispatch(to_ele(
        '<action xmlns="urn:ietf:params:xml:ns:yang:1"><networks xmlns="%s"><network>'
        "<network-id>nac1</network-id><node><node-id>%s</node-id><router xmlns=\"%s\">"
        "<%s>%s</%s></router></node></network></networks></action>"
        % (NS["nw"], node, NS["vnm"], name, body, name)))


def network_ids(m):
    t = etree.fromstring(m.get_config(source="running").data_xml.encode())
    return sorted(xp(t, "//nw:network/nw:network-id/text()"))


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------

def test_unconfigured_keeps_old_access_but_guards_nacm(env):
    """No /nacm in running: users write as before NACM; /nacm itself
    (default-deny-all) is the recovery session's."""
    alice = env.d.ssh_password()
    try:
        assert alice.edit_config(target="running", config=config(vn("nacx"))).ok
        assert alice.edit_config(target="running", config=config(
            '<network xmlns:nc="%s" nc:operation="delete"><network-id>nacx</network-id>'
            "</network>" % NS["nc"])).ok
        e = rpc_error(alice.edit_config, target="running",
                      config="<config>%s</config>" % nacm_xml())
        assert e.tag == "access-denied" and (e.path or "").endswith(":nacm"), (e.tag, e.path)
        # reading it: left out, no error
        t = etree.fromstring(alice.get(filter=("subtree", '<nacm xmlns="%s"/>' % NACM))
                             .data_xml.encode())
        assert not xp(t, "//nacm:nacm")
    finally:
        alice.close_session()
    # the recovery session sees the container and its counters
    assert env.counters()["denied-data-writes"] >= 1


def test_denied_write_names_the_node_and_changes_nothing(nacm):
    alice = nacm.d.ssh_password()
    try:
        before = nacm.counters()
        e = rpc_error(alice.edit_config, target="running",
                      config=config(vn("nac1", router("r3", "rm1"))))
        assert e.tag == "access-denied", (e.tag, e.message)
        assert e.type == "application"
        # error-path: the router that would have been created (module-name prefixes)
        assert e.path.endswith("node[ietf-network:node-id='r3']") and "'nac1'" in e.path, e.path
        assert "alice" in e.message
        assert "r3" not in etree.tostring(
            etree.fromstring(alice.get_config(source="running").data_xml.encode())).decode()
        assert nacm.counters()["denied-data-writes"] == before["denied-data-writes"] + 1
        # the candidate is guarded the same way
        e = rpc_error(alice.edit_config, target="candidate",
                      config=config(vn("nac1", router("r3", "rm1"))))
        assert e.tag == "access-denied"
        # copy-config: every node the copy would create is a write
        e = rpc_error(alice.copy_config, source="running", target="startup")
        assert e.tag == "access-denied" and e.path in (
            "/ietf-network:networks", "/ietf-netconf-acm:nacm"), (e.tag, e.path)
        # delete-config needs a rule once NACM is configured (default-deny-all)
        e = rpc_error(alice.delete_config, target="startup")
        assert e.tag == "access-denied"
        assert nacm.counters()["denied-data-writes"] == before["denied-data-writes"] + 3
    finally:
        alice.close_session()


def test_operator_changes_a_link_rate(nacm):
    alice = nacm.d.ssh_password()
    try:
        assert alice.edit_config(target="running", config=config(vn("nac1", links=vl(M20)))).ok
        assert nacm.rate(alice) == M20
        assert alice.edit_config(target="running", config=config(vn("nac1", links=vl(M10)))).ok
        assert nacm.rate(alice) == M10
    finally:
        alice.close_session()


def test_denied_read_is_left_out_silently(nacm):
    alice = nacm.d.ssh_password()
    admin = nacm.d.ssh_key()
    try:
        assert network_ids(alice) == ["nac1", "underlay"]
        assert network_ids(admin) == ["nac1", "secret", "underlay"]
        # <get> of the denied subtree: nothing, not an error
        f = ('<networks xmlns="%s"><network><network-id>secret</network-id></network></networks>'
             % NS["nw"])
        r = alice.get(filter=("subtree", f))
        assert r.ok and not xp(etree.fromstring(r.data_xml.encode()), "//nw:network")
        r = alice.get_config(source="running", filter=(
            "xpath", ({"nw": NS["nw"]}, "/nw:networks/nw:network[nw:network-id='secret']/nw:node")))
        assert r.ok and not xp(etree.fromstring(r.data_xml.encode()), "//nw:node")
        # an XPath filter cannot tell it exists either
        r = alice.get(filter=("xpath", ({"nw": NS["nw"]},
                                        "/nw:networks/nw:network[nw:node/nw:node-id='s1']")))
        assert not xp(etree.fromstring(r.data_xml.encode()), "//nw:network")
        # /nacm is default-deny-all: admin reads it by its rule, alice not at all
        q = ("subtree", '<nacm xmlns="%s"/>' % NACM)
        assert xp(etree.fromstring(admin.get(filter=q).data_xml.encode()), "//nacm:rule-list")
        assert not xp(etree.fromstring(alice.get(filter=q).data_xml.encode()), "//nacm:nacm")
    finally:
        alice.close_session()
        admin.close_session()


def test_denied_rpc_and_action(nacm):
    alice = nacm.d.ssh_password()
    victim = nacm.d.ssh_key()
    try:
        before = nacm.counters()
        # kill-session is default-deny-all once NACM is configured
        e = rpc_error(alice.kill_session, str(victim.session_id))
        assert e.tag == "access-denied" and e.type == "protocol", (e.tag, e.type)
        assert victim.get_config(source="running").ok  # still alive
        # a vnmd action: move, denied by the operators' rule; the path names the router
        e = rpc_error(action, alice, "move", body="<host>rm1</host>")
        assert e.tag == "access-denied", e.message
        assert "node-id='r1']" in e.path and e.path.endswith(":move"), e.path
        after = nacm.counters()
        assert after["denied-operations"] == before["denied-operations"] + 2
        # permitted: stop and start r1 (exec-default permit, write done by the action)
        assert action(alice, "stop").ok
        assert action(alice, "start").ok
        # admin's rule permits kill-session
        assert victim.kill_session(str(alice.session_id)).ok
    finally:
        for m in (alice, victim):
            try:
                m.close_session()
            except Exception:
                pass


def test_denied_notification_is_not_delivered(nacm):
    alice = nacm.d.ssh_password()
    admin = nacm.d.ssh_key()
    try:
        alice.create_subscription()
        admin.create_subscription()
        before = nacm.counters()
        assert action(admin, "stop", node="r2").ok
        assert action(admin, "start", node="r2").ok

        def names(ns_):
            return [etree.QName(x).localname for n in ns_ for x in n
                    if etree.QName(x).localname != "eventTime"]
        got_admin = names(notifications(admin, timeout=10, want=3))
        assert "router-oper-state-change" in got_admin, got_admin
        got_alice = names(notifications(alice, timeout=3, want=2))
        # the configuration changes reach her, the router's state does not
        assert "netconf-config-change" in got_alice, got_alice
        assert "router-oper-state-change" not in got_alice, got_alice
        assert nacm.counters()["denied-notifications"] > before["denied-notifications"]
    finally:
        alice.close_session()
        admin.close_session()


def test_read_only_user_is_the_read_only_group(nacm):
    oper = nacm.d.ssh_password(user="oper", password="readonly")
    try:
        assert "nac1" in network_ids(oper)
        e = rpc_error(oper.edit_config, target="running",
                      config=config(vn("nac1", links=vl(M20))))
        assert e.tag == "access-denied"
        e = rpc_error(oper.lock, "running")
        assert e.tag == "access-denied"
        e = rpc_error(action, oper, "stop")
        assert e.tag == "access-denied"
    finally:
        oper.close_session()
    # the group is a NACM group: a rule-list for it grants more (it comes
    # before the built-in one)
    nacm.set_nacm(OPERATORS + ADMINS + """
<rule-list><name>ro-may-tune</name><group>vnmd-read-only</group>
 <rule><name>edit</name><module-name>ietf-netconf</module-name><rpc-name>edit-config</rpc-name>
  <access-operations>exec</access-operations><action>permit</action></rule>
 <rule><name>rates</name><module-name>*</module-name>
  <path xmlns:nw="urn:ietf:params:xml:ns:yang:ietf-network"
   xmlns:nt="urn:ietf:params:xml:ns:yang:ietf-network-topology"
   >/nw:networks/nw:network/nt:link</path>
  <access-operations>update</access-operations><action>permit</action></rule>
</rule-list>""")
    oper = nacm.d.ssh_password(user="oper", password="readonly")
    try:
        assert oper.edit_config(target="running", config=config(vn("nac1", links=vl(M20)))).ok
        assert nacm.rate(oper) == M20
        assert oper.edit_config(target="running", config=config(vn("nac1", links=vl(M10)))).ok
        e = rpc_error(oper.lock, "running")  # still the built-in rule
        assert e.tag == "access-denied"
    finally:
        oper.close_session()


def test_enable_nacm_false_turns_it_off(nacm):
    nacm.set_nacm(OPERATORS, enable="false")
    alice = nacm.d.ssh_password()
    try:
        assert "secret" in network_ids(alice)
        # a write the operators' rules and write-default deny would refuse
        assert alice.edit_config(target="running", config=config(vn("nacy"))).ok
        assert "nacy" in network_ids(alice)
        assert alice.edit_config(target="running", config=config(
            '<network xmlns:nc="%s" nc:operation="delete"><network-id>nacy</network-id>'
            "</network>" % NS["nc"])).ok
    finally:
        alice.close_session()


def test_recovery_session_always_passes(nacm):
    # deny everything to everybody, with a rule-list for every group
    nacm.set_nacm("""<read-default>deny</read-default><exec-default>deny</exec-default>
<rule-list><name>nothing</name><group>*</group>
 <rule><name>deny-all</name><module-name>*</module-name><access-operations>*</access-operations>
  <action>deny</action></rule></rule-list>""")
    admin = nacm.d.ssh_key()
    try:
        e = rpc_error(admin.get_config, source="running")
        assert e.tag == "access-denied"
    finally:
        admin.close_session()
    r = nacm.rc.rpc("<get-config><source><running/></source></get-config>")
    assert xp(r, "//nw:network[nw:network-id='secret']") and xp(r, "//nacm:rule-list")
    other = nacm.d.unix()
    try:
        assert xp(other.rpc("<get-config><source><running/></source></get-config>"),
                  "//nacm:rule-list")  # its hello is over: a session to kill
        r = nacm.rc.rpc("<kill-session><session-id>%d</session-id></kill-session>"
                        % other.session_id)
        assert is_ok(r), errors(r)
    finally:
        other.s.close()
