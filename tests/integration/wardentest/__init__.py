"""The integration-test framework: fixtures for nginx, wardend and small
Python origins, the real clients (curl, openssl s_client), a strict raw
HTTP client, and the runner. Tests import what they need from here."""

from .http import Conn, SlowDownload, chunk, get, request_bytes, ws_accept, ws_frame, ws_key, ws_read_frame  # noqa: F401
from .origins import response  # noqa: F401
from .runner import timeout  # noqa: F401
from .util import (LOCALHOST, TestFailure, TestSkip, check, check_eq, closed_port,  # noqa: F401
                   connect_refused, fail, free_port, grep, read_text, sha256,
                   sha256_file, show, wait_until, write_text)
