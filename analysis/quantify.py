"""Sensitivity chain of time-domain spin counting (PHYSICS §4).

Per spin and per scan, the time-domain SNR of nucleus X scales as

    s_X = Λ_X · γ_X³ · I(I+1) · a_X · ε_X · s_sat / √(Δf_X · T_n,X),

with the resonator efficiency Λ = π/(2·γ·t₉₀·√P) (T W^-½) from the 90° pulse length and
power. Common factors (B₀², sample temperature, the number of La atoms) cancel in H/La.
This module holds the forward chain, shared by the example-campaign generator and the
quantification of issue #6 (``h_per_la``). Every input that is not given is named in the
result's ``assumptions``; Λ_La/Λ_H is measured (t₉₀, a precursor calibration) or chosen
(``EFFICIENCY``), the default being the shared-coil scaling of PHYSICS §4.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import nucleus
from .results import Measurement, QuantityResult


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


# ---------------------------------------------------------------------------------------------
# H/La from two channels (PHYSICS §4.2, §4.3)
# ---------------------------------------------------------------------------------------------
#: ¹³⁹La excitation/detection factor ε (PHYSICS §4.3, flag F6): a cubic site excites all
#: 2I transitions together (1); only the central transition observed: small-tip or CT
#: integral 3(2I+1)/[8I(I+1)] = 4/21; optimum CT-selective pulse 3/[4I(I+1)] = 1/21.
LA_EXCITATION = {"full": 1.0, "ct-linear": 4 / 21, "ct-selective": 1 / 21}


def central_transition_share(spin: float) -> float:
    """Share of the central transition in the total signal, 3(2I+1)/[8I(I+1)]."""
    return 3 * (2 * spin + 1) / (8 * spin * (spin + 1))


def central_transition_selective(spin: float) -> float:
    """Optimum CT-selective 90° pulse against a non-selective one, 3/[4I(I+1)]."""
    return 3 / (4 * spin * (spin + 1))


def per_spin_factor(nuc_h: str = "1H", nuc_x: str = "139La", abundance: bool = False) -> float:
    """γ_H³·I_H(I_H+1)[·a_H] / (γ_X³·I_X(I_X+1)[·a_X]): 16.507 for H:La (16.519 with the
    natural abundances)."""
    h, x = nucleus(nuc_h), nucleus(nuc_x)
    f = (abs(h.gamma) ** 3 * h.spin * (h.spin + 1)) / (abs(x.gamma) ** 3 * x.spin * (x.spin + 1))
    if abundance:
        f *= h.abundance / x.abundance
    return float(f)


#: The resonator-efficiency ratio Λ_La/Λ_H, when no precursor calibration is given
#: (PHYSICS §4.1–4.2). ``shared-coil`` is the default: the study drove one Lenz-lens
#: resonator at both frequencies (PAPER, methods) and measured no Λ per channel, so the
#: Hoult–Richards scaling of a fixed coil, Λ ∝ ω^-¼, applies.
EFFICIENCY = {
    "shared-coil": "one resonator for both channels, R ∝ √ω: Λ_La/Λ_H = (ω_H/ω_La)^¼",
    "equal": "Λ_La = Λ_H",
    "t90": "Λ of each channel measured, π/(2γt₉₀√P) (or given)",
    "calibrated": "Λ_La/Λ_H measured on the cell's precursor of known H/La",
}
DEFAULT_EFFICIENCY = "shared-coil"
#: relative 1σ of each resonator efficiency Λ when none is given (named as an assumption)
LAMBDA_REL_ERR_DEFAULT = 0.05


def shared_coil_ratio(nuc_h: str = "1H", nuc_x: str = "139La") -> float:
    """Λ_X/Λ_H = (ω_H/ω_X)^¼ = (γ_H/γ_X)^¼ of one coil with R ∝ √ω (skin effect): 1.628
    for H and La (PHYSICS §4.1). Dimensionless."""
    return float((abs(nucleus(nuc_h).gamma) / abs(nucleus(nuc_x).gamma)) ** 0.25)


@dataclass(frozen=True)
class QuantResult(QuantityResult):
    """H/La with its linearised and Monte Carlo uncertainties and every factor used.

    ``value``/``stderr`` are the linearised result (report this or the MC median, and say
    which); ``mc_median``, ``mc_mean`` and ``mc_interval`` (16–84 %) come from the draws.
    The common face (:class:`analysis.results.QuantityResult`) holds one quantity, ``H_per_La``
    (dimensionless): ``values``, ``units``, ``measurement()``, ``to_dict()``, ``report()``;
    ``error`` is the linearised σ of ``value`` (dimensionless); ``stderr`` is the face's
    mapping (``{"H_per_La": error}``).
    ``factors`` lists each factor of the ratio by name; ``budget`` each source's relative
    contribution to the error. ``efficiency`` names how Λ_La/Λ_H was obtained (a key of
    ``EFFICIENCY``); ``assumptions`` says, in short sentences, every input that was not
    given and what was taken instead; ``t90_la_central`` records whether the ¹³⁹La t₉₀
    was measured on the central transition (None: not stated, or Λ_La not from t₉₀).
    """

    value: float
    error: float
    mc_median: float
    mc_mean: float
    mc_interval: tuple[float, float]
    factors: dict
    budget: dict
    calibrated: bool = False
    notes: tuple[str, ...] = ()
    efficiency: str = ""
    assumptions: tuple[str, ...] = ()
    t90_la_central: bool | None = None
    success: bool = True
    message: str = "H/La from the time-domain SNRs of the two channels"

    @property
    def title(self) -> str:
        return "H/La"

    def quantities(self) -> dict[str, Measurement]:
        return {"H_per_La": Measurement(self.value, self.error, "")}

    def measurement(self, key: str = "H_per_La") -> Measurement:
        """H/La ± its linearised σ (the only quantity; ``key`` for the common face)."""
        return super().measurement(key)

    def to_dict(self) -> dict:
        return self.with_face(
            {"H_per_La": {"value": self.value, "stderr": self.error, "unit": "",
                          "interval_68": list(self.mc_interval),
                          "mc_median": self.mc_median, "mc_mean": self.mc_mean},
             "factors": dict(self.factors), "error_budget": dict(self.budget),
             "calibrated": self.calibrated, "efficiency": self.efficiency,
             "assumptions": list(self.assumptions),
             "t90_la_central": self.t90_la_central, "notes": list(self.notes)})

    def report(self) -> str:
        """The common report, with the Monte Carlo median and interval, the factors and
        the assumptions."""
        lo, hi = self.mc_interval
        lines = [super().report(), "[[Monte Carlo]]",
                 f"    median {self.mc_median:.6g}, 16–84 % [{lo:.6g}, {hi:.6g}]",
                 f"[[Factors]] (efficiency: {self.efficiency})"]
        lines += [f"    {k} = {v:.6g}" for k, v in self.factors.items()]
        if self.assumptions:
            lines.append("[[Assumptions]]")
            lines += [f"    - {a}" for a in self.assumptions]
        return "\n".join(lines)


def _pair(name: str, h, la, default: float, sentence: str, assumptions: list[str]):
    """Both values of a channel pair, or ``default`` for both (recording ``sentence``)."""
    if h is None and la is None:
        assumptions.append(sentence)
        return default, default
    if h is None or la is None:
        raise ValueError(f"{name}: give it for both channels or for neither")
    return h, la


def h_per_la(snr_h: float, snr_la: float, scans_h: int | None = None,
             scans_la: int | None = None, *,
             snr_h_err: float = 0.0, snr_la_err: float = 0.0,
             bandwidth_h_hz: float | None = None, bandwidth_la_hz: float | None = None,
             noise_temperature_h_k: float | None = None,
             noise_temperature_la_k: float | None = None,
             efficiency: str | None = None,
             lambda_h: float | None = None, lambda_la: float | None = None,
             t90_h_s: float | None = None, power_h_w: float | None = None,
             t90_la_s: float | None = None, power_la_w: float | None = None,
             t90_la_central: bool | None = None,
             lambda_rel_err_h: float | None = None, lambda_rel_err_la: float | None = None,
             epsilon_la: float | str | None = None, saturation_h: float | None = None,
             saturation_la: float | None = None, abundance: bool = True,
             nuc_h: str = "1H", nuc_la: str = "139La",
             calibration: tuple[float, float] | None = None,
             monte_carlo: int = 20000, seed: int = 0) -> QuantResult:
    """N_H/N_La from the time-domain SNRs of the two channels (PHYSICS §4.2).

    N_H/N_La = (SNR_H/SNR_La)·√(NS_La/NS_H)·√(Δf_H/Δf_La)·√(T_n,H/T_n,La)
               · [γ_La³ I_La(I_La+1) a_La ε_La s_La Λ_La] / [γ_H³ I_H(I_H+1) a_H ε_H s_H Λ_H]

    Nothing is assumed silently: every input left as None is replaced by the value named in
    the result's ``assumptions`` (equal scans, bandwidths and noise temperatures on both
    channels; ε_La = 1; full recovery; the ``DEFAULT_EFFICIENCY`` Λ ratio).

    Parameters
    ----------
    snr_h, snr_la : float
        Time-domain SNR at t = 0 (amplitude over the rms noise of one real channel).
    scans_h, scans_la : int, optional
        Number of scans of each acquisition (both or neither; neither: assumed equal).
    snr_h_err, snr_la_err : float
        1σ of each SNR.
    bandwidth_h_hz, bandwidth_la_hz : float, optional
        Noise bandwidth of each channel in Hz (both or neither; neither: assumed equal).
    noise_temperature_h_k, noise_temperature_la_k : float, optional
        Effective noise temperature of each channel in K (both or neither; neither: equal).
    efficiency : {"shared-coil", "equal", "t90", "calibrated"}, optional
        How Λ_La/Λ_H is obtained (see ``EFFICIENCY``). None: ``calibrated`` when a
        ``calibration`` is given, else ``t90`` when Λ of both channels is given or follows
        from t₉₀ and power, else ``DEFAULT_EFFICIENCY`` (``shared-coil``, 1.628), recorded
        as an assumption.
    lambda_h, lambda_la : float, optional
        Resonator efficiency Λ = B₁/√P (T W^-½); or from ``t90_*_s`` (s) and ``power_*_w``
        (W) by Λ = π/(2γt₉₀√P).
    t90_la_central : bool, optional
        Whether the ¹³⁹La t₉₀ was measured on the central transition, which nutates
        (I+½) = 4× faster: then Λ_La comes from (I+½)·t₉₀. Required when Λ_La comes from
        t₉₀ and ε_La < 1 (a central-transition mode).
    lambda_rel_err_h, lambda_rel_err_la : float, optional
        Relative 1σ of each Λ; None: ``LAMBDA_REL_ERR_DEFAULT`` (5 %, recorded as an
        assumption when Λ enters, i.e. without a calibration).
    epsilon_la : float or {"full", "ct-linear", "ct-selective"}, optional
        ¹³⁹La excitation factor ε (see ``LA_EXCITATION``); None: 1, the cubic La site
        (recorded as an assumption).
    saturation_h, saturation_la : float, optional
        Recovery 1 − exp(−T_R/T₁) of each channel; None: 1 (recorded as an assumption).
    abundance : bool
        Include the natural abundances.
    calibration : (factor, relative error), optional
        A per-cell factor from :func:`calibration_factor`: the Λ_La/Λ_H (with any other
        unmodelled instrumental factor) measured on the precursor; Λ and its uncertainty
        are then left out.
    monte_carlo : int
        Number of draws (0: none); SNRs drawn normal, Λ log-normal.

    Raises
    ------
    ValueError
        For non-positive SNRs, scans, bandwidths, temperatures or factors; a pair given
        for one channel only; an ``efficiency`` that lacks its inputs or contradicts a
        calibration; Λ_La from t₉₀ in a central-transition mode without ``t90_la_central``.
    """
    assumptions: list[str] = []
    eps = _excitation(epsilon_la, assumptions)
    scans_h, scans_la = _pair("scans", scans_h, scans_la, 1,
                              "equal numbers of scans on both channels", assumptions)
    bandwidth_h_hz, bandwidth_la_hz = _pair(
        "noise bandwidth", bandwidth_h_hz, bandwidth_la_hz, 1.0,
        "equal noise bandwidths Δf_H = Δf_La", assumptions)
    noise_temperature_h_k, noise_temperature_la_k = _pair(
        "noise temperature", noise_temperature_h_k, noise_temperature_la_k, 300.0,
        "equal noise temperatures T_n,H = T_n,La", assumptions)
    if saturation_h is None:
        saturation_h = 1.0
        assumptions.append("full ¹H recovery, s_H = 1 (T_R ≫ T₁)")
    if saturation_la is None:
        saturation_la = 1.0
        assumptions.append("full ¹³⁹La recovery, s_La = 1 (T_R ≫ T₁)")
    _require({"SNR_H": snr_h, "SNR_La": snr_la, "scans_H": scans_h, "scans_La": scans_la,
              "bandwidth_H": bandwidth_h_hz, "bandwidth_La": bandwidth_la_hz,
              "T_n,H": noise_temperature_h_k, "T_n,La": noise_temperature_la_k,
              "epsilon_La": eps, "saturation_H": saturation_h, "saturation_La": saturation_la},
             "must be a positive number", lambda v: v > 0)
    if calibration is None and (lambda_rel_err_h is None or lambda_rel_err_la is None):
        assumptions.append(f"Λ known to {100 * LAMBDA_REL_ERR_DEFAULT:g} % per channel "
                           "(default σ; the manifest's lambda_relative_uncertainty or "
                           "--lambda-err sets it)")
    lambda_rel_err_h = LAMBDA_REL_ERR_DEFAULT if lambda_rel_err_h is None else lambda_rel_err_h
    lambda_rel_err_la = (LAMBDA_REL_ERR_DEFAULT if lambda_rel_err_la is None
                         else lambda_rel_err_la)
    _require({"snr_h_err": snr_h_err, "snr_la_err": snr_la_err,
              "lambda_rel_err_h": lambda_rel_err_h, "lambda_rel_err_la": lambda_rel_err_la},
             "must be ≥ 0", lambda v: v >= 0)
    h, la = nucleus(nuc_h), nucleus(nuc_la)
    notes = [f"γ_H = {h.gamma:.6e}, γ_La = {la.gamma:.6e} rad s⁻¹ T⁻¹; I_H = {h.spin}, "
             f"I_La = {la.spin}"]
    mode, lam_ratio, used_central = _efficiency_ratio(
        efficiency, calibration, eps, nuc_h, nuc_la, lambda_h=lambda_h, lambda_la=lambda_la,
        t90_h_s=t90_h_s, power_h_w=power_h_w, t90_la_s=t90_la_s, power_la_w=power_la_w,
        t90_la_central=t90_la_central, notes=notes, assumptions=assumptions)

    nuclear = 1.0 / per_spin_factor(nuc_h, nuc_la, abundance)
    factors = {
        "SNR_H/SNR_La": snr_h / snr_la,
        "sqrt(NS_La/NS_H)": float(np.sqrt(scans_la / scans_h)),
        "sqrt(bandwidth_H/bandwidth_La)": float(np.sqrt(bandwidth_h_hz / bandwidth_la_hz)),
        "sqrt(T_n,H/T_n,La)": float(np.sqrt(noise_temperature_h_k / noise_temperature_la_k)),
        "nuclear (gamma^3 I(I+1)" + (" a" if abundance else "") + ") La/H": nuclear,
        "epsilon_La/epsilon_H": eps,
        "saturation_La/saturation_H": saturation_la / saturation_h,
        "Lambda_La/Lambda_H": float(lam_ratio),
    }
    raw = float(np.prod(list(factors.values())))
    budget = {"SNR_H": snr_h_err / snr_h, "SNR_La": snr_la_err / snr_la}
    if calibration is not None:
        c, c_rel = calibration
        factors["calibration"] = float(c)
        budget["calibration"] = float(c_rel)
        value = raw * c
        notes.append("calibrated on the cell's precursor: Λ_La/Λ_H and the other "
                     "instrumental factors taken as on the precursor's day")
    else:
        budget["Lambda_H"] = lambda_rel_err_h
        budget["Lambda_La"] = lambda_rel_err_la
        value = raw
    rel = float(np.sqrt(sum(v**2 for v in budget.values())))
    med = mean = float("nan")
    interval = (float("nan"), float("nan"))
    if monte_carlo:
        med, mean, interval = _monte_carlo(value, (snr_h, snr_h_err), (snr_la, snr_la_err),
                                           budget, calibration is not None, int(monte_carlo),
                                           seed)
        notes.append("Monte Carlo mean is biased high by the 1/SNR_La nonlinearity; the value "
                     "is the linearised one, the median is given beside it")
    return QuantResult(value=float(value), error=float(value * rel), mc_median=med,
                       mc_mean=mean, mc_interval=interval, factors=factors,
                       budget={k: float(v) for k, v in budget.items()},
                       calibrated=calibration is not None, notes=tuple(notes),
                       efficiency=mode, assumptions=tuple(assumptions),
                       t90_la_central=used_central)


def _excitation(epsilon_la: float | str | None, assumptions: list[str]) -> float:
    """ε_La from a number or a name of ``LA_EXCITATION``; None: 1 (an assumption)."""
    if epsilon_la is None:
        assumptions.append("ε_La = 1: cubic La site, all 2I transitions excited together")
        return 1.0
    if isinstance(epsilon_la, str):
        if epsilon_la not in LA_EXCITATION:
            raise ValueError(f"epsilon_la {epsilon_la!r}: a number or one of "
                             f"{', '.join(LA_EXCITATION)}")
        return LA_EXCITATION[epsilon_la]
    return float(epsilon_la)


def _require(values: dict, what: str, ok) -> None:
    """ValueError naming the first of ``values`` that is not finite or fails ``ok``."""
    for k, v in values.items():
        if not np.isfinite(v) or not ok(v):
            raise ValueError(f"{k} {what}, got {v!r}")


def _efficiency_ratio(efficiency: str | None, calibration, eps: float, nuc_h: str,
                      nuc_la: str, *, lambda_h, lambda_la, t90_h_s, power_h_w, t90_la_s,
                      power_la_w, t90_la_central: bool | None, notes: list[str],
                      assumptions: list[str]) -> tuple[str, float, bool | None]:
    """How Λ_La/Λ_H is obtained (a key of ``EFFICIENCY``), its value (dimensionless) and
    whether the ¹³⁹La t₉₀ it came from was measured on the central transition (None: not
    stated, or Λ_La not from t₉₀); appends to ``notes`` and ``assumptions`` (see
    :func:`h_per_la` for the arguments and the ValueErrors)."""
    la = nucleus(nuc_la)
    has_h = lambda_h is not None or (t90_h_s is not None and power_h_w is not None)
    has_la = lambda_la is not None or (t90_la_s is not None and power_la_w is not None)
    if efficiency is not None and efficiency not in EFFICIENCY:
        raise ValueError(f"efficiency {efficiency!r}: one of {', '.join(EFFICIENCY)}")
    if calibration is not None and efficiency not in (None, "calibrated"):
        raise ValueError(f"a precursor calibration measures Λ_La/Λ_H; efficiency "
                         f"{efficiency!r} contradicts it")
    if efficiency == "calibrated" and calibration is None:
        raise ValueError("efficiency 'calibrated' needs the precursor's calibration factor")
    mode = efficiency
    if mode is None:
        if calibration is not None:
            mode = "calibrated"
        elif has_h and has_la:
            mode = "t90"
        elif has_h or has_la:
            raise ValueError("Λ from t₉₀ needs t₉₀ and power (or Λ) of both channels; "
                             "or choose an efficiency")
        else:
            mode = DEFAULT_EFFICIENCY
            assumptions.append(f"no Λ measured and no precursor calibration: "
                               f"{EFFICIENCY[mode]} = {shared_coil_ratio(nuc_h, nuc_la):.3f} "
                               f"(default {mode})")
    used_central: bool | None = None
    if mode == "t90":
        if not (has_h and has_la):
            raise ValueError("efficiency 't90' needs t₉₀ and power (or Λ) of both channels")
        if lambda_h is None:
            lambda_h = resonator_efficiency(nuc_h, t90_h_s, power_h_w)
        if lambda_la is None:
            if eps < 1 and t90_la_central is None:
                raise ValueError("ε_La < 1 (central-transition mode) and Λ_La from t₉₀: say "
                                 "whether the ¹³⁹La t₉₀ was measured on the central "
                                 "transition, which nutates (I+½)× faster")
            used_central = bool(t90_la_central) if t90_la_central is not None else None
            t90 = t90_la_s * ((la.spin + 0.5) if t90_la_central else 1.0)
            lambda_la = resonator_efficiency(nuc_la, t90, power_la_w)
            if t90_la_central:
                notes.append(f"¹³⁹La t₉₀ measured on the central transition: Λ_La from "
                             f"(I+½)·t₉₀ = {la.spin + 0.5:g}·t₉₀")
            elif t90_la_central is False:
                notes.append("¹³⁹La t₉₀ measured on the full (non-selective) nutation")
            else:
                assumptions.append("¹³⁹La t₉₀ taken as the non-selective nutation (as for "
                                   "ε_La = 1); on the central transition it would be "
                                   f"{la.spin + 0.5:g}× shorter")
        lam_ratio = lambda_la / lambda_h
    elif mode == "shared-coil":
        lam_ratio = shared_coil_ratio(nuc_h, nuc_la)
    else:  # equal, or calibrated (the calibration factor holds Λ_La/Λ_H)
        lam_ratio = 1.0
    if efficiency is not None and mode != "calibrated":
        notes.append(f"efficiency chosen: {mode} ({EFFICIENCY[mode]})")
    if mode in ("equal", "shared-coil", "calibrated") and (has_h or has_la):
        notes.append(f"the Λ/t₉₀ given are not used (efficiency {mode})")
    if t90_la_central is not None and used_central is None:
        notes.append("t90_la_central not used: Λ_La does not come from t₉₀")

    return mode, float(lam_ratio), used_central


def _monte_carlo(value: float, snr_h: tuple[float, float], snr_la: tuple[float, float],
                 budget: dict, calibrated: bool, n: int, seed: int
                 ) -> tuple[float, float, tuple[float, float]]:
    """(median, mean, 16–84 % interval) of ``n`` draws of H/La around ``value``: the SNRs
    (value, σ) drawn normal, the relative errors of Λ (or of the calibration) in ``budget``
    log-normal."""
    rng = np.random.default_rng(seed)
    (sh0, sh_err), (sl0, sl_err) = snr_h, snr_la
    sh = rng.normal(sh0, sh_err, n) if sh_err else np.full(n, sh0)
    sl = rng.normal(sl0, sl_err, n) if sl_err else np.full(n, sl0)
    draw = value * (sh / sh0) / (sl / sl0)
    if calibrated:
        draw = draw * np.exp(rng.normal(0, budget["calibration"], n))
    else:
        draw = draw * np.exp(rng.normal(0, budget["Lambda_La"], n)
                             - rng.normal(0, budget["Lambda_H"], n))
    draw = draw[np.isfinite(draw) & (sl > 0)]
    return (float(np.median(draw)), float(np.mean(draw)),
            (float(np.percentile(draw, 16)), float(np.percentile(draw, 84))))


def calibration_factor(known: float, measured: QuantResult) -> tuple[float, float]:
    """(factor, relative 1σ) that maps the uncalibrated ratio of a reference measurement of
    known stoichiometry (the precursor LaH₃) onto ``known``.

    The factor is the Λ_La/Λ_H (dimensionless) the reference implies, with any other
    unmodelled instrumental factor: ``known`` over the reference's ratio without its
    Λ_La/Λ_H factor, so it does not depend on the efficiency the reference was computed
    with. Only the SNR errors of the reference enter: the instrumental factors cancel when
    it is applied to the same cell."""
    if measured.calibrated:
        raise ValueError("the calibration needs an uncalibrated reference measurement")
    lam = measured.factors.get("Lambda_La/Lambda_H", 1.0)
    if not (np.isfinite(known) and known > 0 and measured.value > 0 and lam > 0):
        raise ValueError("the calibration needs a positive known H/La and measurement")
    rel = float(np.hypot(measured.budget.get("SNR_H", 0.0), measured.budget.get("SNR_La", 0.0)))
    return float(known * lam / measured.value), rel
