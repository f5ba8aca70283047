"""ncraw.py - the benchmarks' own NETCONF client: raw UNIX socket, NETCONF
1.1 chunked framing (1.0 end-of-message framing for the hellos), no XML
parsing on the timed path (a reply is complete when its framing says so).

The same client talks to vnmd's UNIX socket and to yuma123 netconfd's
ncxserver socket; netconfd wants one <ncx-connect> message before its hello
(what its netconf-subsystem relay sends on behalf of sshd), given as
`preamble`.
"""
import re
import socket
import time

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
_CHUNK = re.compile(rb"\n#(\d+)\n|\n##\n")


class Client:
    def __init__(self, path, preamble=None, timeout=600):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = bytearray()
        if preamble:
            self.s.sendall(preamble.encode() + b"]]>]]>")
        hello = self._read_eom().decode()
        self.s.sendall(('<?xml version="1.0" encoding="UTF-8"?><hello xmlns="%s"><capabilities>'
                        "<capability>urn:ietf:params:netconf:base:1.0</capability>"
                        "<capability>urn:ietf:params:netconf:base:1.1</capability>"
                        "</capabilities></hello>]]>]]>" % NC).encode())
        if "urn:ietf:params:netconf:base:1.1" not in hello:
            raise RuntimeError("server does not speak NETCONF 1.1")
        self.mid = 0

    def _fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError("server closed the session")
        self.buf += d

    def _read_eom(self):
        while True:
            i = self.buf.find(b"]]>]]>")
            if i >= 0:
                m = bytes(self.buf[:i])
                del self.buf[:i + 6]
                return m
            self._fill()

    def _read_chunked(self):
        parts = []
        pos = 0
        while True:
            while True:
                m = _CHUNK.match(self.buf, pos)
                if m:
                    break
                if len(self.buf) - pos > 16:
                    raise RuntimeError("bad chunk framing: %r" % bytes(self.buf[pos:pos + 40]))
                self._fill()
            if m.group(0) == b"\n##\n":
                del self.buf[:m.end()]
                return b"".join(parts)
            n = int(m.group(1))
            while len(self.buf) < m.end() + n:
                self._fill()
            parts.append(bytes(self.buf[m.end():m.end() + n]))
            pos = m.end() + n

    def rpc(self, body):
        """Send <rpc> around body; the reply as bytes."""
        self.mid += 1
        data = ('<rpc xmlns="%s" message-id="%d">%s</rpc>' % (NC, self.mid, body)).encode()
        self.s.sendall(b"\n#%d\n" % len(data) + data + b"\n##\n")
        return self._read_chunked()

    def timed(self, body):
        """(seconds to the complete reply, reply bytes)"""
        t0 = time.perf_counter()
        r = self.rpc(body)
        return time.perf_counter() - t0, r

    def close(self):
        try:
            self.rpc("<close-session/>")
        except (OSError, EOFError, RuntimeError):
            pass
        self.s.close()


def ok(reply):
    return b"<ok/>" in reply and b"rpc-error" not in reply


def err_text(reply):
    return reply.decode(errors="replace")[:2000]
