"""The campaign's results database: SQLite in WAL mode, an append-only history.

Every save of an acquisition's processing is a new *version* row (who, when, what:
processing parameters and measured values as JSON, the raw files' SHA-256). Nothing is
ever updated or deleted (triggers refuse it); "restore" appends a copy of an earlier
version. Writes are single ``BEGIN IMMEDIATE`` transactions, so a process killed mid-write
leaves the database as it was, and concurrent writers queue instead of losing versions.

The database lives in ``<campaign>/.hpnmr/results.sqlite`` by default, beside — never
inside — the raw data folders. Opened with ``root=`` (the campaign folder, as the dashboard
and the command line do for that default place), the folder, the database and its
``-wal``/``-shm``/``-journal`` files must lie in ``root`` once symlinks are followed, and
every connection is made inside :func:`analysis.files.confined` of ``root``: a
``.hpnmr`` or ``results.sqlite`` symlinked out of the campaign is refused, nothing is
created or written there. A path an administrator configures (``$HPNMR_STORE``) is
trusted and opened without ``root``.
"""

from __future__ import annotations

import datetime as _dt
import errno
import getpass
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import files

#: files SQLite opens beside a database (its C code opens them: checked before connecting)
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    acquisition TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    author TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    params_json TEXT NOT NULL,
    results_json TEXT NOT NULL DEFAULT '{}',
    raw_sha256_json TEXT NOT NULL DEFAULT '{}',
    restored_from INTEGER REFERENCES versions(id)
);
CREATE INDEX IF NOT EXISTS versions_by_acquisition ON versions (acquisition, id);
CREATE TRIGGER IF NOT EXISTS versions_no_update BEFORE UPDATE ON versions
BEGIN SELECT RAISE(ABORT, 'the results history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS versions_no_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'the results history is append-only'); END;
"""


class StoreError(RuntimeError):
    """The results database cannot be used (names the file and the problem)."""


@dataclass(frozen=True)
class Version:
    """One saved state of an acquisition's processing and results."""

    id: int
    acquisition: str
    created_utc: str
    author: str
    note: str
    params: dict[str, Any]
    results: dict[str, Any]
    raw_sha256: dict[str, str]
    restored_from: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "acquisition": self.acquisition,
                "created_utc": self.created_utc, "author": self.author, "note": self.note,
                "params": self.params, "results": self.results,
                "raw_sha256": self.raw_sha256, "restored_from": self.restored_from}


#: environment variable: a results database path an administrator sets (trusted as given)
STORE_ENV = "HPNMR_STORE"


def default_path(campaign_root: str | Path) -> Path:
    return Path(campaign_root) / ".hpnmr" / "results.sqlite"


