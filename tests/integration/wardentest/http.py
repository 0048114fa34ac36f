"""A raw HTTP/1.1 client over a plain socket: send exact bytes (malformed on
purpose if need be) and read responses strictly, so that a proxy's framing
mistakes show instead of being smoothed over. Also WebSocket frames."""

import base64
import hashlib
import os
import socket
import struct
import time

from .util import LOCALHOST, SOCK_TIMEOUT, TestFailure, show

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Response:
    def __init__(self):
        self.version = ""
        self.status = 0
        self.reason = ""
        self.headers = []       # [(name, value)] in order, as received
        self.head = b""         # raw head bytes, through CRLFCRLF
        self.body = b""
        self.framing = ""       # "none", "length", "chunked", "close"
        self.complete = False   # the body ended where its framing says
        self.trailers = []

    def header(self, name, default=None):
        """The value of the first field with this name, case-insensitively."""
        n = name.lower()
        for k, v in self.headers:
            if k.lower() == n:
                return v
        return default

    def header_all(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def has_token(self, name, token):
        """Whether a comma-separated field (Connection...) lists token."""
        for v in self.header_all(name):
            if token.lower() in [t.strip().lower() for t in v.split(",")]:
                return True
        return False

    def __repr__(self):
        return "<HTTP %s %d %s, %d body bytes, %s>" % (
            self.version, self.status, self.reason, len(self.body), self.framing)


class Conn:
    """One client connection with its own read buffer. Every operation is
    bounded by timeout seconds."""

    def __init__(self, port, host=LOCALHOST, timeout=SOCK_TIMEOUT, sock=None):
        self.timeout = timeout
        if sock is None:
            sock = socket.create_connection((host, port), timeout=timeout)
        sock.settimeout(timeout)
        self.sock = sock
        self.buf = b""
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self, deadline):
        """Reads more bytes into buf; False at EOF. TestFailure on timeout."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise TestFailure("read timed out; have %s" % show(self.buf))
        self.sock.settimeout(left)
        try:
            b = self.sock.recv(65536)
        except socket.timeout:
            raise TestFailure("read timed out after %.1fs; have %s" % (self.timeout, show(self.buf)))
        except ConnectionResetError:
            b = b""
        if not b:
            self.eof = True
            return False
        self.buf += b
        return True

    def read_until(self, marker, deadline=None, limit=1 << 20):
        deadline = deadline or time.monotonic() + self.timeout
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise TestFailure("no %r within %d bytes" % (marker, limit))
            if not self._fill(deadline):
                return None
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n, deadline=None):
        deadline = deadline or time.monotonic() + self.timeout
        while len(self.buf) < n:
            if not self._fill(deadline):
                out, self.buf = self.buf, b""
                return out
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_to_eof(self, deadline=None):
        deadline = deadline or time.monotonic() + self.timeout
        while self._fill(deadline):
            pass
        out, self.buf = self.buf, b""
        return out

    def at_eof(self, timeout=3.0):
        """True if the peer closes (or resets) within timeout with no further
        bytes; False if it stays open; TestFailure if it sends more bytes."""
        if self.buf:
            raise TestFailure("unexpected extra bytes: %s" % show(self.buf))
        deadline = time.monotonic() + timeout
        try:
            got = self._fill(deadline)
        except TestFailure:
            return False
        if got:
            raise TestFailure("unexpected extra bytes: %s" % show(self.buf))
        return True

    def read_response(self, method="GET", timeout=None):
        """Reads one response, strictly framed. Interim 1xx responses are
        skipped (except 101). Raises TestFailure if no status line arrives;
        a body cut short comes back with complete=False."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            r = self._read_one(method, deadline)
            if 100 <= r.status < 200 and r.status != 101:
                continue
            return r

    def _read_one(self, method, deadline):
        head = self.read_until(b"\r\n\r\n", deadline)
        if head is None:
            raise TestFailure("connection closed before a complete response head; got %s"
                              % show(self.buf))
        r = Response()
        r.head = head
        lines = head[:-4].split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise TestFailure("bad status line %s" % show(lines[0]))
        r.version, r.status = parts[0], int(parts[1])
        r.reason = parts[2] if len(parts) > 2 else ""
        for l in lines[1:]:
            name, sep, value = l.decode("latin-1").partition(":")
            if not sep:
                raise TestFailure("bad header line %s" % show(l))
            r.headers.append((name, value.strip()))
        if method == "HEAD" or r.status in (204, 304) or 100 <= r.status < 200:
            r.framing, r.complete = "none", True
            return r
        te = ",".join(r.header_all("Transfer-Encoding")).lower()
        cl = r.header_all("Content-Length")
        if te:
            if te.replace(" ", "") != "chunked":
                raise TestFailure("response with Transfer-Encoding %r" % te)
            if cl:
                raise TestFailure("response with both Content-Length and Transfer-Encoding")
            r.framing = "chunked"
            self._read_chunked(r, deadline)
        elif cl:
            if len(set(cl)) != 1 or not cl[0].isdigit():
                raise TestFailure("bad Content-Length %r" % cl)
            r.framing = "length"
            n = int(cl[0])
            r.body = self.read_exact(n, deadline)
            r.complete = len(r.body) == n
        else:
            r.framing = "close"
            r.body = self.read_to_eof(deadline)
            r.complete = True
        return r

    def _read_chunked(self, r, deadline):
        body = []
        while True:
            line = self.read_until(b"\r\n", deadline)
            if line is None:
                break
            size_s = line[:-2].split(b";")[0].strip()
            try:
                size = int(size_s, 16)
            except ValueError:
                raise TestFailure("bad chunk size line %s" % show(line))
            if size == 0:
                while True:
                    t = self.read_until(b"\r\n", deadline)
                    if t is None:
                        r.body = b"".join(body)
                        return
                    if t == b"\r\n":
                        r.body = b"".join(body)
                        r.complete = True
                        return
                    r.trailers.append(t[:-2])
            data = self.read_exact(size + 2, deadline)
            if len(data) < size + 2:
                body.append(data[:size])
                break
            if data[-2:] != b"\r\n":
                raise TestFailure("chunk data not followed by CRLF")
            body.append(data[:-2])
        r.body = b"".join(body)


