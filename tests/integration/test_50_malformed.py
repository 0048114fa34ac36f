"""Malformed and ambiguous requests: one test per file in cases/, each
answered with its status by wardend, never reaching the origin, and
wardend serving a normal request afterwards. Then the size limits (414,
431) and the client header timeout.

A case file: '#' lines first ("# expect: STATUS", "# close: must" when
wardend has to close because the framing is lost, "# origin: may-connect"
when wardend may have connected and sent the head before it met the
error in the body, but must not have forwarded the marker nor a complete
request), then the request, where the file's
own line breaks mean nothing and \\r \\n \\t \\0 \\xHH \\\\ are the bytes.
@ORIGIN@, @PATH@, @MARKER@ and @PORT_PLUS_65536@ are filled in."""

import os
import re
import secrets
import time

from wardentest import check, check_eq, get, request_bytes, response, sha256, show, timeout
from wardentest.checks import error_page

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")

LIMITS = {"max_request_line": "4096", "max_header_size": "8192", "max_headers": "50"}


def load_case(path, values):
    meta, data = {}, []
    for line in open(path, encoding="latin-1").read().splitlines():
        if line.startswith("#"):
            m = re.match(r"# (expect|close|origin): (\S+)", line)
            if m:
                meta[m.group(1)] = m.group(2)
        else:
            data.append(line)
    text = re.sub(r"@([A-Z0-9_]+)@", lambda m: values[m.group(1)], "".join(data))
    raw = text.encode("latin-1").decode("unicode_escape").encode("latin-1")
    return meta, raw


def still_serving(env, w):
    """A normal request on a new connection still works."""
    n = env.nginx
    r = get(w.port, n.url("/1k.bin"))
    check_eq((r.status, sha256(r.body)), (200, env.content.sha["1k.bin"]),
             "a normal GET after the bad request")


def _case_test(fname):
    path = os.path.join(CASES, fname)

    def test(env):
        o = env.scripted()
        env.nginx
        w = env.wardend(keys=dict(LIMITS))
        tag = secrets.token_hex(4)
        values = {"ORIGIN": o.authority, "PATH": "/wt-%s-%s" % (fname[:-5], tag),
                  "MARKER": "SMUGGLED%s" % tag, "PORT_PLUS_65536": str(o.port + 65536)}
        o.routes[values["PATH"]] = response(200, b"the origin must not see this request")
        meta, raw = load_case(path, values)
        status = int(meta["expect"])
        c = env.conn(w.port)
        c.send(raw)
        r = c.read_response(raw.split(b" ", 1)[0].decode("latin-1"))
        error_page(c, r, status, must_close=meta.get("close") == "must")
        still_serving(env, w)
        w.wait_log(r" \S+/%d " % status)
        got = o.all_received()
        check(values["MARKER"].encode() not in got,
              "the origin received the marker; it got %s" % show(got))
        if meta.get("origin") != "may-connect":
            check_eq(o.nconns(), 0, "connections the origin got (it received %s)" % show(got))
        else:
            complete = [h for _, h, _ in o.all_requests() if values["PATH"].encode() in h]
            check(not complete, "the origin received a complete request: %s" % show(got))
    test.__name__ = "test_bad_request_" + fname[:-5]
    test.__doc__ = open(path).readline().lstrip("# ").strip()
    return test


for _f in sorted(os.listdir(CASES)):
    if _f.endswith(".http"):
        _t = _case_test(_f)
        globals()[_t.__name__] = _t


def _limits_setup(env):
    o = env.scripted({"/ok": response(200, b"fine")})
    env.nginx
    return o, env.wardend(keys=dict(LIMITS))


def _send_expect(env, w, raw, status):
    c = env.conn(w.port)
    c.send(raw)
    r = c.read_response()
    if status == 200:
        check_eq(r.status, 200, "request within the limit (head %s)" % show(r.head))
    else:
        error_page(c, r, status)
        w.wait_log(r" \S+/%d " % status)
    return r


def test_request_line_at_limit_ok(env):
    """A request line of exactly max_request_line bytes is served."""
    o, w = _limits_setup(env)
    base = "GET %s?q= HTTP/1.1" % o.url("/ok")
    line = base.replace("?q=", "?q=" + "a" * (4096 - len(base)))
    check_eq(len(line), 4096, "test request line length")
    _send_expect(env, w, ("%s\r\nHost: %s\r\n\r\n" % (line, o.authority)).encode(), 200)


