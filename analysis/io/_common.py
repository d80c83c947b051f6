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
