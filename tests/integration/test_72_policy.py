"""The request-side policy through wardend: block and allow lists
(domains, URLs, expressions), categories from a store that warden-update
builds, groups by client address, evasion spellings, the block page and
the log fields, safe search, and reloads that change verdicts or are
refused. Names under .localhost resolve to the loopback (RFC 6761), so an
origin on 127.0.0.1 can stand for any site."""

import os
import re
import signal
import subprocess
import time

from wardentest import check, check_eq, get, request_bytes, response
from wardentest.checks import squid_line


def _ok(body=b"origin-ok"):
    return response(200, body, [("Content-Type", "text/plain")])


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def _policy(env, conf, lists=None, name="policy"):
    return env.policy_dir(conf, lists, name)


BLOCK_CONF = """
list local_allow local/allow
list local_block local/block
group default {
    allow local_allow
    block local_block
    safe_search off
}
"""

BLOCK_LISTS = {
    "local/allow/domains": "# nothing allowed specially\nok.blocked.localhost\n",
    "local/block/domains": "blocked.localhost\n",
    "local/block/urls": "pages.localhost/private\n",
    "local/block/expressions": "# gambling sites\n(^|[./])casino[0-9]*\\.\n",
}


def _wardend(env, policy_dir, **keys):
    keys["policy_dir"] = policy_dir
    keys.setdefault("category_store", env.path("state/categories.db"))
    return env.wardend(keys=keys)


def _url(o, host, path="/"):
    return "http://%s:%d%s" % (host, o.port, path)


def _blocked(r, what):
    check_eq(r.status, 403, what + ": status")
    check_eq(r.header("X-Warden-Error"), "blocked", what + ": X-Warden-Error")
    check((r.header("Content-Type") or "").startswith("text/html"), what + ": block page type")


def test_policy_block_domain_and_subdomain(env):
    o = env.scripted({"/": _ok(), "/x": _ok()})
    w = _wardend(env, _policy(env, BLOCK_CONF, BLOCK_LISTS))
    r = get(w.port, _url(o, "blocked.localhost", "/x"))
    _blocked(r, "blocked.localhost")
    body = r.body.decode("utf-8", "replace")
    check("blocked.localhost" in body, "block page names the URL: %r" % body[:400])
    line = w.wait_log(r"TCP_DENIED/403 \d+ GET http://blocked\.localhost:%d/x " % o.port)
    check(re.search(r" group=default verdict=block reason=block-domain category=- id=\S+ declared=\S+ sniffed=\S+ score=\S+$", line),
          "policy fields in the log line: " + line)
    rid = re.search(r" id=(\S+) ", line).group(1)
    check(rid in body, "the request id %s is on the block page" % rid)
    _blocked(get(w.port, _url(o, "www.sub.blocked.localhost")), "a subdomain")
    check_eq(get(w.port, _url(o, "notblocked.localhost")).status, 200, "notblocked.localhost (not a subdomain)")
    check_eq(get(w.port, _url(o, "ok.blocked.localhost")).status, 200, "allow list wins over the block list")
    heads = b"".join(o.heads())
    check(b"blocked.localhost:%d\r\n" % o.port not in heads.replace(b"notblocked", b"")
          .replace(b"ok.blocked", b""), "a blocked request reached the origin: %r" % heads)


def test_policy_block_url_and_regex(env):
    o = env.scripted({"/private/x": _ok(), "/privateer": _ok(), "/": _ok()})
    w = _wardend(env, _policy(env, BLOCK_CONF, BLOCK_LISTS))
    _blocked(get(w.port, _url(o, "pages.localhost", "/private/x")), "URL list prefix")
    _blocked(get(w.port, _url(o, "www.pages.localhost", "/private?x=1")), "URL list, www. and a query")
    check_eq(get(w.port, _url(o, "pages.localhost", "/privateer")).status, 200, "not at a / boundary")
    r = get(w.port, _url(o, "my.casino7.localhost"))
    _blocked(r, "expression")
    check(b"expressions:2" in r.body, "the block page names the expression's file:line: %r" % r.body[:600])
    w.wait_log(r"TCP_DENIED/403 .* reason=block-regex ")
    w.wait_log(r"TCP_DENIED/403 .* reason=block-url ")


