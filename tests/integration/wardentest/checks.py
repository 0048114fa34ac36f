"""Assertions shared by the test modules: wardend's own pages, the
Connection: close promise, access log lines."""

import re

from .util import TestFailure, check, check_eq, show


def error_page(conn, r, status, warden_error=None, must_close=None):
    """r is a response wardend made itself: the status, a text/html page
    that names the status, X-Warden-Error when given, and Connection: close
    exactly when wardend then closes the connection. must_close True: it
    has to close (a framing error leaves nothing to resynchronise on)."""
    if r.status != status:
        raise TestFailure("want a %d from wardend, got %d %s; head %s body %s"
                          % (status, r.status, r.reason, show(r.head), show(r.body, 200)))
    ctype = (r.header("Content-Type") or "").lower()
    check(ctype.startswith("text/html"), "%d page Content-Type is %r, want text/html" % (status, ctype))
    check(str(status).encode() in r.body, "%d page body does not show the status: %s"
          % (status, show(r.body, 300)))
    if warden_error is not None:
        check_eq(r.header("X-Warden-Error"), warden_error, "X-Warden-Error of the %d" % status)
    connection_close(conn, r, must_close)


def connection_close(conn, r, must_close=None):
    """Connection: close in r if and only if the connection then closes."""
    says_close = r.has_token("Connection", "close")
    if must_close:
        check(says_close, "response %d must carry Connection: close; head %s" % (r.status, show(r.head)))
    if conn is None:
        return
    if says_close:
        check(conn.at_eof(5.0), "response %d said Connection: close but the connection stayed open"
              % r.status)
    else:
        check(not conn.at_eof(0.5), "connection closed after a %d without Connection: close; head %s"
              % (r.status, show(r.head)))


def squid_line(result, status, method, url, peer=None, ctype=None, client="127.0.0.1"):
    """A regex for one Squid native access log line:
    time.msec elapsed client RESULT/STATUS bytes METHOD URL user HIER/peer type,
    then, when the policy looked at the request, its eight fields
    (group= verdict= reason= category= id= declared= sniffed= score=) and
    nothing else.
    result None: any result tag."""
    return (r"^\d{9,}\.\d{3}\s+\d+ %s %s/%d \d+ %s %s \S+ %s %s"
            r"( group=\S+ verdict=(allow|block|none) reason=\S+ category=\S+ id=\S+"
            r" declared=\S+ sniffed=\S+ score=\S+)?$" % (
        re.escape(client), re.escape(result) if result else "[A-Z_]+", status, re.escape(method), re.escape(url),
        r"HIER_\w+/" + re.escape(peer) if peer else r"\S+",
        re.escape(ctype) if ctype else r"\S+"))


def squid_bytes(line):
    return int(line.split()[4])
