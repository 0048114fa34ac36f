"""Small helpers every fixture and test uses: failures, bounded waits,
free ports, hashes."""

import errno
import hashlib
import os
import re
import socket
import time

LOCALHOST = "127.0.0.1"
SOCK_TIMEOUT = 10.0     # default for every socket operation


class TestFailure(Exception):
    """An assertion about what the user sees did not hold."""


class TestSkip(Exception):
    """The test cannot run here (a missing peer feature); counted as skipped."""


class TestTimeout(BaseException):
    """Raised in the main thread when a test overruns its own timeout.
    A BaseException so that a test's `except Exception` cannot swallow it."""


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def check_eq(got, want, what):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, _short(got), _short(want)))


def _short(v, n=300):
    if isinstance(v, (bytes, str)) and len(v) > n:
        return v[:n] + (b"..." if isinstance(v, bytes) else "...")
    return v


def show(b, n=400):
    """A bytes value as a readable one-line string for failure messages."""
    if isinstance(b, str):
        b = b.encode("latin-1", "replace")
    s = repr(bytes(b[:n]))[2:-1]
    return s + ("...(%d bytes)" % len(b) if len(b) > n else "")


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Polls pred() until it returns a true value (returned) or timeout
    seconds pass (TestFailure naming what)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TestFailure("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago. The caller starts
    its server on it and retries with another one on EADDRINUSE."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def closed_port():
    """A port nothing listens on (connecting to it is refused)."""
    return free_port()


def port_accepts(port, host=LOCALHOST, timeout=0.5):
    try:
        s = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return False
    s.close()
    return True


def connect_refused(port, host=LOCALHOST, timeout=2.0):
    """True when a connection to port is refused (nothing listening)."""
    try:
        s = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError:
        return True
    except OSError as e:
        return e.errno == errno.ECONNREFUSED
    s.close()
    return False


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def read_text(path):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def write_text(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def grep(path, pattern):
    """Lines of a text file matching a regex (str)."""
    rx = re.compile(pattern)
    return [l for l in read_text(path).splitlines() if rx.search(l)]
