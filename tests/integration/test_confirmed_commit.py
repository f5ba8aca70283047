"""Confirmed commit (RFC 6241 8.4, :confirmed-commit:1.1) of the
configuration and of reality, driven by ncclient over SSH.

Each test starts its own vnmd (libvirt's test:///default, a host in a
network namespace the test makes) with two routers and a rate-limited
virtual link in running.  What a user would notice is checked where it
shows: the rate in <get> and in the kernel (`tc class show` of the VL's
interfaces in the namespace), routers in <get> with their domain ids, the
record of the pending commit in the state directory, the RFC 6470
netconf-confirmed-commit notifications.
"""
import os
import re
import signal
import subprocess
import time

import pytest
from lxml import etree
from ncclient.xml_ import to_ele

from ncclient_util import (NS, VNMD, config, host, netns_links, router, rpc_error, underlay,
                           vn, Vnmd, wait_for)

NETNS_TAG = "cc"  # in the names of its namespaces (conftest.py)

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

CC_CAP = "urn:ietf:params:netconf:capability:confirmed-commit:1.1"
NCN = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
LINK = "//nw:network[nw:network-id='ncc1']/nt:link[nt:link-id='l12']/vnm:virtual-link/"
M10, M20, M30 = 10000000, 20000000, 30000000


def link(rate):
    return ("<nt:link><nt:link-id>l12</nt:link-id><nt:source><nt:source-node>r1</nt:source-node>"
            "<nt:source-tp>eth0</nt:source-tp></nt:source><nt:destination><nt:dest-node>r2"
            "</nt:dest-node><nt:dest-tp>eth0</nt:dest-tp></nt:destination><vnm:virtual-link>"
            "<vnm:rate-limit>%d</vnm:rate-limit></vnm:virtual-link></nt:link>" % rate)


def cfg(ns, rate, extra_router=False):
    """The whole configuration: host rm1 in ns, VN ncc1 with r1, r2 and the
    link l12 limited to rate (and VN ncc2 with router r3)."""
    vrs = [router("r1", "rm1", tps=("eth0",)), router("r2", "rm1", tps=("eth0",))]
    vns = [vn("ncc1", *vrs, links=link(rate))]
    if extra_router:
        vns.append(vn("ncc2", router("r3", "rm1")))
    return config(underlay(host("rm1", netns=ns)), *vns, op="replace")


def xp(tree, path):
    return tree.xpath(path, namespaces=NS)


def get_all(m):
    return etree.fromstring(m.get(filter=("subtree", '<networks xmlns="%s"/>' % NS["nw"]))
                            .data_xml.encode())


def rate_in_get(m):
    v = xp(get_all(m), LINK + "vnm:rate-limit/text()")
    return int(v[0]) if v else None


def routers(m, vnname="ncc1"):
    t = get_all(m)
    out = {}
    for n in xp(t, "//nw:network[nw:network-id='%s']/nw:node" % vnname):
        name = xp(n, "nw:node-id/text()")[0]
        out[name] = ((xp(n, "vnm:router/vnm:oper-state/text()") or [None])[0],
                     (xp(n, "vnm:router/vnm:domain-id/text()") or [None])[0])
    return out


def tc_rates(ns):
    """The HTB class rates on the interfaces of namespace ns, as tc prints
    them (e.g. {"10Mbit"})."""
    rates = set()
    for dev in netns_links(ns):
        out = subprocess.run(["ip", "netns", "exec", ns, "tc", "class", "show", "dev", dev],
                             capture_output=True, text=True).stdout
        # a VNI bucket's class (766e:1xx) and its child's capacity class
        # (X:1 at the top of the child X:) are no VL's
        rates.update(re.findall(r"class htb (?!766e:1[0-9a-f]{2} |(?!766e:)[0-9a-f]+:1 root )\S+ "
                                r".*?rate (\S+)", out))
    return rates


def record(d):
    return os.path.join(d.state, "confirmed-commit")


