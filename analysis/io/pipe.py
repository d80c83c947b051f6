"""NMRPipe 1-D reader on top of nmrglue (time or frequency domain)."""

from __future__ import annotations

import struct
from pathlib import Path

import nmrglue as ng
import numpy as np

from ..dataset import Dataset, ReaderError, hashes
from ..files import check_points
from ._common import canonical_nucleus, data_file_size

_HEADER_BYTES = 2048
#: Header words nmrglue turns into integers (sizes, dimension order, flags, the date).
_INTEGER_WORDS = {"FDDIMCOUNT": 9, "FDDIMORDER1": 24, "FDDIMORDER2": 25, "FDDIMORDER3": 26,
                  "FDDIMORDER4": 27, "FDF1QUADFLAG": 55, "FDF2QUADFLAG": 56,
                  "FDSIZE": 99, "FDQUADFLAG": 106, "FDSPECNUM": 219, "FDTRANSPOSED": 221,
                  "FDHOURS": 283, "FDMINS": 284, "FDSECS": 285, "FDMONTH": 294,
                  "FDDAY": 295, "FDYEAR": 296, "FDFILECOUNT": 442}


def check_header(path: Path) -> None:
    """The NMRPipe header words nmrglue sizes and shapes the data from (FDSIZE,
    FDSPECNUM, FDDIMCOUNT, …), checked against the file size and
    :func:`analysis.files.limits` before it reads.

    Raises
    ------
    ReaderError
        Empty or short file, a size or flag word that is not a whole number, or sizes
        that need more bytes than the file holds.
    LimitError
        FDSIZE × FDSPECNUM above ``$HPNMR_MAX_POINTS``.
    """
    size = data_file_size(path)
    if size <= _HEADER_BYTES:
        raise ReaderError(path, "NMRPipe file shorter than its 2048-byte header")
    with open(path, "rb") as fh:
        head = fh.read(_HEADER_BYTES)
    fmt = "<" if abs(struct.unpack("<f", head[8:12])[0] - 2.345) < 1e-4 else ">"
    words = struct.unpack(f"{fmt}512f", head)
    for name, i in _INTEGER_WORDS.items():
        v = words[i]
        if not (v == v and abs(v) < 2**31 and v == int(v)):
            raise ReaderError(path, f"corrupt header: {name} = {v!r} is not a whole number")
    n, spec = int(words[99]), int(words[219])
    if n < 1 or spec < 1 or not 1 <= int(words[9]) <= 4:
        raise ReaderError(path, f"corrupt header: FDSIZE = {n}, FDSPECNUM = {spec}, "
                                f"FDDIMCOUNT = {int(words[9])}")
    check_points(path, n * spec, "points (FDSIZE × FDSPECNUM)")
    if _HEADER_BYTES + 4 * n * spec > size or (size - _HEADER_BYTES) % 4:
        raise ReaderError(path, f"truncated: the header declares {n:,} × {spec:,} values, "
                                f"the file holds {size - _HEADER_BYTES:,} bytes of data")


def looks_like_pipe(head: bytes) -> bool:
    """NMRPipe files start with a 512-float header whose FDFLTORDER (word 2) is 2.345."""
    if len(head) < 12:
        return False
    return any(abs(struct.unpack(fmt, head[8:12])[0] - 2.345) < 0.0001 for fmt in ("<f", ">f"))


def read(path: Path, **_: object) -> Dataset:
    path = Path(path)
    check_header(path)
    try:
        dic, data = ng.pipe.read(str(path))
    except UnicodeDecodeError as exc:
        raise ReaderError(path, f"corrupt header: a text field is not text ({exc.reason} at "
                                f"byte {exc.start})") from exc
    data = np.asarray(data)
    if data.ndim != 1:
        raise ReaderError(path, f"only 1-D NMRPipe data are read, found shape {data.shape}")
    if data.size < 2:
        raise ReaderError(path, "no data points")
    udic = ng.pipe.guess_udic(dic, data)
    ax = udic[0]
    sw = float(ax["sw"])
    obs = float(ax["obs"]) * 1e6
    if not sw > 0:
        raise ReaderError(path, f"invalid spectral width {sw}")
    nuc = canonical_nucleus(str(ax.get("label", "")))
    if ax.get("time", False) or not ax.get("freq", True):
        return Dataset(data=data.astype(complex), format="nmrpipe", source=str(path),
                       nucleus=nuc, carrier_hz=obs, spectral_width_hz=sw,
                       reference_hz=obs or None, sha256=hashes([path]))
    uc = ng.pipe.make_uc(dic, data)
    hz = np.asarray(uc.hz_scale(), dtype=float)  # relative to 0 ppm
    order = np.argsort(hz)
    return Dataset(data=data[order].astype(complex), format="nmrpipe", source=str(path),
                   nucleus=nuc, carrier_hz=obs, spectral_width_hz=sw, domain="frequency",
                   reference_hz=obs or None, frequency_offsets_hz=hz[order],
                   sha256=hashes([path]))
