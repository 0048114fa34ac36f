"""Plain forwarding: GET and HEAD, chunked responses, keep-alive reuse seen
from the origin, pipelining, the headers wardend adds and removes, the
pages it answers itself, and what it refuses to forward (loops, schemes)."""

import re
import time

from wardentest import (check, check_eq, chunk, get, request_bytes, response,
                        sha256, show, timeout)
from wardentest.checks import error_page, squid_bytes, squid_line
from wardentest.wardend import version


def _ok(body=b"ok", ctype="text/plain"):
    return response(200, body, [("Content-Type", ctype)])


def test_get_small(env):
    n = env.nginx
    w = env.wardend()
    r = env.curl(n.url("/1k.bin"), proxy=w)
    check_eq((r.rc, r.status), (0, 200), "curl -x: " + r.describe())
    check_eq(sha256(r.body), env.content.sha["1k.bin"], "body sha256")
    line = w.wait_log(squid_line("TCP_MISS", 200, "GET", n.url("/1k.bin"),
                                 peer="127.0.0.1", ctype="application/octet-stream"))
    check(squid_bytes(line) >= 1024, "logged bytes %d < body size: %s" % (squid_bytes(line), line))
    n.wait_path("/1k.bin")


@timeout(60)
def test_get_10m(env):
    n = env.nginx
    w = env.wardend()
    r = env.curl(n.url("/10m.bin"), proxy=w)
    check_eq((r.rc, r.status), (0, 200), "curl -x: " + r.describe())
    check_eq(len(r.body), 10 * 1024 * 1024, "body length")
    check_eq(sha256(r.body), env.content.sha["10m.bin"], "body sha256")
    check_eq(r.header("Content-Length"), str(10 * 1024 * 1024), "Content-Length relayed")
    line = w.wait_log(squid_line("TCP_MISS", 200, "GET", n.url("/10m.bin")))
    check(squid_bytes(line) >= 10 * 1024 * 1024, "logged bytes too small: " + line)


def test_head_then_get_same_connection(env):
    """HEAD gets the headers a GET would (Content-Length of the file) and no
    body; a GET right after on the same connection is read correctly,
    which it would not be if a body had followed the HEAD response."""
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("HEAD", n.url("/10m.bin"), [("Host", n.authority)]))
    r = c.read_response("HEAD")
    check_eq(r.status, 200, "HEAD status")
    check_eq(r.header("Content-Length"), str(10 * 1024 * 1024), "HEAD Content-Length")
    time.sleep(0.3)
    check_eq(c.buf, b"", "bytes after the HEAD response")
    c.send(request_bytes("GET", n.url("/1k.bin"), [("Host", n.authority)]))
    r = c.read_response()
    check_eq(r.status, 200, "GET after HEAD")
    check_eq(sha256(r.body), env.content.sha["1k.bin"], "GET after HEAD: body sha256")
    w.wait_log(squid_line("TCP_MISS", 200, "HEAD", n.url("/10m.bin")))


def test_chunked_response_relayed(env):
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", n.url("/chunked/page.html"), [("Host", n.authority)]))
    r = c.read_response()
    check_eq(r.status, 200, "status")
    check(r.complete, "response incomplete (%s framing, %d bytes)" % (r.framing, len(r.body)))
    check_eq(r.body, env.content.chunked_expected, "chunked page body")
    # The same connection still works: the chunked body ended where it should.
    c.send(request_bytes("GET", n.url("/1k.bin"), [("Host", n.authority)]))
    check_eq(sha256(c.read_response().body), env.content.sha["1k.bin"], "next response")
    r = env.curl(n.url("/chunked/page.html"), proxy=w)
    check_eq((r.rc, r.status, r.body), (0, 200, env.content.chunked_expected), "curl: chunked page")


def test_chunked_response_extensions_and_trailers(env):
    """Chunk extensions and trailer fields from the origin do not corrupt
    the body the client gets, nor the next response."""
    body = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
            b"Trailer: X-Checksum\r\n\r\n"
            + chunk(b"hello ", b";name=value") + chunk(b"chunked ", b";x")
            + chunk(b"world") + b"0;last\r\nX-Checksum: 1234\r\n\r\n")
    o = env.scripted({"/ext": body, "/next": _ok(b"next-ok")})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/ext"), [("Host", o.authority)]))
    r = c.read_response()
    check_eq((r.status, r.complete, r.body), (200, True, b"hello chunked world"), "chunked response")
    c.send(request_bytes("GET", o.url("/next"), [("Host", o.authority)]))
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"next-ok"), "the next response on the connection")


