"""Request bodies: 100 MiB PUT and POST streamed through wardend without
its memory growing with the body, and chunked request bodies."""

import os

from wardentest import check, check_eq, chunk, request_bytes, response, sha256_file, timeout
from wardentest.checks import squid_line
from wardentest.wardend import is_sanitized

# Peak RSS (VmHWM) allowed to wardend after a 100 MiB upload, and how much
# it may grow during one: well under the body size, so a proxy that buffers
# whole bodies fails. Sanitizer builds carry shadow memory and a
# quarantine, so their absolute bound is looser (the growth bound stays).
RSS_LIMIT_MIB = 64
RSS_LIMIT_SANITIZER_MIB = 128
RSS_GROWTH_MIB = 48


def _upload(env, method, path, args):
    n = env.nginx
    w = env.wardend()
    before = w.rss_mib()
    f = env.content.upload_file
    r = env.curl(n.url(path), proxy=w, args=args, timeout=240)
    check_eq((r.rc, r.status), (0, 201), "%s 100 MiB through wardend: %s" % (method, r.describe()))
    stored = n.upload_path(path)
    check_eq(os.path.getsize(stored), os.path.getsize(f), "bytes the origin stored")
    check_eq(sha256_file(stored), env.content.upload_sha, "sha256 of what the origin stored")
    hwm = w.hwm_mib()
    limit = RSS_LIMIT_SANITIZER_MIB if is_sanitized(env.exe) else RSS_LIMIT_MIB
    check(hwm < limit, "wardend peak RSS %.1f MiB >= %d MiB after a 100 MiB %s" % (hwm, limit, method))
    check(hwm - before < RSS_GROWTH_MIB,
          "wardend peak RSS grew %.1f MiB (from %.1f) during a 100 MiB %s: is it buffering the body?"
          % (hwm - before, before, method))
    w.wait_log(squid_line("TCP_MISS", 201, method, n.url(path)))


@timeout(300)
def test_put_100m_streamed(env):
    _upload(env, "PUT", "/dav/put-100m.bin", ["-T", env.content.upload_file])


@timeout(300)
def test_post_100m_streamed(env):
    _upload(env, "POST", "/post/post-100m.bin",
            ["--data-binary", "@" + env.content.upload_file,
             "-H", "Content-Type: application/octet-stream"])


@timeout(120)
def test_put_chunked_request_body(env):
    """curl sends the 10 MiB file chunked; the origin stores all of it."""
    n = env.nginx
    w = env.wardend()
    src = os.path.join(env.content.docroot, "10m.bin")
    r = env.curl(n.url("/dav/chunked.bin"), proxy=w,
                 args=["-T", src, "-H", "Transfer-Encoding: chunked"])
    check_eq((r.rc, r.status), (0, 201), "chunked PUT: " + r.describe())
    check_eq(sha256_file(n.upload_path("/dav/chunked.bin")), env.content.sha["10m.bin"],
             "sha256 of what the origin stored")


def test_chunked_request_body_raw(env):
    """Chunk extensions and a trailer from the client: the origin receives
    exactly the body bytes, well framed."""
    o = env.scripted({"/up": response(200, b"got it")})
    w = env.wardend()
    c = env.conn(w.port)
    body = (chunk(b"first,", b";a=b") + chunk(b"second,") + chunk(b"x" * 5000)
            + b"0\r\nX-Trailer: t\r\n\r\n")
    c.send(request_bytes("POST", o.url("/up"), [("Host", o.authority),
                                                ("Transfer-Encoding", "chunked")], body))
    r = c.read_response()
    check_eq((r.status, r.body), (200, b"got it"), "response to the chunked POST")
    reqs = o.all_requests()
    check_eq(len(reqs), 1, "requests at the origin")
    check_eq(reqs[0][2], b"first,second," + b"x" * 5000, "body the origin decoded")


def test_small_post_content_length(env):
    o = env.scripted({"/form": response(200, b"posted")})
    w = env.wardend()
    r = env.curl(o.url("/form"), proxy=w, args=["--data-binary", "a=1&b=two"])
    check_eq((r.rc, r.status, r.body), (0, 200, b"posted"), "POST: " + r.describe())
    reqs = o.all_requests()
    check_eq([b for _, _, b in reqs], [b"a=1&b=two"], "body at the origin")
