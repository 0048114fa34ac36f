"""Signals: SIGHUP reloads (a good config takes effect without dropping the
listener or open connections; a bad one is refused with file:line and the
old one keeps serving), SIGTERM drains, SIGUSR1 reopens the access log."""

import os
import re
import signal
import time

from wardentest import (SlowDownload, check, check_eq, connect_refused, get, request_bytes, sha256,
                        sha256_file, timeout, wait_until)
from wardentest.checks import squid_line


def _connect_status(env, w, n):
    return env.curl(n.https_url("/1k.bin"), proxy=w, cacert=True, timeout=15)


@timeout(60)
def test_sighup_good_config(env):
    n = env.nginx
    w = env.wardend(keys={"connect_ports": "443", "keepalive_timeout": "60s"})
    r = _connect_status(env, w, n)
    check_eq(r.connect_status, 403, "CONNECT before the reload: " + r.describe())
    # An idle keep-alive connection, open across the reload.
    c = env.conn(w.port)
    c.send(request_bytes("GET", n.url("/1k.bin"), [("Host", n.authority)]))
    check_eq(c.read_response().status, 200, "GET on the kept connection")
    w.write_conf({"connect_ports": "443, %d" % n.https_port})
    w.signal(signal.SIGHUP)

    def allowed():
        return _connect_status(env, w, n).connect_status == 200
    wait_until(allowed, 10, 0.3, "CONNECT to the newly allowed port after SIGHUP")
    r = _connect_status(env, w, n)
    check_eq((r.rc, r.status, sha256(r.body)), (0, 200, env.content.sha["1k.bin"]),
             "HTTPS through the tunnel after reload: " + r.describe())
    c.send(request_bytes("GET", n.url("/64k.bin"), [("Host", n.authority)]))
    r2 = c.read_response()
    check_eq((r2.status, sha256(r2.body)), (200, env.content.sha["64k.bin"]),
             "GET on the connection opened before the reload")
    check(w.running(), "wardend is gone")
    r = get(w.port, n.url("/index.html"))
    check_eq(r.status, 200, "a new connection after reload")


@timeout(60)
def test_sighup_bad_config_keeps_old(env):
    n = env.nginx
    w = env.wardend(keys={"connect_ports": str(n.https_port)})
    check_eq(_connect_status(env, w, n).connect_status, 200, "CONNECT before the reload")
    # The bad file also drops the HTTPS port: none of it may take effect.
    w.keys["connect_ports"] = "443"
    w.write_conf(extra_lines="this_key_does_not_exist 1\n")
    bad_line = len(open(w.conf_path).read().splitlines())
    w.signal(signal.SIGHUP)
    w.wait_stderr(r"%s:%d:" % (re.escape(w.conf_path), bad_line), 10)
    check(w.running(), "wardend exited on a bad reload")
    r = _connect_status(env, w, n)
    check_eq((r.connect_status, r.status), (200, 200),
             "CONNECT after a refused reload (old config must still apply): " + r.describe())
    r = get(w.port, n.url("/1k.bin"))
    check_eq(r.status, 200, "GET after a refused reload")


@timeout(90)
def test_sigterm_drains(env):
    """A slow download in flight when SIGTERM arrives still completes
    intact; the listener closes at once; wardend then exits 0."""
    n = env.nginx
    w = env.wardend(keys={"shutdown_grace": "30s"})
    d = SlowDownload(w.port, n.url("/10m.bin"), rate=1 << 20)
    wait_until(lambda: d.received > 512 * 1024 or not d.running(), 10, 0.05, "the download to start")
    check(d.running(), "the download ended before SIGTERM: %s" % d.error)
    t = time.monotonic()
    w.signal(signal.SIGTERM)
    wait_until(lambda: connect_refused(w.port), 5, 0.1, "the listener to close after SIGTERM")
    check(d.running(), "the download stopped %.1fs after SIGTERM at %d bytes: %s"
          % (time.monotonic() - t, d.received, d.error))
    d.join(40)
    check(not d.running(), "the download still running 40s after SIGTERM")
    check_eq((d.status, d.error, d.complete), (200, None, True),
             "drained download (%d of %d bytes)" % (d.received, d.length))
    check_eq(d.sha256, env.content.sha["10m.bin"], "the drained download's sha256")
    check(time.monotonic() - t >= 2, "download finished %.1fs after SIGTERM: too fast for the test "
          "to mean anything" % (time.monotonic() - t))
    rc = w.wait_exit(15)
    check_eq(rc, 0, "wardend exit status after draining")
    w.wait_log(squid_line("TCP_MISS", 200, "GET", n.url("/10m.bin")))


@timeout(90)
def test_sigterm_drains_curl(env):
    """The same with curl as the client (--limit-rate): whatever curl's
    real pace, the download completes intact and wardend exits 0."""
    n = env.nginx
    w = env.wardend(keys={"shutdown_grace": "30s"})
    p, out = env.curl_bg(n.url("/10m.bin"), w, args=["--limit-rate", "1M"], timeout=60)
    wait_until(lambda: os.path.exists(out) and os.path.getsize(out) > 256 * 1024, 10, 0.02,
               "the download to start")
    w.signal(signal.SIGTERM)
    rc = p.wait(45)
    check_eq(rc, 0, "curl exit status (stderr %s)" % open(p.stderr_path).read())
    check_eq(sha256_file(out), env.content.sha["10m.bin"], "the drained download's sha256")
    check_eq(w.wait_exit(15), 0, "wardend exit status after draining")


@timeout(40)
def test_sigterm_idle_exits_promptly(env):
    """With no transaction in flight (an idle keep-alive connection open),
    SIGTERM does not wait for shutdown_grace."""
    n = env.nginx
    w = env.wardend(keys={"shutdown_grace": "20s"})
    c = env.conn(w.port)
    c.send(request_bytes("GET", n.url("/1k.bin"), [("Host", n.authority)]))
    check_eq(c.read_response().status, 200, "GET")
    t = time.monotonic()
    w.signal(signal.SIGTERM)
    rc = w.wait_exit(15)
    check(rc is not None, "wardend still running 15s after SIGTERM with only idle connections")
    check_eq(rc, 0, "exit status")
    check(time.monotonic() - t < 10, "exit took %.1fs" % (time.monotonic() - t))


def test_sigusr1_reopens_access_log(env):
    n = env.nginx
    w = env.wardend()
    check_eq(get(w.port, n.url("/1k.bin")).status, 200, "first GET")
    w.wait_log(squid_line("TCP_MISS", 200, "GET", n.url("/1k.bin")))
    rotated = w.access_log + ".1"
    os.rename(w.access_log, rotated)
    w.signal(signal.SIGUSR1)
    time.sleep(0.5)     # no readiness signal for a reopen: give it a moment

    def second_logged():
        get(w.port, n.url("/64k.bin"))
        return os.path.exists(w.access_log) and any("/64k.bin" in l for l in w.log_lines())
    wait_until(second_logged, 10, 0.5, "a new access log with the new request after SIGUSR1")
    check(any("/1k.bin" in l for l in w.log_lines(rotated)), "the rotated file lost its line")
    check(all("/1k.bin" not in l for l in w.log_lines()), "the old line appeared in the new file")
