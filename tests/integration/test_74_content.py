"""The response side of the policy through wardend: weighted phrase
scanning of pages (plain, gzip'd and brotli'd by the nginx origin),
banned and exception phrases, HTML that tries to hide a phrase,
executables found by their content whatever they are called or declared
as, blocked extensions from the URL and from Content-Disposition, bodies
too large to scan, undecodable bodies, Accept-Encoding narrowing, and
streams that must not be held. Names under .localhost resolve to the
loopback (RFC 6761)."""

import gzip
import os
import random
import socket
import time

from wardentest import check, check_eq, get, response
from wardentest import procs
from wardentest.origins import Origin
from wardentest.tools import clean_env
from wardentest.util import LOCALHOST

CONF = """
phrases test phrases/test
group default {
    phrase_lists test
    naughtiness_limit 100
    block_mime application/x-executable application/x-pie-executable
    block_mime application/x-sharedlib application/x-dosexec
    block_mime application/vnd.microsoft.portable-executable
    block_extensions exe msi
    safe_search off
}
"""

WEIGHTED = """# test weights
<roulette><30>
<jackpot><40>
<online>,<casino><50>
<homework><-20>
"""

# 30 + 2 x 40 = 110: over the limit of 100.
OVER = b"<html><body><p>Roulette tonight, a jackpot, another JACKPOT!</p></body></html>\n"
# 30 + 40 = 70: under it.
UNDER = b"<html><body><p>Roulette and one jackpot.</p></body></html>\n"
# The same words as OVER, hidden by a tag inside a word and by entities.
HIDDEN = (b"<html><body><p>Rou<b></b>lette, a ja&#99;kpot and a "
          b"j&#x61;ckp<i>o</i>t.</p></body></html>\n")
# Over, but the exception phrase wins.
EXCEPTION = OVER.replace(b"</body>", b"<p>A lesson on probability.</p></body>")
BANNED = b"<html><body><p>Nothing else but a forbiddenword.</p></body></html>\n"


def _policy(env, conf=CONF):
    return env.policy_dir(conf, {"phrases/test/weighted": WEIGHTED,
                                 "phrases/test/banned": "<forbiddenword>\n",
                                 "phrases/test/exception": "<lesson on probability>\n"})


def _docroot(env, name, data, top=""):
    """A file in the nginx docroot under this test's own directory."""
    return env.content.put("%st74/%s/%s" % (top, env.name, name), data)


def _zroot(env, name, data):
    """The same under /z/, where nginx compresses what it serves."""
    return _docroot(env, name, data, top="z/")


def _wardend(env, **keys):
    keys.setdefault("policy_dir", _policy(env))
    return env.wardend(keys=keys)


def _blocked(r, what, reason=None):
    check_eq(r.status, 403, what + ": status")
    check_eq(r.header("X-Warden-Error"), "blocked", what + ": X-Warden-Error")
    check((r.header("Content-Type") or "").startswith("text/html"), what + ": block page type")
    if reason is not None:
        check(reason.encode() in r.body, "%s: the block page says %r: %r" % (what, reason, r.body[:800]))


def _elf():
    with open("/bin/true", "rb") as f:
        return f.read()


def test_content_phrase_limit(env):
    n = env.nginx
    over = _docroot(env, "over.html", OVER)
    under = _docroot(env, "under.html", UNDER)
    w = _wardend(env)
    r = get(w.port, n.url(over))
    _blocked(r, "a page over the naughtiness limit", "score 110 of limit 100")
    check(b"jackpot x2 (+80)" in r.body, "the block page names the phrases: %r" % r.body[:800])
    line = w.wait_log(r"TCP_DENIED/403 \d+ GET %s " % n.url(over).replace(".", r"\."))
    check(" reason=block-phrase " in line, "the log says why: " + line)
    check(" declared=text/html sniffed=text/html score=110" in line, "types and score logged: " + line)
    r = get(w.port, n.url(under))
    check_eq(r.status, 200, "a page under the limit")
    check_eq(r.body, UNDER, "the page under the limit, intact")
    line = w.wait_log(r"TCP_MISS/200 \d+ GET %s " % n.url(under).replace(".", r"\."))
    check(" score=70" in line, "the score of a page let through: " + line)


