"""tls_inspect on: wardend verifies the HTTPS origin's certificate (the
test origin's CA given as tls_upstream_ca_file), shows the client a
certificate forged from the local root CA that wardenctl made, and
filters the decrypted requests like plain HTTP: the block page and the
response phase over TLS, https:// URLs in the log, keep-alive inside the
tunnel. Origins whose certificates do not verify are refused, never
re-signed. Names under .localhost resolve to the loopback (RFC 6761)."""

import os
import re
import socket
import ssl

from wardentest import check, check_eq, request_bytes, sha256
from wardentest.tools import s_client
from wardentest.util import LOCALHOST

CONF = """
list local_block local/block
list splice local/splice
phrases test phrases/test
group default {
    block local_block
    phrase_lists test
    tls_splice splice
    safe_search off
}
"""


def _policy(env):
    d = env.path("policy")
    if not os.path.exists(d):
        env.policy_dir(CONF, {"local/block/urls": "localhost/secret\n",
                              "local/splice/domains": "spliced.localhost\n",
                              "phrases/test/weighted": "<jackpot><60>\n"})
    return d


def _wardend(env, **keys):
    n = env.nginx
    ca = env.local_ca()
    keys.setdefault("policy_dir", _policy(env))
    keys.setdefault("tls_inspect", "on")
    keys.setdefault("tls_upstream_ca_file", env.pki.ca_cert)
    keys.setdefault("connect_ports", "443, %d" % n.https_port)
    return n, env.wardend(keys=keys), ca


def _page(env, name, data):
    return env.content.put("t78/%s/%s" % (env.name, name), data)


def test_bump_fetch_through_forged_certificate(env):
    n, w, ca = _wardend(env)
    url = n.https_url("/64k.bin", host="localhost")
    r = env.curl(url, proxy=w, cacert=ca)
    check_eq((r.rc, r.connect_status, r.status), (0, 200, 200), "curl through inspection: " + r.describe())
    check_eq(sha256(r.body), env.content.sha["64k.bin"], "the body, decrypted and encrypted again")
    w.wait_log(r"TCP_BUMP/200 \d+ CONNECT localhost:%d " % n.https_port)
    w.wait_log(r"TCP_MISS/200 \d+ GET https://localhost:%d/64k\.bin " % n.https_port)
    # The certificate the client sees is Warden's, mirroring the origin's.
    rc, out, err = s_client("localhost:%d" % n.https_port, w.port, ca,
                            send=b"GET /1k.bin HTTP/1.1\r\nHost: localhost:%d\r\nConnection: close\r\n\r\n"
                            % n.https_port)
    check_eq(rc, 0, "s_client with the Warden CA: " + err[-300:])
    check("Verify return code: 0 (ok)" in out, "the forged chain verifies: " + out[-500:])
    check(re.search(r"issuer=.*Warden local CA", out), "issued by the local CA: " + out[:1500])
    check("HTTP/1.1 200 OK" in out, "the response inside: " + out[-300:])
    # The client that does not trust the local CA refuses the handshake.
    r = env.curl(n.https_url("/1k.bin", host="localhost"), proxy=w, cacert=env.pki.ca_cert)
    check_eq(r.rc, 60, "a client without the local CA: " + r.describe())
    w.wait_log(r"TCP_BUMP_ABORTED/200 \d+ CONNECT localhost:%d " % n.https_port)


def test_bump_keepalive_and_policy_inside(env):
    n, w, ca = _wardend(env)
    blocked = n.https_url("/secret/x.html", host="localhost")
    page = _page(env, "jackpot.html", b"<html><body>jackpot jackpot</body></html>\n")
    ok = n.https_url("/1k.bin", host="localhost")
    # Three requests on one inspected connection (curl takes the URLs
    # in order; the first one's body is r.body).
    r = env.curl(ok, proxy=w, cacert=ca, args=["-o", "/dev/null", "-o", "/dev/null", blocked,
                                                n.https_url(page, host="localhost")])
    statuses = [int(b[0].split()[1]) for b in r.blocks]
    check_eq(statuses, [200, 403, 403, 200], "CONNECT, then 403 (URL list), 403 (phrases), 200: %r" % r.blocks)
    check(b"/secret/x.html" in r.body and b"block" in r.body.lower(),
          "the block page over TLS names the URL: %r" % r.body[:400])
    w.wait_log(r"TCP_DENIED/403 \d+ GET https://localhost:%d/secret/x\.html .* reason=block-url " % n.https_port)
    w.wait_log(r"TCP_DENIED/403 \d+ GET https://localhost:%d%s .* reason=block-phrase " % (n.https_port, re.escape(page)))
    w.wait_log(r"TCP_MISS/200 \d+ GET https://localhost:%d/1k\.bin " % n.https_port)
    check_eq(len([l for l in w.log_lines() if " CONNECT " in l]), 1, "one CONNECT for the three requests")


