"""vnmd --link-datapath shared, through NETCONF (issue 16): a VL across two
hosts is no interface of its own, only entries in the hosts' BPF maps; each
host has one VXLAN device, the routers' taps a BPF program.  Two RMs
emulated as network namespaces joined by a veth pair (the physical link),
routers on libvirt's test:///default; their taps are veth pairs the test
makes in the RMs' namespaces (as libvirt would make them), with a router
stand-in namespace at the other end, and a router restart makes vnmd plug
them.  What an operator sees:

  - the VL is realised without per-VL interfaces; `<get>` names the host's
    shared device as the VL's host interface and says the VL is up;
  - the routers reach each other through it; its counters count it;
  - a vnmd killed with SIGKILL and started again changes nothing of the
    traffic, and the counters go on from where they were;
  - a disabled VL carries nothing and says oper-state down; enabled again
    it carries traffic again;
  - a VN removed from the configuration while no vnmd ran (vnmd started
    from a startup datastore without it) carries nothing once vnmd is up:
    reconciliation removes its VL's entries from the maps;
  - a VL removed while its routers stay leaves each vNIC its port bridge
    with the tap in it (where else would the operator plug a client?), and
    the VL made again carries traffic again;
  - the VN removed, nothing is carried, the shaping goes, no VL interface
    was ever made.
"""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
from lxml import etree

from ncclient_util import (NS, VNMD, Vnmd, config, host, netns_add, netns_del, plink, router,
                           underlay, vlink, vn, wait_for)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

TAG = "vnmt-sd%d" % (os.getpid() % 100000)
RM1, RM2, R1, R2 = TAG + "-rm1", TAG + "-rm2", TAG + "-r1", TAG + "-r2"
PL1, PL2 = "sd-pl1", "sd-pl2"
VN = "sd"
EMPTY = '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>'
DOT = os.path.join(os.path.dirname(VNMD), "tools", "vnm_dot")
PING = ["ping"] if shutil.which("ping") else ["busybox", "ping"]


def sh(*a, check=True):
    return subprocess.run(a, check=check, capture_output=True, text=True).stdout


def cfg(enabled=None, admin=None, vn_too=True, eth1=False):
    """The underlay; with vn_too the VN: r1 and r2 joined by l12 over the
    physical link (eth1: by l12b between their second vNICs instead)."""
    pl = plink("pl", "h1", PL1, "h2", PL2, 1000000000)
    if eth1:
        link = vlink("l12b", "r1", "eth1", "r2", "eth1", plinks=("pl",))
    else:
        link = vlink("l12", "r1", "eth0", "r2", "eth0", plinks=("pl",))
    if enabled is not None:
        link = link.replace("<vnm:virtual-link/>", "<vnm:virtual-link><vnm:enabled>%s"
                            "</vnm:enabled></vnm:virtual-link>" % str(enabled).lower())
    tps = ("eth0", "eth1") if eth1 else ("eth0",)
    nets = [underlay(host("h1", RM1, tps=(PL1,), addr="10.95.0.1"),
                     host("h2", RM2, tps=(PL2,), addr="10.95.0.2"), links=pl)]
    if vn_too:
        nets.append(vn(VN, router("r1", "h1", tps=tps, admin=admin),
                       router("r2", "h2", tps=tps, admin=admin), links=link))
    return config(*nets)


def get_tree(m):
    return etree.fromstring(m.get(filter=("subtree", '<networks xmlns="%s"/>' % NS["nw"]))
                            .data_xml.encode())


def vl_state(m):
    t = get_tree(m)
    p = "//nw:network[nw:network-id='%s']/nt:link[nt:link-id='l12']/vnm:virtual-link/" % VN
    one = lambda x: (t.xpath(p + x, namespaces=NS) or [None])[0]  # noqa: E731
    return {"oper": one("vnm:oper-state/text()"),
            "ifs": t.xpath(p + "vnm:host-interface/text()", namespaces=NS),
            "out": int(one("vnm:statistics/vnm:out-octets/text()") or 0),
            "in": int(one("vnm:statistics/vnm:in-octets/text()") or 0)}


