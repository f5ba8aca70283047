"""Helpers of the NETCONF integration suite: a vnmd per test, SSH keys and
passwords, network namespaces, a raw NETCONF client for the UNIX socket, and
configurations built from small pieces.

A raw client is needed because ncclient has no UNIX-socket transport; it
speaks what netopeer2-cli does on a UNIX socket: a plain <hello>, then the
end-of-message framing of NETCONF 1.0 or the chunked framing of 1.1.
"""
import os
import re
import signal
import socket
import subprocess
import time

from lxml import etree
from ncclient import manager

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VNMD = os.environ.get("VNMD_BIN", os.path.join(ROOT, "build", "vnmd"))

NS = {
    "nc": "urn:ietf:params:xml:ns:netconf:base:1.0",
    "nw": "urn:ietf:params:xml:ns:yang:ietf-network",
    "nt": "urn:ietf:params:xml:ns:yang:ietf-network-topology",
    "vnm": "urn:vnmd:yang:vnmd",
    "ncm": "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring",
    "wd": "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults",
}
NW_NS = NS["nw"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Users:
    """A client ed25519 key authorised for user admin, an unrestricted key,
    a password user alice and a read-only password user oper."""

    def __init__(self, d):
        self.dir = d
        self.key = os.path.join(d, "client_key")
        self.key2 = os.path.join(d, "client_key_any")
        for k in (self.key, self.key2):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k],
                           check=True, stdin=subprocess.DEVNULL)
        pub = open(self.key + ".pub").read().split()
        pub2 = open(self.key2 + ".pub").read().split()
        self.authkeys = os.path.join(d, "authorized_keys")
        with open(self.authkeys, "w") as f:
            f.write("# vnmd test keys\n")
            f.write("admin %s %s test-admin\n" % (pub[0], pub[1]))
            f.write("%s %s any-user\n" % (pub2[0], pub2[1]))
        self.passwd = os.path.join(d, "passwd")

        def h(pw):
            return subprocess.run(["openssl", "passwd", "-6", pw], check=True,
                                  capture_output=True, text=True).stdout.strip()
        with open(self.passwd, "w") as f:
            f.write("alice:%s\n" % h("wonderland"))
            f.write("oper:%s:ro\n" % h("readonly"))


class Vnmd:
    """One vnmd on its own socket, port and state directory."""

    def __init__(self, users, tmp, extra=None, ssh=True):
        self.users = users
        self.tmp = str(tmp)
        self.state = os.path.join(self.tmp, "state")
        self.sock = os.path.join(self.tmp, "vnmd.sock")
        self.port = free_port()
        self.log = os.path.join(self.tmp, "vnmd.log")
        self.extra = list(extra or [])
        self.ssh = ssh
        self.proc = None

    def args(self):
        a = [VNMD, "-f", "-s", self.state, "-u", self.sock, "-U", "test:///default",
             "-L", "debug"]
        if self.ssh:
            a += ["-l", "127.0.0.1:%d" % self.port, "-a", self.users.authkeys,
                  "-p", self.users.passwd]
        return a + self.extra

    def start(self, extra=None):
        if extra is not None:
            self.extra = list(extra)
        logf = open(self.log, "a")
        self.proc = subprocess.Popen(self.args(), stdout=logf, stderr=logf,
                                     env=dict(os.environ, VNMD_LOG_DIR=self.tmp))
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("vnmd exited with %d:\n%s" % (self.proc.returncode,
                                                                 self.logtext()[-3000:]))
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.sock)
                s.close()
                if self.ssh:
                    s = socket.create_connection(("127.0.0.1", self.port), timeout=1)
                    s.close()
                return self
            except OSError:
                time.sleep(0.05)
        # not left running behind the failed test
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError("vnmd did not come up:\n" + self.logtext()[-3000:])

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def logtext(self):
        try:
            return open(self.log, errors="replace").read()
        except OSError:
            return ""

    def ssh_key(self, user="admin", key=None):
        return manager.connect(host="127.0.0.1", port=self.port, username=user,
                               key_filename=key or self.users.key, hostkey_verify=False,
                               allow_agent=False, look_for_keys=False, timeout=30)

    def ssh_password(self, user="alice", password="wonderland"):
        return manager.connect(host="127.0.0.1", port=self.port, username=user,
                               password=password, hostkey_verify=False, allow_agent=False,
                               look_for_keys=False, timeout=30)

    def unix(self, v11=True):
        return RawClient(self.sock, v11=v11)

    def ssh_raw(self, v11=False, user="alice", password="wonderland"):
        """The raw client over SSH (paramiko), for framings ncclient never
        uses (it always announces base:1.1)."""
        import paramiko
        t = paramiko.Transport(("127.0.0.1", self.port))
        t.connect(username=user, password=password)
        ch = t.open_session()
        ch.settimeout(60)
        ch.invoke_subsystem("netconf")
        c = RawClient(None, v11=v11, sock=ch)
        c.transport = t
        return c


