"""Where hpnmr may open files, and how much it may read from them.

The group server is shared, so every file a campaign names is treated as hostile. Two
rules hold for everything the program opens or writes — readers (ours and nmrglue's),
parameter files, delay lists, R(T) files, the manifest, the results and cache stores:

* **Confinement.** Inside ``with confined(root, …):`` every open, ``sqlite3.connect``,
  ``mkdir``, rename and removal is checked *at the moment it happens*, after following
  symlinks, against the given roots (:func:`check`). The check runs in one place, a
  Python audit hook (:pep:`578`), so it also covers files that third-party readers open
  themselves (nmrglue's ``acqus``, ``pulseprogram``, ``procs``, …). A refused path raises
  :class:`ConfinementError`, whose message names the path as given and never anything
  read from the file (nothing is read).
* **Bounded size.** Readers compare every declared size or count with the file's size
  and with :func:`limits` *before* allocating or looping (:func:`check_points`,
  :func:`check_count`), and refuse with :class:`LimitError`. The ceilings are sized for
  real diamond-anvil-cell data and are set by ``$HPNMR_MAX_POINTS`` (complex points per
  dataset, default 64 Mi) and ``$HPNMR_MAX_FILE_MB`` (default 512).

Outside a ``confined`` block nothing is restricted (the command line reads what the user
names; the server always reads inside one).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.machinery
import math
import os
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .dataset import ReaderError

__all__ = ["ConfinementError", "LimitError", "Limits", "check", "check_count",
           "check_file_size", "check_points", "confined", "current_roots", "env_number", "inside",
           "limits", "open_regular", "unconfined"]

MAX_POINTS_DEFAULT = 64 * 2**20
MAX_FILE_MB_DEFAULT = 512


class ConfinementError(ReaderError):
    """A path that resolves (symlinks followed) outside the allowed folders."""


class LimitError(ReaderError):
    """A file declares or holds more data than the configured ceiling allows."""


@dataclass(frozen=True)
class Limits:
    """Ceilings on what one file may make the program allocate.

    Attributes
    ----------
    max_points : int
        Complex (or real) data points per dataset, all traces together.
    max_file_bytes : int
        Size of one data file in bytes.
    """

    max_points: int = MAX_POINTS_DEFAULT
    max_file_bytes: int = MAX_FILE_MB_DEFAULT * 2**20


def env_number(name: str, default: float) -> float:
    """``$name`` as a positive finite number, or ``default`` when it is unset, not a
    number, zero, negative, infinite or NaN (every numeric setting of hpnmr: limits, time
    limits, back-off delays)."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def _env_int(name: str, default: int) -> int:
    value = int(env_number(name, default))
    return value if value > 0 else default


def limits() -> Limits:
    """The ceilings in force (``$HPNMR_MAX_POINTS``, ``$HPNMR_MAX_FILE_MB``)."""
    return Limits(max_points=_env_int("HPNMR_MAX_POINTS", MAX_POINTS_DEFAULT),
                  max_file_bytes=_env_int("HPNMR_MAX_FILE_MB", MAX_FILE_MB_DEFAULT) * 2**20)


def check_points(path: str | Path, n: int, what: str = "data points") -> int:
    """``n`` if it is a sane count of data points, else :class:`LimitError` naming the
    file and the limit. Call it with a *declared* size before allocating."""
    cap = limits().max_points
    if n < 0:
        raise LimitError(path, f"declares a negative number of {what} ({n})")
    if n > cap:
        raise LimitError(path, f"declares {n:,} {what}, more than the limit of {cap:,} "
                               "(set $HPNMR_MAX_POINTS to raise it)")
    return n


def check_count(path: str | Path, n: int, cap: int, what: str) -> int:
    """``n`` if ``0 ≤ n ≤ cap`` (a declared count of blocks, repeats, lines…), else
    :class:`LimitError`. Use it before any loop that runs a declared number of times."""
    if n < 0 or n > cap:
        raise LimitError(path, f"declares {n:,} {what}; at most {cap:,} are possible "
                               "for this file")
    return n


