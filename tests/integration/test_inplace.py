"""A VL's rate changed in place (issue 16): an edit that only merges a
virtual link's guaranteed-rate or rate-limit is made without copying,
validating or saving the whole configuration, and journaled.  What a user
sees, with real kernel objects (two hosts as network namespaces joined by a
veth pair, the VL's HTB class at each end of it) and routers on libvirt's
test:///default:

  - the new rate is in the kernel at both ends of the physical link and in
    <get-config>; the edit is in STATE/running.journal, running.xml is not
    rewritten for it;
  - an NMS that sends the link back whole (its other leaves unchanged) gets
    the same in-place change;
  - <get> and <get-config> right after it show the new rate (their text
    patched from the generation before) and the same configuration as a
    filtered read;
  - a guarantee the physical link cannot admit is refused with an error
    naming the link, nothing changed in the kernel;
  - vnmd SIGKILLed right after the <ok/>s: `vnmd -n` and the restarted
    vnmd have the last acknowledged rate, in running and in the kernel;
  - a clean stop folds the journal into running.xml.
"""
import os
import re
import signal
import subprocess

import pytest
from lxml import etree

from ncclient_util import (NS, VNMD, Vnmd, config, host, netns_add, netns_del, plink,
                           router, underlay, vlink, vn)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

TAG = "vnmt-ip%d" % (os.getpid() % 100000)
RM1, RM2 = TAG + "-rm1", TAG + "-rm2"
PL1, PL2 = "ip-pl1", "ip-pl2"
VN = "ip"
MBIT = 1000000
LINKP = ("//nw:networks/nw:network[nw:network-id='%s']/nt:link[nt:link-id='l12']/"
         "vnm:virtual-link/vnm:guaranteed-rate/text()" % VN)


def sh(*a, check=True):
    return subprocess.run(a, check=check, capture_output=True, text=True).stdout


def cfg():
    pl = plink("pl", "h1", PL1, "h2", PL2, 32 * MBIT)
    return config(underlay(host("h1", RM1, tps=(PL1,), addr="10.95.0.1"),
                           host("h2", RM2, tps=(PL2,), addr="10.95.0.2"), links=pl),
                  vn(VN, router("r1", "h1", tps=("eth0",)), router("r2", "h2", tps=("eth0",)),
                     links=rate_link(4)))


def rate_link(mbit, whole=True):
    link = vlink("l12", "r1", "eth0", "r2", "eth0", plinks=("pl",))
    link = link.replace("<vnm:virtual-link/>",
                        "<vnm:virtual-link><vnm:guaranteed-rate>%d</vnm:guaranteed-rate>"
                        "</vnm:virtual-link>" % (mbit * MBIT))
    if not whole:
        link = re.sub(r"<nt:source>.*</nt:destination>", "", link)
        link = re.sub(r"<nt:supporting-link>.*</nt:supporting-link>", "", link)
    return link


def rate_edit(mbit, whole=False):
    return ('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
            '<networks xmlns="%s" xmlns:nt="%s" xmlns:vnm="%s"><network>'
            '<network-id>%s</network-id>%s</network></networks></config>'
            % (NS["nw"], NS["nt"], NS["vnm"], VN, rate_link(mbit, whole)))


def kernel_rates():
    """The VL's class rate at each end of the physical link (Mbit/s): a
    class in the child HTB of its VNI's bucket (X:minor under X:1, X not the
    root's 766e), under its capacity
    class."""
    out = []
    for ns, dev in ((RM1, PL1), (RM2, PL2)):
        t = sh("ip", "netns", "exec", ns, "tc", "class", "show", "dev", dev)
        rates = [int(r) for _, r in re.findall(r"class htb (?!766e:)([0-9a-f]+):[0-9a-f]+ "
                                            r"parent \1:1 .*?rate (\d+)Mbit", t)]
        out.append(max(rates) if rates else None)
    return out


def running_rate(m):
    t = etree.fromstring(m.get_config(source="running").data_xml.encode())
    v = t.xpath(LINKP, namespaces=NS)
    return int(v[0]) // MBIT if v else None


def file_text(d, name):
    try:
        return open(os.path.join(d.state, name)).read()
    except OSError:
        return None


