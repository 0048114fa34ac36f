"""tls_inspect peek: wardend answers a CONNECT, reads the TLS ClientHello
before connecting anywhere, and checks the server name (SNI) it carries
against the policy. Allowed hellos are spliced to the real HTTPS origin
(the client sees the origin's own certificate); a blocked name, a hello
without a name (tls_no_sni block), bytes that are not TLS (tls_non_tls
close) and hostile hellos get the connection closed. Names under
.localhost resolve to the loopback (RFC 6761)."""

import os
import socket
import time

from wardentest import check, check_eq, request_bytes, response, sha256
from wardentest import procs
from wardentest.tools import clean_env, s_client
from wardentest.util import LOCALHOST

CONF = """
list local_block local/block
group default {
    block local_block
    safe_search off
}
"""


def _wardend(env, **keys):
    n = env.nginx
    d = env.path("policy")
    if not os.path.exists(d):
        env.policy_dir(CONF, {"local/block/domains": "blocked.localhost\n"})
    keys.setdefault("policy_dir", d)
    keys.setdefault("tls_inspect", "peek")
    keys.setdefault("connect_ports", "443, %d" % n.https_port)
    return n, env.wardend(keys=keys)


def _connect(w, target):
    """A raw client connection through wardend's CONNECT to target; the
    200 already read."""
    s = socket.create_connection((LOCALHOST, w.port), timeout=10)
    s.sendall(request_bytes("CONNECT", target, [("Host", target)]))
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = s.recv(4096)
        check(b != b"", "closed before the CONNECT answer")
        buf += b
    check(buf.startswith(b"HTTP/1.1 200 "), "CONNECT answer: %r" % buf[:80])
    return s


CLOSE_REQ = b"GET /1k.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def _no_sni(w, n, ca):
    """openssl s_client through wardend without a server name."""
    argv = ["openssl", "s_client", "-proxy", "%s:%d" % (LOCALHOST, w.port),
            "-connect", "127.0.0.1:%d" % n.https_port, "-noservername", "-CAfile", ca,
            "-verify_return_error", "-verify_hostname", "localhost", "-ign_eof"]
    r = procs.run(argv, timeout=20, input=CLOSE_REQ, env=clean_env())
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def _closed(s, what, timeout=10):
    """The connection is closed by wardend without a byte of TLS."""
    s.settimeout(timeout)
    try:
        got = s.recv(4096)
    except ConnectionResetError:
        got = b""
    check_eq(got, b"", what + ": wardend closed the connection")
    s.close()


def test_peek_allowed_sni_spliced(env):
    n, w = _wardend(env)
    r = env.curl(n.https_url("/64k.bin", host="localhost"), proxy=w, cacert=True)
    check_eq((r.rc, r.connect_status, r.status), (0, 200, 200), "curl through a peeked CONNECT: " + r.describe())
    check_eq(sha256(r.body), env.content.sha["64k.bin"], "the body through the splice")
    # The client verified the origin's own certificate: nothing re-signed.
    rc, out, err = s_client("localhost:%d" % n.https_port, w.port, env.pki.ca_cert, send=CLOSE_REQ)
    check_eq(rc, 0, "s_client through the splice: " + err[-400:])
    check("Verify return code: 0 (ok)" in out, "the origin's chain verifies: " + out[-600:])
    w.wait_log(r"TCP_TUNNEL/200 \d+ CONNECT localhost:%d " % n.https_port)


