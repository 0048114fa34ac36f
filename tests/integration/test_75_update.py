"""The weekly blacklist update: warden-update fetch (file:// and http://
from the nginx origin) and import of UT1-style .tar.gz archives made here
at run time. A good archive changes verdicts in a running wardend, which
warden-update tells to reload through its pid file, without dropping an
open keep-alive connection; every bad archive (truncated, empty, only
unsafe members, a category shrinking past the limit, a download that
fails, a run killed midway) leaves the live store byte-identical and
exits non-zero with a message that names the problem."""

import io
import os
import signal
import subprocess
import tarfile
import time

from wardentest import check, check_eq, get, request_bytes, response, sha256_file, timeout, wait_until

CONF = """
list local_allow local/allow
group default {
    allow local_allow
    block_categories adult
}
"""


def _ok():
    return response(200, b"origin-ok", [("Content-Type", "text/plain")])


def _exe(env):
    return os.path.join(os.path.dirname(env.exe), "warden-update")


def _tar(path, members, top="blacklists/"):
    """A .tar.gz: members {"adult/domains": bytes or str} below top;
    ("symlink", target) values are symbolic links."""
    with tarfile.open(path, "w:gz") as t:
        for name, data in members.items():
            ti = tarfile.TarInfo(top + name)
            if isinstance(data, tuple):
                ti.type = tarfile.SYMTYPE
                ti.linkname = data[1]
                t.addfile(ti)
                continue
            if isinstance(data, str):
                data = data.encode()
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    return path


def _update(env, *args, timeout_s=60):
    return subprocess.run([_exe(env)] + list(args), capture_output=True, timeout=timeout_s)


def _policy(env):
    return env.policy_dir(CONF, {"local/allow/domains": "fine.adult.localhost\n"})


def _first_store(env, store):
    a = _tar(env.path("first.tar.gz"), {"adult/domains": "adult.localhost\n",
                                        "adult/urls": "mixed.localhost/adult\n",
                                        "games/domains": "game1.localhost\ngame2.localhost\n"})
    p = _update(env, "import", "-s", store, a)
    check_eq((p.returncode, p.stderr), (0, b""), "first import (quiet on success)")


def _url(o, host, path="/"):
    return "http://%s:%d%s" % (host, o.port, path)


@timeout(60)
def test_update_fetch_reloads_wardend(env):
    o = env.scripted({"/": _ok()})
    store = env.path("state/categories.db")
    os.makedirs(os.path.dirname(store), exist_ok=True)
    _first_store(env, store)
    w = env.wardend(keys={"policy_dir": _policy(env), "category_store": store,
                          "keepalive_timeout": "60s"})
    check_eq(get(w.port, _url(o, "www.adult.localhost")).status, 403, "adult before the update")
    # An open keep-alive connection, used before and after the update.
    c = env.conn(w.port)
    host = "new-bad.localhost:%d" % o.port
    c.send(request_bytes("GET", _url(o, "new-bad.localhost"), [("Host", host)]))
    check_eq(c.read_response().status, 200, "new-bad before the update")

    a = _tar(env.path("second.tar.gz"), {
        "adult/domains": "adult.localhost\nnew-bad.localhost\nfine.adult.localhost\n",
        "adult/urls": "mixed.localhost/adult\n",
        "games/domains": "game1.localhost\ngame2.localhost\n",
        "README": "not a list\n"})
    p = _update(env, "fetch", "-c", w.conf_path, "file://" + a)
    check_eq((p.returncode, p.stderr), (0, b""), "fetch file:// (quiet on success)")
    w.wait_stderr(r"configuration reloaded", timeout=10)
    c.send(request_bytes("GET", _url(o, "new-bad.localhost"), [("Host", host)]))
    r = c.read_response()
    check_eq(r.status, 403, "new-bad on the same connection after the update")
    check_eq(get(w.port, _url(o, "fine.adult.localhost")).status, 200,
             "the local allow list survives the update")
    log = open(os.path.join(w.keys["state_dir"], "update.log")).read().splitlines()
    check("fetch file://%s: ok, 2 categories, 5 domains, 1 urls, 2 added, 0 removed" % a in log[-1]
          and "reload: sent to wardend %d" % w.pid in log[-1], "update.log: %r" % log)

    # The same over HTTP, from the nginx origin.
    n = env.nginx
    name = "update-%d.tar.gz" % os.getpid()
    served = os.path.join(env.content.docroot, name)
    _tar(served, {"adult/domains": "adult.localhost\nnew-bad.localhost\nvia-http.localhost\n",
                  "adult/urls": "mixed.localhost/adult\n",
                  "games/domains": "game1.localhost\ngame2.localhost\n"})
    try:
        p = _update(env, "fetch", "-v", "-c", w.conf_path, n.url("/" + name))
    finally:
        os.unlink(served)
    check_eq(p.returncode, 0, "fetch http://: %r" % p.stderr)
    check(b"1 added, 1 removed" in p.stderr and b"reload: sent" in p.stderr,
          "-v summary: %r" % p.stderr)
    wait_until(lambda: get(w.port, _url(o, "via-http.localhost")).status == 403, 10, 0.2,
               "via-http blocked after the http:// update")
    check_eq(get(w.port, _url(o, "fine.adult.localhost")).status, 200, "allow list after the second update")
    c.send(request_bytes("GET", _url(o, "new-bad.localhost"), [("Host", host)]))
    check_eq(c.read_response().status, 403, "the kept connection after the second update")


