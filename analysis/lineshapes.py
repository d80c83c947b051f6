"""Dipolar (Pake) line shapes and the r ↔ d ↔ M₂ conversions (PHYSICS §2).

Like spins (homonuclear pair): lines at ν = ±(3/4)·d·(3cos²θ − 1): horns at ±¾d
(splitting 1.5·d), edges at ±1.5·d. Unlike spins: ±½·d·(3cos²θ − 1).
d = (μ₀/4π)·γ₁γ₂ħ/(2π r³) in Hz.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .constants import HBAR, MU0_OVER_4PI, nucleus


def dipolar_coupling_hz(r_m, nuc1: str = "1H", nuc2: str | None = None):
    """Dipolar coupling constant d (Hz) for distance ``r_m`` (m)."""
    g1 = abs(nucleus(nuc1).gamma)
    g2 = abs(nucleus(nuc2 or nuc1).gamma)
    return MU0_OVER_4PI * g1 * g2 * HBAR / (2 * np.pi * np.asarray(r_m, dtype=float) ** 3)


def distance_from_coupling_m(d_hz, nuc1: str = "1H", nuc2: str | None = None):
    """Inverse of :func:`dipolar_coupling_hz`: r (m) from d (Hz)."""
    g1 = abs(nucleus(nuc1).gamma)
    g2 = abs(nucleus(nuc2 or nuc1).gamma)
    return (MU0_OVER_4PI * g1 * g2 * HBAR / (2 * np.pi * np.asarray(d_hz, dtype=float))) ** (
        1 / 3)


def pake_fid(t_s, d_hz: float, like_spins: bool = True) -> np.ndarray:
    """Free-induction decay of the unit-area, unbroadened Pake pattern (real, even in t).

    G(t) = Re{e^{−i2πat} ∫₀¹ e^{iκx²} dx}, κ = 6πa|t|, a = ¾d (like spins) or ½d (unlike),
    with ∫₀¹ e^{iκx²}dx = √(π/2κ)·[C(z) + iS(z)], z = √(2κ/π).
    """
    t = np.abs(np.asarray(t_s, dtype=float))
    a = (0.75 if like_spins else 0.5) * d_hz
    kappa = 6 * np.pi * a * t
    out = np.ones_like(t)
    nz = kappa > 1e-12
    z = np.sqrt(2 * kappa[nz] / np.pi)
    s, c = special.fresnel(z)
    integral = np.sqrt(np.pi / (2 * kappa[nz])) * (c + 1j * s)
    out[nz] = np.real(np.exp(-2j * np.pi * a * t[nz]) * integral)
    return out