def test_content_phrases_banned_exception_hidden(env):
    n = env.nginx
    w = _wardend(env)
    _blocked(get(w.port, n.url(_docroot(env, "hidden.html", HIDDEN))), "phrases hidden by tags and entities",
             "score 110 of limit 100")
    _blocked(get(w.port, n.url(_docroot(env, "banned.html", BANNED))), "a banned phrase", "forbiddenword")
    r = get(w.port, n.url(_docroot(env, "exception.html", EXCEPTION)))
    check_eq(r.status, 200, "an exception phrase lets the page through")
    check_eq(r.body, EXCEPTION, "the excepted page, intact")


def test_content_gzip_and_brotli(env):
    n = env.nginx
    over = _zroot(env, "over.html", OVER)
    page = UNDER + b"<p>Nothing to see here, only filler.</p>\n" * 200
    under = _zroot(env, "under.html", page)
    w = _wardend(env)
    codings = ["gzip", "deflate, gzip;q=0.5"] + (["br"] if n.has_brotli else [])
    for ae in codings:
        r = get(w.port, n.url(over), [("Accept-Encoding", ae)])
        _blocked(r, "the page over the limit, Accept-Encoding: " + ae, "score 110 of limit 100")
    r = get(w.port, n.url(under), [("Accept-Encoding", "gzip")])
    check_eq(r.status, 200, "gzip'd page under the limit")
    check_eq(r.header("Content-Encoding"), "gzip", "the origin's coding is kept")
    check_eq(gzip.decompress(r.body), page, "the gzip'd page decodes to the original")
    check_eq(r.header("Content-Length"), str(len(r.body)), "a held page is sent with its length")
    if n.has_brotli:
        res = env.curl(n.url(under), proxy=w, args=["--compressed", "-H", "Accept-Encoding: br"])
        check_eq(res.status, 200, "brotli'd page under the limit: " + res.describe())
        check_eq((res.header("Content-Encoding") or "").lower(), "br", "brotli kept")
        check_eq(res.body, page, "curl decodes the brotli'd page to the original")
    # What the origin was asked for: only codings Warden can decode.
    w2 = _wardend(env, policy_dir=_policy(env))
    o = env.scripted({"/ae": response(200, b"plain text", [("Content-Type", "text/plain")])})
    get(w2.port, o.url("/ae"), [("Accept-Encoding", "zstd, br;q=0.9, gzip")])
    get(w2.port, o.url("/ae"), [("Accept-Encoding", "zstd")])
    heads = [h.decode("latin-1").lower() for h in o.heads()]
    check_eq(len(heads), 2, "requests at the origin")
    check("accept-encoding: br;q=0.9, gzip\r\n" in heads[0], "narrowed Accept-Encoding: %r" % heads[0])
    check("accept-encoding: identity\r\n" in heads[1], "never narrowed to nothing: %r" % heads[1])


def test_content_executable_disguised(env):
    n = env.nginx
    elf = _elf()
    png = _docroot(env, "cat.png", elf)
    w = _wardend(env)
    r = get(w.port, n.url(png))
    _blocked(r, "an executable served as image/png", "sniffed type")
    line = w.wait_log(r"TCP_DENIED/403 \d+ GET %s " % n.url(png).replace(".", r"\."))
    check(" reason=block-mime " in line and " declared=image/png " in line and
          " sniffed=application/x-" in line, "declared and sniffed types logged: " + line)
    # Gzip'd on the way cannot hide it either.
    _blocked(get(w.port, n.url(_zroot(env, "cat.png", elf)), [("Accept-Encoding", "gzip")]),
             "a gzip'd executable")
    # A real image passes.
    pic = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    r = get(w.port, n.url(_docroot(env, "real.png", pic)))
    check_eq(r.status, 200, "a PNG")
    check_eq(r.body, pic, "the PNG, intact")


