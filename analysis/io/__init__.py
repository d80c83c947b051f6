"""Readers: every supported format → one :class:`~analysis.dataset.Dataset`.

>>> from analysis import io
>>> ds = io.read("path/to/acquisition")        # doctest: +SKIP

Supported: Bruker fid/ser (digital filter removed, vdlist/vplist/vclist → array axis),
Tecmag .tnt (full spectral width from the dwell, reference offset applied, delay tables),
Varian/Agilent (procpar ``array``), JCAMP-DX (1-D spectra and FIDs, pseudo-2D NTUPLES),
NMRPipe 1-D, Bruker minispec ``.sig`` exports, and two-column text/CSV (time or frequency
domain).
Every malformed or unsupported input raises :class:`~analysis.dataset.ReaderError`
naming the file and the problem.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from ..dataset import ArrayAxis, Dataset, ReaderError, UnsupportedFormatError
from ..files import check_file_size
from . import bruker, isolated, jcamp, pipe, tecmag, text, varian
from ._common import EMPTY
from .isolated import set_reader_isolation

__all__ = ["ArrayAxis", "Dataset", "ReaderError", "UnsupportedFormatError", "detect", "read",
           "read_in_process", "set_reader_isolation"]


def detect(path: str | Path) -> str:
    """Name the format of ``path`` without reading its data.

    Raises
    ------
    UnsupportedFormatError
        When no reader recognises it.
    """
    p = Path(path)
    try:
        exists = p.exists()
    except OSError as exc:  # a name too long, a loop of symlinks, …
        raise ReaderError(p, f"cannot be examined: {exc.strerror or exc}") from None
    if not exists:
        raise ReaderError(p, "no such file or folder")
    if p.is_dir():
        if (p / "acqus").is_file() and ((p / "fid").is_file() or (p / "ser").is_file()):
            return "bruker"
        if (p / "procpar").is_file() and (p / "fid").is_file():
            return "varian"
        raise UnsupportedFormatError(p, "folder holds no Bruker (acqus + fid/ser) or Varian "
                                        "(procpar + fid) dataset")
    name = p.name.lower()
    if name in ("fid", "ser") and (p.parent / "acqus").is_file():
        return "bruker"
    if name == "fid" and (p.parent / "procpar").is_file():
        return "varian"
    if name == "acqus":
        return "bruker"
    if name == "procpar":
        return "varian"
    if p.stat().st_size == 0:
        raise ReaderError(p, EMPTY)
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ReaderError(p, f"cannot open: {exc.strerror or exc}") from exc
    if head.startswith(b"TNT1"):
        return "tecmag"
    if name.endswith(".tnt"):
        raise ReaderError(p, "not a Tecmag file (no TNT1 header)")
    if b"##TITLE" in head.upper() or b"##JCAMP" in head.upper() or name.endswith(
            (".dx", ".jdx", ".jcamp")):
        return "jcamp"
    if pipe.looks_like_pipe(head):
        return "nmrpipe"
    if text.looks_like_minispec(head):
        return "minispec"
    if text.looks_like_text(head):
        return "text"
    raise UnsupportedFormatError(p, "unrecognised format (expected Bruker, Tecmag .tnt, "
                                    "Varian, JCAMP-DX, NMRPipe or two-column text)")


_READERS = {
    "bruker": bruker.read,
    "tecmag": tecmag.read,
    "varian": varian.read,
    "jcamp": jcamp.read,
    "nmrpipe": pipe.read,
    "text": text.read,
    "minispec": text.read_minispec,
}


def read(path: str | Path, *, nucleus: str | None = None, format: str | None = None,
         **kwargs) -> Dataset:
    """Read any supported dataset.

    Parameters
    ----------
    path : str or Path
        A Bruker or Varian experiment folder (or its ``fid``/``ser``), a ``.tnt``,
        ``.dx``/``.jdx``, NMRPipe or text/CSV file.
    nucleus : str, optional
        Override the nucleus the file states (for files with a placeholder label).
    format : str, optional
        Force a reader instead of detecting one.
    **kwargs
        Passed to the reader (e.g. ``domain=`` and ``carrier_hz=`` for text files).

    Raises
    ------
    ReaderError
        Malformed, truncated or unsupported input; the message names the file. On the
        server (:func:`set_reader_isolation`) also a read that exceeds the time or memory
        limit of :mod:`analysis.io.isolated`.
    """
    if isolated.reader_isolation():
        return isolated.read_isolated(path, nucleus=nucleus, format=format, **kwargs)
    return read_in_process(path, nucleus=nucleus, format=format, **kwargs)


def read_in_process(path: str | Path, *, nucleus: str | None = None,
                    format: str | None = None, **kwargs) -> Dataset:
    """:func:`read` in the calling thread, whatever :func:`set_reader_isolation` says."""
    p = Path(path)
    fmt = format or detect(p)
    if fmt not in _READERS:
        raise UnsupportedFormatError(p, f"unknown format {fmt!r}")
    if p.is_file():
        check_file_size(p)  # folders: each reader checks its data files
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = _READERS[fmt](p, **kwargs)
    except ReaderError:
        raise
    except MemoryError as exc:
        raise ReaderError(p, "the file declares more data than can be held in memory") from exc
    except (OSError, ValueError, KeyError, IndexError, TypeError, EOFError, AttributeError,
            UnicodeDecodeError, OverflowError, ZeroDivisionError, AssertionError,
            RuntimeError, SyntaxError) as exc:
        raise ReaderError(p, f"malformed {fmt} data ({type(exc).__name__}: {exc})") from exc
    if nucleus is not None:
        from ..constants import nucleus as lookup

        try:
            canon = lookup(nucleus).symbol
        except KeyError as exc:
            raise ReaderError(p, f"unknown nucleus {nucleus!r}") from exc
        ds = ds.replace(nucleus=canon,
                        warnings=(*ds.warnings, f"nucleus set to {canon} by the user"))
    return ds
