"""Reading in a separate process with a time and a memory limit (the server's safety net).

The readers check every declared size before they allocate (:mod:`analysis.files`), but a
shared server must also survive the file nobody foresaw: one that makes a reader (ours or
nmrglue's) loop for minutes or grow without bound. On the server, every
:func:`analysis.io.read` therefore runs in a small pool of reader processes:

* each worker is forked from a ``forkserver`` that has already imported
  :mod:`analysis.io` (a new worker is ready in tens of ms), runs with one BLAS thread, at
  a lower CPU priority than the server (nice 10), and with its address space limited by
  ``resource.setrlimit(RLIMIT_AS)`` to ``$HPNMR_READ_MEMORY_MB`` (default 1536 MiB; an
  idle worker maps ≈ 265 MiB);
* a read that takes longer than ``$HPNMR_READ_TIMEOUT_S`` (default 20 s) is refused with a
  :class:`~analysis.dataset.ReaderError` ("reading took longer than 20 s: refused"); its
  worker is killed and a fresh one takes its place;
* a read that runs out of its memory gives a ``ReaderError`` as well, and so does a worker
  that dies (a crash in a compiled library, the kernel's OOM killer);
* the confinement of the calling thread (:func:`analysis.files.confined`) holds inside the
  worker: its roots are passed along and the read runs inside ``confined(*roots)``.

The calling thread waits for the answer (it does not spin), so a server that calls this
from its thread pool keeps its event loop free. The command line reads in-process; ``hpnmr
serve`` turns the pool on with :func:`set_reader_isolation`.

>>> from analysis.io import isolated
>>> ds = isolated.read_isolated("data/example/nmr/N2/day001/1")      # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import files
from ..dataset import Dataset, ReaderError

__all__ = ["ReadTimeoutError", "ReaderPool", "pool", "read_isolated", "reader_isolation",
           "run_isolated", "set_reader_isolation"]

TIMEOUT_ENV = "HPNMR_READ_TIMEOUT_S"
MEMORY_ENV = "HPNMR_READ_MEMORY_MB"
WORKERS_ENV = "HPNMR_READ_WORKERS"
TIMEOUT_S_DEFAULT = 20.0
MEMORY_MB_DEFAULT = 1536
WORKERS_DEFAULT = 4
#: readers run at a lower CPU priority than the server: a file that keeps one busy until
#: its time limit does not slow the pages other users are loading meanwhile
WORKER_NICENESS = 10
#: environment of the forkserver (and so of every worker): one thread per numerical
#: library, so the address-space limit is not eaten by thread stacks and arenas
_WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

_IN_WORKER = False
#: how a refused slow read's message begins (after the file name)
TIMEOUT_PHRASE = "reading took longer than"


class ReadTimeoutError(ReaderError):
    """Reading a file took longer than the time limit (``$HPNMR_READ_TIMEOUT_S``)."""


def timeout_s() -> float:
    """The time limit of one read in s (``$HPNMR_READ_TIMEOUT_S``, default 20)."""
    return files.env_number(TIMEOUT_ENV, TIMEOUT_S_DEFAULT)


def memory_bytes() -> int:
    """The address-space limit of a reader process in bytes (``$HPNMR_READ_MEMORY_MB``)."""
    return int(files.env_number(MEMORY_ENV, MEMORY_MB_DEFAULT) * 2**20)


# -- the worker -----------------------------------------------------------------------------
def _exit_with(owner: int) -> None:
    """End this reader when process ``owner`` (the server) ends, even in the middle of a
    read: a reader stuck on a file otherwise outlived a killed server (it is the
    forkserver's child, and keeps the forkserver alive too)."""
    import select
    import time

    def watch() -> None:
        try:
            fd = os.pidfd_open(owner)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])  # readable once the owner has exited
        else:
            while True:
                try:
                    os.kill(owner, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="hpnmr-reader-owner", daemon=True).start()


def _worker_main(conn: multiprocessing.connection.Connection, limit_bytes: int,
                 owner: int | None = None) -> None:
    """Loop of a reader process: receive (function, args, kwargs, roots), answer."""
    import resource

    global _IN_WORKER
    _IN_WORKER = True
    if owner is not None:
        _exit_with(owner)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, not a read
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)  # a long read yields the CPU to the server's pages

    while True:
        try:
            func, args, kwargs, roots = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        try:
            if roots:
                with files.confined(*roots):
                    value = func(*args, **kwargs)
            else:
                value = func(*args, **kwargs)
            reply: tuple = ("ok", value)
        except ReaderError as exc:
            reply = ("reader", type(exc).__module__, type(exc).__qualname__, exc.path,
                     exc.problem)
        except MemoryError:
            reply = ("memory",)
        except Exception as exc:  # the safety net: no reader failure escapes untyped
            reply = ("other", type(exc).__name__, str(exc)[:300])
        try:
            conn.send(reply)
        except MemoryError:
            reply = ("memory",)
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            reply = ("other", type(exc).__name__, f"result cannot be passed back ({exc})")
            conn.send(reply)
        if reply[0] == "memory":
            return  # a fresh process takes over rather than a fragmented one


