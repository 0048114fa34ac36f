"""Bodies wardend does not look at move by splice(2), past user space
(doc/operation.md, "Zero-copy forwarding"): the client must get exactly
the origin's bytes, the access log must count every one of them, and
every way a transfer can end early (the origin closing or stalling, the
client going away) must end as it does for a relayed body: same log
line, connection closed, nothing leaked. wardend runs with -d: its
"spliced N bytes" debug line shows where splice was used, so these tests
fail if it silently is not, and where it must not be (bodies the policy
holds or blocks, TLS)."""

import os
import re
import socket
import struct
import time

from wardentest import (SlowDownload, check, check_eq, request_bytes, sha256,
                        timeout, wait_until)
from wardentest.checks import squid_bytes
from wardentest.origins import Origin
from wardentest.util import LOCALHOST, TestFailure
from wardentest.wardend import Wardend

MIB = 1024 * 1024
SHIPPED = os.path.join(os.environ.get("WD_SRCDIR", ""), "policies")
SPLICED = re.compile(r"txn \d+ \S+: spliced (\d+) bytes from (\S+?)(?:, then (.+))?$")


def _data(n):
    """n random bytes that libmagic calls application/octet-stream: random
    bytes alone now and then look like a program ("MZ") and get blocked."""
    return (b"blk0000000000000" + os.urandom(max(n - 16, 0)))[:n]


def _wardend(env, **keys):
    """With the shipped policy (whose response phase sniffs every body) and
    the debug lines."""
    keys.setdefault("policy_dir", SHIPPED)
    return env.wardend(keys=keys, flags=["-d"])


def _file(env, name, data):
    """A file in the nginx docroot, under this test's own directory."""
    return env.content.put("t62/%s/%s" % (env.name, name), data)


def _spliced(w):
    """[(bytes, authority, how it ended or None)], in order."""
    out = []
    for line in w.stderr().splitlines():
        m = SPLICED.search(line)
        if m:
            out.append((int(m.group(1)), m.group(2), m.group(3)))
    return out


def _log_url(w, url, result="TCP_MISS", status=200, count=1):
    """The count-th access log line for url (result/status), waiting."""
    rx = re.compile(r" %s/%d \d+ GET %s " % (result, status, re.escape(url)))
    wait_until(lambda: len([l for l in w.log_lines() if rx.search(l)]) >= count, 10,
               what="%d access log line(s) %s/%d for %s" % (count, result, status, url))
    return [l for l in w.log_lines() if rx.search(l)][count - 1]


def _get(c, url, authority, version="HTTP/1.1", headers=()):
    c.send(request_bytes("GET", url, [("Host", authority)] + list(headers), version=version))
    return c.read_response()


def _wire(r):
    """What wardend wrote for r: head and body as the client got them."""
    return len(r.head) + len(r.body)


def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fds(pid):
    """{fd: what it is} of a process."""
    out = {}
    d = "/proc/%d/fd" % pid
    for fd in os.listdir(d):
        try:
            out[int(fd)] = os.readlink(os.path.join(d, fd))
        except OSError:
            pass
    return out


def _kinds(fds):
    kinds = {}
    for v in fds.values():
        k = v.split(":")[0] if ":" in v else "file"
        kinds[k] = kinds.get(k, 0) + 1
    return kinds


def _fds_back(w, before, after_what):
    """Waits up to 5 s for wardend's descriptors to be back, by kind, to
    what they were before."""
    deadline = time.monotonic() + 5
    after = _fds(w.pid)
    while _kinds(after) != _kinds(before) and time.monotonic() < deadline:
        time.sleep(0.1)
        after = _fds(w.pid)
    check_eq(_kinds(after), _kinds(before), "wardend's descriptors by kind, after %s "
             "(before %r, after %r)" % (after_what, before, after))


class _CutOrigin(Origin):
    """Answers every request with a head claiming length bytes, sends sent
    of them, then stalls stall seconds (0: not at all) and closes."""

    def __init__(self, length, sent, stall=0.0):
        self.length, self.sent, self.stall = length, sent, stall
        self.body = _data(sent)
        super().__init__("cut-origin", max_conns=8, lifetime=120)

    def handle(self, c):
        if c.read_request() is None:
            return
        c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
               b"Content-Length: %d\r\n\r\n" % self.length + self.body)
        end = time.monotonic() + self.stall
        while time.monotonic() < end and not self.stopping():
            time.sleep(0.05)


def test_splice_big_bodies_exact(env):
    """3 MiB and 64 KiB + 1 from nginx: the client gets the origin's bytes
    exactly, the big one was spliced, and the access log counts every
    byte written, spliced ones included."""
    n = env.nginx
    big, odd = _data(3 * MIB), _data(64 * 1024 + 1)
    pbig, podd = _file(env, "big.bin", big), _file(env, "odd.bin", odd)
    w = _wardend(env)
    for path, data in ((pbig, big), (podd, odd)):
        c = env.conn(w.port)
        r = _get(c, n.url(path), n.authority)
        check_eq((r.status, r.complete, len(r.body)), (200, True, len(data)), "GET " + path)
        check_eq(sha256(r.body), sha256(data), "body sha256 of " + path)
        check_eq(r.header("Content-Length"), str(len(data)), "Content-Length of " + path)
        line = _log_url(w, n.url(path))
        check_eq(squid_bytes(line), _wire(r), "logged bytes (head + body) of %s: %s" % (path, line))
        if path == pbig:
            sp = _spliced(w)
            check(len(sp) == 1 and sp[0][1] == n.authority and sp[0][2] is None,
                  "one complete splice for the 3 MiB body: %r" % sp)
            # Only the first bytes (the sniff's) go through user space.
            check(3 * MIB - 128 * 1024 < sp[0][0] < 3 * MIB, "bytes spliced of 3 MiB: %d" % sp[0][0])
        c.close()


