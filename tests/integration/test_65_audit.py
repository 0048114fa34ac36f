"""Regression tests for the defects an HTTP conformance audit found (each
fixed in wardend): a reused upstream connection poisoned by bytes that
came after a response, automatic retry of requests that are not safe to
repeat, origin status codes outside 100..599, Host values that are not a
host, methods and versions refused with the wrong status, a query with
no path, Expect forwarded for an HTTP/1.0 client, unbounded chunk
extensions and trailers, a self-loop through 0.0.0.0, a response with
many Set-Cookie fields, and an origin that closes before the body.

Each test states what a client (or the origin) sees; the comment on each
says what the old wardend did, which the test would catch."""

import re
import time

from wardentest import check, check_eq, chunk, request_bytes, response, show, wait_until
from wardentest.checks import error_page, squid_line
from wardentest.origins import ScriptedOrigin

POISON = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nPOISONED"


def _ok(body=b"ok"):
    return response(200, body, [("Content-Type", "text/plain")])


def _path_of(head):
    parts = head.split(b" ", 2)
    return parts[1].decode("latin-1").split("?")[0] if len(parts) >= 2 else ""


def _requests_for(o, method, path):
    """[(conn number, head)] of the requests the origin got for method path."""
    want = ("%s %s " % (method, path)).encode()
    return [(n, h) for (n, h, _) in o.all_requests() if h.startswith(want)]


# --- 1. a poisoned upstream connection must not be reused -----------------

def _response_of_total(total):
    """A 200 response (head and body) of exactly total bytes."""
    for bl in range(total):
        head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % bl
        if len(head) + bl == total:
            return head + b"x" * bl
    raise AssertionError("no response of %d bytes" % total)


def _response_of_body(size):
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + b"y" * size


def test_extra_bytes_after_response_poison_nothing(env):
    """The origin answers request 1 and, in the same send, a complete extra
    response ("POISONED"). With the response sized so that wardend's read
    ends exactly where the message ends (4 KiB, 8 KiB, 64 KiB: a total of
    that size, or a body of that size), the old wardend did not see the
    extra bytes, pooled the connection and gave them to the client as the
    answer to its pipelined request 2. The second response must be the
    origin's real answer to request 2."""
    sizes = [("total", 4096), ("total", 8192), ("total", 65536), ("total", 1000),
             ("body", 4096), ("body", 8192), ("body", 65536), ("body", 1000)]
    routes = {}
    for kind, size in sizes:
        first = _response_of_total(size) if kind == "total" else _response_of_body(size)
        routes["/%s-%d/1" % (kind, size)] = (lambda first: lambda head, body: first + POISON)(first)
        routes["/%s-%d/2" % (kind, size)] = _ok(b"REAL2-%s-%d" % (kind.encode(), size))
    o = env.scripted(routes)
    w = env.wardend()
    for kind, size in sizes:
        base = "/%s-%d" % (kind, size)
        first = _response_of_total(size) if kind == "total" else _response_of_body(size)
        want_body = first.split(b"\r\n\r\n", 1)[1]
        c = env.conn(w.port)
        c.send(request_bytes("GET", o.url(base + "/1"), [("Host", o.authority)])
               + request_bytes("GET", o.url(base + "/2"), [("Host", o.authority)]))
        r1 = c.read_response()
        check_eq((r1.status, r1.complete, len(r1.body)), (200, True, len(want_body)),
                 "response 1 (%s %d bytes)" % (kind, size))
        check(r1.body == want_body, "response 1 body differs (%s %d bytes)" % (kind, size))
        r2 = c.read_response()
        check(b"POISONED" not in r2.body,
              "response 2 is the origin's stray bytes after response 1 (%s %d bytes): "
              "head %s body %s" % (kind, size, show(r2.head), show(r2.body)))
        check_eq((r2.status, r2.body), (200, b"REAL2-%s-%d" % (kind.encode(), size)),
                 "response 2 after a %s of %d bytes followed by extra bytes (head %s)"
                 % (kind, size, show(r2.head)))
        c.close()
    for kind, size in sizes:
        one = _requests_for(o, "GET", "/%s-%d/1" % (kind, size))
        two = _requests_for(o, "GET", "/%s-%d/2" % (kind, size))
        check_eq((len(one), len(two)), (1, 1), "GET /%s-%d/1 and /2 at the origin" % (kind, size))
        # The connection that carried the stray bytes cannot be reused.
        check(two[0][0] != one[0][0],
              "GET /%s-%d/2 was sent on the connection that still held the stray response"
              % (kind, size))


