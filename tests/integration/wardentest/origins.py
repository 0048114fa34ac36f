"""Origins written in Python, for what nginx cannot be made to do: a
WebSocket echo server, a black hole that never answers, and a scripted
server that answers fixed bytes per path (broken framing on purpose) and
records exactly what it received. Threaded; bounded in connections and
lifetime; stop() ends them."""

import socket
import threading
import time

from .http import ws_accept, ws_frame, ws_read_frame
from .util import LOCALHOST


class _Stopped(Exception):
    pass


class OriginConn:
    """The server side of one accepted connection, with what it received."""

    def __init__(self, server, sock, n):
        self.server = server
        self.sock = sock
        self.n = n                  # 0, 1, ... in accept order
        self.received = b""         # every byte, in order
        self.buf = b""
        self.requests = []          # [(head bytes, body bytes)]
        sock.settimeout(0.25)

    def _fill(self):
        while True:
            if self.server.stopping():
                raise _Stopped()
            try:
                b = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                b = b""
            if not b:
                return False
            with self.server.lock:
                self.received += b
            self.buf += b
            return True

    def read_until(self, marker):
        while marker not in self.buf:
            if len(self.buf) > (1 << 22) or not self._fill():
                return None
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_request(self):
        """One request: (head, decoded body), or None at EOF / bad framing."""
        head = self.read_until(b"\r\n\r\n")
        if head is None:
            return None
        body = b""
        low = head.lower()
        if b"\ntransfer-encoding:" in low and b"chunked" in low:
            parts = []
            while True:
                line = self.read_until(b"\r\n")
                if line is None:
                    return None
                try:
                    size = int(line[:-2].split(b";")[0], 16)
                except ValueError:
                    return None
                if size == 0:
                    while True:
                        t = self.read_until(b"\r\n")
                        if t is None or t == b"\r\n":
                            break
                    break
                d = self.read_exact(size + 2)
                if d is None:
                    return None
                parts.append(d[:-2])
            body = b"".join(parts)
        else:
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    try:
                        n = int(line.split(b":", 1)[1])
                    except ValueError:
                        return None
                    body = self.read_exact(n)
                    if body is None:
                        return None
                    break
        with self.server.lock:
            self.requests.append((head, body))
        return head, body

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Origin:
    """Base: accepts up to max_conns connections for at most lifetime
    seconds and runs handle(conn) for each in its own thread."""

    def __init__(self, name, max_conns=100, lifetime=600):
        self.name = name
        self.max_conns = max_conns
        self.deadline = time.monotonic() + lifetime
        self.lock = threading.Lock()
        self.conns = []
        self._stop = threading.Event()
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((LOCALHOST, 0))
        self.lsock.listen(64)
        self.lsock.settimeout(0.2)
        self.port = self.lsock.getsockname()[1]
        self.errors = []
        self.thread = threading.Thread(target=self._accept_loop, name=name, daemon=True)
        self.thread.start()

    @property
    def authority(self):
        return "%s:%d" % (LOCALHOST, self.port)

    def url(self, path):
        return "http://%s%s" % (self.authority, path)

    def stopping(self):
        return self._stop.is_set() or time.monotonic() > self.deadline

    def _accept_loop(self):
        while not self.stopping() and len(self.conns) < self.max_conns:
            try:
                s, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            with self.lock:
                c = OriginConn(self, s, len(self.conns))
                self.conns.append(c)
            threading.Thread(target=self._run, args=(c,), daemon=True).start()
        try:
            self.lsock.close()
        except OSError:
            pass

    def _run(self, c):
        try:
            self.handle(c)
        except _Stopped:
            pass
        except OSError:
            pass
        except Exception as e:   # a fixture bug: keep it for the report
            self.errors.append(repr(e))
        finally:
            c.close()

    def handle(self, c):
        raise NotImplementedError

    def stop(self):
        self._stop.set()
        try:
            self.lsock.close()
        except OSError:
            pass
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.thread.join(timeout=2)

    # What was received, for assertions.
    def nconns(self):
        with self.lock:
            return len(self.conns)

    def all_requests(self):
        """[(conn number, head, body)] in arrival order per connection."""
        with self.lock:
            return [(c.n, h, b) for c in self.conns for (h, b) in c.requests]

    def all_received(self):
        with self.lock:
            return b"".join(c.received for c in self.conns)


REASONS = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified",
           404: "Not Found", 426: "Upgrade Required", 500: "Internal Server Error"}


def response(status=200, body=b"", headers=(), reason=None):
    """A well-framed response with Content-Length."""
    reason = reason or REASONS.get(status, "Whatever")
    h = "".join("%s: %s\r\n" % (k, v) for k, v in headers)
    return ("HTTP/1.1 %d %s\r\nContent-Length: %d\r\n%s\r\n" % (
        status, reason, len(body), h)).encode("latin-1") + body


class ScriptedOrigin(Origin):
    """Answers each request with the bytes routes[path] gives: a bytes
    value, or a callable (head, body) -> bytes. A path missing from routes
    gets a 404. After answering a path in close_after, closes the
    connection. Every request is recorded."""

    def __init__(self, routes=None, close_after=(), **kw):
        self.routes = dict(routes or {})
        self.close_after = set(close_after)
        super().__init__("scripted-origin", **kw)

    def handle(self, c):
        while True:
            req = c.read_request()
            if req is None:
                return
            head, body = req
            target = head.split(b" ", 2)[1].decode("latin-1") if head.count(b" ") >= 2 else ""
            path = target.split("?")[0]
            r = self.routes.get(path)
            if callable(r):
                r = r(head, body)
            if r is None:
                r = response(404, b"no such path on the scripted origin\n",
                             [("Content-Type", "text/plain")])
            c.send(r)
            if path in self.close_after:
                return

    def heads(self):
        return [h for (_, h, _) in self.all_requests()]


class BlackHoleOrigin(Origin):
    """Accepts, reads whatever comes, and never answers."""

    def __init__(self, **kw):
        super().__init__("black-hole-origin", **kw)

    def handle(self, c):
        while c._fill():
            pass


class WebSocketEchoOrigin(Origin):
    """RFC 6455 echo server: answers the opening handshake with 101 and the
    right Sec-WebSocket-Accept, then echoes text and binary frames back
    unmasked, answers ping with pong and close with close. A request that
    is not a WebSocket upgrade gets 426."""

    def __init__(self, **kw):
        super().__init__("websocket-origin", **kw)

    def handle(self, c):
        req = c.read_request()
        if req is None:
            return
        head, _ = req
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            k, sep, v = line.partition(b":")
            if sep:
                fields[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
        key = fields.get("sec-websocket-key")
        if (fields.get("upgrade", "").lower() != "websocket" or not key
                or "upgrade" not in fields.get("connection", "").lower()):
            c.send(b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\n"
                   b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            return
        c.send(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
                % ws_accept(key)).encode())

        def reader(n):
            return c.read_exact(n) or b""

        while True:
            f = ws_read_frame(reader)
            if f is None:
                return
            fin, opcode, payload, masked = f
            if not masked:      # RFC 6455 5.1: the server must close
                c.send(ws_frame(b"\x03\xea", opcode=8, mask=False))
                return
            if opcode in (1, 2):
                c.send(ws_frame(payload, opcode=opcode, mask=False))
            elif opcode == 9:
                c.send(ws_frame(payload, opcode=10, mask=False))
            elif opcode == 8:
                c.send(ws_frame(payload[:2], opcode=8, mask=False))
                return
