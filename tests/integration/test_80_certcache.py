"""tls_cert_cache_dir: the certificates wardend forges for inspected sites,
and their key, kept on disk, so that a restart or a reload shows clients
the same certificate for a site; without it every restart forges anew.
A directory others could write to is refused by wardend -t."""

import hashlib
import os
import re
import signal
import ssl
import stat

from wardentest import check, check_eq, timeout, wait_until
from wardentest.tools import s_client
from wardentest.wardend import check_config

CONF = """
list local_block local/block
group default {
    block local_block
    safe_search off
}
"""

# Blocked only once the reload is in effect: tells which forge served.
LATE = "/certcache-late.html"


def _policy(env):
    d = env.path("policy")
    if not os.path.exists(d):
        env.policy_dir(CONF, {"local/block/urls": "localhost/certcache-never\n"})
    return d


def _block_late(env):
    with open(os.path.join(_policy(env), "local/block/urls"), "a") as f:
        f.write("localhost%s\n" % LATE)


def _keys(env, cache):
    n = env.nginx
    return {
        "policy_dir": _policy(env),
        "tls_inspect": "on",
        "tls_upstream_ca_file": env.pki.ca_cert,
        "connect_ports": "443, %d" % n.https_port,
        "tls_cert_cache_dir": cache,
    }


def _wardend(env, cache):
    ca = env.local_ca()
    return env.nginx, env.wardend(keys=_keys(env, cache)), ca


def _fp_pem(pem):
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def _leaf(n, w, ca, path="/1k.bin"):
    """The SHA-256 of the leaf certificate a client is shown for
    localhost through inspection, and what it got inside."""
    rc, out, err = s_client("localhost:%d" % n.https_port, w.port, ca,
                            send=b"GET %s HTTP/1.1\r\nHost: localhost:%d\r\nConnection: close\r\n\r\n"
                            % (path.encode(), n.https_port))
    check_eq(rc, 0, "s_client through inspection: " + err[-300:])
    check("Verify return code: 0 (ok)" in out, "the forged chain verifies: " + out[-500:])
    check(re.search(r"issuer=.*Warden local CA", out), "issued by the local CA: " + out[:1500])
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    check(m is not None, "no server certificate in s_client's output: " + out[:1500])
    return _fp_pem(m.group(0)), out


def _cert_files(cache):
    return sorted(f for f in os.listdir(cache) if f.endswith(".crt"))


def _file_fp(path):
    """The SHA-256 of the certificate in path, None while it holds none
    (wardend's writer thread writes the files a little later)."""
    try:
        with open(path) as f:
            return _fp_pem(f.read())
    except (OSError, ValueError):
        return None


def _restart(w):
    problems = w.stop()
    check_eq(problems, [], "stopping wardend")
    w.start()


def _reload_seen(env, n, w, ca):
    """SIGHUP with LATE now blocked; returns the leaf of a connection that
    the reloaded configuration (and its forge) served."""
    _block_late(env)
    w.signal(signal.SIGHUP)
    w.wait_stderr(r"configuration reloaded", 10)

    def served_by_new():
        fp, out = _leaf(n, w, ca, LATE)
        return fp if "HTTP/1.1 403 " in out else None
    return wait_until(served_by_new, 10, 0.2, "a connection on the reloaded configuration")