def _rebuild_reader_error(module: str, qualname: str, path: str, problem: str) -> ReaderError:
    """The worker's ReaderError (same class when it is one of ours), in this process."""
    import importlib

    cls: Any = ReaderError
    if module.startswith("analysis.") and "." not in qualname:
        with contextlib.suppress(ImportError):
            found = getattr(importlib.import_module(module), qualname, None)
            if isinstance(found, type) and issubclass(found, ReaderError):
                cls = found
    exc = cls.__new__(cls)
    ReaderError.__init__(exc, path, problem)
    return exc


class _Worker:
    """One reader process and the parent's end of its pipe."""

    def __init__(self, ctx, limit_bytes: int):
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, limit_bytes, os.getpid()),
                                   name="hpnmr-reader", daemon=True)
        self.process.start()
        child.close()
        self.conn = parent

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        with contextlib.suppress(OSError, ValueError, AssertionError):
            self.process.join(5)
        with contextlib.suppress(OSError):
            self.conn.close()


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class ReaderPool:
    """Reader processes, started on demand, at most ``max_workers`` reading at once.

    Parameters
    ----------
    max_workers : int
        Reads running at the same time; a further read waits for a free worker.
    memory_limit_bytes : int, optional
        Address-space limit of each worker in bytes (default :func:`memory_bytes`).

    Notes
    -----
    Thread-safe: any thread may call :meth:`run`. A worker that timed out, ran out of
    memory or died is discarded; the next read starts a new one.
    """

    def __init__(self, max_workers: int = WORKERS_DEFAULT,
                 memory_limit_bytes: int | None = None):
        self.max_workers = max(1, int(max_workers))
        self.memory_limit_bytes = memory_limit_bytes or memory_bytes()
        self._ctx = multiprocessing.get_context("forkserver")
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.max_workers)
        self._pid = os.getpid()
        self._started = False

    # -- workers ---------------------------------------------------------------------------
    def _start_forkserver(self) -> None:
        if self._started:
            return
        from multiprocessing import forkserver

        self._ctx.set_forkserver_preload(["analysis.io"])
        with _environ(_WORKER_ENV):
            forkserver.ensure_running()
        self._started = True

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                w = self._idle.pop()
                if w.alive():
                    self._busy.add(w)
                    return w
                w.kill()  # died while idle (killed from outside): replaced below
            # the pool's own files (multiprocessing's temp folder and socket, tempfile's
            # probe of /tmp) are not a campaign's: start processes outside any confinement,
            # or the first read inside one is refused (--num-procs 2)
            with files.unconfined():
                w = self._start_worker()
            self._busy.add(w)
            return w

    def _start_worker(self) -> _Worker:
        self._start_forkserver()
        return _Worker(self._ctx, self.memory_limit_bytes)

    def _give_back(self, w: _Worker, keep: bool) -> None:
        with self._lock:
            self._busy.discard(w)
            if keep:
                self._idle.append(w)
        if not keep:
            w.kill()

    def warm(self) -> None:
        """Start the forkserver (which imports the readers) and one idle worker now, so
        the first read does not wait for them (≈ 1 s, more on a loaded machine)."""
        w = self._take()
        self._give_back(w, True)

    def pids(self) -> list[int]:
        """Process ids of the live workers (idle and busy)."""
        with self._lock:
            return [w.pid for w in (*self._idle, *self._busy) if w.pid and w.alive()]

    def close(self) -> None:
        """Stop every worker (the pool can be used again: workers restart on demand)."""
        with self._lock:
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
        for w in workers:
            w.kill()

    # -- reading ---------------------------------------------------------------------------
    def run(self, func: Callable[..., Any], *args, label: str | Path = "",
            roots=None, timeout: float | None = None, **kwargs) -> Any:
        """``func(*args, **kwargs)`` in a worker, within the time and memory limits.

        Parameters
        ----------
        func : callable
            A module-level function (it is passed by reference).
        label : str or Path
            The file the call reads: every error message names it.
        roots : sequence of path, optional
            Confine the call to these folders (:func:`analysis.files.confined`).
        timeout : float, optional
            Time limit in s (default :func:`timeout_s`).

        Raises
        ------
        ReaderError
            The call's own ReaderError, or: it took longer than ``timeout``, it ran out of
            memory, its process died, or it raised an unexpected exception.
        """
        limit = timeout_s() if timeout is None else float(timeout)
        roots = tuple(str(r) for r in roots) if roots else None
        label = str(label or (args[0] if args else "reader"))
        with self._slots:
            w = self._take()
            keep = False
            try:
                try:
                    w.conn.send((func, args, kwargs, roots))
                    if not w.conn.poll(limit):
                        raise ReadTimeoutError(label, f"{TIMEOUT_PHRASE} {limit:g} s: "
                                                      "refused")
                    reply = w.conn.recv()
                except (EOFError, OSError) as exc:
                    w.process.join(1)
                    code = w.process.exitcode
                    how = (f"signal {-code}" if code is not None and code < 0 else
                           f"exit code {code}" if code is not None else str(exc))
                    hint = " — probably out of memory" if code == -signal.SIGKILL else ""
                    raise ReaderError(label, f"the reading process stopped ({how}){hint}: "
                                             "refused") from None
                keep = reply[0] in ("ok", "reader", "other")
            finally:
                self._give_back(w, keep)
        kind = reply[0]
        if kind == "ok":
            return reply[1]
        if kind == "reader":
            raise _rebuild_reader_error(*reply[1:])
        if kind == "memory":
            raise ReaderError(label, "reading needed more than the memory limit of "
                                     f"{self.memory_limit_bytes // 2**20} MiB: refused")
        raise ReaderError(label, f"could not be read ({reply[1]}: {reply[2]})")


