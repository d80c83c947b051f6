"""Delay lists and amplitude tables of relaxation experiments.

* :func:`parse_delays`: delays (s) from the command line or a vdlist-style file — a list
  (``"1e-3,2e-3"``, ``"250u 500u 1m"``), a range (``"250u:25m:250u"``) or a file name.
* :func:`read_amplitude_table`: the columns of a ``delay_s,amplitude[,sigma]`` table, read by
  the text table reader (:func:`analysis.io.text.load_table`).

The fits themselves and the amplitudes of raw arrayed data are in
:mod:`analysis.relaxation`, which re-exports both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import ReaderError
from ._common import parse_si_number
from .text import load_table

#: file suffixes read as an amplitude table rather than as raw data
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")
#: longest text taken as a possible file name (longer is a list of delays)
MAX_PATH_CHARS = 4096


def is_amplitude_table(path) -> bool:
    """True when ``path`` is a file with a table suffix (:data:`TABLE_SUFFIXES`)."""
    p = Path(path)
    return p.is_file() and p.suffix.lower() in TABLE_SUFFIXES


def parse_delays(text: str) -> np.ndarray:
    """Delays (s) from ``"1e-3,2e-3"``, ``"250u 500u 1m"``, a range ``"250u:25m:250u"``
    (start:stop:step, stop included) or a vdlist-style file (one value per line; ``u``/``m``
    suffixes allowed).

    Raises
    ------
    ValueError
        An empty list, a token that is not a number, a range without a positive step.
    """
    text = str(text).strip()
    parts = text.split(":")
    if len(parts) == 3 and all(parts):
        start, stop, step = (parse_si_number(x) for x in parts)
        if step <= 0 or stop < start:
            raise ValueError(f"delay range {text!r}: need start ≤ stop and a positive step")
        n = int(np.floor((stop - start) / step + 1e-9)) + 1
        return start + step * np.arange(n)
    try:
        is_file = len(text) < MAX_PATH_CHARS and Path(text).is_file()
    except OSError:
        is_file = False
    src = Path(text).read_text(encoding="utf-8", errors="replace") if is_file else text
    tokens = [t for t in src.replace(",", " ").replace(";", " ").split() if t]
    if not tokens:
        raise ValueError(f"no delays in {text!r}")
    return np.array([parse_si_number(t) for t in tokens])


def read_amplitude_table(path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x_s, amplitude, sigma)`` of a table ``delay_s,amplitude[,sigma]`` (x in s,
    amplitudes in any unit; sigma NaN when the table has no third column). At least one
    row; the caller says how many it needs (:func:`check_rows`).

    Raises
    ------
    ReaderError
        Naming the file: no numeric rows, fewer than two columns.
    """
    _, table = load_table(Path(path))
    x, y = table[:, 0], table[:, 1]
    sigma = table[:, 2] if table.shape[1] > 2 else np.full(y.shape, np.nan)
    return x, y, sigma


def check_rows(path, x: np.ndarray) -> None:
    """:class:`~analysis.dataset.ReaderError` naming ``path`` when the table read from it
    has fewer than two rows."""
    if x.size < 2:
        raise ReaderError(Path(path), "fewer than two rows")
