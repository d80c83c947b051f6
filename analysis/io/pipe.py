"""NMRPipe 1-D reader on top of nmrglue (time or frequency domain)."""

from __future__ import annotations

import struct
from pathlib import Path

import nmrglue as ng
import numpy as np

from ..dataset import Dataset, ReaderError, hashes
from ._common import canonical_nucleus

_HEADER_BYTES = 2048


def looks_like_pipe(head: bytes) -> bool:
    """NMRPipe files start with a 512-float header whose FDFLTORDER (word 2) is 2.345."""
    if len(head) < 12:
        return False
    return any(abs(struct.unpack(fmt, head[8:12])[0] - 2.345) < 0.0001 for fmt in ("<f", ">f"))


def read(path: Path, **_: object) -> Dataset:
    path = Path(path)
    if path.stat().st_size <= _HEADER_BYTES:
        raise ReaderError(path, "NMRPipe file shorter than its 2048-byte header")
    dic, data = ng.pipe.read(str(path))
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