def test_policy_evasion_spellings_blocked(env):
    o = env.scripted({"/": _ok()})
    w = _wardend(env, _policy(env, BLOCK_CONF, BLOCK_LISTS))
    for url in [_url(o, "BLOCKED.LocalHost."),
                _url(o, "pages.localhost", "/a/../private/x"),
                _url(o, "pages.localhost", "/./private/x"),
                _url(o, "pages.localhost", "/%70rivate/x"),
                _url(o, "pages.localhost", "/%70%72%69%76%61%74%65")]:
        _blocked(get(w.port, url), url)
    check_eq(o.heads(), [], "requests that reached the origin")
    # The log shows the normalised form.
    w.wait_log(r"TCP_DENIED/403 \d+ GET http://pages\.localhost:%d/private/x " % o.port)


def _store(env, tree):
    """Builds a category store with the real warden-update."""
    src = env.path("ut1")
    for rel, text in tree.items():
        _write(os.path.join(src, rel), text)
    store = env.path("state/categories.db")
    os.makedirs(os.path.dirname(store), exist_ok=True)
    exe = os.path.join(os.path.dirname(env.exe), "warden-update")
    p = subprocess.run([exe, "import", "-s", store, src], capture_output=True, timeout=60)
    check_eq(p.returncode, 0, "warden-update import: %r" % p.stderr)
    return store


def test_policy_category_blocked_and_allow_list_wins(env):
    o = env.scripted({"/": _ok(), "/page": _ok()})
    store = _store(env, {"adult/domains": "adult.localhost\n",
                         "adult/urls": "mixed.localhost/adult\n",
                         "gambling/domains": "bet.localhost\n"})
    conf = """
list local_allow local/allow
group default {
    allow local_allow
    block_categories adult gambling
}
"""
    w = _wardend(env, _policy(env, conf, {"local/allow/domains": "fine.adult.localhost\n"}),
                 category_store=store)
    r = get(w.port, _url(o, "www.adult.localhost", "/page"))
    _blocked(r, "category adult")
    check(b"adult" in r.body, "block page names the category")
    w.wait_log(r"TCP_DENIED/403 .* reason=block-category category=adult ")
    _blocked(get(w.port, _url(o, "mixed.localhost", "/adult/x")), "category URL entry")
    _blocked(get(w.port, _url(o, "bet.localhost")), "category gambling")
    check_eq(get(w.port, _url(o, "mixed.localhost", "/page")).status, 200, "other pages of a mixed site")
    check_eq(get(w.port, _url(o, "fine.adult.localhost")).status, 200, "allow list over the category")
    w.wait_log(r"TCP_MISS/200 .* verdict=allow reason=allow-list ")


def test_policy_group_by_source_address(env):
    o = env.scripted({"/": _ok()})
    conf = """
list local_block local/block
group staff {
    clients 127.0.0.2/32
}
group default {
    block local_block
}
"""
    w = _wardend(env, _policy(env, conf, {"local/block/domains": "blocked.localhost\n"}))
    r = env.curl(_url(o, "blocked.localhost"), proxy=w)
    check_eq(r.status, 403, "default group from 127.0.0.1")
    r = env.curl(_url(o, "blocked.localhost"), proxy=w, args=["--interface", "127.0.0.2"])
    check_eq((r.rc, r.status), (0, 200), "staff from 127.0.0.2: " + r.describe())
    w.wait_log(r"^\S+\s+\d+ 127\.0\.0\.2 TCP_MISS/200 .* group=staff verdict=none ")
    w.wait_log(r"^\S+\s+\d+ 127\.0\.0\.1 TCP_DENIED/403 .* group=default verdict=block ")


def test_policy_block_page_escapes_values(env):
    o = env.scripted({"/": _ok()})
    w = _wardend(env, _policy(env, BLOCK_CONF, BLOCK_LISTS))
    r = get(w.port, _url(o, "blocked.localhost", "/it's&x"))
    _blocked(r, "blocked with a quote and & in the URL")
    body = r.body.decode("utf-8", "replace")
    check("it's&x" not in body, "raw ' and & from the URL on the page: %r" % body[:600])
    check("&#39;" in body or "&#x27;" in body, "escaped quote on the page")


def test_policy_connect_blocked(env):
    w = _wardend(env, _policy(env, BLOCK_CONF, BLOCK_LISTS))
    c = env.conn(w.port)
    c.send(request_bytes("CONNECT", "blocked.localhost:443", [("Host", "blocked.localhost:443")]))
    r = c.read_response()
    check_eq(r.status, 403, "CONNECT to a blocked host")
    check((r.header("Content-Type") or "").startswith("text/plain"), "a short text refusal")
    check(b"Blocked" in r.body, "refusal text: %r" % r.body)
    w.wait_log(r"TCP_DENIED/403 \d+ CONNECT blocked\.localhost:443 .* reason=block-domain ")


