"""NETCONF over TLS (RFC 7589): a CA made with openssl at test time, clients
with Python's ssl module speaking NETCONF's framing on 127.0.0.1.  A trusted
client gets a session whose user is the one --tls-map names (seen in
ietf-netconf-monitoring and by NACM); an untrusted, an expired, a missing and
an unmapped certificate are refused in the handshake; a silent TLS client
does not hold up a UNIX-socket hello; a bad chunk header ends only that
session."""
import os
import socket
import ssl
import subprocess
import time

import pytest
from lxml import etree

from ncclient_util import NS, VNMD, Vnmd, free_port, wait_for

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NC = NS["nc"]
NCM = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
HELLO11 = ('<hello xmlns="%s"><capabilities><capability>urn:ietf:params:netconf:base:1.1'
           '</capability></capabilities></hello>]]>]]>' % NC)


def run(*a):
    subprocess.run(a, check=True, capture_output=True)


def key_csr(d, name, subj, san=None):
    cmd = ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", "%s/%s.key" % (d, name), "-out", "%s/%s.csr" % (d, name), "-subj", subj]
    run(*cmd)
    if san:
        with open("%s/%s.ext" % (d, name), "w") as f:
            f.write("subjectAltName=%s\n" % san)


def sign(d, name, ca, days=1):
    cmd = ["openssl", "x509", "-req", "-in", "%s/%s.csr" % (d, name), "-CA", "%s/%s.crt" % (d, ca),
           "-CAkey", "%s/%s.key" % (d, ca), "-CAcreateserial", "-out", "%s/%s.crt" % (d, name),
           "-days", str(days)]
    if os.path.exists("%s/%s.ext" % (d, name)):
        cmd += ["-extfile", "%s/%s.ext" % (d, name)]
    run(*cmd)


def fingerprint(path):
    out = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256"],
                         check=True, capture_output=True, text=True).stdout
    return "sha256:" + out.strip().split("=", 1)[1]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("pki"))
    for ca in ("ca", "otherca"):
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "%s/%s.key" % (d, ca), "-out", "%s/%s.crt" % (d, ca),
            "-subj", "/CN=%s" % ca, "-days", "2")
    key_csr(d, "server", "/CN=localhost", "IP:127.0.0.1,DNS:localhost")
    sign(d, "server", "ca")
    key_csr(d, "alice", "/CN=alice-cn", "email:alice")    # mapped by SAN rfc822
    sign(d, "alice", "ca")
    key_csr(d, "bob", "/CN=bob-cn")                        # mapped by fingerprint
    sign(d, "bob", "ca")
    key_csr(d, "carol", "/CN=carol")                       # maps to no one
    sign(d, "carol", "ca")
    key_csr(d, "mallory", "/CN=mallory", "email:alice")    # untrusted CA
    sign(d, "mallory", "otherca")
    key_csr(d, "old", "/CN=old", "email:alice")            # expired
    sign(d, "old", "ca", days=0)
    time.sleep(1.1)
    return d


@pytest.fixture(scope="module")
def srv(pki, users, tmp_path_factory):
    port = free_port()
    d = Vnmd(users, tmp_path_factory.mktemp("tls"), extra=[
        "--tls-listen", "127.0.0.1:%d" % port,
        "--tls-cert", "%s/server.crt" % pki, "--tls-key", "%s/server.key" % pki,
        "--tls-ca", "%s/ca.crt" % pki,
        "--tls-map", "%s specified operator" % fingerprint("%s/bob.crt" % pki),
        "--tls-map", "* san-rfc822-name"]).start()
    d.tls_port = port
    # start() waits for the UNIX socket and SSH; the TLS listener may come
    # a moment later on a loaded machine (seen with the ASan daemon)
    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for(listening)
    yield d
    d.stop()


class TlsClient:
    def __init__(self, pki, port, who):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations("%s/ca.crt" % pki)
        if who:
            ctx.load_cert_chain("%s/%s.crt" % (pki, who), "%s/%s.key" % (pki, who))
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.s = ctx.wrap_socket(raw, server_hostname="localhost")
        self.buf = b""
        self.mid = 0

    def hello(self):
        self.s.sendall(HELLO11.encode())
        while b"]]>]]>" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("closed before the hello")
            self.buf += chunk
        h, self.buf = self.buf.split(b"]]>]]>", 1)
        return h

    def send_raw(self, data):
        self.s.sendall(data)

    def rpc(self, body):
        self.mid += 1
        msg = ('<rpc xmlns="%s" message-id="%d">%s</rpc>' % (NC, self.mid, body)).encode()
        self.s.sendall(b"\n#%d\n" % len(msg) + msg + b"\n##\n")
        out = b""
        while True:
            while b"\n" not in self.buf[1:] or not self.buf.startswith(b"\n#"):
                chunk = self.s.recv(65536)
                if not chunk:
                    raise EOFError("closed")
                self.buf += chunk
            if self.buf.startswith(b"\n##\n"):
                self.buf = self.buf[4:]
                return etree.fromstring(out)
            nl = self.buf.index(b"\n", 2)
            n = int(self.buf[2:nl])
            while len(self.buf) < nl + 1 + n:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise EOFError("closed")
                self.buf += chunk
            out += self.buf[nl + 1:nl + 1 + n]
            self.buf = self.buf[nl + 1 + n:]

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def session_users(c):
    r = c.rpc('<get><filter type="subtree"><netconf-state xmlns="%s"><sessions/></netconf-state>'
              '</filter></get>' % NCM)
    return [(s.findtext("{%s}username" % NCM),
             (s.findtext("{%s}transport" % NCM) or "").split(":")[-1])
            for s in r.iter("{%s}session" % NCM)]