def running_up(m):
    """Wait until r1 and r2 run and the link is up; their domain ids."""
    assert wait_for(lambda: all(routers(m).get(r, (None,))[0] == "running"
                                for r in ("r1", "r2"))), routers(m)
    assert wait_for(lambda: xp(get_all(m), LINK + "vnm:oper-state/text()") == ["up"])
    # the VL's two ends, each listed once
    ifs = xp(get_all(m), LINK + "vnm:host-interface/text()")
    assert len(ifs) == 2 and len(set(ifs)) == 2, ifs
    return {r: v[1] for r, v in routers(m).items()}


def start_10m(d, ns):
    """Running: the link at 10 Mbit/s, shaped in the kernel."""
    m = d.ssh_key()
    m.edit_config(target="running", config=cfg(ns, M10))
    ids = running_up(m)
    assert wait_for(lambda: "10Mbit" in tc_rates(ns)), tc_rates(ns)
    return m, ids


def confirm_events(s, want, timeout=10):
    """confirm-event values of the netconf-confirmed-commit notifications
    that session s receives (until want of them came, or timeout)."""
    got, end = [], time.time() + timeout
    while time.time() < end and len(got) < want:
        n = s.take_notification(block=True, timeout=0.5)
        if n is None:
            continue
        t = etree.fromstring(n.notification_xml.encode())
        ev = t.find("{%s}netconf-confirmed-commit" % NCN)
        if ev is not None:
            got.append(ev.findtext("{%s}confirm-event" % NCN))
    return got


# ---------------------------------------------------------------------------

def test_capability_advertised(vnmd):
    m = vnmd.ssh_key()
    assert CC_CAP in list(m.server_capabilities)
    m.close_session()


def test_timeout_rolls_back_config_and_reality(vnmd, nsname):
    m, ids = start_10m(vnmd, nsname)
    s = vnmd.ssh_key()
    s.create_subscription()
    m.edit_config(target="candidate", config=cfg(nsname, M20, extra_router=True))
    t0 = time.time()
    m.commit(confirmed=True, timeout="2")
    # committed: in running, in <get>, in the kernel, a new router
    assert rate_in_get(m) == M20
    assert wait_for(lambda: "20Mbit" in tc_rates(nsname)), tc_rates(nsname)
    assert wait_for(lambda: routers(m, "ncc2").get("r3", (None,))[0] == "running")
    assert os.path.exists(record(vnmd))
    # nobody confirms: undone on its own, never before the 2 s
    assert wait_for(lambda: rate_in_get(m) == M10, timeout=10), rate_in_get(m)
    assert time.time() - t0 >= 2
    assert "10Mbit" in tc_rates(nsname) and "20Mbit" not in tc_rates(nsname), tc_rates(nsname)
    assert routers(m, "ncc2") == {}
    # the routers that were there before were never restarted
    after = {r: v[1] for r, v in routers(m).items()}
    assert after == ids, (after, ids)
    assert not os.path.exists(record(vnmd))
    assert confirm_events(s, 2) == ["start", "timeout"]
    # and a late confirmation confirms nothing
    e = rpc_error(m.commit, persist_id="late")
    assert e.tag == "invalid-value" and "no confirmed commit is pending" in e.message
    s.close_session()
    m.close_session()


def test_confirmed_within_timeout_stays(vnmd, nsname):
    m, ids = start_10m(vnmd, nsname)
    m.edit_config(target="candidate", config=cfg(nsname, M20))
    m.commit(confirmed=True, timeout="2")
    m.commit()  # the confirming commit
    assert not os.path.exists(record(vnmd))
    time.sleep(3.5)
    assert rate_in_get(m) == M20
    assert "20Mbit" in tc_rates(nsname) and "10Mbit" not in tc_rates(nsname)
    assert {r: v[1] for r, v in routers(m).items()} == ids
    e = rpc_error(m.cancel_commit)
    assert e.tag == "operation-failed" and "no confirmed commit is pending" in e.message
    m.close_session()


