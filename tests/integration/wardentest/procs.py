"""Child processes, each in its own process group, all remembered so that
whatever happens (failure, timeout, Ctrl-C) every one is killed at the end."""

import os
import signal
import subprocess
import time

from .util import TestFailure

_live = []      # every Proc started and not yet reaped


class Proc:
    """A background program whose stdout and stderr go to files."""

    def __init__(self, argv, name, logdir, env=None, cwd=None):
        self.argv = list(argv)
        self.name = name
        self.stdout_path = os.path.join(logdir, name + ".stdout")
        self.stderr_path = os.path.join(logdir, name + ".stderr")
        out = open(self.stdout_path, "wb")
        err = open(self.stderr_path, "wb")
        try:
            self.p = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                      stdout=out, stderr=err, env=env, cwd=cwd,
                                      start_new_session=True)
        finally:
            out.close()
            err.close()
        self.pid = self.p.pid
        _live.append(self)

    def running(self):
        return self.p.poll() is None

    @property
    def returncode(self):
        return self.p.poll()

    def send_signal(self, sig):
        if self.running():
            os.kill(self.pid, sig)

    def wait(self, timeout):
        """Exit status, or None if still running after timeout seconds."""
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        """SIGKILL the whole process group and reap. Safe to call twice."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self in _live:
            _live.remove(self)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig, waits up to timeout for the exit status, then kills the
        group whatever happened. Returns the status (None: had to be killed)."""
        rc = self.p.poll()
        if rc is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            rc = self.wait(timeout)
        self.kill()
        return rc

    def stderr(self):
        with open(self.stderr_path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()


def kill_all():
    """Kills every process group still alive (the runner's last resort)."""
    for p in list(_live):
        p.kill()


def run(argv, timeout=30, input=None, env=None, cwd=None):
    """Runs a short command to completion in its own process group; kills the
    group on timeout. Returns CompletedProcess with bytes stdout/stderr."""
    try:
        p = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, cwd=cwd, start_new_session=True)
    except FileNotFoundError:
        raise TestFailure("%s does not exist (not built, or not installed)" % argv[0])
    try:
        out, err = p.communicate(input=input, timeout=timeout)
    except BaseException as e:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate()
        if isinstance(e, subprocess.TimeoutExpired):
            raise TestFailure("command still running after %ss, killed: %s"
                              % (timeout, " ".join(argv)))
        raise
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


def vm_hwm_kib(pid):
    """Peak resident set size (VmHWM) of pid, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM for pid %d" % pid)


def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def sleep(sec):
    time.sleep(sec)