class RawClient:
    """NETCONF over the UNIX socket, framing by hand."""

    def __init__(self, path, v11=True, timeout=60, sock=None):
        """path: the UNIX socket; or sock: any connected object with recv,
        sendall and close (e.g. a paramiko channel on the netconf subsystem)."""
        if sock is None:
            sock = socket.socket(socket.AF_UNIX)
            sock.settimeout(timeout)
            sock.connect(path)
        self.s = sock
        self.buf = b""
        self.chunked = False
        self.server_hello = self._read_eom().decode()
        self.session_id = int(re.search(r"<session-id>(\d+)</session-id>",
                                        self.server_hello).group(1))
        caps = "<capability>urn:ietf:params:netconf:base:1.0</capability>"
        if v11:
            caps += "<capability>urn:ietf:params:netconf:base:1.1</capability>"
        self.s.sendall(('<?xml version="1.0" encoding="UTF-8"?><hello xmlns="%s">'
                        "<capabilities>%s</capabilities></hello>]]>]]>"
                        % (NS["nc"], caps)).encode())
        self.chunked = v11 and "urn:ietf:params:netconf:base:1.1" in self.server_hello
        self.mid = 0

    def _fill(self):
        d = self.s.recv(1 << 16)
        if not d:
            raise EOFError("vnmd closed the session")
        self.buf += d

    def _read_eom(self):
        while b"]]>]]>" not in self.buf:
            self._fill()
        m, self.buf = self.buf.split(b"]]>]]>", 1)
        return m

    def _read_chunked(self):
        out = b""
        while True:
            while True:
                m = re.match(rb"\n#(\d+)\n", self.buf) or re.match(rb"\n##\n", self.buf)
                if m:
                    break
                self._fill()
            if m.group(0) == b"\n##\n":
                self.buf = self.buf[4:]
                return out
            n = int(m.group(1))
            self.buf = self.buf[m.end():]
            while len(self.buf) < n:
                self._fill()
            out += self.buf[:n]
            self.buf = self.buf[n:]

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.chunked:
            self.s.sendall(b"\n#%d\n" % len(data) + data + b"\n##\n")
        else:
            self.s.sendall(data + b"]]>]]>")

    def recv(self):
        return (self._read_chunked() if self.chunked else self._read_eom()).decode()

    def rpc(self, body):
        """Send <rpc> around body, return the reply as an lxml element."""
        self.mid += 1
        self.send_raw('<rpc xmlns="%s" message-id="%d">%s</rpc>' % (NS["nc"], self.mid, body))
        return etree.fromstring(self.recv().encode())

    def close(self):
        try:
            self.rpc("<close-session/>")
        except (OSError, EOFError):
            pass
        self.s.close()


def errors(reply):
    """[(type, tag, path, message, info-xml)] of an rpc-reply element."""
    out = []
    for e in reply.iter("{%s}rpc-error" % NS["nc"]):
        def t(n):
            x = e.find("nc:" + n, NS)
            return x.text if x is not None else None
        info = e.find("nc:error-info", NS)
        out.append((t("error-type"), t("error-tag"), t("error-path"), t("error-message"),
                    etree.tostring(info).decode() if info is not None else ""))
    return out


def is_ok(reply):
    return reply.find("nc:ok", NS) is not None


# ---------------------------------------------------------------------------
# Configurations
# ---------------------------------------------------------------------------

def host(name, netns=None, uri="test:///default", tps=(), addr=None):
    s = "<node><node-id>%s</node-id><vnm:host>" % name
    if uri:
        s += "<vnm:libvirt-uri>%s</vnm:libvirt-uri>" % uri
    if addr:
        s += "<vnm:tunnel-address>%s</vnm:tunnel-address>" % addr
    if netns:
        s += "<vnm:netns>%s</vnm:netns>" % netns
    s += "</vnm:host>"
    for tp in tps:
        s += "<nt:termination-point><nt:tp-id>%s</nt:tp-id></nt:termination-point>" % tp
    return s + "</node>"