def test_follow_up_resets_timer_and_keeps_first_rollback_point(vnmd, nsname):
    m, _ = start_10m(vnmd, nsname)
    m.edit_config(target="candidate", config=cfg(nsname, M20))
    m.commit(confirmed=True, timeout="2")
    time.sleep(1)
    # follow-up confirmed commit with one more change, a new timer of 4 s
    m.edit_config(target="candidate", config=cfg(nsname, M30))
    m.commit(confirmed=True, timeout="4")
    time.sleep(2)  # past the first timer
    assert rate_in_get(m) == M30
    # rolled back to before the FIRST confirmed commit, not to 20 Mbit/s
    assert wait_for(lambda: rate_in_get(m) == M10, timeout=8), rate_in_get(m)
    assert wait_for(lambda: "10Mbit" in tc_rates(nsname)), tc_rates(nsname)
    m.close_session()


def test_session_end_rolls_back_and_only_that_session_may_confirm(vnmd, nsname):
    m, ids = start_10m(vnmd, nsname)
    o = vnmd.ssh_key()
    o.edit_config(target="candidate", config=cfg(nsname, M20))
    o.commit(confirmed=True, timeout="60")
    assert rate_in_get(m) == M20
    # another session cannot confirm or cancel it, with or without a persist-id
    e = rpc_error(m.commit)
    assert e.tag == "in-use" and str(o.session_id) in e.message
    e = rpc_error(m.cancel_commit)
    assert e.tag == "in-use"
    e = rpc_error(m.cancel_commit, persist_id="x")
    assert e.tag == "invalid-value" and "without <persist>" in e.message
    e = rpc_error(o.commit, persist_id="x")
    assert e.tag == "invalid-value"
    # its session ends without confirming: rolled back at once
    o.close_session()
    assert wait_for(lambda: rate_in_get(m) == M10, timeout=10), rate_in_get(m)
    assert wait_for(lambda: "10Mbit" in tc_rates(nsname)), tc_rates(nsname)
    assert {r: v[1] for r, v in routers(m).items()} == ids
    assert not os.path.exists(record(vnmd))
    m.close_session()


def test_persist_id_and_cancel_commit(vnmd, nsname):
    m, _ = start_10m(vnmd, nsname)
    o = vnmd.ssh_key()
    s = vnmd.ssh_key()
    s.create_subscription()
    m.edit_config(target="candidate", config=cfg(nsname, M20))
    m.commit(confirmed=True, timeout="60", persist="tok-1")
    # the session may end: a persistent one waits
    m.close_session()
    time.sleep(1)
    assert rate_in_get(o) == M20
    e = rpc_error(o.commit)
    assert e.tag == "missing-element" and "persist-id" in e.message
    e = rpc_error(o.commit, persist_id="tok-2")
    assert e.tag == "invalid-value" and "tok-2" in e.message
    e = rpc_error(o.cancel_commit)
    assert e.tag == "missing-element"
    e = rpc_error(o.cancel_commit, persist_id="wrong")
    assert e.tag == "invalid-value"
    assert rate_in_get(o) == M20
    # persist without confirmed is refused rather than ignored
    e = rpc_error(o.dispatch, to_ele('<commit xmlns="%s"><persist>tok-3</persist></commit>'
                                     % NS["nc"]))
    assert e.tag == "missing-element" and "<confirmed/>" in e.message
    # any session cancels it with its persist-id: running and reality go back
    o.cancel_commit(persist_id="tok-1")
    assert rate_in_get(o) == M10
    assert wait_for(lambda: "10Mbit" in tc_rates(nsname)), tc_rates(nsname)
    assert not os.path.exists(record(vnmd))
    e = rpc_error(o.cancel_commit, persist_id="tok-1")
    assert e.tag == "invalid-value" and "no confirmed commit is pending" in e.message
    e = rpc_error(o.cancel_commit)
    assert e.tag == "operation-failed" and "nothing to cancel" in e.message
    assert confirm_events(s, 2) == ["start", "cancel"]
    s.close_session()
    o.close_session()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_persistent_survives_restart_and_rolls_back_after(vnmd, nsname, sig):
    m, _ = start_10m(vnmd, nsname)
    m.edit_config(target="candidate", config=cfg(nsname, M20))
    m.commit(confirmed=True, timeout="8", persist="keep")
    t0 = time.time()
    vnmd.stop(sig)
    vnmd.start()
    m = vnmd.ssh_key()
    if time.time() - t0 < 6:  # still pending after the restart
        assert rate_in_get(m) == M20
        assert os.path.exists(record(vnmd))
    assert wait_for(lambda: rate_in_get(m) == M10, timeout=20), rate_in_get(m)
    assert time.time() - t0 >= 8
    assert wait_for(lambda: "10Mbit" in tc_rates(nsname) and "20Mbit" not in tc_rates(nsname))
    assert not os.path.exists(record(vnmd))
    m.close_session()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_persistent_confirmed_after_restart(vnmd, nsname, sig):
    m, _ = start_10m(vnmd, nsname)
    m.edit_config(target="candidate", config=cfg(nsname, M20))
    m.commit(confirmed=True, timeout="30", persist="keep")
    vnmd.stop(sig)
    vnmd.start()
    m = vnmd.ssh_key()
    assert rate_in_get(m) == M20
    e = rpc_error(m.commit, persist_id="other")
    assert e.tag == "invalid-value"
    m.commit(persist_id="keep")
    assert not os.path.exists(record(vnmd))
    m.close_session()
    vnmd.stop()
    vnmd.start()
    m = vnmd.ssh_key()
    assert rate_in_get(m) == M20
    assert wait_for(lambda: "20Mbit" in tc_rates(nsname)), tc_rates(nsname)
    m.close_session()