def test_keepalive_reuse_seen_by_origin(env):
    """Two requests on one client connection reach nginx on one upstream
    connection (same $connection, $connection_requests 1 then 2)."""
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    for p in ("/1k.bin", "/64k.bin"):
        c.send(request_bytes("GET", n.url(p), [("Host", n.authority)]))
        r = c.read_response()
        check_eq((r.status, sha256(r.body)), (200, env.content.sha[p[1:]]), "GET " + p)
    a, b = n.wait_path("/1k.bin"), n.wait_path("/64k.bin")
    check_eq(a["connection"], b["connection"],
             "nginx $connection for two requests on one client connection (not reused upstream)")
    check_eq(int(b["connection_requests"]), int(a["connection_requests"]) + 1, "$connection_requests")


def test_pipelining_in_order(env):
    """Three requests in one write: three responses, in order, intact."""
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    paths = ["/64k.bin", "/index.html", "/1k.bin"]
    c.send(b"".join(request_bytes("GET", n.url(p), [("Host", n.authority)]) for p in paths))
    for p in paths:
        r = c.read_response()
        check_eq(r.status, 200, "pipelined GET %s" % p)
        check_eq(sha256(r.body), env.content.sha[p[1:]], "pipelined GET %s: body (order or framing)" % p)


def test_via_header(env):
    o = env.scripted({"/via": _ok()})
    w = env.wardend()
    v, _, _ = version(env.exe)
    check_eq(get(w.port, o.url("/via")).status, 200, "GET")
    head = o.heads()[0].decode("latin-1")
    via = re.findall(r"(?im)^via:[ \t]*(.*?)\r$", head)
    check_eq(len(via), 1, "Via fields the origin got (head %r)" % head)
    want = "1.1 %s (warden/%s)" % (w.hostname, v)
    check_eq(via[0], want, "Via")


def test_via_appended_to_existing(env):
    """A Via from an earlier proxy is kept, and ours added after it."""
    o = env.scripted({"/via": _ok()})
    w = env.wardend()
    check_eq(get(w.port, o.url("/via"), [("Via", "1.0 upstream.example")]).status, 200, "GET")
    head = o.heads()[0].decode("latin-1")
    vals = ", ".join(re.findall(r"(?im)^via:[ \t]*(.*?)\r$", head))
    check(re.fullmatch(r"1\.0 upstream\.example, 1\.1 %s \(warden/[^)]+\)" % re.escape(w.hostname), vals),
          "Via: %r" % vals)


def _xff(env, mode):
    o = env.scripted({"/xff": _ok()})
    w = env.wardend(keys={"x_forwarded_for": mode})
    check_eq(get(w.port, o.url("/xff")).status, 200, "GET")
    head = o.heads()[0].decode("latin-1")
    return re.findall(r"(?im)^x-forwarded-for:[ \t]*(.*?)\r$", head), head


def test_xff_add(env):
    xff, head = _xff(env, "add")
    check_eq(xff, ["127.0.0.1"], "X-Forwarded-For with x_forwarded_for add")


def test_xff_off(env):
    xff, head = _xff(env, "off")
    check_eq(xff, [], "X-Forwarded-For with x_forwarded_for off")


def test_xff_anonymous(env):
    xff, head = _xff(env, "anonymous")
    check_eq(xff, [], "X-Forwarded-For with x_forwarded_for anonymous")


def test_hop_by_hop_removed(env):
    o = env.scripted({"/hop": _ok()})
    w = env.wardend()
    hdrs = [("Connection", "keep-alive, X-Hop-Custom"), ("X-Hop-Custom", "secret"),
            ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
            ("TE", "trailers"), ("Trailer", "X-Never"), ("Upgrade", "h2c"),
            ("X-End-To-End", "kept")]
    check_eq(get(w.port, o.url("/hop"), hdrs).status, 200, "GET")
    head = o.heads()[0].decode("latin-1")
    names = [l.split(":", 1)[0].lower() for l in head.split("\r\n")[1:] if ":" in l]
    for h in ("x-hop-custom", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"):
        check(h not in names, "hop-by-hop %s reached the origin: %r" % (h, head))
    for l in head.split("\r\n"):
        if l.lower().startswith("connection:"):
            check("x-hop-custom" not in l.lower(), "Connection still names X-Hop-Custom: %r" % l)
    check("X-End-To-End: kept" in head, "an end-to-end header was dropped: %r" % head)


def test_absolute_uri_wins_over_host(env):
    o = env.scripted({"/x": _ok()})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(b"GET %s HTTP/1.1\r\nHost: evil.example\r\n\r\n" % o.url("/x").encode())
    check_eq(c.read_response().status, 200, "GET with a Host that disagrees with the URI")
    head = o.heads()[0].decode("latin-1")
    check(head.startswith("GET /x HTTP/1.1\r\n"), "request line toward the origin: %r" % head[:80])
    hosts = re.findall(r"(?im)^host:[ \t]*(.*?)\r$", head)
    check_eq(hosts, [o.authority], "Host fields the origin got")


def test_query_string_forwarded(env):
    n = env.nginx
    w = env.wardend()
    r = get(w.port, n.url("/1k.bin?a=1&b=%2F"))
    check_eq(r.status, 200, "GET with a query")
    e = n.wait_path("/1k.bin?a=1&b=%2F")
    check_eq(e["request"], "GET /1k.bin?a=1&b=%2F HTTP/1.1", "request line at nginx")


def test_origin_404_relayed(env):
    n = env.nginx
    w = env.wardend()
    r = get(w.port, n.url("/no-such-file-20"))
    check_eq(r.status, 404, "origin's 404")
    check(r.header("X-Warden-Error") is None, "wardend claimed nginx's 404 as its own")
    w.wait_log(squid_line("TCP_MISS", 404, "GET", n.url("/no-such-file-20")))


def test_local_status_page(env):
    """Origin-form requests aimed at wardend itself are answered by
    wardend: 200 for /, 404 for anything else. Nothing is forwarded."""
    w = env.wardend()
    me = "127.0.0.1:%d" % w.port
    c = env.conn(w.port)
    c.send(b"GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % me.encode())
    r = c.read_response()
    check_eq(r.status, 200, "GET / on wardend (head %s)" % show(r.head))
    check((r.header("Content-Type") or "").startswith("text/html"), "status page type %r"
          % r.header("Content-Type"))
    c.send(b"GET /no-such-page HTTP/1.1\r\nHost: %s\r\n\r\n" % me.encode())
    r = c.read_response()
    check_eq(r.status, 404, "GET /no-such-page on wardend")


def test_loop_via_508(env):
    o = env.scripted({"/loop": _ok()})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/loop"), [("Host", o.authority),
                                                 ("Via", "1.1 %s (warden/0)" % w.hostname)]))
    r = c.read_response()
    error_page(c, r, 508)
    check_eq(o.nconns(), 0, "connections the origin got for a looping request")