def test_content_blocked_extensions(env):
    n = env.nginx
    o = env.scripted({
        "/download": response(200, b"just text", [("Content-Type", "text/plain"),
                                                   ("Content-Disposition", 'attachment; filename="tool.EXE"')]),
        "/star": response(200, b"just text", [("Content-Type", "text/plain"),
                                               ("Content-Disposition", "attachment; filename*=UTF-8''setup%2Emsi")]),
        "/fine": response(200, b"just text", [("Content-Type", "text/plain"),
                                               ("Content-Disposition", 'attachment; filename="notes.txt"')]),
    })
    w = _wardend(env)
    _blocked(get(w.port, n.url(_docroot(env, "setup.exe", b"not really a program\n"))),
             "a .exe URL", "URL extension")
    _blocked(get(w.port, o.url("/download")), "a .EXE attachment", "attachment extension")
    _blocked(get(w.port, o.url("/star")), "a filename* attachment")
    check_eq(get(w.port, o.url("/fine")).status, 200, "a .txt attachment")
    line = w.wait_log(r"TCP_DENIED/403 \d+ GET %s " % o.url("/download").replace(".", r"\."))
    check(" reason=block-extension " in line, "reason logged: " + line)


def test_content_too_large_to_scan(env):
    n = env.nginx
    big = OVER + b"<!-- " + b"x" * (64 * 1024) + b" -->\n"
    path = _docroot(env, "big.html", big)
    w = _wardend(env, scan_max_size="16k")
    r = get(w.port, n.url(path))
    check_eq(r.status, 200, "scan_oversize pass: a page past scan_max_size is let through")
    check_eq(r.body, big, "the unscanned page, intact")
    line = w.wait_log(r"TCP_MISS/200 \d+ GET %s " % n.url(path).replace(".", r"\."))
    check(" score=unscanned" in line, "logged as unscanned: " + line)
    w2 = _wardend(env, scan_max_size="16k", scan_oversize="block")
    _blocked(get(w2.port, n.url(path)), "scan_oversize block", "larger than the scan limit")
    w2.wait_log(r"TCP_DENIED/403 .* reason=block-unscannable ")


