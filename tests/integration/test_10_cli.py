"""The command line: -v, -t on good and bad configurations (one test per
bad file in configs/), the shipped default configuration, running with no
-c at all, and -o overriding the file."""

import os
import re

from wardentest import check, check_eq, get, read_text, sha256, show
from wardentest.wardend import check_config, version

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "configs")


def test_version(env):
    v, rc, text = version(env.exe)
    check_eq(rc, 0, "wardend -v exit status (output %r)" % text)
    check(v is not None, "wardend -v printed no version: %r" % text)


def test_config_check_good(env):
    rc, err = check_config(env.exe, os.path.join(CONFIGS, "good.conf"))
    check_eq(rc, 0, "wardend -t on configs/good.conf (stderr: %s)" % err.strip())


def test_config_check_test_config(env):
    """The configuration every other test runs with passes -t."""
    w = env.wardend(start=False)
    w.port = 3128
    w.write_conf()
    rc, err = check_config(env.exe, w.conf_path)
    check_eq(rc, 0, "wardend -t on the test configuration (stderr: %s)" % err.strip())


def test_config_check_default_config(env):
    """The configuration we ship must pass wardend -t."""
    path = os.path.join(os.environ["WD_SRCDIR"], "etc", "warden.conf")
    check(os.path.exists(path), "the shipped default configuration %s does not exist" % path)
    rc, err = check_config(env.exe, path)
    check_eq(rc, 0, "wardend -t -c %s (stderr: %s)" % (path, err.strip()))


def test_config_check_missing_file(env):
    path = env.path("no-such.conf")
    rc, err = check_config(env.exe, path)
    check(rc != 0, "wardend -t on a missing file exited 0")
    check(path in err, "the error does not name the file: %r" % err)


def _bad_config_test(fname):
    path = os.path.join(CONFIGS, fname)

    def test(env):
        m = re.search(r"^# expect-line: (\d+)$", read_text(path), re.M)
        line = int(m.group(1))
        rc, err = check_config(env.exe, path)
        check(rc != 0, "wardend -t accepted %s (exit 0, stderr %r)" % (fname, err))
        want = "%s:%d:" % (path, line)
        check(want in err, "wardend -t on %s: want %r in stderr, got %r" % (fname, want, err.strip()))
        check(rc > 0 and rc < 128, "wardend -t died from a signal or crashed: status %d" % rc)
        check("Sanitizer" not in err and "runtime error:" not in err, "sanitizer report: " + err)
    test.__name__ = "test_config_check_" + fname[:-5]
    return test


for _f in sorted(os.listdir(CONFIGS)):
    if _f.startswith("bad_") and _f.endswith(".conf"):
        _t = _bad_config_test(_f)
        globals()[_t.__name__] = _t


def test_no_config_in_tree_defaults_forward(env):
    """wardend -f -l ADDR with no -c: the in-tree defaults must be usable
    (loopback clients allowed, a request forwarded)."""
    n = env.nginx
    w = env.wardend(use_conf=False)
    r = get(w.port, n.url("/1k.bin"))
    check_eq(r.status, 200, "GET through wardend with in-tree defaults (head %s)" % show(r.head))
    check_eq(sha256(r.body), env.content.sha["1k.bin"], "body sha256")
    n.wait_path("/1k.bin")


def test_option_overrides_file(env):
    """-o key=value wins over the file: the Via header names the
    visible_hostname given on the command line."""
    o = env.scripted({"/via": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"})
    w = env.wardend(keys={"visible_hostname": "from-file.test"},
                    options=["visible_hostname=from-cmdline.test"])
    r = get(w.port, o.url("/via"))
    check_eq(r.status, 200, "GET through wardend")
    heads = o.heads()
    check_eq(len(heads), 1, "requests the origin received")
    check(b"from-cmdline.test" in heads[0] and b"from-file.test" not in heads[0],
          "Via should name from-cmdline.test: origin got %s" % show(heads[0]))