def test_unpersisted_is_rolled_back_at_restart(vnmd, nsname):
    m, _ = start_10m(vnmd, nsname)
    m.edit_config(target="candidate", config=cfg(nsname, M20))
    m.commit(confirmed=True, timeout="600")
    vnmd.stop(signal.SIGKILL)
    vnmd.start()
    m = vnmd.ssh_key()
    # rolled back before the first client could see it
    assert rate_in_get(m) == M10
    assert wait_for(lambda: "10Mbit" in tc_rates(nsname) and "20Mbit" not in tc_rates(nsname))
    assert not os.path.exists(record(vnmd))
    assert "rolled back" in vnmd.logtext()
    m.close_session()


def test_failed_commit_arms_nothing(users, tmp_path, nsname):
    d = Vnmd(users, tmp_path, extra=["--allow-uri", "test:///nonexistent/vnmd-cc.xml"]).start()
    try:
        m, _ = start_10m(d, nsname)
        # a router on a host whose hypervisor cannot be reached: the core
        # transaction fails and undoes itself
        bad = config(underlay(host("rm1", netns=nsname),
                              host("rm-bad", netns=nsname, uri="test:///nonexistent/vnmd-cc.xml")),
                     vn("ncc2", router("r9", "rm-bad")))
        m.edit_config(target="candidate", config=bad)
        e = rpc_error(m.commit, confirmed=True, timeout="2")
        assert e.tag == "operation-failed"
        assert not os.path.exists(record(d))
        e = rpc_error(m.cancel_commit)
        assert e.tag == "operation-failed" and "no confirmed commit is pending" in e.message
        # a pending one is not extended by a failing follow-up either
        m.discard_changes()
        m.edit_config(target="candidate", config=cfg(nsname, M20))
        m.commit(confirmed=True, timeout="3")
        t0 = time.time()
        m.edit_config(target="candidate", config=bad)
        e = rpc_error(m.commit, confirmed=True, timeout="60")
        assert e.tag == "operation-failed"
        assert os.path.exists(record(d))
        m.discard_changes()
        assert wait_for(lambda: rate_in_get(m) == M10, timeout=10), rate_in_get(m)
        assert time.time() - t0 < 10
        m.close_session()
    finally:
        d.stop()