def test_bump_misdirected_request(env):
    n, w, ca = _wardend(env)
    s = socket.create_connection((LOCALHOST, w.port), timeout=10)
    target = "localhost:%d" % n.https_port
    s.sendall(request_bytes("CONNECT", target, [("Host", target)]))
    check(s.recv(4096).startswith(b"HTTP/1.1 200 "), "CONNECT answered")
    ctx = ssl.create_default_context(cafile=ca)
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.sendall(b"GET /1k.bin HTTP/1.1\r\nHost: other.localhost:%d\r\n\r\n" % n.https_port)
    got = t.recv(4096)
    check(got.startswith(b"HTTP/1.1 421 "), "a request for another host inside the tunnel: %r" % got[:100])
    t.close()


def test_bump_origin_certificate_refused(env):
    """An origin whose certificate does not verify is never re-signed: the
    client gets Warden's page saying exactly what is wrong, under a
    certificate that names the host only, and nothing reaches the origin."""
    n, w, ca = _wardend(env, tls_upstream_ca_file="none")
    # The test origin's CA is not in the system's store.
    r = env.curl(n.https_url("/1k.bin", host="localhost"), proxy=w, cacert=ca)
    check_eq((r.rc, r.status), (0, 502), "an origin that does not verify: " + r.describe())
    check_eq(r.header("X-Warden-Error"), "tls-failed", "X-Warden-Error")
    check(b"unable to get local issuer certificate" in r.body, "the page says why: %r" % r.body[:600])
    w.wait_log(r"TCP_DENIED/200 \d+ CONNECT localhost:%d .* reason=block-tls " % n.https_port)
    w.wait_log(r"TCP_DENIED/502 \d+ GET https://localhost:%d/1k\.bin " % n.https_port)
    check(not any(e.get("uri") == "/1k.bin" and e.get("scheme") == "https" for e in n.entries()),
          "the request reached an origin that was not verified")
    # A name the origin's certificate does not carry.
    n2, w2, ca2 = _wardend(env)
    r = env.curl("https://wrong.localhost:%d/1k.bin" % n.https_port, proxy=w2, cacert=ca2)
    check_eq((r.rc, r.status), (0, 502), "a wrong name: " + r.describe())
    check(b"hostname mismatch" in r.body.lower() or b"Hostname mismatch" in r.body,
          "the page says hostname mismatch: %r" % r.body[:600])


def test_bump_blocked_site_gets_the_block_page(env):
    """A blocked HTTPS site gets the real block page over TLS, without the
    origin ever being contacted: by the CONNECT's name, and by the TLS
    server name behind an allowed CONNECT."""
    with open(os.path.join(_policy(env), "local/block/domains"), "w") as f:
        f.write("blocked.localhost\n")
    n, w, ca = _wardend(env)
    r = env.curl("https://www.blocked.localhost:%d/page" % n.https_port, proxy=w, cacert=ca)
    check_eq((r.rc, r.connect_status, r.status), (0, 200, 403), "a blocked HTTPS site: " + r.describe())
    check_eq(r.header("X-Warden-Error"), "blocked", "X-Warden-Error")
    check(b"www.blocked.localhost" in r.body, "the block page names the URL: %r" % r.body[:600])
    w.wait_log(r"TCP_DENIED/403 \d+ GET https://www\.blocked\.localhost:%d/page .* reason=block-domain "
               % n.https_port)
    # CONNECT to an allowed name, TLS to a blocked one.
    rc, out, err = s_client("localhost:%d" % n.https_port, w.port, ca, servername="blocked.localhost",
                            send=b"GET /x HTTP/1.1\r\nHost: blocked.localhost:%d\r\nConnection: close\r\n\r\n"
                            % n.https_port)
    check("HTTP/1.1 403 " in out, "the block page behind an allowed CONNECT: " + out[-800:])
    check(not any(e.get("scheme") == "https" for e in n.entries()), "a blocked site's origin was contacted")