# --- 2. no automatic retry of requests that are not safe to repeat -------

class _HangUpOnce(ScriptedOrigin):
    """A scripted origin that reads the first request for hangup_path and
    closes the connection without answering it; later ones are answered
    from routes like any other."""

    def __init__(self, routes, hangup_path):
        self.hangup_path = hangup_path
        self.hung_up = False
        super().__init__(routes)

    def handle(self, c):
        while True:
            req = c.read_request()
            if req is None:
                return
            head, body = req
            path = _path_of(head)
            if path == self.hangup_path and not self.hung_up:
                self.hung_up = True
                return
            r = self.routes.get(path)
            if callable(r):
                r = r(head, body)
            if r is None:
                r = response(404, b"no such path\n", [("Content-Type", "text/plain")])
            c.send(r)


def _pooled_then_hangup(env, method):
    """GET /1, then method /2 on the same client connection: wardend sends
    /2 on the pooled upstream connection, where the origin reads it and
    hangs up. Returns (origin, wardend, client connection, response 2)."""
    o = _HangUpOnce({"/1": _ok(b"ONE1"), "/2": _ok(b"REAL2")}, "/2")
    env.origins.append(o)
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/1"), [("Host", o.authority)]))
    r1 = c.read_response()
    check_eq((r1.status, r1.body), (200, b"ONE1"), "response 1")
    time.sleep(0.2)
    hdrs = [("Host", o.authority)]
    if method != "GET":
        hdrs.append(("Content-Length", "0"))
    c.send(request_bytes(method, o.url("/2"), hdrs))
    r2 = c.read_response()
    time.sleep(0.5)     # a late retry would show at the origin by now
    one = _requests_for(o, "GET", "/1")
    two = _requests_for(o, method, "/2")
    check_eq(len(one), 1, "GET /1 at the origin")
    check(two and two[0][0] == one[0][0],
          "the first %s /2 did not reach the origin on the pooled connection of GET /1: %s"
          % (method, o.all_requests()))
    return o, w, c, r2, two


def test_post_not_retried_after_pooled_connection_closes(env):
    """RFC 9110 9.2.2: POST is not idempotent, so a proxy must not send it
    again by itself. The origin got POST /2 and closed without answering:
    it may have acted on it. The old wardend retried it on a new
    connection (the origin saw it twice, the client got 200); now the
    origin sees it once and the client gets a 502."""
    o, w, c, r2, two = _pooled_then_hangup(env, "POST")
    check_eq(len(two), 1, "POST /2 at the origin (it was retried: %s)" % [n for n, _ in two])
    error_page(c, r2, 502)
    w.wait_log(squid_line(None, 502, "POST", o.url("/2")))


def test_get_retried_after_pooled_connection_closes(env):
    """The contrast: GET is safe, so the same hang-up on a pooled
    connection is retried once on a new connection and the client gets
    the origin's answer."""
    o, w, c, r2, two = _pooled_then_hangup(env, "GET")
    check_eq((r2.status, r2.body), (200, b"REAL2"), "response to GET /2 (head %s)" % show(r2.head))
    check_eq(len(two), 2, "GET /2 at the origin (once hung up, once retried)")
    check(two[1][0] != two[0][0], "the retry went on the connection the origin had closed")


# --- 3. origin status codes outside 100..599 ------------------------------

def test_origin_status_out_of_range_502(env):
    """RFC 9110 15: a status code is three digits, 100..599. The old
    wardend relayed 600 and 999, and relayed 000 and 099 as interim
    responses ("HTTP/1.1 0 Odd", "HTTP/1.1 99 Odd") followed by what came
    after them. Each must be a 502 bad-response."""
    after = _ok(b"ONE1")
    cases = {
        "000": b"HTTP/1.1 000 Odd\r\n\r\n" + after,
        "099": b"HTTP/1.1 099 Odd\r\n\r\n" + after,
        "600": b"HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok",
        "999": b"HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\nok",
    }
    o = env.scripted({"/status-" + k: v for k, v in cases.items()},
                     close_after=["/status-" + k for k in cases])
    w = env.wardend()
    for code in cases:
        c = env.conn(w.port)
        c.send(request_bytes("GET", o.url("/status-" + code), [("Host", o.authority)]))
        r = c.read_response()
        check(r.status == 502, "origin status %s: the client got %d %s; head %s body %s"
              % (code, r.status, r.reason, show(r.head), show(r.body, 100)))
        error_page(c, r, 502, warden_error="bad-response")
        w.wait_log(squid_line(None, 502, "GET", o.url("/status-" + code)))
        c.close()


