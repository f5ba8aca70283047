"""NMDA (RFC 8342, RFC 8526, RFC 8525): <get-data> and <edit-data> on
ietf-datastores:running, candidate, startup and operational, the origin
annotation, config-filter, origin filters, max-depth, with-defaults, and the
refusals, through ncclient over SSH (raw RPCs by dispatch: ncclient has no
get-data helper), netopeer2-cli's client library (tests/tools/nc_getdata.c)
and raw XML over the UNIX socket.

One vnmd (test:///default as hypervisor, no network namespace) serves the
whole module; each test leaves running as the fixture made it.
"""
import os
import subprocess

import pytest
from lxml import etree
from ncclient.xml_ import to_ele
from ncclient_util import (NS, ROOT, VNMD, Vnmd, config, errors, host, is_ok, router,
                           rpc_error, underlay, vn, wait_for)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NMDA = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda"
DS = "urn:ietf:params:xml:ns:yang:ietf-datastores"
OR = "urn:ietf:params:xml:ns:yang:ietf-origin"
NW = NS["nw"]
VNM = NS["vnm"]
X = dict(NS, nmda=NMDA, ds=DS, orr=OR,
         yl="urn:ietf:params:xml:ns:yang:ietf-yang-library")
ORIGIN = "{%s}origin" % OR
GETDATA = os.path.join(ROOT, "build", "tools", "nc_getdata")
# the networks of every test: r1 with 2 vCPUs (memory left to its default)
BASE = config(underlay(host("rm1")), vn("vn1", router("r1", "rm1", vcpus=2)))


def get_data(ds, body=""):
    return to_ele('<get-data xmlns="%s" xmlns:ds="%s"><datastore>ds:%s</datastore>%s'
                  '</get-data>' % (NMDA, DS, ds, body))


def edit_data(ds, content, dflt=None):
    return to_ele('<edit-data xmlns="%s" xmlns:ds="%s"><datastore>ds:%s</datastore>%s'
                  '<config>%s</config></edit-data>'
                  % (NMDA, DS, ds, "<default-operation>%s</default-operation>" % dflt
                     if dflt else "", content))


def networks(*nets):
    """The <networks> element of a config() (edit-data's <config> is its own)."""
    c = config(*nets)
    return c[c.index("<networks"):c.rindex("</config>")]


def XF(path):
    return '<xpath-filter xmlns:nw="%s" xmlns:vnm="%s">%s</xpath-filter>' % (NW, VNM, path)


R1 = "/nw:networks/nw:network[nw:network-id='vn1']/nw:node[nw:node-id='r1']"


def data(reply):
    return etree.fromstring(reply.xml.encode()).find(".//nmda:data", X)


def one(tree, path):
    v = tree.xpath(path, namespaces=X)
    return v[0] if v else None


@pytest.fixture(scope="module")
def srv(users, tmp_path_factory):
    d = Vnmd(users, tmp_path_factory.mktemp("nmda")).start()
    m = d.ssh_key()
    assert m.edit_config(target="running", config=BASE).ok
    yield d, m
    m.close_session()
    d.stop()


@pytest.fixture
def m(srv):
    """The module's ncclient session; running back to BASE after the test."""
    d, mgr = srv
    yield mgr
    mgr.discard_changes()
    mgr.edit_config(target="running", config=BASE, default_operation="replace")


def test_nmda_advertised(m):
    caps = list(m.server_capabilities)
    assert any(c.startswith("urn:ietf:params:netconf:capability:yang-library:1.1?"
                            "revision=2019-01-04") for c in caps)
    assert any(c.startswith("urn:ietf:params:netconf:capability:with-operational-defaults:1.0")
               for c in caps)
    # ietf-netconf-nmda and ietf-origin are YANG 1.1: yang-library lists
    # them, the hello does not (RFC 7950 5.6.4)
    t = data(m.dispatch(get_data(
        "operational", '<xpath-filter xmlns:yl="%s">/yl:yang-library</xpath-filter>' % X["yl"])))
    mods = {e.findtext("yl:name", namespaces=X): e
            for e in t.iterfind(".//yl:module-set/yl:module", X)}
    assert sorted(f.text for f in mods["ietf-netconf-nmda"].iterfind("yl:feature", X)) == \
        ["origin", "with-defaults"]
    assert "ietf-origin" in mods and "ietf-datastores" in mods
    # RFC 8525: yang-library lists the datastores and their schema
    names = sorted(n.text.split(":")[1] for n in t.iterfind(".//yl:datastore/yl:name", X))
    assert names == ["candidate", "operational", "running", "startup"]
    assert [s.text for s in t.iterfind(".//yl:datastore/yl:schema", X)] == ["complete"] * 4


