"""Tecmag TNMR ``.tnt`` reader on top of nmrglue, with its known flaws corrected.

* nmrglue takes the stored ``sw`` at face value, but TNMR stores the *half*-width; the full
  spectral width is 1/dwell (``T1.tnt``: dwell 0.2 ms, stored sw 2500 Hz → 5000 Hz).
* ``ref_freq`` is an offset in Hz: the spectrum centre (carrier) lies at −ref_freq from the
  reference, so ν_ref = ν_carrier + ref_freq.
* the delay list of an array lives in the sequence tables (``nmrglue.tecmag.guess_tables``,
  names chosen by the user); the table whose length equals the number of traces becomes
  the array axis, named after the sequence row that uses it (``tau`` for ``de6:2``).
* the data are conjugated to this package's sign convention (see :mod:`analysis.dataset`):
  TNMR stores the other sense of rotation, exp(−i·2π·(ν − ν_carrier)·t).

Evidence for the Tecmag sign (no public ``.tnt`` file with a known line exists among the
test files: the dnplab ¹H files hold one water line at an unreferenced offset):

* pytnt (``processTNT.TNTfile``) reproduces TNMR's own Fourier transform as
  ``fftshift(fft(fid))`` and TNMR's own text export of the frequency axis as
  ``−(fftshift(fftfreq(n, dwell)) + ref_freq)`` Hz; its tests compare both against files
  TNMR processed and exported itself. TNMR therefore draws index k of
  ``fftshift(fft(fid))`` at −f_k: the stored signal turns as exp(−i·2π·Δν·t).
* PNNL's NTNMR→ENUF translator (``nt2en``) negates the imaginary part of every point
  because "NTNMR uses a left handed coordinate system to define signal phases".
* The same pytnt axis puts the carrier at −ref_freq from 0 ppm, which is the
  ``ν_ref = ν_carrier + ref_freq`` used here.

nmrglue and DNPLab return the stored values without a sign change and do not check the
orientation of Tecmag spectra. ``tests/test_orientation.py`` writes a line at +Δν in
TNMR's sign into a copy of a real file and checks that it is read back at +Δν.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import nmrglue as ng
import numpy as np

from ..dataset import ArrayAxis, Dataset, ReaderError, hashes
from ..files import check_points
from ._common import canonical_nucleus, data_file_size

_TLV = struct.Struct("<4sii")  # section tag, flag, length in bytes


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.split(b"\x00")[0].decode("latin-1", "replace")
    return str(value).strip()


def _first(value) -> float:
    a = np.atleast_1d(np.asarray(value, dtype=float))
    return float(a[0])


def _row_name(raw: bytes, table: str) -> str | None:
    """The sequence variable (``=tau``) that refers to a delay table (``de6:2``)."""
    key = struct.pack("<i", len(table)) + table.encode("latin-1")
    pos = raw.find(key)
    while pos >= 0:
        window = raw[max(0, pos - 64):pos]
        names = re.findall(rb"[\x01-\x20]\x00\x00\x00=([A-Za-z_][\w.]{0,30})", window)
        if names:
            return names[-1].decode("latin-1")
        pos = raw.find(key, pos + 1)
    return None


def check_sections(path: Path) -> None:
    """Walk the section headers of a ``.tnt`` file (tag, flag, length) and check them, and
    the sizes TMAG declares, against the file size and :func:`analysis.files.limits`
    before nmrglue maps the data.

    Raises
    ------
    ReaderError
        Empty file, no TNT1 header, a section running past the end of the file, a
        missing TMAG/DATA/TMG2 section, or a DATA section that does not hold the points
        TMAG declares.
    LimitError
        More points than ``$HPNMR_MAX_POINTS``.
    """
    size = data_file_size(path)
    sections: dict[bytes, tuple[int, int]] = {}
    with open(path, "rb") as fh:
        if not fh.read(8).startswith(b"TNT1"):
            raise ReaderError(path, "not a Tecmag file (no TNT1 header)")
        pos = 8
        while pos + _TLV.size <= size:
            fh.seek(pos)
            tag, _flag, length = _TLV.unpack(fh.read(_TLV.size))
            if not (tag.isascii() and tag.isalnum()):
                raise ReaderError(path, f"corrupt section header at byte {pos:,}")
            if length < 0:
                raise ReaderError(path, f"corrupt section {tag.decode()} at byte {pos:,}: "
                                        f"length {length:,}")
            sections.setdefault(tag, (pos + _TLV.size, length))
            pos += _TLV.size + length  # past the end: the walk stops (PSEQ does that)
        for tag, dtype in ((b"TMAG", ng.tecmag.TNTTMAG), (b"DATA", None),
                           (b"TMG2", ng.tecmag.TNTTMG2)):
            if tag not in sections:
                raise ReaderError(path, f"truncated or corrupt: no {tag.decode()} section")
            start, length = sections[tag]
            if start + length > size:
                raise ReaderError(path, f"truncated: section {tag.decode()} at byte "
                                        f"{start - _TLV.size:,} declares {length:,} bytes, "
                                        f"the file holds {size:,}")
            if dtype is not None and length != dtype.itemsize:
                raise ReaderError(path, f"corrupt {tag.decode()} section of {length} bytes "
                                        f"({dtype.itemsize} expected)")
        fh.seek(sections[b"TMAG"][0])
        tmag = np.frombuffer(fh.read(ng.tecmag.TNTTMAG.itemsize), ng.tecmag.TNTTMAG)[0]
    npts = [int(v) for v in tmag["actual_npts"]]
    if any(n < 1 for n in npts):
        raise ReaderError(path, f"TMAG declares {npts} points per dimension")
    total = int(np.prod(npts, dtype=object))
    check_points(path, total, "complex points")
    if sections[b"DATA"][1] != 8 * total:
        raise ReaderError(path, f"DATA section of {sections[b'DATA'][1]:,} bytes where TMAG "
                                f"declares {total:,} complex points ({8 * total:,} bytes)")


def read(path: Path, **_: object) -> Dataset:
    path = Path(path)
    check_sections(path)
    try:
        dic, data = ng.tecmag.read(str(path))
    except struct.error as exc:
        raise ReaderError(path, f"truncated or corrupt Tecmag file ({exc})") from exc
    data = np.asarray(data)
    if data.size == 0:
        raise ReaderError(path, "no data points")
    # nmrglue returns (points, d2, d3, d4), Fortran-like; → (traces, points)
    if data.ndim == 4:
        data = data.reshape(data.shape[0], -1, order="F").T
    elif data.ndim == 1:
        data = data[np.newaxis, :]
    data = np.conj(data)  # TNMR's left-handed phase convention (module docstring)
    dwell = _first(dic["dwell"])
    if not (dwell > 0 and np.isfinite(dwell)):
        raise ReaderError(path, f"invalid dwell time {dwell}")
    sw_full = 1.0 / dwell
    carrier = _first(dic["ob_freq"]) * 1e6
    if not (carrier > 0 and np.isfinite(carrier)):
        raise ReaderError(path, f"invalid observe frequency {carrier} Hz")
    warnings: list[str] = []
    stored_sw = _first(dic.get("sw", 0.0))
    if stored_sw and abs(2 * stored_sw - sw_full) > 1e-6 * sw_full:
        warnings.append(f"stored sw {stored_sw:g} Hz is not half of 1/dwell = {sw_full:g} Hz")
    ref_offset = float(dic.get("ref_freq", 0.0) or 0.0)
    reference = carrier + ref_offset
    if ref_offset == 0.0:
        warnings.append("no reference stored (ref_freq = 0): 0 ppm placed at the carrier")

    traces = data.shape[0]
    array = None
    if traces > 1:
        raw = path.read_bytes()
        try:
            tables = ng.tecmag.guess_tables(str(path))
        except (ValueError, IndexError, struct.error):
            tables = {}
        candidates = [
            (name, vals) for name, vals in tables.items()
            if isinstance(vals, np.ndarray) and len(vals) == traces
            and not name.lower().startswith("ph")
        ]
        if candidates:
            name, vals = candidates[0]
            row = _row_name(raw, name)
            array = ArrayAxis(row or name, tuple(float(v) for v in vals), "s", "delay")
            if len(candidates) > 1:
                warnings.append("several tables match the number of traces: "
                                + ", ".join(c[0] for c in candidates) + f"; used {name}")
        else:
            warnings.append(f"{traces} traces but no sequence table of that length")
    nuclei = dic.get("nuclei")
    nuc = canonical_nucleus(nuclei[0] if nuclei is not None and len(nuclei) else None)
    seq = _text(dic.get("sequence", b"")) or None
    return Dataset(
        data=data,
        format="tecmag",
        source=str(path),
        nucleus=nuc,
        carrier_hz=carrier,
        spectral_width_hz=sw_full,
        reference_hz=reference,
        scans=int(dic.get("actual_scans") or dic.get("scans") or 0) or None,
        receiver_gain=float(dic["receiver_gain"]) if "receiver_gain" in dic else None,
        array=array,
        acquired=_text(dic.get("date", b"")) or None,
        sequence=seq,
        sha256=hashes([path]),
        warnings=tuple(warnings),
        params={"stored_sw_hz": stored_sw, "ref_freq_hz": ref_offset,
                "offset_freq_hz": _first(dic.get("offset_freq", 0.0)),
                "magnet_field_t": float(dic.get("magnet_field", 0.0))},
    )