@pytest.fixture(scope="module")
def world(users, tmp_path_factory):
    for n in (RM1, RM2):
        netns_del(n)
        netns_add(n)
    d = None
    try:
        sh("ip", "link", "add", PL1, "netns", RM1, "type", "veth", "peer", "name", PL2,
           "netns", RM2)
        for n, dev, a in ((RM1, PL1, "10.95.0.1/24"), (RM2, PL2, "10.95.0.2/24")):
            sh("ip", "-n", n, "addr", "add", a, "dev", dev)
            sh("ip", "-n", n, "link", "set", dev, "mtu", "1600", "up")
        d = Vnmd(users, tmp_path_factory.mktemp("ip")).start()
        m = d.ssh_key()
        m.edit_config(target="running", config=cfg())
        yield d, m
    finally:
        if d is not None:
            try:
                m = d.ssh_key()
                m.edit_config(target="running", default_operation="replace",
                              config='<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>')
            except Exception:
                pass
            d.stop()
        for n in (RM1, RM2):
            netns_del(n)


def test_rate_changes_in_place(world):
    d, m = world
    assert kernel_rates() == [4, 4]
    before = file_text(d, "running.xml")
    m.edit_config(target="running", config=rate_edit(6))
    assert kernel_rates() == [6, 6]
    assert running_rate(m) == 6
    assert file_text(d, "running.xml") == before, "running.xml was rewritten"
    j = file_text(d, "running.journal")
    assert j is not None and "6000000" in j
    assert "in place" in d.logtext()


def test_whole_link_restated(world):
    d, m = world
    m.edit_config(target="running", config=rate_edit(7, whole=True))
    assert kernel_rates() == [7, 7]
    assert running_rate(m) == 7
    assert "7000000" in file_text(d, "running.journal")


def networks_c14n(reply):
    t = etree.fromstring(reply.data_xml.encode())
    nets = t.xpath("//nw:networks", namespaces=NS)
    assert len(nets) == 1
    return etree.tostring(nets[0], method="c14n", exclusive=True)


def test_reads_right_after_rate_changes(world):
    """<get> and <get-config> right after rates changed in place show the
    new rate; the networks' text they are served from is patched from the
    generation before, not printed anew, and holds the same configuration
    as a filtered read (the tree's way)."""
    d, m = world
    m.get()     # a kept text of this generation, to be patched
    filt = ("subtree", '<networks xmlns="%s"/>' % NS["nw"])
    for mbit in (5, 9, 7):
        m.edit_config(target="running", config=rate_edit(mbit))
        g = etree.fromstring(m.get().data_xml.encode())
        assert [int(v) // MBIT for v in g.xpath(LINKP, namespaces=NS)] == [mbit]
        assert (networks_c14n(m.get_config(source="running")) ==
                networks_c14n(m.get_config(source="running", filter=filt)))
    assert kernel_rates() == [7, 7]


def test_beyond_capacity_refused(world):
    d, m = world
    from ncclient.operations.rpc import RPCError
    with pytest.raises(RPCError) as e:
        m.edit_config(target="running", config=rate_edit(40))
    assert "physical link pl cannot admit" in str(e.value)
    assert kernel_rates() == [7, 7]
    assert running_rate(m) == 7


def test_sigkill_loses_nothing_acknowledged(world):
    d, m = world
    for r in (8, 9, 5):
        m.edit_config(target="running", config=rate_edit(r))
    d.stop(sig=signal.SIGKILL)
    assert "5000000" not in (file_text(d, "running.xml") or "")
    # vnmd -n checks what vnmd would start from: running.xml and the journal
    r = subprocess.run([VNMD, "-n", "-C", "none", "-s", d.state], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert "<guaranteed-rate>5000000</guaranteed-rate>" in r.stdout
    assert "newer than running.xml" in r.stderr
    d.start()
    m2 = d.ssh_key()
    assert running_rate(m2) == 5
    assert kernel_rates() == [5, 5]
    # a clean stop folds the journal into running.xml
    d.stop()
    assert file_text(d, "running.journal") is None
    assert "5000000" in file_text(d, "running.xml")
    d.start()
    m3 = d.ssh_key()
    assert running_rate(m3) == 5
