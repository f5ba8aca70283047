"""One vnmd per real machine (issue 17): `vnmd --host NAME` realises only
its host's share of the network-wide configuration that every vnmd holds.
Two RMs emulated as network namespaces joined by a veth pair (the physical
link), one vnmd for each, both given the same configuration (a VL between
a router on each RM, riding the physical link); routers on each vnmd's own
libvirt test:///default.  What an operator sees:

  - the vnmd of rm1 makes rm1's VXLAN end and rm1's HTB class, and leaves
    rm2 alone (nothing there until rm2's vnmd gets the configuration);
  - each reads its own router's state and its own end's counters;
  - a rate change reaches each RM's class through that RM's vnmd;
  - a restarted vnmd adopts its share and does not sweep the other's;
  - removing the VN on one vnmd removes that RM's end only.
"""
import os
import re
import subprocess

import pytest
from lxml import etree

from ncclient_util import (NS, VNMD, Vnmd, config, guaranteed, host, netns_add, netns_del,
                           plink, router, underlay, vlink, vn, wait_for)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

TAG = "vnmt-mh%d" % (os.getpid() % 100000)
RM1, RM2 = TAG + "-rm1", TAG + "-rm2"
PL1, PL2 = "mh-pl1", "mh-pl2"
VN = "mh"
MBIT = 1000000
EMPTY = '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>'


def sh(*a, check=True):
    return subprocess.run(a, check=check, capture_output=True, text=True).stdout


def cfg(mbit):
    pl = plink("pl", "h1", PL1, "h2", PL2, 32 * MBIT)
    link = guaranteed(vlink("l12", "r1", "eth0", "r2", "eth0", plinks=("pl",)), mbit * MBIT)
    return config(underlay(host("h1", RM1, tps=(PL1,), addr="10.96.0.1"),
                           host("h2", RM2, tps=(PL2,), addr="10.96.0.2"), links=pl),
                  vn(VN, router("r1", "h1", tps=("eth0",)), router("r2", "h2", tps=("eth0",)),
                     links=link))


def vxlan_ends(ns):
    """Names of vnmd's VXLAN ends in namespace ns."""
    return sorted(re.findall(r"^\d+: (vnx[0-9a-f]+[ab])[@:]", sh("ip", "-n", ns, "-o", "link",
                                                                 "show", "type", "vxlan"),
                             re.M))


def class_rate(ns, dev):
    """The VL's class rate on dev (Mbit/s), None when there is none: a
    class in the child HTB of its VNI's bucket (X:minor under X:1, X not the
    root's 766e)."""
    t = sh("ip", "netns", "exec", ns, "tc", "class", "show", "dev", dev)
    rates = [int(r) for _, r in re.findall(r"class htb (?!766e:)([0-9a-f]+):[0-9a-f]+ "
                                        r"parent \1:1 .*?rate (\d+)Mbit", t)]
    return max(rates) if rates else None


def has_htb(ns, dev):
    return "htb" in sh("ip", "netns", "exec", ns, "tc", "qdisc", "show", "dev", dev)


def oper(m, vr):
    t = etree.fromstring(m.get(filter=("subtree", '<networks xmlns="%s"/>' % NS["nw"]))
                         .data_xml.encode())
    v = t.xpath("//nw:network[nw:network-id='%s']/nw:node[nw:node-id='%s']/vnm:router/"
                "vnm:oper-state/text()" % (VN, vr), namespaces=NS)
    return v[0] if v else None


@pytest.fixture(scope="module")
def world(users, tmp_path_factory):
    for n in (RM1, RM2):
        netns_del(n)
        netns_add(n)
    ds = []
    try:
        sh("ip", "link", "add", PL1, "netns", RM1, "type", "veth", "peer", "name", PL2,
           "netns", RM2)
        for n, dev, a in ((RM1, PL1, "10.96.0.1/24"), (RM2, PL2, "10.96.0.2/24")):
            sh("ip", "-n", n, "addr", "add", a, "dev", dev)
            sh("ip", "-n", n, "link", "set", dev, "mtu", "1600", "up")
        for h in ("h1", "h2"):
            ds.append(Vnmd(users, tmp_path_factory.mktemp("mh" + h), extra=["-H", h]).start())
        yield ds
    finally:
        for d in ds:
            try:
                d.ssh_key().edit_config(target="running", default_operation="replace",
                                        config=EMPTY)
            except Exception:
                pass
            d.stop()
        for n in (RM1, RM2):
            netns_del(n)


def test_each_vnmd_realises_its_host_only(world):
    d1, d2 = world
    m1 = d1.ssh_key()
    m1.edit_config(target="running", config=cfg(4))
    ends1 = vxlan_ends(RM1)
    assert len(ends1) == 1 and ends1[0].endswith("a"), ends1
    assert class_rate(RM1, PL1) == 4
    # rm2 is rm2's vnmd's: nothing there yet
    assert vxlan_ends(RM2) == []
    assert not has_htb(RM2, PL2)
    assert "host h1 only" in d1.logtext()
    m2 = d2.ssh_key()
    m2.edit_config(target="running", config=cfg(4))
    ends2 = vxlan_ends(RM2)
    assert len(ends2) == 1 and ends2[0] == ends1[0][:-1] + "b", ends2
    assert class_rate(RM2, PL2) == 4
    assert vxlan_ends(RM1) == ends1


def test_each_reads_its_own_routers(world):
    d1, d2 = world
    m1, m2 = d1.ssh_key(), d2.ssh_key()
    assert wait_for(lambda: oper(m1, "r1") == "running")
    assert wait_for(lambda: oper(m2, "r2") == "running")
    # the other RM's router is not on this vnmd's hypervisor: not claimed
    assert oper(m1, "r2") != "running"
    assert oper(m2, "r1") != "running"


def test_rate_change_on_both(world):
    d1, d2 = world
    for d in (d1, d2):
        d.ssh_key().edit_config(target="running", config=cfg(6))
    assert class_rate(RM1, PL1) == 6
    assert class_rate(RM2, PL2) == 6


def test_restart_adopts_own_share_only(world):
    d1, d2 = world
    before1, before2 = vxlan_ends(RM1), vxlan_ends(RM2)
    d1.stop()
    d1.start()
    assert vxlan_ends(RM1) == before1
    assert vxlan_ends(RM2) == before2, "rm1's vnmd swept rm2's end"
    assert class_rate(RM2, PL2) == 6
    assert re.search(r"reconciliation: [1-9]\d* object\(s\) adopted, 0 leftover", d1.logtext())


def test_removal_on_one_host(world):
    d1, d2 = world
    m1 = d1.ssh_key()
    m1.edit_config(target="running", default_operation="replace", config=EMPTY)
    assert vxlan_ends(RM1) == []
    assert not has_htb(RM1, PL1)
    assert len(vxlan_ends(RM2)) == 1 and class_rate(RM2, PL2) == 6
    d2.ssh_key().edit_config(target="running", default_operation="replace", config=EMPTY)
    assert vxlan_ends(RM2) == []
