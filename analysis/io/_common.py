"""Helpers shared by the readers."""

from __future__ import annotations

import re

import numpy as np

from ..constants import nucleus as lookup

_SI = {"p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "m": 1e-3, "s": 1.0, "k": 1e3}


def canonical_nucleus(label) -> str | None:
    """Best-effort canonical nucleus symbol (``"1H"``) or None."""
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.split(b"\x00")[0].decode("latin-1", "replace")
    label = str(label).strip().strip("<>").strip()
    if not label or label.lower() == "off":
        return None
    try:
        return lookup(label).symbol
    except KeyError:
        return None


def parse_si_number(token: str) -> float:
    """``"20.000m"`` → 0.02, ``"250u"`` → 2.5e-4, ``"1.306"`` → 1.306 (seconds)."""
    t = token.strip()
    m = re.fullmatch(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([pnuµmsk]?)s?", t)
    if not m:
        raise ValueError(f"not a number: {token!r}")
    return float(m.group(1)) * _SI.get(m.group(2) or "s", 1.0)


def as_traces(data: np.ndarray) -> np.ndarray:
    """Any array → 2-D (traces, points) complex."""
    a = np.asarray(data)
    if a.ndim == 1:
        return a[np.newaxis, :]
    return a.reshape(-1, a.shape[-1])


def data_file_size(path) -> int:
    """Size in bytes of a data file that exists, is not empty and is under the size
    ceiling (:func:`analysis.files.check_file_size`).

    Raises
    ------
    ReaderError
        ``empty file: the acquisition may still be running`` for a file of 0 bytes.
    LimitError
        Above ``$HPNMR_MAX_FILE_MB``.
    """
    from ..dataset import ReaderError
    from ..files import check_file_size

    size = check_file_size(path)
    if size == 0:
        raise ReaderError(path, EMPTY)
    return size


EMPTY = "empty file: the acquisition may still be running"


#: Lines a text table may hold before it must parse as one clean numeric block: beyond
#: this the line-by-line fallback (Python lists, ~10× the memory and time) is refused.
SLOW_PATH_LINES = 1_000_000


def count_lines(path, cap: int) -> int:
    """Number of lines of a text file (bytes read in 1 MiB chunks, nothing kept), or
    :class:`~analysis.files.LimitError` as soon as it passes ``cap`` rows."""
    from ..files import LimitError

    n = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(2**20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
            if n > cap:
                raise LimitError(path, f"holds more than {cap:,} lines, more rows than the "
                                       "limit allows (set $HPNMR_MAX_POINTS to raise it)")
    return n + (last != b"\n")


def numeric_table(path, skip: int, delimiter: str | None) -> np.ndarray | None:
    """The lines after the first ``skip`` as a 2-D float table, parsed by numpy's C
    reader (``#`` comments and blank lines ignored), or None when they are not one clean
    numeric block (a text cell, an empty field, ragged rows): the caller then falls back
    to its line-by-line parser."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = np.loadtxt(path, delimiter=delimiter, comments="#", skiprows=skip,
                               ndmin=2, dtype=float, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, IndexError):
        return None
    return table if table.size else None


def clean_numeric_table(path, lines: int, skip: int, first_line: str) -> np.ndarray | None:
    """The data of a text table (after ``skip`` lines; ``first_line`` the first of them,
    which names the separator) as one clean numeric block (:func:`numeric_table`), or None
    when the caller's line-by-line parser must read them: at most :data:`SLOW_PATH_LINES`
    ``lines``, beyond which :class:`~analysis.dataset.ReaderError` refuses the file."""
    from ..dataset import ReaderError

    table = numeric_table(path, skip, delimiter_of(first_line))
    if table is None and lines > SLOW_PATH_LINES:
        raise ReaderError(path, f"{lines:,} lines that are not one clean numeric table (text "
                                f"cells, empty fields or ragged rows); above "
                                f"{SLOW_PATH_LINES:,} lines only clean tables are read")
    return table


def delimiter_of(line: str) -> str | None:
    """The separator of a data line: tab, comma or semicolon (in that order), else
    whitespace (None)."""
    for sep in ("\t", ",", ";"):
        if sep in line:
            return sep
    return None
