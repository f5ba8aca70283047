#!/usr/bin/python3
"""netconf.py - what NETCONF costs in vnmd, each figure next to a baseline
measured in the same run, against libvirt's test:///default (no guests boot).

  /usr/bin/python3 bench/netconf.py [N]     (default N=200; needs root for a netns)

- get-config round trip on the UNIX socket, and over SSH (ncclient, with its
  100 ms send tick shortened to 1 ms);
- edit-config of one router leaf committed to running (one core transaction)
  vs the same edit with test-option test-only (parse, edit, validate: the
  baseline without the transaction);
- 40 sessions each doing N/10 get-config at once vs one session doing the
  same number in a row (the worker threads' parallelism).
"""
import os
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from ncclient_util import (Users, Vnmd, config, host, netns_add, netns_del,  # noqa: E402
                           router, underlay, vn)

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def timed(fn, n):
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t)


def main():
    tmp = tempfile.mkdtemp(prefix="vnmd-bench-")
    ns = "vnmt-bench%d" % os.getpid()
    netns_add(ns)
    d = None
    try:
        d = Vnmd(Users(tmp), tmp).start()
        c = d.unix()
        edit = ("<edit-config><target><running/></target>%%s%s</edit-config>"
                % config(underlay(host("rm1", netns=ns)), vn("ncb1", router("r1", "rm1"))))
        c.rpc(edit % "")
        get = "<get-config><source><running/></source></get-config>"
        unix_get = timed(lambda: c.rpc(get), N)
        # ncclient sends a queued request only every TICK (0.1 s) when idle:
        # that would be measured instead of vnmd
        import ncclient.transport.ssh as nc_ssh
        nc_ssh.TICK = 0.001
        m = d.ssh_key()
        ssh_get = timed(lambda: m.get_config(source="running"), N)
        m.close_session()

        vc = [1]

        def change(test_only):
            vc[0] = vc[0] % 8 + 1
            body = (edit % ("<test-option>test-only</test-option>" if test_only else "")).replace(
                "<vnm:router>", "<vnm:router><vnm:vcpus>%d</vnm:vcpus>" % vc[0])
            r = c.rpc(body)
            assert r.find("{urn:ietf:params:xml:ns:netconf:base:1.0}ok") is not None
        test_only = timed(lambda: change(True), max(N // 4, 10))
        commit = timed(lambda: change(False), max(N // 4, 10))

        per = max(N // 10, 5)
        clients = [d.unix() for _ in range(40)]
        t0 = time.perf_counter()
        for _ in range(40 * per):
            c.rpc(get)
        serial = time.perf_counter() - t0

        def work(cl):
            for _ in range(per):
                cl.rpc(get)
        th = [threading.Thread(target=work, args=(cl,)) for cl in clients]
        t0 = time.perf_counter()
        for t in th:
            t.start()
        for t in th:
            t.join()
        parallel = time.perf_counter() - t0
        for cl in clients:
            cl.close()
        c.close()

        print("netconf_get_unix_ms=%.3f" % (unix_get * 1e3))
        print("netconf_get_ssh_ms=%.3f" % (ssh_get * 1e3))
        print("netconf_edit_test_only_ms=%.3f" % (test_only * 1e3))
        print("netconf_edit_commit_ms=%.3f" % (commit * 1e3))
        print("netconf_40x%d_get_serial_s=%.3f" % (per, serial))
        print("netconf_40x%d_get_parallel_s=%.3f" % (per, parallel))
        print("netconf: get-config %.2f ms on the UNIX socket, %.2f ms over SSH; edit-config "
              "committed %.2f ms vs test-only %.2f ms (baseline, x%.1f); %d get-config from 40 "
              "sessions at once %.2f s vs one session in a row %.2f s (x%.2f)"
              % (unix_get * 1e3, ssh_get * 1e3, commit * 1e3, test_only * 1e3,
                 commit / test_only, 40 * per, parallel, serial, serial / parallel))
    finally:
        if d:
            d.stop()
        netns_del(ns)


if __name__ == "__main__":
    main()
