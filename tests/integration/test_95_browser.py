"""A real browser through wardend: headless Chromium with wardend as its
proxy loads a page over plain HTTP and one over HTTPS (CONNECT), as a user
who has set 127.0.0.1:PORT as the browser's proxy would."""

import base64
import os
import shutil
import subprocess

from wardentest import check, check_eq, timeout
from wardentest.checks import squid_line
from wardentest.util import TestSkip

CHROMIUM = "/usr/bin/chromium"


def _spki_sha256(cert):
    """The base64 SHA-256 of the certificate's public key, for
    --ignore-certificate-errors-spki-list: the browser then trusts exactly
    the origin's test certificate, and nothing else."""
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                         check=True, capture_output=True).stdout
    dig = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=der,
                         check=True, capture_output=True).stdout
    return base64.b64encode(dig).decode()


def _dump_dom(env, w, url, extra=()):
    if not os.access(CHROMIUM, os.X_OK):
        raise TestSkip("chromium is not installed (scripts/test installs it)")
    profile = env.path("chromium-profile")
    shutil.rmtree(profile, ignore_errors=True)
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--user-data-dir=" + profile,
            "--proxy-server=http://127.0.0.1:%d" % w.port,
            # Chromium sends loopback URLs direct unless told otherwise.
            "--proxy-bypass-list=<-loopback>"] + list(extra) + ["--dump-dom", url]
    p = subprocess.run(args, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


@timeout(90)
def test_browser_http_page(env):
    n = env.nginx
    w = env.wardend()
    rc, dom, err = _dump_dom(env, w, n.url("/index.html"))
    check_eq(rc, 0, "chromium exit status (stderr tail: %r)" % err[-500:])
    check("warden integration test origin index" in dom, "page text not in the DOM: %r" % dom[:500])
    w.wait_log(squid_line("TCP_MISS", 200, "GET", n.url("/index.html")))
    n.wait_path("/index.html")


@timeout(90)
def test_browser_https_page_through_connect(env):
    n = env.nginx
    w = env.wardend(keys={"connect_ports": "443, %d" % n.https_port})
    spki = _spki_sha256(env.pki.cert)
    rc, dom, err = _dump_dom(env, w, n.https_url("/index.html", host="localhost"),
                             ["--ignore-certificate-errors-spki-list=" + spki])
    check_eq(rc, 0, "chromium exit status (stderr tail: %r)" % err[-500:])
    check("warden integration test origin index" in dom, "page text not in the DOM: %r" % dom[:500])
    w.wait_log(squid_line("TCP_TUNNEL", 200, "CONNECT", "localhost:%d" % n.https_port))
    e = n.wait_path("/index.html")
    check_eq(e["scheme"], "https", "nginx served it over TLS")