def test_splice_keepalive_pipelined(env):
    """Big bodies one after another on one client connection, two of them
    pipelined, then a small one: all intact, each logged with its exact
    size, and all on one upstream connection (returned to the pool after
    each splice, in step)."""
    n = env.nginx
    a, b = _data(3 * MIB), _data(2 * MIB + 7)
    pa, pb = _file(env, "a.bin", a), _file(env, "b.bin", b)
    w = _wardend(env)
    c = env.conn(w.port)
    got = []
    got.append((pa, _get(c, n.url(pa), n.authority), a))
    got.append((pb, _get(c, n.url(pb), n.authority), b))
    c.send(request_bytes("GET", n.url(pa), [("Host", n.authority)]) +
           request_bytes("GET", n.url(pb), [("Host", n.authority)]))
    got.append((pa, c.read_response(), a))
    got.append((pb, c.read_response(), b))
    got.append(("/1k.bin", _get(c, n.url("/1k.bin"), n.authority), None))
    for i, (p, r, data) in enumerate(got):
        check_eq((r.status, r.complete), (200, True), "response %d (%s)" % (i + 1, p))
        want = sha256(data) if data is not None else env.content.sha["1k.bin"]
        check_eq(sha256(r.body), want, "response %d (%s): body sha256" % (i + 1, p))
        check(not r.has_token("Connection", "close"), "response %d says close" % (i + 1))
    check(not c.at_eof(0.3), "the client connection closed after the responses")
    for p, count, r in ((pa, 1, got[0][1]), (pb, 1, got[1][1]), (pa, 2, got[2][1]),
                        (pb, 2, got[3][1]), ("/1k.bin", 1, got[4][1])):
        line = _log_url(w, n.url(p), count=count)
        check_eq(squid_bytes(line), _wire(r), "logged bytes of %s #%d: %s" % (p, count, line))
    sp = _spliced(w)
    check(len(sp) == 4 and all(e is None for _, _, e in sp), "four complete splices: %r" % sp)
    entries = [n.wait_path(p) for p in (pa, pb, "/1k.bin")]
    conns = {e["connection"] for e in n.entries() if e["uri"] in (pa, pb, "/1k.bin")}
    check_eq(len(conns), 1, "upstream connections for the five requests (%r)" % entries)


def test_splice_http10_client_closes(env):
    """An HTTP/1.0 client without keep-alive: the spliced body, then the
    connection closes."""
    n = env.nginx
    data = _data(MIB + 3)
    p = _file(env, "ten.bin", data)
    w = _wardend(env)
    c = env.conn(w.port)
    r = _get(c, n.url(p), n.authority, version="HTTP/1.0")
    check_eq((r.status, r.complete, sha256(r.body)), (200, True, sha256(data)), "HTTP/1.0 GET")
    check(r.has_token("Connection", "close"), "Connection: close for HTTP/1.0")
    check(c.at_eof(5), "the connection stayed open after an HTTP/1.0 response")
    check_eq(squid_bytes(_log_url(w, n.url(p))), _wire(r), "logged bytes")
    check_eq(len(_spliced(w)), 1, "splices")


def _truncated(env, w, o, path, want_sent):
    c = env.conn(w.port)
    r = _get(c, o.url(path), o.authority)
    t_end = time.monotonic()
    check_eq((r.status, r.complete), (200, False), "a body cut short: %r" % r)
    check_eq(len(r.body), want_sent, "body bytes the client got before the cut")
    check(c.eof, "the client connection was left open after a body cut short")
    check_eq(r.body, o.body, "the bytes that came are the origin's")
    line = _log_url(w, o.url(path), result="TCP_MISS_ABORTED")
    check_eq(squid_bytes(line), _wire(r), "logged bytes of the cut body: " + line)
    return r, t_end


def test_splice_origin_closes_early(env):
    """Content-Length 4 MiB, 1 MiB sent, then the origin closes: the client
    gets that 1 MiB and a closed connection, and the log says
    TCP_MISS_ABORTED with what was sent, as for a body too small to be
    spliced; the next request opens a new upstream connection."""
    w = _wardend(env)
    small = _CutOrigin(40000, 20000)
    env.origins.append(small)
    _truncated(env, w, small, "/small", 20000)
    check_eq(_spliced(w), [], "a 40000-byte body was spliced")
    big = _CutOrigin(4 * MIB, MIB)
    env.origins.append(big)
    _truncated(env, w, big, "/big", MIB)
    sp = _spliced(w)
    check(len(sp) == 1 and sp[0][2] == "source closed" and sp[0][0] > 0,
          "the big body was spliced until the origin closed: %r" % sp)
    # Served again, on a new upstream connection.
    c = env.conn(w.port)
    r = _get(c, big.url("/again"), big.authority)
    check_eq(r.status, 200, "the next request to the origin")
    check_eq(big.nconns(), 2, "connections to the origin (the cut one was reused?)")