def test_policy_reload_changes_verdict_on_open_connection(env):
    o = env.scripted({"/": _ok()})
    lists = dict(BLOCK_LISTS)
    lists["local/block/domains"] = "other.localhost\n"
    pdir = _policy(env, BLOCK_CONF, lists)
    w = _wardend(env, pdir)
    c = env.conn(w.port)
    url = _url(o, "later.localhost")
    c.send(request_bytes("GET", url, [("Host", "later.localhost")]))
    check_eq(c.read_response().status, 200, "before the reload")
    _write(os.path.join(pdir, "local/block/domains"), "other.localhost\nlater.localhost\n")
    w.signal(signal.SIGHUP)
    w.wait_stderr(r"configuration reloaded")
    c.send(request_bytes("GET", url, [("Host", "later.localhost")]))
    _blocked(c.read_response(), "after the reload, same connection")


def test_policy_bad_list_keeps_old_policy(env):
    o = env.scripted({"/": _ok()})
    pdir = _policy(env, BLOCK_CONF, BLOCK_LISTS)
    w = _wardend(env, pdir)
    _blocked(get(w.port, _url(o, "blocked.localhost")), "before")
    _write(os.path.join(pdir, "local/block/expressions"), "fine\n(unclosed\n")
    _write(os.path.join(pdir, "local/block/domains"), "")
    w.signal(signal.SIGHUP)
    line = w.wait_stderr(r"reload refused")
    check("local/block/expressions:2" in line, "the refusal names file:line: " + line)
    _blocked(get(w.port, _url(o, "blocked.localhost")), "the old policy still serves")
    p = subprocess.run([env.exe, "-t", "-c", w.conf_path], capture_output=True, timeout=30)
    check(p.returncode != 0, "wardend -t accepts the bad policy")
    check(b"local/block/expressions:2:" in p.stderr, "wardend -t output: %r" % p.stderr)


def test_policy_shipped_default_loads_and_passes_traffic(env):
    o = env.scripted({"/": _ok()})
    w = env.wardend()
    check_eq(get(w.port, _url(o, "www.example.localhost")).status, 200, "shipped policy, ordinary site")
    w.wait_log(r"TCP_MISS/200 .* group=default verdict=none ")
    p = subprocess.run([env.exe, "-t", "-c", w.conf_path], capture_output=True, timeout=30)
    check_eq(p.returncode, 0, "wardend -t with the shipped policy: %r" % p.stderr)


def _hosts(env, text):
    path = env.path("hosts")
    _write(path, text)
    return path


def test_safe_search_http_rewrite_and_header(env):
    seen = []

    def record(head, body):
        seen.append(head)
        return _ok()

    o = env.scripted({"/search": record, "/watch": record})
    hosts = _hosts(env, "127.0.0.1 www.google.com www.youtube.com\n")
    conf = "group default {\n    safe_search on\n}\n"
    w = _wardend(env, _policy(env, conf), hosts_file=hosts)
    check_eq(get(w.port, "http://www.google.com:%d/search?q=x&safe=off" % o.port).status, 200, "google")
    line = seen[-1].split(b"\r\n")[0]
    check(re.match(rb"GET /search\?q=x&safe=active HTTP/1\.1$", line), "google request line: %r" % line)
    check_eq(get(w.port, "http://www.youtube.com:%d/watch" % o.port,
                  [("YouTube-Restrict", "Moderate")]).status, 200, "youtube")
    yt = [l for l in seen[-1].split(b"\r\n") if l.lower().startswith(b"youtube-restrict:")]
    check_eq(yt, [b"YouTube-Restrict: Strict"], "YouTube-Restrict the origin got")


def test_safe_search_connect_goes_to_enforced_endpoint(env):
    n = env.nginx
    # www.google.com points nowhere; only the enforced endpoint is reachable.
    hosts = _hosts(env, "127.0.0.3 www.google.com\n127.0.0.1 forcesafesearch.google.com\n")
    conf = "group default {\n    safe_search on\n}\n"
    w = _wardend(env, _policy(env, conf), hosts_file=hosts,
                 connect_ports="443, %d" % n.https_port)
    c = env.conn(w.port)
    c.send(request_bytes("CONNECT", "www.google.com:%d" % n.https_port,
                         [("Host", "www.google.com:%d" % n.https_port)]))
    head = c.read_until(b"\r\n\r\n", time.monotonic() + 10)
    check(head is not None and head.startswith(b"HTTP/1.1 200 "),
          "CONNECT www.google.com reaches forcesafesearch.google.com: %r" % head)
    c.close()
    w.wait_log(r"TCP_TUNNEL/200 \d+ CONNECT www\.google\.com:%d - HIER_DIRECT/127\.0\.0\.1 "
               % n.https_port, timeout=10)
