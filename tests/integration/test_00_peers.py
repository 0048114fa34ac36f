"""The peers alone, without wardend: when one of these fails, the fault is
in the test machinery or the machine (an nginx package change, openssl),
not in wardend."""

import os
import time

from wardentest import (check, check_eq, chunk, request_bytes, response, sha256,
                        sha256_file, timeout, ws_accept, ws_frame, ws_key, ws_read_frame)
from wardentest.tools import s_client


def test_peer_nginx_http(env):
    n = env.nginx
    for name in ("1k.bin", "64k.bin", "10m.bin", "index.html"):
        r = env.curl(n.url("/" + name))
        check_eq((r.rc, r.status), (0, 200), "curl %s: %s" % (name, r.describe()))
        check_eq(sha256(r.body), env.content.sha[name], "sha256 of " + name)
    e = n.wait_path("/10m.bin")
    check_eq(e["status"], "200", "nginx logged status")


def test_peer_nginx_https(env):
    n = env.nginx
    r = env.curl(n.https_url("/64k.bin", host="localhost"), cacert=True)
    check_eq((r.rc, r.status), (0, 200), "curl https: " + r.describe())
    check_eq(sha256(r.body), env.content.sha["64k.bin"], "sha256 over https")
    r = env.curl(n.https_url("/1k.bin"), cacert=True, args=["--tlsv1.2", "--tls-max", "1.2"])
    check_eq((r.rc, r.status), (0, 200), "TLS 1.2 by IP: " + r.describe())
    r = env.curl(n.https_url("/1k.bin"), cacert=env.pki.other_ca_cert)
    check_eq(r.rc, 60, "curl with an unrelated CA must fail verification: " + r.describe())
    rc, out, err = s_client(n.https_authority, None, env.pki.ca_cert,
                            send=b"GET /1k.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    check(rc == 0 and "Verify return code: 0 (ok)" in out and "HTTP/1.1 200 OK" in out,
          "s_client direct: rc %d, %s %s" % (rc, out[-800:], err[-400:]))


def test_peer_nginx_keepalive_log(env):
    n = env.nginx
    c = env.conn(n.http_port)
    for p in ("/1k.bin", "/index.html"):
        c.send(request_bytes("GET", p, [("Host", n.authority)]))
        r = c.read_response()
        check_eq(r.status, 200, "status of " + p)
    a, b = n.wait_path("/1k.bin"), n.wait_path("/index.html")
    check_eq(a["connection"], b["connection"], "nginx $connection of two requests on one connection")
    check_eq((a["connection_requests"], b["connection_requests"]), ("1", "2"), "$connection_requests")


def test_peer_nginx_chunked_response(env):
    n = env.nginx
    c = env.conn(n.http_port)
    c.send(request_bytes("GET", "/chunked/page.html", [("Host", n.authority)]))
    r = c.read_response()
    check_eq((r.status, r.framing, r.complete), (200, "chunked", True), "nginx chunked page")
    check_eq(r.body, env.content.chunked_expected, "chunked page body")


@timeout(120)
def test_peer_nginx_uploads(env):
    n, f = env.nginx, env.content.upload_file
    r = env.curl(n.url("/dav/put.bin"), args=["-T", f])
    check_eq((r.rc, r.status), (0, 201), "PUT 100 MiB: " + r.describe())
    check_eq(sha256_file(n.upload_path("/dav/put.bin")), env.content.upload_sha, "stored PUT")
    r = env.curl(n.url("/post/post.bin"), args=["--data-binary", "@" + f,
                                                "-H", "Content-Type: application/octet-stream"])
    check_eq((r.rc, r.status), (0, 201), "POST 100 MiB: " + r.describe())
    check_eq(sha256_file(n.upload_path("/post/post.bin")), env.content.upload_sha, "stored POST")
    small = os.path.join(env.content.docroot, "10m.bin")
    r = env.curl(n.url("/dav/chunked.bin"), args=["-T", small, "-H", "Transfer-Encoding: chunked"])
    check_eq((r.rc, r.status), (0, 201), "chunked PUT: " + r.describe())
    check_eq(sha256_file(n.upload_path("/dav/chunked.bin")), env.content.sha["10m.bin"], "stored chunked PUT")
    e = n.wait_path("/dav/chunked.bin")
    check_eq(e["te"], "chunked", "nginx saw Transfer-Encoding")


def test_peer_scripted_origin(env):
    o = env.scripted({"/a": response(200, b"A"),
                      "/raw": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              + chunk(b"hello", b";ext=1") + b"0\r\nX-T: 1\r\n\r\n"})
    c = env.conn(o.port)
    c.send(request_bytes("POST", "/a", [("Host", o.authority), ("Transfer-Encoding", "chunked")],
                         chunk(b"abc") + chunk(b"defg") + b"0\r\n\r\n"))
    check_eq(c.read_response().body, b"A", "scripted /a")
    c.send(request_bytes("GET", "/raw", [("Host", o.authority)]))
    r = c.read_response()
    check_eq((r.body, r.complete, r.trailers), (b"hello", True, [b"X-T: 1"]), "chunked with trailer")
    c.send(request_bytes("GET", "/none", [("Host", o.authority)]))
    check_eq(c.read_response().status, 404, "unscripted path")
    reqs = o.all_requests()
    check_eq([(n, h.split(b" ")[1], b) for n, h, b in reqs],
             [(0, b"/a", b"abcdefg"), (0, b"/raw", b""), (0, b"/none", b"")], "recorded requests")


def test_peer_black_hole(env):
    o = env.black_hole()
    c = env.conn(o.port, timeout=1.0)
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    t = time.monotonic()
    check(not c.at_eof(1.0), "black hole closed the connection")
    check(time.monotonic() - t >= 0.9, "black hole answered")


def test_peer_websocket_origin(env):
    o = env.ws_echo()
    c = env.conn(o.port)
    key = ws_key()
    c.send(request_bytes("GET", "/echo", [("Host", o.authority), ("Upgrade", "websocket"),
                                          ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key),
                                          ("Sec-WebSocket-Version", "13")]))
    r = c.read_response()
    check_eq((r.status, r.header("Sec-WebSocket-Accept")), (101, ws_accept(key)), "handshake")
    c.send(ws_frame(b"hello warden"))
    f = ws_read_frame(lambda k: c.read_exact(k))
    check(f is not None and f[1:3] == (1, b"hello warden"), "echo frame: %r" % (f,))
    c2 = env.conn(o.port)
    c2.send(request_bytes("GET", "/echo", [("Host", o.authority)]))
    check_eq(c2.read_response().status, 426, "plain GET to the websocket origin")
