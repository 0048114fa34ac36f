"""CONNECT tunnels to the HTTPS origin (the client verifies the origin's
own certificate through the tunnel), CONNECT refusals, and WebSocket."""

import re

from wardentest import (check, check_eq, request_bytes, sha256, show, ws_accept,
                        ws_frame, ws_key, ws_read_frame)
from wardentest.checks import squid_line
from wardentest.tools import s_client


def _tunnel_wardend(env, **keys):
    n = env.nginx
    keys.setdefault("connect_ports", "443, %d" % n.https_port)
    return n, env.wardend(keys=keys)


def test_connect_https_curl(env):
    n, w = _tunnel_wardend(env)
    r = env.curl(n.https_url("/64k.bin", host="localhost"), proxy=w, cacert=True)
    check_eq((r.rc, r.connect_status, r.status), (0, 200, 200), "curl through CONNECT: " + r.describe())
    check_eq(sha256(r.body), env.content.sha["64k.bin"], "body sha256 through the tunnel")
    e = n.wait_path("/64k.bin")
    check_eq(e["scheme"], "https", "nginx served it over TLS")
    w.wait_log(squid_line("TCP_TUNNEL", 200, "CONNECT", "localhost:%d" % n.https_port))


def test_connect_https_by_ip_10m(env):
    n, w = _tunnel_wardend(env)
    r = env.curl(n.https_url("/10m.bin"), proxy=w, cacert=True)
    check_eq((r.rc, r.connect_status, r.status), (0, 200, 200), "curl through CONNECT: " + r.describe())
    check_eq(sha256(r.body), env.content.sha["10m.bin"], "10 MiB through the tunnel")
    w.wait_log(squid_line("TCP_TUNNEL", 200, "CONNECT", "127.0.0.1:%d" % n.https_port))


def test_connect_origin_certificate_checked_by_client(env):
    """The tunnel is transparent: a client trusting another CA refuses the
    origin's certificate (curl exit 60), as it would without a proxy."""
    n, w = _tunnel_wardend(env)
    r = env.curl(n.https_url("/1k.bin"), proxy=w, cacert=env.pki.other_ca_cert)
    check_eq((r.connect_status, r.rc), (200, 60), "curl with an unrelated CA: " + r.describe())


def test_connect_s_client(env):
    n, w = _tunnel_wardend(env)
    rc, out, err = s_client(n.https_authority, w.port, env.pki.ca_cert, send=(
        b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
    check(rc == 0, "openssl s_client -proxy exit %d: %s" % (rc, err[-600:]))
    check("Verify return code: 0 (ok)" in out, "certificate not verified: %s" % out[-800:])
    check("HTTP/1.1 200 OK" in out and "integration test origin index" in out,
          "no page through the tunnel: %s" % out[-800:])


def test_connect_port_not_allowed_403(env):
    """CONNECT to a port outside connect_ports: 403, and wardend connects
    nowhere."""
    o = env.scripted()
    w = env.wardend(keys={"connect_ports": "443"})
    r = env.curl("https://%s/" % o.authority, proxy=w, cacert=True)
    check_eq(r.connect_status, 403, "CONNECT status: " + r.describe())
    check(r.rc != 0, "curl succeeded")
    check_eq(o.nconns(), 0, "connections the origin got")
    w.wait_log(squid_line("TCP_DENIED", 403, "CONNECT", o.authority))


def _ws_handshake(c, o, key, extra=()):
    c.send(request_bytes("GET", o.url("/chat"), [
        ("Host", o.authority), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")] + list(extra)))
    return c.read_response()


def test_websocket_echo(env):
    o = env.ws_echo()
    w = env.wardend(keys={"websocket": "on"})
    c = env.conn(w.port)
    key = ws_key()
    r = _ws_handshake(c, o, key)
    check_eq(r.status, 101, "upgrade through wardend (head %s)" % show(r.head))
    check_eq(r.header("Sec-WebSocket-Accept"), ws_accept(key), "Sec-WebSocket-Accept")
    check((r.header("Upgrade") or "").lower() == "websocket", "Upgrade in the 101: %s" % show(r.head))
    check(r.has_token("Connection", "upgrade"), "Connection: Upgrade in the 101: %s" % show(r.head))
    reader = lambda k: c.read_exact(k)   # noqa: E731
    for payload, opcode in ((b"hello through warden", 1), (bytes(range(256)) * 300, 2), (b"", 1)):
        c.send(ws_frame(payload, opcode=opcode))
        f = ws_read_frame(reader)
        check(f is not None, "no echo for a %d-byte frame" % len(payload))
        check_eq((f[1], f[2], f[3]), (opcode, payload, False), "echoed frame")
    c.send(ws_frame(b"\x03\xe8bye", opcode=8))
    f = ws_read_frame(reader)
    check(f is not None and f[1] == 8, "close frame back: %r" % (f,))
    head = o.all_requests()[0][1].decode("latin-1")
    check(re.search(r"(?im)^upgrade:[ \t]*websocket\r$", head), "origin got no Upgrade: %r" % head)
    check(re.search(r"(?im)^sec-websocket-key:[ \t]*%s\r$" % re.escape(key), head),
          "origin got no Sec-WebSocket-Key: %r" % head)


def test_websocket_off(env):
    """websocket off: the upgrade is not passed on (the origin sees no
    Upgrade, the client no 101)."""
    o = env.ws_echo()
    w = env.wardend(keys={"websocket": "off"})
    c = env.conn(w.port)
    r = _ws_handshake(c, o, ws_key())
    check(r.status != 101, "got 101 with websocket off")
    for _, head, _ in o.all_requests():
        check(not re.search(rb"(?im)^upgrade:", head), "origin got Upgrade: %s" % show(head))
