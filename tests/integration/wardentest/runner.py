"""Finds the test functions, runs each with its own timeout inside a global
deadline, gives each a fresh Env (temp dir, lazily started peers), and
tears everything down whatever happens."""

import argparse
import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

from . import procs
from .content import make_content
from .http import Conn
from .nginx import NGINX, Nginx
from .origins import BlackHoleOrigin, ScriptedOrigin, WebSocketEchoOrigin
from .pki import make_pki
from .tools import curl, curl_bg
from .util import TestFailure, TestSkip, TestTimeout
from .wardend import Wardend, binary

DEFAULT_TIMEOUT = 30
GLOBAL_DEADLINE = 15 * 60


def timeout(seconds):
    """Decorator: this test's own timeout, in seconds."""
    def deco(f):
        f.timeout = seconds
        return f
    return deco


class Session:
    """What all tests of a run share: paths, the CA, the content."""

    def __init__(self, srcdir, builddir, rundir):
        self.srcdir = srcdir
        self.builddir = builddir
        self.rundir = rundir
        self.exe = binary(builddir)
        self._pki = None
        self._content = None

    @property
    def pki(self):
        if self._pki is None:
            self._pki = make_pki(os.path.join(self.rundir, "pki"))
        return self._pki

    @property
    def content(self):
        if self._content is None:
            self._content = make_content(os.path.join(self.rundir, "content"))
        return self._content


class Env:
    """A test's world: its directory and every peer it started. Peers are
    started on first use; teardown() stops them all and reports problems."""

    def __init__(self, session, name, d):
        self.session = session
        self.name = name
        self.dir = d
        self._nginx = None
        self.wardends = []
        self.origins = []
        self.conns = []
        self.procs = []

    @property
    def content(self):
        return self.session.content

    @property
    def pki(self):
        return self.session.pki

    @property
    def exe(self):
        return self.session.exe

    @property
    def nginx(self):
        if self._nginx is None:
            n = Nginx(os.path.join(self.dir, "nginx"), self.content, self.pki)
            self._nginx = n
            n.start()
        return self._nginx

    def wardend(self, keys=None, options=(), use_conf=True, start=True, name=None, flags=()):
        name = name or ("wardend" if not self.wardends else "wardend%d" % len(self.wardends))
        w = Wardend(self.dir, self.exe, keys=keys, options=options,
                    use_conf=use_conf, name=name, flags=flags)
        self.wardends.append(w)
        if start:
            w.start()
        return w

    def conn(self, port, timeout=10.0):
        c = Conn(port, timeout=timeout)
        self.conns.append(c)
        return c

    def scripted(self, routes=None, close_after=()):
        o = ScriptedOrigin(routes, close_after)
        self.origins.append(o)
        return o

    def black_hole(self):
        o = BlackHoleOrigin()
        self.origins.append(o)
        return o

    def ws_echo(self):
        o = WebSocketEchoOrigin()
        self.origins.append(o)
        return o

    def curl(self, url, proxy=None, args=(), timeout=60, cacert=False):
        port = proxy.port if isinstance(proxy, Wardend) else proxy
        return curl(self.dir, url, port, args, timeout,
                    self.pki.ca_cert if cacert is True else (cacert or None))

    def curl_bg(self, url, proxy, args=(), timeout=120):
        p, out = curl_bg(self.dir, url, proxy.port, args, timeout)
        self.procs.append(p)
        return p, out

    def path(self, name):
        return os.path.join(self.dir, name)

    def policy_dir(self, conf, files=None, name="policy"):
        """A policy directory in this test's directory: policy.conf (conf),
        the shipped block page, and files given as {"local/block/domains":
        "text", ...}; written anew on each call. Returns its path."""
        d = self.path(name)
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(os.environ.get("WD_SRCDIR", ""), "policies", "blockpage.html"),
                    os.path.join(d, "blockpage.html"))
        for rel, text in [("policy.conf", conf)] + sorted((files or {}).items()):
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        return d

    def local_ca(self):
        """The local root CA, made once by wardenctl in this test's
        state_dir (wardend's state_dir when keys give it that directory);
        returns the path of its certificate."""
        state = self.path("state")
        crt = os.path.join(state, "ca", "ca.crt")
        if not os.path.exists(crt):
            exe = os.path.join(os.path.dirname(self.exe), "wardenctl")
            p = subprocess.run([exe, "-o", "state_dir=" + state, "ca", "init", "-k"],
                               capture_output=True, timeout=60)
            if p.returncode != 0:
                raise TestFailure("wardenctl ca init: %r" % p.stderr)
        return crt

    def teardown(self):
        problems = []
        for c in self.conns:
            c.close()
        for p in self.procs:
            p.kill()
        for w in self.wardends:
            try:
                problems += w.stop()
            except Exception as e:
                problems.append("stopping %s: %r" % (w.name, e))
        for o in self.origins:
            o.stop()
            problems += ["%s fixture error: %s" % (o.name, e) for e in o.errors]
        if self._nginx is not None:
            self._nginx.stop()
        return problems


class Interrupted(BaseException):
    pass


def _on_signal(signum, frame):
    raise Interrupted("signal %d" % signum)


def _on_alarm(signum, frame):
    raise TestTimeout()


