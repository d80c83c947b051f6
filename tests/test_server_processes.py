"""Worker processes of ``hpnmr serve --num-procs N`` exit with their parent (issue 14 §6)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc to find the workers")


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids |= {int(k) for k in (task / "children").read_text().split()}
    return kids


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _wait(cond, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


SCRIPT = textwrap.dedent("""
    import os, sys, time
    from dashboard.workers import exit_with_parent
    exit_with_parent(poll_s=0.2, use_prctl={use_prctl})
    if os.fork() == 0:
        if os.fork() == 0:          # a worker's own child is left alone
            time.sleep(30)
            os._exit(0)
        time.sleep(60)
        os._exit(0)
    print("ready", flush=True)
    time.sleep(60)
""")


@pytest.mark.parametrize("use_prctl", [True, False], ids=["prctl", "polling"])
def test_forked_children_exit_when_the_parent_is_killed(use_prctl):
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT.format(use_prctl=use_prctl)],
                            stdout=subprocess.PIPE, text=True, start_new_session=True,
                            env=dict(os.environ, PYTHONPATH=os.getcwd()))
    try:
        assert proc.stdout.readline().strip() == "ready"
        (worker,) = _children(proc.pid)
        assert _wait(lambda: len(_children(worker)) == 1, 5)
        (grandchild,) = _children(worker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
        assert _wait(lambda: not _alive(worker), 5), "the worker outlived its parent"
        assert _alive(grandchild), Path(f"/proc/{grandchild}/stat").read_text()[:60]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_num_procs_workers_stop_serving_with_the_parent(example, free_port, sig):
    log = tempfile.TemporaryFile()  # noqa: SIM115 — open as long as the server runs
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", str(example),
                             "--port", str(free_port), "--num-procs", "2"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        up = _wait(lambda: _answers(free_port) and len(_children(proc.pid)) == 2, 60)
        if not up:
            log.seek(0)
            pytest.fail(f"server did not start: {log.read().decode()[-2000:]}")
        workers = _children(proc.pid)
        os.kill(proc.pid, sig)
        proc.wait(10)
        assert _wait(lambda: not any(_alive(w) for w in workers), 5), \
            f"workers {workers} outlived their parent"
        assert not _answers(free_port)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        log.close()
