"""Referencing and unit conversions (IUPAC Ξ, the ⁶³Cu internal-reference chain).

Shifts follow δ = 10⁶·(ν − ν_ref)/ν_ref with ν_ref = Ξ·ν_ref(¹H, TMS), never bare γ·B₀
(PHYSICS §1 flag F1: for ¹³⁹La the two differ by 7 800 ppm).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .constants import H_TMS_HZ_PER_T, nucleus

FrequencyUnit = Literal["Hz", "kHz", "ppm"]

#: Room-temperature Knight shift of ⁶³Cu metal (fraction). PHYSICS §7 flag F7: a parameter,
#: not a verified constant.
CU_KNIGHT_SHIFT_DEFAULT = 0.00232


def proton_reference_hz(field_t: float) -> float:
    """¹H (TMS) reference frequency in Hz at field ``field_t`` (T)."""
    return H_TMS_HZ_PER_T * field_t


def reference_frequency_hz(nuc: str, *, field_t: float | None = None,
                           proton_reference: float | None = None) -> float:
    """IUPAC reference frequency ν_ref = Ξ·ν_ref(¹H) in Hz.

    Parameters
    ----------
    nuc : str
        Nucleus label (``"139La"``).
    field_t : float, optional
        Magnetic field in T (used when ``proton_reference`` is not given).
    proton_reference : float, optional
        ¹H TMS reference frequency in Hz, e.g. from :func:`proton_reference_from_cu`.
    """
    if proton_reference is None:
        if field_t is None:
            raise ValueError("give field_t or proton_reference")
        proton_reference = proton_reference_hz(field_t)
    return nucleus(nuc).xi * proton_reference


def proton_reference_from_cu(cu_observed_hz: float,
                             knight_shift: float = CU_KNIGHT_SHIFT_DEFAULT) -> float:
    """¹H reference frequency (Hz) from the ⁶³Cu metal line of the Lenz lens.

    ν_ref(⁶³Cu) = ν_obs/(1 + K_Cu); ν_ref(¹H) = ν_ref(⁶³Cu)/Ξ_Cu (PHYSICS §7).
    """
    return cu_observed_hz / (1.0 + knight_shift) / nucleus("63Cu").xi


#: where a 0-ppm frequency comes from (the value of :attr:`Reference.source`)
SOURCE_FILE = "file"
SOURCE_MANIFEST_H = "manifest ¹H"
SOURCE_CU_CHAIN = "⁶³Cu chain"
SOURCE_PROCESSING = "processing"


@dataclass(frozen=True, slots=True)
class Reference:
    """The 0-ppm frequency of one nucleus and where it comes from.

    Attributes
    ----------
    nu_ref_hz : float or None
        ν_ref(X) in Hz (None when nothing states one: no ppm then).
    source : str
        ``"file"`` (the spectrometer file's own), ``"manifest ¹H"`` (Ξ_X times the
        manifest's ¹H TMS frequency), ``"⁶³Cu chain"`` (Ξ_X times ν_ref(¹H) from the
        ⁶³Cu line of the Lenz lens and its Knight shift) or ``"processing"`` (an explicit
        override in the saved processing).
    detail : str
        One sentence with the numbers that went in.
    proton_reference_hz : float or None
        ν_ref(¹H, TMS) in Hz behind a manifest reference.
    """

    nu_ref_hz: float | None
    source: str
    detail: str
    proton_reference_hz: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"reference_hz": self.nu_ref_hz, "source": self.source, "detail": self.detail,
                "proton_reference_hz": self.proton_reference_hz}

    def __str__(self) -> str:
        if self.nu_ref_hz is None:
            return f"none ({self.source}: {self.detail})"
        return f"{self.nu_ref_hz / 1e6:.6f} MHz ({self.source})"


def _mhz(hz: float) -> str:
    return f"{hz / 1e6:.6f} MHz"


def manifest_reference(referencing: Mapping[str, Any], nuc: str | None,
                       file_reference_hz: float | None = None) -> Reference:
    """ν_ref of nucleus ``nuc`` from a campaign manifest's ``[referencing]`` section.

    ν_ref(X) = Ξ_X·ν_ref(¹H) (PHYSICS §7). ν_ref(¹H) comes from the ⁶³Cu chain when the
    section gives ``cu63_observed_hz`` (Hz; with ``cu_knight_shift``, a fraction, default
    :data:`CU_KNIGHT_SHIFT_DEFAULT`), else from ``proton_reference_hz`` (Hz). Without
    either, or for an unknown nucleus, the file's own ``file_reference_hz`` is used and the
    detail says why.

    Parameters
    ----------
    referencing : mapping
        The manifest's ``[referencing]`` table (may be empty).
    nuc : str or None
        Observed nucleus (``"139La"``).
    file_reference_hz : float or None
        The 0-ppm frequency the spectrometer file states (Hz), for the fallback and for
        saying how far the manifest moves it.
    """
    from .constants import nucleus as lookup

    cu = referencing.get("cu63_observed_hz")
    h_given = referencing.get("proton_reference_hz")
    if cu is None and h_given is None:
        why = "the manifest has no [referencing]" if not referencing else \
            "the manifest's [referencing] gives neither cu63_observed_hz nor " \
            "proton_reference_hz"
        return _file_reference(file_reference_hz, why)
    try:
        xi = lookup(nuc).xi if nuc else None
    except KeyError:
        xi = None
    if xi is None:
        return _file_reference(file_reference_hz, f"the nucleus ({nuc or 'not stated'}) has "
                               "no Ξ to scale the manifest's ¹H reference by")
    if cu is not None:
        k = float(referencing.get("cu_knight_shift", CU_KNIGHT_SHIFT_DEFAULT))
        h_ref = proton_reference_from_cu(float(cu), k)
        source = SOURCE_CU_CHAIN
        detail = (f"⁶³Cu line {_mhz(float(cu))}, K_Cu = {100 * k:.4g} % → "
                  f"ν_ref(¹H) = {_mhz(h_ref)}")
        if h_given is not None and abs(float(h_given) / h_ref - 1) > 1e-8:
            detail += (f" (the manifest's proton_reference_hz {_mhz(float(h_given))} differs "
                       f"by {1e6 * (float(h_given) / h_ref - 1):+.3f} ppm and is not used)")
    else:
        h_ref = float(h_given)
        source = SOURCE_MANIFEST_H
        detail = f"ν_ref(¹H) = {_mhz(h_ref)} from the manifest"
    nu = reference_frequency_hz(nuc, proton_reference=h_ref)
    detail += f"; Ξ = {100 * xi:.6f} % → ν_ref = {_mhz(nu)}"
    if file_reference_hz:
        diff = 1e6 * (file_reference_hz - nu) / nu
        if abs(diff) > 0.001:
            detail += f"; the file's own reference, {_mhz(file_reference_hz)}, differs by " \
                      f"{diff:+.3f} ppm"
    return Reference(float(nu), source, detail, float(h_ref))


def _file_reference(file_reference_hz: float | None, why: str) -> Reference:
    if file_reference_hz:
        return Reference(float(file_reference_hz), SOURCE_FILE,
                         f"{why}: the spectrometer file's own reference")
    return Reference(None, SOURCE_FILE, f"{why}, and the file states no reference: no ppm")


def hz_to_ppm(frequency_hz, reference_hz: float):
    """Absolute frequency (Hz) → shift δ (ppm) against ``reference_hz``."""
    return 1e6 * (np.asarray(frequency_hz, dtype=float) - reference_hz) / reference_hz


def ppm_to_hz(shift_ppm, reference_hz: float):
    """Shift δ (ppm) → absolute frequency (Hz)."""
    return reference_hz * (1.0 + 1e-6 * np.asarray(shift_ppm, dtype=float))


def width_hz_to_ppm(width_hz, reference_hz: float):
    """A width (Hz) expressed in ppm of ``reference_hz``."""
    return 1e6 * np.asarray(width_hz, dtype=float) / reference_hz


def width_ppm_to_hz(width_ppm, reference_hz: float):
    """A width (ppm) expressed in Hz."""
    return 1e-6 * np.asarray(width_ppm, dtype=float) * reference_hz


def offset_axis(offset_hz, unit: FrequencyUnit, *, carrier_hz: float,
                reference_hz: float | None):
    """Convert offsets from the carrier (Hz) into the display unit.

    ``Hz`` and ``kHz`` are offsets from the reference when one is known (from the carrier
    otherwise); ``ppm`` needs a reference.
    """
    offset_hz = np.asarray(offset_hz, dtype=float)
    base = offset_hz + (carrier_hz - reference_hz if reference_hz else 0.0)
    if unit == "Hz":
        return base
    if unit == "kHz":
        return base / 1e3
    if unit == "ppm":
        if not reference_hz:
            raise ValueError("a ppm axis needs a reference frequency")
        return hz_to_ppm(carrier_hz + offset_hz, reference_hz)
    raise ValueError(f"unknown unit {unit!r}")


def offset_from_axis(value, unit: FrequencyUnit, *, carrier_hz: float,
                     reference_hz: float | None):
    """Inverse of :func:`offset_axis`: display value → offset from the carrier (Hz)."""
    value = np.asarray(value, dtype=float)
    shift = carrier_hz - reference_hz if reference_hz else 0.0
    if unit == "Hz":
        return value - shift
    if unit == "kHz":
        return value * 1e3 - shift
    if unit == "ppm":
        if not reference_hz:
            raise ValueError("a ppm axis needs a reference frequency")
        return ppm_to_hz(value, reference_hz) - carrier_hz
    raise ValueError(f"unknown unit {unit!r}")