def test_loop_self_508(env):
    """An absolute URL aimed at wardend's own address is a loop: 508,
    quickly, not a request that forwards itself until something breaks."""
    w = env.wardend()
    c = env.conn(w.port)
    t = time.monotonic()
    c.send(request_bytes("GET", "http://127.0.0.1:%d/self" % w.port,
                         [("Host", "127.0.0.1:%d" % w.port)]))
    r = c.read_response()
    error_page(c, r, 508)
    check(time.monotonic() - t < 5, "the 508 took %.1fs" % (time.monotonic() - t))


def _scheme(env, url):
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", url, [("Host", url.split("/")[2])]))
    error_page(c, c.read_response(), 501)


def test_https_absolute_form_501(env):
    _scheme(env, "https://127.0.0.1:%d/x" % env.nginx.https_port)
    check(not env.nginx.saw("/x"), "nginx got the request")


def test_ftp_scheme_501(env):
    _scheme(env, "ftp://127.0.0.1:21/pub/file")


def test_max_forwards_zero_options_answered_here(env):
    """RFC 9110 section 7.6.2: OPTIONS with Max-Forwards 0 is answered by
    the proxy and never reaches the origin."""
    o = env.scripted({"/mf": _ok()})
    w = env.wardend()
    r = get(w.port, o.url("/mf"), [("Max-Forwards", "0")], method="OPTIONS")
    check_eq(r.status, 200, "OPTIONS with Max-Forwards 0")
    check("GET" in (r.header("Allow") or ""), "Allow: %r" % r.header("Allow"))
    check_eq(o.heads(), [], "requests the origin got")


def test_max_forwards_zero_trace_echoes_without_credentials(env):
    o = env.scripted({"/mf": _ok()})
    w = env.wardend()
    r = get(w.port, o.url("/mf"), [("Max-Forwards", "0"), ("X-Probe", "p1"),
                                   ("Cookie", "secret=1")], method="TRACE")
    check_eq(r.status, 200, "TRACE with Max-Forwards 0")
    check_eq((r.header("Content-Type") or "").split(";")[0], "message/http", "Content-Type")
    check(b"X-Probe: p1" in r.body, "echoed request lacks X-Probe: %r" % r.body)
    check(b"secret=1" not in r.body, "echoed request carries the cookie: %r" % r.body)
    check_eq(o.heads(), [], "requests the origin got")


def test_max_forwards_decremented(env):
    o = env.scripted({"/mf": _ok()})
    w = env.wardend()
    check_eq(get(w.port, o.url("/mf"), [("Max-Forwards", "3")], method="OPTIONS").status,
             200, "OPTIONS with Max-Forwards 3")
    head = o.heads()[0].decode("latin-1")
    check_eq(re.findall(r"(?im)^max-forwards:[ \t]*(.*?)\r$", head), ["2"],
             "Max-Forwards the origin got (head %r)" % head)


def test_max_forwards_not_a_number_400(env):
    o = env.scripted({"/mf": _ok()})
    w = env.wardend()
    r = get(w.port, o.url("/mf"), [("Max-Forwards", "x1")], method="OPTIONS")
    check_eq(r.status, 400, "OPTIONS with Max-Forwards x1")
    check_eq(o.heads(), [], "requests the origin got")