def check_store_path(path: str | Path, root: str | Path | None):
    """A context manager confining what is done in it to ``root`` after checking that
    ``path``, its folder and SQLite's side files (``-wal``, ``-shm``, ``-journal``) lie in
    ``root`` (symlinks followed); without ``root`` nothing is checked.

    Raises
    ------
    analysis.files.ConfinementError
        Naming the first path that leads outside ``root``.
    """
    if root is None:
        return nullcontext()
    path = Path(path)
    for p in (path.parent, path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        files.check(p, (root,))
    return files.confined(root)


def default_author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


#: what SQLite and the OS say when the database or its folder cannot be written
_READ_ONLY_SIGNS = ("readonly database", "read-only", "unable to open database file",
                    "permission denied", "attempt to write")


def _is_read_only(exc: BaseException) -> bool:
    if isinstance(exc, PermissionError) or getattr(exc, "errno", None) in (
            errno.EROFS, errno.EACCES, errno.EPERM):
        return True
    return isinstance(exc, sqlite3.OperationalError) and any(
        sign in str(exc).lower() for sign in _READ_ONLY_SIGNS)


class ResultsStore:
    """Append-only history of processing and results, one database per campaign.

    Each call opens its own short-lived connection, so a store object can be shared by
    threads and used from several processes at once.

    A database that fails SQLite's integrity check is refused (:class:`StoreError`) before
    anything is written to it: nothing ever writes over, repairs or recreates it. A
    database that exists but cannot be written (a read-only campaign folder or file) opens
    read-only: its history can be read, :meth:`save` refuses, and :attr:`read_only` and
    :attr:`problem` say so.

    Parameters
    ----------
    path : str or Path
        The database file (created with its folder when missing).
    timeout_s : float
        How long a write waits for another writer, in s.
    root : str or Path, optional
        The folder the database must lie in (the campaign folder for its default place,
        :func:`default_path`); None trusts ``path`` as given.

    Raises
    ------
    StoreError
        The database cannot be opened, or (with ``root``) it or its folder leads outside
        ``root`` (a symlink): then nothing is created.

    Attributes
    ----------
    read_only : bool
        The database can be read but not written.
    problem : str
        Why it is read-only (empty otherwise).
    """

    def __init__(self, path: str | Path, timeout_s: float = 30.0, *,
                 root: str | Path | None = None):
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.root = None if root is None else Path(root)
        self.read_only = False
        self.problem = ""
        try:
            exists = self.path.is_file() and self.path.stat().st_size > 0
        except OSError:
            exists = False
        try:
            with check_store_path(self.path, self.root):
                if exists:
                    self._check_integrity()
                self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as con:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
                con.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)",
                            (str(SCHEMA_VERSION),))
        except files.ConfinementError as exc:
            raise self._refused(exc) from None
        except (sqlite3.Error, OSError) as exc:
            if not (exists and _is_read_only(exc)):
                raise StoreError(f"{self.path}: cannot open the results database "
                                 f"({exc})") from exc
            self.read_only = True
            self.problem = f"{self.path}: cannot be written ({exc})"
            try:
                self.history()
            except StoreError as again:
                raise StoreError(f"{self.path}: cannot be written ({exc}) nor read "
                                 f"({again})") from exc

    def _refused(self, exc: files.ConfinementError) -> StoreError:
        return StoreError(f"{exc.path}: results database refused: it leads outside the "
                          f"campaign folder {self.root} (a symlink)")

    def _check_integrity(self) -> None:
        """Refuse a damaged database, opened read-only so nothing can touch it."""
        try:
            con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                  timeout=self.timeout_s)
            try:
                rows = con.execute("PRAGMA quick_check").fetchall()
            finally:
                con.close()
        except sqlite3.OperationalError as exc:
            if _is_read_only(exc):
                return  # a WAL database in a read-only folder: opened read-only below
            raise StoreError(f"{self.path}: the results database is damaged ({exc}); it "
                             "is left as it is") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: the results database is damaged ({exc}); it "
                             "is left as it is") from exc
        if rows != [("ok",)]:
            first = "; ".join(str(r[0]) for r in rows[:2])
            raise StoreError(f"{self.path}: the results database is damaged ({first}); it "
                             "is left as it is")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            with check_store_path(self.path, self.root):
                if self.read_only:
                    # immutable: no -wal/-shm files either (the folder may be read-only)
                    con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1",
                                          uri=True, timeout=self.timeout_s,
                                          isolation_level=None)
                else:
                    con = sqlite3.connect(self.path, timeout=self.timeout_s,
                                          isolation_level=None)
        except files.ConfinementError as exc:
            raise self._refused(exc) from None
        try:
            con.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
            if not self.read_only:
                con.execute("PRAGMA synchronous = NORMAL")
            yield con
        finally:
            con.close()

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Rows of a query; a database that breaks meanwhile gives a StoreError."""
        try:
            with self._connect() as con:
                return con.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: the results database cannot be read "
                             f"({exc})") from exc

    def _row(self, r: tuple) -> Version:
        try:
            return Version(id=r[0], acquisition=r[1], created_utc=r[2], author=r[3],
                           note=r[4], params=json.loads(r[5]), results=json.loads(r[6]),
                           raw_sha256=json.loads(r[7]), restored_from=r[8])
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{self.path}: version #{r[0]} is damaged ({exc})") from exc

    _COLUMNS = ("id, acquisition, created_utc, author, note, params_json, results_json, "
                "raw_sha256_json, restored_from")

    def save(self, acquisition: str, params: dict[str, Any], results: dict[str, Any] | None
             = None, *, author: str | None = None, note: str = "",
             raw_sha256: dict[str, str] | None = None,
             restored_from: int | None = None) -> Version:
        """Append a new version atomically and return it."""
        if self.read_only:
            raise StoreError(f"{self.problem}: saving is off")
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
        try:
            row = (acquisition, now, author or default_author(), note,
                   json.dumps(params, sort_keys=True, allow_nan=False),
                   json.dumps(results or {}, sort_keys=True, default=float),
                   json.dumps(raw_sha256 or {}, sort_keys=True), restored_from)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{self.path}: {acquisition}: not storable ({exc})") from exc
        try:
            with self._connect() as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    cur = con.execute(
                        "INSERT INTO versions (acquisition, created_utc, author, note, "
                        "params_json, results_json, raw_sha256_json, restored_from) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
                    vid = cur.lastrowid
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
        except (sqlite3.Error, ValueError, OSError) as exc:
            raise StoreError(f"{self.path}: save of {acquisition} failed ({exc})") from exc
        return self.get(int(vid))

    def get(self, version_id: int) -> Version:
        rows = self._read(f"SELECT {self._COLUMNS} FROM versions WHERE id = ?",
                          (version_id,))
        if not rows:
            raise StoreError(f"{self.path}: no version #{version_id}")
        return self._row(rows[0])

    def latest(self, acquisition: str) -> Version | None:
        rows = self._read(f"SELECT {self._COLUMNS} FROM versions WHERE acquisition = ? "
                          "ORDER BY id DESC LIMIT 1", (acquisition,))
        return self._row(rows[0]) if rows else None

    def history(self, acquisition: str | None = None) -> list[Version]:
        """Every version (of one acquisition, or all), oldest first."""
        if acquisition is None:
            rows = self._read(f"SELECT {self._COLUMNS} FROM versions ORDER BY id")
        else:
            rows = self._read(f"SELECT {self._COLUMNS} FROM versions WHERE "
                              "acquisition = ? ORDER BY id", (acquisition,))
        return [self._row(r) for r in rows]

    def restore(self, version_id: int, *, author: str | None = None) -> Version:
        """Make an earlier version current again by appending a copy of it."""
        old = self.get(version_id)
        return self.save(old.acquisition, old.params, old.results, author=author,
                         note=f"restored version #{old.id}", raw_sha256=old.raw_sha256,
                         restored_from=old.id)

    def export_json(self, path: str | Path | None = None) -> str:
        """The whole history as JSON (written to ``path`` when given)."""
        text = json.dumps({"schema": SCHEMA_VERSION, "database": str(self.path),
                           "versions": [v.to_dict() for v in self.history()]}, indent=1)
        if path is not None:
            Path(path).write_text(text)
        return text


def open_store(campaign_root: str | Path) -> ResultsStore:
    """The campaign's results database: ``$HPNMR_STORE`` when the administrator set one
    (trusted as given), else ``<campaign>/.hpnmr/results.sqlite`` confined to the campaign
    folder (a ``.hpnmr`` or database symlinked out of it raises :class:`StoreError`)."""
    explicit = os.environ.get(STORE_ENV)
    if explicit:
        return ResultsStore(explicit)
    return ResultsStore(default_path(campaign_root), root=campaign_root)
