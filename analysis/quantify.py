"""Sensitivity chain of time-domain spin counting (PHYSICS §4).

Per spin and per scan, the time-domain SNR of nucleus X scales as

    s_X = Λ_X · γ_X³ · I(I+1) · a_X · ε_X · s_sat / √(Δf_X · T_n,X),

with the resonator efficiency Λ = π/(2·γ·t₉₀·√P) (T W^-½) from the 90° pulse length and
power. Common factors (B₀², sample temperature, the number of La atoms) cancel in H/La.
This module holds the forward chain, shared by the example-campaign generator and the
quantification of issue #6 (``h_per_la``).
"""

from __future__ import annotations

import numpy as np

from .constants import nucleus


def resonator_efficiency(nuc: str, t90_s: float, power_w: float) -> float:
    """Λ = π/(2·|γ|·t₉₀·√P) in T W^-½."""
    if t90_s <= 0 or power_w <= 0:
        raise ValueError("t90 and power must be positive")
    return float(np.pi / (2 * abs(nucleus(nuc).gamma) * t90_s * np.sqrt(power_w)))


def sensitivity_per_spin(nuc: str, *, t90_s: float, power_w: float, bandwidth_hz: float,
                         noise_temperature_k: float = 300.0, epsilon: float = 1.0,
                         saturation: float = 1.0, abundance: float | None = None) -> float:
    """Relative time-domain SNR per resonant spin and per scan (arbitrary common units)."""
    n = nucleus(nuc)
    lam = resonator_efficiency(nuc, t90_s, power_w)
    a = n.abundance if abundance is None else abundance
    return float(lam * abs(n.gamma) ** 3 * n.spin * (n.spin + 1) * a * epsilon * saturation
                 / np.sqrt(bandwidth_hz * noise_temperature_k))