# --- 4. a Host field that is not a host -----------------------------------

def test_host_invalid_value_400(env):
    """RFC 9112 3.2: a Host field with an invalid value is a 400, even when
    the absolute-form target names the origin. The old wardend ignored
    the Host field and forwarded these."""
    o = env.scripted({"/h": _ok()})
    w = env.wardend()
    for host in ("u@" + o.authority, "bad host", "exa mple", "a b@c/d"):
        c = env.conn(w.port)
        c.send(b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (o.url("/h").encode(), host.encode()))
        r = c.read_response()
        check(r.status == 400, "Host: %s -> %d %s (head %s)" % (host, r.status, r.reason, show(r.head)))
        error_page(c, r, 400)
        c.close()
    check_eq(o.nconns(), 0, "connections the origin got (it received %s)" % show(o.all_received()))


# --- 5. methods -----------------------------------------------------------

def test_unknown_method_501_bad_method_400(env):
    """RFC 9110 9.1: a well-formed method the server does not know is a
    501 (the old wardend answered 400); a method that is not a token
    is a 400. Neither reaches the origin."""
    o = env.scripted({"/m": _ok()})
    w = env.wardend()
    for method, status in (("FOO", 501), ("G!T", 501), ("G(T", 400), ("G{T}", 400)):
        c = env.conn(w.port)
        c.send(b"%s %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (method.encode(), o.url("/m").encode(),
                                                        o.authority.encode()))
        r = c.read_response()
        check(r.status == status, "method %s: want %d, got %d %s (head %s)"
              % (method, status, r.status, r.reason, show(r.head)))
        error_page(c, r, status)
        c.close()
    for status, n in ((501, 2), (400, 2)):
        wait_until(lambda: len([l for l in w.log_lines() if re.search(r" \S+/%d \d+ " % status, l)]) >= n,
                   5, what="%d access log lines with status %d" % (n, status))
    check_eq(o.nconns(), 0, "connections the origin got (it received %s)" % show(o.all_received()))


# --- 6. HTTP versions -----------------------------------------------------

def test_request_version_syntax_400_unsupported_505(env):
    """RFC 9112 2.3: HTTP-version is "HTTP/" DIGIT "." DIGIT. "HTTP/1" and a
    request line with a space after the version are syntax errors (400;
    the old wardend answered a trailing space with 505); HTTP/1.2 and
    HTTP/2.0 are well-formed versions wardend does not speak (505)."""
    o = env.scripted({"/v": _ok()})
    w = env.wardend()
    url = o.url("/v").encode()
    host = b"Host: %s\r\n\r\n" % o.authority.encode()
    for line, status in ((b"GET %s HTTP/1" % url, 400),
                         (b"GET %s HTTP/1.1 " % url, 400),
                         (b"GET %s HTTP/1.0 " % url, 400),
                         (b"GET %s HTTP/1.2" % url, 505),
                         (b"GET %s HTTP/2.0" % url, 505)):
        c = env.conn(w.port)
        c.send(line + b"\r\n" + host)
        r = c.read_response()
        check(r.status == status, "request line %s: want %d, got %d %s (head %s)"
              % (show(line), status, r.status, r.reason, show(r.head)))
        error_page(c, r, status)
        c.close()
    check_eq(o.nconns(), 0, "connections the origin got (it received %s)" % show(o.all_received()))


# --- 7. a query with no path ----------------------------------------------

def test_query_without_path_forwarded(env):
    """RFC 9112 3.2.1 / RFC 3986 6.2.3: "http://host:port?x=1" has an empty
    path, which is "/": the origin gets "/?x=1" (the old wardend answered
    400), and the access log shows the URL with the "/"."""
    o = env.scripted({"/": _ok(b"root-with-query")})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(b"GET http://%s?x=1 HTTP/1.1\r\nHost: %s\r\n\r\n" % (o.authority.encode(), o.authority.encode()))
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"root-with-query"), "response (head %s)" % show(r.head))
    heads = o.heads()
    check_eq(len(heads), 1, "requests at the origin")
    check(heads[0].startswith(b"GET /?x=1 HTTP/1.1\r\n"),
          "request line at the origin: %s" % show(heads[0].split(b"\r\n")[0]))
    w.wait_log(squid_line(None, 200, "GET", "http://%s/?x=1" % o.authority))


# --- 8. Expect from an HTTP/1.0 client ------------------------------------