def test_peek_blocked_sni_behind_allowed_connect(env):
    """CONNECT to an allowed name (or an address), SNI a blocked one: the
    name the client really talks to decides."""
    n, w = _wardend(env)
    for target in ("localhost:%d" % n.https_port, "127.0.0.1:%d" % n.https_port):
        rc, out, err = s_client(target, w.port, env.pki.ca_cert, servername="www.blocked.localhost",
                                send=CLOSE_REQ)
        check(rc != 0, "the handshake with SNI www.blocked.localhost through %s failed: %s" % (target, out[-300:]))
        line = w.wait_log(r"TCP_DENIED/200 \d+ CONNECT %s .* reason=block-domain " % target.replace(".", r"\."))
        check("verdict=block" in line, "logged as blocked: " + line)
    check(not any(e.get("scheme") == "https" for e in n.entries()), "a blocked hello reached the origin")
    # The same SNI to the blocked name itself is refused before any 200.
    s = socket.create_connection((LOCALHOST, w.port), timeout=10)
    s.sendall(request_bytes("CONNECT", "blocked.localhost:%d" % n.https_port,
                            [("Host", "blocked.localhost:%d" % n.https_port)]))
    check(s.recv(4096).startswith(b"HTTP/1.1 403 "), "CONNECT to the blocked name: 403")
    s.close()


def test_peek_no_sni(env):
    n, w = _wardend(env)
    rc, out, err = _no_sni(w, n, env.pki.ca_cert)
    check_eq(rc, 0, "tls_no_sni splice (the default): " + err[-400:])
    check("Verify return code: 0 (ok)" in out, "the origin's chain: " + out[-400:])
    n2, w2 = _wardend(env, tls_no_sni="block")
    rc, out, err = _no_sni(w2, n, env.pki.ca_cert)
    check(rc != 0, "tls_no_sni block: the handshake failed")
    w2.wait_log(r"TCP_DENIED/200 \d+ CONNECT 127\.0\.0\.1:%d .* reason=block-tls " % n.https_port)


def test_peek_not_tls(env):
    o = env.scripted({"/plain": response(200, b"plain over CONNECT", [("Content-Type", "text/plain")])})
    n, w = _wardend(env, connect_ports="443, %d" % o.port)
    s = _connect(w, o.authority)
    s.sendall(request_bytes("GET", "/plain", [("Host", o.authority)]))
    _closed(s, "HTTP on a CONNECT tunnel (tls_non_tls close)")
    w.wait_log(r"TCP_DENIED/200 \d+ CONNECT %s .* reason=block-tls " % o.authority.replace(".", r"\."))
    check_eq(o.nconns(), 0, "connections that reached the origin")
    n, w2 = _wardend(env, connect_ports="443, %d" % o.port, tls_non_tls="tunnel")
    s = _connect(w2, o.authority)
    s.sendall(request_bytes("GET", "/plain", [("Host", o.authority)]))
    s.settimeout(10)
    got = b""
    while b"plain over CONNECT" not in got:
        b = s.recv(4096)
        if not b:
            break
        got += b
    s.close()
    check(b"plain over CONNECT" in got, "tls_non_tls tunnel passes it on: %r" % got[:200])


def test_peek_hostile_hellos(env):
    n, w = _wardend(env, client_header_timeout="2s")
    target = "localhost:%d" % n.https_port
    hostile = [
        b"\x16\x03\x01\xff\xff" + b"\x01" * 64,                  # a record longer than 2^14
        b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00",             # a ServerHello
        b"\x16\x03\x01\x00\x08\x01\x00\xff\xff" + b"\x03\x03\x00\x00",  # a hello longer than its record
        b"\x16\x03\x00\x00\x04\x01\x00\x00\x00",                 # SSL 3.0
        b"\x80\x2e\x01\x00\x02",                                   # SSLv2
    ]
    for h in hostile:
        s = _connect(w, target)
        s.sendall(h)
        _closed(s, "hostile hello %r" % h[:12])
    # Half a hello, then nothing: closed after client_header_timeout.
    s = _connect(w, target)
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    t0 = time.monotonic()
    _closed(s, "a hello cut short", timeout=15)
    check(time.monotonic() - t0 < 10, "the cut hello was closed in time")
    # Still serving.
    r = env.curl(n.https_url("/1k.bin", host="localhost"), proxy=w, cacert=True)
    check_eq((r.rc, r.status), (0, 200), "after hostile hellos: " + r.describe())
