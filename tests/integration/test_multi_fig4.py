"""The paper's Figure 4 on four RMs, one vnmd each (issue 17): two VNs with
different overlays over a ring of four RMs with a chord (examples/figure4.xml),
each RM a network namespace, each physical link a veth pair, each vnmd
started with --host for its RM, and a coordinator that carries one edit to
all four (their UNIX sockets as management addresses).  VN a's VLs
follow physical links; each of VN b's rides two, so an RM in the middle of
its path shapes it without holding either of its ends.  Checked in the
kernel: on every end of every physical link, one HTB class per VL riding it
(the guaranteed ones at their rate), made by the vnmd of that end's RM and by
no other; each RM holds the VXLAN ends of its own routers' VLs only.
A failure on one RM (rm3's physical interface held by a qdisc vnmd did not
install) fails the whole edit with an error naming rm3, and the RMs that
had already committed are rolled back: every running and every kernel as
before.
"""
import os
import re
import subprocess

import pytest

from ncclient_util import VNMD, Vnmd, netns_add, netns_del

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

HERE = os.path.dirname(os.path.abspath(__file__))
FIG4 = os.path.join(HERE, "..", "..", "examples", "figure4.xml")
TAG = "vnmt-f4%d" % (os.getpid() % 100000)
RMS = ["rm1", "rm2", "rm3", "rm4"]
# physical link: (host, interface) at each end, as figure4.xml names them
PLINKS = {"l12": (("rm1", "to-rm2"), ("rm2", "to-rm1")),
          "l23": (("rm2", "to-rm3"), ("rm3", "to-rm2")),
          "l34": (("rm3", "to-rm4"), ("rm4", "to-rm3")),
          "l41": (("rm4", "to-rm1"), ("rm1", "to-rm4")),
          "l13": (("rm1", "to-rm3"), ("rm3", "to-rm1"))}
# VLs riding each physical link: VN a's one each, VN b's two hops each
RIDING = {"l12": {"a1-a2", "b1-b3"}, "l23": {"a2-a3", "b1-b3", "b2-b4"},
          "l34": {"a3-a4", "b2-b4", "b1-b4"}, "l41": {"a4-a1"}, "l13": {"b1-b4"}}
# VL ends each RM holds: the VLs of its own routers (a<N>, b<N> on rmN)
ENDS = {"rm1": 4, "rm2": 3, "rm3": 3, "rm4": 4}
EMPTY = '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>'


def ns(rm):
    return "%s-%s" % (TAG, rm)


def sh(*a, check=True):
    return subprocess.run(a, check=check, capture_output=True, text=True).stdout


def config(socks=None):
    """figure4.xml on the test's namespaces; socks: {rm: UNIX socket of its
    vnmd}, the management addresses a coordinator needs."""
    text = open(FIG4).read()
    for rm in RMS:
        mgmt = ("<vnm:management><vnm:address>unix:%s</vnm:address></vnm:management>"
                % socks[rm]) if socks else ""
        text = re.sub(r"(<node-id>%s</node-id>\s*<vnm:host>)" % rm,
                      r"\1<vnm:netns>%s</vnm:netns>%s" % (ns(rm), mgmt), text)
    return text[text.index("<config"):]


def vl_classes(rm, dev):
    """Rates (Mbit/s, 0 when not in Mbit) of the VL classes on dev: HTB
    classes in the child HTB of a VNI bucket (X:minor under its capacity
    class X:1, X not the root's 766e)."""
    t = sh("ip", "netns", "exec", ns(rm), "tc", "class", "show", "dev", dev)
    out = []
    for line in t.splitlines():
        m = re.match(r"class htb (?!766e:)([0-9a-f]+):\w+ parent \1:1 .*?rate (\d+)(\w+)",
                     line)
        if m:
            out.append(int(m.group(2)) if m.group(3) == "Mbit" else 0)
    return out


def vxlan_ends(rm):
    return re.findall(r"^\d+: (vnx[0-9a-f]+[ab])[@:]",
                      sh("ip", "-n", ns(rm), "-o", "link", "show", "type", "vxlan"), re.M)


