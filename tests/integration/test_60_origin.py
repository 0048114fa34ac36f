"""Origins that fail or misbehave: refused connections, names that do not
resolve, origins that never answer, and responses whose framing is broken
or ambiguous. The client must get a clear error or a correct response, and
a bad response must never poison the next one on the same connection."""

import time

from wardentest import (check, check_eq, chunk, closed_port, get, request_bytes,
                        response, show, timeout)
from wardentest.checks import error_page, squid_line

SECOND = response(200, b"second-ok", [("Content-Type", "text/plain")])


def _two_on_one_connection(env, first_path, first_bytes, first_method="GET"):
    """Client: first request (answered with first_bytes by the origin), then
    /second on the same client connection. Returns (first response or the
    TestFailure it raised, second response or None when the connection was
    closed), after checking the second is exactly the origin's /second."""
    o = env.scripted({first_path: first_bytes, "/second": SECOND})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes(first_method, o.url(first_path), [("Host", o.authority)]))
    r1 = c.read_response(first_method)
    if c.eof or r1.has_token("Connection", "close"):
        c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/second"), [("Host", o.authority)]))
    r2 = c.read_response()
    check_eq((r2.status, r2.body), (200, b"second-ok"),
             "the second response after %s (head %s)" % (first_path, show(r2.head)))
    return o, w, r1