def _bad_case(env, store, args, want):
    before = sha256_file(store)
    p = _update(env, *args)
    err = p.stderr.decode(errors="replace")
    check(p.returncode != 0, "%s: exit status 0: %r" % (args, err))
    check(want in err, "%s: message lacks %r: %r" % (args, want, err))
    check("is unchanged" in err, "%s: says the store is unchanged: %r" % (args, err))
    check_eq(sha256_file(store), before, "%s: the store's sha256" % (args,))
    check(not os.path.exists(store + ".new"), "PATH.new left behind")


@timeout(60)
def test_update_bad_archives_keep_store(env):
    store = env.path("state/categories.db")
    os.makedirs(os.path.dirname(store), exist_ok=True)
    _first_store(env, store)
    good = _tar(env.path("good.tar.gz"), {"adult/domains": "adult.localhost\n" * 3,
                                          "games/domains": "g.localhost\n"})
    trunc = env.path("truncated.tar.gz")
    big = "".join("h%07d.localhost\n" % i for i in range(40000))
    _tar(trunc, {"adult/domains": big})
    blob = open(trunc, "rb").read()
    with open(trunc, "wb") as f:
        f.write(blob[:len(blob) // 2])
    _bad_case(env, store, ["import", "-s", store, trunc], "truncated")
    empty = env.path("empty.tar.gz")
    with tarfile.open(empty, "w:gz"):
        pass
    _bad_case(env, store, ["import", "-s", store, empty], "no category lists")
    notgz = env.path("not-an-archive.tar.gz")
    with open(notgz, "wb") as f:
        f.write(b"adult.localhost\n")
    _bad_case(env, store, ["import", "-s", store, notgz], "not-an-archive.tar.gz")
    unsafe = _tar(env.path("unsafe.tar.gz"), {"../../evil/domains": "evil.localhost\n",
                                             "adult/domains": ("symlink", "/etc/passwd"),
                                             "games": ("symlink", "../adult")}, top="")
    _bad_case(env, store, ["import", "-s", store, unsafe], "no category lists")
    p = _update(env, "import", "-s", store, unsafe)
    err = p.stderr.decode(errors="replace")
    check("../../evil/domains: skipped: name with \"..\"" in err and "adult/domains: skipped: link" in err,
          "the unsafe members are named: %r" % err)
    # games: 2 entries to 0, adult: 2 to 1 (more than half gone).
    shrink = _tar(env.path("shrink.tar.gz"), {"adult/domains": "adult.localhost\n"})
    _bad_case(env, store, ["import", "-s", store, shrink], "would shrink")
    _bad_case(env, store, ["import", "-s", store, "--max-shrink", "0.9", shrink], "--force")
    _bad_case(env, store, ["fetch", "-s", store, "file://" + env.path("missing.tar.gz")], "missing.tar.gz")
    _bad_case(env, store, ["fetch", "-s", store, "http://127.0.0.1:1/x.tar.gz"], "download")
    _bad_case(env, store, ["fetch", "-s", store, "ftp://127.0.0.1/x.tar.gz"], "download")
    log = open(env.path("state/update.log")).read()
    check(log.count("failed, store unchanged") >= 9, "update.log: %r" % log)
    # A good archive still imports; --force accepts the shrink.
    p = _update(env, "import", "-s", store, good)
    check_eq(p.returncode, 0, "good archive: %r" % p.stderr)
    p = _update(env, "import", "-s", store, "--force", shrink)
    check_eq(p.returncode, 0, "--force: %r" % p.stderr)


@timeout(60)
def test_update_bad_lines_skipped(env):
    store = env.path("state/categories.db")
    os.makedirs(os.path.dirname(store), exist_ok=True)
    a = _tar(env.path("lines.tar.gz"), {
        "adult/domains": b"ok1.localhost\nbad host!\n\xff\xfe.localhost\n" + b"x" * 5000 + b"\nok2.localhost\n",
        "adult/urls": "ok3.localhost/path\n",
        "../x/domains": "evil.localhost\n"})
    p = _update(env, "import", "-v", "-s", store, a)
    err = p.stderr.decode(errors="replace")
    check_eq(p.returncode, 0, "import with bad lines: " + err)
    check("lines.tar.gz:blacklists/adult/domains:3: not UTF-8" in err, "names the non-UTF-8 line: " + err)
    check("lines.tar.gz:blacklists/adult/domains:4: line longer than" in err, "names the long line: " + err)
    check("blacklists/../x/domains: skipped" in err, "names the traversal: " + err)
    check("2 domains, 1 urls" in err and "3 skipped" in err and "skipped entries: 1" in err, "counts: " + err)


@timeout(90)
def test_update_killed_midway(env):
    store = env.path("state/categories.db")
    os.makedirs(os.path.dirname(store), exist_ok=True)
    _first_store(env, store)
    before = sha256_file(store)
    big = env.path("big.tar.gz")
    lines = "".join("host%07d.example.localhost\n" % i for i in range(1500000))
    _tar(big, {"adult/domains": lines, "games/domains": "game1.localhost\ngame2.localhost\n"})
    p = subprocess.Popen([_exe(env), "import", "-s", store, big],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: os.path.exists(store + ".new") or p.poll() is not None, 20, 0.01,
                   "warden-update building PATH.new")
        check(p.poll() is None, "warden-update finished before it could be killed")
        time.sleep(0.2)
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
        p.stderr.close()
    check_eq(p.returncode, -signal.SIGKILL, "killed")
    check_eq(sha256_file(store), before, "the live store after the kill")
    r = _update(env, "import", "-s", store, big, timeout_s=120)
    check_eq(r.returncode, 0, "import after the kill: %r" % r.stderr)
    check(not os.path.exists(store + ".new"), "PATH.new cleaned up")
    check(sha256_file(store) != before, "the store was replaced")