def taps(m):
    t = get_tree(m)
    out = []
    for r in ("r1", "r2"):
        v = t.xpath("//nw:network[nw:network-id='%s']/nw:node[nw:node-id='%s']/"
                    "nt:termination-point/vnm:vnic/vnm:host-interface/text()" % (VN, r),
                    namespaces=NS)
        out.append(v[0] if v else None)
    return out


def macs(tmp):
    """tap name -> its vNIC's MAC, as vnmd derives them (vnm_dot -n)."""
    path = os.path.join(str(tmp), "cfg.xml")
    with open(path, "w") as f:
        f.write(cfg())
    out = {}
    for ln in sh(DOT, "-n", path).splitlines():
        w = ln.split()
        if w and w[0] == "vnic":
            out[w[6]] = w[8]
    return out


def ping(ns, addr, tries=5):
    for _ in range(tries):
        if subprocess.run(["ip", "netns", "exec", ns] + PING + ["-c", "1", "-W", "1", addr],
                          capture_output=True).returncode == 0:
            return True
    return False


def links(ns, kind):
    return re.findall(r"^\d+: ([^:@]+)", sh("ip", "-n", ns, "-o", "link", "show", "type", kind),
                      re.M)


@pytest.fixture(scope="module")
def world(users, tmp_path_factory):
    for n in (RM1, RM2, R1, R2):
        netns_del(n)
        netns_add(n)
    d = Vnmd(users, tmp_path_factory.mktemp("sd"), extra=["--link-datapath", "shared"])
    try:
        sh("ip", "link", "add", PL1, "netns", RM1, "type", "veth", "peer", "name", PL2,
           "netns", RM2)
        for n, dev, a in ((RM1, PL1, "10.95.0.1/24"), (RM2, PL2, "10.95.0.2/24")):
            sh("ip", "-n", n, "addr", "add", a, "dev", dev)
            sh("ip", "-n", n, "link", "set", dev, "mtu", "1600", "up")
        d.start()
        yield d
    finally:
        try:
            d.ssh_key().edit_config(target="running", default_operation="replace", config=EMPTY)
        except Exception:
            pass
        d.stop()
        for n in (RM1, RM2, R1, R2):
            netns_del(n)


def test_no_interface_per_vl(world):
    m = world.ssh_key()
    m.edit_config(target="running", config=cfg())
    for ns in (RM1, RM2):
        assert links(ns, "vxlan") == ["vnmvx0"]
        assert links(ns, "bridge") == []
        assert "bpf" in sh("ip", "netns", "exec", ns, "tc", "filter", "show", "dev", "vnmvx0",
                           "ingress")
    # the VL's HTB class on the physical link (with the root's parent and
    # default classes), as with per-link ends
    assert len(re.findall(r"^class htb", sh("ip", "netns", "exec", RM1, "tc", "class", "show",
                                            "dev", PL1), re.M)) >= 3
    assert wait_for(lambda: vl_state(m)["oper"] == "up")
    assert vl_state(m)["ifs"] == ["vnmvx0"]


def test_plugged_routers_reach_each_other(world, tmp_path):
    m = world.ssh_key()
    t1, t2 = taps(m)
    assert t1 and t2
    # made in the daemon's namespace with the guest's MAC (fe: for 52:), as
    # libvirt makes them: vnmd's plug moves them into their RM's namespace
    for rm, r, tap, a in ((RM1, R1, t1, "10.5.0.1/24"), (RM2, R2, t2, "10.5.0.2/24")):
        sh("ip", "link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", r)
        sh("ip", "link", "set", tap, "address", "fe:" + macs(tmp_path)[tap][3:])
        sh("ip", "-n", r, "addr", "add", a, "dev", "eth0")
        sh("ip", "-n", r, "link", "set", "eth0", "up")
        sh("ip", "-n", r, "link", "set", "lo", "up")
    # a restart of the routers makes vnmd plug their taps
    m.edit_config(target="running", config=cfg(admin="stopped"))
    m.edit_config(target="running", config=cfg(admin="running"))
    assert "bpf" in sh("ip", "netns", "exec", RM1, "tc", "filter", "show", "dev", t1, "ingress")
    assert ping(R1, "10.5.0.2")
    assert ping(R2, "10.5.0.1")
    st = wait_for(lambda: vl_state(m)["out"] > 0 and vl_state(m)["in"] > 0)
    assert st


