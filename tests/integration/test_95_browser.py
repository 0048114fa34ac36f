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


def _nss_home(env, ca):
    """A HOME whose NSS database (what Chromium on Linux trusts) holds the
    Warden root CA, as doc/tls.md tells administrators to do."""
    home = env.path("home")
    nss = os.path.join(home, ".pki", "nssdb")
    os.makedirs(nss, exist_ok=True)
    for argv in (["-N", "--empty-password"], ["-A", "-t", "C,,", "-n", "Warden", "-i", ca]):
        p = subprocess.run(["certutil", "-d", "sql:" + nss] + argv, capture_output=True, timeout=30)
        check_eq(p.returncode, 0, "certutil %s: %r" % (argv[0], p.stderr))
    return home


def _artifact(env, name):
    """Where a screenshot is kept after the run: build/test-artifacts/."""
    d = os.path.join(os.environ.get("WD_BUILDDIR", env.path("")), "test-artifacts")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


@timeout(120)
def test_browser_https_inspected(env):
    """Chromium with the Warden CA in its NSS database loads an HTTPS page
    through inspection, and gets the block page for a blocked one."""
    n = env.nginx
    ca = env.local_ca()
    policy = env.policy_dir("list block block\ngroup default {\n\tblock block\n}\n",
                            {"block/urls": "localhost/private\n"})
    w = env.wardend(keys={"connect_ports": "443, %d" % n.https_port, "tls_inspect": "on",
                          "tls_upstream_ca_file": env.pki.ca_cert, "policy_dir": policy})
    home = _nss_home(env, ca)
    envv = dict(os.environ, HOME=home)
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--user-data-dir=" + env.path("profile"),
            "--proxy-server=http://127.0.0.1:%d" % w.port, "--proxy-bypass-list=<-loopback>",
            "--window-size=1024,768"]
    if not os.access(CHROMIUM, os.X_OK):
        raise TestSkip("chromium is not installed (scripts/test installs it)")
    ok = n.https_url("/index.html", host="localhost")
    p = subprocess.run(base + ["--dump-dom", ok], capture_output=True, timeout=60, env=envv)
    dom = p.stdout.decode("utf-8", "replace")
    check("warden integration test origin index" in dom,
          "the page through inspection (the browser trusts the Warden CA): %r / %r"
          % (dom[:300], p.stderr.decode(errors="replace")[-400:]))
    w.wait_log(r"TCP_MISS/200 \d+ GET https://localhost:%d/index\.html " % n.https_port)
    blocked = n.https_url("/private/page.html", host="localhost")
    p = subprocess.run(base + ["--dump-dom", blocked], capture_output=True, timeout=60, env=envv)
    dom = p.stdout.decode("utf-8", "replace")
    check("/private/page.html" in dom and "warden integration test origin index" not in dom,
          "the block page in the browser: %r" % dom[:600])
    for name, url in (("inspected-page.png", ok), ("inspected-block-page.png", blocked)):
        shot = _artifact(env, name)
        subprocess.run(base + ["--screenshot=" + shot, url], capture_output=True, timeout=60, env=envv)
        check(os.path.exists(shot) and os.path.getsize(shot) > 1000, "screenshot %s" % shot)
