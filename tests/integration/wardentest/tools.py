"""The real clients: curl and openssl s_client, run with bounded time and
their results turned into plain values."""

import itertools
import os

from . import procs
from .util import LOCALHOST

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy")


def clean_env(extra=None):
    """The environment for child programs: no proxy variables (they would
    silently change what curl connects to), C locale."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARS}
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


class CurlResult:
    def __init__(self, argv, rc, stdout, stderr, out_path, head_path):
        self.argv = argv
        self.rc = rc                    # curl's exit code
        self.stderr = stderr.decode(errors="replace").strip()
        w = stdout.decode(errors="replace").strip().split()
        self.status = int(w[0]) if w and w[0].isdigit() else 0      # %{http_code}
        self.connect_status = int(w[1]) if len(w) > 1 and w[1].isdigit() else 0
        self.time_total = float(w[2]) if len(w) > 2 else 0.0
        self.body_path = out_path
        self.blocks = _header_blocks(head_path)     # one [(name, value)] per response

    @property
    def body(self):
        try:
            with open(self.body_path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    @property
    def headers(self):
        """The last response's header fields (the origin's, after a CONNECT)."""
        return self.blocks[-1][1] if self.blocks else []

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def describe(self):
        return "curl exit %d, status %d (CONNECT %d): %s" % (
            self.rc, self.status, self.connect_status, self.stderr[-500:])


def _header_blocks(path):
    """[(status line, [(name, value)])] from curl -D."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("latin-1")
    except FileNotFoundError:
        return []
    blocks = []
    for part in text.replace("\r\n", "\n").split("\n\n"):
        lines = [l for l in part.split("\n") if l]
        if not lines or not lines[0].startswith("HTTP/"):
            continue
        fields = []
        for l in lines[1:]:
            k, _, v = l.partition(":")
            fields.append((k.strip(), v.strip()))
        blocks.append((lines[0], fields))
    return blocks


_seq = itertools.count(1)     # next() is atomic: tests may run curl from threads


def curl(workdir, url, proxy_port=None, args=(), timeout=60, cacert=None):
    """Runs curl once. The body goes to a file in workdir (CurlResult.body
    reads it); headers of every response are kept in order."""
    i = next(_seq)
    out = os.path.join(workdir, "curl-%d.body" % i)
    head = os.path.join(workdir, "curl-%d.head" % i)
    argv = ["curl", "-q", "-sS", "--max-time", str(timeout), "--connect-timeout", "5",
            "-o", out, "-D", head, "-w", "%{http_code} %{http_connect} %{time_total}"]
    if proxy_port is not None:
        argv += ["-x", "http://%s:%d" % (LOCALHOST, proxy_port)]
    else:
        argv += ["--noproxy", "*"]
    if cacert:
        argv += ["--cacert", cacert]
    argv += list(args) + [url]
    r = procs.run(argv, timeout=timeout + 10, env=clean_env())
    return CurlResult(argv, r.returncode, r.stdout, r.stderr, out, head)


def curl_bg(workdir, url, proxy_port, args=(), timeout=120):
    """Starts curl in the background (a Proc); its body goes to
    workdir/NAME.body. Returns (proc, body_path)."""
    name = "curl-bg-%d" % next(_seq)
    out = os.path.join(workdir, name + ".body")
    argv = ["curl", "-q", "-sS", "--max-time", str(timeout), "--connect-timeout", "5",
            "-o", out, "-w", "%{http_code}",
            "-x", "http://%s:%d" % (LOCALHOST, proxy_port)] + list(args) + [url]
    p = procs.Proc(argv, name, workdir, env=clean_env())
    return p, out


def s_client(connect, proxy_port, cafile, servername="localhost", send=b"",
             timeout=20, extra=()):
    """openssl s_client through the proxy's CONNECT (-proxy; direct when
    proxy_port is None); send is written
    after the handshake and the output read until the server closes.
    Returns (exit code, stdout text, stderr text)."""
    argv = ["openssl", "s_client"]
    if proxy_port is not None:
        argv += ["-proxy", "%s:%d" % (LOCALHOST, proxy_port)]
    argv += ["-connect", connect, "-servername", servername, "-CAfile", cafile,
            "-verify_return_error", "-ign_eof"] + list(extra)
    r = procs.run(argv, timeout=timeout, input=send, env=clean_env())
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
