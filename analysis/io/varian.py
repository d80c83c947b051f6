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

from pathlib import Path

import nmrglue as ng
import numpy as np

from ..constants import H_TMS_HZ_PER_T
from ..constants import nucleus as lookup
from ..dataset import ArrayAxis, Dataset, ReaderError, hashes
from ._common import as_traces, canonical_nucleus


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


def read(path: Path, **_: object) -> Dataset:
    folder = _folder(Path(path))
    if not (folder / "procpar").is_file():
        raise ReaderError(folder, "no procpar beside the fid")
    try:
        dic, data = ng.varian.read(str(folder))
    except FileNotFoundError as exc:
        raise ReaderError(folder, f"missing Varian file: {Path(exc.filename).name}") from exc
    pp = dic.get("procpar") or {}
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
