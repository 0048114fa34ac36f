"""tls_inspect on against origins that are not the well-behaved nginx:
openssl s_server speaking only TLS 1.3 or only TLS 1.2 (inspected), and
with an expired or a self-signed certificate (refused, with the reason on
Warden's page). Certificates are made at run time with openssl."""

import os
import subprocess
import time

from wardentest import check, check_eq
from wardentest import procs
from wardentest.util import LOCALHOST, free_port, port_accepts


def _openssl(env, *argv):
    p = subprocess.run(["openssl"] + list(argv), capture_output=True, timeout=60, cwd=env.path(""))
    check_eq(p.returncode, 0, "openssl %s: %s" % (argv[0], p.stderr.decode(errors="replace")))


def _cert(env, name, days, self_signed=False):
    """A certificate for localhost: signed by the test CA for days days
    (negative: already expired), or self-signed."""
    key, cert = env.path(name + ".key"), env.path(name + ".pem")
    ext = env.path(name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    if self_signed:
        _openssl(env, "req", "-x509", *ec, "-keyout", key, "-out", cert, "-days", str(days),
                 "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost")
        return key, cert
    csr = env.path(name + ".csr")
    _openssl(env, "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    _openssl(env, "x509", "-req", "-in", csr, "-CA", env.pki.ca_cert, "-CAkey", env.pki.ca_key,
             "-days", str(days), "-extfile", ext, "-out", cert)
    return key, cert


def _s_server(env, key, cert, *flags):
    port = free_port()
    p = procs.Proc(["openssl", "s_server", "-accept", "%s:%d" % (LOCALHOST, port), "-key", key,
                    "-cert", cert, "-www", "-quiet"] + list(flags), "s_server-%d" % port, env.path(""))
    env.procs.append(p)
    deadline = time.monotonic() + 10
    while not port_accepts(port):
        check(time.monotonic() < deadline and p.running(), "s_server did not start: " + p.stderr())
        time.sleep(0.05)
    return port


def _wardend(env, ports):
    state = env.path("state")
    exe = os.path.join(os.path.dirname(env.exe), "wardenctl")
    p = subprocess.run([exe, "-o", "state_dir=" + state, "ca", "init", "-k"], capture_output=True, timeout=60)
    check_eq(p.returncode, 0, "wardenctl ca init: %r" % p.stderr)
    w = env.wardend(keys={"tls_inspect": "on", "tls_upstream_ca_file": env.pki.ca_cert,
                          "connect_ports": ", ".join(str(x) for x in ports)})
    return w, os.path.join(state, "ca", "ca.crt")


def test_bump_tls13_only_and_tls12_only_origins(env):
    key, cert = _cert(env, "good", 2)
    p13 = _s_server(env, key, cert, "-tls1_3")
    p12 = _s_server(env, key, cert, "-tls1_2")
    w, ca = _wardend(env, [p13, p12])
    for port, what in ((p13, "TLS 1.3 only"), (p12, "TLS 1.2 only")):
        r = env.curl("https://localhost:%d/" % port, proxy=w, cacert=ca)
        check_eq((r.rc, r.status), (0, 200), "%s origin through inspection: %s" % (what, r.describe()))
        check(b"s_server" in r.body, "%s: the origin's page: %r" % (what, r.body[:200]))
        w.wait_log(r"TCP_MISS/200 \d+ GET https://localhost:%d/ " % port)


def test_bump_expired_and_self_signed_origins_refused(env):
    expired = _s_server(env, *_cert(env, "expired", -1))
    selfsigned = _s_server(env, *_cert(env, "self", 2, self_signed=True))
    w, ca = _wardend(env, [expired, selfsigned])
    for port, why in ((expired, b"certificate has expired"), (selfsigned, b"self-signed certificate")):
        r = env.curl("https://localhost:%d/" % port, proxy=w, cacert=ca)
        check_eq((r.rc, r.status), (0, 502), "%r origin: %s" % (why, r.describe()))
        check(why in r.body, "the page says %r: %r" % (why, r.body[:600]))
        check(b"s_server" not in r.body, "the origin's page came through")


def test_bump_noverify_list_exempts_an_internal_origin(env):
    """An administrator can exempt a host from verification (tls_noverify):
    its self-signed certificate is then mirrored; other hosts are still
    refused."""
    port = _s_server(env, *_cert(env, "self", 2, self_signed=True))
    policy = env.policy_dir("list noverify noverify\ngroup default {\n\ttls_noverify noverify\n}\n",
                            {"noverify/domains": "intranet.localhost\n"})
    ca = env.local_ca()
    w = env.wardend(keys={"tls_inspect": "on", "connect_ports": str(port), "policy_dir": policy})
    r = env.curl("https://intranet.localhost:%d/" % port, proxy=w, cacert=ca,
                 args=["--resolve", "intranet.localhost:%d:127.0.0.1" % port])
    check_eq((r.rc, r.status), (0, 200), "an exempted origin: " + r.describe())
    check(b"s_server" in r.body, "its page: %r" % r.body[:200])
    w.wait_stderr(r"intranet\.localhost: its certificate is not verified \(noverify/domains:1")
    r = env.curl("https://localhost:%d/" % port, proxy=w, cacert=ca)
    check_eq((r.rc, r.status), (0, 502), "the same origin under a name not exempted: " + r.describe())