@timeout(60)
def test_splice_stalled_origin_timeout(env):
    """An origin that stops sending mid-body is cut by read_timeout, spliced
    or not: the client gets what was sent, then a closed connection,
    after about read_timeout; logged TCP_MISS_ABORTED with the bytes."""
    w = _wardend(env, read_timeout="2s")
    for length, sent, spliced in ((40000, 20000, False), (3 * MIB, MIB, True)):
        o = _CutOrigin(length, sent, stall=15)
        env.origins.append(o)
        t0 = time.monotonic()
        r, t1 = _truncated(env, w, o, "/stall", sent)
        dt = t1 - t0
        check(1.5 <= dt < 8, "the cut came after %.1fs; read_timeout is 2s (%d bytes)" % (dt, length))
        sp = _spliced(w)
        if spliced:
            check(len(sp) == 1 and sp[0][2] == "source timeout",
                  "the big body was spliced until the timeout: %r" % sp)
        else:
            check_eq(sp, [], "a 40000-byte body was spliced")


@timeout(120)
def test_splice_client_aborts_no_leak(env):
    """Clients that go away in the middle of spliced downloads (reset, or
    a close with bytes unread): each transaction ends (logged
    TCP_MISS_ABORTED), wardend keeps serving, and afterwards it holds
    exactly the descriptors it held before."""
    n = env.nginx
    data = _data(16 * MIB)
    p = _file(env, "huge.bin", data)
    url = n.url(p)
    w = _wardend(env, workers="1")

    def full(count):
        c = env.conn(w.port, timeout=30)
        r = _get(c, url, n.authority)
        check_eq((r.status, r.complete, sha256(r.body)), (200, True, sha256(data)), "a whole download")
        c.close()
        _log_url(w, url, count=count)

    full(1)
    time.sleep(0.3)
    before = _fds(w.pid)
    aborts = 12
    for i in range(aborts):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.settimeout(10)
        s.connect((LOCALHOST, w.port))
        s.sendall(request_bytes("GET", url, [("Host", n.authority)]))
        got = 0
        want = 300 * 1024 if i % 3 else 1
        while got < want:
            b = s.recv(65536)
            if not b:
                raise TestFailure("download %d: closed after %d bytes" % (i, got))
            got += len(b)
        if i % 2 == 0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        _log_url(w, url, result="TCP_MISS_ABORTED", count=i + 1)
    full(2)
    sp = _spliced(w)
    cut = [e for _, _, e in sp if e is not None]
    # Those that read 300 KiB were surely being spliced when they left.
    mid = len([i for i in range(aborts) if i % 3])
    check(len(cut) >= mid and all(e in ("destination error", "client went away") for e in cut),
          "splices cut by the client (%d at least): %r" % (mid, sp))
    _fds_back(w, before, "%d aborted downloads" % aborts)


@timeout(60)
def test_splice_slow_client_no_spin(env):
    """A client reading slowly: the splice waits for it without spinning
    (wardend's CPU time stays small over the seconds the download takes),
    and the body arrives intact."""
    n = env.nginx
    # Larger than what the socket buffers take (tcp_wmem's 4 MiB at
    # most, and the client's small receive buffer): the splice must wait.
    data = _data(16 * MIB)
    p = _file(env, "slow.bin", data)
    w = _wardend(env)
    cpu0 = _cpu_seconds(w.pid)
    t0 = time.monotonic()
    d = SlowDownload(w.port, n.url(p), rate=4 * MIB, timeout=30)
    check(d.join(40), "the slow download did not finish")
    dt = time.monotonic() - t0
    cpu = _cpu_seconds(w.pid) - cpu0
    check_eq((d.error, d.status, d.complete, d.sha256), (None, 200, True, sha256(data)),
             "the slow download")
    check(dt >= 1.5, "the slow download took only %.1fs" % dt)
    check(cpu < 0.25 * dt, "wardend used %.2fs of CPU over a %.1fs slow download" % (cpu, dt))
    _log_url(w, n.url(p))
    sp = _spliced(w)
    check(len(sp) == 1 and sp[0][2] is None, "one complete splice: %r" % sp)


POLICY = """
phrases test phrases/test
group default {
    phrase_lists test
    naughtiness_limit 100
    block_mime application/x-executable application/x-pie-executable
    block_mime application/x-sharedlib application/x-dosexec
    safe_search off
}
"""


def _policy(env):
    return env.policy_dir(POLICY, {"phrases/test/weighted": "<jackpot><60>\n"})


