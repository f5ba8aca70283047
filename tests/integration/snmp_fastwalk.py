"""Byte-for-byte comparison of two SNMP agents that serve the same rows:
the embedded agent with its fast path for table walks (snmp-agent/
fastwalk.c) and the same agent with it turned off (net-snmp answers
everything).  Used by snmp_fastwalk.sh.

    python3 snmp_fastwalk.py FAST_PORT SLOW_PORT

Every request goes, as the same bytes, to both agents on 127.0.0.1; the
answers must be the same bytes.  Walks continue from the answer's last
varbinds as a manager's would, across the ends of columns and tables, to
the end of the MIB view.  Prints one line per group of requests
("ok|FAIL - NAME: N requests") and exits 1 on the first difference, after
printing both answers.
"""
import socket
import sys

from snmp_util import VNMD_OID, _int, _len, _oid, _parse, _tlv, response

ROOT = VNMD_OID
TABLES = {"vnmNetworkTable": ROOT + ".1.2.2", "vnmRouterTable": ROOT + ".1.3.2",
          "vnmLinkTable": ROOT + ".1.4.2"}
GETNEXT, GETBULK = 0xA1, 0xA5


def oid_text(body):
    """Dotted text of an OID's BER body."""
    out = [body[0] // 40, body[0] % 40] if body else []
    v = 0
    for b in body[1:]:
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            out.append(v)
            v = 0
    return ".".join(str(x) for x in out)


def request(version, community, tag, rid, a, b, oids):
    vbs = b"".join(_tlv(0x30, _oid(o) + b"\x05\x00") for o in oids)
    pdu = _tlv(tag, _int(rid) + _int(a) + _int(b) + _tlv(0x30, vbs))
    return _tlv(0x30, _int(version) + _tlv(0x04, community) + pdu)


def varbinds(msg):
    """[(oid text, value tag)] of a response, and its error-status."""
    _, es, vbs = response(msg)
    return [(oid_text(name), t) for name, t, _ in vbs], es


class Pair:
    def __init__(self, fast_port, slow_port):
        self.ports = (fast_port, slow_port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(5)
        self.rid = 1000

    def ask(self, msg):
        """The answers of both agents to msg (None: no answer in 1 s)."""
        out = []
        for port in self.ports:
            self.s.sendto(msg, ("127.0.0.1", port))
            self.s.settimeout(1)
            try:
                out.append(self.s.recv(65535))
            except socket.timeout:
                out.append(None)
        return out

    def same(self, name, version, community, tag, a, b, oids):
        """Sends one request to both; returns the fast agent's answer, or
        exits when the answers differ."""
        self.rid += 1
        msg = request(version, community, tag, self.rid, a, b, oids)
        fast, slow = self.ask(msg)
        if fast != slow:
            print("FAIL - %s: the answers to %s %s (%d, %d) differ" %
                  (name, "GETBULK" if tag == GETBULK else "GETNEXT", oids, a, b))
            for who, ans in (("fast path", fast), ("net-snmp", slow)):
                print("# %s: %s" % (who, ans.hex() if ans else None))
                if ans:
                    vbs, es = varbinds(ans)
                    print("#   error-status %d, %s" % (es, vbs[:8]))
            sys.exit(1)
        return fast

    def walk(self, name, start, tag=GETBULK, reps=25, nonrep=0, version=1,
             limit=10000):
        """Walks from the OIDs start (the first nonrep of them
        non-repeaters) to the end of the MIB view; number of requests."""
        oids, n = list(start), 0
        while n < limit:
            ans = self.same(name, version, b"public", tag, nonrep if tag == GETBULK else 0,
                            reps if tag == GETBULK else 0, oids)
            n += 1
            if ans is None:
                break
            vbs, es = varbinds(ans)
            rep = len(oids) - nonrep if tag == GETBULK else len(oids)
            last = vbs[-rep:] if rep and len(vbs) >= rep else []
            # At the first endOfMibView: net-snmp names it after the
            # request's varbind of the same position, non-repeaters
            # counted, so a manager could not go on from there anyway.
            if es or not last or any(t == 0x82 for _, t in vbs):
                break
            oids = oids[:nonrep] + [o for o, _ in last] if tag == GETBULK else [o for o, _ in last]
        print("ok   - %s: %d requests answered the same" % (name, n))
        return n


def main():
    p = Pair(int(sys.argv[1]), int(sys.argv[2]))
    link = TABLES["vnmLinkTable"]
    # Whole walks: one varbind, GETNEXT and GETBULK of several sizes
    # (above 100 net-snmp cuts the repetitions), across every table end.
    p.walk("GETNEXT walk of VNMD-MIB", [ROOT], tag=GETNEXT)
    for reps in (1, 2, 7, 25, 60, 150):
        p.walk("GETBULK walk of VNMD-MIB, max-repetitions %d" % reps, [ROOT], reps=reps)
    for name, t in TABLES.items():
        p.walk("GETBULK walk from %s, max-repetitions 25" % name, [t])
        p.walk("GETNEXT walk from %s" % name, [t], tag=GETNEXT, limit=60)
    # As snmptable asks: every column of a table in each request.
    p.walk("GETBULK of all vnmLinkTable columns (snmptable)",
           ["%s.1.%d" % (link, c) for c in range(2, 26)], reps=25)
    p.walk("GETBULK of all vnmRouterTable columns, max-repetitions 3",
           ["%s.1.%d" % (TABLES["vnmRouterTable"], c) for c in range(2, 9)], reps=3)
    # Non-repeaters: a scalar, a table cell; repeaters in two tables.
    p.walk("GETBULK, a scalar as non-repeater", [ROOT + ".1.1.1", link + ".1.3"],
           reps=10, nonrep=1)
    p.walk("GETBULK, a cell as non-repeater", [link + ".1.9.1.2", link + ".1.3",
                                                 TABLES["vnmNetworkTable"]], reps=9, nonrep=1)
    # OIDs no manager walks to: inside, around and past the tables.
    odd = []
    for t in TABLES.values():
        odd += [t, t + ".0", t + ".0.7", t + ".1", t + ".1.0", t + ".1.1", t + ".1.1.99",
                t + ".1.2", t + ".1.3.2", t + ".1.3.2.5.7.9", t + ".1.3.0.0.0",
                t + ".1.4.4294967295", t + ".1.4.4294967295.4294967295", t + ".1.5.1.4294967295",
                t + ".1.6", t + ".1.8", t + ".1.25", t + ".1.25.3", t + ".1.25.99",
                t + ".1.26", t + ".1.26.1.1", t + ".2", t + ".3.1"]
    odd += [ROOT, ROOT + ".1", ROOT + ".1.4", ROOT + ".1.4.1", ROOT + ".1.4.1.0",
            ROOT + ".1.5", "1.3.6.1", "0.0", "1.3.6.1.4.1.8072.9999.9999.8"]
    n = 0
    for o in odd:
        for tag, a, b in ((GETNEXT, 0, 0), (GETBULK, 0, 3), (GETBULK, 1, 2), (GETBULK, 0, 0),
                          (GETBULK, -1, -5), (GETBULK, 5, 10)):
            p.same("odd OIDs", 1, b"public", tag, a, b, [o, o])
            p.same("odd OIDs", 1, b"public", tag, a, b, [o])
            n += 2
    p.same("odd OIDs", 1, b"public", GETBULK, 0, 10, [])
    p.same("odd OIDs", 1, b"public", GETNEXT, 0, 0, [])
    print("ok   - odd OIDs: %d requests answered the same" % (n + 2))
    # Many varbinds in one request (more than the fast path takes, too).
    for k in (100, 127, 128, 129, 200):
        p.same("many varbinds", 1, b"public", GETBULK, 0, 100, [link + ".1.2"] * k)
        p.same("many varbinds", 1, b"public", GETNEXT, 0, 0, [link + ".1.2"] * k)
    print("ok   - many varbinds: 10 requests answered the same")
    # SNMPv1 (Counter64 columns: noSuchName) and a wrong community (none).
    p.walk("SNMPv1 GETNEXT walk of vnmNetworkTable", [TABLES["vnmNetworkTable"]],
           tag=GETNEXT, version=0, limit=40)
    for tag in (GETNEXT, GETBULK):
        if p.same("wrong community", 1, b"wrong", tag, 0, 25, [link]) is not None:
            print("FAIL - wrong community: an answer to a request with a wrong community")
            sys.exit(1)
    print("ok   - wrong community: no answer from either")


if __name__ == "__main__":
    main()
