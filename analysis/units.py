"""Referencing and unit conversions (IUPAC Ξ, the ⁶³Cu internal-reference chain).

Shifts follow δ = 10⁶·(ν − ν_ref)/ν_ref with ν_ref = Ξ·ν_ref(¹H, TMS), never bare γ·B₀
(PHYSICS §1 flag F1: for ¹³⁹La the two differ by 7 800 ppm).
"""

from __future__ import annotations

from typing import Literal

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
