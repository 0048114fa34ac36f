"""What the origins serve and what clients upload, generated once per run
with known content and known sha256."""

import os

from .util import sha256, sha256_file

SIZES = {"1k.bin": 1024, "64k.bin": 64 * 1024, "10m.bin": 10 * 1024 * 1024}
UPLOAD_SIZE = 100 * 1024 * 1024

INDEX_HTML = (b"<!DOCTYPE html>\n<html><head><title>warden test origin</title></head>\n"
              b"<body><p>warden integration test origin index</p></body></html>\n")

# sub_filter replaces every MARK; nginx cannot know the length in advance,
# so this page always comes back chunked over HTTP/1.1.
CHUNKED_MARK = b"@MARK@"
CHUNKED_REPL = b"<b>replaced</b>"


def _chunked_page():
    lines = []
    for i in range(20000):      # ~600 KiB: many chunks
        lines.append(b"line %06d %s payload abcdefghijklmnopqrstuvwxyz\n" % (i, CHUNKED_MARK))
    return b"<html><body><pre>\n" + b"".join(lines) + b"</pre></body></html>\n"


def _blocks(total, seed):
    """Deterministic bytes: 1 MiB of random data, each block stamped with
    its index so a reordered or repeated block changes the hash."""
    block = bytearray(seed)
    n = 0
    i = 0
    while n < total:
        block[0:16] = b"blk%013d" % i
        take = min(len(block), total - n)
        yield bytes(block[:take])
        n += take
        i += 1


class Content:
    def __init__(self, d):
        self.dir = d
        self.docroot = os.path.join(d, "docroot")
        self.sha = {}           # name under docroot -> sha256
        self.size = {}
        self.chunked_expected = b""
        self.upload_file = os.path.join(d, "upload-100m.bin")
        self.upload_sha = ""

    def put(self, rel, data):
        """Writes data (bytes or str) at rel under the docroot, readable by
        nginx's workers, and returns its path in a URL ("/" + rel)."""
        path = os.path.join(self.docroot, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(path, 0o644)
        d = os.path.dirname(path)
        while len(d) > len(self.docroot):
            os.chmod(d, 0o755)
            d = os.path.dirname(d)
        return "/" + rel


def make_content(d):
    c = Content(d)
    os.makedirs(c.docroot, exist_ok=True)
    os.makedirs(os.path.join(c.docroot, "chunked"), exist_ok=True)
    seed = os.urandom(1 << 20)
    for name, size in SIZES.items():
        p = os.path.join(c.docroot, name)
        with open(p, "wb") as f:
            for b in _blocks(size, seed):
                f.write(b)
        c.size[name] = size
        c.sha[name] = sha256_file(p)
    with open(os.path.join(c.docroot, "index.html"), "wb") as f:
        f.write(INDEX_HTML)
    c.size["index.html"] = len(INDEX_HTML)
    c.sha["index.html"] = sha256(INDEX_HTML)
    page = _chunked_page()
    with open(os.path.join(c.docroot, "chunked", "page.html"), "wb") as f:
        f.write(page)
    c.chunked_expected = page.replace(CHUNKED_MARK, CHUNKED_REPL)
    with open(c.upload_file, "wb") as f:
        for b in _blocks(UPLOAD_SIZE, os.urandom(1 << 20)):
            f.write(b)
    c.upload_sha = sha256_file(c.upload_file)
    # nginx workers may run as another user: everything world-readable.
    for root, dirs, files in os.walk(d):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    return c