def test_body_on_204_not_relayed(env):
    """Bytes after a 204 head are not a body: the client gets the 204, and
    the next response on the same client connection is the right one."""
    o, w, r1 = _two_on_one_connection(
        env, "/204", b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPOISON")
    check_eq(r1.status, 204, "first response")


def test_body_on_304_not_relayed(env):
    o, w, r1 = _two_on_one_connection(
        env, "/304", b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\nPOISON-BODY-AFTER-304")
    check_eq(r1.status, 304, "first response")


def test_body_on_head_not_relayed(env):
    """An origin that sends a body in answer to HEAD: the client gets the
    head only, and the next response is not made of that body."""
    o, w, r1 = _two_on_one_connection(
        env, "/head", b"HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\nPOISON-BODY-AFTER-HEAD-REQ!",
        first_method="HEAD")
    check_eq((r1.status, r1.header("Content-Length")), (200, "27"), "HEAD response")


def test_bytes_beyond_content_length(env):
    """Extra bytes after a Content-Length body (a smuggled response) must
    not become the answer to the client's next request."""
    o, w, r1 = _two_on_one_connection(
        env, "/extra", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                       b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nPOISONED!")
    check_eq((r1.status, r1.body), (200, b"hello"), "first response")


def test_response_cl_and_te_502(env):
    o = env.scripted({"/clte": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                               b"Transfer-Encoding: chunked\r\n\r\n" + chunk(b"hello") + b"0\r\n\r\n"})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/clte"), [("Host", o.authority)]))
    error_page(c, c.read_response(), 502)
    w.wait_log(squid_line(None, 502, "GET", o.url("/clte")))


def test_response_two_content_lengths_502(env):
    o = env.scripted({"/cl2": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 9\r\n\r\nhelloworld"})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/cl2"), [("Host", o.authority)]))
    error_page(c, c.read_response(), 502)


def test_response_bad_chunk_size(env):
    """A chunk size that is not hex: the client must not get a response
    that looks complete. Either a 502 (nothing sent yet) or the response
    is cut off (no last chunk, connection closed)."""
    o = env.scripted({"/badchunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   + chunk(b"good ") + b"zz\r\nPOISON\r\n0\r\n\r\n"})
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/badchunk"), [("Host", o.authority)]))
    r = c.read_response()
    if r.status == 502:
        error_page(c, r, 502)
        return
    check_eq(r.status, 200, "status")
    check(not r.complete, "a response with a bad chunk arrived complete: %r body %s"
          % (r, show(r.body)))
    check(b"POISON" not in r.body, "bytes after the bad chunk size were relayed")
    check(c.eof, "connection left open after an aborted response")


def test_response_no_framing_read_to_close(env):
    """No Content-Length, no chunked: the body runs to the origin's close
    (RFC 9112 6.3 item 8) and the client gets all of it, delimited so it
    knows where it ends."""
    body = b"".join(b"line %05d of a body delimited by close\n" % i for i in range(3000))
    o = env.scripted({"/close": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body},
                     close_after=["/close"])
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/close"), [("Host", o.authority)]))
    r = c.read_response()
    check_eq((r.status, r.complete), (200, True), "status, complete")
    check_eq(len(r.body), len(body), "body length")
    check(r.body == body, "body differs")


def test_response_http10_origin(env):
    """An HTTP/1.0 origin answering without length, closing after."""
    o = env.scripted({"/old": b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold origin body"},
                     close_after=["/old"])
    w = env.wardend()
    r = get(w.port, o.url("/old"))
    check_eq((r.status, r.body), (200, b"old origin body"), "response")


def test_response_reason_phrase(env):
    """The origin's reason phrase goes on as it is; one with a control
    byte in it (here a NUL) is a malformed response: 502, nothing of it
    passed on."""
    o = env.scripted({
        "/fine": b"HTTP/1.1 200 All Good Here\r\nContent-Length: 2\r\n\r\nok",
        "/odd": b"HTTP/1.1 200 Not\x00Fine\r\nContent-Length: 2\r\n\r\nno",
    }, close_after=["/odd"])
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/fine"), [("Host", o.authority)]))
    r = c.read_response()
    check_eq((r.head.split(b"\r\n")[0], r.body), (b"HTTP/1.1 200 All Good Here", b"ok"),
             "status line")
    c.send(request_bytes("GET", o.url("/odd"), [("Host", o.authority)]))
    error_page(c, c.read_response(), 502)


def test_response_invalid_status_line_502(env):
    o = env.scripted({"/garbage": b"HTTP/1.1 OK 200\r\nContent-Length: 2\r\n\r\nno"},
                     close_after=["/garbage"])
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/garbage"), [("Host", o.authority)]))
    error_page(c, c.read_response(), 502)


def test_response_not_http_502(env):
    o = env.scripted({"/ssh": b"SSH-2.0-OpenSSH_9.2\r\n"}, close_after=["/ssh"])
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/ssh"), [("Host", o.authority)]))
    error_page(c, c.read_response(), 502)


def test_origin_closes_without_response_502(env):
    o = env.scripted({"/hangup": b""}, close_after=["/hangup"])
    w = env.wardend()
    c = env.conn(w.port)
    c.send(request_bytes("GET", o.url("/hangup"), [("Host", o.authority)]))
    error_page(c, c.read_response(), 502)


def test_origin_down_502_connect_failed(env):
    port = closed_port()
    w = env.wardend()
    url = "http://127.0.0.1:%d/down" % port
    c = env.conn(w.port)
    c.send(request_bytes("GET", url, [("Host", "127.0.0.1:%d" % port)]))
    error_page(c, c.read_response(), 502, warden_error="connect-failed")
    w.wait_log(squid_line(None, 502, "GET", url))


@timeout(40)
def test_dns_failure_502_dns_failed(env):
    """A name under .invalid (RFC 6761) never resolves."""
    w = env.wardend(keys={"dns_timeout": "3s"})
    c = env.conn(w.port, timeout=20)
    t = time.monotonic()
    c.send(request_bytes("GET", "http://nonexistent.invalid/x", [("Host", "nonexistent.invalid")]))
    error_page(c, c.read_response(), 502, warden_error="dns-failed")
    check(time.monotonic() - t < 15, "the 502 took %.1fs" % (time.monotonic() - t))
    w.wait_log(squid_line(None, 502, "GET", "http://nonexistent.invalid/x"))


@timeout(40)
def test_slow_origin_504(env):
    o = env.black_hole()
    w = env.wardend(options=["read_timeout=2s"])
    c = env.conn(w.port, timeout=20)
    t = time.monotonic()
    c.send(request_bytes("GET", o.url("/slow"), [("Host", o.authority)]))
    r = c.read_response()
    dt = time.monotonic() - t
    error_page(c, r, 504, warden_error="timeout")
    check(1.5 <= dt < 10, "the 504 came after %.1fs; read_timeout is 2s" % dt)
    check_eq(o.nconns(), 1, "connections to the slow origin")
    w.wait_log(squid_line(None, 504, "GET", o.url("/slow")))
