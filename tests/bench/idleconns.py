#!/usr/bin/env python3
"""Hold many idle keep-alive client connections through a proxy.

    idleconns.py PROXY_PORT URL HOST COUNT [BATCH]

Opens COUNT connections to 127.0.0.1:PROXY_PORT, at most BATCH (default
200) at a time being set up, sends one keep-alive request for URL (absolute
form, Host: HOST) on each, reads the whole response, and keeps the
connection open and idle. Then it prints one line

    READY {"opened": N, "ok": N, "failed": N, "seconds": S, "errors": [...]}

and waits for commands on standard input, one per line:

    CHECK   prints 'CHECKED {"open": N, "closed": N}': how many of the idle
            connections the proxy has not closed
    CLOSE   closes every connection, prints 'CLOSED' and exits

It exits by itself after --hold seconds (default 300) without a command,
so it never outlives the benchmark. Python 3 standard library only; used
by tests/bench/run, which raises the file descriptor limit first.
"""

import json
import os
import selectors
import socket
import sys
import time


class Conn:
    __slots__ = ("sock", "state", "buf", "need", "chunked")

    def __init__(self, sock):
        self.sock = sock
        self.state = "connecting"
        self.buf = b""
        self.need = None
        self.chunked = False


def response_complete(c):
    """Whether c.buf holds one whole response (Content-Length or chunked)."""
    end = c.buf.find(b"\r\n\r\n")
    if end < 0:
        return False
    if c.need is None:
        head = c.buf[:end].decode("latin-1").lower().split("\r\n")
        status = head[0].split()
        if len(status) < 2 or status[1] != "200":
            raise ValueError("status %r" % head[0][:80])
        c.need = -1
        for line in head[1:]:
            k, _, v = line.partition(":")
            if k.strip() == "content-length":
                c.need = int(v.strip())
            elif k.strip() == "transfer-encoding" and "chunked" in v:
                c.chunked = True
        if c.need < 0 and not c.chunked:
            raise ValueError("response without length: %r" % head[:5])
    body = len(c.buf) - end - 4
    if c.chunked:
        return c.buf.endswith(b"\r\n0\r\n\r\n")
    return body >= c.need


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    hold = 300
    for a in sys.argv[1:]:
        if a.startswith("--hold="):
            hold = float(a.split("=", 1)[1])
    port, url, host, count = int(args[0]), args[1], args[2], int(args[3])
    batch = int(args[4]) if len(args) > 4 else 200
    request = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: warden-bench (idle)\r\n"
               "Accept: */*\r\n\r\n" % (url, host)).encode()

    sel = selectors.DefaultSelector()
    idle, errors = [], []
    started = opened = failed = 0
    t0 = time.monotonic()
    deadline = t0 + 120
    active = 0

    def fail(c, why):
        nonlocal failed, active
        failed += 1
        active -= 1
        if len(errors) < 10:
            errors.append(why)
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    while (started < count or active) and time.monotonic() < deadline:
        while started < count and active < batch:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            c = Conn(s)
            started += 1
            active += 1
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            except OSError as e:
                fail(c, "connect: %s" % e)
                continue
            sel.register(s, selectors.EVENT_WRITE, c)
        for key, _ in sel.select(timeout=1.0):
            c = key.data
            try:
                if c.state == "connecting":
                    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        fail(c, "connect: %s" % os.strerror(err))
                        continue
                    opened += 1
                    c.sock.sendall(request)   # small: fits the empty send buffer
                    c.state = "reading"
                    sel.modify(c.sock, selectors.EVENT_READ, c)
                else:
                    data = c.sock.recv(65536)
                    if not data:
                        fail(c, "closed before the whole response")
                        continue
                    c.buf += data
                    if response_complete(c):
                        sel.unregister(c.sock)
                        c.buf = b""
                        c.state = "idle"
                        idle.append(c)
                        active -= 1
            except (OSError, ValueError) as e:
                fail(c, "%s: %s" % (c.state, e))
    if started < count or active:
        errors.append("gave up after 120 s with %d still in progress" % active)
    print("READY " + json.dumps({
        "opened": opened, "ok": len(idle), "failed": count - len(idle),
        "seconds": round(time.monotonic() - t0, 3), "errors": errors}), flush=True)

    # Idle: a readable connection now is one the proxy closed (or broke).
    end = time.monotonic() + hold
    for c in idle:
        sel.register(c.sock, selectors.EVENT_READ, c)
    stdin = sys.stdin.buffer
    sel.register(stdin, selectors.EVENT_READ, None)
    closed = set()
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=1.0):
            if key.data is None:
                line = stdin.readline().strip()
                if line == b"CHECK":
                    print("CHECKED " + json.dumps({"open": len(idle) - len(closed),
                                                   "closed": len(closed)}), flush=True)
                elif line in (b"CLOSE", b""):
                    for c in idle:
                        c.sock.close()
                    print("CLOSED", flush=True)
                    return 0
            else:
                c = key.data
                try:
                    data = c.sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    closed.add(c)
                    sel.unregister(c.sock)
    for c in idle:
        c.sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
