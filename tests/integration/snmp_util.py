"""SNMP helpers of the Python suites (faults, load): a real snmpd master of
the test's own (UDP on 127.0.0.1 at a free port, AgentX on a UNIX socket in
the test's directory, nothing of the host's configuration read or written),
and a small SNMPv2c GET client over UDP for polling at a steady rate
without a process per request.  tests/integration/snmp_env.bash is the
same master for the bash suites.
"""
import os
import socket
import subprocess
import time

BASE_MIBS = "/usr/local/share/vnmd/base-mibs"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIBS = ["-M", "+%s:%s/snmp-agent" % (BASE_MIBS, ROOT), "-m", "+VNMD-MIB"]
# VNMD-MIB's subtree (vnmdMIB: enterprises.8072.9999.9999.7)
VNMD_OID = "1.3.6.1.4.1.8072.9999.9999.7"


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p



def response(msg):
    """request-id, error-status and [(name bytes, value tag, value bytes)]
    of a v1/v2c message."""
    _, body, _ = _parse(msg, 0)
    _, _, i = _parse(body, 0)  # version
    _, _, i = _parse(body, i)  # community
    _, pdu, _ = _parse(body, i)
    _, rid, j = _parse(pdu, 0)
    _, es, j = _parse(pdu, j)
    _, _, j = _parse(pdu, j)
    _, vbl, _ = _parse(pdu, j)
    out, k = [], 0
    while k < len(vbl):
        _, vb, k = _parse(vbl, k)
        _, name, m = _parse(vb, 0)
        t, v, _ = _parse(vb, m)
        out.append((name, t, v))
    return int.from_bytes(rid, "big", signed=True), int.from_bytes(es, "big"), out

class Snmpd:
    """snmpd as the AgentX master; rocommunity public, and rwcommunity
    private when rw (so that SETs reach the subagent, which must refuse)."""

    def __init__(self, tmp, rw=False):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "agentx.sock")
        self.port = free_udp_port()
        self.agent = "127.0.0.1:%d" % self.port
        self.rw = rw
        self.proc = None
        self.env = dict(os.environ, SNMP_PERSISTENT_DIR=os.path.join(tmp, "snmp-persist"))
        os.makedirs(self.env["SNMP_PERSISTENT_DIR"], exist_ok=True)

    def start(self):
        conf = os.path.join(self.tmp, "snmpd.conf")
        with open(conf, "w") as f:
            f.write("agentAddress udp:127.0.0.1:%d\nmaster agentx\nagentXSocket %s\n"
                    "agentXTimeout 5\nrocommunity public 127.0.0.1\n" % (self.port, self.sock))
            if self.rw:
                f.write("rwcommunity private 127.0.0.1\n")
        self.proc = subprocess.Popen(["snmpd", "-f", "-Lf", os.path.join(self.tmp, "snmpd.log"),
                                      "-C", "-c", conf, "-M", "/nonexistent", "-m", ""],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=self.env)
        for _ in range(300):
            if os.path.exists(self.sock) and self.cli("snmpget", "1.3.6.1.2.1.1.3.0",
                                                      mibs=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("snmpd did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            os.unlink(self.sock)
        except OSError:
            pass

    def cli(self, tool, *args, community="public", mibs=True):
        """Run one net-snmp tool (snmpget, snmpwalk, snmpset...) at the master."""
        cmd = [tool, "-v2c", "-c", community, "-t", "1", "-r", "1"] + (MIBS if mibs else []) \
            + [self.agent] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, env=self.env)


# ---------------------------------------------------------------------------
# A minimal SNMPv2c GET over UDP (BER by hand: the request and the varbinds
# of the response; enough for polling, not a general SNMP library).
# ---------------------------------------------------------------------------

def _len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _tlv(tag, body):
    return bytes([tag]) + _len(len(body)) + body


def _int(v):
    return _tlv(0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True))


def _oid(s):
    parts = [int(x) for x in s.strip(".").split(".")]
    out = bytes([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(enc))
    return _tlv(0x06, out)


def _parse(buf, i):
    """(tag, body, next index) of the TLV at i."""
    tag = buf[i]
    n = buf[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[i:i + k], "big")
        i += k
    return tag, buf[i:i + n], i + n


class SnmpGet:
    """GET requests to AGENT (HOST:PORT), one at a time, with a timeout."""

    def __init__(self, agent, community="public", timeout=2.0):
        host, port = agent.rsplit(":", 1)
        self.addr = (host, int(port))
        self.community = community.encode()
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(timeout)
        self.rid = 0

    def get(self, *oids):
        """[(tag, value bytes)] of each varbind (0x80-0x82: noSuch*/endOfMib);
        raises socket.timeout when no answer comes, RuntimeError on an
        error-status."""
        self.rid = (self.rid + 1) & 0x7FFFFFFF
        vbs = b"".join(_tlv(0x30, _oid(o) + b"\x05\x00") for o in oids)
        pdu = _tlv(0xA0, _int(self.rid) + _int(0) + _int(0) + _tlv(0x30, vbs))
        msg = _tlv(0x30, _int(1) + _tlv(0x04, self.community) + pdu)
        self.s.sendto(msg, self.addr)
        while True:
            rid, es, vbs = response(self.s.recv(65535))
            if rid != self.rid:
                continue  # a late answer to an earlier request
            if es:
                raise RuntimeError("SNMP error-status %d" % es)
            return [(t, v) for _, t, v in vbs]

    def close(self):
        self.s.close()