def test_splice_not_for_inspected_bodies(env):
    """With phrase scanning and MIME blocking on: a large HTML page is
    held and scanned (never spliced), an executable found by sniffing is
    blocked (never spliced), and a large binary, once sniffed, is."""
    n = env.nginx
    page = b"<html><body>\n" + b"<p>A long page about nothing in particular.</p>\n" * 8000 + \
        b"</body></html>\n"
    bad = page.replace(b"<body>", b"<body><p>jackpot jackpot</p>")
    with open("/bin/true", "rb") as f:
        elf = f.read()
    elf += b"\0" * (2 * MIB - len(elf))
    binary = _data(2 * MIB)
    pp, pbad = _file(env, "page.html", page), _file(env, "bad.html", bad)
    pelf, pbin = _file(env, "tool.dat", elf), _file(env, "data.bin", binary)
    w = _wardend(env, policy_dir=_policy(env))
    c = env.conn(w.port)
    r = _get(c, n.url(pp), n.authority)
    check_eq((r.status, r.body), (200, page), "a scanned page under the limit, intact")
    check(" score=0" in _log_url(w, n.url(pp)), "the page was scanned")
    r = _get(env.conn(w.port), n.url(pbad), n.authority)
    check_eq((r.status, r.header("X-Warden-Error")), (403, "blocked"), "a scanned page over the limit")
    _log_url(w, n.url(pbad), result="TCP_DENIED", status=403)
    r = _get(env.conn(w.port), n.url(pelf), n.authority)
    check_eq((r.status, r.header("X-Warden-Error")), (403, "blocked"), "an executable, by sniffing")
    _log_url(w, n.url(pelf), result="TCP_DENIED", status=403)
    check_eq(_spliced(w), [], "splices of held or blocked bodies")
    r = _get(c, n.url(pbin), n.authority)
    check_eq((r.status, sha256(r.body)), (200, sha256(binary)), "a binary, sniffed then streamed")
    check(" sniffed=application/octet-stream " in _log_url(w, n.url(pbin)), "the binary was sniffed")
    sp = _spliced(w)
    check(len(sp) == 1 and sp[0][2] is None and sp[0][0] > MIB,
          "the sniffed binary was spliced: %r" % sp)


@timeout(60)
def test_splice_not_over_tls(env):
    """Inside an inspected (bumped) HTTPS connection the body is encrypted
    both ways: relayed, never spliced, and intact."""
    n = env.nginx
    ca = env.local_ca()
    w = _wardend(env, policy_dir=_policy(env), tls_inspect="on",
                 tls_upstream_ca_file=env.pki.ca_cert,
                 connect_ports="443, %d" % n.https_port)
    r = env.curl(n.https_url("/10m.bin", host="localhost"), proxy=w, cacert=ca)
    check_eq((r.rc, r.status), (0, 200), "curl through inspection: " + r.describe())
    check_eq(sha256(r.body), env.content.sha["10m.bin"], "the body over TLS")
    w.wait_log(r"TCP_MISS/200 \d+ GET https://localhost:%d/10m\.bin " % n.https_port)
    check_eq(_spliced(w), [], "splices inside TLS")


# --- tunnels -----------------------------------------------------------------

TUNNEL = re.compile(r"txn \d+ \S+: tunnel spliced (\d+) bytes to the client, (\d+) to the server$")
ESTABLISHED = b"HTTP/1.1 200 Connection established\r\n\r\n"


def _tunnel_spliced(w):
    out = []
    for line in w.stderr().splitlines():
        m = TUNNEL.search(line)
        if m:
            out.append((int(m.group(1)), int(m.group(2))))
    return out


class _StreamOrigin(Origin):
    """A plain TCP server for CONNECT: runs script(conn) on each
    connection (conn.sock, conn.read_exact()), then closes."""

    def __init__(self, script):
        self.script = script
        super().__init__("stream-origin", max_conns=40, lifetime=120)

    def handle(self, c):
        c.sock.settimeout(20)
        self.script(c)