def test_content_undecodable_body_blocked(env):
    good = gzip.compress(OVER)
    o = env.scripted({
        "/corrupt": response(200, good[:10] + b"\xff" * 40 + good[50:],
                             [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
        "/truncated": response(200, good[:len(good) // 2],
                               [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
        "/zstd": response(200, b"(\xb5/\xfd" + b"\x00" * 20,
                          [("Content-Type", "text/html"), ("Content-Encoding", "zstd")]),
    })
    w = _wardend(env)
    for path in ("/corrupt", "/truncated", "/zstd"):
        _blocked(get(w.port, o.url(path), [("Accept-Encoding", "gzip")]), path, "could")
    w.wait_log(r"TCP_DENIED/403 .* reason=block-unscannable ")


class _SlowOrigin(Origin):
    """Sends a head and first bytes, then waits pause seconds before the
    rest: what a client sees of the first bytes tells whether they were
    held."""

    def __init__(self, ctype, first, rest, pause):
        self.ctype, self.first, self.rest, self.pause = ctype, first, rest, pause
        super().__init__("slow-origin", max_conns=4, lifetime=60)

    def handle(self, c):
        if c.read_request() is None:
            return
        c.send(b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
            self.ctype.encode(), len(self.first) + len(self.rest)) + self.first)
        time.sleep(self.pause)
        c.send(self.rest)
        time.sleep(0.5)


def _first_bytes_after(port, url, want):
    """Seconds until want body bytes arrived, and the whole body."""
    s = socket.create_connection((LOCALHOST, port), timeout=20)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (
            url, url.split("/")[2])).encode())
        t0 = time.monotonic()
        buf, first_at = b"", None
        while True:
            b = s.recv(65536)
            if not b:
                break
            buf += b
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep and first_at is None and len(body) >= want:
                first_at = time.monotonic() - t0
        return first_at, buf.partition(b"\r\n\r\n")[2]
    finally:
        s.close()


def test_content_stream_not_held(env):
    # A video: the first 256 KiB come at once, the rest 3 s later.
    first = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + os.urandom(256 * 1024)
    o = _SlowOrigin("video/mp4", first, os.urandom(64 * 1024), 3.0)
    env.origins.append(o)
    w = _wardend(env)
    at, body = _first_bytes_after(w.port, o.url("/movie.mp4"), 64 * 1024)
    check(at is not None and at < 2.0, "the first bytes of a video arrive before the origin finishes: %r" % at)
    check_eq(len(body), len(first) + 64 * 1024, "the whole video")
    # A trickle (100 bytes, then a pause) is sniffed on what came, not held.
    o2 = _SlowOrigin("application/octet-stream", b"\x01\x02binary" * 10, b"rest", 3.0)
    env.origins.append(o2)
    at, body = _first_bytes_after(w.port, o2.url("/feed"), 80)
    check(at is not None and at < 2.0, "a slow stream is let through after a short sniff wait: %r" % at)
    # A scanned page is held until its end.
    o3 = _SlowOrigin("text/html", UNDER[:20], UNDER[20:], 1.5)
    env.origins.append(o3)
    at, body = _first_bytes_after(w.port, o3.url("/page.html"), 1)
    check(at is not None and at >= 1.4, "a scanned page is held until it is complete: %r" % at)
    check_eq(body, UNDER, "the held page, intact")


def test_content_huge_download_flat_memory(env):
    n = env.nginx
    path = os.path.join(env.content.docroot, "t74", env.name, "huge.bin")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    size = 2 * 1024 * 1024 * 1024
    with open(path, "wb") as f:
        # Incompressible and the same every run, so that what it sniffs
        # as is known (application/octet-stream): random bytes now and
        # then start with a program's magic, and the download is blocked.
        f.write(random.Random(74).randbytes(64 * 1024))
        f.truncate(size)            # the rest: a sparse run of zeros
    w = _wardend(env)
    before = w.hwm_mib()
    r = procs.run(["curl", "-q", "-sS", "--max-time", "600", "-o", "/dev/null",
                   "-w", "%{http_code} %{size_download}", "-x", "http://%s:%d" % (LOCALHOST, w.port),
                   n.url("/t74/%s/huge.bin" % env.name)], timeout=620, env=clean_env())
    os.unlink(path)
    check_eq(r.stdout.decode().split(), ["200", str(size)], "a 2 GiB download: %r" % r.stderr[-300:])
    grew = w.hwm_mib() - before
    check(grew < 64, "wardend's peak memory grew by %.1f MiB for a 2 GiB response" % grew)


def test_content_shipped_policy(env):
    """What a fresh install does: the shipped policy blocks programs and
    casino adverts, and lets an ordinary page and a picture through."""
    n = env.nginx
    advert = (b"<html><head><title>Big Win Online Casino</title></head><body>"
              b"<h1>Online casino: play slots for real money</h1>"
              b"<p>Claim your welcome bonus and 50 free spins! No deposit bonus today, "
              b"wagering requirement 30x. Live casino, roulette and blackjack.</p>"
              b"<p>Withdraw your winnings in minutes. Play now!</p></body></html>\n")
    ordinary = (b"<html><body><h1>The water cycle</h1><p>Water evaporates from the sea, "
                b"forms clouds and falls again as rain.</p></body></html>\n")
    w = env.wardend()
    r = get(w.port, n.url(_docroot(env, "casino.html", advert)))
    _blocked(r, "a casino advert", "score")
    line = w.wait_log(r"TCP_DENIED/403 .*casino\.html ")
    check(" reason=block-phrase " in line, "logged as a phrase block: " + line)
    r = get(w.port, n.url(_docroot(env, "water.html", ordinary)))
    check_eq((r.status, r.body), (200, ordinary), "an ordinary page")
    _blocked(get(w.port, n.url(_docroot(env, "holiday.png", _elf()))), "a program called holiday.png")
    _blocked(get(w.port, n.url(_docroot(env, "setup.exe", b"MZ"))), "a .exe download")
    pic = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00" \
          b"\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    r = get(w.port, n.url(_docroot(env, "dot.gif", pic)))
    check_eq((r.status, r.body), (200, pic), "a picture")
