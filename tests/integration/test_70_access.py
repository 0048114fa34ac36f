"""Who may use the proxy (allow_clients), and the access log's format."""

import re

from wardentest import check, check_eq, request_bytes, show
from wardentest.checks import error_page, squid_line


def test_client_network_not_allowed_403(env):
    """allow_clients 10.0.0.0/8 and a client on 127.0.0.1: 403 page, logged
    TCP_DENIED/403, and nginx never sees the request."""
    n = env.nginx
    w = env.wardend(keys={"allow_clients": "10.0.0.0/8"})
    c = env.conn(w.port)
    c.send(request_bytes("GET", n.url("/denied-70.html"), [("Host", n.authority)]))
    r = c.read_response()
    error_page(c, r, 403)
    w.wait_log(squid_line("TCP_DENIED", 403, "GET", n.url("/denied-70.html")))
    r = env.curl(n.url("/index.html"), proxy=w)
    check_eq(r.status, 403, "curl from a network not allowed: " + r.describe())
    check(not n.saw("/denied-70.html") and not n.saw("/index.html"),
          "nginx got a request from a client that is not allowed: %s" % n.entries())


def test_client_network_not_allowed_connect_403(env):
    n = env.nginx
    w = env.wardend(keys={"allow_clients": "10.0.0.0/8, 192.168.0.0/16",
                          "connect_ports": str(n.https_port)})
    r = env.curl(n.https_url("/index.html"), proxy=w, cacert=True)
    check_eq(r.connect_status, 403, "CONNECT from a network not allowed: " + r.describe())
    w.wait_log(squid_line("TCP_DENIED", 403, "CONNECT", n.https_authority))
    check_eq(n.entries(), [], "nginx access log")


def test_client_network_allowed_by_list(env):
    """The client's network anywhere in a list (comma and space separated)."""
    n = env.nginx
    w = env.wardend(keys={"allow_clients": "10.0.0.0/8 192.168.0.0/16, 127.0.0.1"})
    r = env.curl(n.url("/1k.bin"), proxy=w)
    check_eq((r.rc, r.status), (0, 200), "curl: " + r.describe())


def test_access_log_fields(env):
    """One line per transaction, Squid native format, in order; a
    client-supplied URL cannot break a line apart."""
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    urls = [n.url("/1k.bin"), n.url("/index.html"), n.url("/missing%20file")]
    for u in urls:
        c.send(request_bytes("GET", u, [("Host", n.authority)]))
        c.read_response()
    want = [squid_line("TCP_MISS", 200, "GET", urls[0], peer="127.0.0.1",
                       ctype="application/octet-stream"),
            squid_line("TCP_MISS", 200, "GET", urls[1], peer="127.0.0.1", ctype="text/html"),
            squid_line("TCP_MISS", 404, "GET", urls[2], peer="127.0.0.1")]
    w.wait_log(want[2])
    lines = [l for l in w.log_lines() if " GET " in l]
    check_eq(len(lines), 3, "access log lines: %s" % lines)
    for l, rx in zip(lines, want):
        check(re.search(rx, l), "access log line %r does not match %r" % (l, rx))
    for l in lines:
        f = l.split()
        # Squid's ten fields, then the policy's eight (doc/access-log.md).
        check_eq(len(f), 18, "fields in %r" % l)
        check(re.fullmatch(r"\d+\.\d{3}", f[0]) and f[1].isdigit(), "time and elapsed: %r" % l)
        check_eq([x.split("=")[0] for x in f[10:]],
                 ["group", "verdict", "reason", "category", "id", "declared", "sniffed", "score"],
                 "policy fields in %r" % l)


def test_access_log_bad_request_line(env):
    """An unparseable request is logged NONE_NONE/400 on one line, and the
    bytes the client sent cannot forge a second line."""
    w = env.wardend()
    c = env.conn(w.port)
    c.send(b"GET /\x01x\r\n1700000000.000 1 6.6.6.6 TCP_MISS/200 1 GET http://forged/ - HIER_DIRECT/1.1.1.1 -\r\n\r\n")
    r = c.read_response()
    check_eq(r.status, 400, "status (head %s)" % show(r.head))
    w.wait_log(r" NONE_NONE/400 ")
    check(not any("forged" in l or "6.6.6.6" in l for l in w.log_lines()),
          "a forged access log line: %s" % w.log_lines())