def refused(pki, port, who):
    """Whether the handshake (or the hello right after it) fails."""
    try:
        c = TlsClient(pki, port, who)
        c.hello()
        c.close()
        return False
    except (ssl.SSLError, OSError, EOFError):
        return True


def test_trusted_clients_get_their_mapped_users(srv, pki):
    a = TlsClient(pki, srv.tls_port, "alice")
    assert b"base:1.1" in a.hello()
    b = TlsClient(pki, srv.tls_port, "bob")
    b.hello()
    users = session_users(a)
    assert ("alice", "netconf-tls") in users, users
    assert ("operator", "netconf-tls") in users, users
    r = b.rpc("<get-config><source><running/></source></get-config>")
    assert r.find("{%s}data" % NC) is not None
    a.close()
    b.close()


def test_nacm_sees_the_mapped_user(srv, pki):
    """A rule denying user operator's group writes holds for bob's cert."""
    root = srv.unix()
    r = root.rpc('<edit-config><target><running/></target><config><nacm xmlns='
                 '"urn:ietf:params:xml:ns:yang:ietf-netconf-acm"><write-default>permit'
                 '</write-default><groups><group><name>ops</name><user-name>operator'
                 '</user-name></group></groups><rule-list><name>ro</name><group>ops</group>'
                 '<rule><name>no-writes</name><module-name>*</module-name><access-operations>'
                 'create update delete</access-operations><action>deny</action></rule>'
                 '</rule-list></nacm></config></edit-config>')
    assert r.find("{%s}ok" % NC) is not None, etree.tostring(r)
    try:
        b = TlsClient(pki, srv.tls_port, "bob")
        b.hello()
        r = b.rpc('<edit-config><target><running/></target><config><networks xmlns="%s">'
                  '<network><network-id>t</network-id></network></networks></config>'
                  '</edit-config>' % NS["nw"])
        tags = [e.text for e in r.iter("{%s}error-tag" % NC)]
        assert tags == ["access-denied"], etree.tostring(r)
        a = TlsClient(pki, srv.tls_port, "alice")
        a.hello()
        r = a.rpc('<edit-config><target><running/></target><test-option>test-only'
                  '</test-option><config><networks xmlns="%s"><network><network-id>t'
                  '</network-id></network></networks></config></edit-config>' % NS["nw"])
        # alice is not in the group: whatever vnmd says of the edit, it is
        # not access control
        assert "access-denied" not in [e.text for e in r.iter("{%s}error-tag" % NC)], \
            etree.tostring(r)
        a.close()
        b.close()
    finally:
        root.rpc('<edit-config><target><running/></target><config><nacm xmlns="urn:ietf:'
                 'params:xml:ns:yang:ietf-netconf-acm" xmlns:nc="%s" nc:operation="remove"/>'
                 '</config></edit-config>' % NC)
        root.close()


@pytest.mark.parametrize("who", ["mallory", "old", None, "carol"])
def test_untrusted_expired_missing_and_unmapped_are_refused(srv, pki, who):
    assert refused(pki, srv.tls_port, who)
    assert srv.alive()


def test_a_silent_tls_client_holds_up_nobody(srv, pki):
    silent = [socket.create_connection(("127.0.0.1", srv.tls_port)) for _ in range(3)]
    try:
        t0 = time.time()
        c = srv.unix()
        c.rpc("<get-config><source><running/></source></get-config>")
        assert time.time() - t0 < 2.0
        c.close()
        a = TlsClient(pki, srv.tls_port, "alice")
        a.hello()
        a.close()
    finally:
        for s in silent:
            s.close()


def test_bad_framing_ends_only_that_session(srv, pki):
    a = TlsClient(pki, srv.tls_port, "alice")
    a.hello()
    b = TlsClient(pki, srv.tls_port, "alice")
    b.hello()
    a.send_raw(b"\n#-5\n<rpc/>")
    with pytest.raises((EOFError, OSError, ssl.SSLError)):
        a.rpc("<get-config><source><running/></source></get-config>")
    r = b.rpc("<get-config><source><running/></source></get-config>")
    assert r.find("{%s}data" % NC) is not None
    assert srv.alive()
    b.close()