def test_expect_from_http10_client_not_forwarded(env):
    """RFC 9110 10.1.1: a server must ignore a 100-continue expectation in
    an HTTP/1.0 request. The old wardend forwarded the Expect field to the
    origin, in an HTTP/1.1 request, as if the client could take a 100."""
    o = env.scripted({"/up": lambda head, body: _ok(b"got " + body)})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(b"POST %s HTTP/1.0\r\nHost: %s\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
           % (o.url("/up").encode(), o.authority.encode()))
    first = c.read_until(b"\r\n\r\n")
    check(first is not None, "no response head; got %s" % show(c.buf))
    check(not re.match(rb"HTTP/1\.\d 1\d\d ", first),
          "an HTTP/1.0 client was sent an interim response: %s" % show(first))
    c.buf = first + c.buf
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"got abc"), "response (head %s)" % show(r.head))
    reqs = o.all_requests()
    check_eq(len(reqs), 1, "requests at the origin")
    head, body = reqs[0][1], reqs[0][2]
    check(not re.search(rb"(?im)^expect:", head), "the origin got an Expect field: %s" % show(head))
    check_eq(body, b"abc", "body at the origin")


# --- 9. chunk extensions and trailers are bounded -------------------------

def _chunked_post(o, path, body_bytes):
    return (b"POST %s HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
            % (o.url(path).encode(), o.authority.encode())) + body_bytes


def _refused_mid_body(env, o, w, path, raw, what):
    c = env.conn(w.port, timeout=15)
    try:
        c.send(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass    # wardend answered and closed while we were still sending
    r = c.read_response()
    check(r.status == 400, "%s: want 400, got %d %s (head %s)" % (what, r.status, r.reason, show(r.head)))
    error_page(c, r, 400, must_close=True)
    complete = [h for _, h, _ in o.all_requests() if path.encode() in h]
    check(not complete, "%s: the origin received a complete request: %s" % (what, show(o.all_received())))
    w.wait_log(r" \S+/400 \d+ POST %s " % re.escape(o.url(path)))


def _still_serving(env, o, w):
    c = env.conn(w.port)
    c.send(_chunked_post(o, "/echo", chunk(b"after") + b"0\r\n\r\n"))
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"after"), "a chunked POST afterwards")


def _echo_origin(env):
    return env.scripted({"/echo": lambda head, body: _ok(body)})


def test_chunked_request_ext_and_trailer_small_ok(env):
    """A short chunk extension and one small trailer field: forwarded (the
    body intact), as before the limits were added."""
    o = _echo_origin(env)
    w = env.wardend()
    c = env.conn(w.port)
    c.send(_chunked_post(o, "/echo", chunk(b"hello ", b";name=value") + chunk(b"world", b";x")
                         + b"0\r\nX-Trailer: 1\r\n\r\n"))
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"hello world"), "response (head %s)" % show(r.head))


def test_chunked_request_trailers_under_64k_ok(env):
    """A trailer section of about 60 KB in 18 fields: under the bound, so
    served."""
    o = _echo_origin(env)
    w = env.wardend()
    c = env.conn(w.port)
    trailers = b"".join(b"X-T%02d: %s\r\n" % (i, b"t" * 3300) for i in range(18))
    check(len(trailers) < 60000, "test trailer size %d" % len(trailers))
    c.send(_chunked_post(o, "/echo", chunk(b"hello") + b"0\r\n" + trailers + b"\r\n"))
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"hello"), "response (head %s)" % show(r.head))


def test_chunked_request_huge_extension_400(env):
    """A 200 KB chunk extension: the old wardend parsed and dropped it
    without bound and forwarded the request. Now a 400 and a close."""
    o = _echo_origin(env)
    w = env.wardend()
    raw = _chunked_post(o, "/big-ext", b"5;" + b"a" * 200000 + b"\r\nhello\r\n0\r\n\r\n")
    _refused_mid_body(env, o, w, "/big-ext", raw, "a 200 KB chunk extension")
    _still_serving(env, o, w)