def test_request_line_too_long_414(env):
    o, w = _limits_setup(env)
    base = "GET %s?q= HTTP/1.1" % o.url("/ok")
    line = base.replace("?q=", "?q=" + "a" * (4097 - len(base)))
    _send_expect(env, w, ("%s\r\nHost: %s\r\n\r\n" % (line, o.authority)).encode(), 414)
    check_eq(o.nconns(), 0, "connections the origin got")
    still_serving(env, w)


def test_request_line_far_too_long_414(env):
    """A request line of 1 MiB: refused early, not buffered."""
    o, w = _limits_setup(env)
    c = env.conn(w.port)
    try:
        c.send(b"GET " + o.url("/ok?q=").encode() + b"a" * (1 << 20))
    except (BrokenPipeError, ConnectionResetError):
        pass    # wardend answered and closed while we were still sending
    r = c.read_response()
    error_page(c, r, 414)
    still_serving(env, w)


def _fields(n, size=40):
    return [("X-Fill-%03d" % i, "v" * size) for i in range(n)]


def test_one_header_too_large_431(env):
    o, w = _limits_setup(env)
    raw = request_bytes("GET", o.url("/ok"), [("Host", o.authority), ("X-Big", "b" * 9000)])
    _send_expect(env, w, raw, 431)
    check_eq(o.nconns(), 0, "connections the origin got")
    still_serving(env, w)


def test_headers_total_too_large_431(env):
    """Many fields under max_headers whose total passes max_header_size."""
    o, w = _limits_setup(env)
    raw = request_bytes("GET", o.url("/ok"), [("Host", o.authority)] + _fields(45, 200))
    _send_expect(env, w, raw, 431)
    check_eq(o.nconns(), 0, "connections the origin got")
    still_serving(env, w)


def test_headers_at_size_limit_ok(env):
    """Field lines adding up to exactly max_header_size bytes (with their
    CRLFs) are served."""
    o, w = _limits_setup(env)
    fields = [("Host", o.authority)] + _fields(20, 300)
    total = sum(len(k) + 2 + len(v) + 2 for k, v in fields)
    fields.append(("X-Last", "z" * (8192 - total - len("X-Last: ") - 2)))
    check_eq(sum(len(k) + 2 + len(v) + 2 for k, v in fields), 8192, "test field bytes")
    _send_expect(env, w, request_bytes("GET", o.url("/ok"), fields), 200)


def test_too_many_headers_431(env):
    o, w = _limits_setup(env)
    raw = request_bytes("GET", o.url("/ok"), [("Host", o.authority)] + _fields(50, 5))
    _send_expect(env, w, raw, 431)
    check_eq(o.nconns(), 0, "connections the origin got")
    still_serving(env, w)


def test_headers_at_count_limit_ok(env):
    o, w = _limits_setup(env)
    raw = request_bytes("GET", o.url("/ok"), [("Host", o.authority)] + _fields(49, 5))
    _send_expect(env, w, raw, 200)


def test_empty_lines_before_request_ignored(env):
    """RFC 9112 2.2: a server should ignore empty lines before the
    request line (some clients send one after a POST body)."""
    o, w = _limits_setup(env)
    _send_expect(env, w, b"\r\n" + request_bytes("GET", o.url("/ok"), [("Host", o.authority)]), 200)


@timeout(30)
def test_client_header_timeout(env):
    """A client that never finishes its head gets a 408 (or just a close)
    after client_header_timeout, not a connection held forever."""
    o = env.scripted()
    w = env.wardend(keys={"client_header_timeout": "2s"})
    c = env.conn(w.port, timeout=15)
    t = time.monotonic()
    c.send(b"GET %s HTTP/1.1\r\nHost: %s\r\nX-Partial: " % (o.url("/slow").encode(), o.authority.encode()))
    try:
        r = c.read_response(timeout=12)
    except Exception:
        check(c.eof, "wardend neither answered nor closed within 12s: %s" % show(c.buf))
        r = None
    dt = time.monotonic() - t
    check(1.5 <= dt <= 8, "wardend reacted after %.1fs; client_header_timeout is 2s" % dt)
    if r is not None:
        error_page(c, r, 408, must_close=True)
    check_eq(o.nconns(), 0, "connections the origin got")
