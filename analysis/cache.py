"""A cache of analysis results, keyed by what they were computed from.

A key is the SHA-256 of the kind of result, the SHA-256 of every raw file it reads, the
parameters it used and the program version: change any of them and the entry is simply
not found. Values are plain JSON (never pickles), so nothing but numbers and strings come
back out. The cache is one SQLite file (WAL, one short transaction per write) beside the
results database, shared safely by every session of a server, every server worker and
the command line; two processes computing the same entry both write the same value.

It is only a cache: when its file cannot be used (read-only folder, disk full, corrupted)
the result is computed as if it were empty, and ``problem`` says why. Opened with ``root=``
(the campaign folder, for the cache beside the campaign's default results database), a
cache file or folder leading outside ``root`` (a symlink) is refused the same way —
nothing is created or written there — and every connection is made inside
:func:`analysis.files.confined` of ``root`` (see :mod:`analysis.store`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import __version__, files
from .store import check_store_path

#: bump when a cached computation changes its meaning without a version change
#: (3: issue 13 changed the shift — time-domain fit, manifest reference, several lines
#: refused —, the Tc analysis and the fit results)
CACHE_SCHEMA = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    value_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_by_kind ON cache (kind);
"""


def cache_key(kind: str, raw_sha256: Mapping[str, str], params: Mapping[str, Any]) -> str:
    """The key of a result: SHA-256 over kind, raw-file digests, parameters and version.

    Parameters
    ----------
    kind : str
        What is computed, e.g. ``"fid_amplitude"``.
    raw_sha256 : mapping
        ``{file name: SHA-256}`` of the raw files read; only the digests count (a copied
        or renamed file with the same content gives the same key).
    params : mapping
        Every parameter the result depends on (JSON-serialisable).
    """
    body = json.dumps({"kind": kind, "raw": sorted(raw_sha256.values()), "params": params,
                       "version": __version__, "schema": CACHE_SCHEMA},
                      sort_keys=True, allow_nan=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


class ResultCache:
    """Results as JSON in an SQLite file, safe across threads and processes.

    Parameters
    ----------
    path : str or Path
        The cache file (created with its folder when missing).
    timeout_s : float
        How long a write waits for another process's write, in s.
    root : str or Path, optional
        The folder the cache must lie in (the campaign folder); None trusts ``path``.
    """

    def __init__(self, path: str | Path, timeout_s: float = 10.0, *,
                 root: str | Path | None = None):
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.root = None if root is None else Path(root)
        self.hits = 0
        self.misses = 0
        self.problem = ""
        self._lock = threading.Lock()
        try:
            with check_store_path(self.path, self.root):
                self.path.parent.mkdir(parents=True, exist_ok=True)
            con = self._connect()
            try:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
            finally:
                con.close()
        except (sqlite3.Error, OSError, files.ConfinementError) as exc:
            self._fail(exc)

    @classmethod
    def beside(cls, store_path: str | Path, root: str | Path | None = None) -> ResultCache:
        """The cache kept next to a results database (``…/.hpnmr/cache.sqlite``), confined
        to ``root`` when given (pass the store's own ``root``)."""
        return cls(Path(store_path).with_name("cache.sqlite"), root=root)

    def __getstate__(self) -> dict:  # to worker processes: the path, not the lock
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        with check_store_path(self.path, self.root):
            con = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        return con

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, files.ConfinementError):
            self.problem = (f"{exc.path}: result cache not used: it leads outside the "
                            f"campaign folder {self.root} (a symlink)")
        else:
            self.problem = f"{self.path}: result cache not used ({exc})"

    # -- access ----------------------------------------------------------------------------
    def get(self, key: str) -> Any | None:
        """The cached value, or None (also when the cache cannot be read)."""
        if self.problem:
            return None
        try:
            con = self._connect()
            try:
                row = con.execute("SELECT value_json FROM cache WHERE key = ?",
                                  (key,)).fetchone()
            finally:
                con.close()
            return None if row is None else json.loads(row[0])
        except (sqlite3.Error, OSError, ValueError) as exc:
            self._fail(exc)
            return None

    def put(self, key: str, kind: str, value: Any) -> None:
        """Store a JSON-serialisable value (one transaction; failures only set ``problem``)."""
        if self.problem:
            return
        try:
            text = json.dumps(value, sort_keys=True, allow_nan=True)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{kind}: result is not JSON-serialisable ({exc})") from exc
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        try:
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("INSERT OR REPLACE INTO cache VALUES (?, ?, ?, ?)",
                            (key, kind, now, text))
                con.execute("COMMIT")
            finally:
                con.close()
        except (sqlite3.Error, OSError, files.ConfinementError) as exc:
            self._fail(exc)

    def get_or_compute(self, kind: str, raw_sha256: Mapping[str, str],
                       params: Mapping[str, Any], compute: Callable[[], Any]) -> Any:
        """The cached result for these inputs, or ``compute()`` stored for next time.

        ``compute`` must return JSON-serialisable data; exceptions it raises pass through
        and nothing is stored (a failure is recomputed, so a fixed bug is not remembered).
        """
        key = cache_key(kind, raw_sha256, params)
        value = self.get(key)
        if value is not None:
            with self._lock:
                self.hits += 1
            return value
        with self._lock:
            self.misses += 1
        value = compute()
        self.put(key, kind, value)
        return value

    def count(self, kind: str | None = None) -> int:
        """Number of entries (of one kind)."""
        if self.problem:
            return 0
        con = self._connect()
        try:
            if kind is None:
                return int(con.execute("SELECT COUNT(*) FROM cache").fetchone()[0])
            return int(con.execute("SELECT COUNT(*) FROM cache WHERE kind = ?",
                                   (kind,)).fetchone()[0])
        finally:
            con.close()


def cached(cache: ResultCache | None, kind: str, raw_sha256: Mapping[str, str],
           params: Mapping[str, Any], compute: Callable[[], Any]) -> Any:
    """``compute()`` through ``cache`` when there is one and the inputs are identified by
    raw-file digests; otherwise computed directly (nothing would identify the entry)."""
    if cache is None or not raw_sha256:
        return compute()
    return cache.get_or_compute(kind, raw_sha256, params, compute)