def test_chunked_request_trailers_over_64k_400(env):
    """A trailer section over 64 KiB (20 fields of 3.4 KB, each well under
    the header limits): 400 and a close. So is one 300 KB trailer field."""
    o = _echo_origin(env)
    w = env.wardend()
    trailers = b"".join(b"X-T%02d: %s\r\n" % (i, b"t" * 3400) for i in range(20))
    check(len(trailers) > 65536, "test trailer size %d" % len(trailers))
    raw = _chunked_post(o, "/big-trailers", chunk(b"hello") + b"0\r\n" + trailers + b"\r\n")
    _refused_mid_body(env, o, w, "/big-trailers", raw, "a 68 KB trailer section")
    raw = _chunked_post(o, "/huge-trailer", chunk(b"hello") + b"0\r\nX-T: " + b"a" * 300000 + b"\r\n\r\n")
    _refused_mid_body(env, o, w, "/huge-trailer", raw, "a 300 KB trailer field")
    _still_serving(env, o, w)


def test_chunked_request_many_trailers_400(env):
    """5000 small trailer fields (40 KB, under the byte bound, far over
    max_headers): 400 and a close."""
    o = _echo_origin(env)
    w = env.wardend()
    raw = _chunked_post(o, "/many-trailers", chunk(b"hello") + b"0\r\n" + b"X-T: 1\r\n" * 5000 + b"\r\n")
    _refused_mid_body(env, o, w, "/many-trailers", raw, "5000 trailer fields")
    _still_serving(env, o, w)


# --- 10. a loop through 0.0.0.0 -------------------------------------------

def test_loop_self_any_address_508(env):
    """http://0.0.0.0:PORT/ with wardend's own port is wardend itself: 508
    loop. The old wardend answered 508 but kept the connection open
    without saying so; it must carry Connection: close and close."""
    w = env.wardend()
    c = env.conn(w.port)
    t = time.monotonic()
    c.send(request_bytes("GET", "http://0.0.0.0:%d/" % w.port, [("Host", "0.0.0.0:%d" % w.port)]))
    r = c.read_response()
    error_page(c, r, 508, warden_error="loop", must_close=True)
    check(time.monotonic() - t < 5, "the 508 took %.1fs" % (time.monotonic() - t))


# --- 11. many Set-Cookie fields ------------------------------------------

def test_response_120_set_cookie_relayed(env):
    """An origin response with 120 Set-Cookie fields (more than the request
    field limit): the old wardend answered 502 "too many header fields".
    All 120 reach the client, in order."""
    cookies = ["c%03d=v%03d; Path=/" % (i, i) for i in range(120)]
    o = env.scripted({"/cookies": response(200, b"ok", [("Set-Cookie", v) for v in cookies])})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/cookies"), [("Host", o.authority)]))
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"ok"), "response (head %s)" % show(r.head, 200))
    check_eq(r.header_all("Set-Cookie"), cookies, "Set-Cookie fields the client got")


# --- 12. the origin closes after the head, before the body ----------------

def test_origin_closes_before_body_head_relayed(env):
    """The origin sends a head with Content-Length: 10 and closes with no
    body (or 3 bytes of it). The old wardend sent the client nothing at
    all for the no-body case, just a close, and logged nothing. The client
    must get the head, then a close with fewer than 10 body bytes: an
    incomplete response, not some other one; and the access log records
    the transaction."""
    o = env.scripted({"/nobody": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n",
                      "/short": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nabc"},
                     close_after=["/nobody", "/short"])
    # A policy that does not look at responses: the head goes on at once.
    d = env.policy_dir("group default {\n}\n")
    w = env.wardend(keys={"policy_dir": d})
    for path, got in (("/nobody", b""), ("/short", b"abc")):
        c = env.conn(w.port)
        c.send(request_bytes("GET", o.url(path), [("Host", o.authority)]))
        r = c.read_response()
        check_eq((r.status, r.header("Content-Length")), (200, "10"),
                 "%s: the origin's head (head %s)" % (path, show(r.head)))
        check(r.header("X-Warden-Error") is None, "%s: wardend's own page instead of the origin's head" % path)
        check(not r.complete, "%s: response arrived complete: %r %s" % (path, r, show(r.body)))
        check_eq(r.body, got, "%s: body bytes before the close" % path)
        check(c.eof, "%s: connection not closed after the cut-off response" % path)
        w.wait_log(r" \S+/200 \d+ GET %s " % re.escape(o.url(path)))
        c.close()
    # The shipped policy holds a text body to scan it: nothing of it has
    # gone out when the origin gives up, so the client gets a clean 502.
    w2 = env.wardend()
    for path in ("/nobody", "/short"):
        c = env.conn(w2.port)
        c.send(request_bytes("GET", o.url(path), [("Host", o.authority)]))
        error_page(c, c.read_response(), 502, warden_error="bad-response")
        w2.wait_log(r" \S+/502 \d+ GET %s " % re.escape(o.url(path)))
        c.close()