@timeout(120)
def test_certcache_same_leaf_after_restart_and_reload(env):
    cache = env.path("state/certcache")
    n, w, ca = _wardend(env, cache)
    r = env.curl(n.https_url("/1k.bin", host="localhost"), proxy=w, cacert=ca)
    check_eq((r.rc, r.connect_status, r.status), (0, 200, 200), "curl through inspection: " + r.describe())
    w.wait_log(r"TCP_BUMP/200 \d+ CONNECT localhost:%d " % n.https_port)
    # The directory, the key and the one certificate it forged.
    check_eq(stat.S_IMODE(os.lstat(cache).st_mode), 0o700, "mode of the cache directory")
    key = os.path.join(cache, "leaf.key")
    check_eq(stat.S_IMODE(os.lstat(key).st_mode), 0o600, "mode of leaf.key")
    files = wait_until(lambda: _cert_files(cache), 10, 0.05,
                       "the forged certificate written to the cache directory")
    check_eq(len(files), 1, "certificate files after one inspected site: %r" % files)
    check(re.fullmatch(r"[0-9a-f]{64}\.crt", files[0]), "file name: %r" % files[0])
    with open(os.path.join(cache, files[0])) as f:
        on_disk = _fp_pem(f.read())
    first, _ = _leaf(n, w, ca)
    check_eq(first, on_disk, "the file holds the certificate clients are shown")
    key_st = os.stat(key)
    with open(key, "rb") as f:
        key_pem = f.read()

    # A restart: the same certificate, read back, nothing rewritten.
    _restart(w)
    again, _ = _leaf(n, w, ca)
    check_eq(again, first, "the leaf after a restart")
    check_eq(_cert_files(cache), files, "certificate files after the restart")
    st = os.stat(key)
    check_eq((st.st_ino, st.st_mtime_ns), (key_st.st_ino, key_st.st_mtime_ns), "leaf.key rewritten")
    with open(key, "rb") as f:
        check(f.read() == key_pem, "leaf.key changed")

    # A reload (a new forge, an empty memory cache): the same again.
    check_eq(_reload_seen(env, n, w, ca), first, "the leaf after a reload")
    st = os.stat(key)
    check_eq((st.st_ino, st.st_mtime_ns), (key_st.st_ino, key_st.st_mtime_ns), "leaf.key rewritten on reload")

    # A damaged file costs a forge, not the service.
    _restart(w)
    with open(os.path.join(cache, files[0]), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nMIIB\n")
    fresh, out = _leaf(n, w, ca)
    check("HTTP/1.1 200 OK" in out, "a fetch after the file was damaged: " + out[-300:])
    check(fresh != first, "a damaged file was used")
    wait_until(lambda: _file_fp(os.path.join(cache, files[0])) == fresh, 10, 0.05,
               "the damaged file replaced by the new certificate")
    check_eq(_cert_files(cache), files, "certificate files after the damaged one was replaced")


@timeout(120)
def test_certcache_off_leaf_changes(env):
    """Without tls_cert_cache_dir a restart and a reload each forge anew
    (another key): what the test above tells apart."""
    n, w, ca = _wardend(env, "none")
    first, _ = _leaf(n, w, ca)
    again, _ = _leaf(n, w, ca)
    check_eq(again, first, "the memory cache serves the same leaf")
    _restart(w)
    restarted, _ = _leaf(n, w, ca)
    check(restarted != first, "the same leaf after a restart without a cache directory")
    reloaded = _reload_seen(env, n, w, ca)
    check(reloaded != restarted, "the same leaf after a reload without a cache directory")
    check(not os.path.exists(env.path("state/certcache")), "a cache directory appeared")


def _check_refused(env, cache, want):
    env.local_ca()
    w = env.wardend(keys=_keys(env, cache), start=False)
    w.write_conf()
    rc, err = check_config(env.exe, w.conf_path)
    check(rc != 0, "wardend -t accepted %s: %s" % (cache, err))
    check(("tls_cert_cache_dir: %s %s" % (cache, want)) in err, "wardend -t says: %r" % err)
    check("configuration OK" not in err, "wardend -t says OK: %r" % err)


def test_certcache_world_writable_refused(env):
    cache = env.path("state/certcache")
    os.makedirs(cache)
    os.chmod(cache, 0o777)
    _check_refused(env, cache, "is writable by group or others (mode 0777): chmod 700 it")
    check_eq(os.listdir(cache), [], "wardend -t wrote into a refused directory")


def test_certcache_missing_parent_refused(env):
    """A missing directory is made at start, but only in a parent that
    exists: wardend -t says so rather than OK."""
    parent = env.path("state/missing")
    cache = os.path.join(parent, "certcache")
    _check_refused(env, cache, "cannot be created: %s: No such file or directory" % parent)
    check(not os.path.exists(parent), "wardend -t created the parent directory")


def test_certcache_symlink_refused(env):
    real = env.path("state/real")
    os.makedirs(real, 0o700)
    cache = env.path("state/certcache")
    os.symlink(real, cache)
    _check_refused(env, cache, "is a symbolic link")


def test_certcache_check_creates_nothing(env):
    """wardend -t checks a good or missing directory and creates nothing
    (it may run as another user, before the state directory exists)."""
    cache = env.path("state/certcache")
    env.local_ca()
    w = env.wardend(keys=_keys(env, cache), start=False)
    w.write_conf()
    rc, err = check_config(env.exe, w.conf_path)
    check_eq(rc, 0, "wardend -t with a missing cache directory: " + err)
    check(not os.path.exists(cache), "wardend -t created the cache directory")
    os.makedirs(cache, 0o700)
    rc, err = check_config(env.exe, w.conf_path)
    check_eq(rc, 0, "wardend -t with a good cache directory: " + err)
    check_eq(os.listdir(cache), [], "wardend -t wrote into the cache directory")


def test_certcache_in_unmade_state_dir_checks_ok(env):
    """Before the first start, a cache directory right in a state
    directory that does not exist yet is fine for wardend -t (the start
    makes both); one a level deeper is not (nothing makes its parent)."""
    env.local_ca()
    fresh = env.path("fresh-state")
    keys = _keys(env, os.path.join(fresh, "certcache"))
    keys.update({"state_dir": fresh, "tls_ca_dir": env.path("state/ca")})
    w = env.wardend(keys=keys, start=False)
    w.write_conf()
    rc, err = check_config(env.exe, w.conf_path)
    check_eq(rc, 0, "wardend -t with the cache in a state directory to be made: " + err)
    check(not os.path.exists(fresh), "wardend -t made the state directory")
    keys["tls_cert_cache_dir"] = os.path.join(fresh, "deeper", "certcache")
    w = env.wardend(keys=keys, start=False)
    w.write_conf()
    rc, err = check_config(env.exe, w.conf_path)
    check(rc != 0, "wardend -t accepted a cache directory whose parent nothing makes")