def request_bytes(method, target, headers=(), body=b"", version="HTTP/1.1"):
    """A well-formed request: headers is a list of (name, value)."""
    h = "".join("%s: %s\r\n" % (k, v) for k, v in headers)
    head = ("%s %s %s\r\n%s\r\n" % (method, target, version, h)).encode("latin-1")
    return head + body


def get(port, url, headers=(), method="GET", timeout=SOCK_TIMEOUT):
    """One request through a proxy at port on a fresh connection."""
    host = url.split("/")[2] if "://" in url else url
    hdrs = [("Host", host)] + list(headers)
    with Conn(port, timeout=timeout) as c:
        c.send(request_bytes(method, url, hdrs))
        return c.read_response(method)


def chunk(data, ext=b""):
    return b"%x%s\r\n%s\r\n" % (len(data), ext, data)


# --- WebSocket (RFC 6455) -------------------------------------------------

def ws_key():
    return base64.b64encode(os.urandom(16)).decode()


def ws_accept(key):
    return base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()


def ws_frame(payload, opcode=1, mask=True, fin=True):
    """One frame; client frames are masked (RFC 6455 section 5.3)."""
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        hdr = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return hdr + payload
    key = os.urandom(4)
    return hdr + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_read_frame(reader):
    """Reads one frame with reader(n) -> bytes (exactly n or fewer at EOF).
    Returns (fin, opcode, payload, masked) or None at EOF."""
    h = reader(2)
    if len(h) < 2:
        return None
    fin, opcode = bool(h[0] & 0x80), h[0] & 0x0F
    masked, n = bool(h[1] & 0x80), h[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", reader(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", reader(8))[0]
    key = reader(4) if masked else b""
    payload = reader(n)
    if len(payload) < n:
        return None
    if masked:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return fin, opcode, payload, masked


class SlowDownload:
    """GETs url through the proxy at port in a thread, reading at most rate
    bytes per second with a small receive buffer, so the transfer is
    still running seconds later whatever the kernel buffers. (curl's
    --limit-rate proved unreliable for this on loopback: 10 MiB at 1M
    took anywhere from 0.4 s to 10 s.) After join(): status, length,
    sha256, complete, error."""

    def __init__(self, port, url, rate, timeout=60):
        import threading
        self.port, self.url, self.rate, self.timeout = port, url, rate, timeout
        self.status = 0
        self.length = 0
        self.received = 0
        self.sha256 = ""
        self.complete = False
        self.error = None
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        h = hashlib.sha256()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            s.settimeout(self.timeout)
            s.connect((LOCALHOST, self.port))
            host = self.url.split("/")[2]
            s.sendall(request_bytes("GET", self.url, [("Host", host)]))
            buf = b""
            while b"\r\n\r\n" not in buf:
                b = s.recv(4096)
                if not b:
                    raise TestFailure("closed before the response head")
                buf += b
            head, _, body = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            self.status = int(lines[0].split(" ")[1])
            cl = [l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("content-length:")]
            if not cl:
                raise TestFailure("no Content-Length in %r" % lines)
            self.length = int(cl[0])
            h.update(body)
            self.received = len(body)
            t0 = time.monotonic()
            while self.received < self.length:
                ahead = self.received / self.rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(min(ahead, 0.2))
                b = s.recv(min(8192, self.length - self.received))
                if not b:
                    break
                h.update(b)
                self.received += len(b)
            self.complete = self.received == self.length
            self.sha256 = h.hexdigest()
        except Exception as e:
            self.error = repr(e)
        finally:
            s.close()

    def running(self):
        return self._t.is_alive()

    def join(self, timeout):
        self._t.join(timeout)
        return not self._t.is_alive()