# -- the process-wide pool and the switch --------------------------------------------------
_POOL: ReaderPool | None = None
_POOL_LOCK = threading.Lock()
_ENABLED = False


def pool() -> ReaderPool:
    """This process's reader pool (``$HPNMR_READ_WORKERS`` workers at most, default 4)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._pid != os.getpid():
            _POOL = ReaderPool(int(files.env_number(WORKERS_ENV, WORKERS_DEFAULT)))
        return _POOL


def set_reader_isolation(enabled: bool = True) -> None:
    """Make every :func:`analysis.io.read` of this process run in the reader pool (on) or
    in the calling thread (off, the default; the command line). ``hpnmr serve`` turns it
    on; server processes forked by ``--num-procs`` inherit it."""
    global _ENABLED
    _ENABLED = bool(enabled)
    if not enabled and _POOL is not None and _POOL._pid == os.getpid():
        _POOL.close()


def reader_isolation() -> bool:
    """Whether :func:`analysis.io.read` runs in the reader pool in this process: when it
    is turned on, except in a reader and in any ``multiprocessing`` child (the analysis
    pipeline's workers are separate processes already, and a forkserver cannot be shared
    with a forked child)."""
    return _ENABLED and not _IN_WORKER and multiprocessing.parent_process() is None


def run_isolated(func: Callable[..., Any], *args, label: str | Path = "", roots=None,
                 timeout: float | None = None, **kwargs) -> Any:
    """``func(*args, **kwargs)`` in the process-wide reader pool; see :meth:`ReaderPool.run`.
    ``roots`` defaults to the calling thread's confinement (:func:`files.current_roots`)."""
    from .. import files

    if roots is None:
        roots = files.current_roots()
    return pool().run(func, *args, label=label, roots=roots, timeout=timeout, **kwargs)


def read_isolated(path: str | Path, *, roots=None, timeout: float | None = None,
                  **kwargs) -> Dataset:
    """:func:`analysis.io.read` in a reader process: the same Dataset, or a ReaderError
    naming ``path`` (also for a read that exceeds the time or memory limit).

    Parameters
    ----------
    path : str or Path
        What :func:`analysis.io.read` accepts.
    roots : sequence of path, optional
        Confine the read to these folders; default: the calling thread's
        :func:`analysis.files.confined` roots, if any.
    timeout : float, optional
        Time limit in s (default ``$HPNMR_READ_TIMEOUT_S``, 20 s).
    **kwargs
        Passed to :func:`analysis.io.read` (``nucleus=``, ``format=``, …).
    """
    fields = run_isolated(_read_fields, Path(path), label=path, roots=roots,
                          timeout=timeout, **kwargs)
    return Dataset(**fields)


def _read_fields(path: Path, **kwargs) -> dict[str, Any]:
    """In the worker: the Dataset's fields, its read-only mappings as plain dicts (a
    ``MappingProxyType`` does not pickle); :func:`read_isolated` rebuilds it."""
    import dataclasses

    from . import read_in_process

    ds = read_in_process(path, **kwargs)
    fields = {f.name: getattr(ds, f.name) for f in dataclasses.fields(ds)}
    fields["sha256"] = dict(ds.sha256)
    fields["params"] = dict(ds.params)
    return fields
