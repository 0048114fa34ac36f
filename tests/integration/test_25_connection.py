"""Client connection management: HTTP/1.0 clients, Connection: close,
Expect: 100-continue, several origins on one client connection, and a bad
request pipelined behind a good one."""

from wardentest import check, check_eq, request_bytes, response, sha256, show, timeout
from wardentest.checks import error_page


def test_http10_client(env):
    """An HTTP/1.0 request without Host or keep-alive: answered, and the
    connection closed after the response."""
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    c.send(b"GET %s HTTP/1.0\r\n\r\n" % n.url("/1k.bin").encode())
    r = c.read_response()
    check_eq((r.status, sha256(r.body)), (200, env.content.sha["1k.bin"]), "HTTP/1.0 GET")
    check(c.at_eof(5), "connection still open after an HTTP/1.0 response without keep-alive")


def test_client_connection_close(env):
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", n.url("/index.html"), [("Host", n.authority), ("Connection", "close")]))
    r = c.read_response()
    check_eq(r.status, 200, "status")
    check(r.has_token("Connection", "close"), "no Connection: close in the answer to one: %s" % show(r.head))
    check(c.at_eof(5), "connection still open after Connection: close")


def test_expect_100_continue(env):
    """A client that waits for 100 Continue before sending its body gets
    one (from wardend or relayed from nginx), then the final response."""
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    body = b"x" * 100000
    c.send(request_bytes("PUT", n.url("/dav/expect.bin"), [
        ("Host", n.authority), ("Content-Length", str(len(body))), ("Expect", "100-continue")]))
    head = c.read_until(b"\r\n\r\n")
    check(head is not None and head.startswith(b"HTTP/1.1 100 "),
          "want a 100 Continue before sending the body, got %s" % show(head or c.buf))
    c.send(body)
    r = c.read_response()
    check_eq(r.status, 201, "final response to the PUT")
    with open(n.upload_path("/dav/expect.bin"), "rb") as f:
        check_eq(f.read(), body, "stored body")


def test_two_origins_one_client_connection(env):
    """Requests to different origins on one client connection each reach
    the right one."""
    n = env.nginx
    o = env.scripted({"/s": response(200, b"scripted origin")})
    w = env.wardend()
    c = env.conn(w.port)
    for url, want in ((n.url("/1k.bin"), None), (o.url("/s"), b"scripted origin"),
                      (n.url("/64k.bin"), None), (o.url("/s"), b"scripted origin")):
        c.send(request_bytes("GET", url, [("Host", url.split("/")[2])]))
        r = c.read_response()
        check_eq(r.status, 200, "GET " + url)
        if want is None:
            check_eq(sha256(r.body), env.content.sha[url.rsplit("/", 1)[1]], "body of " + url)
        else:
            check_eq(r.body, want, "body of " + url)
    check_eq(len(o.all_requests()), 2, "requests at the scripted origin")


def test_bad_request_pipelined_after_good(env):
    """A good request and a smuggling attempt in one write: the good one is
    answered, the bad one refused, nothing of it forwarded."""
    o = env.scripted({"/good": response(200, b"good")})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/good"), [("Host", o.authority)])
           + b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"0\r\n\r\nGET /SMUGGLED-25 HTTP/1.1\r\nHost: x\r\n\r\n" % (o.url("/bad").encode(), o.authority.encode()))
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"good"), "the good request")
    error_page(c, c.read_response(), 400, must_close=True)
    got = o.all_received()
    check(b"SMUGGLED-25" not in got and b"/bad" not in got, "the origin got %s" % show(got))


@timeout(60)
def test_client_aborts_upload(env):
    """A client that announces 10 MiB, sends 1 MiB and disconnects leaves
    wardend healthy."""
    n = env.nginx
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("PUT", n.url("/dav/aborted.bin"), [
        ("Host", n.authority), ("Content-Length", str(10 << 20))]) + b"a" * (1 << 20))
    c.close()
    r = env.curl(n.url("/1k.bin"), proxy=w)
    check_eq((r.rc, r.status), (0, 200), "GET after an aborted upload: " + r.describe())


@timeout(60)
def test_client_aborts_download(env):
    n = env.nginx
    w = env.wardend()
    for _ in range(3):
        c = env.conn(w.port)
        c.send(request_bytes("GET", n.url("/10m.bin"), [("Host", n.authority)]))
        c.read_exact(200000)
        c.close()
    r = env.curl(n.url("/10m.bin"), proxy=w)
    check_eq((r.rc, r.status, sha256(r.body)), (0, 200, env.content.sha["10m.bin"]),
             "GET after aborted downloads: " + r.describe())
