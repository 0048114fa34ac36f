"""The real wardend: a config file per instance, a free port, stderr kept
in a file, readiness by connecting, and a teardown that insists on a clean
exit (status 0, no ERROR line, no sanitizer report)."""

import os
import re
import signal
import time

from . import procs
from .tools import clean_env
from .util import LOCALHOST, TestFailure, free_port, port_accepts, read_text, write_text

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                   "UndefinedBehaviorSanitizer", "ThreadSanitizer")

SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:quarantine_size_mb=16",
    "UBSAN_OPTIONS": "print_stacktrace=1",
}

_info = {}


def binary(builddir):
    return os.path.join(builddir, "src", "wardend")


def is_sanitized(path):
    """Whether wardend was built with --enable-sanitizers (ASan/UBSan
    linked in): memory bounds are then relaxed."""
    if path not in _info:
        r = procs.run(["ldd", path], timeout=10)
        text = r.stdout.decode(errors="replace")
        if "libasan" not in text and "libubsan" not in text:
            r = procs.run(["nm", path], timeout=30)
            text = r.stdout.decode(errors="replace")
            text = "libasan" if ("__asan_init" in text or "__ubsan_handle" in text) else ""
        _info[path] = "libasan" in text or "libubsan" in text
    return _info[path]


def version(path):
    """The version wardend -v prints (the first dotted number in it)."""
    r = procs.run([path, "-v"], timeout=10, env=clean_env(SAN_ENV))
    text = (r.stdout + r.stderr).decode(errors="replace")
    m = re.search(r"\d+\.\d+(?:\.\d+)?[\w.+~-]*", text)
    return m.group(0) if m else None, r.returncode, text


def default_keys(d, hostname):
    """The test configuration: every timeout short enough for a test,
    every file inside the test's directory."""
    return {
        "workers": "2",
        "allow_clients": "127.0.0.0/8, ::1",
        "connect_ports": "443",
        "state_dir": os.path.join(d, "state"),
        "access_log": os.path.join(d, "access.log"),
        "pid_file": os.path.join(d, "wardend.pid"),
        "visible_hostname": hostname,
        "x_forwarded_for": "add",
        "websocket": "on",
        "client_header_timeout": "10s",
        "keepalive_timeout": "30s",
        "connect_timeout": "5s",
        "read_timeout": "30s",
        "client_read_timeout": "30s",
        "tunnel_idle_timeout": "60s",
        "upstream_idle_timeout": "30s",
        "dns_timeout": "5s",
        "shutdown_grace": "5s",
        "max_request_line": "8192",
        "max_header_size": "32768",
        "max_headers": "100",
    }


def conf_text(keys):
    lines = ["# written by the integration tests"]
    for k, v in keys.items():
        if v is not None:
            lines.append("%s %s" % (k, v))
    return "\n".join(lines) + "\n"


