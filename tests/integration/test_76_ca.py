"""wardenctl ca: making the local root CA, showing it, exporting it, and
what it refuses. Checked with openssl (the certificate's fields, the
fingerprint) and with certutil (an NSS database, as Chromium and Firefox
use, takes it as a trusted root)."""

import os
import re
import stat
import subprocess

from wardentest import check, check_eq


def _ctl(env, *argv, conf=None):
    exe = os.path.join(os.path.dirname(env.exe), "wardenctl")
    conf = conf or _conf(env)
    p = subprocess.run([exe, "-c", conf] + list(argv), capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def _conf(env, name="warden.conf"):
    path = env.path(name)
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write("state_dir %s\nvisible_hostname proxy.school.test\n" % env.path("state"))
    return path


def _openssl(*argv):
    p = subprocess.run(["openssl"] + list(argv), capture_output=True, timeout=30)
    check_eq(p.returncode, 0, "openssl %s: %s" % (" ".join(argv), p.stderr.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


def _fingerprint(out):
    m = re.search(r"SHA-256:\s+([0-9A-F:]{95})\s", out)
    check(m is not None, "no SHA-256 fingerprint in %r" % out)
    return m.group(1)


def test_ca_init_show_export(env):
    rc, out, err = _ctl(env, "ca", "init")
    check_eq(rc, 0, "wardenctl ca init: %s" % err)
    d = env.path("state/ca")
    for name, mode in (("ca.key", 0o600), ("ca.crt", 0o644), ("ca.der", 0o644)):
        st = os.stat(os.path.join(d, name))
        check_eq(stat.S_IMODE(st.st_mode), mode, "mode of %s" % name)
    check_eq(stat.S_IMODE(os.stat(d).st_mode) & 0o077, 0, "tls_ca_dir open to others")
    fp = _fingerprint(out)
    text = _openssl("x509", "-in", os.path.join(d, "ca.crt"), "-noout", "-text", "-fingerprint", "-sha256")
    check("sha256 Fingerprint=" + fp in text, "openssl's fingerprint is not %s: %s" % (fp, text[-300:]))
    check(re.search(r"Basic Constraints: critical\s+CA:TRUE", text), "not a CA: " + text)
    check(re.search(r"Key Usage: critical\s+Certificate Sign, CRL Sign", text), "key usage: " + text)
    check("ASN1 OID: prime256v1" in text, "not ECDSA P-256 by default: " + text)
    check("proxy.school.test" in text, "the subject does not name the proxy: " + text)
    _openssl("x509", "-in", os.path.join(d, "ca.der"), "-inform", "DER", "-noout")
    # The key file is a private key that matches the certificate.
    pub1 = _openssl("pkey", "-in", os.path.join(d, "ca.key"), "-pubout")
    pub2 = _openssl("x509", "-in", os.path.join(d, "ca.crt"), "-noout", "-pubkey")
    check_eq(pub1, pub2, "ca.key matches ca.crt")
    rc, out, err = _ctl(env, "ca", "show")
    check_eq(rc, 0, "wardenctl ca show: %s" % err)
    check_eq(_fingerprint(out), fp, "ca show fingerprint")
    check("valid until:" in out, "ca show prints the expiry: %r" % out)
    for name, inform in (("exported.pem", "PEM"), ("exported.der", "DER"), ("exported.CER", "DER")):
        rc, out, err = _ctl(env, "ca", "export", env.path(name))
        check_eq(rc, 0, "wardenctl ca export %s: %s" % (name, err))
        got = _openssl("x509", "-in", env.path(name), "-inform", inform, "-noout", "-fingerprint", "-sha256")
        check(fp in got, "%s holds the CA (%s)" % (name, got))
    # An NSS database (Chromium's, Firefox's) takes it as a trusted root.
    nss = env.path("nssdb")
    os.makedirs(nss)
    for argv in (["-N", "--empty-password"],
                 ["-A", "-t", "C,,", "-n", "Warden", "-i", env.path("exported.pem")],
                 ["-L", "-n", "Warden"]):
        p = subprocess.run(["certutil", "-d", "sql:" + nss] + argv, capture_output=True, timeout=30)
        check_eq(p.returncode, 0, "certutil %s: %s" % (argv[0], p.stderr.decode(errors="replace")))
    check("CA:TRUE" in p.stdout.decode() or "Is a CA" in p.stdout.decode(),
          "certutil -L shows a CA: %s" % p.stdout.decode()[:600])


def test_ca_init_refuses_to_replace(env):
    rc, out, err = _ctl(env, "ca", "init")
    check_eq(rc, 0, "first init: %s" % err)
    fp = _fingerprint(out)
    rc, out2, err = _ctl(env, "ca", "init")
    check_eq(rc, 1, "a second init without -f")
    check("already exists" in err and "ca init -f" in err, "the refusal says what to do: %r" % err)
    check_eq(_fingerprint(_ctl(env, "ca", "show")[1]), fp, "the CA is unchanged")
    rc, out3, err = _ctl(env, "ca", "init", "-k")
    check_eq(rc, 0, "init -k keeps the CA: %s" % err)
    check_eq(_fingerprint(out3), fp, "init -k prints the kept CA")
    rc, out4, err = _ctl(env, "ca", "init", "-f", "-t", "rsa", "-n", "Test School CA", "-d", "30")
    check_eq(rc, 0, "init -f: %s" % err)
    check(_fingerprint(out4) != fp, "init -f made a new CA")
    text = _openssl("x509", "-in", env.path("state/ca/ca.crt"), "-noout", "-text")
    check("Public-Key: (3072 bit)" in text and "rsaEncryption" in text, "RSA 3072 on request: " + text[:800])
    check("Test School CA" in text, "-n names the CA: " + text[:800])


def test_ca_bad_input(env):
    for argv, what in ((["ca", "init", "-t", "dsa"], "a key type"),
                       (["ca", "init", "-d", "0"], "zero days"),
                       (["ca", "init", "-d", "12x"], "a bad number"),
                       (["ca", "frobnicate"], "an unknown command"),
                       (["ca", "export"], "export without a file")):
        rc, out, err = _ctl(env, *argv)
        check_eq(rc, 2, "%s: exit status (stderr %r)" % (what, err))
        check(err.strip() != "", "%s: no message" % what)
    rc, out, err = _ctl(env, "ca", "show")
    check_eq(rc, 1, "ca show without a CA")
    check("ca.crt" in err, "the error names the missing file: %r" % err)
    check_eq(_ctl(env, "ca", "init")[0], 0, "init")
    key = env.path("state/ca/ca.key")
    os.chmod(key, 0o640)
    rc, out, err = _ctl(env, "ca", "show")
    check_eq(rc, 1, "a group-readable key is refused")
    check("chmod" in err or "0640" in err or "readable" in err, "the error says why: %r" % err)
    os.chmod(key, 0o600)
    with open(env.path("state/ca/ca.crt"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
    rc, out, err = _ctl(env, "ca", "show")
    check_eq(rc, 1, "a damaged ca.crt is refused")
    check("ca.crt" in err, "the error names the file: %r" % err)
    # A bad configuration is reported as wardend reports it.
    bad = env.path("bad.conf")
    with open(bad, "w") as f:
        f.write("tls_ca_dirr /tmp/x\n")
    rc, out, err = _ctl(env, "ca", "show", conf=bad)
    check_eq(rc, 1, "a bad configuration")
    check("%s:1:" % bad in err, "file:line in %r" % err)
