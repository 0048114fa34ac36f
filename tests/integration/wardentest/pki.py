"""A throw-away test CA and a server certificate for "localhost" and
127.0.0.1, made with the openssl command at run time (never committed)."""

import os
import secrets

from . import procs
from .util import TestFailure, write_text


class Pki:
    def __init__(self, d):
        self.dir = d
        self.ca_key = os.path.join(d, "ca.key")
        self.ca_cert = os.path.join(d, "ca.pem")
        self.key = os.path.join(d, "server.key")
        self.cert = os.path.join(d, "server.pem")
        self.other_ca_cert = os.path.join(d, "other-ca.pem")


def _openssl(args, cwd):
    r = procs.run(["openssl"] + args, timeout=60, cwd=cwd)
    if r.returncode != 0:
        raise TestFailure("openssl %s failed: %s" % (args[0], r.stderr.decode(errors="replace")))
    return r


def make_pki(d):
    """Creates d with ca.pem/ca.key (the test CA), server.pem/server.key
    (CN=localhost, SAN DNS:localhost and IP:127.0.0.1, signed by the CA) and
    other-ca.pem (an unrelated CA, for verification that must fail)."""
    os.makedirs(d, exist_ok=True)
    pki = Pki(d)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl(["req", "-x509"] + ec + [
        "-keyout", pki.ca_key, "-out", pki.ca_cert, "-days", "3",
        "-subj", "/O=Warden integration tests/CN=Warden test CA %s" % secrets.token_hex(4),
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d)
    csr = os.path.join(d, "server.csr")
    _openssl(["req"] + ec + ["-keyout", pki.key, "-out", csr,
                             "-subj", "/CN=localhost"], d)
    ext = os.path.join(d, "server.ext")
    write_text(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                    "basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n")
    _openssl(["x509", "-req", "-in", csr, "-CA", pki.ca_cert, "-CAkey", pki.ca_key,
              "-set_serial", "0x" + secrets.token_hex(8), "-days", "2",
              "-extfile", ext, "-out", pki.cert], d)
    other_key = os.path.join(d, "other-ca.key")
    _openssl(["req", "-x509"] + ec + [
        "-keyout", other_key, "-out", pki.other_ca_cert, "-days", "3",
        "-subj", "/CN=Unrelated test CA",
        "-addext", "basicConstraints=critical,CA:TRUE"], d)
    for f in os.listdir(d):
        os.chmod(os.path.join(d, f), 0o644)
    os.chmod(d, 0o755)
    return pki