def test_netopeer2_client_library_get_data(srv):
    """libnetconf2's client (netopeer2-cli's) builds its context from the
    hello and yang-library, then sends get-data: it used to stop with
    'Missing "ietf-netconf-nmda" schema'."""
    d, _ = srv
    p = subprocess.run([GETDATA, d.sock, "ietf-datastores:operational",
                        "/ietf-network:networks/network[network-id='vn1']/node", "with-origin"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    t = etree.fromstring(p.stdout.encode())
    assert one(t, "nw:networks/@orr:origin") == "or:intended"
    assert one(t, "//vnm:router/vnm:vcpus/text()") == "2"
    assert one(t, "//vnm:router/vnm:oper-state/text()") == "running"
    p = subprocess.run([GETDATA, d.sock, "ietf-datastores:intended"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "invalid-value" in p.stderr and "no datastore ietf-datastores:intended" in p.stderr


def test_get_data_on_each_datastore(m):
    # candidate differs from running once edited; startup once copied
    assert m.dispatch(edit_data("candidate", networks(vn("vn1", router("r1", "rm1",
                                                                          vcpus=3))))).ok
    assert m.copy_config(source="running", target="startup").ok
    vc = {}
    for ds in ("running", "candidate", "startup", "operational"):
        t = data(m.dispatch(get_data(ds, XF(R1))))
        vc[ds] = one(t, "//vnm:router/vnm:vcpus/text()")
        state = one(t, "//vnm:router/vnm:oper-state/text()")
        # only operational holds state; it holds the config true nodes too
        assert (state == "running") if ds == "operational" else state is None, ds
        assert one(t, "//vnm:image/vnm:kernel/text()") == "/var/lib/vnmd/images/vmlinuz", ds
    assert vc == {"running": "2", "candidate": "3", "startup": "2", "operational": "2"}


def test_edit_data_running_and_candidate(m):
    # running: the router is made at once (operational shows its domain)
    r = m.dispatch(edit_data("running", networks(vn("vn2", router("r2", "rm1")))))
    assert r.ok
    t = data(m.dispatch(get_data("operational", XF("//nw:node[nw:node-id='r2']"))))
    assert one(t, "//vnm:oper-state/text()") == "running"
    assert one(t, "//vnm:domain-name/text()") == "vnmd-vn2-r2"
    # candidate: nothing happens before commit
    assert m.dispatch(edit_data("candidate", networks(vn("vn2", router("r2", "rm1",
                                                                          memory=64))))).ok
    t = data(m.dispatch(get_data("running", XF("//nw:node[nw:node-id='r2']/vnm:router"))))
    assert one(t, "//vnm:memory/text()") is None
    assert m.commit().ok
    t = data(m.dispatch(get_data("operational", XF("//nw:node[nw:node-id='r2']/vnm:router"))))
    assert one(t, "//vnm:memory/text()") == "64"
    # nc:operation inside edit-data's content, default-operation none
    dl = ('<networks xmlns="%s" xmlns:nc="%s"><network nc:operation="delete"><network-id>vn2'
          '</network-id></network></networks>' % (NW, NS["nc"]))
    assert m.dispatch(edit_data("running", dl, dflt="none")).ok
    t = data(m.dispatch(get_data("operational", XF("//nw:node[nw:node-id='r2']"))))
    assert t is None or len(t) == 0


def test_operational_reports_values_in_use(m):
    """More vCPUs than the running domain's maximum wait for its next start
    (hv_ops.c): running says 6, operational the 2 in use, or:learned."""
    assert m.dispatch(edit_data("running", networks(vn("vn1", router("r1", "rm1",
                                                                        vcpus=6))))).ok
    f = XF(R1 + "/vnm:router/vnm:vcpus") + "<with-origin/>"
    t = data(m.dispatch(get_data("running", XF(R1 + "/vnm:router/vnm:vcpus"))))
    assert one(t, "//vnm:vcpus/text()") == "6"
    t = wait_for(lambda: [t for t in [data(m.dispatch(get_data("operational", f)))]
                          if one(t, "//vnm:vcpus/@orr:origin")], timeout=5)[0]
    assert one(t, "//vnm:vcpus/text()") == "2"
    assert one(t, "//vnm:vcpus/@orr:origin") == "or:learned"


def test_edit_data_startup(m):
    assert m.copy_config(source="running", target="startup").ok
    assert m.dispatch(edit_data("startup", networks(vn("vn1", router("r1", "rm1",
                                                                        vcpus=5))))).ok
    t = data(m.dispatch(get_data("startup", XF(R1 + "/vnm:router/vnm:vcpus"))))
    assert one(t, "//vnm:vcpus/text()") == "5"
    t = data(m.dispatch(get_data("running", XF(R1 + "/vnm:router/vnm:vcpus"))))
    assert one(t, "//vnm:vcpus/text()") == "2"


def test_edit_data_error_changes_nothing(m):
    before = etree.tostring(data(m.dispatch(get_data("running"))))
    bad = networks(vn("vn1", router("r3", "rm1")),
                   vn("vn2", "<node><node-id>x</node-id><vnm:router><vnm:vcpus>999</vnm:vcpus>"
                             "<vnm:image><vnm:kernel>/k</vnm:kernel></vnm:image></vnm:router>"
                             "<supporting-node><network-ref>underlay</network-ref><node-ref>"
                             "rm1</node-ref></supporting-node></node>"))
    e = rpc_error(m.dispatch, edit_data("running", bad))
    assert "vcpus" in (e.message or "") + (e.path or "")
    assert etree.tostring(data(m.dispatch(get_data("running")))) == before
    t = data(m.dispatch(get_data("operational", XF("//nw:node[nw:node-id='r3']"))))
    assert t is None or len(t) == 0


def test_origin_present_only_when_asked(m):
    t = data(m.dispatch(get_data("operational", XF(R1 + "/vnm:router") +
                                 "<with-origin/><with-defaults>report-all</with-defaults>")))
    assert one(t, "nw:networks/@orr:origin") == "or:intended"
    assert one(t, "//vnm:memory/@orr:origin") == "or:default"
    assert one(t, "//vnm:memory/text()") == "128"
    assert one(t, "//vnm:vcpus/@orr:origin") is None  # inherits or:intended
    # state carries no origin (RFC 8342 5.3.4: configuration nodes only)
    assert one(t, "//vnm:oper-state/@orr:origin") is None
    t = data(m.dispatch(get_data("operational", XF(R1))))
    assert not [e for e in t.iter() if ORIGIN in e.attrib]
    e = rpc_error(m.dispatch, get_data("running", "<with-origin/>"))
    assert e.tag == "invalid-value" and "with-origin" in e.message


def test_config_filter(m):
    t = data(m.dispatch(get_data("operational", "<config-filter>true</config-filter>")))
    assert one(t, "//vnm:router/vnm:vcpus/text()") == "2"
    assert one(t, "//vnm:oper-state") is None
    assert one(t, "//ncm:netconf-state") is None
    t = data(m.dispatch(get_data("operational", "<config-filter>false</config-filter>")))
    assert one(t, "//vnm:router/vnm:oper-state/text()") == "running"
    assert one(t, "//nw:node[nw:node-id='r1']/nw:node-id") is not None  # the key stays
    assert one(t, "//vnm:vcpus") is None and one(t, "//vnm:kernel") is None
    assert one(t, "//ncm:netconf-state/ncm:sessions") is not None


def test_origin_filters(m):
    wd = "<with-defaults>report-all</with-defaults><with-origin/>"
    f = XF(R1 + "/vnm:router")
    t = data(m.dispatch(get_data("operational", f + wd +
                                 "<origin-filter xmlns:or='%s'>or:default</origin-filter>" % OR)))
    assert one(t, "//vnm:memory/text()") == "128"
    assert one(t, "//vnm:vcpus") is None and one(t, "//vnm:kernel") is None
    assert one(t, "//vnm:oper-state/text()") == "running"  # state is not filtered
    t = data(m.dispatch(get_data("operational", f + wd + "<negated-origin-filter xmlns:or="
                                 "'%s'>or:default</negated-origin-filter>" % OR)))
    assert one(t, "//vnm:vcpus/text()") == "2"
    assert one(t, "//vnm:memory") is None
    e = rpc_error(m.dispatch, get_data(
        "candidate", "<origin-filter xmlns:or='%s'>or:intended</origin-filter>" % OR))
    assert e.tag == "invalid-value" and "origin-filter" in e.message


def test_max_depth(m):
    t = data(m.dispatch(get_data("running", XF("/nw:networks/nw:network") +
                                 "<max-depth>1</max-depth>")))
    nets = t.findall("nw:networks/nw:network", X)
    assert sorted(n.findtext("nw:network-id", namespaces=X) for n in nets) == \
        ["underlay", "vn1"]
    assert all(len(n) == 1 for n in nets)  # the key only
    t = data(m.dispatch(get_data("running", XF("/nw:networks/nw:network") +
                                 "<max-depth>2</max-depth>")))
    assert one(t, "//nw:node/nw:node-id") is not None
    assert one(t, "//nw:node/nw:supporting-node") is None
    e = rpc_error(m.dispatch, get_data(
        "running", '<subtree-filter><networks xmlns="%s"/></subtree-filter>'
        '<max-depth>2</max-depth>' % NW))
    assert e.tag == "operation-not-supported" and "max-depth" in e.message


def test_refused_datastores(m):
    e = rpc_error(m.dispatch, get_data("intended"))
    assert e.tag == "invalid-value" and "ietf-datastores:intended" in e.message
    e = rpc_error(m.dispatch, edit_data("operational", networks(vn("vn1"))))
    assert e.tag == "invalid-value" and "operational is not writable" in e.message
    e = rpc_error(m.dispatch, to_ele(
        '<lock xmlns="%s"><target><datastore xmlns="%s" xmlns:ds="%s">ds:operational'
        '</datastore></target></lock>' % (NS["nc"], NMDA, DS)))
    assert e.tag == "invalid-value" and "operational" in e.message
    # the NMDA form of lock works on a configuration datastore
    for op in ("lock", "unlock"):
        assert m.dispatch(to_ele(
            '<%s xmlns="%s"><target><datastore xmlns="%s" xmlns:ds="%s">ds:candidate'
            '</datastore></target></%s>' % (op, NS["nc"], NMDA, DS, op))).ok


def test_read_only_user_cannot_edit_data(srv, m):
    d, _ = srv
    ro = d.ssh_password("oper", "readonly")
    try:
        assert data(ro.dispatch(get_data("running"))) is not None
        e = rpc_error(ro.dispatch, edit_data("running", networks(vn("vn1", router("r9",
                                                                                  "rm1")))))
        assert e.tag == "access-denied" and "edit-data" in e.message
    finally:
        ro.close_session()


def test_raw_xml_over_unix_socket(srv, m):
    """netopeer2-cli's framing on the UNIX socket: edit-data on candidate,
    commit, get-data of each datastore, report-all-tagged on operational."""
    d, _ = srv
    c = d.unix()
    try:
        body = networks(vn("vn1", router("r1", "rm1", vcpus=6)))
        r = c.rpc('<edit-data xmlns="%s" xmlns:ds="%s"><datastore>ds:candidate</datastore>'
                  '<config>%s</config></edit-data>' % (NMDA, DS, body))
        assert is_ok(r), errors(r)
        assert is_ok(c.rpc("<commit/>"))
        for ds, want in (("running", "6"), ("candidate", "6"), ("operational", "2")):
            r = c.rpc('<get-data xmlns="%s" xmlns:ds="%s"><datastore>ds:%s</datastore>'
                      '<subtree-filter><networks xmlns="%s"><network><network-id>vn1'
                      '</network-id></network></networks></subtree-filter></get-data>'
                      % (NMDA, DS, ds, NW))
            # operational: the running domain keeps its 2 vCPUs until restarted
            assert one(r, "//vnm:router/vnm:vcpus/text()") == want, (ds, errors(r))
        r = c.rpc('<get-data xmlns="%s" xmlns:ds="%s"><datastore>ds:operational</datastore>'
                  '<xpath-filter xmlns:nw="%s" xmlns:vnm="%s">%s/vnm:router/vnm:memory'
                  '</xpath-filter><with-defaults>report-all-tagged</with-defaults></get-data>'
                  % (NMDA, DS, NW, VNM, R1))
        assert one(r, "//vnm:memory/@wd:default") == "true", errors(r)
        r = c.rpc('<get-data xmlns="%s"><datastore>running</datastore></get-data>' % NMDA)
        # a datastore without its namespace prefix: invalid-value, saying how
        e = errors(r)
        assert e and e[0][1] == "invalid-value" and "ds:running" in e[0][3], e
        assert "<bad-element>datastore</bad-element>" in e[0][4]
    finally:
        c.close()
