"""Notification replay (RFC 5277 startTime/stopTime) from vnmd's bounded,
persisted log, with ncclient: replayed events then replayComplete then live
ones; stopTime ends with notificationComplete; bad times and streams are
refused naming the element; a small bound keeps only the newest events; the
log survives SIGTERM and SIGKILL of vnmd and a torn last record.  The
events are commits (netconf-config-change), made on test:///default."""
import datetime
import os
import signal
import time

import pytest
from lxml import etree
from ncclient.xml_ import to_ele

from ncclient_util import VNMD, Vnmd, config, host, rpc_error, underlay, wait_for

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NCN = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
NMN = "urn:ietf:params:xml:ns:netmod:notification"


def now(delta=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def commit(m, i):
    """One commit (an event): the underlay's host list changes."""
    m.edit_config(target="running", config=config(underlay(host("h%d" % i))))


def received(m, timeout, until=None):
    """Names of the notifications received within timeout (stopping early
    after `until`), config changes as 'change'."""
    out, end = [], time.time() + timeout
    while time.time() < end:
        n = m.take_notification(block=True, timeout=max(0.1, end - time.time()))
        if n is None:
            continue
        t = etree.fromstring(n.notification_xml.encode())
        for c in t:
            name = etree.QName(c).localname
            if name == "eventTime":
                continue
            out.append("change" if name == "netconf-config-change" else name)
        if until and out and out[-1] == until:
            break
    return out


def changes_only(names):
    return [n for n in names if n in ("change", "replayComplete", "notificationComplete")]


@pytest.fixture
def d(users, tmp_path):
    v = Vnmd(users, tmp_path, extra=["--replay-events", "4"]).start()
    yield v
    v.stop()


def test_replay_then_live(d):
    m = d.ssh_key()
    t0 = now(-0.5)
    for i in range(3):
        commit(m, i)
    s = d.ssh_key()
    s.create_subscription(start_time=t0)
    got = changes_only(received(s, 5, until="replayComplete"))
    assert got == ["change"] * 3 + ["replayComplete"], got
    commit(m, 9)
    assert changes_only(received(s, 3, until="change")) == ["change"]
    # the stream says it replays, and since when
    t = etree.fromstring(m.get(filter=("subtree", '<netconf xmlns="%s"/>' % NMN)).data_xml.encode())
    st = t.find(".//{%s}stream" % NMN)
    assert st.findtext("{%s}name" % NMN) == "NETCONF"
    assert st.findtext("{%s}replaySupport" % NMN) == "true"
    assert st.findtext("{%s}replayLogCreationTime" % NMN)
    s.close_session()
    m.close_session()


def test_stop_time_completes(d):
    m = d.ssh_key()
    t0 = now(-0.5)
    commit(m, 1)
    s = d.ssh_key()
    s.create_subscription(start_time=t0, stop_time=now(2.0))
    commit(m, 2)  # live, before the stop time
    got = changes_only(received(s, 6, until="notificationComplete"))
    assert got == ["change", "replayComplete", "change", "notificationComplete"], got
    commit(m, 3)  # after it: not sent
    assert changes_only(received(s, 1.5)) == []
    # the subscription is over: the session may subscribe again
    s.create_subscription()
    s.close_session()
    m.close_session()


def test_bad_times_and_streams_are_refused(d):
    m = d.ssh_key()
    e = rpc_error(m.create_subscription, start_time=now(3600))
    assert e.tag == "bad-element" and "startTime" in e.message, e.message
    e = rpc_error(m.create_subscription, start_time=now(-10), stop_time=now(-20))
    assert e.tag == "bad-element" and "stopTime" in e.message, e.message
    # (ncclient will not send stopTime alone: raw)
    e = rpc_error(m.dispatch, to_ele(
        '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">'
        '<stopTime>%s</stopTime></create-subscription>' % now(-10)))
    assert e.tag == "bad-element" and "stopTime" in e.message, e.message
    e = rpc_error(m.create_subscription, stream_name="SYSLOG", start_time=now(-10))
    assert "SYSLOG" in e.message, e.message
    m.close_session()


def test_the_bound_keeps_the_newest(d):
    """--replay-events 4: of 7 events (sessions' starts count too), a
    replay from before all of them gets the newest 4."""
    m = d.ssh_key()
    t0 = now(-0.5)
    for i in range(7):
        commit(m, i)
    s = d.ssh_key()
    s.create_subscription(start_time=t0)
    got = received(s, 5, until="replayComplete")
    assert got[-1] == "replayComplete", got
    # the newest four: the session start of s came after the commits
    assert got[:-1] == ["change"] * 3 + ["netconf-session-start"], got
    s.close_session()
    m.close_session()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_the_log_survives_a_restart(d, sig):
    m = d.ssh_key()
    t0 = now(-0.5)
    commit(m, 1)
    commit(m, 2)
    m.close_session()
    d.stop(sig=sig)
    d.start()
    s = d.ssh_key()
    s.create_subscription(start_time=t0, filter=("subtree",
                                                 '<netconf-config-change xmlns="%s"/>' % NCN))
    got = received(s, 5, until="replayComplete")
    assert got == ["change", "change", "replayComplete"], got
    s.close_session()


def test_a_torn_record_is_dropped(d):
    m = d.ssh_key()
    t0 = now(-0.5)
    commit(m, 1)
    m.close_session()
    d.stop()
    path = os.path.join(d.state, "notifications.log")
    with open(path, "a") as f:
        f.write("500 %s\n<netconf-config-change xmlns" % now())  # a kill mid-write
    d.start()
    # the log line may follow the listeners by a moment on a loaded machine
    wait_for(lambda: "torn record" in d.logtext(), timeout=10)
    assert "torn record" in d.logtext()
    s = d.ssh_key()
    s.create_subscription(start_time=t0, filter=("subtree",
                                                 '<netconf-config-change xmlns="%s"/>' % NCN))
    assert received(s, 5, until="replayComplete") == ["change", "replayComplete"]
    s.close_session()
    assert not open(path).read().endswith("xmlns")
