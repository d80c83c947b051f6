"""Varian/Agilent (VnmrJ) fid reader on top of nmrglue.

The swept parameter of an array is named in procpar's ``array``; its procpar *subtype*
gives the unit (3 = delay in s, 6 = pulse in µs, otherwise a plain number).

Data are conjugated to this package's sign convention (see :mod:`analysis.dataset`): VnmrJ
stores exp(−i·2π·(ν − ν_carrier)·t), the conjugate of Bruker's. Checked on the test files:
the VnmrJ ¹H FID, transformed, puts its doublet centre at the ppm of MestReNova's JCAMP
export of the same experiment (9.82 against 9.83 ppm; unconjugated it lands at its mirror
image about the carrier, 11.31 ppm). nmrglue's format converter (imagfactor −1 from
Varian), ssNake and DNPLab conjugate Varian data the same way.
"""

from __future__ import annotations

import struct
from pathlib import Path

import nmrglue as ng
import numpy as np

from ..constants import H_TMS_HZ_PER_T
from ..constants import nucleus as lookup
from ..dataset import ArrayAxis, Dataset, ReaderError, hashes
from ..files import check_file_size, check_points
from ._common import EMPTY, as_traces, canonical_nucleus, data_file_size

#: The 32-byte file header: nblocks, ntraces, np, ebytes, tbytes, bbytes (big-endian
#: longs), vers_id, status (shorts), nbheaders (long).
_FILE_HEADER = struct.Struct(">6lhhl")
#: Bytes of one block header.
_BLOCK_HEADER = 28
#: More block headers per block than any VnmrJ acquisition writes (1, or 2 with a
#: hypercomplex header).
_MAX_BLOCK_HEADERS = 16