@pytest.fixture(scope="module")
def world(users, tmp_path_factory):
    for rm in RMS:
        netns_del(ns(rm))
        netns_add(ns(rm))
    ds = {}
    try:
        for i, (a, b) in enumerate(PLINKS.values()):
            sh("ip", "link", "add", a[1], "netns", ns(a[0]), "type", "veth", "peer", "name",
               b[1], "netns", ns(b[0]))
            for k, (rm, dev) in enumerate((a, b)):
                sh("ip", "-n", ns(rm), "addr", "add", "10.98.%d.%d/24" % (i, k + 1), "dev", dev)
                sh("ip", "-n", ns(rm), "link", "set", dev, "mtu", "1600", "up")
        for rm in RMS:
            ds[rm] = Vnmd(users, tmp_path_factory.mktemp("f4" + rm), extra=["-H", rm]).start()
        allow = []
        for rm in RMS:
            allow += ["--allow-peer", "unix:" + ds[rm].sock]
        ds["co"] = Vnmd(users, tmp_path_factory.mktemp("f4co"), extra=allow).start()
        yield ds
    finally:
        for d in ds.values():
            try:
                d.ssh_key().edit_config(target="running", default_operation="replace",
                                        config=EMPTY)
            except Exception:
                pass
            d.stop()
        for rm in RMS:
            netns_del(ns(rm))


def test_transit_rm_shapes_what_crosses_it(world):
    """rm2's vnmd alone: b1-b3 crosses rm2 without an end there, and is
    shaped on both of rm2's physical interfaces; no other RM is touched."""
    world["rm2"].ssh_key().edit_config(target="running", config=config())
    for pl, ends in PLINKS.items():
        for rm, dev in ends:
            got = len(vl_classes(rm, dev))
            want = len(RIDING[pl]) if rm == "rm2" else 0
            assert got == want, "%s end %s/%s: %d VL classes, want %d" % (pl, rm, dev, got, want)
    assert len(vxlan_ends("rm2")) == ENDS["rm2"]
    for rm in ("rm1", "rm3", "rm4"):
        assert vxlan_ends(rm) == [], rm


def running_empty(d):
    return "<network>" not in d.ssh_key().get_config(source="running").data_xml


def nothing_anywhere():
    for pl, ends in PLINKS.items():
        for rm, dev in ends:
            assert vl_classes(rm, dev) == [], (pl, rm, dev)
    for rm in RMS:
        assert vxlan_ends(rm) == [], rm


def test_failure_on_one_rm_undoes_all(world):
    from ncclient.operations.rpc import RPCError
    world["rm2"].ssh_key().edit_config(target="running", default_operation="replace",
                                       config=EMPTY)
    nothing_anywhere()
    socks = {rm: world[rm].sock for rm in RMS}
    sh("ip", "netns", "exec", ns("rm3"), "tc", "qdisc", "add", "dev", "to-rm4", "root",
       "handle", "77:", "pfifo")
    try:
        with pytest.raises(RPCError) as e:
            world["co"].ssh_key().edit_config(target="running", config=config(socks))
    finally:
        sh("ip", "netns", "exec", ns("rm3"), "tc", "qdisc", "del", "dev", "to-rm4", "root")
    msg = str(e.value)
    assert "rm3" in msg and "to-rm4" in msg, msg
    for name, d in world.items():
        assert running_empty(d), name
    nothing_anywhere()
    assert "cancel" in world["rm1"].logtext() or "rolled back" in world["rm1"].logtext()


def test_figure4_on_four_rms(world):
    socks = {rm: world[rm].sock for rm in RMS}
    world["co"].ssh_key().edit_config(target="running", config=config(socks))
    for rm in RMS:
        assert not running_empty(world[rm]), rm
    for pl, ends in PLINKS.items():
        guaranteed = sum(1 for vl in RIDING[pl] if vl.startswith("a"))
        for rm, dev in ends:
            rates = vl_classes(rm, dev)
            assert len(rates) == len(RIDING[pl]), (pl, rm, dev, rates)
            # VN a's VLs are guaranteed 20 Mbit/s on every link they ride
            assert rates.count(20) == guaranteed, (pl, rm, dev, rates)
    for rm in RMS:
        assert len(vxlan_ends(rm)) == ENDS[rm], rm
    # a VL's two ends, made by two vnmds, carry the same tunnel name
    names = [n[:-1] for rm in RMS for n in vxlan_ends(rm)]
    assert all(names.count(n) == 2 for n in names)


def test_removed_through_the_coordinator(world):
    world["co"].ssh_key().edit_config(target="running", default_operation="replace",
                                      config=EMPTY)
    for rm in RMS:
        assert running_empty(world[rm]), rm
    nothing_anywhere()
