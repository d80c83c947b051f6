"""Two- or three-column text/CSV reader (time or frequency domain).

Columns: x, real[, imaginary]. Separators: comma, tab, semicolon or spaces; ``#`` comments;
an optional header row. The domain comes from the header (``time``/``t``/``s`` → time,
``freq``/``hz``/``ppm`` → frequency) or the ``domain=`` argument; x must be strictly
monotonic and evenly spaced for time data.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..dataset import Dataset, ReaderError, hashes
from ..files import limits
from ._common import (
    SLOW_PATH_LINES,
    clean_numeric_table,
    count_lines,
    data_file_size,
    numeric_table,
)


def looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return any(re.match(r"\s*[-+]?(\d|\.\d)", ln) for ln in lines[:20])


def looks_like_minispec(head: bytes) -> bool:
    return head[:200].lower().find(b"the minispec") >= 0


def read_minispec(path: Path, **_: object) -> Dataset:
    """Bruker minispec ``.sig`` export: a short header, then real[, imaginary] per line.

    ``DataLimits=start,end,points`` gives the time axis in ms; ``DataType=1`` is a magnitude
    signal (stored as real), ``2`` complex. The nucleus is not stated (minispecs are usually
    ¹H relaxometers) and is left unset.
    """
    path = Path(path)
    data_file_size(path)
    total = count_lines(path, limits().max_points)
    with open(path, encoding="latin-1") as fh:
        head = [fh.readline().rstrip("\r\n") for _ in range(200)]
    meta = dict(ln.split("=", 1) for ln in head[:8] if "=" in ln)
    try:
        start_ms, end_ms, npts = (float(v) for v in meta["DataLimits"].split(","))
    except (KeyError, ValueError) as exc:
        raise ReaderError(path, "minispec header without DataLimits=start,end,points") from exc
    if not (np.isfinite(npts) and npts == int(npts) and 2 <= npts <= total):
        raise ReaderError(path, f"DataLimits declares {npts:g} points; the file has "
                                f"{total:,} lines")
    n = int(npts)
    skip = next((i for i, ln in enumerate(head) if "=" not in ln and _numeric(ln)), None)
    table = numeric_table(path, skip, None) if skip is not None else None
    if table is not None:
        values = table[:, 0] + (1j * table[:, 1] if table.shape[1] > 1 else 0)
    elif total > SLOW_PATH_LINES:
        raise ReaderError(path, f"{total:,} lines that are not one clean numeric table")
    else:
        values = _minispec_values(path)
    if len(values) != n:
        raise ReaderError(path, f"{len(values)} data lines, header says {n}")
    dwell = (end_ms - start_ms) * 1e-3 / (n - 1)
    if not dwell > 0:
        raise ReaderError(path, "DataLimits end is not after start")
    kind = "magnitude" if meta.get("DataType", "").strip() == "1" else "complex"
    return Dataset(data=np.asarray(values), format="minispec", source=str(path),
                   spectral_width_hz=1.0 / dwell, sha256=hashes([path]),
                   warnings=(f"{kind} signal; first point at {start_ms * 1e3:.3g} µs",),
                   params={"data_type": kind, "start_s": start_ms * 1e-3})


def _split(line: str) -> list[str]:
    return [p for p in re.split(r"[,\t;]|\s+", line) if p != ""]


def _content(line: str) -> str:
    return line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""


def _preamble(path: Path) -> tuple[list[str], int, str | None]:
    """(header names, index of the first numeric line, that line) — the header is the
    first non-numeric line before the data."""
    header: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for i, raw in enumerate(fh):
            line = _content(raw)
            if not line:
                continue
            try:
                [float(p) for p in _split(line)]
            except ValueError:
                if not header:
                    header = [p.strip().strip('"') for p in re.split(r"[,\t;]", line)]
                    if len(header) == 1:
                        header = line.split()
                continue
            return header, i, line
    return header, -1, None


def _numeric(line: str) -> bool:
    parts = line.split()
    try:
        return bool(parts) and bool([float(p) for p in parts])
    except ValueError:
        return False


def _minispec_values(path: Path) -> np.ndarray:
    values = []
    with open(path, encoding="latin-1") as fh:
        for ln in fh:
            parts = ln.split()
            if not parts or "=" in ln:
                continue
            try:
                nums = [float(p) for p in parts]
            except ValueError:
                continue
            values.append(nums[0] + (1j * nums[1] if len(nums) > 1 else 0))
    return np.asarray(values, dtype=complex)


def load_table(path: Path, min_columns: int = 2) -> tuple[list[str], np.ndarray]:
    """Read a numeric table: (header names, 2-D float array). Non-numeric rows are skipped
    after the header; the separator is detected.

    The file's lines are counted first (nothing kept) and refused above
    ``$HPNMR_MAX_POINTS / min_columns`` rows; a clean numeric block is parsed by numpy's
    C reader, anything else line by line (at most :data:`SLOW_PATH_LINES` lines).

    Raises
    ------
    ReaderError
        Empty file, no numeric rows, too few columns.
    LimitError
        More rows than the points ceiling allows, or a file above the size ceiling.
    """
    path = Path(path)
    data_file_size(path)
    lines = count_lines(path, limits().max_points // max(min_columns, 1))
    header, skip, first = _preamble(path)
    if first is None:
        raise ReaderError(path, "no numeric rows")
    table = clean_numeric_table(path, lines, skip, first)
    if table is None:
        table = _slow_table(path)
    width = table.shape[1]
    if width < min_columns:
        raise ReaderError(path, f"need at least {min_columns} numeric columns, found {width}")
    return header, table


def _slow_table(path: Path) -> np.ndarray:
    """Line by line: rows that do not parse are skipped, the narrowest row sets the
    width."""
    rows: list[list[float]] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            line = _content(raw)
            if not line:
                continue
            try:
                rows.append([float(p) for p in _split(line)])
            except ValueError:
                continue
    width = min(len(r) for r in rows)
    return np.array([r[:width] for r in rows], dtype=float)


def read(path: Path, *, domain: str | None = None, carrier_hz: float = 0.0,
         reference_hz: float | None = None, nucleus: str | None = None,
         **_: object) -> Dataset:
    path = Path(path)
    header, table = load_table(path)
    if not np.all(np.isfinite(table)):
        raise ReaderError(path, "the table contains NaN or infinite values")
    if table.shape[0] < 2:
        raise ReaderError(path, "need at least two rows")
    x = table[:, 0]
    if domain is None:
        h = header[0].lower() if header else ""
        domain = "frequency" if re.search(r"freq|hz|ppm", h) else "time"
    y = table[:, 1] + (1j * table[:, 2] if table.shape[1] >= 3 else 0)
    dx = np.diff(x)
    if not (np.all(dx > 0) or np.all(dx < 0)):
        raise ReaderError(path, "the x column is not strictly monotonic")
    order = np.argsort(x)
    x, y = x[order], y[order]
    step = float(np.median(np.abs(dx)))
    if domain == "time":
        if np.max(np.abs(np.diff(x) - step)) > 1e-3 * step:
            raise ReaderError(path, "time column is not evenly spaced")
        return Dataset(data=y, format="text", source=str(path), nucleus=nucleus,
                       carrier_hz=carrier_hz, spectral_width_hz=1.0 / step,
                       reference_hz=reference_hz, sha256=hashes([path]))
    if header and "ppm" in header[0].lower():
        if not carrier_hz:
            raise ReaderError(path, "a ppm column needs carrier_hz")
        x = x * (reference_hz or carrier_hz) / 1e6
    sw = step * len(x)
    return Dataset(data=y, format="text", source=str(path), nucleus=nucleus,
                   carrier_hz=carrier_hz, spectral_width_hz=sw, domain="frequency",
                   reference_hz=reference_hz if reference_hz else (carrier_hz or None),
                   frequency_offsets_hz=x, sha256=hashes([path]))