def _folder(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def _val(pp: dict, key: str, default=None):
    try:
        return pp[key]["values"][0]
    except (KeyError, IndexError, TypeError):
        return default


def _float(pp: dict, key: str) -> float | None:
    v = _val(pp, key)
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


def check_fid_header(fid: Path) -> dict:
    """The file header of a Varian ``fid``, checked against the file size and
    :func:`analysis.files.limits` before anything is allocated or looped over.

    nmrglue allocates ``nblocks × np`` values and loops over ``nblocks`` blocks and
    ``nbheaders`` block headers straight from these words, so a 30 KB file declaring 10⁹
    blocks would hang it: every word is checked here first.

    Returns
    -------
    dict
        ``nblocks``, ``ntraces``, ``np`` (real values per trace), ``ebytes``, ``tbytes``,
        ``bbytes``, ``status``, ``nbheaders``.

    Raises
    ------
    ReaderError
        Empty or truncated file, or header words that contradict each other or the size.
    LimitError
        More points than ``$HPNMR_MAX_POINTS`` or a file above ``$HPNMR_MAX_FILE_MB``.
    """
    size = data_file_size(fid)
    if size < _FILE_HEADER.size:
        raise ReaderError(fid, f"truncated: {size} bytes, shorter than the "
                               f"{_FILE_HEADER.size}-byte file header")
    with open(fid, "rb") as fh:
        words = _FILE_HEADER.unpack(fh.read(_FILE_HEADER.size))
    nblocks, ntraces, npts, ebytes, tbytes, bbytes, _vers, status, nbheaders = words
    if nblocks == 0 and size == _FILE_HEADER.size:
        raise ReaderError(fid, f"{EMPTY} (a file header and no blocks)")
    status &= 0xFFFF
    want_ebytes = 4 if status & 0x8 or status & 0x4 else 2
    problems = []
    if nblocks < 1:
        problems.append(f"{nblocks} blocks")
    if ntraces < 1:
        problems.append(f"{ntraces} traces per block")
    if npts < 2 or npts % 2:
        problems.append(f"{npts} values per trace (need an even number ≥ 2)")
    if ebytes != want_ebytes:
        problems.append(f"{ebytes} bytes per value where its status word says "
                        f"{want_ebytes}")
    if not 0 <= nbheaders <= _MAX_BLOCK_HEADERS:
        problems.append(f"{nbheaders} block headers per block")
    if problems:
        raise ReaderError(fid, "corrupt file header: it declares " + ", ".join(problems))
    if tbytes != npts * ebytes or bbytes != ntraces * tbytes + nbheaders * _BLOCK_HEADER:
        raise ReaderError(fid, f"corrupt file header: {npts} values of {ebytes} bytes and "
                               f"{nbheaders} block headers do not make traces of {tbytes} "
                               f"bytes in blocks of {bbytes} bytes")
    check_points(fid, nblocks * ntraces * (npts // 2), "complex points")
    need = _FILE_HEADER.size + nblocks * bbytes
    if need > size:
        have = (size - _FILE_HEADER.size) // bbytes
        raise ReaderError(fid, f"truncated: the header declares {nblocks:,} blocks of "
                               f"{bbytes} bytes ({need:,} bytes), the file holds {size:,} "
                               f"bytes ({have} whole blocks); the acquisition may still be "
                               "running")
    return {"nblocks": nblocks, "ntraces": ntraces, "np": npts, "ebytes": ebytes,
            "tbytes": tbytes, "bbytes": bbytes, "status": status, "nbheaders": nbheaders}


def _procpar(folder: Path) -> dict:
    """procpar parsed by nmrglue, after a size check; its failures named."""
    path = folder / "procpar"
    if check_file_size(path) == 0:
        raise ReaderError(path, "empty procpar")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ReaderError(path, "holds NUL bytes: not a procpar file")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReaderError(path, f"not a text file (byte {exc.start} is not UTF-8)") from exc
    try:
        return ng.varian.read_procpar(str(path))
    except (IndexError, ValueError) as exc:
        raise ReaderError(path, f"malformed procpar ({type(exc).__name__}: {exc})") from exc


def _read_fid(folder: Path, pdic: dict) -> tuple[dict, np.ndarray]:
    """The ``fid`` data, read by nmrglue once its header has passed
    :func:`check_fid_header` (nmrglue's own ``read`` does the same steps unchecked)."""
    fid = folder / "fid"
    header = check_fid_header(fid)
    try:
        shape = ng.varian.find_shape(pdic)
    except (ValueError, TypeError, KeyError, IndexError):
        shape = None
    if shape is not None and (any(int(s) < 1 for s in shape)
                              or int(np.prod(shape, dtype=float)) != header["nblocks"]
                              * header["ntraces"] * (header["np"] // 2)):
        shape = None  # procpar disagrees with the fid: keep the fid's traces as stored
    if shape is not None and len(shape) >= 3:
        shape = None  # only 1-D and arrayed (pseudo-2D) data are read
    dic, data = ng.varian.read_fid(str(fid), shape=shape, torder="flat",
                                   as_2d=shape is None)
    return dic, data


def read(path: Path, **_: object) -> Dataset:
    folder = _folder(Path(path))
    if not (folder / "procpar").is_file():
        raise ReaderError(folder, "no procpar beside the fid")
    if not (folder / "fid").is_file():
        raise ReaderError(folder, "missing Varian file: fid")
    pp = _procpar(folder)
    _, data = _read_fid(folder, pp)
    sw = _float(pp, "sw")
    sfrq = _float(pp, "sfrq")
    if not sw or not sfrq or sw <= 0 or sfrq <= 0:
        raise ReaderError(folder, f"procpar gives sw={sw}, sfrq={sfrq}")
    data = np.asarray(data)
    if data.size == 0:
        raise ReaderError(folder, "the fid holds no data")
    data = np.conj(as_traces(data))
    warnings: list[str] = []
    array = None
    names = [n.strip("() ") for n in str(_val(pp, "array", "") or "").split(",") if n.strip("() ")]
    if names:
        if len(names) > 1:
            warnings.append(f"multi-parameter array {names}: used {names[0]}")
        entry = pp.get(names[0], {})
        raw = entry.get("values", [])
        try:
            vals = [float(v) for v in raw]
        except ValueError:
            vals = []
        sub = str(entry.get("subtype", ""))
        scale, unit, kind = {"3": (1.0, "s", "delay"), "6": (1e-6, "s", "pulse_length")}.get(
            sub, (1.0, "", "count"))
        if len(vals) == data.shape[0]:
            array = ArrayAxis(names[0], tuple(v * scale for v in vals), unit, kind)
        else:
            warnings.append(f"array {names[0]} has {len(vals)} values for {data.shape[0]} "
                            "traces; ignored")
    nuc = canonical_nucleus(_val(pp, "tn"))
    ref = _float(pp, "reffrq")
    reference = ref * 1e6 if ref else None
    pw90 = _float(pp, "pw90") or _float(pp, "pw")
    field_t = reference / (lookup(nuc).xi * H_TMS_HZ_PER_T) if (nuc and reference) else None
    return Dataset(
        data=data,
        format="varian",
        source=str(folder),
        nucleus=nuc,
        carrier_hz=sfrq * 1e6,
        spectral_width_hz=sw,
        reference_hz=reference,
        scans=int(_float(pp, "ct") or _float(pp, "nt") or 0) or None,
        receiver_gain=_float(pp, "gain"),
        pulse_90_s=pw90 * 1e-6 if pw90 else None,
        array=array,
        acquired=str(_val(pp, "time_run", "") or "") or None,
        field_t=field_t,
        sequence=str(_val(pp, "seqfil", "") or "") or None,
        sha256=hashes([folder / "fid", folder / "procpar"]),
        warnings=tuple(warnings),
        params={"np": _val(pp, "np"), "tpwr_db": _float(pp, "tpwr"),
                "arraydim": _val(pp, "arraydim")},
    )