def discover(testdir, filters):
    tests = []
    for fn in sorted(os.listdir(testdir)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        modname = fn[:-3]
        mod = importlib.import_module(modname)
        for name, f in list(vars(mod).items()):
            if (name.startswith("test_") and callable(f)
                    and getattr(f, "__module__", None) == modname):
                if not filters or any(x in name or x in modname for x in filters):
                    tests.append((name, f))
    return tests


def _default_builddir(srcdir):
    for d in (os.path.join(srcdir, "build"), srcdir):
        if os.path.exists(binary(d)):
            return d
    return srcdir


def _peers_missing():
    missing = []
    for prog, pkg in ((NGINX, "nginx"), ("curl", "curl"), ("openssl", "openssl")):
        if not (os.path.isabs(prog) and os.access(prog, os.X_OK)) and not shutil.which(prog):
            missing.append("%s (apt-get install %s)" % (prog, pkg))
    return missing


def main(argv):
    ap = argparse.ArgumentParser(
        prog="run-integration",
        description="Warden's integration tests: the real wardend against real peers.")
    ap.add_argument("filters", nargs="*", help="run only tests whose name (or module) contains one of these")
    ap.add_argument("--list", action="store_true", help="list the tests and exit")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory even on success")
    ap.add_argument("--deadline", type=float, default=float(os.environ.get("WD_IT_DEADLINE", GLOBAL_DEADLINE)),
                    help="seconds for the whole run (default %(default)s)")
    opts = ap.parse_args(argv)

    testdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    srcdir = os.path.abspath(os.environ.get("WD_SRCDIR") or os.path.dirname(os.path.dirname(testdir)))
    builddir = os.path.abspath(os.environ.get("WD_BUILDDIR") or _default_builddir(srcdir))
    os.environ["WD_SRCDIR"], os.environ["WD_BUILDDIR"] = srcdir, builddir

    tests = discover(testdir, opts.filters)
    if opts.list:
        for name, _ in tests:
            print(name)
        return 0
    print("# wardend: %s%s" % (binary(builddir), "" if os.path.exists(binary(builddir))
                                else " (missing: build it first)"), flush=True)
    if not tests:
        print("# no test matches %s" % " ".join(opts.filters))
        print("0 passed, 0 failed")
        return 1
    missing = _peers_missing()
    if missing:
        print("not ok 1 - peers: missing %s" % ", ".join(missing))
        print("0 passed, 1 failed")
        return 1

    rundir = tempfile.mkdtemp(prefix="warden-it-")
    os.chmod(rundir, 0o755)
    session = Session(srcdir, builddir, rundir)
    start = time.monotonic()
    try:
        session.pki, session.content     # made once, outside any test's timeout
    except Exception as e:
        print("not ok 1 - setup: making the test CA and content failed: %s" % e)
        print("# kept %s" % rundir)
        print("0 passed, 1 failed")
        return 1
    print("# test CA and content made in %.1fs under %s" % (time.monotonic() - start, rundir), flush=True)
    passed = failed = skipped = 0
    old = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    signal.signal(signal.SIGALRM, _on_alarm)
    interrupted = False
    try:
        for i, (name, f) in enumerate(tests, 1):
            left = opts.deadline - (time.monotonic() - start)
            if left < 5:
                print("not ok %d - %s: not run, the global deadline (%ds) has passed"
                      % (i, name, opts.deadline), flush=True)
                failed += 1
                continue
            limit = min(getattr(f, "timeout", DEFAULT_TIMEOUT), left)
            d = os.path.join(rundir, "%02d-%s" % (i, name))
            os.makedirs(d)
            os.chmod(d, 0o755)
            env = Env(session, name, d)
            t0 = time.monotonic()
            result, reason, detail = "ok", "", ""
            try:
                signal.setitimer(signal.ITIMER_REAL, limit)
                try:
                    f(env)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except TestTimeout:
                result, reason = "fail", "timed out after %.0fs" % limit
                detail = _where(sys.exc_info())
            except TestFailure as e:
                result, reason = "fail", str(e)
                detail = _where(sys.exc_info())
            except TestSkip as e:
                result, reason = "skip", str(e)
            except Interrupted:
                interrupted = True
                result, reason = "fail", "interrupted"
            except Exception:
                result, reason = "fail", "exception in the test: %s" % traceback.format_exc().strip().splitlines()[-1]
                detail = traceback.format_exc()
            try:
                problems = env.teardown()
            except Interrupted:
                interrupted = True
                problems = ["interrupted during teardown"]
                procs.kill_all()
            if problems and result != "fail":
                result, reason = "fail", "teardown: " + problems[0]
                detail = "\n".join(problems[1:])
            elif problems:
                detail += "\nteardown:\n" + "\n".join(problems)
            dt = time.monotonic() - t0
            if result == "ok":
                passed += 1
                print("ok %d - %s (%.1fs)" % (i, name, dt), flush=True)
                shutil.rmtree(d, ignore_errors=True)
            elif result == "skip":
                skipped += 1
                print("ok %d - %s # SKIP %s" % (i, name, reason), flush=True)
                shutil.rmtree(d, ignore_errors=True)
            else:
                failed += 1
                lines = reason.splitlines() or [""]
                print("not ok %d - %s: %s" % (i, name, lines[0]), flush=True)
                for l in lines[1:] + detail.strip().splitlines():
                    print("#   %s" % l)
                print("#   files: %s" % d, flush=True)
            if interrupted:
                break
    except Interrupted:
        interrupted = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        procs.kill_all()
        for s, h in old.items():
            signal.signal(s, h)
    if failed or interrupted or opts.keep:
        print("# kept %s" % rundir)
    else:
        shutil.rmtree(rundir, ignore_errors=True)
    summary = "%d passed, %d failed" % (passed, failed)
    if skipped:
        summary += ", %d skipped" % skipped
    print(summary, flush=True)
    if interrupted:
        return 130
    return 0 if failed == 0 and passed > 0 else 1


def _where(exc_info):
    """The test-file line that raised, for the report."""
    tb = traceback.extract_tb(exc_info[2])
    for fr in reversed(tb):
        if os.path.basename(fr.filename).startswith("test_"):
            return "at %s:%d: %s" % (os.path.basename(fr.filename), fr.lineno, fr.line)
    return ""