def test_bump_spliced_host_keeps_its_certificate(env):
    """A host in a tls_splice list is tunnelled untouched: the client sees
    the origin's own certificate, not a forged one."""
    n, w, ca = _wardend(env)
    target = "www.spliced.localhost:%d" % n.https_port
    rc, out, err = s_client(target, w.port, env.pki.ca_cert, servername="www.spliced.localhost",
                            send=b"GET /1k.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    check_eq(rc, 0, "s_client to a spliced host with the origin's CA: " + err[-300:])
    check("Warden local CA" not in out, "a spliced host got a forged certificate: " + out[:1200])
    w.wait_log(r"TCP_TUNNEL/200 \d+ CONNECT %s " % re.escape(target))
    # And a host that is not in the list is inspected.
    rc, out, err = s_client("localhost:%d" % n.https_port, w.port, ca,
                            send=b"GET /1k.bin HTTP/1.1\r\nHost: localhost:%d\r\nConnection: close\r\n\r\n"
                            % n.https_port)
    check(re.search(r"issuer=.*Warden local CA", out), "localhost is inspected: " + out[:1200])


def test_bump_pinned_host_spliced_for_a_while(env):
    """tls_pin_splice: after a client refused the inspection certificate
    for a host, that host is tunnelled untouched (the origin's own
    certificate) until the time runs out."""
    n, w, ca = _wardend(env, tls_pin_splice="1h")
    url = n.https_url("/1k.bin", host="localhost")
    # A client that trusts only the origin's CA: refuses Warden's.
    r = env.curl(url, proxy=w, cacert=env.pki.ca_cert)
    check_eq(r.rc, 60, "the first connection is inspected and refused: " + r.describe())
    w.wait_log(r"TCP_BUMP_ABORTED/200 \d+ CONNECT localhost:%d " % n.https_port)
    # Now spliced: the same client gets the origin's certificate.
    r = env.curl(url, proxy=w, cacert=env.pki.ca_cert)
    check_eq((r.rc, r.status), (0, 200), "then spliced: " + r.describe())
    check_eq(sha256(r.body), env.content.sha["1k.bin"], "the body through the splice")
    w.wait_stderr(r"localhost spliced: a client refused its inspection certificate recently")
    w.wait_log(r"TCP_TUNNEL/200 \d+ CONNECT localhost:%d " % n.https_port)


def test_bump_upstream_sessions_resumed(env):
    """A second inspected connection to the same origin resumes the TLS
    session of the first (nginx logs it as reused) instead of a full
    handshake."""
    n, w, ca = _wardend(env, workers="1")
    for i in range(3):
        r = env.curl(n.https_url("/1k.bin?%d" % i, host="localhost"), proxy=w, cacert=ca,
                     args=["--no-keepalive"])
        check_eq((r.rc, r.status), (0, 200), "inspected fetch %d: %s" % (i, r.describe()))
    entries = [e for e in n.entries() if e.get("uri", "").startswith("/1k.bin?")]
    check_eq(len(entries), 3, "requests at the origin")
    check_eq(entries[0]["ssl_reused"], ".", "the first is a full handshake")
    check("r" in [e["ssl_reused"] for e in entries[1:]], "a later one resumed: %r" % entries)


def test_bump_blocked_connect_never_tunnelled(env):
    """A blocked CONNECT answered 200 (for the block page over TLS) is not
    tunnelled when what follows is not TLS, even with tls_non_tls tunnel;
    and a blocked name too long for a certificate's CN still gets its
    block page."""
    from wardentest.origins import ScriptedOrigin  # noqa: F401
    long_name = "a" * 60 + ".blocked.localhost"
    with open(os.path.join(_policy(env), "local/block/domains"), "w") as f:
        f.write("blocked.localhost\n")
    o = env.scripted({"/secret": b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret"})
    n, w, ca = _wardend(env, tls_non_tls="tunnel", connect_ports="443, %d, %d" % (o.port, env.nginx.https_port))
    s = socket.create_connection((LOCALHOST, w.port), timeout=10)
    target = "blocked.localhost:%d" % o.port
    s.sendall(request_bytes("CONNECT", target, [("Host", target)]))
    check(s.recv(4096).startswith(b"HTTP/1.1 200 "), "CONNECT answered")
    s.sendall(b"GET /secret HTTP/1.1\r\nHost: blocked.localhost\r\n\r\n")
    s.settimeout(10)
    got = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except ConnectionResetError:
        pass
    s.close()
    check(b"secret" not in got, "the blocked origin answered through the tunnel: %r" % got[:200])
    check_eq(o.nconns(), 0, "connections that reached the blocked origin")
    r = env.curl("https://%s:%d/x" % (long_name, n.https_port), proxy=w, cacert=ca)
    check_eq((r.rc, r.status), (0, 403), "a long blocked name gets the block page: " + r.describe())


def test_bump_pin_needs_a_certificate_alert(env):
    """A client that only hangs up during the handshake does not make a
    host spliced (anyone could): only a certificate alert does."""
    n, w, ca = _wardend(env, tls_pin_splice="1h")
    target = "localhost:%d" % n.https_port
    s = socket.create_connection((LOCALHOST, w.port), timeout=10)
    s.sendall(request_bytes("CONNECT", target, [("Host", target)]))
    check(s.recv(4096).startswith(b"HTTP/1.1 200 "), "CONNECT answered")
    t = ssl.create_default_context().wrap_socket(s, server_hostname="localhost",
                                                 do_handshake_on_connect=False)
    t.setblocking(False)
    try:
        t.do_handshake()        # sends the ClientHello, then gives up
    except ssl.SSLWantReadError:
        pass
    t.close()
    w.wait_log(r"TCP_BUMP_ABORTED/200 \d+ CONNECT %s " % re.escape(target))
    # Still inspected: a client trusting only the origin's CA refuses.
    r = env.curl(n.https_url("/1k.bin", host="localhost"), proxy=w, cacert=env.pki.ca_cert)
    check_eq(r.rc, 60, "the host is still inspected after a hang-up: " + r.describe())


def test_bump_blocked_site_certificate_reused(env):
    """The certificate Warden shows for a blocked site is made once and
    reused (one signature, one forge cache entry), not per connection."""
    with open(os.path.join(_policy(env), "local/block/domains"), "w") as f:
        f.write("blocked.localhost\n")
    n, w, ca = _wardend(env)
    certs = []
    for i in range(2):
        rc, out, err = s_client("blocked.localhost:%d" % n.https_port, w.port, ca,
                                servername="blocked.localhost",
                                send=b"GET / HTTP/1.1\r\nHost: blocked.localhost:%d\r\nConnection: close\r\n\r\n"
                                % n.https_port)
        m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
        check(m is not None and "HTTP/1.1 403 " in out, "the block page over TLS: " + out[-600:])
        certs.append(m.group(0))
    check_eq(certs[0], certs[1], "the same certificate for the blocked site twice")


def test_bump_first_request_uses_the_verified_connection(env):
    """The connection on which the origin's certificate was verified
    carries the first request inside, even when nothing may be pooled:
    no second handshake per inspected connection."""
    n, w, ca = _wardend(env, upstream_pool_max="0", workers="1")
    for i in range(3):
        r = env.curl(n.https_url("/1k.bin?first%d" % i, host="localhost"), proxy=w, cacert=ca)
        check_eq((r.rc, r.status), (0, 200), "inspected fetch %d: %s" % (i, r.describe()))
    ids = [int(e["connection"]) for e in n.entries() if e.get("uri", "").startswith("/1k.bin?first")]
    check_eq(len(ids), 3, "requests at the origin")
    check_eq([b - a for a, b in zip(ids, ids[1:])], [1, 1],
             "one origin connection per inspected connection (nginx connection ids %r)" % ids)
