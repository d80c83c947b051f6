"""Four-probe R(T) curves: :func:`read_rt` reads one text file into an :class:`RTCurve`.

Tab, comma, semicolon or space separated; a header row (plain or behind ``#``) or none;
``#`` comments (``# key: value`` lines become metadata); non-numeric cells (``NA``)
ignored; the temperature and resistance columns found by name (``T(K)``, ``Temp``,
``Temperature(K)``, ``T_K``; ``R(Ohms)``, ``R``, ``Resistance(Ohms)``, ``R_ohm``, ``rho``),
never a time column such as ``t(s)`` or a thermometer ``R_therm``; without names, the first
two columns. Repeated temperatures are averaged; the points are sorted; the sweep direction
(warming, cooling or both) is recorded. The separator of a line and the fast path for a
clean numeric block are those of the table reader (:mod:`analysis.io.text`,
:mod:`analysis.io._common`). The analysis of the curve is :mod:`analysis.transport`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..dataset import ReaderError
from ..files import check_file_size, limits
from ._common import clean_numeric_table, count_lines, delimiter_of

_T_NAME = re.compile(r"^\s*(t|temp|temperature|t_k|tk|t_sample|sample_t)\b\s*(\(k\)|\[k\]|_k|k)?",
                     re.IGNORECASE)
_R_NAME = re.compile(r"^\s*(r|res|resistance|r_ohm|rho|rho_n|r_xx|rxx)\b", re.IGNORECASE)
#: header names that are not the temperature (a time, a thermometer) or the resistance
_T_AVOID = ("(s)", "time", "therm")
_R_AVOID = ("therm",)


@dataclass(frozen=True)
class RTCurve:
    """A resistance curve, sorted by temperature (K, Ω)."""

    temperature_k: np.ndarray
    resistance_ohm: np.ndarray
    source: str = ""
    sweep: str = "warming"
    columns: tuple[str, str] = ("T", "R")
    meta: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _split(line: str) -> list[str]:
    """The cells of a line, split at its separator (:func:`~._common.delimiter_of`),
    quotes stripped."""
    return [p.strip().strip('"') for p in line.split(delimiter_of(line))]


def _num(token: str) -> float:
    try:
        return float(token)
    except ValueError:
        return float("nan")


def _pick(names: list[str], pattern: re.Pattern, avoid: tuple[str, ...]) -> int | None:
    for i, n in enumerate(names):
        low = n.lower()
        if pattern.match(n) and not any(a in low for a in avoid):
            return i
    return None


def _scan(p: Path, first_row_only: bool
          ) -> tuple[dict[str, str], list[list[str]], list[list[float]], int, str]:
    """Line by line: the ``# key: value`` metadata, the non-numeric lines before the data
    (possible headers), the numeric rows, and the index and text of the first numeric line.
    With ``first_row_only`` it stops at the first numeric row (the rest goes to numpy)."""
    meta: dict[str, str] = {}
    candidates: list[list[str]] = []  # non-numeric lines before the data: possible headers
    rows: list[list[float]] = []
    first, first_line = -1, ""
    with open(p, encoding="utf-8", errors="replace") as fh:
        for i, raw in enumerate(fh):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                body = line.lstrip("#").strip()
                m = re.fullmatch(r"([A-Za-z_][\w ]*?)\s*[:=]\s*(.+)", body)
                if m and not rows:
                    meta[m.group(1).strip().lower()] = m.group(2).strip()
                elif not rows and len(_split(body)) >= 2:
                    candidates.append(_split(body))
                continue
            parts = _split(line)
            vals = [_num(x) for x in parts]
            if sum(1 for v in vals if v == v and abs(v) != float("inf")) < 2:  # finite
                if not rows:
                    candidates.append(parts)
                continue
            rows.append(vals)
            if first < 0:
                first, first_line = i, line
                if first_row_only:
                    break
    return meta, candidates, rows, first, first_line


def _columns(p: Path, candidates: list[list[str]], rows: list[list[float]], width: int
             ) -> tuple[int, int, tuple[str, str]]:
    """(temperature column, resistance column, their names): by the last candidate header
    that names both, else the first two columns of a file without a header."""
    header: list[str] = []
    for cand in reversed(candidates):  # the last line naming both columns is the header
        if _pick(cand, _T_NAME, _T_AVOID) is not None and _pick(cand, _R_NAME, _R_AVOID) \
                is not None:
            header = cand
            break
    if header:
        it = _pick(header, _T_NAME, _T_AVOID)
        ir = _pick(header, _R_NAME, _R_AVOID)
        names = (header[it], header[ir])
    elif candidates and any(len(c) == len(rows[0]) for c in candidates) and len(rows[0]) > 2:
        raise ReaderError(p, f"no temperature and resistance columns among {candidates[-1]}")
    else:
        it, ir = 0, 1
        names = ("column 1", "column 2")
    if max(it, ir) >= width:
        raise ReaderError(p, "the header names more columns than the rows hold")
    return it, ir, names


def read_rt(path: str | Path) -> RTCurve:
    """Read an R(T) file (see the module docstring).

    Raises
    ------
    ReaderError
        Naming the file: unreadable, no numeric rows, no temperature/resistance columns,
        fewer than 10 usable points, or no positive temperatures.
    """
    p = Path(path)
    if not p.is_file():
        raise ReaderError(p, "no such file")
    try:
        if check_file_size(p) == 0:
            raise ReaderError(p, "empty file: no numeric rows (the measurement may still be "
                                 "running)")
        lines = count_lines(p, limits().max_points // 2)
        meta, candidates, rows, skip, first = _scan(p, first_row_only=True)
        table = clean_numeric_table(p, lines, skip, first) if rows else None
        if table is not None:
            table = table[np.isfinite(table).sum(axis=1) >= 2]
        elif rows:
            meta, candidates, rows, _, _ = _scan(p, first_row_only=False)
    except OSError as exc:
        raise ReaderError(p, f"cannot read ({exc})") from exc
    if not rows:
        raise ReaderError(p, "no numeric rows")
    if table is None:
        width = max(len(r) for r in rows)
        table = np.full((len(rows), width), np.nan)
        for i, r in enumerate(rows):
            table[i, :len(r)] = r
    it, ir, names = _columns(p, candidates, rows, table.shape[1])
    return _curve(p, table[:, it], table[:, ir], names, meta)


def _curve(p: Path, t: np.ndarray, r: np.ndarray, names: tuple[str, str],
           meta: dict[str, str]) -> RTCurve:
    """The curve of the temperature and resistance columns ``t`` (K) and ``r`` (Ω): rows
    without both numbers skipped, sorted, repeated temperatures averaged, the sweep named."""
    ok = np.isfinite(t) & np.isfinite(r)
    notes = []
    if (~ok).sum():
        notes.append(f"{int((~ok).sum())} rows without a number in {names[0]} or {names[1]} "
                     "skipped")
    t, r = t[ok], r[ok]
    if t.size < 10:
        raise ReaderError(p, f"only {t.size} usable points")
    if np.any(t <= 0):
        raise ReaderError(p, f"non-positive temperatures ({t.min():g} K) in {names[0]}")
    steps = np.diff(t)
    up, down = int(np.sum(steps > 0)), int(np.sum(steps < 0))
    sweep = "warming" if down <= 0.05 * max(up, 1) else (
        "cooling" if up <= 0.05 * max(down, 1) else "warming and cooling")
    if min(up, down) > 0:
        notes.append(f"temperature not monotonic ({min(up, down)} steps against the sweep): "
                     "sorted")
    order = np.argsort(t, kind="stable")
    t, r = t[order], r[order]
    uniq, inv, counts = np.unique(t, return_inverse=True, return_counts=True)
    if uniq.size < t.size:
        notes.append(f"{t.size - uniq.size} repeated temperatures averaged")
        r = np.bincount(inv, weights=r) / counts
        t = uniq
    return RTCurve(temperature_k=t, resistance_ohm=r, source=str(p), sweep=sweep,
                   columns=names, meta=meta, notes=tuple(notes))
