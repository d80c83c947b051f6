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


def looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return any(re.match(r"\s*[-+]?(\d|\.\d)", ln) for ln in lines[:20])


def load_table(path: Path, min_columns: int = 2) -> tuple[list[str], np.ndarray]:
    """Read a numeric table: (header names, 2-D float array). Non-numeric rows are skipped
    after the header; the separator is detected."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    rows: list[list[float]] = []
    header: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not line:
            continue
        parts = [p for p in re.split(r"[,\t;]|\s+", line) if p != ""]
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            if not rows and not header:
                header = [p.strip().strip('"') for p in re.split(r"[,\t;]", line)]
                if len(header) == 1:
                    header = line.split()
            continue
    if not rows:
        raise ReaderError(path, "no numeric rows")
    width = min(len(r) for r in rows)
    if width < min_columns:
        raise ReaderError(path, f"need at least {min_columns} numeric columns, found {width}")
    table = np.array([r[:width] for r in rows], dtype=float)
    return header, table


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