def router(name, on, tps=(), vcpus=None, memory=None, admin=None, under="underlay"):
    s = ("<node><node-id>%s</node-id><supporting-node><network-ref>%s</network-ref>"
         "<node-ref>%s</node-ref></supporting-node>" % (name, under, on))
    for tp in tps:
        s += "<nt:termination-point><nt:tp-id>%s</nt:tp-id></nt:termination-point>" % tp
    s += "<vnm:router>"
    if vcpus:
        s += "<vnm:vcpus>%d</vnm:vcpus>" % vcpus
    if memory:
        s += "<vnm:memory>%d</vnm:memory>" % memory
    s += "<vnm:image><vnm:kernel>/var/lib/vnmd/images/vmlinuz</vnm:kernel></vnm:image>"
    if admin:
        s += "<vnm:admin-state>%s</vnm:admin-state>" % admin
    return s + "</vnm:router></node>"


def vlink(name, a, atp, b, btp, plinks=(), under="underlay"):
    s = ("<nt:link><nt:link-id>%s</nt:link-id><nt:source><nt:source-node>%s</nt:source-node>"
         "<nt:source-tp>%s</nt:source-tp></nt:source><nt:destination><nt:dest-node>%s"
         "</nt:dest-node><nt:dest-tp>%s</nt:dest-tp></nt:destination>" % (name, a, atp, b, btp))
    for p in plinks:
        s += ("<nt:supporting-link><nt:network-ref>%s</nt:network-ref><nt:link-ref>%s"
              "</nt:link-ref></nt:supporting-link>" % (under, p))
    return s + "<vnm:virtual-link/></nt:link>"


def plink(name, a, atp, b, btp, capacity):
    """A physical link of the underlay from host a's tp atp to b's btp."""
    return ("<nt:link><nt:link-id>%s</nt:link-id><nt:source><nt:source-node>%s</nt:source-node>"
            "<nt:source-tp>%s</nt:source-tp></nt:source><nt:destination><nt:dest-node>%s"
            "</nt:dest-node><nt:dest-tp>%s</nt:dest-tp></nt:destination><vnm:physical-link>"
            "<vnm:capacity>%d</vnm:capacity></vnm:physical-link></nt:link>"
            % (name, a, atp, b, btp, capacity))


def guaranteed(link, bps):
    """vlink()'s text with a guaranteed-rate."""
    return link.replace("<vnm:virtual-link/>", "<vnm:virtual-link><vnm:guaranteed-rate>%d"
                        "</vnm:guaranteed-rate></vnm:virtual-link>" % bps)


def underlay(*hosts, links=""):
    return ("<network><network-id>underlay</network-id><network-types><vnm:physical-network/>"
            "</network-types>%s%s</network>" % ("".join(hosts), links))


def vn(name, *nodes, links="", admin=None, under="underlay"):
    s = ("<network><network-id>%s</network-id><network-types><vnm:virtual-network/>"
         "</network-types><supporting-network><network-ref>%s</network-ref>"
         "</supporting-network>%s%s" % (name, under, "".join(nodes), links))
    if admin:
        s += "<vnm:virtual-network><vnm:admin-state>%s</vnm:admin-state></vnm:virtual-network>" % admin
    return s + "</network>"


def config(*networks, op=None):
    return ('<config xmlns="%s"><networks xmlns="%s" xmlns:nt="%s" xmlns:vnm="%s" '
            'xmlns:nc="%s"%s>%s</networks></config>'
            % (NS["nc"], NS["nw"], NS["nt"], NS["vnm"], NS["nc"],
               ' nc:operation="%s"' % op if op else "", "".join(networks)))


def netns_add(name):
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)


def netns_del(name):
    subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)


def netns_links(name):
    r = subprocess.run(["ip", "-n", name, "-o", "link", "show"], capture_output=True, text=True)
    return sorted(re.findall(r"^\d+: ([^:@]+)", r.stdout, re.M))


def wait_for(fn, timeout=15):
    """fn() until it returns something true, at most timeout seconds;
    its last value."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.1)


def rpc_error(fn, *a, **kw):
    """The RPCError that fn(*a, **kw) must raise (a test fails otherwise)."""
    import pytest
    from ncclient.operations import RPCError
    with pytest.raises(RPCError) as ei:
        fn(*a, **kw)
    return ei.value


def stop_process(p, timeout=60):
    """SIGTERM, then SIGKILL if p has not ended within timeout seconds."""
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def notifications(m, timeout=10, want=1):
    """Notifications an ncclient session m received within timeout (at
    least want of them, then whatever arrives within another half second),
    as lxml trees."""
    got, end = [], time.time() + timeout
    while time.time() < end:
        n = m.take_notification(block=True, timeout=max(0.1, min(0.5, end - time.time())))
        if n is not None:
            got.append(etree.fromstring(n.notification_xml.encode()))
            continue
        if len(got) >= want:
            break
    return got