def _connect(w, o, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(20)
    s.connect((LOCALHOST, w.port))
    s.sendall(request_bytes("CONNECT", o.authority, [("Host", o.authority)]))
    got = b""
    while len(got) < len(ESTABLISHED):
        b = s.recv(len(ESTABLISHED) - len(got))
        if not b:
            raise TestFailure("closed before the CONNECT answer: %r" % got)
        got += b
    check_eq(got, ESTABLISHED, "the CONNECT answer")
    return s


def _recv_all(s, n=None):
    buf = []
    got = 0
    while n is None or got < n:
        b = s.recv(1 << 20 if n is None else min(1 << 20, n - got))
        if not b:
            break
        buf.append(b)
        got += len(b)
    return b"".join(buf)


def _tunnel_wardend(env, o, **keys):
    keys.setdefault("connect_ports", "443, %d" % o.port)
    return _wardend(env, **keys)


@timeout(60)
def test_splice_tunnel_both_ways_exact(env):
    """A CONNECT tunnel carrying bulk both ways: the origin gets the
    client's 2 MiB exactly, the client the origin's 3 MiB; when the origin
    closes, the client's connection closes after the last byte; both
    directions were spliced, and the log counts every byte to the client."""
    up, down = _data(2 * MIB), _data(3 * MIB)

    def script(c):
        got = c.read_exact(len(up))
        c.send(sha256(got or b"").encode())
        c.send(down)

    o = _StreamOrigin(script)
    env.origins.append(o)
    w = _tunnel_wardend(env, o)
    s = _connect(w, o)
    s.sendall(up)
    check_eq(_recv_all(s, 64).decode(), sha256(up), "the sha256 of what the origin got")
    body = _recv_all(s)
    s.close()
    check_eq((len(body), sha256(body)), (len(down), sha256(down)), "what the client got")
    line = _log_url_connect(w, o.authority)
    check_eq(squid_bytes(line), len(ESTABLISHED) + 64 + len(down), "logged bytes: " + line)
    sp = _tunnel_spliced(w)
    check(len(sp) == 1 and sp[0][0] > 2 * MIB and sp[0][1] > MIB,
          "both directions spliced (to the client, to the server): %r" % sp)


def _log_url_connect(w, authority, result="TCP_TUNNEL"):
    rx = re.compile(r" %s/200 \d+ CONNECT %s " % (result, re.escape(authority)))
    wait_until(lambda: any(rx.search(l) for l in w.log_lines()), 10,
               what="the access log line of the CONNECT to %s" % authority)
    return [l for l in w.log_lines() if rx.search(l)][0]


@timeout(60)
def test_splice_tunnel_client_close_delivers(env):
    """The client sends 1 MiB and closes its side: as without splice, all
    of it reaches the origin, then the tunnel ends (the origin sees the
    close, the client its connection closed)."""
    up = _data(MIB)
    seen = {}

    def script(c):
        got = c.read_exact(len(up))
        seen["sha"] = sha256(got or b"")
        seen["eof"] = not c.read_exact(1)

    o = _StreamOrigin(script)
    env.origins.append(o)
    w = _tunnel_wardend(env, o)
    s = _connect(w, o)
    s.sendall(up)
    s.shutdown(socket.SHUT_WR)
    check_eq(_recv_all(s), b"", "bytes to the client after its close")
    s.close()
    wait_until(lambda: "eof" in seen, 10, what="the origin to see the end")
    check_eq((seen["sha"], seen["eof"]), (sha256(up), True), "what the origin got, then its end")
    _log_url_connect(w, o.authority)
    sp = _tunnel_spliced(w)
    check(len(sp) == 1 and sp[0][1] > MIB // 2, "the upload was spliced: %r" % sp)


@timeout(60)
def test_splice_tunnel_idle_timeout(env):
    """tunnel_idle_timeout counts spliced bytes as activity: a stream that
    trickles for longer than the timeout is not cut, an idle tunnel is."""
    chunk = _data(256 * 1024)

    def script(c):
        for _ in range(10):
            c.send(chunk)
            time.sleep(0.4)
        time.sleep(30)          # then idle, open

    o = _StreamOrigin(script)
    env.origins.append(o)
    w = _tunnel_wardend(env, o, tunnel_idle_timeout="2s")
    s = _connect(w, o)
    t0 = time.monotonic()
    body = _recv_all(s)
    dt = time.monotonic() - t0
    s.close()
    check_eq(sha256(body), sha256(chunk * 10), "the stream through the tunnel")
    check(5.0 <= dt < 9.0, "the tunnel ended %.1fs after it started: 4 s of stream, then "
          "2 s idle" % dt)
    line = _log_url_connect(w, o.authority)
    check_eq(squid_bytes(line), len(ESTABLISHED) + len(body), "logged bytes: " + line)
    sp = _tunnel_spliced(w)
    check(len(sp) == 1 and sp[0][0] > MIB, "the stream was spliced: %r" % sp)


@timeout(120)
def test_splice_tunnel_aborts_no_leak(env):
    """Tunnels whose client goes away in the middle of a spliced download:
    wardend holds exactly the descriptors it held before, and serves."""
    down = _data(16 * MIB)

    def script(c):
        try:
            c.send(down)
        except OSError:
            pass

    o = _StreamOrigin(script)
    env.origins.append(o)
    w = _tunnel_wardend(env, o, workers="1")

    def whole(count):
        s = _connect(w, o)
        check_eq(sha256(_recv_all(s)), sha256(down), "a whole download through the tunnel")
        s.close()
        rx = re.compile(r" TCP_TUNNEL/200 \d+ CONNECT ")
        wait_until(lambda: len([l for l in w.log_lines() if rx.search(l)]) >= count, 10,
                   what="%d tunnel log lines" % count)

    whole(1)
    time.sleep(0.3)
    before = _fds(w.pid)
    for i in range(10):
        s = _connect(w, o, rcvbuf=65536)
        _recv_all(s, 300 * 1024)
        if i % 2 == 0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        rx = re.compile(r" TCP_TUNNEL/200 \d+ CONNECT ")
        wait_until(lambda: len([l for l in w.log_lines() if rx.search(l)]) >= i + 2, 10,
                   what="the log line of aborted tunnel %d" % i)
    whole(12)
    _fds_back(w, before, "10 aborted tunnels")
    check(len(_tunnel_spliced(w)) >= 12, "spliced tunnels: %r" % _tunnel_spliced(w))


# --- urgent data, idle pipes, bytes past the length, pipe limits -----------

URGENT = b"!"


def _pipes(pid):
    """How many pipe descriptors a process holds (each pipe is two)."""
    return len([v for v in _fds(pid).values() if v.startswith("pipe:")])


def _head(length):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\n\r\n" % length)


class _UrgentOrigin(Origin):
    """Answers each request with Content-Length len(body): the body's first
    cut bytes, then (after a pause) one TCP urgent byte (send(MSG_OOB): not
    part of the body, recv() steps over it), then the body's bytes up to
    upto (all by default); then, if that was not all, stays open stall
    seconds. With bytes behind the urgent one, splice(2) stops at it and
    moves nothing while epoll keeps calling the socket readable."""

    def __init__(self, body, cut, upto=None, stall=0.0):
        self.body, self.cut, self.stall = body, cut, stall
        self.upto = len(body) if upto is None else upto
        super().__init__("urgent-origin", max_conns=8, lifetime=120)

    def handle(self, c):
        c.sock.settimeout(20)
        while c.read_request() is not None:
            c.send(_head(len(self.body)) + self.body[:self.cut])
            time.sleep(0.5)
            c.sock.send(URGENT, socket.MSG_OOB)
            c.send(self.body[self.cut:self.upto])
            if self.upto < len(self.body):
                break
        end = time.monotonic() + self.stall
        while time.monotonic() < end and not self.stopping():
            time.sleep(0.05)


@timeout(60)
def test_splice_urgent_byte_body_completes(env):
    """An origin sends 1 MiB of a 4 MiB body, an urgent byte, then the
    rest: splice(2) cannot pass the urgent byte, so the transfer hands
    back to the relay (whose recv() steps over it) instead of spinning.
    The body arrives intact, twice on one keep-alive connection, and
    wardend's CPU time stays small."""
    data = _data(4 * MIB)
    o = _UrgentOrigin(data, MIB)
    env.origins.append(o)
    w = _wardend(env)
    c = env.conn(w.port, timeout=15)
    for count in (1, 2):
        cpu0, t0 = _cpu_seconds(w.pid), time.monotonic()
        r = _get(c, o.url("/urgent"), o.authority)
        dt, cpu = time.monotonic() - t0, _cpu_seconds(w.pid) - cpu0
        check_eq((r.status, r.complete, len(r.body), sha256(r.body)),
                 (200, True, len(data), sha256(data)), "response %d past an urgent byte" % count)
        check(cpu < 0.25 * dt, "wardend used %.2fs of CPU over %.1fs (response %d)" % (cpu, dt, count))
        line = _log_url(w, o.url("/urgent"), count=count)
        check_eq(squid_bytes(line), _wire(r), "logged bytes: " + line)
    check(not c.at_eof(0.3), "the client connection closed after the responses")
    sp = _spliced(w)
    check(len(sp) == 2 and all(e == "source stuck" and MIB // 2 < n < 2 * MIB for n, _, e in sp),
          "two splices up to the urgent byte, then relayed: %r" % sp)
    check_eq(o.nconns(), 1, "upstream connections (one, in step)")


@timeout(60)
def test_splice_urgent_byte_then_stall_times_out(env):
    """An origin sends 1 MiB of a 4 MiB body, an urgent byte, 64 KiB more,
    and then nothing, keeping its connection open: read_timeout (2s) cuts
    the client after the bytes that came, without spinning in the meantime
    (neither on the urgent byte nor by pushing the timeout back on every
    wake-up)."""
    data = _data(4 * MIB)
    sent = data[:MIB + 64 * 1024]
    o = _UrgentOrigin(data, MIB, upto=len(sent), stall=20)
    env.origins.append(o)
    w = _wardend(env, read_timeout="2s")
    cpu0, t0 = _cpu_seconds(w.pid), time.monotonic()
    c = env.conn(w.port, timeout=15)
    r = _get(c, o.url("/urgent"), o.authority)
    dt, cpu = time.monotonic() - t0, _cpu_seconds(w.pid) - cpu0
    check_eq((r.status, r.complete, r.body == sent), (200, False, True),
             "the bytes before the urgent byte, then the cut (%d bytes)" % len(r.body))
    check(c.eof, "the client connection was left open after a body cut short")
    check(2.0 <= dt < 8, "the cut came %.1fs after the request; the urgent byte at 0.5s, "
          "read_timeout 2s" % dt)
    check(cpu < 0.25 * dt, "wardend used %.2fs of CPU over %.1fs" % (cpu, dt))
    line = _log_url(w, o.url("/urgent"), result="TCP_MISS_ABORTED")
    check_eq(squid_bytes(line), _wire(r), "logged bytes of the cut body: " + line)
    sp = _spliced(w)
    check(len(sp) == 1 and sp[0][2] == "source stuck", "spliced up to the urgent byte: %r" % sp)


@timeout(60)
def test_splice_tunnel_urgent_byte(env):
    """A CONNECT peer sends 1 MiB, an urgent byte, 1 MiB more, then idles
    with its connection open: the direction goes back to the bufferevents
    at the urgent byte (and splices again later), the client gets the 2
    MiB without the urgent byte, tunnel_idle_timeout (2s) then ends the
    tunnel, and wardend's CPU time stays small throughout."""
    down = _data(2 * MIB)

    def script(c):
        c.send(down[:MIB])
        time.sleep(0.5)
        c.sock.send(URGENT, socket.MSG_OOB)
        time.sleep(0.3)
        c.send(down[MIB:])
        time.sleep(30)

    o = _StreamOrigin(script)
    env.origins.append(o)
    w = _tunnel_wardend(env, o, tunnel_idle_timeout="2s")
    cpu0, t0 = _cpu_seconds(w.pid), time.monotonic()
    s = _connect(w, o)
    body = _recv_all(s)
    dt, cpu = time.monotonic() - t0, _cpu_seconds(w.pid) - cpu0
    s.close()
    check_eq((len(body), sha256(body)), (len(down), sha256(down)), "what the client got")
    check(2.5 <= dt < 8, "the tunnel ended %.1fs after it started: 0.8s of stream, then 2s idle" % dt)
    check(cpu < 0.25 * dt, "wardend used %.2fs of CPU over %.1fs" % (cpu, dt))
    line = _log_url_connect(w, o.authority)
    check_eq(squid_bytes(line), len(ESTABLISHED) + len(down), "logged bytes: " + line)
    sp = _tunnel_spliced(w)
    check(len(sp) == 1 and sp[0][0] > MIB + MIB // 2,
          "spliced before and after the urgent byte: %r" % sp)


@timeout(60)
def test_splice_idle_tunnels_hold_no_pipe(env):
    """Six tunnels, one after the other, each carrying a spliced burst and
    then left open and idle: wardend holds no more pipes than the one its
    pool keeps (a tunnel that kept its pipe while idle would hold six)."""
    burst = _data(MIB)

    def script(c):
        c.send(burst)
        c.read_exact(3)

    o = _StreamOrigin(script)
    env.origins.append(o)
    w = _tunnel_wardend(env, o, workers="1")
    base = _pipes(w.pid)
    socks = []
    for i in range(6):
        s = _connect(w, o)
        check_eq(sha256(_recv_all(s, len(burst))), sha256(burst), "the burst of tunnel %d" % i)
        socks.append(s)
        wait_until(lambda: _pipes(w.pid) <= base + 2, 5,
                   what="wardend to hold at most one pipe more than at start (%d descriptors "
                   "before, %d now, with %d idle tunnels)" % (base, _pipes(w.pid), i + 1))
    time.sleep(0.3)
    check(_pipes(w.pid) <= base + 2, "pipe descriptors: %d at start, %d with six idle tunnels"
          % (base, _pipes(w.pid)))
    for s in socks:
        s.sendall(b"bye")
        check_eq(_recv_all(s), b"", "bytes after the end")
        s.close()
    wait_until(lambda: len(_tunnel_spliced(w)) == 6, 10, what="six tunnel lines")
    check(all(n > MIB // 2 for n, _ in _tunnel_spliced(w)), "spliced: %r" % _tunnel_spliced(w))


class _JunkOrigin(Origin):
    """Answers /big with a body of Content-Length bytes followed (after
    delay seconds) by a whole response more that nobody asked for; answers
    anything else with "fine"."""

    JUNK = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nJUNK"

    def __init__(self, body, delay):
        self.body, self.delay = body, delay
        super().__init__("junk-origin", max_conns=8, lifetime=120)

    def handle(self, c):
        c.sock.settimeout(20)
        while True:
            req = c.read_request()
            if req is None:
                return
            if req[0].split(b" ", 2)[1] == b"/big":
                c.send(_head(len(self.body)) + self.body)
                if self.delay:
                    time.sleep(self.delay)
                c.send(self.JUNK)
            else:
                c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine")


def test_splice_bytes_past_length(env):
    """An origin sends more than its Content-Length after a spliced body,
    at once or a little later: the splice reads exactly the length, no
    byte of the rest reaches any client, and the next requests (on the
    same client connection and on a new one) get their own answer over a
    new upstream connection, never the junk."""
    body = _data(2 * MIB)
    w = _wardend(env)
    for delay in (0, 0.3):
        o = _JunkOrigin(body, delay)
        env.origins.append(o)
        c = env.conn(w.port)
        r = _get(c, o.url("/big"), o.authority)
        check_eq((r.status, r.complete, sha256(r.body)), (200, True, sha256(body)),
                 "the body (junk %.1fs after it)" % delay)
        time.sleep(delay + 0.2)
        check(not c.at_eof(0.3), "the client connection closed after the body")
        c2 = env.conn(w.port)
        r2 = _get(c2, o.url("/next"), o.authority)
        check_eq((r2.status, r2.body), (200, b"fine"), "the next request, on a new client connection")
        check(not c2.at_eof(0.3), "the new client connection closed")
        r3 = _get(c, o.url("/again"), o.authority)
        check_eq((r3.status, r3.body), (200, b"fine"), "the next request on the first connection")
        check(not c.at_eof(0.3), "the first client connection closed")
        reqs = [(n, h.split(b" ", 2)[1]) for n, h, _ in o.all_requests()]
        check(len(reqs) == 3 and [p for n, p in reqs if n == 0] == [b"/big"],
              "requests by upstream connection (the one with junk reused?): %r" % reqs)
        c.close()
        c2.close()
    sp = _spliced(w)
    check(len(sp) == 2 and all(e is None and n > MIB for n, _, e in sp), "two complete splices: %r" % sp)


@timeout(60)
def test_splice_tunnel_no_pipe_falls_back(env):
    """A spliced tunnel direction wakes up from idle when wardend is out of
    descriptors and its pool has no idle pipe (a download holds it): the
    direction goes back to the bufferevents, and the tunnel goes on."""
    import resource
    first, second = _data(MIB), _data(512 * 1024)

    def script(c):
        c.send(first)
        if c.read_exact(3) != b"go\n":
            return
        c.send(second)
        c.read_exact(3)

    o = _StreamOrigin(script)
    env.origins.append(o)
    n = env.nginx
    huge = _data(16 * MIB)
    p = _file(env, "held.bin", huge)
    w = _tunnel_wardend(env, o, workers="1")
    s = _connect(w, o)
    check_eq(sha256(_recv_all(s, len(first))), sha256(first), "the first burst")
    # A download that stalls mid-splice takes the pool's idle pipe and keeps it.
    d = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    d.settimeout(10)
    d.connect((LOCALHOST, w.port))
    d.sendall(request_bytes("GET", n.url(p), [("Host", n.authority)]))
    got = 0
    while got < 300 * 1024:
        b = d.recv(65536)
        check(b, "the download closed after %d bytes" % got)
        got += len(b)
    time.sleep(0.3)
    soft, hard = resource.prlimit(w.pid, resource.RLIMIT_NOFILE)
    fds = _fds(w.pid)
    lowest = min(i for i in range(len(fds) + 1) if i not in fds)
    resource.prlimit(w.pid, resource.RLIMIT_NOFILE, (lowest, hard))
    try:
        s.sendall(b"go\n")
        check_eq(sha256(_recv_all(s, len(second))), sha256(second), "the burst with no descriptor left")
    finally:
        resource.prlimit(w.pid, resource.RLIMIT_NOFILE, (soft, hard))
    s.sendall(b"bye")
    check_eq(_recv_all(s), b"", "bytes after the end")
    s.close()
    d.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    d.close()
    line = _log_url_connect(w, o.authority)
    check_eq(squid_bytes(line), len(ESTABLISHED) + len(first) + len(second), "logged bytes: " + line)
    sp = _tunnel_spliced(w)
    check(len(sp) == 1 and sp[0][0] >= MIB // 2, "the first burst was spliced: %r" % sp)


# An unused uid and gid for a wardend without privileges (root's pipes are
# not limited), and a helper as the same user that takes its pipe pages.
NOBODY = 64999


def _pipe_hog():
    """A child process, as NOBODY, that makes pipes until new ones come out
    small, and holds them. Returns its pid, how many it made, and the
    descriptor to close to end it (then waitpid() it)."""
    import fcntl
    import resource
    r1, w1 = os.pipe()      # child to parent: the count
    r2, w2 = os.pipe()      # parent to child: closed at the end
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r1)
            os.close(w2)
            resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            pipes = []
            while len(pipes) < 8000:
                pipes.append(os.pipe())
                if fcntl.fcntl(pipes[-1][1], fcntl.F_GETPIPE_SZ) < 65536:
                    break
            os.write(w1, b"%d" % len(pipes))
            os.read(r2, 1)
        finally:
            os._exit(0)
    os.close(w1)
    os.close(r2)
    n = os.read(r1, 32)
    os.close(r1)
    return pid, int(n or 0), w2


@timeout(90)
def test_splice_not_with_small_pipes(env):
    """A user past pipe-user-pages-soft gets 8 KiB pipes: wardend, run as
    such a user, does not splice through them (it relays, as when no pipe
    can be had), and bodies and tunnels arrive intact."""
    if os.geteuid() != 0:
        return      # needs to become another user
    down = _data(3 * MIB)

    def script(c):
        c.send(down)

    o = _StreamOrigin(script)
    env.origins.append(o)
    n = env.nginx
    data = _data(3 * MIB)
    p = _file(env, "small-pipes.bin", data)
    d = env.path("nobody")
    os.makedirs(os.path.join(d, "state"), exist_ok=True)
    for x in (d, os.path.join(d, "state")):
        os.chown(x, NOBODY, NOBODY)
    hog, npipes, end = _pipe_hog()
    try:
        check(0 < npipes < 8000, "the helper's pipes before they got small: %d" % npipes)
        w = Wardend(d, env.exe, keys={"policy_dir": SHIPPED, "connect_ports": "443, %d" % o.port},
                    flags=["-d"], name="wardend-nobody")
        plain_argv = w.argv
        w.argv = lambda: ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                          "--clear-groups", "--"] + plain_argv()
        env.wardends.append(w)
        w.start()
        c = env.conn(w.port)
        r = _get(c, n.url(p), n.authority)
        check_eq((r.status, r.complete, sha256(r.body)), (200, True, sha256(data)), "the body")
        _log_url(w, n.url(p))
        s = _connect(w, o)
        body = _recv_all(s)
        s.close()
        check_eq(sha256(body), sha256(down), "what the tunnel carried")
        _log_url_connect(w, o.authority)
        check_eq((_spliced(w), _tunnel_spliced(w)), ([], []), "splices through 8 KiB pipes")
        w.wait_stderr(r"not splicing: No buffer space available")
    finally:
        os.close(end)
        os.waitpid(hog, 0)

