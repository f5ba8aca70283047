"""A VL's admin state over NETCONF (issue 18): the `enabled` leaf of a
virtual link, with libvirt's test:///default as hypervisor and the hosts in
network namespaces the test creates (vnmt-*).

What a user sees: disabling a link takes its host-side ends down
(`ip -n NS link show`), `<get>` says oper-state down with oper-reason
admin-down, link-oper-state-change says so with reason admin-down, and the
routers are the same domains (same UUID and id); enabling brings it all
back.  test:///default cannot change a NIC's link state while its domain
runs (no virDomainUpdateDeviceFlags): there the edit is refused with an
error that says so, and nothing changes.  The guest's own carrier is
proven on QEMU by tests/integration/vl_admin_qemu.sh.
"""
import os
import re
import subprocess
import time

import pytest
from lxml import etree
from ncclient.operations import RPCError

from ncclient_util import NS, VNMD, config, host, router, underlay, vlink, vn, wait_for

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

VNM_NS = NS["vnm"]
VN = "nva1"


NETNS_TAG = "va"  # in the names of its namespaces (conftest.py)


def xp(tree, path):
    return tree.xpath(path, namespaces=NS)


def get_all(m):
    return etree.fromstring(m.get(filter=("subtree", '<networks xmlns="%s"/>' % NS["nw"]))
                            .data_xml.encode())


def topo(ns, admin=None, enabled=None):
    """Two routers on one host (a veth VL between their port bridges)."""
    link = vlink("l12", "r1", "eth0", "r2", "eth0")
    if enabled is not None:
        link = link.replace("<vnm:virtual-link/>", "<vnm:virtual-link><vnm:enabled>%s"
                            "</vnm:enabled></vnm:virtual-link>" % enabled)
    return config(underlay(host("rm1", netns=ns)),
                  vn(VN, router("r1", "rm1", tps=("eth0",), admin=admin),
                     router("r2", "rm1", tps=("eth0",), admin=admin), links=link))


def set_enabled(m, value):
    return m.edit_config(target="running", config=config(vn(
        VN, links="<nt:link><nt:link-id>l12</nt:link-id><vnm:virtual-link><vnm:enabled>%s"
                  "</vnm:enabled></vnm:virtual-link></nt:link>" % value)))


def link(m):
    t = get_all(m)
    lk = "//nw:network[nw:network-id='%s']/nt:link[nt:link-id='l12']/vnm:virtual-link/" % VN
    one = lambda leaf: (xp(t, lk + "vnm:%s/text()" % leaf) or [None])[0]  # noqa: E731
    return {"oper": one("oper-state"), "reason": one("oper-reason"),
            "ifs": xp(t, lk + "vnm:host-interface/text()")}


def domains(m):
    t = get_all(m)
    out = {}
    for r in ("r1", "r2"):
        p = "//nw:network[nw:network-id='%s']/nw:node[nw:node-id='%s']/vnm:router/vnm:" % (VN, r)
        out[r] = tuple((xp(t, p + leaf + "/text()") or [None])[0]
                       for leaf in ("uuid", "domain-id", "oper-state"))
    return out


def if_up(ns, ifname):
    """Whether ifname has IFF_UP in the namespace (None: no such interface)."""
    r = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "dev", ifname],
                       capture_output=True, text=True)
    m = re.search(r"<([^>]*)>", r.stdout)
    return None if r.returncode or not m else "UP" in m.group(1).split(",")


def link_events(s, want, timeout=10):
    """(oper-state, reason) of the link-oper-state-change notifications of l12."""
    got, end = [], time.time() + timeout
    while time.time() < end and len(got) < want:
        n = s.take_notification(block=True, timeout=0.5)
        if n is None:
            continue
        ev = etree.fromstring(n.notification_xml.encode()).find(
            "{%s}link-oper-state-change" % VNM_NS)
        if ev is not None and ev.findtext("{%s}link-ref" % VNM_NS) == "l12":
            got.append((ev.findtext("{%s}oper-state" % VNM_NS),
                        ev.findtext("{%s}reason" % VNM_NS)))
    return got


def test_disable_and_enable_in_place(vnmd, nsname):
    """Routers defined but stopped: the hypervisor's definition and the
    host side change in place; nothing is recreated."""
    m = vnmd.ssh_key()
    assert m.edit_config(target="running", config=topo(nsname, admin="stopped")).ok
    assert wait_for(lambda: link(m)["oper"] == "up"), link(m)
    ifs = link(m)["ifs"]
    assert len(ifs) == 2 and all(if_up(nsname, i) for i in ifs), ifs
    doms = domains(m)
    assert all(d[0] for d in doms.values()), doms
    s = vnmd.ssh_key()
    s.create_subscription()

    assert set_enabled(m, "false").ok
    st = wait_for(lambda: (lambda x: x if x["oper"] == "down" else None)(link(m)))
    assert st and st["reason"] == "admin-down", link(m)
    assert [if_up(nsname, i) for i in ifs] == [False, False]
    assert domains(m) == doms
    assert ("down", "admin-down") in link_events(s, want=1)
    # the running configuration says so, with-defaults or not
    cfg = etree.fromstring(m.get_config(source="running").data_xml.encode())
    assert xp(cfg, "//nt:link[nt:link-id='l12']/vnm:virtual-link/vnm:enabled/text()") == ["false"]

    assert set_enabled(m, "true").ok
    assert wait_for(lambda: link(m)["oper"] == "up"), link(m)
    assert link(m)["reason"] is None
    assert [if_up(nsname, i) for i in ifs] == [True, True]
    assert domains(m) == doms
    # up again: by the enabling commit, or seen on a refresh right after it
    ev = link_events(s, want=1)
    assert [r for st, r in ev if st == "up"] and all(
        r in ("configuration change", "state observed") for st, r in ev if st == "up"), ev
    s.close_session()
    m.close_session()


def test_created_disabled(vnmd, nsname):
    """A link created disabled, with routers that run: its ends are made
    down and the routers start (their NIC's link down in the definition)."""
    m = vnmd.ssh_key()
    assert m.edit_config(target="running", config=topo(nsname, enabled="false")).ok
    assert wait_for(lambda: all(d[2] == "running" for d in domains(m).values())), domains(m)
    st = link(m)
    assert st["oper"] == "down" and st["reason"] == "admin-down", st
    assert [if_up(nsname, i) for i in st["ifs"]] == [False, False]
    m.close_session()


def test_running_routers_on_test_driver_refused_and_undone(vnmd, nsname):
    """test:///default cannot change a NIC's link state live: the edit
    fails naming the hypervisor and the NIC, and nothing changes."""
    m = vnmd.ssh_key()
    assert m.edit_config(target="running", config=topo(nsname)).ok
    assert wait_for(lambda: all(d[2] == "running" for d in domains(m).values())), domains(m)
    assert wait_for(lambda: link(m)["oper"] == "up"), link(m)
    ifs = link(m)["ifs"]
    doms = domains(m)
    with pytest.raises(RPCError) as ei:
        set_enabled(m, "false")
    msg = ei.value.message
    assert "test:///default" in msg and "link state" in msg and "eth0" in msg, msg
    assert "while the router runs" in msg, msg
    assert link(m)["oper"] == "up" and link(m)["reason"] is None
    assert [if_up(nsname, i) for i in ifs] == [True, True]
    assert domains(m) == doms
    cfg = etree.fromstring(m.get_config(source="running").data_xml.encode())
    assert xp(cfg, "//vnm:enabled") == []
    m.close_session()