def check_file_size(path: str | Path) -> int:
    """The size of the file in bytes, or :class:`LimitError` above the ceiling."""
    size = Path(path).stat().st_size
    cap = limits().max_file_bytes
    if size > cap:
        raise LimitError(path, f"file of {size / 2**20:.0f} MiB is larger than the limit "
                               f"of {cap // 2**20} MiB (set $HPNMR_MAX_FILE_MB to raise it)")
    return size


def open_regular(path: str | Path):
    """``path`` opened for reading in binary mode, if it is a regular file under the size
    ceiling; else :class:`~analysis.dataset.ReaderError` (nothing read).

    The file is opened without blocking and checked on the open descriptor, so a FIFO or a
    device (``mkfifo fid``: a plain ``open`` waits forever for a writer) is refused at once,
    also when it replaced a regular file after an earlier ``is_file()``. Confinement is
    checked as for every open.
    """
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ReaderError(path, f"cannot open: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReaderError(path, "not a regular file (a FIFO, device or folder): refused")
        cap = limits().max_file_bytes
        if st.st_size > cap:
            raise LimitError(path, f"file of {st.st_size / 2**20:.0f} MiB is larger than the "
                                   f"limit of {cap // 2**20} MiB (set $HPNMR_MAX_FILE_MB to "
                                   "raise it)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# -- confinement -----------------------------------------------------------------------

_ROOTS: contextvars.ContextVar[tuple[Path, ...] | None] = contextvars.ContextVar(
    "hpnmr_confinement_roots", default=None)
_HOOK_LOCK = threading.Lock()
_HOOK_INSTALLED = False
_IN_HOOK = threading.local()
_PATH_EVENTS = {"open": (0,), "sqlite3.connect": (0,), "os.mkdir": (0,),
                "os.rename": (0, 1), "os.remove": (0,), "os.rmdir": (0,),
                "os.truncate": (0,), "os.symlink": (1,), "os.link": (0, 1),
                "shutil.copyfile": (0, 1), "os.chmod": (0,), "os.utime": (0,)}
_CODE_SUFFIXES = tuple({*importlib.machinery.all_suffixes(), ".pyc", ".pth", ".typed"})


def inside(path: str | os.PathLike, roots) -> bool:
    """Whether ``path`` (resolved, symlinks followed) lies in one of ``roots``."""
    real = Path(path).resolve()
    return any(real == r or r in real.parents for r in (Path(x).resolve() for x in roots))


def current_roots() -> tuple[Path, ...] | None:
    """The roots of the innermost :func:`confined` block, or None outside one."""
    return _ROOTS.get()


def check(path: str | os.PathLike, roots=None) -> Path:
    """``path`` resolved if it lies inside ``roots`` (default: the current
    :func:`confined` roots; no roots and no block: allowed), else
    :class:`ConfinementError`."""
    roots = current_roots() if roots is None else tuple(Path(r).resolve() for r in roots)
    return _check_resolved(path, roots)


def _check_resolved(path: str | os.PathLike, roots: tuple[Path, ...] | None) -> Path:
    real = Path(os.path.realpath(path))
    if roots is None:
        return real
    if not any(real == r or r in real.parents for r in roots):
        raise ConfinementError(path, "refused: it leads outside the campaign folder "
                                     "(a symlink or a path that leaves it)")
    return real


_IMPORT_MACHINERY = frozenset({"_frozen_importlib", "_frozen_importlib_external",
                               "importlib._bootstrap", "importlib._bootstrap_external"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _is_code(path: str) -> bool:
    """Module files Python reads for a lazy import or a traceback inside a confined block
    (the import system itself is recognised by :func:`_by_import_system`)."""
    if not path.endswith(_CODE_SUFFIXES):
        return False
    real = os.path.realpath(path)
    return any(real.startswith(os.path.realpath(p) + os.sep)
               for p in (*sys.path, sys.prefix, sys.base_prefix) if p)


def _read_only(args: tuple) -> bool:
    """Whether an ``open`` event opens for reading only (``open(path, mode, flags)``;
    ``os.open`` gives no mode, only flags)."""
    mode = args[1] if len(args) > 1 else None
    if isinstance(mode, str):
        return not any(c in mode for c in "wax+")
    flags = args[2] if len(args) > 2 else 0
    return isinstance(flags, int) and not flags & _WRITE_FLAGS


def _by_import_system() -> bool:
    """Whether the event comes straight from Python's import system (reading a module,
    writing its ``__pycache__``): what it touches is set by ``sys.path`` and module
    names, never by a campaign's files."""
    frame = sys._getframe(2)  # 0: this function, 1: _audit, 2: the caller of the C call
    return frame is not None and frame.f_globals.get("__name__") in _IMPORT_MACHINERY


def _audit(event: str, args: tuple) -> None:
    where = _PATH_EVENTS.get(event)
    if where is None:
        return
    roots = _ROOTS.get()
    if roots is None or getattr(_IN_HOOK, "busy", False):
        return
    if _by_import_system():
        return
    _IN_HOOK.busy = True
    try:
        for i in where:
            if i >= len(args):
                continue
            target = args[i]
            if isinstance(target, int) or target is None:
                continue  # an already open descriptor: checked when it was opened
            if isinstance(target, bytes):
                target = os.fsdecode(target)
            target = os.fspath(target)
            if event == "sqlite3.connect":
                if target == ":memory:" or not target:
                    continue
                if target.startswith("file:"):  # a URI (read-only opens): check its path
                    target = urllib.parse.unquote(urllib.parse.urlsplit(target).path)
            if event == "open" and _read_only(args) and _is_code(target):
                continue
            _check_resolved(target, roots)
    finally:
        _IN_HOOK.busy = False


def _install_hook() -> None:
    global _HOOK_INSTALLED
    with _HOOK_LOCK:
        if not _HOOK_INSTALLED:
            sys.addaudithook(_audit)
            _HOOK_INSTALLED = True


def _intersection(inner: tuple[Path, ...], outer: tuple[Path, ...]) -> tuple[Path, ...]:
    """The folders lying in both a root of ``inner`` and a root of ``outer`` (the deeper
    of each nested pair; nothing when they are apart: then every path is refused)."""
    out: list[Path] = []
    for r in inner:
        for o in outer:
            deeper = r if (r == o or o in r.parents) else o if r in o.parents else None
            if deeper is not None and deeper not in out:
                out.append(deeper)
    return tuple(out)


@contextlib.contextmanager
def confined(*roots: str | os.PathLike) -> Iterator[tuple[Path, ...]]:
    """Confine every file operation in this block (this thread or task) to ``roots``.

    Nested blocks confine to the intersection: a path must lie in a root of the inner
    block and in a root of the outer one (blocks whose roots are apart refuse every
    path). The roots hold for the thread or asyncio task that entered the block and the
    tasks it starts, never for other threads (a new ``threading.Thread`` starts
    unconfined). Python's import system is exempt (lazy imports and their
    ``__pycache__`` writes), and so is reading a module's source (tracebacks).

    Examples
    --------
    >>> with confined("/data/campaign"):          # doctest: +SKIP
    ...     io.read("/data/campaign/LaH10/1")
    """
    resolved = tuple(Path(r).resolve() for r in roots)
    outer = _ROOTS.get()
    if outer is not None:
        resolved = _intersection(resolved, outer)
    _install_hook()
    token = _ROOTS.set(resolved)
    try:
        yield resolved
    finally:
        _ROOTS.reset(token)


@contextlib.contextmanager
def unconfined() -> Iterator[None]:
    """Lift the confinement of this thread for the program's own machinery — starting a
    reader process (``multiprocessing`` makes its temporary folder and socket) — never
    around opening a file a campaign names."""
    token = _ROOTS.set(None)
    try:
        yield
    finally:
        _ROOTS.reset(token)
