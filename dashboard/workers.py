"""Worker processes of ``hpnmr serve --num-procs N`` exit with their parent.

Bokeh forks the workers with ``tornado.process.fork_processes`` (inside ``Server``); the
parent then only waits for them. Killed parent, orphaned workers: they kept serving the
port with nobody to stop them. :func:`exit_with_parent` registers an ``os.register_at_fork``
hook that runs in every worker as it starts and

* on Linux asks the kernel to send it ``SIGTERM`` when its parent dies
  (``prctl(PR_SET_PDEATHSIG, SIGTERM)`` through ctypes), and
* as a fallback everywhere (other systems, or a refused ``prctl``) starts a daemon thread
  that checks every ``poll_s`` seconds whether ``os.getppid()`` changed, and then
  terminates the worker.

A worker whose parent died between the fork and the hook exits at once. (Linux counts
the *thread* that forked as the parent; Tornado forks, and re-forks crashed workers, from
the main thread, which lives as long as the server.)
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["exit_with_parent"]

PR_SET_PDEATHSIG = 1


def _set_pdeathsig(sig: int) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies; False if that is
    not available here."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        # the running program's own symbols include libc's (no ldconfig subprocess, which
        # ctypes.util.find_library would start in every worker)
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        return prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _terminate() -> None:
    """End this worker: SIGTERM (its default action ends the process; a handler may shut
    down cleanly), then a hard exit if it is still alive 5 s later."""
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5.0)
    os._exit(1)


def _watch(parent: int, poll_s: float) -> None:
    while os.getppid() == parent:
        time.sleep(poll_s)
    _terminate()


def exit_with_parent(*, poll_s: float = 1.0, use_prctl: bool = True) -> None:
    """Make every process forked from this one from now on exit when this one dies.

    Call it in the serving parent before the workers are forked. Only direct children
    are affected (a worker's own forks are left alone).

    Parameters
    ----------
    poll_s : float
        Interval of the fallback check of the parent's pid, in seconds.
    use_prctl : bool
        Use Linux's ``PR_SET_PDEATHSIG`` when available (False: fallback only; for tests).
    """
    parent = os.getpid()
    forker = [0]  # set in the forking process just before fork; the child inherits it

    def before() -> None:
        forker[0] = os.getpid()

    def in_child() -> None:
        if forker[0] != parent:  # a worker's own fork: not ours to manage
            return
        if not (use_prctl and _set_pdeathsig(signal.SIGTERM)):
            threading.Thread(target=_watch, args=(parent, poll_s), daemon=True,
                             name="hpnmr-exit-with-parent").start()
        if os.getppid() != parent:  # the parent died between the fork and prctl
            os._exit(0)

    os.register_at_fork(before=before, after_in_child=in_child)