def parse_duration(v):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)?", str(v).strip())
    if not m:
        return 5.0
    n = int(m.group(1))
    return n * {"ms": 0.001, None: 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


class Wardend:
    """One wardend process. keys: the config file's contents (None drops
    a default); options: more "-o key=value"; use_conf False runs it
    with no -c at all (the in-tree defaults); flags: more command line
    flags ("-d" for the debug lines)."""

    def __init__(self, d, exe, keys=None, options=(), use_conf=True, name="wardend",
                 flags=()):
        self.dir = d
        self.exe = exe
        self.name = name
        self.use_conf = use_conf
        self.keys = default_keys(d, "")
        label = re.sub(r"[^a-z0-9-]", "-", os.path.basename(d).lower())[:40].strip("-")
        self.keys["visible_hostname"] = "warden-it-%s.test" % label
        for k, v in (keys or {}).items():
            self.keys[k] = v
        self.options = list(options)
        self.flags = list(flags)
        self.conf_path = os.path.join(d, name + ".conf")
        self.proc = None
        self.port = None
        self.stopped_rc = None
        os.makedirs(os.path.join(d, "state"), exist_ok=True)

    # --- paths and names ------------------------------------------------
    @property
    def hostname(self):
        return self.keys["visible_hostname"]

    @property
    def access_log(self):
        return self.keys.get("access_log")

    @property
    def stderr_path(self):
        return os.path.join(self.dir, self.name + ".stderr")

    @property
    def pid(self):
        return self.proc.pid

    def argv(self):
        a = [self.exe, "-f"] + self.flags
        if self.use_conf:
            a += ["-c", self.conf_path]
        a += ["-l", "%s:%d" % (LOCALHOST, self.port)]
        for o in self.options:
            a += ["-o", o]
        return a

    def write_conf(self, keys=None, extra_lines=""):
        """(Re)writes the config file from self.keys (updated with keys)."""
        if keys:
            self.keys.update(keys)
        k = dict(self.keys)
        if self.port is not None:
            k = {"listen": "%s:%d" % (LOCALHOST, self.port), **k}
        write_text(self.conf_path, conf_text(k) + extra_lines)

    # --- life -----------------------------------------------------------
    def start(self, ready_timeout=20):
        if not os.path.exists(self.exe):
            raise TestFailure("wardend is not built: %s does not exist" % self.exe)
        for attempt in range(6):
            self.port = free_port()
            if self.use_conf:
                self.write_conf()
            if os.path.exists(self.stderr_path):
                os.rename(self.stderr_path, self.stderr_path + ".%d" % attempt)
            self.proc = procs.Proc(self.argv(), self.name, self.dir,
                                   env=clean_env(SAN_ENV), cwd=self.dir)
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if not self.proc.running():
                    break
                if port_accepts(self.port):
                    return self
                time.sleep(0.05)
            err = self.stderr()
            if self.proc.running():
                self.proc.kill()
                raise TestFailure("wardend did not accept on port %d within %ds: %s"
                                  % (self.port, ready_timeout, err[-2000:]))
            rc = self.proc.returncode
            self.proc.kill()
            if "in use" in err.lower():
                continue
            raise TestFailure("wardend exited with status %s at start: %s" % (rc, err[-2000:]))
        raise TestFailure("wardend: no free port after 6 attempts")

    def running(self):
        return self.proc is not None and self.proc.running()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stderr(self):
        return read_text(self.stderr_path)

    def grace(self):
        return parse_duration(self.keys.get("shutdown_grace") or "5s")

    def stop(self):
        """SIGTERM, wait for the exit status, and return a list of problems
        (non-zero or missing status, ERROR lines, sanitizer reports)."""
        if self.proc is None:
            return []
        problems = []
        if self.stopped_rc is None:
            rc = self.proc.stop(signal.SIGTERM, timeout=self.grace() + 15)
        else:
            rc = self.stopped_rc
            self.proc.kill()
        if rc is None:
            problems.append("%s did not exit within %.0fs of SIGTERM (killed)"
                            % (self.name, self.grace() + 15))
        elif rc != 0:
            problems.append("%s exited with status %d after SIGTERM" % (self.name, rc))
        err = self.stderr()
        bad = [l for l in err.splitlines()
               if "ERROR" in l or any(m in l for m in SANITIZER_MARKS)]
        if bad:
            problems.append("%s stderr has errors:\n    %s" % (self.name, "\n    ".join(bad[:15])))
        self.proc = None
        return problems

    def wait_exit(self, timeout):
        """Waits for wardend to exit by itself (after a signal the test sent);
        remembers the status for stop()."""
        rc = self.proc.wait(timeout)
        if rc is not None:
            self.stopped_rc = rc
        return rc

    # --- observations ---------------------------------------------------
    def log_lines(self, path=None):
        return read_text(path or self.access_log).splitlines()

    def wait_log(self, pattern, timeout=5, path=None):
        """The first access log line matching the regex, polling (the log
        writer thread writes asynchronously)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for l in self.log_lines(path):
                if rx.search(l):
                    return l
            if time.monotonic() >= deadline:
                tail = "\n    ".join(self.log_lines(path)[-10:])
                raise TestFailure("access log %s: no line matching %r within %ss; last lines:\n    %s"
                                  % (path or self.access_log, pattern, timeout, tail))
            time.sleep(0.05)

    def wait_stderr(self, pattern, timeout=5):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for l in self.stderr().splitlines():
                if rx.search(l):
                    return l
            if time.monotonic() >= deadline:
                raise TestFailure("wardend stderr: nothing matching %r within %ss; last lines:\n    %s"
                                  % (pattern, timeout, "\n    ".join(self.stderr().splitlines()[-10:])))
            time.sleep(0.05)

    def hwm_mib(self):
        return procs.vm_hwm_kib(self.pid) / 1024.0

    def rss_mib(self):
        return procs.vm_rss_kib(self.pid) / 1024.0


def check_config(exe, path, timeout=20):
    """wardend -t -c path: (exit status, stderr text; the file:line message
    belongs on stderr)."""
    r = procs.run([exe, "-t", "-c", path], timeout=timeout, env=clean_env(SAN_ENV))
    return r.returncode, r.stderr.decode(errors="replace")
