"""Diffusion coefficient from T1, and the BPP relations (PHYSICS §3).

D = C·(μ₀/4π)²·γ⁴·ħ²·N·T₁/a, SI inside (N in m⁻³, a in m, D in m² s⁻¹), with

* the prefactor C: ``"paper"`` 3π/10 (the study's, plausibly BPP's translational result with
  Stokes–Einstein), ``"torrey"`` 2π/5 (Torrey/Abragam, free diffusion outside a), ``"ffhs"``
  4π/9 (hard spheres with a reflecting wall, Hwang–Freed);
* the constant: ``"hbar"`` (default, the only physically consistent choice: γħ is the moment
  per unit spin) or ``"h"``, which reproduces the published D ≈ 10⁻⁶ cm² s⁻¹ and inflates D by
  4π² = 39.48 (flag F3).

The formula assumes extreme narrowing (ω₀τ ≪ 1). :func:`diffusion_from_t1` checks it: the
jump time τ = a²/(6D) (3-D jump diffusion with jump length a) gives ω₀τ, which is reported
with a verdict (flag F4). With a second moment it also compares T₁ with the dipolar BPP
minimum 0.950·M₂/ω₀ (flag F5): a T₁ shorter than that minimum cannot be dipolar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import HBAR, MU0_OVER_4PI, PLANCK_H, STUDY_FIELD_T, nucleus
from .lineshapes import LIKE_PAIR_M2_PER_D2
from .results import NAN, Measurement, QuantityResult

PREFACTORS: dict[str, float] = {"paper": 3 * np.pi / 10, "torrey": 2 * np.pi / 5,
                                "ffhs": 4 * np.pi / 9}
PREFACTOR_LABELS = {"paper": "3π/10 (the study; BPP 1948 with Stokes–Einstein)",
                    "torrey": "2π/5 (Torrey / Abragam, free diffusion)",
                    "ffhs": "4π/9 (force-free hard spheres, Hwang–Freed)"}
CONSTANTS: dict[str, float] = {"hbar": HBAR, "h": PLANCK_H}
#: ω₀τ below which we call the motion extremely narrowed (T₁ = T₂ within ≈ 5 %)
EXTREME_NARROWING_LIMIT = 0.1


@dataclass(frozen=True)
class DiffusionResult(QuantityResult):
    """D from T₁ with everything that went into it (SI) and the self-check.

    ``D_m2_s`` uses the chosen constant; ``D_hbar_m2_s`` and ``D_h_m2_s`` are both variants
    with the chosen prefactor, for showing side by side. ``verdict`` is the self-check in
    one string, ``notes`` its sentences. The common face
    (:class:`analysis.results.QuantityResult`) holds D (each variant), τ, ω₀τ and T₁ with
    their σ (all relative σ of T₁: D is linear in it), and the inputs without one.
    """

    D_m2_s: float
    D_stderr_m2_s: float
    D_hbar_m2_s: float
    D_h_m2_s: float
    prefactor: str
    constant: str
    t1_s: float
    density_m3: float
    distance_m: float
    tau_s: float
    omega0_rad_s: float
    omega0_tau: float
    extreme_narrowing: bool
    t1_dipolar_min_s: float | None
    verdict: str
    success: bool = True
    message: str = "D from T₁ (extreme narrowing assumed; the verdict checks it)"
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return "D from T₁"

    @property
    def D_cm2_s(self) -> float:
        return self.D_m2_s * 1e4

    @property
    def _rel(self) -> float:
        """σ/value of T₁, hence of D, τ and ω₀τ."""
        return self.D_stderr_m2_s / self.D_m2_s if self.D_m2_s else float("nan")

    def quantities(self) -> dict[str, Measurement]:
        rel = self._rel
        q = {"D_m2_s": Measurement(self.D_m2_s, self.D_stderr_m2_s, "m^2/s"),
             "D_hbar_m2_s": Measurement(self.D_hbar_m2_s, self.D_hbar_m2_s * rel, "m^2/s"),
             "D_h_m2_s": Measurement(self.D_h_m2_s, self.D_h_m2_s * rel, "m^2/s"),
             "tau_s": Measurement(self.tau_s, self.tau_s * rel, "s"),
             "omega0_tau": Measurement(self.omega0_tau, self.omega0_tau * rel, ""),
             "t1_s": Measurement(self.t1_s, self.t1_s * rel, "s"),
             "density_m3": Measurement(self.density_m3, NAN, "m^-3"),
             "distance_m": Measurement(self.distance_m, NAN, "m"),
             "omega0_rad_s": Measurement(self.omega0_rad_s, NAN, "rad/s")}
        return q  # (the dipolar T₁ minimum, a plain number in to_dict, is in the notes)

    def to_dict(self) -> dict:
        q = self.quantities()

        def cm2(key: str) -> dict:
            return Measurement(q[key].value * 1e4, q[key].stderr * 1e4, "cm^2/s").to_dict()

        return self.with_face({
            "D_cm2_s": cm2("D_m2_s"), "D_m2_s": q["D_m2_s"].to_dict(),
            "D_hbar_cm2_s": cm2("D_hbar_m2_s"), "D_h_cm2_s": cm2("D_h_m2_s"),
            "prefactor": self.prefactor, "prefactor_value": PREFACTORS[self.prefactor],
            "constant": self.constant, "tau_s": q["tau_s"].to_dict(),
            "omega0_tau": q["omega0_tau"].to_dict(),
            "extreme_narrowing": self.extreme_narrowing,
            "T1_dipolar_min_s": self.t1_dipolar_min_s, "verdict": self.verdict,
        })


def diffusion_constant_factor(nuc: str = "1H", constant: str = "hbar") -> float:
    """(μ₀/4π)²·γ⁴·K² in SI (m⁶ s⁻²·…), K = ħ or h."""
    if constant not in CONSTANTS:
        raise ValueError(f"unknown constant {constant!r}: 'hbar' or 'h'")
    g = nucleus(nuc).gamma
    return MU0_OVER_4PI**2 * g**4 * CONSTANTS[constant] ** 2


def diffusion_from_t1(t1_s: float, density_m3: float, distance_m: float, *,
                      prefactor: str = "paper", constant: str = "hbar",
                      t1_stderr_s: float = 0.0, nuc: str = "1H",
                      larmor_hz: float | None = None, field_t: float = STUDY_FIELD_T,
                      second_moment_rad2_s2: float | None = None) -> DiffusionResult:
    """D = C·(μ₀/4π)²γ⁴K²·N·T₁/a with the extreme-narrowing self-check.

    Parameters
    ----------
    t1_s : float
        Spin-lattice relaxation time (s), > 0.
    density_m3 : float
        Number density N of the spins (m⁻³); 3×10²³ cm⁻³ = 3×10²⁹ m⁻³.
    distance_m : float
        Distance of closest approach a (m); 1 Å = 1e-10 m.
    prefactor : {"paper", "torrey", "ffhs"}
    constant : {"hbar", "h"}
        ħ (correct) or Planck's h (reproduces the study's number, ×4π²).
    t1_stderr_s : float
        1σ of T₁ (s); D is linear in T₁, so σ_D/D = σ_T₁/T₁.
    larmor_hz : float, optional
        ν₀ for the self-check; default γB₀/2π at ``field_t``.
    field_t : float
        B₀ (T) for that default: the study's magnet unless given.
    second_moment_rad2_s2 : float, optional
        Rigid-lattice M₂ (rad² s⁻²) for the dipolar-T₁-minimum check.

    Raises
    ------
    ValueError
        For non-positive or non-finite inputs, or an unknown option: every input is a
        number the caller chose (a failed T₁ fit is the caller's to check), so a bad one is
        a bad argument (:mod:`analysis.results`), not a failed result.
    """
    for name, v in (("T1", t1_s), ("density", density_m3), ("distance", distance_m)):
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if prefactor not in PREFACTORS:
        raise ValueError(f"unknown prefactor {prefactor!r}: {', '.join(PREFACTORS)}")
    if not np.isfinite(t1_stderr_s) or t1_stderr_s < 0:
        raise ValueError(f"the T1 uncertainty must be ≥ 0, got {t1_stderr_s!r}")
    c = PREFACTORS[prefactor]
    base = c * density_m3 * t1_s / distance_m
    d_hbar = base * diffusion_constant_factor(nuc, "hbar")
    d_h = base * diffusion_constant_factor(nuc, "h")
    d = base * diffusion_constant_factor(nuc, constant)
    omega0 = 2 * np.pi * (larmor_hz if larmor_hz else abs(nucleus(nuc).gamma) * field_t
                          / (2 * np.pi))
    tau = jump_time(d, distance_m)
    wt = omega0 * tau
    narrow = wt < EXTREME_NARROWING_LIMIT
    parts = [f"ω₀τ = {wt:.3g} with τ = a²/6D = {tau:.3g} s: "
             + ("extreme narrowing holds (ω₀τ ≪ 1), T₁ ≈ T₂ is consistent" if narrow else
                "extreme narrowing does NOT hold (ω₀τ not ≪ 1): T₁ ≠ T₂ would be expected "
                "and the formula's assumption fails")]
    t1min = None
    if second_moment_rad2_s2:
        t1min = lattice_t1_minimum_s(second_moment_rad2_s2, omega0)
        if t1_s < t1min:
            parts.append(f"T₁ = {t1_s:.3g} s is shorter than the dipolar BPP minimum "
                         f"{t1min:.3g} s for M₂ = {second_moment_rad2_s2:.3g} rad² s⁻²: the "
                         "relaxation is not dipolar (e.g. Korringa) and D from T₁ is "
                         "questionable")
        else:
            parts.append(f"T₁ is above the dipolar BPP minimum {t1min:.3g} s")
    if constant == "h":
        parts.append("Planck's h in place of ħ reproduces the published number; it is "
                     "4π² = 39.48× the physically consistent ħ value")
    return DiffusionResult(D_m2_s=float(d), D_stderr_m2_s=float(d * t1_stderr_s / t1_s),
                           D_hbar_m2_s=float(d_hbar), D_h_m2_s=float(d_h),
                           prefactor=prefactor, constant=constant, t1_s=float(t1_s),
                           density_m3=float(density_m3), distance_m=float(distance_m),
                           tau_s=float(tau), omega0_rad_s=float(omega0),
                           omega0_tau=float(wt), extreme_narrowing=bool(narrow),
                           t1_dipolar_min_s=t1min, verdict="; ".join(parts),
                           notes=tuple(parts))


def jump_time(d_m2_s: float, jump_length_m: float) -> float:
    """Correlation (jump) time of 3-D jump diffusion, τ = l²/(6D) (s)."""
    return jump_length_m**2 / (6 * d_m2_s)


# ---------------------------------------------------------------------------------------------
# BPP, like-spin pair, one correlation time (PHYSICS §3.3)
# ---------------------------------------------------------------------------------------------
def dipolar_b(r_m, nuc: str = "1H"):
    """b = (μ₀/4π)γ²ħ/r³ (rad s⁻¹) of a like-spin pair at distance ``r_m`` (m)."""
    g = nucleus(nuc).gamma
    return MU0_OVER_4PI * g**2 * HBAR / np.asarray(r_m, float) ** 3


def pair_second_moment(r_m, nuc: str = "1H"):
    """M₂ = (9/20)·b² (rad² s⁻²) of a like-spin pair at distance ``r_m`` (m), powder
    averaged (:func:`dipolar_b`)."""
    return LIKE_PAIR_M2_PER_D2 * dipolar_b(r_m, nuc) ** 2


def spectral_density(omega, tau_c):
    """J(ω) = τ_c/(1 + ω²τ_c²) (s)."""
    tau_c = np.asarray(tau_c, float)
    return tau_c / (1 + (np.asarray(omega, float) * tau_c) ** 2)


def bpp_rates(tau_c, r_m, omega0_rad_s, nuc: str = "1H"):
    """(1/T₁, 1/T₂) in s⁻¹ for a like-spin pair:
    1/T₁ = (3/10)b²[J(ω₀) + 4J(2ω₀)], 1/T₂ = (3/20)b²[3τ_c + 5J(ω₀) + 2J(2ω₀)]."""
    return bpp_rates_lattice(tau_c, pair_second_moment(r_m, nuc), omega0_rad_s)


def bpp_rates_lattice(tau_c, second_moment_rad2_s2, omega0_rad_s):
    """(1/T₁, 1/T₂) in s⁻¹ for a rigid-lattice second moment M₂ (rad² s⁻²):
    1/T₁ = (2/3)M₂[J(ω₀) + 4J(2ω₀)], 1/T₂ = (1/3)M₂[3τ_c + 5J(ω₀) + 2J(2ω₀)]
    (a pair has M₂ = (9/20)b², which gives :func:`bpp_rates`)."""
    m2 = np.asarray(second_moment_rad2_s2, float)
    j1 = spectral_density(omega0_rad_s, tau_c)
    j2 = spectral_density(2 * omega0_rad_s, tau_c)
    r1 = (2 / 3) * m2 * (j1 + 4 * j2)
    r2 = (1 / 3) * m2 * (3 * np.asarray(tau_c, float) + 5 * j1 + 2 * j2)
    return r1, r2


def bpp_t1_minimum(r_m, omega0_rad_s, nuc: str = "1H") -> tuple[float, float]:
    """(ω₀τ_c at the T₁ minimum, the largest 1/T₁ in s⁻¹), found numerically."""
    from scipy import optimize

    def neg(x):
        return -bpp_rates(x / omega0_rad_s, r_m, omega0_rad_s, nuc)[0]
    res = optimize.minimize_scalar(neg, bounds=(0.05, 5.0), method="bounded",
                                   options={"xatol": 1e-10})
    return float(res.x), float(-res.fun)


def lattice_t1_minimum_s(second_moment_rad2_s2: float, omega0_rad_s: float) -> float:
    """The shortest dipolar T₁ a lattice with rigid-lattice M₂ allows: ω₀/(0.950·M₂) (s)."""
    return float(omega0_rad_s / (0.950 * second_moment_rad2_s2))


def tau_from_rate_extreme_narrowing(rate_s, r_m, nuc: str = "1H"):
    """τ_c from 1/T₁ = (3/2)b²τ_c (extreme narrowing) (s)."""
    return np.asarray(rate_s, float) / (1.5 * dipolar_b(r_m, nuc) ** 2)