def test_kill_and_restart_keeps_traffic_and_counters(world):
    m = world.ssh_key()
    before = vl_state(m)
    world.stop(sig=signal.SIGKILL)
    # nothing of the datapath depends on the daemon
    assert ping(R1, "10.5.0.2")
    world.start()
    m = world.ssh_key()
    assert ping(R1, "10.5.0.2")
    after = wait_for(lambda: vl_state(m)["out"] > before["out"] and vl_state(m))
    assert after, (before, vl_state(m))
    assert "cannot be taken over" not in world.logtext()


def test_disable_and_enable(world):
    m = world.ssh_key()
    # test:///default cannot change a running router's NIC carrier: the
    # admin state changes while the routers are stopped (test_vl_admin.py)
    m.edit_config(target="running", config=cfg(admin="stopped"))
    m.edit_config(target="running", config=cfg(enabled=False, admin="stopped"))
    m.edit_config(target="running", config=cfg(enabled=False, admin="running"))
    assert wait_for(lambda: vl_state(m)["oper"] == "down")
    assert not ping(R1, "10.5.0.2", tries=2)
    m.edit_config(target="running", config=cfg(enabled=False, admin="stopped"))
    m.edit_config(target="running", config=cfg(enabled=True, admin="stopped"))
    m.edit_config(target="running", config=cfg(enabled=True, admin="running"))
    assert wait_for(lambda: vl_state(m)["oper"] == "up"), vl_state(m)
    assert ping(R1, "10.5.0.2")


def test_vl_removed_while_vnmd_was_down_is_swept(world):
    assert ping(R1, "10.5.0.2")
    world.stop(sig=signal.SIGKILL)
    with open(os.path.join(world.state, "startup.xml"), "w") as f:
        f.write(cfg(vn_too=False))
    extra = list(world.extra)
    try:
        world.start(extra=extra + ["--startup"])
        assert wait_for(lambda: "reconciliation: removing leftover VNI" in world.logtext())
        # the entries the killed vnmd left would still carry the traffic
        assert not ping(R1, "10.5.0.2", tries=2)
    finally:
        world.stop()
        world.start(extra=extra)
    m = world.ssh_key()
    m.edit_config(target="running", config=cfg())
    assert ping(R1, "10.5.0.2"), "the VL configured again carries traffic again"


def test_removed_vl_leaves_the_vnics_their_port_bridges(world):
    m = world.ssh_key()
    t1, t2 = taps(m)
    # l12 goes, l12b joins the routers' second vNICs (a VN stays connected);
    # test:///default plugs no vNIC into a running router: stopped meanwhile
    m.edit_config(target="running", config=cfg(admin="stopped"))
    m.edit_config(target="running", config=cfg(admin="stopped", eth1=True),
                  default_operation="replace")
    m.edit_config(target="running", config=cfg(admin="running", eth1=True))
    for rm, tap in ((RM1, t1), (RM2, t2)):
        out = sh("ip", "-n", rm, "-o", "link", "show", "dev", tap)
        master = re.search(r" master (\S+) ", out)
        assert master, out
        assert master.group(1) in links(rm, "bridge")
        assert "bpf" not in sh("ip", "netns", "exec", rm, "tc", "filter", "show", "dev", tap,
                               "ingress")
    assert not ping(R1, "10.5.0.2", tries=2)
    m.edit_config(target="running", config=cfg(admin="stopped", eth1=True))
    m.edit_config(target="running", config=cfg(admin="stopped"), default_operation="replace")
    m.edit_config(target="running", config=cfg(admin="running"))
    assert ping(R1, "10.5.0.2"), "the VL made again carries traffic again"


def test_removed_vn_carries_nothing(world):
    m = world.ssh_key()
    m.edit_config(target="running", config=EMPTY, default_operation="replace")
    assert not ping(R1, "10.5.0.2", tries=2)
    for ns in (RM1, RM2):
        assert not [n for n in links(ns, "vxlan") if n.startswith("vnx")]
